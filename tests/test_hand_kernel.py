"""The hand-written kernel of the benchmark (benchmarks/hand_kernel.py) does qbalance's job on the national table:
every column of both result tables, every value, the same as qbalance's (an independent implementation: numpy and
pyarrow written out by hand, no qbalance import), and it refuses what qbalance refuses.

How the values are compared: the column names and their order exactly; text cells (codes, names, statuses,
verdicts) and booleans exactly; numbers to 1e-9 relative and 1e-12 absolute — the two sum the same numbers in
another order (a CV of a county whose values are all equal is 1.2e-16 in one and 0.0 in the other). A status
computed from a float (met, CV result) is compared exactly, so a difference that matters cannot hide in the
tolerance. No timing here: benchmarks/run.py measures.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qbalance

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

hand_kernel = importlib.import_module("hand_kernel")
make_nation = importlib.import_module("make_nation")


def _nation(schools: int, counties: int, seed: int) -> Any:
    cols = make_nation.make_nation(schools, counties, seed)
    return pa.table({c: make_nation._arrow_column(pa, v) for c, v in cols.items()})


def _hand(table: Any) -> tuple[Any, Any, hand_kernel.Prepared]:
    rules = hand_kernel.load_rules()
    prepared = hand_kernel.prepare(table)
    counties, schools = hand_kernel.tables(prepared, hand_kernel.kernel(prepared.x, rules), rules)
    return counties, schools, prepared


def _column(values: Any) -> np.ndarray:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return np.asarray(values.to_numpy(zero_copy_only=False))
    return np.asarray(values)


def _differences(q: dict[str, Any], h: dict[str, Any]) -> list[str]:
    """Every column that differs (names, order, length or a value), described."""
    out = []
    if list(q) != list(h):
        out.append(f"columns: {sorted(set(q) ^ set(h))} / order {list(q) == sorted(h)}")
    for name in q:
        if name not in h:
            continue
        a, b = _column(q[name]), _column(h[name])
        if a.shape != b.shape:
            out.append(f"{name}: {a.shape} vs {b.shape}")
        elif a.dtype.kind == "f" or b.dtype.kind == "f":
            a, b = a.astype(np.float64), b.astype(np.float64)
            if not np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True):
                out.append(f"{name}: numbers differ")
        elif a.tolist() != b.tolist():
            k = next(i for i, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)) if x != y)
            out.append(f"{name}: row {k}: {a[k]!r} vs {b[k]!r}")
    return out


@pytest.mark.parametrize(("schools", "counties", "seed"), [(1750, 25, 3), (600, 4, 9)])
def test_every_value_of_both_tables_agrees_with_qbalance(schools: int, counties: int, seed: int) -> None:
    table = _nation(schools, counties, seed)
    assert table.num_rows >= 650  # (1750, 25): about 2,000 section rows
    res = qbalance.evaluate_many(table, "cn-moe-2017")
    hc, hs, _ = _hand(table)
    assert _differences(res.counties(), hc.to_pydict()) == []
    assert _differences(res.schools(), hs.to_pydict()) == []
    # the comparison is not empty: both kinds of verdict, a CV judged, a school section out of scope
    verdicts = set(hc.column("area.resource").to_pylist())
    assert {"pass", "fail"} <= verdicts or schools < 1000
    assert not all(hs.column("in_scope.resource").to_pylist())


def test_the_comparison_finds_one_changed_value() -> None:
    table = _nation(400, 5, 2)
    res = qbalance.evaluate_many(table, "cn-moe-2017")
    _, hs, _ = _hand(table)
    h = hs.to_pydict()
    h["R3.value"] = list(h["R3.value"])
    k = next(i for i, v in enumerate(h["R3.value"]) if v == v)
    h["R3.value"][k] *= 1 + 1e-6
    assert _differences(res.schools(), h) == ["R3.value: numbers differ"]
    h = hs.to_pydict()
    h["R1.met"] = ["pass" if v == "fail" else "fail" for v in h["R1.met"]]
    assert [d.split(":")[0] for d in _differences(res.schools(), h)] == ["R1.met"]


def test_the_warnings_are_counted_as_qbalance_counts_them() -> None:
    table = _nation(1750, 25, 3)
    res = qbalance.evaluate_many(table, "cn-moe-2017")
    _, _, prepared = _hand(table)
    keys = {
        "section has no students": "data.section_no_students",
        "senior-section data is not read": "data.senior_ignored",
        "section has students but no full-time teachers": "data.section_no_teachers",
    }
    counted: dict[str | None, int] = {}
    for w in res.table.warnings:
        counted[w.key] = counted.get(w.key, 0) + int(w.extra.get("count", 1))
    assert counted.get("data.senior_ignored", 0) > 0
    assert {keys[k]: n for k, (n, _) in prepared.warnings.items()} == counted


def test_both_refuse_a_bad_cell() -> None:
    table = _nation(300, 3, 1)
    students = table.column("students").to_pylist()
    students[5] = -3
    bad = table.set_column(table.column_names.index("students"), "students", pa.array(students))
    with pytest.raises(hand_kernel.Invalid) as hand_error:
        hand_kernel.prepare(bad)
    assert hand_error.value.problems[0][:3] == (7, "students", -3.0)  # row 7 of the file: header, then rows 2…
    with pytest.raises(qbalance.InputError) as qb_error:
        qbalance.evaluate_many(bad, "cn-moe-2017")
    assert any(p.extra.get("row") == 7 and p.value in (-3, -3.0) for p in qb_error.value.problems)


def test_the_hand_cli_writes_the_files_evaluate_batch_writes(tmp_path: Path) -> None:
    path = tmp_path / "n.parquet"
    pq.write_table(_nation(500, 6, 4), path)
    hand = subprocess.run(
        [sys.executable, str(BENCH / "hand_kernel.py"), str(path), "-o", str(tmp_path / "hand")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert hand.returncode in (0, 1), hand.stderr
    from qbalance._cli.batch import run_batch

    run_batch(path, tmp_path / "qb", fmt="parquet")
    for name in ("counties", "schools"):
        q = pq.read_table(tmp_path / "qb" / f"{name}.parquet")
        h = pq.read_table(tmp_path / "hand" / f"{name}.parquet")
        assert q.schema.names == h.schema.names
        assert _differences(q.to_pydict(), h.to_pydict()) == []
    assert sorted(p.name for p in (tmp_path / "hand").iterdir()) == ["counties.parquet", "schools.parquet"]
