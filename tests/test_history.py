"""The history store (issue 12, item 1): a three-year history of the demo county (2024 baseline, 2025, 2026) through
``qbalance history add|list|show|export`` and :class:`History` — recognised re-adds, replacement that keeps the old
record, the export read back and compared with the stored reports, a version-1 database migrated, a newer one
refused, a write killed midway, and database files that are not what they claim refused with exit status 2.

The command line is driven through :func:`qbalance._cli.main.main` with ``history`` registered by
:func:`add_history_command` (whether or not ``build_parser`` already does), so exit statuses and error printing
are the real ones.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qbalance
from qbalance import AddResources, Scenario, apply_scenario, load_scenario
from qbalance._base.messages import msg
from qbalance._cli import main as cli
from qbalance._report.report import Report
from qbalance._workflow.history import (
    MIGRATIONS,
    SCHEMA_VERSION,
    History,
    HistoryConflict,
    HistoryError,
    codec,
    records,
    schema,
)
from qbalance._workflow.history.database import APPLICATION_ID, resolve_db_path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
CODE = "999901"
YEARS = (2024, 2025, 2026)

Cli = Callable[..., tuple[int, str, str]]


# -- the three years -------------------------------------------------------------------------------------------------


def _county_years() -> dict[int, qbalance.County]:
    """2024: the demo county as shipped. 2025: a few resources added to the schools that fail. 2026: the Wenshan-shaped
    scenario of docs/examples (the county passes)."""
    base = qbalance.load_county(qbalance.demo_path())
    step = Scenario(
        name="y2025",
        label_zh="2025年",
        changes=[
            AddResources(school="9999010024", section="junior", teachers={"full_time": 2, "backbone": 1}),
            AddResources(school="9999010035", facilities={"teaching_aux_area": 300}),
        ],
    )
    y2025 = apply_scenario(base, step).model_copy(update={"year": 2025})
    y2026 = apply_scenario(base, load_scenario(ROOT / "docs/examples/wenshan-2026-scenario.yaml"))
    return {2024: base, 2025: y2025, 2026: y2026.model_copy(update={"year": 2026})}


def _write_county(path: Path, county: qbalance.County) -> Path:
    path.write_text(county.model_dump_json(indent=1), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    d = tmp_path_factory.mktemp("years")
    out = {y: _write_county(d / f"county-{y}.json", c) for y, c in _county_years().items()}
    out[2024] = Path(shutil.copy(qbalance.demo_path(), d / "county-2024.yaml"))  # the baseline as shipped (YAML)
    return out


@pytest.fixture(scope="module")
def expected(files: dict[int, Path]) -> dict[int, Report]:
    """What ``qbalance evaluate`` says of each year's file."""
    std = qbalance.load_standard()
    return {y: std.evaluate(p) for y, p in files.items()}


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """``run("history", "list", ...)`` → (exit status, stdout, stderr) of the real command line."""

    def go(*argv: str | Path) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return go


