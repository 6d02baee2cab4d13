"""Shared fixtures: small hand-checkable counties and the shipped packs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import qbalance
from qbalance._base.messages import language

COUNTY_FACTS: dict[str, Any] = {
    # Every county-level input of cn-moe-2017, each comfortably passing its item.
    "public_funds_norm_primary": 720,
    "layout_planning": "良好",
    "unified_building_standard": True,
    "unified_staffing_standard": True,
    "unified_funding_baseline": True,
    "unified_equipment_standard": True,
    "teacher_salary_avg": 98_600,
    "civil_servant_salary_avg": 97_200,
    "performance_pay_fully_approved": True,
    "training_360h_completion_rate": 1.0,
    "staffing_allocation": "合格",
    "rotation_eligible_teachers": 1000,
    "rotation_teachers": 120,
    "rotation_backbone_teachers": 30,
    "teachers_with_certificate": 100_000,
    "nearby_enrolment_rate_primary": 1.0,
    "nearby_enrolment_rate_junior": 0.97,
    "quality_quota_share": 0.55,
    "quota_tilted_to_rural": True,
    "left_behind_care": "良好",
    "migrant_public_share": 0.9,
    "junior_retention_rate": 0.97,
    # the cohort the retention rate is computed from when it is not typed: 970 ÷ (1000 + 20 − 20) = 0.97
    "junior_cohort_entry": 1000,
    "junior_cohort_transfer_in": 20,
    "junior_cohort_transfer_out": 20,
    "junior_cohort_deaths": 0,
    "junior_cohort_graduates": 970,
    "disabled_enrolment_rate": 0.96,
    "it_application": "良好",
    "curriculum_delivery": "良好",
    "homework_burden": "合格",
    "monitoring_level3_met": True,
    "monitoring_difference_rate": 0.12,
    "satisfaction_rate": 0.9,
    "exam_based_admission": False,
    "illegal_school_choice": False,
    "key_schools_or_classes": False,
    "unfilled_posts_or_contract_teachers": False,
    "major_incident": False,
    "falsified_data": False,
}

SCHOOL_FACTS: dict[str, Any] = {
    # School-level inputs of cn-moe-2017 that pass for a 1000-student, 23-class school.
    "music_rooms": 2,
    "art_rooms": 2,
    "music_room_smallest_area": 100,
    "art_room_smallest_area": 95,
    "public_funds_budget": 720_000,
    "training_spend": 72_000,
    "has_charter": True,
    "information_management": True,
    "moral_education_rating": "良好",
}


def school(
    sid: str,
    stype: str = "primary",
    *,
    location: str = "urban",
    ownership: str = "public",
    sections: dict[str, dict[str, Any]] | None = None,
    facilities: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A school dict in the county file format (defaults: one primary section exactly at every threshold)."""
    out = {
        "id": sid,
        "name": f"学校{sid}",
        "type": stype,
        "ownership": ownership,
        "location": location,
        "sections": sections
        or {
            "primary": {
                "students": 1000,
                "classes": 23,
                "teachers": {"full_time": 60, "above_qualified": 42, "backbone": 10, "pe_art": 9},
                "facts": {"max_class_size": 44},
            }
        },
        "facilities": facilities
        or {
            "teaching_aux_area": 4500,
            "indoor_gym_area": 0,
            "sports_ground_area": 7500,
            "equipment_value": 2_000_000,
            "multimedia_classrooms": 23,
        },
        "facts": dict(SCHOOL_FACTS),
    }
    return out


def county(*schools: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A county dict with all county facts passing; sections given without classes or facts get plausible ones."""
    schools_out = copy.deepcopy(list(schools))
    for s in schools_out:
        for name, sec in s["sections"].items():
            if name == "senior":
                continue
            sec.setdefault("classes", max(1, -(-int(sec["students"]) // 44)))
            sec.setdefault("facts", {"max_class_size": 44 if name == "primary" else 48})
    data = {
        "format": "qbalance-county/1",
        "code": "990001",
        "name": "测试县",
        "facts": dict(COUNTY_FACTS),
        "schools": schools_out,
    }
    data.update(extra)
    return copy.deepcopy(data)


@pytest.fixture(scope="session")
def national() -> qbalance.Standard:
    return qbalance.load_standard("cn-moe-2017")


@pytest.fixture(autouse=True)
def _messages_in_english(request: pytest.FixtureRequest) -> Any:
    """Most tests check messages by their English text (stable, as programs see it); tests of the Chinese default
    are marked ``@pytest.mark.zh`` and see the language a user gets. The command line chooses its own language
    (``--lang``, Chinese by default), whatever this fixture says."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.delenv("QBALANCE_LANG", raising=False)  # a developer's own setting must not change the suite
    try:
        if request.node.get_closest_marker("zh"):
            yield
            return
        with language("en"):
            yield
    finally:
        monkeypatch.undo()
