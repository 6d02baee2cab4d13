"""``qbalance evaluate-batch`` (``_cli_batch.run_batch``): files written, exit status, and rows equal to evaluating each
county alone with :func:`qbalance.evaluate`."""

from __future__ import annotations

import csv
import importlib
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qbalance
from qbalance._cli.batch import run_batch
from qbalance._data.columns import county_to_columns
from qbalance._data.intake import as_county as read_county

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

make_nation = importlib.import_module("make_nation")

TEACHERS = ("full_time", "above_qualified", "backbone", "pe_art")
FACILITIES = ("teaching_aux_area", "indoor_gym_area", "sports_ground_area", "equipment_value", "multimedia_classrooms")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _county_dict(cols: dict[str, np.ndarray], code: str) -> dict[str, Any]:
    """One county of a generated nation in the county file format (as a dict), for qbalance.evaluate."""
    rows = np.flatnonzero(cols["county_code"] == code).tolist()
    schools: dict[str, dict[str, Any]] = {}
    for i in rows:
        school = schools.setdefault(
            cols["school_id"][i],
            {
                "id": cols["school_id"][i],
                "name": cols["school_name"][i],
                "type": cols["school_type"][i],
                "ownership": cols["ownership"][i],
                "location": cols["location"][i],
                "sections": {},
                "facilities": {f: float(cols[f"facilities.{f}"][i]) for f in FACILITIES},
            },
        )
        teachers = {t: float(cols[f"teachers.{t}"][i]) for t in TEACHERS}
        school["sections"][cols["section"][i]] = {
            "students": int(cols["students"][i]),
            "teachers": {t: v for t, v in teachers.items() if not math.isnan(v)},
        }
    name = cols["county_name"][rows[0]]
    return {"format": "qbalance-county/1", "code": code, "name": name, "schools": list(schools.values())}


def _num(cell: str) -> float:
    return math.nan if cell == "" else float(cell)


def _same(a: float | None, b: float) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


@pytest.fixture(scope="module")
def nation() -> dict[str, np.ndarray]:
    return make_nation.make_nation(300, 5, 21)


