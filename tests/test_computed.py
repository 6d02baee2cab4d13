"""Figures computed instead of typed: the social-recognition survey (第九条), the junior retention rate from the
cohort counts (第八条第1项) and the county totals of a teacher roster (G11, G12). Every expected number is worked out
by hand in the test, and the comment says how."""

from __future__ import annotations

import copy
import csv
import json
import math
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

import qbalance
from conftest import COUNTY_FACTS, county, school
from qbalance._data.roster import roster_rows
from qbalance._data.roster_totals import roster_totals
from qbalance._data.survey import survey_rate, tally_mapping
from qbalance._packs.schema import Survey

# --------------------------------------------------------------------------------------------- the survey

# Answers of two groups, counted by hand under the national pack (满意 and 比较满意 are satisfied; nothing is left
# out, so 不了解 counts as an answer that is not satisfied):
#   students: 满意 300 + 比较满意 40 = 340 satisfied of 300 + 40 + 60 = 400 answers → 0.85
#   parents:  满意 200 = 200 satisfied of 200 + 10 = 210 answers              → 200 / 210 = 0.952381
#   pooled:   (340 + 200) / (400 + 210) = 540 / 610 = 0.885246
TALLY = {"学生": {"满意": 300, "比较满意": 40, "不满意": 60}, "家长": {"满意": 200, "不了解": 10}}


def _survey(national: qbalance.Standard, **changes: Any) -> Survey:
    """The national survey definition with some keys changed (what an overlay's `changes:` would do)."""
    assert national.pack.survey is not None
    data = national.pack.survey.model_dump(exclude_none=True)
    data.update(changes)
    return Survey.model_validate(data)


def _group(result: Any, gid: str) -> Any:
    return next(g for g in result.groups if g.group == gid)


def test_pooled_rate_and_breakdown_match_a_hand_count(national: qbalance.Standard) -> None:
    survey = _survey(national)
    result = survey_rate(tally_mapping(TALLY, survey), survey)
    assert result.rate == pytest.approx(540 / 610)
    assert (result.respondents, result.n, result.satisfied) == (610, 610, 540)
    students, parents = _group(result, "students"), _group(result, "parents")
    assert (students.n, students.satisfied, students.rate) == (400, 340, pytest.approx(0.85))
    assert (parents.n, parents.satisfied, parents.rate) == (210, 200, pytest.approx(200 / 210))
    # pooled: a group's weight is its share of the answers, so Σ weight × rate is the pooled rate
    assert students.weight == pytest.approx(400 / 610) and parents.weight == pytest.approx(210 / 610)
    assert sum(g.weight * g.rate for g in result.groups if g.rate is not None) == pytest.approx(540 / 610)
    assert _group(result, "teachers").rate is None and _group(result, "teachers").n == 0


def test_excluded_answers_leave_the_denominator(national: qbalance.Standard) -> None:
    # An overlay that leaves 不了解 out: parents 200 / (210 − 10) = 1.0; pooled 540 / (610 − 10) = 0.9.
    survey = _survey(national, excluded=["unknown"])
    result = survey_rate(tally_mapping(TALLY, survey), survey)
    assert result.rate == pytest.approx(540 / 600)
    parents = _group(result, "parents")
    assert (parents.respondents, parents.n, parents.rate) == (210, 200, 1.0)


