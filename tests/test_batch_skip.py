"""``evaluate_many(..., on_error="skip")`` and ``qbalance evaluate-batch --on-error skip``: the counties with good data
are evaluated, a county with any input problem is left out whole, and the problems are written to a table.

Expected counts are by hand: each test says which cells are bad and so which counties must be left out; the results
of the evaluated counties are checked against evaluating those counties alone (with ``on_error="raise"``).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qbalance
from conftest import county, school
from qbalance._api.batch import PROBLEM_COLUMNS
from qbalance._cli.batch import add_batch_options, batch_command, run_batch
from qbalance._data.columns import county_to_columns
from qbalance._data.models import County

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

make_nation = importlib.import_module("make_nation")


def _concat(*counties: dict[str, Any]) -> dict[str, list[Any]]:
    """The rows of several county dicts in one table, in order (a column one of them lacks is blank there)."""
    parts = [county_to_columns(County.model_validate(c)) for c in counties]
    names = list(dict.fromkeys(k for p in parts for k in p))
    return {k: [v for p in parts for v in p.get(k, [None] * len(p["school_id"]))] for k in names}


def _three_counties() -> dict[str, list[Any]]:
    """Counties 990001, 990002, 990003, two schools each (A1, B1 / A2, B2 / A3, B3), all valid; rows in that order
    (row 2 is A1, row 3 B1, row 4 A2, row 5 B2, row 6 A3, row 7 B3)."""
    return _concat(*(county(school(f"A{n}"), school(f"B{n}"), code=f"99000{n}", name=f"县{n}") for n in (1, 2, 3)))


def _bad(cols: dict[str, list[Any]], cells: dict[tuple[str, int], Any]) -> dict[str, list[Any]]:
    out = {k: list(v) for k, v in cols.items()}
    for (column, row), value in cells.items():
        out[column][row - 2] = value  # row as the file names it: 2 is the first data row
    return out


# three bad cells: two in county 990002 (school B2's students and area), one in 990003 (school A3's location)
BAD_CELLS = {("students", 5): "many", ("facilities.teaching_aux_area", 5): "5,60", ("location", 6): "城关"}


def test_the_good_counties_are_evaluated_and_the_bad_ones_listed() -> None:
    result = qbalance.evaluate_many(_bad(_three_counties(), BAD_CELLS), on_error="skip")
    assert result.county_codes == ["990001"]
    assert result.skipped == ["990002", "990003"]
    assert len(result.problems) == 3
    alone = qbalance.evaluate_many(_three_counties(), on_error="raise")
    # the county evaluated is evaluated exactly as in the batch of the three good counties
    assert result.report("990001").model_dump(exclude={"provenance"}) == alone.report("990001").model_dump(
        exclude={"provenance"}
    )
    table = result.problems_table("en")
    assert list(table) == list(PROBLEM_COLUMNS)
    rows = sorted(zip(*(table[c].tolist() for c in PROBLEM_COLUMNS), strict=True), key=lambda r: (r[1], r[3]))
    assert [(r[0], r[1], r[2], r[4], r[6]) for r in rows] == [  # by row, then field ("students…" < "teaching…")
        ("990002", 5, "B2", "many", "units.unreadable"),
        ("990002", 5, "B2", "5,60", "units.bad_separator"),
        ("990003", 6, "A3", "城关", "columns.not_one_of"),
    ]
    assert rows[1][3] == "teaching and auxiliary floor area [facilities.teaching_aux_area]"
    assert rows[2][5].startswith("not one of urban, town, rural")


@pytest.mark.zh
def test_the_problems_table_is_in_chinese_by_default() -> None:
    result = qbalance.evaluate_many(_bad(_three_counties(), BAD_CELLS), on_error="skip")
    table = result.problems_table()
    (location,) = [i for i, k in enumerate(table["key"].tolist()) if k == "columns.not_one_of"]
    assert table["message"][location] == "应为以下之一：城区、镇区、乡村"
    assert table["field"][location] == "城乡分类 [location]"


def test_raise_stays_the_default_and_skip_changes_nothing_on_good_data() -> None:
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate_many(_bad(_three_counties(), BAD_CELLS))
    assert len(info.value.problems) == 3
    good = qbalance.evaluate_many(_three_counties(), on_error="skip")
    assert good.county_codes == ["990001", "990002", "990003"] and good.skipped == [] and good.problems == []
    unknown: Any = "ignore"
    with pytest.raises(qbalance.InputError, match="on_error must be raise or skip"):
        qbalance.evaluate_many(_three_counties(), on_error=unknown)


def test_a_row_without_a_county_code_skips_the_counties_it_may_belong_to() -> None:
    # row 4 is school A2's only row: without its code A2 belongs to no county, and a county evaluated without it
    # might be half a county. Its neighbours are row 3 (B1, 990001) and row 5 (B2, 990002): both are skipped.
    cols = _bad(_three_counties(), {("county_code", 4): None})
    result = qbalance.evaluate_many(cols, on_error="skip")
    assert result.skipped == ["990001", "990002"] and result.county_codes == ["990003"]
    (problem,) = result.problems
    assert (problem.extra["county_code"], problem.extra["row"], problem.school_id) == ("990001, 990002", 4, "A2")


def test_a_row_without_a_county_code_skips_the_county_of_its_school() -> None:
    # a two-section school (nine-year) whose junior row lacks the code: its primary row says 990002
    counties = [county(school(f"A{n}"), school(f"B{n}"), code=f"99000{n}", name=f"县{n}") for n in (1, 2, 3)]
    nine = county(school("N2", "nine_year", sections=_NINE), code="990002", name="县2")
    cols = _concat(*counties, nine)
    assert cols["school_id"][6:] == ["N2", "N2"] and cols["section"][6:] == ["primary", "junior"]
    cols["county_code"][7] = None  # row 9: N2's junior section (its neighbours: row 8, N2, 990002; no row after)
    result = qbalance.evaluate_many(cols, on_error="skip")
    assert result.skipped == ["990002"] and result.county_codes == ["990001", "990003"]
    (problem,) = result.problems
    assert (problem.extra["county_code"], problem.extra["row"], problem.school_id) == ("990002", 9, "N2")


_NINE = {
    "primary": {"students": 600, "teachers": {"full_time": 36, "above_qualified": 25, "backbone": 6, "pe_art": 6}},
    "junior": {"students": 400, "teachers": {"full_time": 34, "above_qualified": 30, "backbone": 5, "pe_art": 5}},
}


def test_a_bad_cell_in_the_counties_table_skips_that_county() -> None:
    cols = _three_counties()
    counties = {"county_code": ["990001", "990002", "990003"], "quality_quota_share": [0.5, 1.5, 0.5]}
    for k in ("quality_quota_share",):
        cols.pop(k)
    result = qbalance.evaluate_many(cols, counties=counties, on_error="skip")
    assert result.skipped == ["990002"] and result.county_codes == ["990001", "990003"]
    (problem,) = result.problems
    # the counties table's row 3 (990002's), its own table named in the problem
    assert (problem.extra["county_code"], problem.extra["row"], problem.field) == ("990002", 3, "quality_quota_share")
    assert problem.source == "counties"
    assert not [w for w in result.table.warnings if w.field == "county_code"]  # 990002 is not "a county with no school"


def test_a_problem_of_the_whole_table_still_raises() -> None:
    cols = _bad(_three_counties(), BAD_CELLS)
    cols.pop("location")  # a required column: no county can be read
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate_many(cols, on_error="skip")
    assert [p.field for p in info.value.problems] == ["location"]


def test_every_county_bad_gives_no_county_and_every_problem() -> None:
    cols = _bad(_three_counties(), {("students", 2): -1, ("students", 4): -1, ("students", 6): -1})
    result = qbalance.evaluate_many(cols, on_error="skip")
    assert result.county_codes == [] and result.skipped == ["990001", "990002", "990003"]
    assert [p.extra["row"] for p in result.problems] == [2, 4, 6]
    assert result.counties()["verdict"].size == 0  # every result table still has its columns


@pytest.fixture(scope="module")
def nation() -> dict[str, np.ndarray]:
    return make_nation.make_nation(400, 8, 5)


def _codes(cols: dict[str, np.ndarray]) -> list[str]:
    return list(dict.fromkeys(cols["county_code"].tolist()))


def test_on_a_generated_nation_the_good_counties_match_their_batch_alone(nation: dict[str, np.ndarray]) -> None:
    codes = _codes(nation)
    assert len(codes) == 8
    bad = {k: v.copy() for k, v in nation.items()}
    bad["students"] = bad["students"].astype(object)
    first_rows = {c: int(np.flatnonzero(nation["county_code"] == c)[0]) for c in codes}
    # bad cells in the 2nd, 5th and 7th counties (two in the 5th): 3 counties skipped, 5 evaluated
    bad["students"][first_rows[codes[1]]] = "n/a"
    bad["students"][first_rows[codes[4]]] = -4
    bad["location"][first_rows[codes[4]] + 1] = "郊区"
    bad["students"][first_rows[codes[6]]] = "1,2345"
    result = qbalance.evaluate_many(bad, on_error="skip")
    skipped = sorted([codes[1], codes[4], codes[6]])
    assert result.skipped == skipped and len(result.problems) == 4
    good_codes = [c for c in codes if c not in skipped]
    assert result.county_codes == good_codes
    keep = ~np.isin(nation["county_code"], skipped)
    alone = qbalance.evaluate_many({k: v[keep] for k, v in nation.items()})
    got, want = result.counties(), alone.counties()
    assert set(got) == set(want)
    for k in want:
        assert got[k].tolist() == want[k].tolist() or np.allclose(got[k], want[k], equal_nan=True), k
    # the problems name their rows as the file does: the row index + 2
    assert sorted(p.extra["row"] for p in result.problems) == sorted(
        [first_rows[codes[1]] + 2, first_rows[codes[4]] + 2, first_rows[codes[4]] + 3, first_rows[codes[6]] + 2]
    )


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_run_batch_skip_writes_the_problems_and_exits_by_the_evaluated_counties(
    nation: dict[str, np.ndarray], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = _codes(nation)
    bad = {k: v.copy() for k, v in nation.items()}
    bad["students"] = bad["students"].astype(object)
    row = int(np.flatnonzero(nation["county_code"] == codes[2])[0])
    bad["students"][row] = "many"
    src = make_nation.write_table(bad, tmp_path / "bad.csv")
    assert run_batch(src, tmp_path / "raise", "cn-moe-2017", "csv") == 2  # the default: nothing evaluated
    assert not (tmp_path / "raise").exists()
    capsys.readouterr()
    status = run_batch(src, tmp_path / "out", "cn-moe-2017", "csv", on_error="skip", lang="en")
    counties = _read_csv(tmp_path / "out" / "counties.csv")
    assert [r["county_code"] for r in counties] == [c for c in codes if c != codes[2]]
    verdicts = {r["verdict"] for r in counties}
    assert status == (1 if "fail" in verdicts else 3 if "incomplete" in verdicts else 0)
    (problem,) = _read_csv(tmp_path / "out" / "problems.csv")
    assert problem["county_code"] == codes[2] and problem["row"] == str(row + 2)
    assert problem["value"] == "many" and problem["key"] == "units.unreadable"
    assert problem["message"].startswith("cannot read 'many'")
    out = capsys.readouterr().out
    assert "7 counties evaluated (" in out and "1 counties skipped for input problems" in out
    assert str(tmp_path / "out" / "problems.csv") in out


@pytest.mark.zh
def test_run_batch_speaks_chinese_by_default(
    nation: dict[str, np.ndarray], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = _codes(nation)
    bad = {k: v.copy() for k, v in nation.items()}
    bad["location"][int(np.flatnonzero(nation["county_code"] == codes[0])[0])] = "城关"
    src = make_nation.write_table(bad, tmp_path / "bad.csv")
    run_batch(src, tmp_path / "out", "cn-moe-2017", "csv", on_error="skip")
    out = capsys.readouterr().out
    assert out.startswith("已评估7个县（") and "1个县因输入数据有问题未评估" in out
    (problem,) = _read_csv(tmp_path / "out" / "problems.csv")
    assert problem["message"] == "应为以下之一：城区、镇区、乡村"


def test_run_batch_exits_2_when_no_county_could_be_evaluated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cols = _bad(_three_counties(), {("students", 2): -1, ("students", 4): -1, ("students", 6): -1})
    src = make_nation.write_table({k: np.array(v, dtype=object) for k, v in cols.items()}, tmp_path / "bad.csv")
    assert run_batch(src, tmp_path / "out", on_error="skip", lang="en") == 2
    assert len(_read_csv(tmp_path / "out" / "problems.csv")) == 3
    assert "no county could be evaluated: all 3 counties have input problems" in capsys.readouterr().err


def test_the_option_adds_on_error_and_passes_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = argparse.ArgumentParser()
    for name in ("input",):
        parser.add_argument(name)
    parser.add_argument("--output", "-o")
    for option, default in (("--standard", "cn-moe-2017"), ("--format", "csv"), ("--counties", None)):
        parser.add_argument(option, default=default)
    parser.add_argument("--as-of")
    parser.add_argument("--plain-csv", action="store_true")
    add_batch_options(parser)
    args = parser.parse_args(["t.csv", "-o", "out", "--on-error", "skip", "--lang", "en"])
    assert (args.on_error, args.lang, args.func) == ("skip", "en", batch_command)
    assert parser.parse_args(["t.csv", "-o", "out"]).on_error == "raise"
    seen: dict[str, Any] = {}
    monkeypatch.setattr("qbalance._cli.batch.run_batch", lambda *a, **kw: seen.update(kw) or 0)
    assert batch_command(args) == 0 and (seen["on_error"], seen["lang"]) == ("skip", "en")
    # a parser with its own --lang keeps it
    own = argparse.ArgumentParser()
    own.add_argument("--lang", choices=["zh", "en"], default="en")
    add_batch_options(own)
    assert own.parse_args([]).lang == "en"
    with pytest.raises(SystemExit):
        parser.parse_args(["t.csv", "-o", "out", "--on-error", "ignore"])