def test_csv_batch_rows_equal_single_county_reports(
    nation: dict[str, np.ndarray], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = make_nation.write_table(nation, tmp_path / "nation.csv")
    out = tmp_path / "out"
    code = run_batch(src, out, "cn-moe-2017", "csv")
    assert sorted(p.name for p in out.iterdir()) == ["counties.csv", "schools.csv"]
    counties = _read_csv(out / "counties.csv")
    schools = _read_csv(out / "schools.csv")
    assert [c["county_code"] for c in counties] == list(dict.fromkeys(nation["county_code"].tolist()))
    assert len(schools) == int((nation["section"] != "senior").sum())  # senior rows only apportion facilities
    verdicts = {c["verdict"] for c in counties}
    assert code == (1 if "fail" in verdicts else 3 if "incomplete" in verdicts else 0)
    assert "5 counties" in capsys.readouterr().out

    for county in counties[:3]:
        report = qbalance.evaluate(_county_dict(nation, county["county_code"]))
        assert county["verdict"] == report.verdict
        for area in report.areas:
            assert county[f"area.{area.id}"] == area.status
        for item in report.items:
            assert county[f"item.{item.id}"] == item.status
        for ind in report.indicators:
            for cv in ind.sections:
                assert _same(cv.cv, _num(county[f"{ind.id}.{cv.section}.cv"]))
                assert _same(cv.county_value, _num(county[f"{ind.id}.{cv.section}.county_value"]))
                if cv.result != "not_applicable" or county[f"{ind.id}.{cv.section}.cv_result"] != "":
                    assert county[f"{ind.id}.{cv.section}.cv_result"] == cv.result
        mine = {(r["school_id"], r["section"]): r for r in schools if r["county_code"] == county["county_code"]}
        for sec in report.schools:
            row = mine[(sec.school_id, sec.section)]
            assert row["item.resource_schools"] == sec.result
            assert float(row["students"]) == sec.students
            for v in sec.values:
                assert _same(v.value, _num(row[f"{v.indicator}.value"]))
        for ex in report.excluded:
            assert mine[(ex.school_id, ex.section)]["item.resource_schools"] == "not_applicable"


def test_parquet_batch_of_the_demo_county_matches_evaluate(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    county, _ = read_county(qbalance.demo_path())
    cols = county_to_columns(county)
    table = pa.table({k: pa.array([None if v is None else str(v) for v in vals]) for k, vals in cols.items()})
    src = tmp_path / "demo.parquet"
    pq.write_table(table, src)
    report = qbalance.evaluate(qbalance.demo_path())
    code = run_batch(src, tmp_path / "out", "cn-moe-2017", "parquet")
    assert code == {"pass": 0, "fail": 1, "incomplete": 3}[report.verdict]
    counties = pq.read_table(tmp_path / "out" / "counties.parquet").to_pylist()
    schools = pq.read_table(tmp_path / "out" / "schools.parquet").to_pylist()
    assert len(counties) == 1 and counties[0]["verdict"] == report.verdict
    for item in report.items:
        assert counties[0][f"item.{item.id}"] == item.status
    failing = {r["school_id"] for r in schools if r["item.resource_schools"] == "fail"}
    assert failing == {s.school_id for s in report.schools if s.result == "fail"}


def test_invalid_input_writes_nothing_and_lists_every_problem(
    nation: dict[str, np.ndarray], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {k: v.copy() for k, v in nation.items()}
    bad["students"] = bad["students"].astype(object)
    bad["students"][3] = "many"
    bad["students"][4] = None
    bad["location"][7] = "城关"
    src = make_nation.write_table(bad, tmp_path / "bad.csv")
    out = tmp_path / "out"
    assert run_batch(src, out, "cn-moe-2017", "csv") == 2
    err = capsys.readouterr().err
    assert "3 problem(s)" in err  # one per bad cell: no follow-on "missing" for a value that was written
    # fields are named by their label, the key in brackets
    assert "row 5, school 9900000002, field students enrolled [students], value 'many': cannot read 'many'" in err
    assert "row 6, school 9900000003, field students enrolled [students]: students is required" in err
    assert "row 9, school 9900000006, field location, value '城关': not one of urban" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [("n.xlsx", "csv", "give a .csv or .parquet file"), ("missing.csv", "csv", "no such file"), ("n.csv", "json", "")],
)
def test_bad_arguments_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, fmt: str, message: str
) -> None:
    path = tmp_path / name
    if name != "missing.csv":
        path.write_text("county_code\n1\n", encoding="utf-8")
    assert run_batch(path, tmp_path / "out", "cn-moe-2017", fmt) == 2
    assert message in capsys.readouterr().err


def test_unknown_standard_exits_2(nation: dict[str, np.ndarray], tmp_path: Path) -> None:
    src = make_nation.write_table(nation, tmp_path / "n.csv")
    assert run_batch(src, tmp_path / "out", "no-such-pack", "csv") == 2


def test_fast_csv_reader_reads_the_same_cells_and_reports_the_same_problems(tmp_path: Path) -> None:
    from qbalance._data.columns import read_csv, read_csv_fast, to_columns

    text = 'county_code, school_id ,name,n\n1,a,"x, ""y""",3\n1,b, ,\n2,c,"two\nlines",""\n2,d,NA,4.5 万元\n'
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8-sig")
    plain = read_csv(path)
    fast = to_columns(read_csv_fast(path))
    assert list(fast) == list(plain) == ["county_code", "school_id", "name", "n"]
    for k in plain:
        clean = [None if v is None or not v.strip() else v for v in fast[k].tolist()]
        assert clean == plain[k].tolist(), k
    assert fast["name"].tolist()[3] == "NA"  # no null markers other than the empty cell
    for bad in ("a,b\n1,2,3\n", "a,a\n1,2\n", ""):
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(qbalance.InputError) as e1:
            read_csv(path)
        with pytest.raises(qbalance.InputError) as e2:
            read_csv_fast(path)
        assert [p.render() for p in e1.value.problems] == [p.render() for p in e2.value.problems]


def test_the_cli_subcommand_writes_both_tables(tmp_path: Path) -> None:
    from qbalance._cli.main import main

    data = tmp_path / "nation.csv"
    make_nation.main(["--schools", "300", "--counties", "5", "--seed", "7", "-o", str(data)])
    status = main(["evaluate-batch", str(data), "-o", str(tmp_path / "out")])
    counties = _read_csv(tmp_path / "out" / "counties.csv")
    assert len(counties) == 5
    verdicts = {row["verdict"] for row in counties}
    # the exit status follows the documented rule: any fail → 1, else any incomplete → 3, else 0
    assert status == (1 if "fail" in verdicts else 3 if "incomplete" in verdicts else 0)
    assert (tmp_path / "out" / "schools.csv").is_file()


def test_the_batch_path_builds_no_pydantic_model_per_school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every way of building a County, School, Section, TeacherCounts or Facilities goes through the model's validator
    # (nested models are built by the County's). Replace them all with a tripwire: evaluate_many must never touch one.
    from qbalance._data import models as _models

    class Tripwire:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the batch path validated a model ({name})")

    for model in (_models.County, _models.School, _models.Section, _models.TeacherCounts, _models.Facilities):
        monkeypatch.setattr(model, "__pydantic_validator__", Tripwire())
    data = tmp_path / "nation.parquet"
    make_nation.main(["--schools", "400", "--counties", "6", "--seed", "3", "-o", str(data)])
    result = qbalance.evaluate_many(data)
    assert len(result.county_codes) == 6
    with pytest.raises(AssertionError, match="validated a model"):  # the tripwire itself works
        qbalance.load_county(qbalance.demo_path())


def test_a_counties_table_is_checked_as_carefully_as_the_schools_table(tmp_path: Path) -> None:
    # Duplicate county codes, a value that clashes with the schools table, and a bad cell named in the counties file.
    from qbalance._data.columns import county_to_columns

    cols = county_to_columns(qbalance.load_county(qbalance.demo_path()))
    n = len(cols["school_id"])
    counties = tmp_path / "counties.csv"
    counties.write_text(
        "county_code,satisfaction_rate,homework_burden\n999901,0.92,合格\n999901,0.95,合格\n999999,0.9,合格\n",
        encoding="utf-8",
    )
    cols["satisfaction_rate"] = [0.9] * n  # the schools table says 0.90, the counties table 0.92
    data = tmp_path / "schools.parquet"
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table({k: pa.array([None if v is None else str(v) for v in vals]) for k, vals in cols.items()}), data
    )
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate_many(data, counties=counties)
    messages = {(p.source, p.field, p.message.split(" (")[0].split(";")[0]) for p in info.value.problems}
    assert (str(counties), "county_code", "county code repeated") in messages
    assert any(f == "satisfaction_rate" and "differs from the counties table" in m for _, f, m in messages)


