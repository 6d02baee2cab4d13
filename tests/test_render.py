"""Report renderers (Markdown, HTML, Excel, DataFrames, Jupyter view): they read a Report (and a Plan) and show the
same numbers; the HTML is self-contained, well-formed and escapes untrusted text; the workbook keeps ids as text."""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import re
import sys
import xml.etree.ElementTree as ET
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import yaml

import qbalance
from qbalance._base.optional import MissingExtra
from qbalance._report.excel import render_xlsx
from qbalance._report.frames import floor_ratio, problem_records, report_frames, report_html_repr
from qbalance._report.html import render_html
from qbalance._report.markdown import md as md_escape
from qbalance._report.markdown import render_markdown

SCRIPT_NAME = "<script>alert(1)</script>"
FORMULA_NAME = '=HYPERLINK("x")|*b*'


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(qbalance.demo_path().read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def report() -> qbalance.Report:
    return qbalance.evaluate(qbalance.demo_path())


@pytest.fixture(scope="module")
def plan() -> qbalance.Plan:
    result: qbalance.Plan = qbalance.plan(qbalance.demo_path())
    return result


@pytest.fixture(scope="module")
def hostile(demo: dict[str, Any]) -> qbalance.Report:
    """The demo county with hostile school names and an id with leading zeros on two failing schools."""
    data = copy.deepcopy(demo)
    for s in data["schools"]:
        if s["id"] == "9999010024":  # fails R2 junior (5 of 7)
            s["name"] = SCRIPT_NAME
            s["id"] = "0000010024"
        elif s["id"] == "9999010035":  # R6 below the floor
            s["name"] = FORMULA_NAME
    return qbalance.evaluate(data)


# -- independent expectations from the demo data ----------------------------------------------------------------


def _hand_junior_r2_cv(demo: dict[str, Any]) -> float:
    """R2 (backbone teachers per 100 students), junior, student-weighted population CV, by hand with numpy:
    every junior section except the special-education school (the only exclusion that has a junior section)."""
    x, w = [], []
    for s in demo["schools"]:
        if s["type"] == "special_education" or "junior" not in s["sections"]:
            continue
        sec = s["sections"]["junior"]
        x.append(sec["teachers"]["backbone"] * 100 / sec["students"])
        w.append(float(sec["students"]))
    xa, wa = np.array(x), np.array(w)
    mean = np.sum(wa * xa) / np.sum(wa)
    return float(np.sqrt(np.sum(wa * (xa - mean) ** 2) / np.sum(wa)) / mean)


def _hand_r6_shortfall(demo: dict[str, Any], school_id: str) -> float:
    """Yuan of equipment a one-section primary school needs to reach 2000 yuan per student."""
    s = next(s for s in demo["schools"] if s["id"] == school_id)
    value = float(s["facilities"]["equipment_value"].split()[0]) * 10_000  # "42.88 万元"
    return float(math.ceil(2000 * s["sections"]["primary"]["students"] - value))


def test_demo_expectations_by_hand(demo: dict[str, Any], report: qbalance.Report) -> None:
    cv = next(c for c in report.indicator("R2").sections if c.section == "junior")
    assert cv.cv == pytest.approx(_hand_junior_r2_cv(demo), rel=1e-12)
    assert cv.cv is not None and round(cv.cv, 4) == 0.4593 and cv.limit == 0.45 and cv.result == "fail"
    row = next(p for p in problem_records(report) if p["school_id"] == "9999010035")
    assert row["indicator"] == "R6" and row["below_floor"] is True and row["tolerated"] is False
    assert row["shortfall"] == _hand_r6_shortfall(demo, "9999010035") == 107_200
    assert floor_ratio(report) == 0.85


# -- Markdown -------------------------------------------------------------------------------------------------------


def _cv_rows(report: qbalance.Report) -> list[tuple[str, str, float, float, str]]:
    return [
        (ind.id, c.section, c.cv, c.limit, c.result)
        for ind in report.indicators
        for c in ind.sections
        if c.cv is not None and c.limit is not None
    ]


def test_markdown_numbers(report: qbalance.Report, plan: qbalance.Plan, demo: dict[str, Any]) -> None:
    text = render_markdown(report, plan=plan)
    assert text.startswith("# ") and "## 问题清单" in text and "## 整改方案" in text and "**未通过**" in text
    lines = text.splitlines()
    labels = {"primary": "小学", "junior": "初中"}
    for ind_id, section, cv, limit, result in _cv_rows(report):
        row = next(ln for ln in lines if ln.startswith(f"| {ind_id} ") and f"| {labels[section]} |" in ln)
        assert f"| {cv:.4f} | {limit:.2f} |" in row
        assert ("**未达标**" in row) == (result == "fail")
    junior_r2 = next(ln for ln in lines if ln.startswith("| R2 ") and "| 初中 |" in ln)
    assert f"| {_hand_junior_r2_cv(demo):.4f} | 0.45 | **未达标** |" in junior_r2
    # the problem list: one row per unmet indicator, shortfall in whole units
    problems = problem_records(report)
    section = text.split("## 问题清单", 1)[1].split("\n## ", 1)[0]
    for p in problems:
        row = next(ln for ln in section.splitlines() if ln.startswith(f"| {p['school_id']} ") and p["indicator"] in ln)
        assert f"{p['shortfall']:,.0f} {p['unit_word']}" in row
        assert f"| {p['met_count']}/7 |" in row
        assert ("| 是 |" in row) == bool(p["tolerated"])
    assert "107,200 元" in section and "1 人" in section and "1 间" in section
    # excluded schools and the plan totals
    for e in report.excluded:
        assert e.school_id in text
    totals = text.split("### 全县合计", 1)[1]
    for name, amount in plan.totals.items():
        assert f"{amount:,.0f}" in totals, name


def test_markdown_english(report: qbalance.Report, plan: qbalance.Plan) -> None:
    text = render_markdown(report, lang="en", plan=plan)
    for heading in ("## Problem list", "## Indicators and between-school CVs", "## Rectification plan", "## Items"):
        assert heading in text
    assert "**FAIL**" in text and "问题清单" not in text
    assert "1 teacher " in text or "1 teacher |" in text  # singular


def test_markdown_escapes_untrusted_text(hostile: qbalance.Report) -> None:
    text = render_markdown(hostile)
    assert "<script>" not in text and "&lt;script&gt;" in text
    row = next(ln for ln in text.splitlines() if "HYPERLINK" in ln and ln.startswith("| 9999010035"))
    header = next(ln for ln in text.split("## 问题清单", 1)[1].splitlines() if ln.startswith("| "))
    assert row.count(" | ") == header.count(" | ")  # the | in the name does not add a column
    assert "0000010024" in text


def test_plan_for_another_county_is_refused(report: qbalance.Report, plan: qbalance.Plan) -> None:
    other = plan.model_copy(update={"county": plan.county.model_copy(update={"code": "000000"})})
    for render in (render_markdown, render_html):
        with pytest.raises(ValueError, match="different county"):
            render(report, plan=other)


# -- HTML ---------------------------------------------------------------------------------------------------------


class _Checker(HTMLParser):
    """Collects tags and attribute values; checks every element that must be closed is closed."""

    VOID: ClassVar[set[str]] = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()


def _parse(page: str) -> tuple[_Checker, ET.Element]:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    assert page.startswith("<!DOCTYPE html>\n")
    root = ET.fromstring(page.split("\n", 1)[1])  # well-formed XML too
    return checker, root


def test_html_self_contained_and_well_formed(report: qbalance.Report, plan: qbalance.Plan) -> None:
    page = render_html(report, plan=plan)
    checker, root = _parse(page)
    assert root.tag == "html" and root.get("lang") == "zh-CN"
    assert not re.search(r"https?://", page) and "//" not in "".join(v or "" for _, v in checker.attrs)
    assert "script" not in checker.tags and "link" not in checker.tags and "img" not in checker.tags
    assert not any(name in ("src", "srcset") for name, _ in checker.attrs)
    assert all((v or "").startswith("#") for name, v in checker.attrs if name == "href")  # in-page links only
    assert "@import" not in page and "url(" not in page
    assert "@media print" in page


def test_html_charts(report: qbalance.Report) -> None:
    page = render_html(report)
    _, root = _parse(page)
    svgs = [e for e in root.iter("svg")]
    value_charts = [e for e in svgs if "chart-values" in (e.get("class") or "")]
    pairs = [(ind.id, c.section) for ind in report.indicators for c in ind.sections]
    assert len(value_charts) == len(pairs)
    assert [(e.get("data-indicator"), e.get("data-section")) for e in value_charts] == pairs
    assert len([e for e in svgs if "chart-cv" in (e.get("class") or "")]) == 1
    for svg in svgs:
        assert svg.find("title") is not None and float(svg.get("width", 0)) > 0 and float(svg.get("height", 0)) > 0
    # one bar per school section value; failing ones marked, each with a tooltip naming the school
    for svg in value_charts:
        ind_id, section = svg.get("data-indicator"), svg.get("data-section")
        values = [v for s in report.schools if s.section == section for v in s.values if v.indicator == ind_id]
        bars = [r for r in svg.iter("rect") if "bar" in (r.get("class") or "").split()]
        assert len(bars) == len([v for v in values if v.value is not None])
        failing = [r for r in bars if "bar-fail" in (r.get("class") or "")]
        assert len(failing) == len([v for v in values if v.met is False])
        assert all(r.find("title") is not None and r.find("title").text for r in bars)  # type: ignore[union-attr]
        refs = [ln for ln in svg.iter("line") if ln.get("class") == "ref"]
        assert len(refs) == 3  # county value, threshold, 85% floor
    # the junior R2 chart: its one failing bar is the school that meets 5 of 7
    r2 = next(e for e in value_charts if e.get("data-indicator") == "R2" and e.get("data-section") == "junior")
    tips = [r.find("title").text for r in r2.iter("rect") if "bar-fail" in (r.get("class") or "")]  # type: ignore[union-attr]
    assert len(tips) == 1 and "9999010024" in tips[0]  # type: ignore[operator]
    # the CV chart: a bar per indicator × section, the failing one says so
    cv_chart = next(e for e in svgs if "chart-cv" in (e.get("class") or ""))
    cv_tips = [r.find("title").text or "" for r in cv_chart.iter("rect")]  # type: ignore[union-attr]
    assert len(cv_tips) == len(pairs)
    assert any("0.4593 > 0.45" in t for t in cv_tips)


def test_html_tables_match_report(report: qbalance.Report, plan: qbalance.Plan) -> None:
    page = render_html(report, plan=plan)
    for _, _, cv, _limit, _ in _cv_rows(report):
        assert f'<td class="num">{cv:.4f}</td>' in page
    assert "0.4593" in page and "未通过" in page and 'class="banner fail"' in page
    for p in problem_records(report):
        assert p["school_id"] in page and f"{p['shortfall']:,.0f} {p['unit_word']}" in page
    for name in plan.totals:
        assert any(r.input == name for r in plan.rows)
    assert "整改方案" in page and "26,800" in page


def test_html_english(report: qbalance.Report) -> None:
    page = render_html(report, lang="en")
    _, root = _parse(page)
    assert root.get("lang") == "en"
    assert "Problem list" in page and "School values against thresholds" in page and "问题清单" not in page


def test_html_escapes_untrusted_text(hostile: qbalance.Report) -> None:
    page = render_html(hostile)
    checker, _ = _parse(page)
    assert "<script>" not in page and "script" not in checker.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "0000010024" in page


# -- Excel ----------------------------------------------------------------------------------------------------------


def test_xlsx_workbook(hostile: qbalance.Report, plan: qbalance.Plan, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    data = render_xlsx(hostile)
    assert isinstance(data, bytes)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["概要", "评估项目", "指标", "各校指标", "问题清单", "未纳入", "提示"]
    ws = wb["问题清单"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["学校代码", "学校名称", "学段"] and "缺口" in header and "按规则容许" in header
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    rows = {(r[0].value, r[3].value): r for r in ws.iter_rows(min_row=2) if r[0].value}
    r2 = rows[("0000010024", "R2")]
    assert r2[0].data_type == "s" and r2[0].value == "0000010024"  # leading zeros kept, as text
    assert r2[1].value == SCRIPT_NAME
    value, threshold, shortfall = r2[header.index("指标值")], r2[header.index("标准")], r2[header.index("缺口")]
    assert value.data_type == "n" and value.value == pytest.approx(9 * 100 / 905)
    assert threshold.value == 1.0 and shortfall.value == 1 and value.number_format == "#,##0.00"
    r6 = rows[("9999010035", "R6")]
    assert r6[1].value == FORMULA_NAME and r6[1].data_type == "s"  # not a formula
    assert r6[header.index("缺口")].value == 107_200 and r6[header.index("单位")].value == "元"
    ind = wb["指标"]
    ih = [c.value for c in ind[1]]
    junior_r2 = next(r for r in ind.iter_rows(min_row=2) if r[0].value == "R2" and r[ih.index("学段")].value == "初中")
    cv = next(c for c in hostile.indicator("R2").sections if c.section == "junior")
    assert junior_r2[ih.index("差异系数")].value == pytest.approx(cv.cv)
    assert junior_r2[ih.index("上限")].value == 0.45 and junior_r2[ih.index("结果")].value == "未达标"
    assert junior_r2[ih.index("差异系数")].number_format == "0.0000"
    assert wb["未纳入"].max_row == 1 + len(hostile.excluded)
    # with a plan and in English, written to a path
    out = tmp_path / "report.xlsx"
    report = qbalance.evaluate(qbalance.demo_path())
    assert render_xlsx(report, out, lang="en", plan=plan) is None
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Items", "Indicators", "Schools", "Problems", "Plan", "Excluded", "Warnings"]
    assert [c.value for c in wb["Problems"][1]][:2] == ["School ID", "School name"]
    plan_rows = [r for r in wb["Plan"].iter_rows(min_row=2, values_only=True) if r[0] and str(r[0]).isdigit()]
    assert len(plan_rows) == len(plan.rows)


# -- DataFrames and the Jupyter view --------------------------------------------------------------------------------


def test_frames(hostile: qbalance.Report) -> None:
    pytest.importorskip("pandas")
    frames = report_frames(hostile)
    assert set(frames) == {"items", "indicators", "schools", "excluded", "warnings"}
    assert frames["items"].shape[0] == len(hostile.items)
    assert frames["indicators"].shape[0] == sum(len(i.sections) for i in hostile.indicators)
    assert frames["schools"].shape[0] == sum(len(s.values) for s in hostile.schools)
    assert frames["excluded"].shape[0] == len(hostile.excluded)
    assert frames["warnings"].shape[0] == len(hostile.warnings)
    schools = frames["schools"]
    assert "0000010024" in set(schools["school_id"])
    row = schools[(schools["school_id"] == "0000010024") & (schools["indicator"] == "R2")].iloc[0]
    assert bool(row["met"]) is False and row["shortfall"] == 1 and row["school_result"] == "fail"
    junior = frames["indicators"].set_index(["indicator", "section"]).loc[("R2", "junior")]
    assert junior["cv"] == pytest.approx(0.4593374780971197) and junior["result"] == "fail"
    assert str(schools["met"].dtype) == "boolean"


def test_html_repr(report: qbalance.Report) -> None:
    fragment = report_html_repr(report)
    assert len(fragment) < 6000 and "<html" not in fragment and "<svg" not in fragment
    assert "未通过" in fragment and "资源配置" in fragment
    failing = [i for i in report.items if i.status in ("fail", "not_evaluated")]
    assert fragment.count("<tr>") == len(failing) + 1
    ET.fromstring(fragment)  # well-formed
    assert "FAIL" in report_html_repr(report, lang="en")


def test_html_repr_escapes(hostile: qbalance.Report) -> None:
    data = hostile.to_dict()
    data["county"]["name"] = SCRIPT_NAME
    fragment = report_html_repr(qbalance.Report.model_validate(data))
    assert "<script>" not in fragment and "&lt;script&gt;" in fragment


# -- optional packages ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "call", "extra"),
    [
        ("openpyxl", lambda r: render_xlsx(r), "excel"),
        ("pandas", lambda r: report_frames(r), "frames"),
    ],
)
def test_missing_extra_message(
    report: qbalance.Report, monkeypatch: pytest.MonkeyPatch, module: str, call: Any, extra: str
) -> None:
    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    with pytest.raises(MissingExtra) as info:
        call(report)
    message = str(info.value)
    assert "\n" not in message
    assert message == f'{module} is needed for this: pip install "qbalance-edu[{extra}]"'
    assert isinstance(info.value, ImportError)


# -- other packs ----------------------------------------------------------------------------------------------------


def test_renderers_on_a_pack_without_thresholds() -> None:
    """The 2012 basic-balance pack: no per-school thresholds, composite CVs, many warnings, verdict incomplete."""
    report = qbalance.evaluate(qbalance.demo_path(), "cn-moe-2012-basic")
    text = render_markdown(report)
    assert "综合差异系数" in text and "## 缺失数据" in text and "## 数据提示" in text
    page = render_html(report, lang="en")
    _, root = _parse(page)
    value_charts = [e for e in root.iter("svg") if "chart-values" in (e.get("class") or "")]
    assert len(value_charts) == sum(len(i.sections) for i in report.indicators)
    assert not [ln for svg in value_charts for ln in svg.iter("line") if ln.get("class") == "ref"
                and "threshold" in (ln.findtext("title") or "")]  # fmt: skip
    if "openpyxl" in sys.modules or _has("openpyxl"):
        assert render_xlsx(report)
    if _has("pandas"):
        frames = report_frames(report)
        assert frames["warnings"].shape[0] == len(report.warnings) > 0


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def test_renderers_are_deterministic(report: qbalance.Report, plan: qbalance.Plan) -> None:
    again = qbalance.evaluate(qbalance.demo_path())
    assert render_html(report, plan=plan) == render_html(again, plan=plan)
    assert render_markdown(report, plan=plan) == render_markdown(again, plan=plan)


# -- what failed, first, in every format (issue 11) ----------------------------------------------------------------

DAY = dt.date(2025, 3, 1)


def test_html_opens_with_the_verdict_then_what_needs_fixing(report: qbalance.Report, plan: qbalance.Plan) -> None:
    page = render_html(report, plan=plan, date=DAY)
    _parse(page)
    verdict, todo, items = page.index('class="verdict"'), page.index('id="todo"'), page.index('id="items"')
    assert verdict < todo < items  # the verdict, then 需整改事项, then the details
    block = page[todo:items]
    for item in report.items:
        if item.status == "fail":
            assert item.finding is not None and escape(item.finding.zh) in block, item.id
    for s in report.schools:
        if s.result == "fail":
            assert s.finding is not None and escape(s.finding.zh) in block, s.school_id
    # with a plan: what it adds at a failing school, and in all (totals by hand from the plan's rows)
    assert "方案：县级及以上骨干教师数1人" in block and "全县共需新增：" in block and "教学仪器设备值26,800元" in block
    assert "数据年度：2024" in page and "报告日期：2025年3月1日" in page
    assert "Report date: 2025-03-01" in render_html(report, lang="en", date=DAY)


def test_the_date_is_an_argument_and_only_the_renderings_show_it(report: qbalance.Report) -> None:
    one, other = render_html(report, date=DAY), render_html(report, date=dt.date(2025, 3, 2))
    assert one != other and one.replace("2025年3月1日", "2025年3月2日") == other
    assert render_html(report, date=DAY) == render_html(report, date=DAY)
    today = dt.date.today()
    data = report.to_json()  # the JSON report carries no date of its making
    assert today.isoformat() not in data and f"{today.year}年{today.month}月{today.day}日" not in data
    md = render_markdown(report, date=DAY)
    assert "- **报告日期**: 2025年3月1日" in md and "- **数据年度**: 2024" in md
    assert f"报告日期：{dt.date.today().year}年" in render_html(report)  # default: today


def test_findings_replace_variable_names_in_every_format(report: qbalance.Report, tmp_path: Path) -> None:
    g04 = report.item("G04_school_size").finding
    assert g04 is not None
    page, md = render_html(report, date=DAY), render_markdown(report, date=DAY)
    assert escape(g04.zh) in page and md_escape(g04.zh) in md
    assert "students (sum)" not in page and "params.school_size_limit" not in page
    assert "students (sum)" not in md and "params.school\\_size\\_limit" not in md
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(report, date=DAY) or b""))
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert g04.zh in cells and "2025年3月1日" in cells
    assert not any("students (sum)" in c for c in cells)
    summary = [[c.value for c in row] for row in wb["概要"].iter_rows()]
    assert ["需整改事项", "问题说明"] in summary