@pytest.fixture(scope="module")
def stored(files: dict[int, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the three years, added through the command line; tests copy it before changing it."""
    db = tmp_path_factory.mktemp("db") / "history.sqlite"
    mp = pytest.MonkeyPatch()
    try:
        for year in YEARS:
            assert cli.main(["history", "add", str(files[year]), "--year", str(year), "--db", str(db)]) == 0
    finally:
        mp.undo()
    return db


@pytest.fixture
def db(stored: Path, tmp_path: Path) -> Path:
    """A private copy of the three-year database."""
    return Path(shutil.copy(stored, tmp_path / "history.sqlite"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _input_digest(path: Path) -> str:
    return qbalance.evaluate(path).provenance.input_digest


# -- add, recognise, replace -----------------------------------------------------------------------------------------


@pytest.mark.zh
def test_add_three_years_and_list_them(
    files: dict[int, Path], expected: dict[int, Report], run: Cli, tmp_path: Path
) -> None:
    db = tmp_path / "h.sqlite"
    for year in YEARS:
        code, out, err = run("history", "add", files[year], "--year", year, "--db", db)
        assert (code, err) == (0, "")
        assert out.startswith("已存入：示例县(合成数据)(999901)") and f"{year} 年" in out
    assert [expected[y].verdict for y in YEARS] == ["fail", "fail", "pass"]
    code, out, _ = run("history", "list", "--db", db, "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [(r["county_code"], r["year"], r["verdict"]) for r in rows] == [
        (CODE, y, expected[y].verdict) for y in YEARS
    ]
    assert [r["input_digest"] for r in rows] == [expected[y].provenance.input_digest for y in YEARS]
    assert {r["pack_id"] for r in rows} == {"cn-moe-2017"} and all(r["superseded_at"] is None for r in rows)
    assert rows[0]["source"] == str(files[2024]) and rows[0]["source_sha256"] == "sha256:" + _digest(files[2024])
    code, out, _ = run("history", "list", "--db", db)
    assert code == 0 and "县代码" in out and out.count(CODE) == 3 and "未通过" in out and "通过" in out


def test_the_same_input_twice_is_recognised_and_nothing_written(files: dict[int, Path], db: Path, run: Cli) -> None:
    before = _digest(db)
    code, out, err = run("history", "add", files[2025], "--year", "2025", "--db", db, "--lang", "en")
    assert (code, err) == (0, "")
    assert "already holds the same data" in out and "nothing written" in out and "#2" in out
    assert _digest(db) == before
    code, out, _ = run("history", "add", files[2025], "--db", db, "--replace", "--lang", "en")  # the file's own year
    assert code == 0 and "nothing written" in out and _digest(db) == before


def test_a_changed_input_needs_replace_and_keeps_the_old_record(
    files: dict[int, Path], db: Path, run: Cli, tmp_path: Path
) -> None:
    changed = _county_years()[2025]
    changed = apply_scenario(
        changed,
        Scenario(
            name="fix",
            label_zh="更正",
            changes=[AddResources(school="9999010057", facilities={"sports_ground_area": 500})],
        ),
    )
    path = _write_county(tmp_path / "county-2025-corrected.json", changed)
    before = _digest(db)
    code, out, err = run("history", "add", path, "--db", db, "--lang", "en")
    assert code == 2 and out == "" and "--replace" in err and "record #2" in err and _digest(db) == before
    code, out, err = run("history", "add", path, "--db", db, "--replace", "--note", "更正运动场地面积", "--lang", "en")
    assert (code, err) == (0, "") and "replaced" in out and "record #4" in out and "old record #2 is kept" in out
    with History(db) as h:
        current = h.record(CODE, 2025)
        assert current is not None and current.id == 4 and current.replaces == 2 and current.note == "更正运动场地面积"
        old = h.record_by_id(2)
        assert old is not None and not old.current and old.superseded_at == current.added_at
        assert h.years(CODE) == list(YEARS)
        assert [r.id for r in h.records(CODE, include_superseded=True)] == [1, 2, 4, 3]
        assert h.report_of(old).provenance.input_digest == _input_digest(files[2025])
        assert h.county(CODE, 2025) == changed
    code, out, _ = run("history", "list", "--db", db, "--all", "--lang", "en")
    assert code == 0 and "superseded (" in out and out.count("current") == 3
    code, out, _ = run("history", "list", "--db", db, "--format", "json")
    assert [(r["id"], r["year"]) for r in json.loads(out)] == [(1, 2024), (4, 2025), (3, 2026)]


def test_year_and_text_checks(files: dict[int, Path], db: Path, run: Cli) -> None:
    code, _, err = run("history", "add", files[2025], "--year", "2024", "--db", db, "--lang", "en")
    assert code == 2 and "state the year 2025, but --year is 2024" in err
    code, _, err = run("history", "add", files[2025], "--db", db, "--note", "x" * 5000, "--replace", "--lang", "en")
    assert code == 2 and "too long" in err
    code, _, err = run("history", "add", files[2025], "--db", db, "--note", "a\x1b[31mb", "--replace")
    assert code == 2 and "控制字符" in err
    no_year = qbalance.load_county(files[2024]).model_copy(update={"year": None})
    with History(db) as h, pytest.raises(HistoryError, match="give the data year"):
        h.add(no_year)


def test_bad_input_is_exit_2_and_leaves_no_database(tmp_path: Path, run: Cli) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: '1'\nname: x\nschools: []\n", encoding="utf-8")
    db = tmp_path / "new.sqlite"
    code, _, err = run("history", "add", bad, "--year", "2024", "--db", db)
    assert code == 2 and "schools" in err and not db.exists()


# -- show ------------------------------------------------------------------------------------------------------------


def test_show_json_is_the_report_as_evaluate_prints_it(files: dict[int, Path], db: Path, run: Cli) -> None:
    for year in YEARS:
        code, out, _ = run("history", "show", "--county", CODE, "--year", year, "--db", db, "--format", "json")
        assert code == 0
        _, evaluated, _ = run("evaluate", files[year], "--format", "json")
        assert out == evaluated


@pytest.mark.zh
def test_show_text_and_missing_records(db: Path, run: Cli) -> None:
    code, out, _ = run("history", "show", "--county", CODE, "--year", "2026", "--db", db)
    assert code == 0 and out.startswith("历史记录 #3：999901 2026 年") and "结论: 通过" in out
    code, out, _ = run("history", "show", "--id", "1", "--db", db, "--lang", "en")
    assert code == 0 and "history record #1" in out and "Verdict: FAIL" in out
    code, _, err = run("history", "show", "--county", CODE, "--year", "2023", "--db", db)
    assert code == 2 and "没有 999901 2023 年的记录" in err
    code, _, err = run("history", "show", "--county", CODE, "--db", db, "--lang", "en")
    assert code == 2 and "--id" in err
    code, _, err = run("history", "show", "--id", "9" * 30, "--db", db, "--lang", "en")
    assert code == 2 and "no record #999" in err
    code, _, err = run("history", "show", "--county", CODE, "--year", "9" * 30, "--db", db, "--lang", "en")
    assert code == 2 and "no record of 999901" in err


# -- the Python side: what items 2-6 build on ------------------------------------------------------------------------


def test_stored_county_evaluates_to_the_stored_report(db: Path, expected: dict[int, Report]) -> None:
    std = qbalance.load_standard()
    with History(db, readonly=True) as h:
        for year in YEARS:
            county = h.county(CODE, year)
            assert county is not None and county.year == year
            assert std.evaluate(county).to_json() == h.report(CODE, year).to_json() == expected[year].to_json()  # type: ignore[union-attr]
        series = h.reports(CODE)
        assert [(r.year, rep.verdict) for r, rep in series] == [(y, expected[y].verdict) for y in YEARS]
        assert h.county(CODE, 2023) is None and h.report("000000", 2024) is None
        chain = h.chain(1)
        assert [(c.pack_id, c.version, c.sha256) for c in chain] == [
            (p.id, p.version, p.sha256) for p in expected[2024].provenance.chain
        ]


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_every_input_form_stores_a_county_that_gives_its_report(form: str, tmp_path: Path) -> None:
    from qbalance._data.columns import county_to_columns

    county = qbalance.load_county(qbalance.demo_path())
    path = tmp_path / f"county.{form}"
    if form == "xlsx":
        pytest.importorskip("openpyxl")
        qbalance.write_template(qbalance.load_standard(), path, county=county)
    else:
        cols = county_to_columns(county)
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            w.writerows(zip(*(["" if v is None else v for v in cols[n]] for n in cols), strict=True))
    with History(tmp_path / "h.sqlite") as h:
        done = h.add(path, 2024)
        assert done.status == "added" and done.record.source == str(path)
        stored = h.county(CODE, 2024)
        assert stored is not None
        assert (
            qbalance.evaluate(stored).to_json() == qbalance.evaluate(path).to_json() == h.report(CODE, 2024).to_json()
        )  # type: ignore[union-attr]


def test_python_add_store_and_conflict(tmp_path: Path, files: dict[int, Path]) -> None:
    stamps = iter(["2025-01-02T03:04:05Z", "2025-01-02T03:04:06Z"])
    with History(tmp_path / "py.sqlite", clock=lambda: next(stamps)) as h:
        first = h.add(files[2024], note="基线")
        assert first.status == "added" and first.record.added_at == "2025-01-02T03:04:05Z" and first.report is not None
        assert h.add(files[2024]).status == "unchanged"
        other = qbalance.load_county(files[2025]).model_copy(update={"year": 2024})
        with pytest.raises(HistoryConflict, match="--replace"):
            h.add(other)
        done = h.add(other, replace=True)
        assert done.status == "replaced" and done.replaced is not None and done.replaced.id == first.record.id
        assert done.record.source == "<County>" and done.record.source_sha256 is None
        assert [r.id for r in h.records(include_superseded=True)] == [1, 2]


def test_a_second_writer_waits_then_says_busy(
    db: Path, files: dict[int, Path], monkeypatch: pytest.MonkeyPatch, run: Cli
) -> None:
    from qbalance._workflow.history import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program is writing
    try:
        with History(db) as h, pytest.raises(HistoryError, match="being written by another program"):
            h.add(qbalance.load_county(files[2024]).model_copy(update={"year": 2023}))
        code, _, err = run("history", "add", files[2024], "--db", db, "--year", "2024", "--replace", "--lang", "en")
        assert code == 2 and "being written by another program" in err
    finally:
        other.execute("ROLLBACK")
        other.close()
    with History(db) as h:
        assert h.years(CODE) == list(YEARS)


def test_a_record_that_could_not_be_read_back_is_not_written(tmp_path: Path, files: dict[int, Path]) -> None:
    county = qbalance.load_county(files[2024])
    with History(tmp_path / "h.sqlite", clock=lambda: "yesterday") as h:
        with pytest.raises(HistoryError, match="cannot store: the value 'yesterday' of field added_at"):
            h.add(county)
        assert h.records(include_superseded=True) == []
        report = qbalance.evaluate(county)
        other = county.model_copy(update={"code": "999902"})
        with pytest.raises(HistoryError, match="field county_code"):
            h.store(other, report, source="x")


def test_default_database_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QBALANCE_HISTORY_DB", raising=False)
    assert resolve_db_path() == tmp_path / "qbalance-history.sqlite"
    monkeypatch.setenv("QBALANCE_HISTORY_DB", str(tmp_path / "env.sqlite"))
    assert resolve_db_path() == tmp_path / "env.sqlite" and resolve_db_path("x.sqlite") == Path("x.sqlite")


# -- export ----------------------------------------------------------------------------------------------------------


def _num(cell: str | None) -> float | None:
    return None if cell in ("", None) else float(cell)


def _check_county_rows(rows: list[dict[str, Any]], reports: dict[int, Report], num: Callable[[Any], Any]) -> None:
    assert [(r["county_code"], int(r["year"])) for r in rows] == [(CODE, y) for y in YEARS]
    for row in rows:
        rep = reports[int(row["year"])]
        assert row["verdict"] == rep.verdict and row["input_digest"] == rep.provenance.input_digest
        assert all(row[f"area.{a.id}"] == a.status for a in rep.areas)
        assert all(row[f"item.{i.id}"] == i.status for i in rep.items)
        for ind in rep.indicators:
            for cv in ind.sections:
                key = f"{ind.id}.{cv.section}"
                assert num(row[f"{key}.cv"]) == cv.cv and num(row[f"{key}.county_value"]) == cv.county_value
                assert num(row[f"{key}.limit"]) == cv.limit and row[f"{key}.cv_result"] == cv.result


def _check_school_rows(rows: list[dict[str, Any]], reports: dict[int, Report], num: Callable[[Any], Any]) -> None:
    by_key = {(int(r["year"]), r["school_id"], r["section"]): r for r in rows}
    n = 0
    for year, rep in reports.items():
        for s in rep.schools:
            row = by_key[(year, s.school_id, s.section)]
            assert row["result"] == s.result and num(row["students"]) == s.students
            for v in s.values:
                assert num(row[f"{v.indicator}.value"]) == v.value
                assert num(row[f"{v.indicator}.threshold"]) == v.threshold
            n += 1
        for e in rep.excluded:
            if (year, e.school_id, e.section) in by_key and by_key[(year, e.school_id, e.section)][
                "result"
            ] == "excluded":
                assert e.reason_id in by_key[(year, e.school_id, e.section)]["excluded_reason"]
    assert n == sum(len(r.schools) for r in reports.values()) > 150
    assert len(rows) == len(by_key)


def test_export_csv_round_trip(db: Path, expected: dict[int, Report], run: Cli, tmp_path: Path) -> None:
    code, out, err = run("history", "export", "--format", "csv", "-o", tmp_path / "out", "--db", db, "--lang", "en")
    assert (code, err) == (0, "") and "exported 3 county-years" in out
    with (tmp_path / "out" / "county_years.csv").open(encoding="utf-8", newline="") as fh:
        counties = list(csv.DictReader(fh))
    with (tmp_path / "out" / "school_sections.csv").open(encoding="utf-8", newline="") as fh:
        schools = list(csv.DictReader(fh))
    _check_county_rows(counties, expected, _num)
    _check_school_rows(schools, expected, _num)
    assert counties[0]["county_name"] == "示例县(合成数据)" and counties[0]["pack_id"] == "cn-moe-2017"


def test_export_parquet_round_trip(db: Path, expected: dict[int, Report], run: Cli, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    code, _, err = run("history", "export", "-f", "parquet", "-o", tmp_path / "out", "--db", db)
    assert (code, err) == (0, "")
    counties = pq.read_table(tmp_path / "out" / "county_years.parquet").to_pylist()
    schools = pq.read_table(tmp_path / "out" / "school_sections.parquet").to_pylist()
    _check_county_rows(counties, expected, lambda v: v)
    _check_school_rows(schools, expected, lambda v: v)


def test_an_export_of_nothing_has_its_headers(db: Path, run: Cli, tmp_path: Path) -> None:
    code, out, _ = run("history", "export", "-o", tmp_path / "none", "--county", "000000", "--db", db, "--lang", "en")
    assert code == 0 and "exported 0 county-years and 0 school-section rows" in out
    head = (tmp_path / "none" / "county_years.csv").read_text(encoding="utf-8").splitlines()
    assert head[0].startswith("county_code,county_name,year,record_id,verdict,input_digest") and len(head) == 1


def test_export_is_spreadsheet_safe_and_keeps_superseded_on_request(tmp_path: Path, files: dict[int, Path]) -> None:
    county = qbalance.load_county(files[2024])
    schools = list(county.schools)
    schools[0] = schools[0].model_copy(update={"name": '=HYPERLINK("x")'})
    with History(tmp_path / "h.sqlite") as h:
        h.add(county.model_copy(update={"schools": schools}))
        h.add(county, replace=True)
        h.export(tmp_path / "safe", include_superseded=True)
        h.export(tmp_path / "plain", include_superseded=True, spreadsheet_safe=False)
    safe = (tmp_path / "safe" / "school_sections.csv").read_text(encoding="utf-8")
    plain = (tmp_path / "plain" / "school_sections.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in safe and "'=HYPERLINK" not in plain and "=HYPERLINK" in plain
    with (tmp_path / "safe" / "county_years.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["record_id"], bool(r["superseded_at"])) for r in rows] == [("1", True), ("2", False)]


# -- schema, migration, newer versions -------------------------------------------------------------------------------


def _v1_database(path: Path, report: Report, county: qbalance.County) -> None:
    """A database as version 1 of the schema wrote it, holding one record."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert schema.migrate(conn, path, target=1) == 0
        c_blob, r_blob = codec.encode_county(county), codec.encode_report(report)
        conn.execute("BEGIN IMMEDIATE")
        records.insert_input(conn, c_blob, codec.COUNTY_FORMAT)
        rid = records.insert_record(
            conn,
            {
                "county_code": report.county.code,
                "county_name": report.county.name,
                "year": 2024,
                "input_digest": report.provenance.input_digest,
                "input_sha256": c_blob.sha256,
                "source": "county-2024.yaml",
                "source_sha256": None,
                "pack_id": report.provenance.pack.id,
                "pack_version": report.provenance.pack.version,
                "pack_sha256": report.provenance.pack.sha256,
                "as_of": None,
                "qbalance_version": "0.1.0",
                "verdict": report.verdict,
                "note": "written by version 1",
                "added_at": "2024-06-30T10:00:00Z",
                "superseded_at": None,
                "replaces": None,
            },
        )
        records.insert_report(conn, rid, r_blob, "qbalance-report/1")
        conn.execute("COMMIT")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "record_packs" not in tables and schema.stored_version(conn, path) == 1
    finally:
        conn.close()


def test_a_version_1_database_is_migrated(tmp_path: Path, files: dict[int, Path], expected: dict[int, Report]) -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) == 3
    path = tmp_path / "v1.sqlite"
    _v1_database(path, expected[2024], qbalance.load_county(files[2024]))
    with pytest.raises(HistoryError, match="needs migrating"):
        History(path, readonly=True)
    with History(path) as h:
        assert h.opened_at_version == 1 and h.schema_version == 3
        assert [(c.pack_id, c.sha256) for c in h.chain(1)] == [
            (p.id, p.sha256) for p in expected[2024].provenance.chain
        ]
        assert h.report(CODE, 2024) == expected[2024] and h.records()[0].note == "written by version 1"
        h.add(files[2025])  # and it is a version-3 database like any other
    conn = sqlite3.connect(path)
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
    conn.close()
    assert versions == [1, 2, 3]
    with History(path, readonly=True) as h:
        assert h.opened_at_version == 3 and h.years(CODE) == [2024, 2025]


def test_a_failed_migration_leaves_version_1(
    tmp_path: Path, files: dict[int, Path], expected: dict[int, Report]
) -> None:
    path = tmp_path / "v1.sqlite"
    _v1_database(path, expected[2024], qbalance.load_county(files[2024]))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE reports SET data = ?", (zlib.compress(b"{}"),))  # the report the backfill reads is damaged
    conn.close()
    with pytest.raises(HistoryError, match="damaged or was changed"):
        History(path)
    conn = sqlite3.connect(path)
    assert schema.stored_version(conn, path) == 1
    assert "record_packs" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()


def test_a_newer_database_is_refused_unchanged(db: Path, run: Cli) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("INSERT INTO schema_version VALUES (4, '2030-01-01T00:00:00Z', '9.0.0')")
    conn.close()
    before = _digest(db)
    code, _, err = run("history", "list", "--db", db, "--lang", "en")
    assert code == 2 and "written by a newer qbalance (schema version 4; this one knows up to 3)" in err
    with pytest.raises(HistoryError, match="newer"):
        History(db)
    assert _digest(db) == before


def test_the_documented_schema_is_the_schema() -> None:
    text = (ROOT / "docs" / "history.md").read_text(encoding="utf-8")
    marker = re.search(r"<!-- schema: (\d+) -->\n```sql\n(.*?)```", text, re.S)
    assert marker is not None and int(marker.group(1)) == SCHEMA_VERSION
    documented = {s.strip() for s in marker.group(2).split(";") if s.strip()}
    assert documented == {sql for _, _, _, sql in schema.schema_objects() if sql}
    assert f"(currently **{SCHEMA_VERSION}**)" in text


# -- a write killed midway -------------------------------------------------------------------------------------------

_DRIVER = """
import argparse, sys, time
from qbalance._cli import main as cli
from qbalance._base.messages import msg
from qbalance._workflow.history import store

real_input, real_chain = store.insert_input, store.insert_chain

def spilling_input(conn, *args):
    conn.execute("PRAGMA cache_size = 1")  # dirty pages go to the file before the commit: a hot journal
    real_input(conn, *args)

def paused_chain(conn, *args):
    real_chain(conn, *args)  # every row of the new record is written, the transaction is not committed
    print("IN-TRANSACTION", flush=True)
    time.sleep(300)

store.insert_input, store.insert_chain = spilling_input, paused_chain
sys.exit(cli.main(sys.argv[1:]))
"""


def _killed_midway(tmp_path: Path, *argv: str | Path) -> None:
    driver = tmp_path / "driver.py"
    driver.write_text(_DRIVER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, str(driver), *map(str, argv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "IN-TRANSACTION", proc.stderr.read() if proc.stderr else ""
    finally:
        proc.kill()
        proc.communicate()


@pytest.mark.parametrize("replace", [False, True], ids=["new-year", "replace"])
def test_a_write_killed_midway_leaves_the_previous_state(
    replace: bool, db: Path, files: dict[int, Path], tmp_path: Path, run: Cli
) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DELETE FROM record_packs WHERE record_id = 3")
    conn.execute("DELETE FROM reports WHERE record_id = 3")
    conn.execute("DELETE FROM records WHERE id = 3")  # the database holds 2024 and 2025
    conn.execute("VACUUM")
    conn.close()
    before = _digest(db)
    if replace:  # 2025 again, changed: the old record would be superseded and a new one added
        target, year = _write_county(tmp_path / "c.json", _county_years()[2026].model_copy(update={"year": 2025})), 2025
    else:
        target, year = files[2026], 2026
    _killed_midway(tmp_path, "history", "add", target, "--year", year, "--db", db, "--replace")
    journal = db.with_name(db.name + "-journal")
    assert journal.exists() and journal.stat().st_size > 0  # the kill left a hot journal
    assert _digest(db) != before  # and pages of the unfinished transaction in the file
    with History(db) as h:  # opening rolls the journal back
        assert [(r.id, r.year, r.current) for r in h.records(include_superseded=True)] == [
            (1, 2024, True),
            (2, 2025, True),
        ]
        assert h.report(CODE, 2025) is not None and h.county(CODE, 2024) is not None
        ok = h._conn.execute("PRAGMA integrity_check").fetchone()[0]
        assert ok == "ok"
    assert not journal.exists()
    code, out, _ = run("history", "add", target, "--year", year, "--db", db, "--replace", "--lang", "en")
    assert code == 0 and ("replaced" if replace else "stored") in out


# -- the file is untrusted input -------------------------------------------------------------------------------------


def _sql(db: Path, *statements: str, params: tuple[Any, ...] = ()) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for s in statements:
            conn.execute(s, params if "?" in s else ())
    finally:
        conn.close()


Opened = Callable[[Path], tuple[int, int, str]]


@pytest.fixture
def opened(run: Cli) -> Opened:
    """``opened(db)`` → (exit status of ``history list``, of ``history show`` 2024, their stderr)."""

    def go(path: Path) -> tuple[int, int, str]:
        code, _, err = run("history", "list", "--db", path, "--lang", "en")
        code2, _, err2 = run("history", "show", "--db", path, "--county", CODE, "--year", "2024", "--lang", "en")
        return code, code2, err + err2

    return go


def test_files_that_are_not_history_databases(tmp_path: Path, run: Cli, opened: Opened) -> None:
    text = tmp_path / "notes.sqlite"
    text.write_text("县,年份\n999901,2024\n" * 20, encoding="utf-8")
    other = tmp_path / "other.sqlite"
    _sql(other, "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)")
    absent = tmp_path / "absent.sqlite"
    for path, says in (
        (text, "is not a SQLite database"),
        (other, "is a SQLite database, but not a qbalance history database"),
        (tmp_path, "is not a regular file"),
        (absent, "there is no history database"),
    ):
        code, code2, err = opened(path)
        assert (code, code2) == (2, 2) and says in err, path
    assert not absent.exists()
    code, _, err = run("history", "add", qbalance.demo_path(), "--db", text, "--lang", "en")
    assert code == 2 and "is not a SQLite database" in err


def test_damaged_and_tampered_databases_exit_2(db: Path, tmp_path: Path, opened: Opened) -> None:
    truncated = tmp_path / "truncated.sqlite"
    truncated.write_bytes(db.read_bytes()[: 3 * 4096 + 100])
    assert 2 in opened(truncated)[:2]

    scribbled = tmp_path / "scribbled.sqlite"
    data = bytearray(db.read_bytes())
    data[4096 : 4096 * 3] = bytes(range(256)) * 32  # pages 2 and 3 overwritten
    scribbled.write_bytes(bytes(data))
    code, code2, err = opened(scribbled)
    assert code == 2 and code2 == 2 and "qbalance history: the history database" in err

    trigger = Path(shutil.copy(db, tmp_path / "trigger.sqlite"))
    _sql(trigger, "CREATE TRIGGER t AFTER INSERT ON records BEGIN DELETE FROM records; END")
    code, code2, err = opened(trigger)
    assert (code, code2) == (2, 2) and "not laid out as qbalance writes it (objects that differ: t)" in err

    changed = Path(shutil.copy(db, tmp_path / "changed.sqlite"))
    _sql(changed, "DROP INDEX records_current")
    code, _, err = opened(changed)
    assert code == 2 and "objects that differ: records_current" in err


def test_oversized_and_forged_values_are_refused(db: Path, tmp_path: Path, opened: Opened) -> None:
    huge = Path(shutil.copy(db, tmp_path / "huge.sqlite"))
    _sql(huge, "UPDATE records SET note = ? WHERE id = 1", params=("x" * 100_000,))
    code, code2, err = opened(huge)
    assert (code, code2) == (2, 2) and "field note of records #1" in err

    typed = Path(shutil.copy(db, tmp_path / "typed.sqlite"))
    _sql(typed, "PRAGMA ignore_check_constraints = ON", "UPDATE records SET year = 'two thousand' WHERE id = 1")
    assert "field year of records #1" in opened(typed)[2]

    forged = Path(shutil.copy(db, tmp_path / "forged.sqlite"))
    _sql(forged, "UPDATE reports SET data = ? WHERE record_id = 1", params=(zlib.compress(b'{"verdict": "pass"}'),))
    code, code2, err = opened(forged)  # the list reads no report; show does, and refuses it
    assert (code, code2) == (0, 2) and "the report of record #1 is damaged or was changed" in err

    bomb = Path(shutil.copy(db, tmp_path / "bomb.sqlite"))
    payload = zlib.compress(b"\0" * 50_000_000, 9)  # 50 MB of zeros in 49 KB, stored as if it were 10 bytes
    _sql(bomb, "UPDATE inputs SET data = ?, size = 10", params=(payload,))
    with History(bomb) as h, pytest.raises(HistoryError, match="county data of record #1 is damaged or was changed"):
        h.county(CODE, 2024)
    with pytest.raises(HistoryError, match="larger than 1000 bytes"):
        codec.inflate(payload, 1000, msg("history.what.county", id=1))


def test_the_header_carries_the_application_id(db: Path) -> None:
    assert int.from_bytes(db.read_bytes()[68:72], "big") == APPLICATION_ID


def test_history_modules_name_their_messages_by_key() -> None:
    from test_messages import _own_sentences

    src = SRC / "qbalance"
    paths = [*sorted((src / "_workflow" / "history").glob("*.py")), src / "_cli" / "history_command.py"]
    assert [hit for p in paths for hit in _own_sentences(p)] == []
