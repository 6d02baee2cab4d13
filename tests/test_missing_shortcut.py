"""An expression whose inputs are missing everywhere (an item no county gave data for) is not computed: the runtime
returns NaN at once. These tests evaluate every shipped pack twice — with the shortcut and with it switched off —
on data where many inputs are missing everywhere (a generated nation gives only the resource inputs) and on the
demo county, and compare every array of the results: the shortcut may change the time, never a value."""

from __future__ import annotations

import csv
import dataclasses
import importlib
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qbalance
from qbalance._engine.runtime import Runtime

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
make_nation = importlib.import_module("make_nation")

PACKS = ("cn-moe-2017", "cn-moe-2012-basic", "cn-yn-2022", "cn-yn-wenshan-2024")


def _same(a: Any, b: Any, where: str) -> list[str]:
    """Where two results differ: arrays (NaN equal to NaN), dicts, lists and dataclasses compared all the way down."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        ok = a_arr.shape == b_arr.shape and (
            np.array_equal(a_arr, b_arr, equal_nan=a_arr.dtype.kind == "f")
            if a_arr.dtype.kind in "fbiu"
            else a_arr.tolist() == b_arr.tolist()
        )
        return [] if ok else [where]
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return [where]
        return [d for k in a for d in _same(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return [where]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _same(x, y, f"{where}[{i}]")]
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return [
            d
            for f in dataclasses.fields(a)
            for d in _same(getattr(a, f.name), getattr(b, f.name), where + "." + f.name)
        ]
    if hasattr(a, "__slots__"):
        return [d for s in a.__slots__ for d in _same(getattr(a, s), getattr(b, s), f"{where}.{s}")]
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return []
    return [] if a == b else [where]


def _compare(std: qbalance.Standard, table: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    """Evaluate with and without the shortcut; return how many names it found missing everywhere."""
    fired: list[str] = []
    real = Runtime.missing_everywhere

    def counting(self: Runtime, name: str) -> bool:
        out = real(self, name)
        if out:
            fired.append(name)
        return out

    monkeypatch.setattr(Runtime, "missing_everywhere", counting)
    fast = std.run(table)
    monkeypatch.setattr(Runtime, "missing_everywhere", lambda self, name: False)
    slow = std.run(table)
    monkeypatch.undo()
    fields = ("scopes", "indicators", "items", "areas", "verdict", "values", "computed")
    diffs = [d for f in fields for d in _same(getattr(fast, f), getattr(slow, f), f)]
    assert not diffs, diffs[:10]
    return len(set(fired))


@pytest.mark.parametrize("pack", PACKS)
def test_the_shortcut_changes_no_value_where_inputs_are_missing_everywhere(
    pack: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    std = qbalance.load_standard(pack)
    nation = make_nation.write_table(make_nation.make_nation(300, 5, 11), tmp_path / "n.csv")
    table = qbalance.evaluate_many(nation, std).table
    assert _compare(std, table, monkeypatch) > 0  # the shortcut was taken: many inputs are missing everywhere


@pytest.mark.parametrize("pack", PACKS)
def test_the_shortcut_changes_no_value_on_a_full_county(pack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    std = qbalance.load_standard(pack)
    table = std.read(qbalance.demo_path()).table
    _compare(std, table, monkeypatch)


def _writeable_all(cols: dict[str, np.ndarray]) -> list[str]:
    return [k for k, v in cols.items() if not v.flags.writeable]


@pytest.mark.parametrize("pack", PACKS)
def test_an_absent_input_column_reads_as_a_column_of_empty_cells_and_costs_no_memory_per_row(
    pack: str, tmp_path: Path
) -> None:
    """The independent method: the same table with every declared input the table lacks added as a column of empty
    cells (``None``), read and checked cell by cell. Both must give equal result tables; the absent columns are kept
    as one NaN seen on every row (stride 0), and every column handed back can be changed by the caller."""
    std = qbalance.load_standard(pack)
    path = make_nation.write_table(make_nation.make_nation(300, 5, 11), tmp_path / "n.csv")
    absent_res = qbalance.evaluate_many(path, std)
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    absent = [name for name in std.pack.inputs if name not in rows[0]]
    assert absent  # the generated nation gives only the resource inputs
    filled = tmp_path / "with-empty-columns.csv"
    with filled.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([rows[0] + absent] + [r + [""] * len(absent) for r in rows[1:]])
    empty_res = qbalance.evaluate_many(filled, std)
    for got, want in ((absent_res.counties(), empty_res.counties()), (absent_res.schools(), empty_res.schools())):
        assert not _same(got, want, "table"), _same(got, want, "table")[:10]
        assert _writeable_all(got) == []
    levels = absent_res.table.levels
    stored = [lv.columns[n] for lv in levels.values() for n in absent if n in lv.columns]
    assert stored and all(a.strides == (0,) and not a.flags.writeable for a in stored if a.size > 1)