def test_the_tolerated_note_does_not_claim_the_school_passes(report: qbalance.Report) -> None:
    # 9999010024 meets 5 of 7: its R3 (98% of the threshold) is the one the rule could tolerate, but the school
    # still fails. The note must not say that the school meets 6.
    row = next(p for p in problem_records(report) if p["school_id"] == "9999010024" and p["indicator"] == "R3")
    assert row["tolerated"] is True and row["met_count"] == 5 and row["school_result"] == "fail"
    for text in (render_html(report, date=DAY), render_markdown(report, date=DAY)):
        assert "该校已达到至少" not in text
        assert "但学校须有至少6项指标达标，达标不足6项的学校仍未通过" in text


def test_value_charts_name_the_schools_that_matter(report: qbalance.Report) -> None:
    _, root = _parse(render_html(report, date=DAY))
    r2 = next(e for e in root.iter("svg") if e.get("data-indicator") == "R2" and e.get("data-section") == "junior")
    names = [t.text for t in r2.iter("text") if t.get("class") == "bar-name"]
    assert names == ["示例新街镇中学"]  # the one failing bar, which is also the lowest
    for svg in root.iter("svg"):
        sizes = [float(t.get("font-size") or 0) for t in svg.iter("text")]
        assert sizes and min(sizes) >= 11, svg.get("data-indicator")
        assert float(svg.get("width") or 0) <= 680  # drawn at the size shown, never scaled down on a wide page


