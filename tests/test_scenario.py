"""Scenarios: each change against hand-computed effects, conservation, immutability, errors, and the comparison."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest

import qbalance
from conftest import county, school
from qbalance._api.evaluate import as_county
from qbalance._base.errors import InputError
from qbalance._report.compare import Comparison, compare_reports
from qbalance._workflow.scenario import (
    AddResources,
    CloseSchool,
    MoveStudents,
    OpenSchool,
    Scenario,
    SetFact,
    SplitSchool,
    apply_scenario,
    load_scenario,
)
from qbalance._workflow.scenario_eval import evaluate_scenario

ROOT = Path(__file__).resolve().parents[1]
WENSHAN = ROOT / "docs" / "examples" / "wenshan-2026-scenario.yaml"


def _value(report: qbalance.Report, sid: str, section: str, indicator: str) -> float:
    row = next(s for s in report.schools if s.school_id == sid and s.section == section)
    v = next(v for v in row.values if v.indicator == indicator).value
    assert v is not None
    return v


def _two_schools() -> qbalance.County:
    """A: 250 primary students (all indicators comfortably met); B: the conftest school, exactly at thresholds."""
    a = school(
        "A",
        sections={
            "primary": {
                "students": 250,
                "classes": 6,
                "teachers": {"full_time": 16, "above_qualified": 12, "backbone": 3, "pe_art": 3},
                "facts": {"max_class_size": 44},
            }
        },
        facilities={
            "teaching_aux_area": 1250,
            "indoor_gym_area": 0,
            "sports_ground_area": 2000,
            "equipment_value": 600_000,
            "multimedia_classrooms": 7,
        },
    )
    data = county(a, school("B"))
    c, _ = as_county(data)
    return c


def _scenario(*changes: Any, **extra: Any) -> Scenario:
    return load_scenario({"name": "t", "label_zh": "测试", "changes": list(changes), **extra})


# -- add_resources -----------------------------------------------------------------------------------------------


def test_add_teachers_raises_per_100_students_by_hand_computed_amount(national: qbalance.Standard) -> None:
    c = _two_schools()
    before = national.evaluate(c)
    sc = _scenario(
        {
            "kind": "add_resources",
            "school": "A",
            "section": "primary",
            "teachers": {"full_time": 2, "above_qualified": 2, "backbone": 1},
        }
    )
    after = national.evaluate(apply_scenario(c, sc))
    # 2 teachers × 100 ÷ 250 students = 0.8 per 100 students; 1 backbone teacher → 0.4
    assert _value(before, "A", "primary", "R1") == pytest.approx(12 * 100 / 250)
    assert _value(after, "A", "primary", "R1") - _value(before, "A", "primary", "R1") == pytest.approx(0.8)
    assert _value(after, "A", "primary", "R2") - _value(before, "A", "primary", "R2") == pytest.approx(0.4)
    # untouched: PE/art teachers and the other school
    assert _value(after, "A", "primary", "R3") == _value(before, "A", "primary", "R3")
    assert _value(after, "B", "primary", "R1") == _value(before, "B", "primary", "R1")


def test_add_facilities_with_units_converted_exactly(national: qbalance.Standard) -> None:
    c = _two_schools()
    sc = _scenario(
        {
            "kind": "add_resources",
            "school": "B",
            "facilities": {"teaching_aux_area": "1200 m²", "equipment_value": "35 万元", "sports_ground_area": "3 亩"},
        },
        {"kind": "add_resources", "school": "B", "section": "小学", "classes": -3},
    )
    change = sc.changes[0]
    assert isinstance(change, AddResources)
    assert change.facilities.teaching_aux_area == 1200.0
    assert change.facilities.equipment_value == 350_000.0
    assert change.facilities.sports_ground_area == pytest.approx(2000.0)  # 1 亩 = 2000/3 m²
    out = apply_scenario(c, sc)
    b = next(s for s in out.schools if s.id == "B")
    assert b.facilities.teaching_aux_area == 4500 + 1200
    assert b.facilities.equipment_value == 2_000_000 + 350_000
    assert b.sections["primary"].classes == 23 - 3
    report = national.evaluate(out)
    assert _value(report, "B", "primary", "R4") == pytest.approx(5700 / 1000)  # 4.5 → 5.7 m² per student
    assert _value(report, "B", "primary", "R6") == pytest.approx(2350.0)  # 2000 → 2350 yuan per student


def test_amounts_are_changes_full_time_only_when_written() -> None:
    c = _two_schools()
    out = apply_scenario(
        c, _scenario({"kind": "add_resources", "school": "A", "section": "primary", "teachers": {"backbone": 2}})
    )
    t = next(s for s in out.schools if s.id == "A").sections["primary"].teachers
    assert (t.full_time, t.backbone) == (16, 5)


# -- move_students -----------------------------------------------------------------------------------------------


def test_move_students_conserves_total_and_leaves_classes(national: qbalance.Standard) -> None:
    c = _two_schools()
    sc = _scenario(
        {"kind": "move_students", "from_school": "B", "to_school": "A", "section": "primary", "students": 200}
    )
    out = apply_scenario(c, sc)
    by_id = {s.id: s for s in out.schools}
    assert by_id["B"].sections["primary"].students == 800
    assert by_id["A"].sections["primary"].students == 450
    total = sum(sec.students for s in out.schools for sec in s.sections.values())
    assert total == sum(sec.students for s in c.schools for sec in s.sections.values()) == 1250
    # classes, teachers and facilities stay where they were
    assert by_id["B"].sections["primary"].classes == 23
    assert by_id["A"].sections["primary"].classes == 6
    assert (
        by_id["A"].sections["primary"].teachers
        == next(s for s in c.schools if s.id == "A").sections["primary"].teachers
    )
    report = national.evaluate(out)
    assert _value(report, "B", "primary", "R1") == pytest.approx(42 * 100 / 800)  # 5.25
    assert _value(report, "A", "primary", "R1") == pytest.approx(12 * 100 / 450)


# -- split_school ------------------------------------------------------------------------------------------------


def _totals(c: qbalance.County) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in c.schools:
        for sec in s.sections.values():
            out["students"] = out.get("students", 0) + sec.students
            out["classes"] = out.get("classes", 0) + (sec.classes or 0)
            for k, v in sec.teachers.model_dump().items():
                out[f"teachers.{k}"] = out.get(f"teachers.{k}", 0) + (v or 0)
        for k, v in s.facilities.model_dump().items():
            out[f"facilities.{k}"] = out.get(f"facilities.{k}", 0) + (v or 0)
    return out


def test_split_school_proportional_shares_and_conservation(national: qbalance.Standard) -> None:
    c = _two_schools()
    sc = _scenario(
        {
            "kind": "split_school",
            "school": "B",
            "new_id": "B2",
            "new_name": "分校",
            "students": 250,
            "school_facts": {"has_charter": True},
        }
    )
    out = apply_scenario(c, sc)
    by_id = {s.id: s for s in out.schools}
    new, old = by_id["B2"], by_id["B"]
    # share = 250/1000: 60 → 15 full-time, 42 → 10.5 → 11 above-qualified (half up), 10 → 2.5 → 3 backbone,
    # 9 → 2.25 → 2 PE/art, 23 → 5.75 → 6 classes; facilities by the school's students (one section): 25%
    t = new.sections["primary"].teachers
    assert (t.full_time, t.above_qualified, t.backbone, t.pe_art, t.mid_title) == (15, 11, 3, 2, None)
    assert new.sections["primary"].classes == 6
    assert new.sections["primary"].facts == {"max_class_size": 44}  # section facts copied
    assert new.facts == {"has_charter": True}  # school facts as given
    assert (new.type, new.location, new.ownership) == ("primary", "urban", "public")
    assert new.facilities.teaching_aux_area == pytest.approx(1125.0)
    assert new.facilities.multimedia_classrooms == 6
    t_old = old.sections["primary"].teachers
    assert (t_old.full_time, t_old.above_qualified, t_old.backbone, t_old.pe_art) == (45, 31, 7, 7)
    assert old.sections["primary"].students == 750
    before_t, after_t = _totals(c), _totals(out)
    assert before_t.keys() == after_t.keys()
    for key in before_t:
        assert after_t[key] == pytest.approx(before_t[key], rel=1e-12), key
    report = national.evaluate(out)
    assert _value(report, "B2", "primary", "R2") == pytest.approx(3 * 100 / 250)


def test_split_school_explicit_amounts_and_new_building() -> None:
    c = _two_schools()
    sc = _scenario(
        {
            "kind": "split_school",
            "school": "B",
            "new_id": "B2",
            "new_name": "分校",
            "section": "primary",
            "students": 400,
            "teachers": {"full_time": 20, "above_qualified": 17},
            "facility_share": 0,
            "classes": 9,
            "section_facts": {"max_class_size": 45},
        },
        {"kind": "add_resources", "school": "B2", "facilities": {"teaching_aux_area": "2000 m²"}},
    )
    out = apply_scenario(c, sc)
    by_id = {s.id: s for s in out.schools}
    t = by_id["B2"].sections["primary"].teachers
    assert (t.full_time, t.above_qualified, t.backbone, t.pe_art) == (20, 17, 0, 0)
    assert by_id["B2"].facilities.teaching_aux_area == 2000
    assert by_id["B2"].facilities.equipment_value == 0
    assert by_id["B"].facilities.teaching_aux_area == 4500
    assert by_id["B"].sections["primary"].classes == 23 - 9
    assert by_id["B2"].sections["primary"].facts == {"max_class_size": 45}


# -- open_school, set_fact, close_school -------------------------------------------------------------------------


def test_open_school_then_move_students(national: qbalance.Standard) -> None:
    c = _two_schools()
    new = school("C")
    new["sections"]["primary"]["students"] = 0
    sc = _scenario(
        {"kind": "open_school", "school": new},
        {"kind": "move_students", "from_school": "B", "to_school": "C", "section": "primary", "students": 500},
    )
    out = apply_scenario(c, sc)
    assert [s.id for s in out.schools] == ["A", "B", "C"]
    report = national.evaluate(out)
    assert _value(report, "C", "primary", "R1") == pytest.approx(42 * 100 / 500)


def test_set_fact_county_school_section_and_remove(national: qbalance.Standard) -> None:
    c = _two_schools()
    sc = _scenario(
        {"kind": "set_fact", "path": "schools.B.sections.primary.facts.max_class_size", "value": 52},
        {"kind": "set_fact", "path": "schools.A.facts.training_spend", "value": "1 万元"},
        {"kind": "set_fact", "path": "facts.satisfaction_rate", "value": "80%"},
        {"kind": "set_fact", "path": "schools.A.sections.小学.facts.note", "value": "x"},
        {"kind": "set_fact", "path": "schools.A.sections.小学.facts.note", "value": None},
    )
    out = apply_scenario(c, sc)
    by_id = {s.id: s for s in out.schools}
    assert by_id["B"].sections["primary"].facts["max_class_size"] == 52
    assert by_id["A"].facts["training_spend"] == "1 万元"
    assert "note" not in by_id["A"].sections["primary"].facts
    before, after = national.evaluate(c), national.evaluate(out)
    cmp = compare_reports(before, after)
    # 52 > 45 fails class size; 10,000 of 720,000 yuan is 1.4% < 5%; 80% < 85% satisfaction
    assert {i.id for i in cmp.items} == {"G05_class_size", "Q4_training_spend", "S1_satisfaction"}
    assert cmp.item("G05_class_size").before == "pass"
    assert cmp.item("G05_class_size").after == "fail"


def test_close_school_requires_empty_or_into(national: qbalance.Standard) -> None:
    c = _two_schools()
    with pytest.raises(InputError) as exc:
        apply_scenario(c, _scenario({"kind": "close_school", "school": "A"}))
    assert exc.value.problems[0].school_id == "A"
    assert "250 students" in exc.value.problems[0].message
    out = apply_scenario(c, _scenario({"kind": "撤并学校", "school": "A", "into": "B"}))
    assert [s.id for s in out.schools] == ["B"]
    sec = out.schools[0].sections["primary"]
    assert (sec.students, sec.classes, sec.teachers.full_time, sec.teachers.backbone) == (1250, 29, 76, 13)
    assert out.schools[0].facilities.teaching_aux_area == 4500  # buildings stay where they are
    moved = apply_scenario(
        c,
        _scenario(
            {"kind": "move_students", "from_school": "A", "to_school": "B", "section": "primary", "students": 250},
            {"kind": "close_school", "school": "A"},
        ),
    )
    assert [s.id for s in moved.schools] == ["B"]
    assert national.evaluate(moved).schools[0].students == 1250


# -- immutability and errors -------------------------------------------------------------------------------------


def test_input_county_and_scenario_never_mutated() -> None:
    c, _ = as_county(qbalance.demo_path())
    sc = load_scenario(WENSHAN)
    c_before = copy.deepcopy(c.model_dump())
    sc_before = copy.deepcopy(sc.model_dump())
    out = apply_scenario(c, sc)
    assert c.model_dump() == c_before
    assert sc.model_dump() == sc_before
    assert out is not c and out.model_dump() != c_before
    # a second application gives the same county (nothing leaked from the first into the scenario)
    assert apply_scenario(c, sc).model_dump() == out.model_dump()
    # and a dict input is not touched either
    data = county(school("A"), school("B"))
    data_before = copy.deepcopy(data)
    apply_scenario(data, _scenario({"kind": "set_fact", "path": "schools.A.facts.has_charter", "value": False}))
    assert data == data_before


def test_all_problems_reported_at_once_with_change_index() -> None:
    c = _two_schools()
    sc = _scenario(
        {"kind": "add_resources", "school": "Z", "facilities": {"teaching_aux_area": 10}},  # 0: unknown school
        {"kind": "move_students", "from_school": "A", "to_school": "B", "section": "primary", "students": 300},  # 1
        {"kind": "add_resources", "school": "B", "section": "primary", "teachers": {"backbone": -12}},  # 2: negative
        {"kind": "add_resources", "school": "A", "facilities": {"computers": 5}},  # 3: base unknown
        {"kind": "add_resources", "school": "A", "section": "junior", "classes": 1},  # 4: no such section
        {"kind": "split_school", "school": "A", "new_id": "B", "new_name": "x", "students": 10},  # 5: id taken
        {"kind": "add_resources", "school": "B", "section": "primary", "teachers": {"pe_art": 1}},  # 6: fine
    )
    with pytest.raises(InputError) as exc:
        apply_scenario(c, sc)
    problems = exc.value.problems
    got = {(p.path, p.school_id, p.field) for p in problems}
    assert got == {
        ("changes[0]", "Z", "school"),
        ("changes[1]", "A", "sections.primary.students"),
        ("changes[2]", "B", "sections.primary.teachers.backbone"),
        ("changes[3]", "A", "facilities.computers"),
        ("changes[4]", "A", "section"),
        ("changes[5]", "B", "new_id"),
    }
    by_path = {p.path: p for p in problems}
    assert by_path["changes[1]"].value == 300
    assert by_path["changes[2]"].value == -2  # 10 backbone teachers − 12
    assert "changes[2] (add_resources)" in str(exc.value)


def test_change_after_a_failed_creation_is_skipped_not_reported_twice() -> None:
    c = _two_schools()
    sc = _scenario(
        {"kind": "split_school", "school": "B", "new_id": "B2", "new_name": "x", "students": 5000},
        {"kind": "add_resources", "school": "B2", "facilities": {"teaching_aux_area": 10}},
    )
    with pytest.raises(InputError) as exc:
        apply_scenario(c, sc)
    assert [p.path for p in exc.value.problems] == ["changes[0]"]


def test_structure_checked_after_applying() -> None:
    c = _two_schools()
    sc = _scenario({"kind": "add_resources", "school": "A", "section": "primary", "teachers": {"backbone": 20}})
    with pytest.raises(InputError) as exc:  # 23 backbone > 16 full-time
        apply_scenario(c, sc)
    assert exc.value.problems[0].field == "sections.primary.teachers.backbone"
    assert "after applying scenario t" in str(exc.value)


def test_scenario_for_another_county_is_refused() -> None:
    with pytest.raises(InputError, match="written for county 123"):
        apply_scenario(_two_schools(), _scenario(county="123"))


def test_load_errors_name_line_change_and_field(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(
        "name: bad\nlabel_zh: 坏\nchanges:\n"
        "  - kind: add_resources\n    school: '1'\n    facilities: {teaching_aux_area: 3 万元}\n"
        "  - kind: teleport\n    school: '1'\n"
        "  - kind: move_students\n    from_school: '1'\n    to_school: '1'\n    section: primary\n    students: 5\n"
        "  - kind: add_resources\n    school: '1'\n    teachers: {backbone: 1.5}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    probs = exc.value.problems
    assert len(probs) >= 4
    paths = [p.path or "" for p in probs]
    assert "changes[0].facilities.teaching_aux_area" in paths
    assert any(x.startswith("changes[1]") for x in paths)
    assert any(x.startswith("changes[2]") for x in paths)
    assert any(x.startswith("changes[3]") for x in paths)
    first = next(p for p in probs if (p.path or "").startswith("changes[0]"))
    assert first.location is not None and first.location.startswith("line 6")
    assert "万元" in first.message


def test_round_trip_to_dict_and_json() -> None:
    sc = load_scenario(WENSHAN)
    again = load_scenario(sc.to_dict())
    assert again.model_dump() == sc.model_dump()
    assert Scenario.model_validate_json(sc.to_json()).model_dump() == sc.model_dump()


def test_models_construct_directly() -> None:
    sc = Scenario(
        name="py",
        label_zh="直接构造",
        changes=[
            AddResources(school="A", section="primary", teachers={"full_time": 1, "above_qualified": 1}),
            MoveStudents(from_school="B", to_school="A", section="primary", students=10),
            SplitSchool(school="B", new_id="B9", new_name="分校", students=100, facility_share=0),
            OpenSchool(school=qbalance.School.model_validate(school("N"))),
            SetFact(path="facts.satisfaction_rate", value=0.95),
            CloseSchool(school="N", into="B"),
        ],
    )
    out = apply_scenario(_two_schools(), sc)
    assert {s.id for s in out.schools} == {"A", "B", "B9"}
    with pytest.raises(ValueError, match="path must be"):
        SetFact(path="schools.A.students", value=1)


# -- comparison --------------------------------------------------------------------------------------------------


def test_comparison_finds_exactly_the_changed_things(national: qbalance.Standard) -> None:
    c = _two_schools()
    before = national.evaluate(c)
    assert compare_reports(before, national.evaluate(c)).changed is False
    # B is exactly at every threshold; one backbone teacher less (10 → 9 of 1000) fails R2 at B only.
    sc = _scenario({"kind": "add_resources", "school": "B", "section": "primary", "teachers": {"backbone": -1}})
    after = national.evaluate(apply_scenario(c, sc))
    cmp = compare_reports(before, after, title=sc)
    assert cmp.verdict_before == cmp.verdict_after == "pass"  # 6 of 7 is still a pass
    assert cmp.items == [] and cmp.areas == []
    assert [(v.indicator, v.section) for v in cmp.cvs] == [("R2", "primary")]
    assert [(s.school_id, s.section) for s in cmp.schools] == [("B", "primary")]
    row = cmp.schools[0]
    assert (row.met_before, row.met_after, row.result_before, row.result_after) == (7, 6, "pass", "pass")
    assert [(v.indicator, v.before, v.after, v.met_before, v.met_after) for v in row.values] == [
        ("R2", pytest.approx(1.0), pytest.approx(0.9), True, False)
    ]
    cv = cmp.cvs[0]
    assert cv.delta == pytest.approx(cv.after - cv.before)  # type: ignore[operator]
    # weighted CV of R2 before: A 1.2 (250 students), B 1.0 (1000): mean 1.04; after: B 0.9 → mean 0.96
    for value, (a, b) in ((cv.before, (1.2, 1.0)), (cv.after, (1.2, 0.9))):
        mean = (a * 250 + b * 1000) / 1250
        sd = math.sqrt((250 * (a - mean) ** 2 + 1000 * (b - mean) ** 2) / 1250)
        assert value == pytest.approx(sd / mean)
    assert cmp.title is not None and cmp.title.zh == "测试"
    text = cmp.to_text()
    assert "R2" in text and "学校变化" in text and "通过 (无变化)" in text
    md = cmp.to_markdown("en")
    assert md.startswith("# Scenario comparison: 测试") and "| B | " in md
    d = cmp.to_dict()
    assert d["format"] == "qbalance-comparison/1" and d["schools"][0]["values"][0]["indicator"] == "R2"
    assert Comparison.model_validate(d) == cmp


def test_tolerance_hides_small_value_changes(national: qbalance.Standard) -> None:
    c = _two_schools()
    before = national.evaluate(c)
    sc = _scenario({"kind": "add_resources", "school": "B", "facilities": {"teaching_aux_area": "1 m²"}})
    after = national.evaluate(apply_scenario(c, sc))
    assert [s.school_id for s in compare_reports(before, after).schools] == ["B"]  # 4.5 → 4.501
    loose = compare_reports(before, after, tolerance=1e-2)  # the R4 CV moves by 0.2%
    assert loose.schools == [] and loose.cvs == []


# -- the Wenshan-shaped example on the demo county ---------------------------------------------------------------


def test_wenshan_example_loads_units_and_chinese() -> None:
    sc = load_scenario(WENSHAN)
    assert sc.name == "wenshan-2026-demo" and sc.county == "999901"
    split = sc.changes[0]
    assert isinstance(split, SplitSchool) and split.facility_share == 0 and split.students == 600
    assert split.school_facts["public_funds_budget"] == "43.2 万元"  # facts keep their text; the pack reads units
    campus = sc.changes[2]
    assert isinstance(campus, AddResources)
    assert campus.facilities.amounts() == {
        "teaching_aux_area": 3300.0,  # the example file writes "3300 m²"
        "indoor_gym_area": 300.0,
        "sports_ground_area": 4800.0,
        "equipment_value": 1_300_000.0,
        "multimedia_classrooms": 15.0,
    }
    town = next(ch for ch in sc.changes if isinstance(ch, AddResources) and ch.school == "9999010014")
    assert town.facilities.sports_ground_area == pytest.approx(4000 / 3)  # 2 亩
    equip = next(ch for ch in sc.changes if isinstance(ch, AddResources) and ch.school == "9999010035")
    assert equip.facilities.amounts() == {"equipment_value": 110_000.0}  # 11 万元


def test_wenshan_example_changes_the_verdict_of_specific_items(national: qbalance.Standard) -> None:
    demo, _ = as_county(qbalance.demo_path())
    before = national.evaluate(demo)
    out = apply_scenario(demo, load_scenario(WENSHAN))
    after = national.evaluate(out)
    cmp = compare_reports(before, after)
    assert (cmp.verdict_before, cmp.verdict_after) == ("fail", "pass")
    changed = {i.id: (i.before, i.after) for i in cmp.items}
    assert changed == {
        "resource_schools": ("fail", "pass"),  # 9999010024, 9999010035, 9999010057 fixed
        "resource_balance": ("fail", "pass"),  # junior R2 CV 0.4593 → below 0.45
        "G04_school_size": ("fail", "pass"),  # 2,380 → 1,780 students
        "G05_class_size": ("fail", "pass"),  # largest class 52 → 45
        "Q4_training_spend": ("fail", "pass"),  # 2.73 → 6.82 万元 of 68.18 万元
    }
    r2 = next(v for v in cmp.cvs if v.indicator == "R2" and v.section == "junior")
    assert (r2.result_before, r2.result_after) == ("fail", "pass")
    assert r2.before is not None and r2.before > 0.45 and r2.after is not None and r2.after < 0.45

    # hand-computed values (from the demo's own numbers, so they hold if the demo is regenerated consistently)
    d = {s.id: s for s in demo.schools}
    big = d["9999010001"]
    floor = big.facilities.teaching_aux_area - big.facilities.indoor_gym_area  # the gym counts in R5, not R4
    assert _value(after, "9999010001", "primary", "R4") == pytest.approx(floor / 1780)
    # the campus takes round(31 × 600/2380) = 8 backbone teachers → 8 × 100 ÷ 600
    assert _value(after, "9999010064", "primary", "R2") == pytest.approx(8 * 100 / 600)
    assert _value(after, "9999010064", "primary", "R4") == pytest.approx((3300 - 300) / 600)  # gym out of R4
    assert _value(after, "9999010035", "primary", "R6") == pytest.approx(
        (d["9999010035"].facilities.equipment_value + 110_000) / 268
    )
    assert _value(after, "9999010024", "junior", "R2") == pytest.approx(10 * 100 / 905)
    assert _value(after, "9999010057", "primary", "R7") == pytest.approx(2 * 100 / 63)

    # moving and splitting conserve students; new places = students in the new schools
    def students(c: qbalance.County, section: str) -> float:
        return sum(sec.students for s in c.schools for n, sec in s.sections.items() if n == section)

    for section in ("primary", "junior", "senior"):
        assert students(out, section) == students(demo, section)
    new = {s.id: s for s in out.schools if s.id not in d}
    assert sorted(new) == ["9999010064", "9999010065", "9999010066"]
    assert sum(s.sections["primary"].students for s in new.values() if "primary" in s.sections) == 1200
    # every full-time teacher holds a certificate: 2 new hires, all other teachers only move
    full_time = sum(sec.teachers.full_time or 0 for s in out.schools for sec in s.sections.values())
    assert full_time == sum(sec.teachers.full_time or 0 for s in demo.schools for sec in s.sections.values()) + 2
    assert out.facts["teachers_with_certificate"] == full_time


def test_evaluate_scenario_one_call() -> None:
    cmp = evaluate_scenario(qbalance.demo_path(), WENSHAN)
    assert cmp.verdict_changed and cmp.title is not None
    assert "结论: 未通过 → 通过" in cmp.to_text()
    assert "Verdict: FAIL → PASS" in cmp.to_text("en")


def test_json_file_loads_like_yaml(tmp_path: Path) -> None:
    sc = load_scenario(WENSHAN)
    p = tmp_path / "s.json"
    p.write_text(sc.to_json(), encoding="utf-8")
    from_json = load_scenario(p)
    assert from_json.model_dump() == sc.model_dump()
    demo, _ = as_county(qbalance.demo_path())
    assert apply_scenario(demo, from_json).model_dump() == apply_scenario(demo, sc).model_dump()


def test_a_fact_the_pack_does_not_read_is_noted_in_the_comparison() -> None:
    # Setting an undeclared fact changes no result, but the comparison must not say "nothing happened" silently:
    # the after-report's new warning is carried into the comparison's notes.
    scenario = {
        "format": "qbalance-scenario/1",
        "name": "undeclared",
        "label_zh": "未声明的事实",
        "changes": [{"kind": "set_fact", "path": "schools.9999010001.facts.nonexistent", "value": 3}],
    }
    comparison = evaluate_scenario(qbalance.demo_path(), scenario)
    assert not comparison.verdict_changed and comparison.items == []
    assert any("nonexistent" in n and "not an input" in n for n in comparison.notes)


def test_a_bad_fact_set_by_a_scenario_is_located_at_its_change(tmp_path: Path) -> None:
    # The pack finds the bad rating only when the changed county is evaluated; the problem still points at the
    # scenario file's set_fact change (line 5 of this file), not at an anonymous county.
    path = tmp_path / "sc.yaml"
    path.write_text(
        "format: qbalance-scenario/1\nname: sf\nlabel_zh: 测试\nchanges:\n"
        "  - kind: set_fact\n    path: facts.homework_burden\n    value: 很好\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        evaluate_scenario(qbalance.demo_path(), path)
    (problem,) = info.value.problems
    assert problem.source == str(path) and problem.path == "changes[0]"
    assert problem.location is not None and problem.location.startswith("line 5")
    assert problem.field == "facts.homework_burden" and "not a rating" in problem.message