def test_weighted_rate_matches_a_hand_calculation(national: qbalance.Standard) -> None:
    # Weights 0.3 students, 0.45 parents and 0.05 each for the five other groups (Σ = 1). Answers:
    #   students 85/100 = 0.85, parents 180/200 = 0.90, teachers 19/20 = 0.95, principals 10/10 = 1.0,
    #   NPC deputies 8/10 = 0.8, CPPCC members 9/10 = 0.9, others 30/40 = 0.75
    #   rate = 0.3×0.85 + 0.45×0.90 + 0.05×(0.95 + 1.0 + 0.8 + 0.9 + 0.75) = 0.255 + 0.405 + 0.22 = 0.88
    # (pooled it would be (85+180+19+10+8+9+30) / (100+200+20+10+10+10+40) = 341/390 = 0.8744: weights matter)
    weights = {"students": 0.3, "parents": 0.45} | dict.fromkeys(
        ["teachers", "principals", "npc_deputies", "cppcc_members", "others"], 0.05
    )
    base = _survey(national)
    groups = {g: {**spec.model_dump(exclude_none=True), "weight": weights[g]} for g, spec in base.groups.items()}
    survey = _survey(national, weighting="weighted", groups=groups)
    tally = {
        "学生": {"满意": 85, "不满意": 15},
        "家长": {"比较满意": 180, "基本满意": 20},
        "教师": {"满意": 19, "不满意": 1},
        "校长": {"满意": 10},
        "人大代表": {"满意": 8, "不了解": 2},
        "政协委员": {"满意": 9, "不满意": 1},
        "其他群众": {"满意": 30, "不满意": 10},
    }
    result = survey_rate(tally_mapping(tally, survey), survey)
    assert result.rate == pytest.approx(0.88)
    assert _group(result, "parents").weight == 0.45
    # a weighted group without answers: its weight cannot be applied, so there is no rate (never a guess)
    del tally["校长"]
    result = survey_rate(tally_mapping(tally, survey), survey)
    assert result.rate is None
    assert any("principals" in m.text("en") and "weight" in m.text("en") for m in result.warnings)


def test_survey_definitions_are_checked_when_the_pack_loads(national: qbalance.Standard) -> None:
    base = _survey(national).model_dump(exclude_none=True)
    with pytest.raises(ValueError, match="not among 'answers'"):
        Survey.model_validate({**base, "satisfied": ["satisfied", "very_satisfied"]})
    with pytest.raises(ValueError, match="weight for every group"):
        Survey.model_validate({**base, "weighting": "weighted"})
    with pytest.raises(ValueError, match="would mean both"):
        groups = dict(base["groups"])
        groups["others"] = {**groups["others"], "aliases": ["家长"]}
        Survey.model_validate({**base, "groups": groups})


def _county_file(tmp_path: Path, **facts: Any) -> Path:
    data = county(school("A"))
    data["facts"].update(facts)
    for k, v in list(data["facts"].items()):
        if v is None:
            del data["facts"][k]
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


HEADER = ("编号", "调查对象", "满意度")