def test_the_plan_part_lists_what_it_cannot_fix(report: qbalance.Report, plan: qbalance.Plan) -> None:
    assert plan.cannot_fix
    page, md = render_html(report, plan=plan, date=DAY), render_markdown(report, plan=plan, date=DAY)
    for entry in plan.cannot_fix:
        assert escape(entry.why.zh) in page and md_escape(entry.why.zh) in md


def test_the_excel_report_has_a_per_school_sheet_with_failing_cells_red() -> None:
    # The demo county: school 9999010035 (示例坪子小学) fails R6 (1,600 yuan per student, threshold 2,000), so its R6
    # cells are under a rule that fills them red, and its result cell too; a school that meets every indicator has
    # none of its met cells at 否.
    openpyxl = pytest.importorskip("openpyxl")
    import io

    report = qbalance.evaluate(qbalance.demo_path())
    buf = io.BytesIO()
    report.to_excel(buf)
    buf.seek(0)
    ws = openpyxl.load_workbook(buf)["各校指标"]
    heads = [c.value for c in ws[1]]
    assert heads[:4] == ["学校代码", "学校名称", "学段", "学生数"] and heads[-2:] == ["达标项", "结果"]
    r6 = heads.index(next(h for h in heads if isinstance(h, str) and h.startswith("R6 ")))
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "9999010035")
    assert row[r6] == pytest.approx(1600, rel=0.01) and row[r6 + 1] == 2000 and row[r6 + 3] == "否"
    assert row[-1] == "未达标"
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in ws.conditional_formatting}
    met_col = openpyxl.utils.get_column_letter(r6 + 4)
    assert any(f'${met_col}2="否"' in f for fs in rules.values() for f in fs)
    assert len(rules) == len(report.indicators) + 1  # one rule per indicator, one for the result
