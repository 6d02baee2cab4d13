"""The rectification ledger, the reviews and eligibility, and the trends (issue 12, items 4-6) on a three-year history
of the demo county built here by editing the demo figures:

* 2024 — the demo county as shipped. Under the national pack seven problems fail: three school sections the k-of-n
  rule (9999010024 junior: backbone 9 per 905 students = 0.994 per 100 < 1; 9999010035 primary: equipment
  428,800 yuan / 268 students = 1,600 per student = 80 % of 2,000, under the 85 % floor; 9999010057 primary:
  multimedia rooms), the backbone CV of the junior section (over 0.45), the school size and the class size of
  9999010001, and the training spend of 9999010015 (27,300 yuan < 5 % of 681,800 = 34,090).
* 2025 — three of them fixed by hand: 9999010024 gets its 10th backbone teacher (10 / 905 × 100 = 1.105 ≥ 1);
  9999010035 gets equipment up to 455,600 yuan (455,600 / 268 = 1,700 = exactly 85 % of 2,000: equality passes);
  9999010015 spends exactly 34,090 yuan on training (5 % of 681,800: equality passes).
* 2026 — 9999010035 loses its equipment again (back to 428,800 yuan): the problem comes back.

So, by hand: entries 1 (9999010024) and 7 (9999010015) are closed in 2025 and stay closed; entry 2 (9999010035) is
closed in 2025 and reopened in 2026; entries 3-6 stay open. Numbers follow the order problems are first seen
(items in pack order, then schools by code).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qbalance
from qbalance._cli import main as cli
from qbalance._workflow.history import History, HistoryError, schema
from qbalance._workflow.history.eligibility import years_after

ROOT = Path(__file__).resolve().parents[1]
CODE = "999901"
Cli = Callable[..., tuple[int, str, str]]

# (item, school, section, indicator) of the entries, by number, as worked out in the module docstring.
ENTRIES = {
    1: ("resource_schools", "9999010024", "junior", None),
    2: ("resource_schools", "9999010035", "primary", None),
    3: ("resource_schools", "9999010057", "primary", None),
    4: ("resource_balance", None, "junior", "R2"),
    5: ("G04_school_size", "9999010001", None, None),
    6: ("G05_class_size", "9999010001", "primary", None),
    7: ("Q4_training_spend", "9999010015", None, None),
}


def _school(data: dict[str, Any], sid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in data["schools"] if s["id"] == sid)
    return found


def county_years() -> dict[int, dict[str, Any]]:
    """The three years as county documents (see the module docstring)."""
    base = json.loads(qbalance.load_county(qbalance.demo_path()).model_dump_json())
    y2025 = json.loads(json.dumps(base)) | {"year": 2025}
    _school(y2025, "9999010024")["sections"]["junior"]["teachers"]["backbone"] = 10
    _school(y2025, "9999010035")["facilities"]["equipment_value"] = 455600.0
    _school(y2025, "9999010015")["facts"]["training_spend"] = "34090 元"
    y2026 = json.loads(json.dumps(y2025)) | {"year": 2026}
    _school(y2026, "9999010035")["facilities"]["equipment_value"] = 428800.0
    return {2024: base, 2025: y2025, 2026: y2026}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    d = tmp_path_factory.mktemp("years")
    out = {}
    for year, data in county_years().items():
        out[year] = d / f"county-{year}.json"
        out[year].write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Cli:
    """``run("history", ...)`` → (exit status, stdout, stderr) of the real command line."""

    def go(*argv: str | Path) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return go


@pytest.fixture(scope="module")
def stored(files: dict[int, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("db") / "history.sqlite"
    for year in (2024, 2025, 2026):
        assert cli.main(["history", "add", str(files[year]), "--year", str(year), "--db", str(db)]) == 0
    return db


@pytest.fixture
def db(stored: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(stored, tmp_path / "history.sqlite"))


def _key(e: Any) -> tuple[str, str | None, str | None, str | None]:
    return (e.item, e.school_id, e.section, e.indicator)


# -- the ledger across years ---------------------------------------------------------------------------------------


def test_entries_are_opened_closed_and_reopened_across_years(db: Path) -> None:
    with History(db) as h:
        ledger = h.ledger(CODE, as_of="2026-06-01")
    assert {e.seq: _key(e) for e in ledger.entries} == ENTRIES
    states = {e.seq: (e.state, e.opened, e.closed, e.reopened) for e in ledger.entries}
    assert states == {
        1: ("closed", 2024, 2025, []),
        2: ("reopened", 2024, None, [2026]),
        3: ("open", 2024, None, []),
        4: ("open", 2024, None, []),
        5: ("open", 2024, None, []),
        6: ("open", 2024, None, []),
        7: ("closed", 2024, 2025, []),
    }
    two = ledger.entry(2)
    assert [(y.year, y.result) for y in two.years] == [(2024, "fail"), (2025, "pass"), (2026, "fail")]
    assert two.last_failed == 2026
    # What is wrong, in real units: 428,800 / 268 = 1,600 yuan per student, 80 % of 2,000.
    assert two.finding is not None and "1,600元/生" in two.finding.zh and "80%" in two.finding.zh
    seven = ledger.entry(7)
    assert seven.finding is not None and "27,300元" in seven.finding.zh and "34,090元" in seven.finding.zh
    four = ledger.entry(4).finding
    assert four is not None and "骨干教师（初中）校际差异系数" in four.zh and "超过上限0.45" in four.zh
    assert ledger.entry(5).clause == "教督〔2017〕6号 第七条第4项"  # the pack cites the measures, article 7 item 4
    assert (ledger.count("open"), ledger.count("reopened"), ledger.count("closed")) == (4, 1, 2)


def test_the_ledger_as_earlier_years_saw_it(db: Path) -> None:
    with History(db) as h:
        h.ledger(CODE, as_of="2026-06-01")
        early = h.ledger(CODE, as_of="2025-06-01", through=2025)
    assert early.years == [2024, 2025]
    assert {e.seq: e.state for e in early.entries} == {
        1: "closed",
        2: "closed",
        3: "open",
        4: "open",
        5: "open",
        6: "open",
        7: "closed",
    }


def test_numbers_stay_when_years_are_added(files: dict[int, Path], tmp_path: Path) -> None:
    """The ledger of 2024 alone numbers its seven problems; adding 2025 and 2026 keeps every number."""
    db = tmp_path / "h.sqlite"
    with History(db) as h:
        h.add(files[2024], 2024)
        first = {e.seq: _key(e) for e in h.ledger(CODE, as_of="2025-01-01").entries}
        h.add(files[2025], 2025)
        h.add(files[2026], 2026)
        later = {e.seq: _key(e) for e in h.ledger(CODE, as_of="2027-01-01").entries}
    assert first == later == ENTRIES


def test_corrected_data_for_a_year_correct_the_ledger(db: Path, files: dict[int, Path], tmp_path: Path) -> None:
    """2026 replaced by figures in which 9999010035 keeps its equipment: entry 2 is closed (in 2025), not reopened,
    and its number and what the county office wrote stay."""
    fixed = county_years()[2025] | {"year": 2026}
    with History(db) as h:
        h.ledger(CODE)
        h.edit_ledger(CODE, 2, responsible="坪子小学")
        h.add(fixed, 2026, replace=True)
        ledger = h.ledger(CODE, as_of="2026-06-01")
    two = ledger.entry(2)
    assert (two.state, two.closed, two.reopened, two.responsible) == ("closed", 2025, [], "坪子小学")
    assert {e.seq: _key(e) for e in ledger.entries} == ENTRIES


def test_plan_proposes_the_actions_of_resource_problems(db: Path) -> None:
    """The plan of 2026 adds 26,800 yuan of equipment to 9999010035: 1,700 × 268 − 428,800 (the 85 % floor)."""
    with History(db) as h:
        ledger = h.ledger(CODE, as_of="2026-06-01")
    two = ledger.entry(2)
    assert two.proposed is not None and "26,800元" in two.proposed.zh and two.proposed_year == 2026
    assert ledger.entry(5).proposed is None  # a school-size problem: the county office writes the action


@pytest.mark.zh
def test_overdue_past_the_deadline_not_on_it(db: Path, run: Cli) -> None:
    code, out, err = run(
        "history",
        "ledger",
        "set",
        "--db",
        db,
        "--seq",
        "3",
        "--deadline",
        "2026-08-31",
        "--responsible",
        "市教育体育局",
        "--action",
        "新建多媒体教室1间",
    )
    assert code == 0 and "第 3 条" in out, err
    assert run("history", "ledger", "set", "--db", db, "--seq", "1", "--deadline", "2025-01-31")[0] == 0
    code, out, _ = run("history", "ledger", "show", "--db", db, "--as-of", "2026-08-31", "-f", "json")
    on_the_day = {e["seq"]: e["status"] for e in json.loads(out)["entries"]}
    code2, out2, _ = run("history", "ledger", "show", "--db", db, "--as-of", "2026-09-01", "-f", "json")
    next_day = {e["seq"]: e for e in json.loads(out2)["entries"]}
    assert code == code2 == 0
    assert on_the_day[3] == "open" and next_day[3]["status"] == "overdue" and next_day[3]["state"] == "open"
    assert next_day[3]["responsible"] == "市教育体育局" and next_day[3]["action"] == "新建多媒体教室1间"
    assert next_day[1]["status"] == "closed"  # closed entries are never overdue
    code, out, _ = run("history", "ledger", "show", "--db", db, "--as-of", "2026-09-01")
    assert code == 0 and "逾期 1 项" in out and "逾期" in out


def test_edits_are_checked(db: Path, run: Cli) -> None:
    code, _, err = run("history", "ledger", "set", "--db", db, "--seq", "99", "--note", "x", "--lang", "en")
    assert code == 2 and "no entry number 99" in err
    run("history", "ledger", "show", "--db", db)
    code, _, err = run("history", "ledger", "set", "--db", db, "--seq", "2", "--deadline", "明年", "--lang", "en")
    assert code == 2 and "is not a date" in err
    code, _, err = run("history", "ledger", "set", "--db", db, "--seq", "2", "--lang", "en")
    assert code == 2 and "nothing to change" in err


# -- the workbook and its round trip --------------------------------------------------------------------------------


def test_export_edit_import_round_trip(db: Path, tmp_path: Path, run: Cli) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    assert run("history", "ledger", "set", "--db", db, "--seq", "6", "--note", '=HYPERLINK("x")')[0] == 0
    book = tmp_path / "台账.xlsx"
    code, out, err = run("history", "ledger", "export", "--db", db, "-o", book, "--as-of", "2026-06-01")
    assert code == 0 and "7" in out, err
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["问题清单", "整改台账", "说明"]
    ws = wb["整改台账"]
    heads = [c.value for c in ws[1]]
    assert heads[:4] == ["序号", "问题", "涉及学校", "学校代码"] and "整改措施" in heads and "完成时限" in heads
    col = {h: i for i, h in enumerate(heads)}
    rows = {r[col["序号"]].value: r for r in ws.iter_rows(min_row=2)}
    assert set(rows) == set(ENTRIES)
    note = rows[6][col["备注"]]
    assert note.value == '=HYPERLINK("x")' and note.data_type == "s"  # text, never a formula
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    # 问题清单 lists what the latest year (2026) shows failing: entries 2-6, not the closed 1 and 7.
    problems = wb["问题清单"]
    assert sorted(r[0].value for r in problems.iter_rows(min_row=2) if r[0].value is not None) == [2, 3, 4, 5, 6]
    # The county office fills in its columns, a deadline as a date cell and one as text.
    rows[5][col["整改措施"]].value = "新建分校区分流600人"
    rows[5][col["责任单位"]].value = "市教育体育局"
    rows[5][col["完成时限"]].value = dt.datetime(2026, 8, 31)
    rows[4][col["完成时限"]].value = "2026年12月31日"
    wb.save(book)
    code, out, err = run("history", "ledger", "import", "--db", db, book)
    assert code == 0 and "修改 2 条" in out, err
    with History(db) as h:
        ledger = h.ledger(CODE, as_of="2026-06-01")
    five, four = ledger.entry(5), ledger.entry(4)
    assert (five.action, five.responsible, five.deadline) == (
        "新建分校区分流600人",
        "市教育体育局",
        dt.date(2026, 8, 31),
    )
    assert four.deadline == dt.date(2026, 12, 31) and ledger.entry(6).note == '=HYPERLINK("x")'
    # Exported again, the workbook carries the edits and imports as "nothing changed".
    again = tmp_path / "again.xlsx"
    assert run("history", "ledger", "export", "--db", db, "-o", again, "--as-of", "2026-06-01")[0] == 0
    code, out, _ = run("history", "ledger", "import", "--db", db, again)
    assert code == 0 and "修改 0 条，未变 7 条" in out


def test_a_bad_workbook_is_refused_whole_with_every_cell_named(db: Path, tmp_path: Path, run: Cli) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = tmp_path / "台账.xlsx"
    assert run("history", "ledger", "export", "--db", db, "-o", book)[0] == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["整改台账"]
    heads = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(heads)}
    rows = list(ws.iter_rows(min_row=2))
    rows[0][col["责任单位"]].value = "市教育体育局"  # a good edit, not written because of the bad rows
    rows[1][col["完成时限"]].value = "下个月"
    rows[2][col["序号"]].value = 99
    rows[3][col["学校代码"]].value = "0000000000"
    rows[4][col["责任单位"]].value = "x" * 201
    wb.save(book)
    with History(db) as h:
        before = h.ledger(CODE).model_dump()
    code, out, err = run("history", "ledger", "import", "--db", db, book, "--lang", "en")
    deadline = openpyxl.utils.get_column_letter(col["完成时限"] + 1)
    unit = openpyxl.utils.get_column_letter(col["责任单位"] + 1)
    assert code == 2, out
    assert f"整改台账!{deadline}3" in err and "99" in err and "do not change" in err
    assert f"整改台账!{unit}6" in err and "at most 200 characters" in err and "4 problem(s)" in err
    with History(db) as h:
        assert h.ledger(CODE).model_dump() == before


# -- reviews and eligibility ----------------------------------------------------------------------------------------


@pytest.mark.zh
def test_reviews_are_recorded_with_the_record_they_used(db: Path, run: Cli) -> None:
    code, out, err = run(
        "history",
        "review",
        "add",
        "--db",
        db,
        "--stage",
        "自评",
        "--date",
        "2025-03-01",
        "--outcome",
        "未通过",
        "--year",
        "2024",
    )
    assert code == 0 and "记录 #1" in out, err
    assert (
        run(
            "history",
            "review",
            "add",
            "--db",
            db,
            "--stage",
            "city",
            "--date",
            "2026-11-20",
            "--outcome",
            "pass",
            "--body",
            "市政府教育督导室",
        )[0]
        == 0
    )
    code, out, _ = run("history", "review", "list", "--db", db, "-f", "json")
    found = json.loads(out)
    assert [(r["stage"], r["held_on"], r["outcome"], r["record_id"], r["record_year"]) for r in found] == [
        ("self", "2025-03-01", "fail", 1, 2024),
        ("city", "2026-11-20", "pass", 3, 2026),  # by default, the latest year stored by the review's year
    ]
    code, out, _ = run("history", "review", "list", "--db", db)
    assert code == 0 and "自评" in out and "市级评估" in out and "市政府教育督导室" in out
    code, _, err = run(
        "history",
        "review",
        "add",
        "--db",
        db,
        "--stage",
        "区级",
        "--date",
        "2025-03-01",
        "--outcome",
        "pass",
        "--lang",
        "en",
    )
    assert code == 2 and "no review stage" in err
    code, _, err = run(
        "history",
        "review",
        "add",
        "--db",
        db,
        "--stage",
        "self",
        "--date",
        "2023-03-01",
        "--outcome",
        "pass",
        "--lang",
        "en",
    )
    assert code == 2 and "no stored year up to 2023" in err


TEST_PACK = """\
format: qbalance-pack/1
id: xx-eligibility
version: "1.0.0"
effective: 2024-01-01
extends: cn-moe-2017
title: {zh: 申请条件测试标准, en: eligibility test pack}
sources:
  test: {title: {zh: 测试文件}}