def _responses(path: Path, rows: list[tuple[str, str]], header: tuple[str, ...] = HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i, (group, answer) in enumerate(rows, start=1):
            w.writerow([i, group, answer])
    return path


# 100 respondents, counted by hand: parents 50 (满意 40, 比较满意 5, 不满意 5 → 45), students 30 (满意 25, 基本满意 5
# → 25), teachers 20 (满意 15, 不了解 5 → 15). Satisfied 45 + 25 + 15 = 85 of 100 answers = 0.85, exactly the limit.
ROWS = (
    [("家长", "满意")] * 40
    + [("学生家长", "比较满意")] * 5
    + [("家长", "不满意")] * 5
    + [("学生", "满意")] * 25
    + [("学生", "基本满意")] * 5
    + [("教师", "满意")] * 15
    + [("教师", "不了解")] * 5
)


def test_a_response_file_named_in_the_county_file_gives_the_rate(tmp_path: Path) -> None:
    _responses(tmp_path / "问卷.csv", ROWS)
    report = qbalance.evaluate(_county_file(tmp_path, satisfaction_rate={"survey": "问卷.csv"}))
    assert report.item("S1_satisfaction").status == "pass"  # 0.85 exactly: at the limit passes
    entry = next(c for c in report.computed if c.input == "satisfaction_rate")
    assert (entry.method, entry.origin) == ("survey", "computed")
    assert entry.value == pytest.approx(0.85) and entry.computed == pytest.approx(0.85) and entry.typed is None
    assert (entry.respondents, entry.n, entry.satisfied) == (100, 100, 85)
    assert entry.source is not None and entry.source.endswith("问卷.csv")
    parents = next(g for g in entry.groups if g.group == "parents")
    assert (parents.n, parents.satisfied, parents.rate, parents.weight) == (50, 45, 0.9, 0.5)
    assert not parents.below_minimum  # 50 of 100 answers: exactly the 50% share the pack asks
    # four groups gave no answer, and 100 answers are fewer than the 600 the pack asks for: warnings, not failures
    messages = [w.message for w in report.warnings]
    assert any("fewer than the minimum sample of 600" in m for m in messages)
    assert sum("fewer than the minimum sample of 1" in m for m in messages) == 4
    assert "社会认可度调查分组结果" in report.to_markdown() and "88.52%" not in report.to_markdown()
    assert report.item("S1_satisfaction").inputs[0].value == pytest.approx(0.85)


def test_an_excel_response_file_gives_the_same_rate(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "问卷"
    ws.append(["序号", "调查对象", "满意度", "意见"])
    for i, (g, a) in enumerate(ROWS, start=1):
        ws.append([i, g, a, None])
    ws.append([None, None, None, None])  # an empty row is not a respondent
    wb.save(tmp_path / "answers.xlsx")
    report = qbalance.evaluate(_county_file(tmp_path, satisfaction_rate={"survey": "answers.xlsx"}))
    entry = next(c for c in report.computed if c.input == "satisfaction_rate")
    assert (entry.n, entry.satisfied, entry.value) == (100, 85, pytest.approx(0.85))


def test_bad_rows_are_errors_naming_the_file_row_and_value(tmp_path: Path) -> None:
    rows = [*ROWS[:3], ("游客", "满意"), ("家长", ""), ("家长", "一般")]
    _responses(tmp_path / "r.csv", rows)
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(_county_file(tmp_path, satisfaction_rate={"survey": "r.csv"}))
    found = {(p.location, p.field, p.value): p.message for p in info.value.problems}
    # the header is row 1, so the fourth respondent is row 5
    assert "not a respondent group" in found[("row 5", "group", "游客")]
    assert "blank" in found[("row 6", "answer", None)]
    assert "not an answer" in found[("row 7", "answer", "一般")]
    assert all(p.source and p.source.endswith("r.csv") for p in info.value.problems)
    assert "第5行" in info.value.render("zh")


def test_a_file_without_the_columns_or_not_in_utf8_is_refused(tmp_path: Path) -> None:
    _responses(tmp_path / "h.csv", ROWS, header=("编号", "身份证", "分数"))
    with pytest.raises(qbalance.InputError, match="has no group column"):
        qbalance.evaluate(_county_file(tmp_path, satisfaction_rate={"survey": "h.csv"}))
    (tmp_path / "gbk.csv").write_bytes("调查对象,满意度\n家长,满意\n".encode("gbk"))
    with pytest.raises(qbalance.InputError, match="not a UTF-8 CSV"):
        qbalance.evaluate(_county_file(tmp_path, satisfaction_rate={"survey": "gbk.csv"}))


@pytest.mark.parametrize("ref", ["/etc/passwd.csv", "../r.csv", "sub/../../r.csv", "link.csv"])
def test_a_county_file_cannot_make_qbalance_read_files_outside_its_directory(tmp_path: Path, ref: str) -> None:
    inner = tmp_path / "county"
    inner.mkdir()
    _responses(tmp_path / "r.csv", ROWS)
    (inner / "link.csv").symlink_to(tmp_path / "r.csv")
    data = county(school("A"))
    data["facts"]["satisfaction_rate"] = {"survey": ref}
    path = inner / "county.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(qbalance.InputError, match="relative to the county file's directory"):
        qbalance.evaluate(path)


def test_the_survey_argument_counts_for_any_form_of_county(tmp_path: Path) -> None:
    # a typed rate stays the one the items read: here 0.90 typed, 0.85 counted — the report says typed, and warns
    data = county(school("A"))
    report = qbalance.evaluate(data, survey=_responses(tmp_path / "r.csv", ROWS))
    entry = next(c for c in report.computed if c.input == "satisfaction_rate")
    assert (entry.origin, entry.value, entry.typed, entry.computed) == ("typed", 0.9, 0.9, pytest.approx(0.85))
    assert any("differs from the computed value" in w.message for w in report.warnings)
    # without the typed rate the counted one is used; rows and tallies work like a file
    del data["facts"]["satisfaction_rate"]
    rows = [{"group": g, "answer": a, "school": "x"} for g, a in ROWS]
    for given in (tmp_path / "r.csv", rows, {"parents": {"satisfied": 85, "dissatisfied": 15}}):
        entry = next(c for c in qbalance.evaluate(data, survey=given).computed if c.input == "satisfaction_rate")
        assert (entry.origin, entry.value) == ("computed", pytest.approx(0.85))


def test_a_survey_given_twice_is_an_error(tmp_path: Path) -> None:
    _responses(tmp_path / "r.csv", ROWS)
    with pytest.raises(qbalance.InputError, match="given twice"):
        qbalance.evaluate(_county_file(tmp_path, satisfaction_rate={"survey": "r.csv"}), survey=tmp_path / "r.csv")


def test_load_county_keeps_the_counted_rate_with_a_note(tmp_path: Path) -> None:
    # scenarios and load_county work on the county model: the counted rate becomes a value with an evidence note
    _responses(tmp_path / "r.csv", ROWS)
    model = qbalance.load_county(_county_file(tmp_path, satisfaction_rate={"survey": "r.csv", "evidence": "2024年"}))
    fact = model.facts["satisfaction_rate"]
    assert fact["value"] == pytest.approx(0.85)
    assert fact["evidence"].startswith("2024年; ") and "100" in fact["evidence"]


def test_a_typed_rate_is_marked_typed_and_a_missing_one_missing() -> None:
    data = county(school("A"))
    entry = next(c for c in qbalance.evaluate(data).computed if c.input == "satisfaction_rate")
    assert (entry.origin, entry.value, entry.computed) == ("typed", 0.9, None)
    del data["facts"]["satisfaction_rate"]
    report = qbalance.evaluate(data)
    entry = next(c for c in report.computed if c.input == "satisfaction_rate")
    assert (entry.origin, entry.value) == ("missing", None)
    assert report.item("S1_satisfaction").status == "not_evaluated" and report.verdict == "incomplete"


# --------------------------------------------------------------------------------------------- retention

COHORT = {
    "junior_cohort_entry": 1000,
    "junior_cohort_transfer_in": 30,
    "junior_cohort_transfer_out": 50,
    "junior_cohort_deaths": 10,
    "junior_cohort_graduates": 931,
}


def _retention_county(**facts: Any) -> dict[str, Any]:
    data = county(school("A", "junior", sections={"junior": {"students": 900, "teachers": {"full_time": 70}}}))
    data["facts"].update(COHORT)
    data["facts"].update(facts)
    return {**data, "facts": {k: v for k, v in data["facts"].items() if v is not None}}


def test_retention_is_computed_from_the_cohort_as_the_form_defines_it() -> None:
    # 当年毕业生数 ÷ (3年前招生数 + 转入 − 转出) = 931 ÷ (1000 + 30 − 50) = 931 ÷ 980 = 0.95 exactly: passes.
    # The deaths (10) are not taken out by default.
    report = qbalance.evaluate(_retention_county(junior_retention_rate=None))
    assert report.item("Q1_retention").status == "pass"
    entry = next(c for c in report.computed if c.input == "junior_retention_rate")
    assert (entry.method, entry.origin, entry.typed) == ("expression", "computed", None)
    assert entry.value == pytest.approx(0.95) and entry.computed == pytest.approx(0.95)
    read = {e.input: e.value for e in entry.inputs}
    assert read == {
        "junior_cohort_entry": 1000,
        "junior_cohort_graduates": 931,
        "junior_cohort_transfer_in": 30,
        "junior_cohort_transfer_out": 50,
    }
    assert entry.expression is not None and entry.expression.startswith("junior_cohort_graduates / (")
    assert entry.cite is not None and entry.cite.source == "retention-form"
    # one graduate fewer: 930 ÷ 980 = 0.94898 fails
    report = qbalance.evaluate(_retention_county(junior_retention_rate=None, junior_cohort_graduates=930))
    assert report.item("Q1_retention").status == "fail"


def test_a_typed_retention_rate_overrides_and_is_marked_typed() -> None:
    # typed 0.96; the counts give 0.95: the typed value is read, the report says so and warns that they differ
    report = qbalance.evaluate(_retention_county(junior_retention_rate=0.96))
    entry = next(c for c in report.computed if c.input == "junior_retention_rate")
    assert (entry.origin, entry.value, entry.typed) == ("typed", 0.96, 0.96)
    assert entry.computed == pytest.approx(0.95)
    assert report.item("Q1_retention").inputs[0].value == 0.96
    assert any(w.field == "facts.junior_retention_rate" and "differs" in w.message for w in report.warnings)


def test_impossible_counts_are_missing_data_not_a_pass() -> None:
    # 990 graduates of a cohort of 980: 1.0102 > 100% (the form says 巩固率小于或等于100%)
    report = qbalance.evaluate(_retention_county(junior_retention_rate=None, junior_cohort_graduates=990))
    entry = next(c for c in report.computed if c.input == "junior_retention_rate")
    assert entry.origin == "missing" and entry.value is None and entry.computed == pytest.approx(990 / 980)
    assert report.item("Q1_retention").status == "not_evaluated"
    assert any("outside 0–1" in w.message for w in report.warnings)


def test_an_overlay_takes_deaths_out_of_the_cohort(tmp_path: Path) -> None:
    # With retention_deaths_subtracted = 1: 930 ÷ (1000 + 30 − 50 − 10) = 930 ÷ 970 = 0.958763 passes, where the
    # national default (930 ÷ 980 = 0.94898) fails.
    (tmp_path / "pack.yaml").write_text(
        textwrap.dedent(
            """\
            format: qbalance-pack/1
            id: xx-deaths
            version: "1.0.0"
            effective: 2024-01-01
            extends: cn-moe-2017
            title: {zh: 扣除死亡学生的巩固率(示例)}
            sources:
              xx: {title: {zh: 示例省细则}}
            changes:
              - set: parameters.retention_deaths_subtracted.value
                value: 1
                cite: {source: xx, text: 巩固率计算时扣除死亡学生}
            """
        ),
        encoding="utf-8",
    )
    data = _retention_county(junior_retention_rate=None, junior_cohort_graduates=930)
    report = qbalance.evaluate(data, tmp_path)
    entry = next(c for c in report.computed if c.input == "junior_retention_rate")
    assert entry.value == pytest.approx(930 / 970) and report.item("Q1_retention").status == "pass"
    assert "junior_cohort_deaths" in {e.input for e in entry.inputs}
    assert qbalance.evaluate(data).item("Q1_retention").status == "fail"


def test_the_batch_path_computes_the_retention_rate_too() -> None:
    # the cohort counts as county columns of a one-row-per-section table: the same 931 ÷ 980 = 0.95
    pytest.importorskip("pandas")
    facts = {k: v for k, v in COUNTY_FACTS.items() if k != "junior_retention_rate"} | COHORT
    row = {
        "county_code": "990001",
        "county_name": "测试县",
        "school_id": "A",
        "school_name": "学校A",
        "school_type": "junior",
        "ownership": "public",
        "location": "urban",
        "section": "junior",
        "students": 900,
        "teachers.full_time": 70,
    }
    batch = qbalance.evaluate_many({k: [v] for k, v in (row | facts).items()})
    report = batch.report("990001")
    entry = next(c for c in report.computed if c.input == "junior_retention_rate")
    assert (entry.origin, entry.value) == ("computed", pytest.approx(0.95))


# --------------------------------------------------------------------------------------------- roster totals


def _teacher(sid: str, section: str, **kw: Any) -> dict[str, Any]:
    row = {
        "school_id": sid,
        "section": section,
        "qualification": "bachelor",
        "backbone": "none",
        "subject": "chinese",
        "title": "junior",
        "certificate": "是",
        "rotated": "否",
        "rotation_eligible": "是",
    }
    return row | kw


# A county of a primary school "A" (6 teachers) and a junior school "B" (4 teachers), counted by hand:
#   certificate holders: all but B's last teacher → 9;  eligible: 8 (A's first two are not);
#   rotated: A's 3rd and B's 1st → 2;  rotated backbone: B's 1st (县级) → 1;  a senior teacher is not counted.
ROSTER = [
    _teacher("A", "primary", rotation_eligible="否"),
    _teacher("A", "primary", rotation_eligible="否"),
    _teacher("A", "primary", rotated="是"),
    *[_teacher("A", "primary") for _ in range(3)],
    _teacher("B", "junior", rotated="是", backbone="县级"),
    _teacher("B", "junior"),
    _teacher("B", "junior"),
    _teacher("B", "junior", certificate="否"),
]
HAND_TOTALS = {
    "teachers_with_certificate": 9,
    "rotation_eligible_teachers": 8,
    "rotation_teachers": 2,
    "rotation_backbone_teachers": 1,
}


def _roster_county() -> dict[str, Any]:
    data = county(
        school("A", sections={"primary": {"students": 300}}),
        school("B", "junior", sections={"junior": {"students": 200}}),
    )
    for name in HAND_TOTALS:
        del data["facts"][name]
    return data


def test_roster_totals_match_a_hand_count(national: qbalance.Standard) -> None:
    rows = roster_rows(ROSTER, national)
    assert roster_totals(rows, national) == HAND_TOTALS


def test_a_roster_beside_a_county_file_gives_g11_and_g12(tmp_path: Path) -> None:
    report = qbalance.evaluate(_roster_county(), roster=ROSTER)
    totals = {c.input: c for c in report.computed if c.method == "roster"}
    assert {k: v.value for k, v in totals.items()} == HAND_TOTALS
    assert all(c.origin == "computed" and c.teachers == 10 and c.source == "<rows>" for c in totals.values())
    # G11: 2 rotated ≥ 0.10 × 8 eligible, 1 backbone ≥ 0.20 × 2 → pass; G12: 9 certificates < 1.0 × 10 → fail
    assert report.item("G11_rotation").status == "pass"
    assert report.item("G12_certificates").status == "fail"
    # the section counts come from the roster too: 6 + 4 full-time teachers
    school_a = next(s for s in report.schools if s.school_id == "A")
    assert school_a.values[0].value == pytest.approx(6 / 300 * 100)  # R1: 6 bachelors per 300 students × 100
    # as a CSV file (UTF-8 with a BOM, as Excel writes it) it counts the same
    path = tmp_path / "教师名册.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(ROSTER[0]))
        w.writeheader()
        w.writerows(ROSTER)
    again = qbalance.evaluate(_roster_county(), roster=path)
    assert {c.input: c.value for c in again.computed if c.method == "roster"} == HAND_TOTALS


def test_a_typed_total_or_count_that_differs_from_the_roster_is_an_error() -> None:
    data = _roster_county()
    data["facts"]["teachers_with_certificate"] = 10  # the roster counts 9
    data["schools"][0]["sections"]["primary"]["teachers"] = {"full_time": 7}  # the roster has 6
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(data, roster=ROSTER)
    found = {(p.school_id, p.field, p.value): p.message for p in info.value.problems}
    assert "(9)" in found[(None, "facts.teachers_with_certificate", 10.0)]
    assert "(6)" in found[("A", "sections.primary.teachers.full_time", 7.0)]


def test_a_blank_cell_or_a_partial_roster_leaves_the_typed_total() -> None:
    # a blank certificate cell: the certificate total cannot be counted, the typed 9 is used (marked typed)
    data = _roster_county()
    data["facts"]["teachers_with_certificate"] = 9
    rows = copy.deepcopy(ROSTER)
    rows[0]["certificate"] = ""
    entry = next(c for c in qbalance.evaluate(data, roster=rows).computed if c.input == "teachers_with_certificate")
    assert (entry.origin, entry.value, entry.computed) == ("typed", 9, None)
    # a roster of school A only: no total is counted from it (school B's teachers would be left out), with a warning
    data = _roster_county()
    data["schools"][1]["sections"]["junior"]["teachers"] = {"full_time": 4}
    report = qbalance.evaluate(data, roster=ROSTER[:6])
    totals = [c for c in report.computed if c.method == "roster"]
    assert all(c.origin == "missing" and c.computed is None for c in totals)
    assert sum("leaves out 1 school sections" in w.message for w in report.warnings) == 1
    assert report.item("G12_certificates").status == "not_evaluated"


def test_roster_rows_naming_other_schools_are_errors_naming_the_row(tmp_path: Path) -> None:
    rows = [*ROSTER, _teacher("Z", "primary")]
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(_roster_county(), roster=rows)
    (p,) = info.value.problems
    assert p.location == "row 12" and p.value == "Z" and "unknown school" in p.message


def test_the_workbook_roster_sheet_counts_the_totals(tmp_path: Path, national: qbalance.Standard) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from qbalance._workflow.template import write_template

    data = _roster_county()
    path = write_template(national, tmp_path / "w.xlsx", county=data)
    wb = openpyxl.load_workbook(path)
    ws = wb["教师名册"]
    keys = [c.value for c in ws[2]]
    for i, row in enumerate(ROSTER):
        for key, value in row.items():
            ws.cell(3 + i, keys.index(key) + 1, value)
    wb.save(path)
    report = qbalance.evaluate(path, national)
    totals = {c.input: c for c in report.computed if c.method == "roster"}
    assert {k: v.value for k, v in totals.items()} == HAND_TOTALS
    assert all(c.origin == "computed" and c.source == str(path) for c in totals.values())
    # a typed total in the county sheet that disagrees is an error at its cell
    wb = openpyxl.load_workbook(path)
    county_sheet = wb["县级指标"]
    for r in range(3, county_sheet.max_row + 1):
        if county_sheet.cell(r, 1).value == "teachers_with_certificate":
            county_sheet.cell(r, 4, 10)
    wb.save(path)
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(path, national)
    (p,) = info.value.problems
    assert p.sheet == "县级指标" and p.value == 10.0 and "(9)" in p.message


def test_report_renderings_show_the_computed_figures(tmp_path: Path) -> None:
    tally = {"家长": {"满意": 17, "不满意": 3}}  # 17 ÷ 20 = 0.85
    report = qbalance.evaluate(_retention_county(junior_retention_rate=None), survey=tally)
    md = report.to_markdown()
    assert "可由数据计算的指标值" in md and "计算值" in md and "85.00%" in md
    assert "Figures computed from the county's records" in report.to_markdown(lang="en")
    assert "可由数据计算的指标值" in report.to_html()
    data = report.to_dict()["computed"]
    assert [c["input"] for c in data][:1] == ["satisfaction_rate"] and not math.isnan(data[0]["value"])


def test_the_command_line_takes_the_survey_and_the_roster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from qbalance._cli.main import main

    data = _roster_county()
    del data["facts"]["satisfaction_rate"]
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    roster = tmp_path / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(ROSTER[0]))
        w.writeheader()
        w.writerows(ROSTER)
    answers = _responses(tmp_path / "answers.csv", ROWS)
    args = ["evaluate", str(path), "--survey", str(answers), "--roster", str(roster), "-f", "json"]
    main(args)
    out = json.loads(capsys.readouterr().out)
    got = {c["input"]: (c["origin"], c["value"]) for c in out["computed"]}
    assert got["satisfaction_rate"] == ("computed", pytest.approx(0.85))
    assert got["teachers_with_certificate"] == ("computed", 9)
    # a bad roster row is an input error: exit status 2, the row named on stderr
    roster.write_text(roster.read_text(encoding="utf-8") + "Z,primary,bachelor,none,chinese,junior,是,否,是\n")
    assert main(["evaluate", str(path), "--roster", str(roster), "--lang", "en"]) == 2
    assert "row 12" in capsys.readouterr().err
