"""Shared fixtures: small hand-checkable counties and the shipped packs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import qbalance


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
    return {
        "id": sid,
        "name": f"学校{sid}",
        "type": stype,
        "ownership": ownership,
        "location": location,
        "sections": sections
        or {
            "primary": {
                "students": 1000,
                "teachers": {"full_time": 60, "above_qualified": 42, "backbone": 10, "pe_art": 9},
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
    }


def county(*schools: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data = {"format": "qbalance-county/1", "code": "990001", "name": "测试县", "schools": list(schools)}
    data.update(extra)
    return copy.deepcopy(data)


@pytest.fixture(scope="session")
def national() -> qbalance.Standard:
    return qbalance.load_standard("cn-moe-2017")
