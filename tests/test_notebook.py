"""Reports, plans and comparisons in a notebook or a console: short ``print``/``repr`` views, ``to_text``,
``to_frame`` (with the wide school × indicator table) and ``_repr_html_``.

Expected values are read from the report itself (the frames must show its numbers unchanged) or counted by hand.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import qbalance
from conftest import county, school
from qbalance._base.messages import language
from qbalance._report.text import render_plan_text, render_text


@pytest.fixture(scope="module")
def report() -> qbalance.Report:
    return qbalance.evaluate(qbalance.demo_path())


@pytest.fixture(scope="module")
def plan() -> qbalance.Plan:
    return qbalance.plan(qbalance.demo_path())


# -- the report -----------------------------------------------------------------------------------------------------


@pytest.mark.zh
def test_print_and_repr_are_short_summaries(report: qbalance.Report) -> None:
    shown = str(report)
    lines = shown.splitlines()
    failing = [i for i in report.items if i.status == "fail"]  # 5 in the demo
    assert len(shown) < 3000 and len(report.to_json()) > 100_000  # not the whole report
    assert lines[0] == "示例县(合成数据)（999901）2024年评估结论：未通过"
    assert lines[1].startswith("评估标准：县域义务教育优质均衡发展督导评估办法")
    assert lines[2] == f"未通过的项目（{len(failing)}项）："
    for item, line in zip(failing, lines[3:], strict=False):
        assert item.finding is not None and line == f"- {item.label.zh}：{item.finding.zh}"
    assert repr(report) == f"<Report 示例县(合成数据)（999901） cn-moe-2017 1.0.0：未通过，{len(failing)}项未达标>"
    assert "\n" not in repr(report)
    with language("en"):
        assert str(report).startswith("示例县(合成数据) (999901) 2024: FAIL\nStandard: ")


def test_to_text_is_the_text_report(report: qbalance.Report) -> None:
    assert report.to_text() == render_text(report, "zh")
    assert report.to_text("en") == render_text(report, "en") and "Verdict: FAIL" in report.to_text("en")


def test_the_wide_school_table(report: qbalance.Report) -> None:
    pytest.importorskip("pandas")
    wide = report.to_frame(wide=True)
    assert wide.shape[0] == len(report.schools)
    assert list(wide.columns[:6]) == ["学校代码", "学校名称", "学段", "学校类型", "城乡分类", "在校学生数"]
    assert list(wide.columns[-3:]) == ["达标项数", "学校结果", "问题说明"]
    r2 = next(c for c in wide.columns if str(c).startswith("R2 "))
    assert r2 == "R2 骨干教师（人/百生）"
    row = wide[wide["学校代码"] == "9999010024"].iloc[0]
    school_row = next(s for s in report.schools if s.school_id == "9999010024")
    value = next(v.value for v in school_row.values if v.indicator == "R2")
    assert row[r2] == value and row["学段"] == "初中" and row["达标项数"] == 5 and row["学校结果"] == "未达标"
    assert school_row.finding is not None and row["问题说明"] == school_row.finding.zh
    assert all(isinstance(x, str) for x in wide["学校代码"])  # ids stay text
    english = report.to_frame("en", wide=True)
    assert "School ID" in english.columns and "R2 backbone teachers (per 100 students)" in english.columns
    assert set(report.to_frame()) == {"items", "indicators", "schools", "excluded", "warnings"}  # as before


# -- the plan -------------------------------------------------------------------------------------------------------


@pytest.mark.zh
def test_plan_views(plan: qbalance.Plan) -> None:
    assert plan.to_text() == render_plan_text(plan, "zh") and plan.to_text("en") == render_plan_text(plan, "en")
    lines = str(plan).splitlines()
    assert lines[0] == "示例县(合成数据)（999901）整改方案：整改前未通过，整改后未通过"
    assert lines[1] == "全县新增：县级及以上骨干教师数2人、教学仪器设备值26,800元、网络多媒体教室数1间"
    assert lines[2] == f"涉及{len(plan.schools)}所学校"
    assert repr(plan) == f"<Plan 示例县(合成数据)（999901）：新增{len(plan.rows)}项，整改后未通过>"
    fragment = plan._repr_html_()
    ET.fromstring(fragment)  # well-formed
    assert fragment.count("<tr>") == len(plan.rows) + 1 and "方案无法解决的事项" in fragment


def test_plan_frame(plan: qbalance.Plan) -> None:
    pytest.importorskip("pandas")
    frame = plan.to_frame()
    assert list(frame.columns) == ["学校代码", "学校名称", "学段", "指标", "新增项目", "新增数量", "单位", "依据"]
    assert frame.shape[0] == len(plan.rows)
    per_input = frame.groupby("新增项目")["新增数量"].sum().to_dict()
    assert per_input["教学仪器设备值"] == plan.totals["facilities.equipment_value"] == 26_800
    assert "Amount" in plan.to_frame("en").columns


# -- the comparison -------------------------------------------------------------------------------------------------


def _comparison() -> qbalance.Comparison:
    """Two schools; B loses one backbone teacher (10 → 9 per 1000 students: R2 from 1.0 to 0.9, below 1.0)."""
    before = county(school("A"), school("B"))
    after = county(school("A"), school("B"))
    after["schools"][1]["sections"]["primary"]["teachers"]["backbone"] = 9
    return qbalance.compare_reports(qbalance.evaluate(before), qbalance.evaluate(after), title="少一名骨干教师")


def test_comparison_views() -> None:
    pytest.importorskip("pandas")
    comparison = _comparison()
    frame = comparison.to_frame()
    assert list(frame.columns) == ["变化类型", "编号", "名称", "学段", "之前", "之后", "变化"]
    # one row per change: each area and item whose status changed, each CV that moved, B's result and its value
    changes = len(comparison.areas) + len(comparison.items) + len(comparison.cvs)
    changes += sum((s.result_before != s.result_after) + len(s.values) for s in comparison.schools)
    assert frame.shape[0] == changes > 0
    value = frame[frame["变化类型"] == "学校指标值"].iloc[0]
    assert value["编号"] == "B" and value["之前"] == pytest.approx(1.0) and value["之后"] == pytest.approx(0.9)
    fragment = comparison._repr_html_()
    ET.fromstring(fragment)
    assert fragment.count("<tr>") == changes + 1 and "少一名骨干教师" in fragment
    assert comparison.to_text() == comparison.to_text("zh") and "Scenario comparison" in comparison.to_text("en")
