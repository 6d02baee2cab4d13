"""Input validation: every problem is reported at once, naming the school, the field and the value."""

from __future__ import annotations

import pytest

import qbalance
from conftest import county, school


def test_all_problems_reported_at_once_with_school_field_value(national: qbalance.Standard) -> None:
    bad1 = school("S1")
    bad1["facilities"]["equipment_value"] = "3 m2"  # wrong dimension
    bad2 = school("S2")
    bad2["sections"]["primary"]["students"] = -5  # negative count
    bad3 = school("S3")
    bad3["type"] = "university"  # unknown type
    with pytest.raises(qbalance.InputError) as info:
        national.evaluate(county(bad1, bad2, bad3))
    problems = {(p.school_id, p.field): p for p in info.value.problems}
    assert set(problems) == {
        ("S1", "facilities.equipment_value"),
        ("S2", "sections.primary.students"),
        ("S3", "type"),
    }
    assert problems[("S1", "facilities.equipment_value")].value == "3 m2"
    assert "m2" in problems[("S1", "facilities.equipment_value")].message
    assert problems[("S2", "sections.primary.students")].value == -5
    assert "小学" in problems[("S3", "type")].message  # the accepted Chinese names are listed


def test_duplicate_ids_and_impossible_counts(national: qbalance.Standard) -> None:
    a = school("A")
    dup = school("A")
    over = school("B")
    over["sections"]["primary"]["teachers"]["backbone"] = 100  # more than its 60 full-time teachers
    with pytest.raises(qbalance.InputError) as info:
        national.evaluate(county(a, dup, over))
    messages = [p.render() for p in info.value.problems]
    assert any("duplicate school id" in m and "school A" in m for m in messages)
    assert any("backbone" in m and "school B" in m and "exceed" in m for m in messages)


def test_sections_must_fit_the_school_type(national: qbalance.Standard) -> None:
    nine = school("N", "nine_year")  # only a primary section
    cm = school("C", "complete_middle", sections={"junior": {"students": 100}})  # no senior students
    with pytest.raises(qbalance.InputError) as info:
        national.evaluate(county(nine, cm))
    text = str(info.value)
    assert "nine_year school needs a junior section" in text
    assert "complete_middle school needs a senior section" in text


def test_yaml_line_numbers_and_yaml11_surprises(tmp_path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "code: 0532\n"  # leading zero: kept as the text "0532", not octal or 532
        "name: 测试\n"
        "schools:\n"
        "  - id: 007\n"
        "    name: 一小\n"
        "    type: 小学\n"
        "    ownership: 公办\n"
        "    location: 城区\n"
        "    boarding: no\n"  # YAML 1.1 would make this False silently; here it is an error
        "    sections: {primary: {students: 100}}\n",
        encoding="utf-8",
    )
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(path)
    (problem,) = info.value.problems
    assert problem.school_id == "007"
    assert problem.field == "boarding"
    assert problem.value == "no"
    assert problem.location == "line 9, column 15"


def test_units_and_synonyms_are_read() -> None:
    data = county(school("A"))
    data["schools"][0]["facilities"]["equipment_value"] = "200 万元"
    data["schools"][0]["facilities"]["sports_ground_area"] = "11.25 亩"  # 11.25 · 10000/15 = 7500 m²
    data["schools"][0]["type"] = "小学"
    report = qbalance.evaluate(data)
    values = {v.indicator: v.value for v in report.schools[0].values}
    assert values["R6"] == pytest.approx(2000.0)
    assert values["R5"] == pytest.approx(7.5)


def test_non_finite_and_float_ids_rejected() -> None:
    data = county(school("A"))
    data["schools"][0]["facilities"]["teaching_aux_area"] = float("nan")
    data["schools"][0]["id"] = 1.5
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(data)
    fields = {p.field for p in info.value.problems}
    assert fields == {"facilities.teaching_aux_area", "id"}
