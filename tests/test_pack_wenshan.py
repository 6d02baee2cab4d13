"""The Wenshan city overlay (cn-yn-wenshan-2024) against its seed text, the 2024 city plan.

Checks what the pack tests cannot: that the overlay (on the Yunnan level cn-yn-2022, which changes no rule either)
leaves the national rules as they are (the national 5% for teacher training stays, beside the city's own 10%), and
how the plan's targets are tracked (the headline of 16 schools, the breakdown that adds up to 17, and a deadline only
where the plan gives one).
"""

from __future__ import annotations

import pytest

import qbalance

PACK = "cn-yn-wenshan-2024"


@pytest.fixture(scope="module")
def wenshan() -> qbalance.Standard:
    return qbalance.load_standard(PACK)


@pytest.fixture(scope="module")
def national_pack() -> qbalance.Standard:
    return qbalance.load_standard("cn-moe-2017")


def test_the_overlay_changes_no_national_rule(wenshan: qbalance.Standard, national_pack: qbalance.Standard) -> None:
    assert wenshan.resolved is not None
    assert [c.id for c in wenshan.chain] == ["cn-moe-2017", "cn-yn-2022", "cn-yn-wenshan-2024"]
    changed = {path: o.pack for path, o in wenshan.resolved.origins.items() if o.op != "define"}
    # the only changes in the chain are the Yunnan level's notes on the national areas' citations (documentation:
    # tests/test_pack_yunnan.py); the city changes nothing
    assert changed == {f"areas.{a}.cite.note": "cn-yn-2022" for a in ("resource", "government", "quality",
                                                                        "recognition", "veto")}  # fmt: skip
    assert wenshan.resolved.retired == []
    for iid, item in national_pack.pack.items.items():
        assert wenshan.pack.items[iid] == item, iid
    assert wenshan.pack.parameters["training_spend_share"].value == 0.05


def test_the_city_training_rule_is_its_own_city_wide_item(wenshan: qbalance.Standard) -> None:
    item = wenshan.pack.items["W3_training_funds"]
    assert item.area == "local" and item.kind == "county"  # a total for the city, not a rule for each school
    assert item.cite is not None and item.cite.clause == "三(三)8"
    assert item.cite.text == "完善教师全员培训体系,按照不低于年度公用经费预算总额的10%安排教师培训经费"
    assert wenshan.pack.parameters["city_training_spend_share"].value == 0.10
    assert wenshan.pack.areas["local"].required


def test_the_school_targets_are_tracked_as_the_plan_states_them(wenshan: qbalance.Standard) -> None:
    items = wenshan.pack.items
    assert items["P1_new_schools"].target == 16
    parts = ["P1a_primary_urban_new", "P1b_primary_urban_expanded", "P1c_primary_town_expanded",
             "P1d_junior_urban_new", "P1e_junior_town_expanded"]  # fmt: skip
    assert [items[p].target for p in parts] == [6, 1, 5, 2, 3]
    assert sum(items[p].target for p in parts) == 17  # the plan's own breakdown: 17, not 16 (documented, not fixed)
    note = items["P1_new_schools"].cite.note if items["P1_new_schools"].cite else ""
    assert "17" in (note or "")
    for pid in ["P1_new_schools", *parts, "P2_places_primary", "P3_places_junior", "P4_floor_primary",
                "P5_floor_junior"]:  # fmt: skip
        assert str(items[pid].deadline) == "2026-12-31", pid  # 三(二)3: 到2026年
        assert items[pid].area == "progress"
    assert not wenshan.pack.areas["progress"].required


def test_slimming_has_no_deadline_because_the_plan_gives_none(wenshan: qbalance.Standard) -> None:
    p6 = wenshan.pack.items["P6_slim_oversized"]
    assert p6.deadline is None
    assert p6.cite is not None and p6.cite.clause == "三(一)2"


def test_funding_labels_use_the_plans_words(wenshan: qbalance.Standard) -> None:
    w2 = wenshan.pack.items["W2_funding_not_decreasing"]
    assert "按在校学生人数平均的一般公共预算教育支出" in w2.label.text("zh")
    per_student = wenshan.pack.inputs["edu_spend_per_student"].label
    assert (
        per_student.text("zh") == "按在校学生人数平均的一般公共预算教育支出"
    )  # the plan's words; the year is the data's
    assert w2.cite is not None and w2.cite.text == "确保实现教育经费“两个只增不减”"
