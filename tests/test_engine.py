"""End-to-end numbers through the engine, each checked against a hand calculation (shown in the test)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import qbalance
from conftest import county, school


def _sec(students: int, above: int, backbone: int, pe_art: int, full_time: int | None = None) -> dict:
    return {
        "students": students,
        "teachers": {
            "full_time": full_time if full_time is not None else max(above, backbone, pe_art) + 5,
            "above_qualified": above,
            "backbone": backbone,
            "pe_art": pe_art,
        },
    }


def _fac(aux: float, gym: float, ground: float, equip: float, rooms: int) -> dict:
    return {
        "teaching_aux_area": aux,
        "indoor_gym_area": gym,
        "sports_ground_area": ground,
        "equipment_value": equip,
        "multimedia_classrooms": rooms,
    }


def test_weighted_cv_matches_hand_calculation(national: qbalance.Standard) -> None:
    # Two primary schools; only equipment differs. A: 100 students, 400 000 yuan (4000/student);
    # B: 300 students, 1 800 000 yuan (6000/student).
    # By hand: X̄ = (400 000 + 1 800 000) / 400 = 5500;
    # S = sqrt((100·1500² + 300·500²) / 400) = sqrt(300 000 000 / 400) = sqrt(750 000) = 866.0254;
    # CV = 866.0254 / 5500 = 0.157459. The unweighted CV would be 1000/5000 = 0.2.
    a = school("A", sections={"primary": _sec(100, 5, 1, 1)}, facilities=_fac(450, 0, 750, 400_000, 3))
    b = school("B", sections={"primary": _sec(300, 13, 3, 3)}, facilities=_fac(1350, 0, 2250, 1_800_000, 7))
    report = national.evaluate(county(a, b))
    r6 = report.indicator("R6").sections[0]
    assert r6.section == "primary"
    assert r6.county_value == pytest.approx(5500.0, rel=1e-12)
    assert r6.std == pytest.approx(math.sqrt(750_000), rel=1e-12)
    assert r6.cv == pytest.approx(math.sqrt(750_000) / 5500, rel=1e-12)
    assert r6.cv == pytest.approx(0.157459, abs=1e-6)
    assert r6.result == "pass"


def test_nine_year_school_facilities_are_apportioned_1_to_1_1(national: qbalance.Standard) -> None:
    # Worked example: A = 500 primary, B = 400 junior students; weights 1 : 1.1.
    # Primary share = 500 / (500 + 1.1·400) = 500/940; junior share = 440/940.
    # Floor area 6000 m² → primary 6000·500/940/500 = 6.3830 m²/student; junior 6000·440/940/400 = 7.0213.
    nine = school(
        "N",
        "nine_year",
        sections={"primary": _sec(500, 25, 5, 5), "junior": _sec(400, 22, 4, 4)},
        facilities=_fac(6000, 0, 9400, 2_350_000, 22),
    )
    report = national.evaluate(county(nine))
    by_section = {s.section: {v.indicator: v.value for v in s.values} for s in report.schools}
    assert by_section["primary"]["R4"] == pytest.approx(6000 * 500 / 940 / 500, rel=1e-12)
    assert by_section["junior"]["R4"] == pytest.approx(6000 * 440 / 940 / 400, rel=1e-12)
    # Not double counted: the two sections' shares add back to the whole.
    assert by_section["primary"]["R4"] * 500 + by_section["junior"]["R4"] * 400 == pytest.approx(6000)
    # Multimedia rooms are apportioned too: 22·500/940 rooms for 500 students = 2.3404 per 100.
    assert by_section["primary"]["R7"] == pytest.approx(22 * 500 / 940 / 500 * 100, rel=1e-12)
    # Teachers are by section, never split: 22 of 400 junior students = 5.5 per 100.
    assert by_section["junior"]["R1"] == pytest.approx(5.5, rel=1e-12)


def test_complete_middle_school_junior_share_uses_1_to_1_2(national: qbalance.Standard) -> None:
    # Junior 1000, senior 1000 students, weights 1 : 1.2: junior share = 1000 / (1000 + 1200) = 0.4545...
    # Floor area 12 760 m² → junior 12 760 · 1000/2200 / 1000 = 5.8 m²/student, exactly the junior threshold.
    cm = school(
        "C",
        "complete_middle",
        sections={"junior": _sec(1000, 53, 10, 9), "senior": {"students": 1000}},
        facilities=_fac(12_760, 0, 22_440, 5_500_000, 53),
    )
    report = national.evaluate(county(cm))
    (row,) = report.schools
    values = {v.indicator: v for v in row.values}
    assert values["R4"].value == pytest.approx(5.8, rel=1e-12)
    assert values["R4"].met is True  # at the threshold passes
    assert values["R5"].value == pytest.approx(10.2, rel=1e-12)
    assert values["R6"].value == pytest.approx(2500, rel=1e-12)
    assert values["R7"].value == pytest.approx(53 * 1000 / 2200 / 1000 * 100, rel=1e-12)


def test_every_value_exactly_at_its_threshold_passes(national: qbalance.Standard) -> None:
    # 1000 students: 42 qualified teachers = 4.2/100, 10 backbone = 1.0, 9 PE/art = 0.9, 4500 m² = 4.5,
    # 7500 m² = 7.5, 2 000 000 yuan = 2000, 23 rooms = 2.3 — each exactly the primary threshold.
    report = national.evaluate(county(school("X")))
    (row,) = report.schools
    assert [v.met for v in row.values] == [True] * 7
    assert all(v.ratio == pytest.approx(1.0) for v in row.values)
    assert row.result == "pass"
    assert report.verdict == "pass"


@pytest.mark.parametrize(
    ("equipment", "expected"),
    [
        (1_700_000, "pass"),  # 1700 = 0.85 · 2000 exactly: the floor is met, 6 of 7 met → pass
        (1_699_000, "fail"),  # 1699 < 1700: below the 85% floor → fail
        (1_999_000, "pass"),  # 1999: one unmet indicator above the floor → pass
    ],
)
def test_six_of_seven_with_85_percent_floor(national: qbalance.Standard, equipment: int, expected: str) -> None:
    s = school("X", facilities=_fac(4500, 0, 7500, equipment, 23))
    (row,) = national.evaluate(county(s)).schools
    assert row.met_count == 6
    assert row.result == expected


def test_two_unmet_indicators_fail_even_above_the_floor(national: qbalance.Standard) -> None:
    # R6 at 1999 (99.95%) and R7 at 22 rooms (2.2 < 2.3, 95.7%): only 5 of 7 met → fail.
    s = school("X", facilities=_fac(4500, 0, 7500, 1_999_000, 22))
    (row,) = national.evaluate(county(s)).schools
    assert row.met_count == 5
    assert row.floor_ok is True
    assert row.result == "fail"


def test_scope_exclusions(national: qbalance.Standard) -> None:
    small = school("TP49", "teaching_point", location="rural", sections={"primary": _sec(49, 3, 1, 1)})
    edge = school("TP50", "teaching_point", location="rural", sections={"primary": _sec(50, 3, 1, 1)})
    special = school("SE", "special_education", sections={"primary": _sec(80, 5, 1, 1)})
    private = school("PR", ownership="private")
    report = national.evaluate(county(school("A"), small, edge, special, private))
    excluded = {(e.school_id, e.reason_id) for e in report.excluded}
    assert excluded == {("TP49", "small_teaching_point"), ("SE", "special_education")}
    counted = {s.school_id for s in report.schools}
    assert counted == {"A", "TP50", "PR"}  # 50 students is not "fewer than 50"; private schools are counted
    r1 = report.indicator("R1").sections[0]
    assert r1.schools == 3
    assert r1.students == 1000 + 50 + 1000


def test_missing_data_is_never_a_pass(national: qbalance.Standard) -> None:
    fac = _fac(4500, 0, 7500, 2_000_000, 23)
    del fac["equipment_value"]
    report = national.evaluate(county(school("A"), school("B", facilities=fac)))
    rows = {s.school_id: s for s in report.schools}
    assert rows["B"].result == "not_evaluated"
    assert rows["B"].missing == ["R6: facilities.equipment_value"]
    r6 = report.indicator("R6").sections[0]
    assert r6.cv is None and r6.result == "not_evaluated"
    assert r6.missing_schools == ["B"]
    assert report.verdict == "incomplete"
    assert {m.item for m in report.missing} == {"resource_schools", "resource_balance"}


def test_a_known_failure_decides_even_with_missing_data(national: qbalance.Standard) -> None:
    fac = _fac(4500, 0, 7500, 2_000_000, 23)
    del fac["equipment_value"]
    bad = school("C", facilities=_fac(4500, 0, 7500, 1_000_000, 10))  # R6 50%, R7 43%: fails for sure
    report = national.evaluate(county(school("B", facilities=fac), bad))
    assert report.verdict == "fail"
    assert report.item("resource_schools").status == "fail"


def test_zero_student_section_is_excluded_with_a_warning(national: qbalance.Standard) -> None:
    nine = school(
        "N",
        "nine_year",
        sections={"primary": _sec(500, 25, 5, 5), "junior": _sec(0, 0, 0, 0, full_time=0)},
        facilities=_fac(2250, 0, 3750, 1_000_000, 12),
    )
    report = national.evaluate(county(nine))
    assert [(e.section, e.reason_id) for e in report.excluded] == [("junior", "no_students")]
    assert any("no students" in w.message and w.school_id == "N" for w in report.warnings)
    # With no junior students, the primary section gets the whole school: 2250 m² / 500 = 4.5.
    (row,) = report.schools
    assert {v.indicator: v.value for v in row.values}["R4"] == pytest.approx(4.5)


def test_same_input_gives_byte_identical_json(national: qbalance.Standard, tmp_path) -> None:
    data = county(school("A"), school("B", location="rural"))
    first = national.evaluate(data).to_json()
    second = qbalance.evaluate(data).to_json()
    assert first == second
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    from_file = qbalance.evaluate(path)
    assert from_file.to_json() == first  # the digest is of normalised data, not of the file bytes


def test_provenance_names_pack_and_input(national: qbalance.Standard) -> None:
    report = national.evaluate(county(school("A")))
    prov = report.provenance
    assert prov.pack.id == "cn-moe-2017"
    assert prov.pack.sha256.startswith("sha256:") and len(prov.pack.sha256) == 7 + 64
    assert prov.input_digest.startswith("sha256:")
    assert prov.qbalance_version == qbalance.__version__
    assert report.indicator("R1").cite is not None
    assert "4.2人以上" in (report.indicator("R1").cite.text or "")


def test_an_every_item_with_no_school_subject_to_it_is_not_applicable_and_does_not_fail_its_area() -> None:
    # G06 applies only to rural primary schools and teaching points under 100 students; the two conftest schools are
    # urban primary schools of several hundred students, so no school is subject to it (by construction).
    report = qbalance.evaluate(county(school("A"), school("B")))
    status = {i.id: i.status for i in report.items}
    assert status["G06_small_school_funding"] == "not_applicable"
    assert status["G04_school_size"] == "pass"
    assert report.area_status("government") == "pass"


def test_an_indicator_read_by_an_item_is_shown_in_the_indicators_unit(tmp_path: Path) -> None:
    # An overlay item that reads R2 (backbone teachers per 100 students) must show the row's R2 as the report shows
    # it for the school (e.g. 1.30 per 100 students), not in base units (0.0130 per student).
    pack = tmp_path / "xx" / "pack.yaml"
    pack.parent.mkdir()
    pack.write_text(
        "format: qbalance-pack/1\nid: cn-xx-r2\nversion: '1.0.0'\neffective: 2024-01-01\nextends: cn-moe-2017\n"
        "title: {zh: 测试}\nsources:\n  local: {title: {zh: 地方文件}}\nitems:\n  X1:\n    area: resource\n"
        "    kind: every\n    level: section\n    label: {zh: 骨干教师每百生1.5人以上}\n    where: students > 0\n"
        "    require: R2 >= 1.5 [teacher / (100 student)]\n    cite: {source: local}\n",
        encoding="utf-8",
    )
    report = qbalance.evaluate(qbalance.demo_path(), pack)
    row = report.item("X1").rows[0]
    school = next(s for s in report.schools if (s.school_id, s.section) == (row.school_id, row.section))
    (r2,) = [v.value for v in school.values if v.indicator == "R2"]
    assert row.values["R2"] == pytest.approx(r2, rel=1e-9)
    assert 0.5 < r2 < 1.5  # per 100 students: the demo's schools have about one backbone teacher per 100 students


def test_a_cv_item_with_no_counted_school_is_not_applicable_in_both_paths() -> None:
    # The county's only school is a teaching point of 30 students: left out of the resource scope (< 50 students),
    # so no CV exists to compare with its limit. The single report and the batch table say so alike.
    from qbalance._data.columns import county_to_columns

    teachers = {"full_time": 3, "above_qualified": 3, "backbone": 1, "pe_art": 1}
    data = county(
        school("A", "teaching_point", location="rural", sections={"primary": {"students": 30, "teachers": teachers}})
    )
    report = qbalance.evaluate(data)
    assert report.item("resource_balance").status == "not_applicable"
    batch = qbalance.evaluate_many(county_to_columns(qbalance.load_county(data)))
    assert list(batch.counties()["item.resource_balance"]) == ["not_applicable"]
