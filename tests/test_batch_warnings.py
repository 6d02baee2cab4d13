"""``qbalance evaluate-batch`` prints a warning repeated at many places once, with how many places and examples;
every warning is counted and none is dropped (src/qbalance/_cli/batch_warnings.py).

Expected counts come from an independent count: the hand-written kernel of the benchmark (benchmarks/hand_kernel.py,
numpy and pyarrow only) counts the same three warnings on the same table.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

from qbalance._base.errors import Problem
from qbalance._base.messages import msg
from qbalance._cli.batch import run_batch
from qbalance._cli.batch_warnings import EXAMPLES, group_warnings, print_warnings

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

hand_kernel = importlib.import_module("hand_kernel")
make_nation = importlib.import_module("make_nation")


def test_each_repeated_warning_is_one_line_with_its_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cols = make_nation.make_nation(3000, 30, 5)
    table = pa.table({c: make_nation._arrow_column(pa, v) for c, v in cols.items()})
    pq.write_table(table, tmp_path / "n.parquet")
    expected = {k: n for k, (n, _) in hand_kernel.prepare(table).warnings.items()}
    assert expected["senior-section data is not read"] > EXAMPLES  # repeated: the case this is about
    run_batch(tmp_path / "n.parquet", tmp_path / "out", fmt="parquet", lang="en")
    err = capsys.readouterr().err.splitlines()
    warnings = [line for line in err if line.startswith("warning: ")]
    words = {
        "section has no students": "section has no students",
        "senior-section data is not read": "ignored: senior section data",
        "section has students but no full-time teachers": "section has students but no full-time teachers",
    }
    for kind, n in expected.items():
        lines = [w for w in warnings if words[kind] in w]
        if n == 1:
            assert len(lines) == 1 and "places" not in lines[0]
            continue
        assert len(lines) == 1, (kind, lines)
        assert f"— {n:,} places, e.g. " in lines[0]
        examples = lines[0].split(", e.g. ")[1].split("; ")
        assert len(examples) == min(n, EXAMPLES) and all(e.startswith("school 99") for e in examples)
        assert lines[0].endswith(" …") == (n > EXAMPLES)
    assert len(warnings) == len(expected)


@pytest.mark.zh
def test_nothing_is_dropped_a_single_warning_is_printed_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    base = Problem.of(msg("data.section_no_students"), source="u.csv", value=0, field="sections.primary.students")
    many = [Problem.of(msg("data.section_no_students"), source="t.csv", school_id=f"S{i}") for i in range(7)]
    other = Problem.of(msg("data.section_no_teachers"), source="t.csv", school_id="T1", value=0)
    warnings = [*many[:3], base, other, *many[3:]]
    groups = group_warnings(warnings)
    assert [len(g) for g in groups] == [7, 1, 1]  # same message and file: one group; in order of first appearance
    assert sum(len(g) for g in groups) == len(warnings)
    print_warnings(warnings, limit=50)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3
    assert re.search(r"——共7处，例如：学校 S0、学校 S1、学校 S2、学校 S3、学校 S4等$", err[0]), err[0]
    assert err[1].startswith("警告：u.csv") and "共" not in err[1]
    assert err[2].startswith("警告：t.csv") and "T1" in err[2] and "共" not in err[2]
    print_warnings(warnings, limit=1)  # over the limit: how many warnings are not shown
    err = capsys.readouterr().err.splitlines()
    assert err[1] == "警告：……另有2条警告未列出"


def test_each_countys_warnings_are_its_own_and_those_of_the_whole_input() -> None:
    """A county's report lists the warnings naming it and those naming no county, in the order given — checked
    against filtering the whole list county by county (the plain way, which the index replaces), also after a
    warning is added."""
    import qbalance

    cols = make_nation.make_nation(3000, 30, 5)
    table = qbalance.evaluate_many(pa.table({c: make_nation._arrow_column(pa, v) for c, v in cols.items()})).table
    assert table.warnings and len({w.extra.get("county") for w in table.warnings}) > 3
    general = Problem.of(msg("batch.no_rows", path="x"))
    for _ in range(2):
        for county in range(len(table.county_codes)):
            plain = [w for w in table.warnings if w.extra.get("county", county) == county]
            assert table.warnings_for(county) == plain
        table.warnings.append(general)  # a warning about the input as a whole: every county's list has it
        assert table.warnings_for(0)[-1] is general


def test_placed_warnings_count_and_name_places_as_the_list_does(capsys: pytest.CaptureFixture[str]) -> None:
    """A batch keeps its section warnings as arrays (``Table.placed``) and makes one warning per place only when the
    list is read. The printed summary made from the arrays is the one made from the full list (the independent,
    one-object-per-place way), groups, counts and examples alike; every county's list is its share of the full
    list; the full list holds every place once."""
    import qbalance

    cols = make_nation.make_nation(3000, 30, 5)
    table = qbalance.evaluate_many(pa.table({c: make_nation._arrow_column(pa, v) for c, v in cols.items()})).table
    assert table.placed and sum(len(p) for p in table.placed) > EXAMPLES
    entries = table.warning_entries()
    print_warnings(entries, limit=50)
    from_arrays = capsys.readouterr().err
    grouped = [len(g) for g in group_warnings(entries)]
    everything = list(table.warnings)  # made now, one per place
    assert not table.placed and len(everything) == sum(grouped)
    print_warnings(everything, limit=50)
    assert capsys.readouterr().err == from_arrays
    assert [len(g) for g in group_warnings(everything)] == grouped
    places = [(w.school_id, w.path, w.key) for w in everything]
    assert len(set(places)) == len(places)
    expected = {k: n for k, (n, _) in hand_kernel.prepare(pa.table(cols)).warnings.items()}
    assert len(everything) == sum(expected.values())  # the hand kernel counts the same warnings


@pytest.mark.parametrize("seed", range(20))
def test_warning_groups_of_arrays_are_those_of_the_list(seed: int) -> None:
    """Groups made from :class:`PlacedWarnings` (variants interleaved, two variants saying the same thing, a made
    warning saying it too) equal the groups of the list with every place made — grouped one by one, as before."""
    import numpy as np

    from qbalance._data.placed_warnings import PlacedWarnings, warning_groups

    rng = np.random.default_rng(seed)
    said = [Problem.of(msg(key), source="t.csv") for key in ("data.section_no_students", "data.integer")]
    variants = (said[0], said[1], said[0])  # variants 0 and 2 say the same thing
    n = int(rng.integers(1, 40))
    batch = PlacedWarnings(
        variants=variants,
        variant=rng.integers(0, 3, n),
        school_ids=np.array([f"S{i}" for i in range(n)], dtype=object),
        sections=rng.integers(0, 3, n),
        counties=rng.integers(0, 4, n),
        field="students" if seed % 2 else None,
    )
    made = [Problem.of(msg("data.integer"), source="t.csv", school_id="X")] if seed % 3 else []
    full = [*made, *batch.problems()]
    plain: dict[tuple[str | None, str, str | None], list[Problem]] = {}
    for w in full:
        plain.setdefault((w.key, w.message, w.source), []).append(w)
    groups = warning_groups([*made, batch])
    assert [list(g) for g in groups] == list(plain.values())
    assert [g.head(3) for g in groups] == [g[:3] for g in plain.values()]