eligibility:
  national_after_basic:
    stage: national
    kind: years_since_stage
    after: basic_balance
    years: 3
    label: {zh: 通过基本均衡国家认定满3年, en: three years since basic-balance certification}
    cite: {source: test, clause: 第一条, text: 测试用条件}
  national_after_province:
    stage: national
    kind: stage_passed
    after: province
    label: {zh: 省级督导评估已通过, en: the provincial evaluation passed}
    cite: {source: test, clause: 第二条, text: 测试用条件}
  prefecture_pass:
    stage: prefecture
    kind: verdict_pass
    label: {zh: 最近一年评估通过, en: the latest year passes}
    cite: {source: test, clause: 第三条, text: 测试用条件}
"""


def test_eligibility_by_a_test_pack(db: Path, tmp_path: Path) -> None:
    """Basic balance passed on 2021-12-20: three full years on 2024-12-20 (not the day before)."""
    pack = tmp_path / "pack" / "pack.yaml"
    pack.parent.mkdir()
    pack.write_text(TEST_PACK, encoding="utf-8")
    with History(db) as h:
        undecided = h.eligibility(CODE, "national", standard=pack, as_of="2027-01-01")
        assert undecided.result == "incomplete" and {r.result for r in undecided.rules} == {"incomplete"}
        h.add_review(CODE, "basic_balance", "2021-12-20", "pass")
        h.add_review(CODE, "province", "2026-10-10", "fail", year=2026)
        before = h.eligibility(CODE, "national", standard=pack, as_of="2024-12-19")
        on_day = h.eligibility(CODE, "national", standard=pack, as_of="2024-12-20")
        after_fail = h.eligibility(CODE, "national", standard=pack, as_of="2026-12-01")
        h.add_review(CODE, "省级", "2026-12-10", "通过", year=2026)
        ok = h.eligibility(CODE, "national", standard=pack, as_of="2026-12-11")
        prefecture = h.eligibility(CODE, "prefecture", standard=pack, as_of="2026-12-11")
        none = h.eligibility(CODE, "city", standard=pack, as_of="2026-12-11")
    rules = {r.id: r.result for r in before.rules}
    assert rules == {"national_after_basic": "fail", "national_after_province": "incomplete"}
    assert before.result == "not_eligible"
    assert {r.id: r.result for r in on_day.rules}["national_after_basic"] == "pass"
    assert {r.id: r.result for r in after_fail.rules}["national_after_province"] == "fail"
    assert ok.result == "eligible" and all(r.text == "测试用条件" for r in ok.rules)
    assert prefecture.result == "not_eligible"  # the 2026 verdict is a fail
    assert none.result == "no_rule" and none.rules == []
    assert years_after(dt.date(2020, 2, 29), 3) == dt.date(2023, 2, 28)


def test_an_eligibility_rule_needs_its_citation_and_its_shape(tmp_path: Path) -> None:
    for bad, message in (
        (TEST_PACK.replace("    cite: {source: test, clause: 第三条, text: 测试用条件}\n", ""), "cite"),
        (TEST_PACK.replace("    years: 3\n", ""), "years"),
        (TEST_PACK.replace("cite: {source: test, clause: 第一条", "cite: {source: nowhere, clause: 第一条"), "nowhere"),
    ):
        pack = tmp_path / message / "pack.yaml"
        pack.parent.mkdir()
        pack.write_text(bad, encoding="utf-8")
        with pytest.raises(qbalance.PackError, match=message):
            qbalance.load_standard(pack)


@pytest.mark.zh
def test_the_wenshan_pack_states_only_the_condition_its_plan_gives(db: Path, run: Cli) -> None:
    code, out, _ = run(
        "history",
        "review",
        "check",
        "--db",
        db,
        "--stage",
        "州级复评",
        "-s",
        "cn-yn-wenshan-2024",
        "--as-of",
        "2026-12-01",
    )
    assert code == 0 and "不符合条件" in out and "州级复评前全部达到评估标准" in out
    code, out, _ = run(
        "history", "review", "check", "--db", db, "--stage", "national", "-s", "cn-yn-wenshan-2024", "-f", "json"
    )
    assert code == 0 and json.loads(out)["result"] == "no_rule"
    std = qbalance.load_standard("cn-yn-wenshan-2024")
    plan_text = ROOT.parent / "shared" / "reference" / "wenshan-implementation-plan-2024.txt"
    source = plan_text.read_text(encoding="utf-8") if plan_text.exists() else None
    for rule in std.pack.eligibility.values():
        assert rule.cite is not None and rule.cite.text
        if source is not None:
            assert rule.cite.text in source  # quoted exactly
    assert not any(r.kind == "years_since_stage" for r in std.pack.eligibility.values())


# -- trends --------------------------------------------------------------------------------------------------------


def _r2_junior_cv(data: dict[str, Any]) -> float:
    """The backbone CV of the junior sections, independently: backbone per 100 students, weighted by students, the
    special-education school left out (the national scope rule)."""
    values, students = [], []
    for s in data["schools"]:
        sec = s["sections"].get("junior") if s["type"] != "special_education" else None
        if sec and sec["students"]:
            values.append(sec["teachers"]["backbone"] / sec["students"] * 100)
            students.append(sec["students"])
    return float(qbalance.weighted_cv(values, students))


def test_progress_shows_cvs_by_year_and_what_changed(db: Path, run: Cli) -> None:
    code, out, err = run("progress", "--db", db, "--county", CODE, "-f", "json")
    assert code == 0, err
    trends = json.loads(out)
    assert [y["year"] for y in trends["years"]] == [2024, 2025, 2026]
    assert [y["verdict"] for y in trends["years"]] == ["fail", "fail", "fail"]
    r2 = next(s for s in trends["cvs"] if s["indicator"] == "R2" and s["section"] == "junior")
    years = county_years()
    for point in r2["points"]:
        independent = _r2_junior_cv(years[point["year"]])
        assert point["value"] == pytest.approx(independent, abs=5e-5)  # the report may round the CV it compares
        assert point["bound"] == 0.45 and point["result"] == "fail"
    changes = trends["changes"]
    assert (changes["since"], changes["year"]) == (2025, 2026)
    started = [(c["school_id"], c["section"], c["item"]) for c in changes["schools"] if c["change"] == "started"]
    assert started == [("9999010035", "primary", "resource_schools")]
    assert [c for c in changes["schools"] if c["change"] != "started"] == []
    code, out, _ = run("progress", "--db", db)
    assert code == 0 and "2026 年较 2025 年的变化" in out and "示例坪子小学" in out


def test_changes_from_the_baseline_to_the_next_year(files: dict[int, Path], tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as h:
        h.add(files[2024], 2024)
        h.add(files[2025], 2025)
        changes = h.trends(CODE).changes
    assert changes is not None
    stopped = {(c.school_id, c.item) for c in changes.schools if c.change == "stopped"}
    assert stopped == {
        ("9999010024", "resource_schools"),
        ("9999010035", "resource_schools"),
        ("9999010015", "Q4_training_spend"),
    }
    assert [c for c in changes.schools if c.change == "started"] == []
    assert {(i.item, i.before, i.after) for i in changes.items} == {("Q4_training_spend", "fail", "pass")}


def test_progress_exit_statuses(db: Path, tmp_path: Path, run: Cli) -> None:
    code, _, err = run("progress", "--db", db, "--county", "123456", "--lang", "en")
    assert code == 2 and "no record of county 123456" in err
    code, _, err = run("progress", "--db", tmp_path / "none.sqlite", "--lang", "en")
    assert code == 2 and "there is no history database" in err and not (tmp_path / "none.sqlite").exists()


@pytest.mark.zh
def test_html_report_from_a_history_has_trends_and_ledger(db: Path, tmp_path: Path, run: Cli) -> None:
    page = tmp_path / "report.html"
    code, _, err = run("progress", "--db", db, "--html", page, "--as-of", "2026-06-01")
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    assert '<section id="trends"><h2>历年变化</h2>' in html and '<section id="ledger"><h2>整改台账</h2>' in html
    assert html.count('class="chart chart-trend"') == 2  # one CV chart per section, no targets in this pack
    assert "重新出现" in html and "已整改(销号)" in html and "<script" not in html
    with History(db) as h:
        report = h.report(CODE, 2026)
        assert report is not None
        assert "整改台账" not in report.to_html()  # a report not rendered from a history has no ledger


@pytest.mark.zh
def test_every_area_enters_the_ledger_with_the_wenshan_pack(tmp_path: Path) -> None:
    """Under the Wenshan pack a veto (illegal school choice in 2025 only) and a progress target (new primary
    places 2,000 → 6,000 → 11,460 of 11,460) enter the ledger too, and the target is drawn year by year with its
    progress status.

    New schools 0 → 4 → 10 of 16, deadline 2026-12-31, baseline the first stored year (2024, 0). By hand, with the
    straight line of the pack's rule: the 2026 report is judged on 2026-12-31, when 730 of 730 days from 2024-12-31
    have passed, so 16 are expected and 10 is behind; judged again on 2025-12-31, 365 / 730 = half the time has
    passed, 8 are expected and 10 is on track; on 2027-01-01 the deadline has passed: overdue."""
    data = county_years()
    places = {2024: 2000, 2025: 6000, 2026: 11460}
    schools = {2024: 0, 2025: 4, 2026: 10}
    with History(tmp_path / "h.sqlite") as h:
        for year, county in data.items():
            county["facts"]["new_places_primary"] = places[year]
            county["facts"]["new_schools_built"] = schools[year]
            county["facts"]["illegal_school_choice"] = year == 2025
            h.add(county, year, standard="cn-yn-wenshan-2024")
        ledger = h.ledger(CODE, as_of="2026-06-01")
        trends = h.trends(CODE)
        earlier = h.trends(CODE, as_of="2025-12-31")
        later = h.trends(CODE, as_of=dt.date(2027, 1, 1))
    by_item = {e.item: e for e in ledger.entries}
    assert {e.area for e in ledger.entries} >= {"resource", "government", "quality", "veto", "local", "progress"}
    veto = by_item["V2_school_choice"]
    assert (veto.opened, veto.state, veto.closed, veto.school_id) == (2025, "closed", 2026, None)
    # A target enters the ledger only when behind (not while on track). Places: the baseline is the first stored
    # year, 2,000 at 2024-12-31, so 2,000 expected then (on track: no entry); 2025-12-31 is half way to the deadline,
    # 2,000 + (11,460 − 2,000) × 0.5 = 6,730 expected and 6,000 reached: behind, opened; 2026 meets it: closed.
    target = by_item["P2_places_primary"]
    assert (target.opened, target.state, target.closed) == (2025, "closed", 2026)
    # New schools 0 → 4 → 10 of 16: on track in 2024 (0 expected), behind in 2025 (8 expected) and 2026 (16): open.
    schools_built = by_item["P1_new_schools"]
    assert (schools_built.opened, schools_built.state) == (2025, "open")
    series = next(t for t in trends.targets if t.item == "P2_places_primary")
    assert [(p.year, p.value, p.bound) for p in series.points] == [
        (2024, 2000, 11460),
        (2025, 6000, 11460),
        (2026, 11460, 11460),
    ]
    assert (series.status, series.result, series.as_of) == ("met", "pass", "2026-12-31")
    assert next(t for t in later.targets if t.item == "P2_places_primary").status == "met"  # met stays met
    built = {
        name: next(t for t in tr.targets if t.item == "P1_new_schools")
        for name, tr in (("stored", trends), ("earlier", earlier), ("later", later))
    }
    assert (built["stored"].status, built["stored"].expected, built["stored"].as_of) == ("behind", 16, "2026-12-31")
    assert (built["earlier"].status, built["earlier"].expected) == ("on_track", 8)
    assert (built["later"].status, built["later"].as_of) == ("overdue", "2027-01-01")
    from qbalance._report.ledger_view import render_trends_text

    row = next(line for line in render_trends_text(trends).splitlines() if line.startswith("新增小学学位11460个"))
    # each year with its progress as judged when stored (on track at the baseline, behind in 2025: 6,730 expected)
    assert row.split()[1:] == ["2,000", "(按期推进)", "6,000", "(进度滞后)", "11,460", "(已达成)", "11,460", "已达成"]
    row = next(line for line in render_trends_text(later).splitlines() if line.startswith("新建、改扩建"))
    assert row.split()[-1] == "已逾期"


# -- the schema migration -------------------------------------------------------------------------------------------


def test_a_version_2_database_is_migrated(stored: Path, tmp_path: Path) -> None:
    """A version-2 database (the three years, no ledger tables) opens as version 3 with its years intact."""
    path = Path(shutil.copy(stored, tmp_path / "v2.sqlite"))
    conn = sqlite3.connect(path, isolation_level=None)
    for table in ("ledger_years", "ledger_entries", "reviews"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DELETE FROM schema_version WHERE version = 3")
    conn.close()
    with pytest.raises(HistoryError, match="needs migrating"):
        History(path, readonly=True)
    with History(path) as h:
        assert h.opened_at_version == 2 and h.schema_version == schema.SCHEMA_VERSION == 3
        assert h.years(CODE) == [2024, 2025, 2026]
        assert {e.seq: _key(e) for e in h.ledger(CODE).entries} == ENTRIES


def test_read_only_database_shows_the_ledger_without_writing(db: Path) -> None:
    with History(db) as h:
        h.ledger(CODE)  # numbered once
    before = db.read_bytes()
    with History(db, readonly=True) as h:
        ledger = h.ledger(CODE, as_of="2026-06-01")
    assert {e.seq: _key(e) for e in ledger.entries} == ENTRIES and db.read_bytes() == before


def test_the_english_workbook_imports_too(db: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = tmp_path / "ledger.xlsx"
    with History(db) as h:
        h.export_ledger(book, CODE, lang="en")
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Problems", "Ledger", "Notes"]
    ws = wb["Ledger"]
    col = {c.value: c.column for c in ws[1]}
    ws.cell(row=2, column=col["responsible unit"]).value = "Education Bureau"
    ws.cell(row=2, column=col["deadline"]).value = "2027/1/5"
    wb.save(book)
    with History(db) as h:
        done = h.import_ledger(book)
        first = h.ledger(CODE).entry(int(ws.cell(row=2, column=col["No."]).value))
    assert done.sheet == "Ledger" and len(done.changed) == 1
    assert (first.responsible, first.deadline) == ("Education Bureau", dt.date(2027, 1, 5))
