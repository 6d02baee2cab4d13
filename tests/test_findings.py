"""Every failed item says in one sentence what is wrong and by how much (the ``finding`` of items, rows and school
sections), in Chinese and English, from the values the report already has.

Expected sentences are written out by hand from the demo county's data (read here with the YAML loader, not through
qbalance) or from the small counties built below; the numbers in them are computed in the test.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

import qbalance
from conftest import county, school
from qbalance._base.messages import language


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(qbalance.demo_path().read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def report() -> qbalance.Report:
    return qbalance.evaluate(qbalance.demo_path())


def _school(demo: dict[str, Any], school_id: str) -> dict[str, Any]:
    return next(s for s in demo["schools"] if s["id"] == school_id)


def _wan(text: str) -> float:
    """'171.36 万元' in yuan."""
    number, unit = text.split()
    assert unit == "万元"
    return float(number) * 10_000


# -- the demo county: each failed item in words ---------------------------------------------------------------------


def test_school_size_says_by_how_much(demo: dict[str, Any], report: qbalance.Report) -> None:
    s = _school(demo, "9999010001")
    students = sum(sec["students"] for sec in s["sections"].values())  # 2380, one primary section
    item = report.item("G04_school_size")
    assert item.finding is not None and len(item.rows) == 1
    zh = f"示例城区第1小学在校学生数{students:,}人，超过2,000人的上限{students - 2000:,}人"
    en = f"示例城区第1小学: students enrolled is {students:,} students, {students - 2000:,} students over the limit"
    row = item.rows[0].finding
    assert row is not None and item.finding.zh == zh == row.zh
    assert item.finding.en is not None and item.finding.en.startswith(en)
    assert "(sum)" not in item.finding.zh and "params." not in (item.finding.en or "")
    assert item.rows[0].values == {"students (sum)": 2380.0, "params.school_size_limit": 2000.0}  # kept as they were


def test_class_size_names_the_section(demo: dict[str, Any], report: qbalance.Report) -> None:
    largest = _school(demo, "9999010001")["sections"]["primary"]["facts"]["max_class_size"]  # 52, limit 45
    finding = report.item("G05_class_size").finding
    assert finding is not None
    assert finding.zh == f"示例城区第1小学（小学）最大班额{largest}人，超过45人的上限{largest - 45}人"


def test_training_spend_as_a_share_of_the_budget(demo: dict[str, Any], report: qbalance.Report) -> None:
    facts = _school(demo, "9999010015")["facts"]
    budget, spend = _wan(facts["public_funds_budget"]), _wan(facts["training_spend"])
    required = 0.05 * budget  # 5% of 681,800 = 34,090
    finding = report.item("Q4_training_spend").finding
    assert finding is not None
    assert finding.zh == (
        f"示例西城镇中心小学年度教师培训经费{spend:,.0f}元，低于年度公用经费预算总额{budget:,.0f}元的5%"
        f"（{required:,.0f}元），差{required - spend:,.0f}元"
    )


def test_a_cv_over_its_limit(report: qbalance.Report) -> None:
    cv = next(c for c in report.indicator("R2").sections if c.section == "junior")
    assert cv.cv is not None  # 0.4593… (checked by hand in test_render.py)
    finding = report.item("resource_balance").finding
    assert finding is not None
    assert finding.zh == f"骨干教师（初中）校际差异系数{cv.cv:.4f}，超过上限0.45，超出{cv.cv - 0.45:.4f}"
    assert (
        finding.en
        == f"backbone teachers (junior): between-school CV {cv.cv:.4f}, {cv.cv - 0.45:.4f} over the limit of 0.45"
    )


def test_schools_below_the_floor_and_short_of_k(demo: dict[str, Any], report: qbalance.Report) -> None:
    s = _school(demo, "9999010035")
    per_student = _wan(s["facilities"]["equipment_value"]) / s["sections"]["primary"]["students"]  # 1,600 yuan
    row = next(x for x in report.schools if x.school_id == "9999010035")
    assert row.finding is not None
    assert row.finding.zh == (
        f"示例坪子小学（小学）仪器设备{per_student:,.0f}元/生，"
        f"为标准2,000元/生的{per_student / 2000:.0%}，低于85%的下限"
    )
    five = next(x for x in report.schools if x.school_id == "9999010024")
    assert five.met_count == 5 and five.finding is not None
    assert five.finding.zh.startswith("示例新街镇中学（初中）7项指标中5项达标，需至少6项；未达标：骨干教师")
    # the item names the first failing school section by id and how many fail (3: 9999010024, …35, …57)
    item = report.item("resource_schools").finding
    assert item is not None and item.zh == f"共3个学校学段未达到要求，其中{five.finding.zh}"
    assert all(s.finding is None for s in report.schools if s.result == "pass")


def test_passing_items_say_nothing_and_the_json_keeps_its_fields(report: qbalance.Report) -> None:
    assert all(i.finding is None for i in report.items if i.status in ("pass", "not_applicable"))
    assert all(i.finding is not None for i in report.items if i.status == "fail")
    data = report.to_dict()
    item = next(i for i in data["items"] if i["id"] == "G04_school_size")
    assert set(item["finding"]) == {"zh", "en"} and "rows" in item and "parameters" in item  # added, none renamed
    assert item["rows"][0]["finding"]["zh"].startswith("示例城区第1小学")


def test_the_report_does_not_depend_on_the_language_in_use() -> None:
    with language("zh"):
        zh = qbalance.evaluate(qbalance.demo_path()).to_json()
    with language("en"):
        en = qbalance.evaluate(qbalance.demo_path()).to_json()
    assert zh == en


# -- music and art rooms: the count or the area ---------------------------------------------------------------------


def _rooms_county() -> dict[str, Any]:
    """School A: 36 classes and 2 music rooms (one per 12 classes needs 3); its art rooms are 80 m² (90 required).
    School B: 37 classes and 3 music rooms (37 / 12 = 3.08, so 4 whole rooms are needed); its smallest music room
    is 90 m² (96 required)."""
    a = school("A")
    a["sections"]["primary"]["classes"] = 36
    a["facts"].update({"music_rooms": 2, "art_rooms": 3, "art_room_smallest_area": 80})
    b = school("B")
    b["sections"]["primary"]["classes"] = 37
    b["facts"].update({"music_rooms": 3, "art_rooms": 4, "music_room_smallest_area": 90})
    return county(a, b)


def test_music_and_art_rooms_say_whether_the_count_or_the_area_fails() -> None:
    item = qbalance.evaluate(_rooms_county()).item("G03_music_art_rooms")
    rows = {r.school_id: r.finding for r in item.rows}
    assert rows["A"] is not None and rows["B"] is not None
    assert rows["A"].zh == (
        "学校A音乐专用教室数2间，按班级数36个班需3间，差1间；最小美术专用教室面积80平方米，低于要求的90平方米，差10平方米"
    )
    assert rows["B"].zh == (
        "学校B音乐专用教室数3间，按班级数37个班需4间，差1间；最小音乐专用教室面积90平方米，低于要求的96平方米，差6平方米"
    )
    assert rows["A"].en == (
        "学校A: music rooms is 2 rooms; classes of 36 classes need 3 rooms, 1 room short; "
        "area of the smallest art room is 80 m², 10 m² short of the required 90 m²"
    )
    assert item.finding is not None and item.finding.zh == f"共2所学校未达标，其中{rows['A'].zh}"


def test_a_school_that_has_enough_rooms_is_not_blamed_for_their_count() -> None:
    data = _rooms_county()
    data["schools"][0]["facts"]["music_rooms"] = 3  # A: 3 rooms for 36 classes is enough; only the art area fails
    rows = {r.school_id: r.finding for r in qbalance.evaluate(data).item("G03_music_art_rooms").rows}
    assert rows["A"] is not None and rows["A"].zh == "学校A最小美术专用教室面积80平方米，低于要求的90平方米，差10平方米"


# -- county items: shares, ratings, yes/no, percentages --------------------------------------------------------------


def test_county_items_in_words() -> None:
    data = county(school("A"), school("B"))  # two schools of 60 full-time teachers each: 120 teachers
    data["facts"].update(
        {
            "teachers_with_certificate": 100,
            "layout_planning": "不合格",
            "exam_based_admission": True,
            "satisfaction_rate": 0.8,
            "performance_pay_fully_approved": False,
            "rotation_teachers": 50,
        }
    )
    report = qbalance.evaluate(data)

    def said(item_id: str) -> str:
        finding = report.item(item_id).finding
        assert finding is not None, item_id
        return finding.zh

    assert said("G12_certificates") == "持有教师资格证的专任教师数100人，低于专任教师数120人的100%（120人），差20人"
    assert said("G01_layout") == "学校规划布局合理性(督导评定)为“不合格”，应达到“合格”及以上"
    assert said("V1_exam_admission") == "存在以考试方式招生：是"
    assert said("G08_salary") == "按规定足额核定教师绩效工资总量：否"
    assert said("S1_satisfaction") == "社会认可度调查满意率80%，低于要求的85%，差5个百分点"
    # 10% of 1,000 eligible teachers must rotate: 100 (by hand)
    assert said("G11_rotation") == "当年交流轮岗教师数50人，低于符合交流条件教师总数1,000人的10%（100人），差50人"


def test_an_item_lacking_data_names_what_is_missing() -> None:
    data = county(school("A"), school("B"))
    del data["schools"][1]["facilities"]["equipment_value"]
    report = qbalance.evaluate(data)
    row = next(s for s in report.schools if s.school_id == "B")
    assert row.finding is not None and row.finding.zh == "学校B（小学）缺少数据，无法判断：教学仪器设备值"
    cv = report.item("resource_balance").finding
    assert cv is not None and cv.zh == "仪器设备（小学）校际差异系数无法计算：缺少1所学校的数据，如B"


def test_progress_items_say_how_far_they_have_come() -> None:
    data = county(school("A"))
    report = qbalance.evaluate(data, "cn-yn-wenshan-2024")
    lacking = [i for i in report.items if i.kind == "progress" and i.status == "not_evaluated"]
    assert lacking and all(i.finding is not None and i.finding.zh.startswith("缺少数据，无法评估：") for i in lacking)
    data["facts"]["new_schools_built"] = 8  # target 16: half way (by hand)
    item = qbalance.evaluate(data, "cn-yn-wenshan-2024").item("P1_new_schools")
    assert item.status == "fail" and item.finding is not None
    assert item.finding.zh == "已新建、改扩建城区中小学幼儿园数8，目标16，完成50%"