def _watch_reading(monkeypatch: pytest.MonkeyPatch, *, let_reading_begin: bool) -> dict[str, Any]:
    """Record each reading of a table file (its thread and start) and when the pack has loaded. With
    ``let_reading_begin`` the pack's loading first waits for a reading to begin: the pack of this process is cached,
    so loading it is quicker than a thread's start (a reading made after the pack is loaded never begins there, and
    the caller's assertions fail after the wait)."""
    import threading
    import time

    import qbalance._api.batch as batch_api
    from qbalance._data import column_sources

    seen: dict[str, Any] = {"reads": []}
    started = threading.Event()
    real_read, real_load = column_sources.read_table_file, batch_api.load_standard

    def read(path: Path) -> Any:
        seen["reads"].append((threading.current_thread().name, time.perf_counter()))
        started.set()
        return real_read(path)

    def load(*args: Any, **kwargs: Any) -> Any:
        if let_reading_begin:
            started.wait(timeout=10)
        out = real_load(*args, **kwargs)
        seen["load_end"] = time.perf_counter()
        return out

    monkeypatch.setattr(column_sources, "read_table_file", read)
    monkeypatch.setattr(batch_api, "read_table_file", read)
    monkeypatch.setattr(batch_api, "load_standard", load)
    return seen


def test_the_command_line_reads_the_table_in_a_thread_while_the_pack_loads(
    nation: dict[str, np.ndarray], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reading begins before the pack has finished loading and runs outside the main thread; the tables written
    are those of ``evaluate_many`` on the same file read in the main thread (the independent method)."""
    import threading

    src = make_nation.write_table(nation, tmp_path / "n.csv")
    seen = _watch_reading(monkeypatch, let_reading_begin=True)
    assert run_batch(src, tmp_path / "out", "cn-moe-2017", "csv") in (0, 1)
    [(thread, start)] = seen["reads"]  # read once
    assert thread != threading.main_thread().name
    assert start < seen["load_end"]
    monkeypatch.undo()
    direct = qbalance.evaluate_many(src, "cn-moe-2017")
    direct.write(tmp_path / "direct", "csv")
    for name in ("counties.csv", "schools.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "direct" / name).read_bytes()


def test_a_large_file_is_read_after_the_pack_is_loaded(
    nation: dict[str, np.ndarray], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the read-ahead size the file is read in the command's thread once the pack is loaded (a pack's problem
    is then reported without waiting for a long read to end)."""
    import threading

    import qbalance._cli.batch as batch_cli

    src = make_nation.write_table(nation, tmp_path / "n.csv")
    monkeypatch.setattr(batch_cli, "READ_AHEAD_MAX_BYTES", src.stat().st_size - 1)
    seen = _watch_reading(monkeypatch, let_reading_begin=False)
    assert run_batch(src, tmp_path / "out", "cn-moe-2017", "csv") in (0, 1)
    [(thread, start)] = seen["reads"]
    assert thread == threading.main_thread().name
    assert start > seen["load_end"]


@pytest.mark.parametrize(
    ("content", "standard", "expected"),
    [
        (b"a,b\n1,2,3\n", "cn-moe-2017", qbalance.InputError),
        (b"a,b\n1,2,3\n", "no-such-pack", qbalance.PackError),  # the pack's problem first, as before: the file's waits
    ],
)
def test_a_problem_met_by_the_reading_thread_is_reported_as_when_read_in_the_main_thread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, standard: str, expected: type
) -> None:
    """Independent method: the error ``evaluate_many`` raises reading the same file in the calling thread; the
    command prints each of its problems and exits 2."""
    src = tmp_path / "bad.csv"
    src.write_bytes(content)
    with pytest.raises(expected) as direct:
        qbalance.evaluate_many(src, standard)
    assert run_batch(src, tmp_path / "out", standard, "csv") == 2
    err = capsys.readouterr().err
    assert direct.value.problems and all(p.render() in err for p in direct.value.problems), err
    assert not (tmp_path / "out").exists()
