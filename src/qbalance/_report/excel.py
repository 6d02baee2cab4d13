"""Render a report (and optionally its rectification plan) as an Excel workbook (the ``excel`` extra: openpyxl).

Sheets (Chinese names and headers by default, English with ``lang="en"``):

- 概要 / Summary — county, standard, verdict, areas; vetoes and missing data;
- 评估项目 / Items — every item with its status and citation;
- 指标 / Indicators — indicator × section: county value, threshold, CV, limit, result, schools pulling the CV up;
- 问题清单 / Problems — every unmet indicator of a school section (value, threshold, shortfall in real units,
  whether the k-of-n rule tolerates it), then items failed at single schools;
- 整改方案 / Plan — only with a plan: additions per school and section, and county totals;
- 未纳入 / Excluded — school sections left out of the indicators, with the reason;
- 提示 / Warnings — data warnings.

School ids are text cells (leading zeros kept); numbers are numeric cells with number formats; every table has a
frozen header row and an autofilter. Text from the input is never written as a formula (a school named
``=HYPERLINK(...)`` stays text).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._base.messages import text
from .._base.optional import require
from .frames import (
    area_status_word,
    check_plan,
    excluded_records,
    floor_ratio,
    indicator_name,
    indicator_records,
    item_records,
    item_row_records,
    plan_records,
    plan_total_records,
    problem_records,
    warning_records,
)
from .labels import category, date_text, status_word, verdict_word, veto_word, word
from .model import ReportData
from .progress_view import as_of_sentence, previous_sentence, progress_headers, progress_records

if TYPE_CHECKING:  # pragma: no cover
    from .plan_model import PlanData

__all__ = ["SHEETS", "render_xlsx"]

SHEETS = ("summary", "items", "indicators", "schools", "problems", "plan", "excluded", "warnings")
"""The sheets a report workbook may have, in order (their names are ``report.sheet.*`` in the catalogue)."""

# number formats
F_TEXT, F_INT, F_2, F_4, F_PCT = "@", "#,##0", "#,##0.00", "0.0000", "0.0%"
F_AMOUNT = "amount"  # whole numbers as #,##0, others as #,##0.00


def _sheet_name(key: str, lang: str) -> str:
    return word(f"sheet.{key}", lang)


class _Writer:
    """Writes header + rows tables into a sheet, keeping text as text and numbers as numbers."""

    def __init__(self, openpyxl: Any, ws: Any) -> None:
        self.ws = ws
        self.bold = openpyxl.styles.Font(bold=True)
        self.fill = openpyxl.styles.PatternFill("solid", fgColor="EEF0F2")
        self.red = openpyxl.styles.Font(color="B3261E", bold=True)
        self.row = 1
        self.widths: dict[int, float] = {}

    def cell(self, row: int, col: int, value: Any, fmt: str | None = None) -> Any:
        c = self.ws.cell(row=row, column=col)
        if value is None:
            return c
        if isinstance(value, bool):
            value = str(value).lower()
        if isinstance(value, str):
            c.value = value
            c.data_type = "s"  # never a formula, whatever the text starts with
            c.number_format = F_TEXT
            width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)
        else:
            c.value = float(value) if not isinstance(value, int) else value
            if fmt == F_AMOUNT:
                fmt = F_INT if float(value).is_integer() else F_2
            c.number_format = fmt or "General"
            width = 12
        self.widths[col] = max(self.widths.get(col, 0), min(width + 2, 60))
        return c

    def pair(self, key: str, value: Any, fmt: str | None = None) -> None:
        self.cell(self.row, 1, key).font = self.bold
        self.cell(self.row, 2, value, fmt)
        self.row += 1

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        formats: Sequence[str | None],
        fail_col: int | None = None,
        fail_values: tuple[str, ...] = (),
    ) -> tuple[int, int]:
        """Write a table at the current row; returns (header row, last row)."""
        head = self.row
        for j, h in enumerate(headers, start=1):
            c = self.cell(head, j, h)
            c.font, c.fill = self.bold, self.fill
        for i, row in enumerate(rows, start=head + 1):
            for j, value in enumerate(row, start=1):
                c = self.cell(i, j, value, formats[j - 1])
                if fail_col is not None and j == fail_col and value in fail_values:
                    c.font = self.red
        self.row = head + len(rows) + 2
        return head, head + len(rows)

    def finish(self, openpyxl: Any, header_row: int | None, ncols: int, last_row: int) -> None:
        get = openpyxl.utils.get_column_letter
        for col, width in self.widths.items():
            self.ws.column_dimensions[get(col)].width = max(width, 8)
        if header_row is not None:
            self.ws.freeze_panes = self.ws.cell(row=header_row + 1, column=1)
            self.ws.auto_filter.ref = f"A{header_row}:{get(max(ncols, 1))}{max(last_row, header_row)}"


def render_xlsx(
    report: ReportData,
    path_or_buffer: str | os.PathLike[str] | Any = None,
    lang: str = "zh",
    plan: PlanData | None = None,
    *,
    date: dt.date | None = None,
) -> bytes | None:
    """Write the report as an .xlsx workbook to a path or a binary file object; with no target, return the bytes.
    ``date`` is the report's date on the summary sheet (default: today).

    Needs the ``excel`` extra (openpyxl).
    """
    openpyxl = require("openpyxl", "excel")
    require("openpyxl.styles", "excel")
    require("openpyxl.utils", "excel")
    check_plan(report, plan)
    wb = openpyxl.Workbook()
    _summary(openpyxl, wb.active, report, lang, plan, date or dt.date.today())
    _items(openpyxl, wb.create_sheet(_sheet_name("items", lang)), report, lang)
    _indicators(openpyxl, wb.create_sheet(_sheet_name("indicators", lang)), report, lang)
    _schools(openpyxl, wb.create_sheet(_sheet_name("schools", lang)), report, lang)
    _problems(openpyxl, wb.create_sheet(_sheet_name("problems", lang)), report, lang)
    if plan is not None:
        _plan(openpyxl, wb.create_sheet(_sheet_name("plan", lang)), report, plan, lang)
    if report.previous is not None or any(i.tracking is not None for i in report.items):
        _progress(openpyxl, wb.create_sheet(text("lookback.sheet", lang)), report, lang)
    _excluded(openpyxl, wb.create_sheet(_sheet_name("excluded", lang)), report, lang)
    _warnings(openpyxl, wb.create_sheet(_sheet_name("warnings", lang)), report, lang)
    wb.properties.title = f"{report.county.name} — {report.provenance.pack.title.text(lang)}"
    wb.properties.creator = f"qbalance {report.provenance.qbalance_version}"
    if path_or_buffer is None:
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    wb.save(path_or_buffer)
    return None


def _summary(openpyxl: Any, ws: Any, report: ReportData, lang: str, plan: PlanData | None, date: dt.date) -> None:
    """The summary sheet: the county, the standard and the verdict, the data year and the report's date, the areas,
    then what needs fixing (each failing item with what is wrong)."""
    ws.title = _sheet_name("summary", lang)
    w = _Writer(openpyxl, ws)
    pack = report.provenance.pack
    w.pair(word("county", lang), report.county.name)
    w.pair(word("code", lang), report.county.code)
    if report.county.year is not None:
        w.pair(word("data_year", lang), report.county.year, "0")
    w.pair(word("made_on", lang), date_text(date, lang))
    if report.county.synthetic:
        w.pair(word("synthetic", lang), word("yes", lang))
    w.pair(word("standard", lang), f"{pack.title.text(lang)} {pack.document or ''}".strip())
    w.pair(word("pack", lang), f"{pack.id} {pack.version}")
    c = w.cell(w.row, 1, word("verdict", lang))
    c.font = w.bold
    vc = w.cell(w.row, 2, verdict_word(report.verdict, lang))
    vc.font = openpyxl.styles.Font(bold=True, color={"pass": "1B7F3B", "fail": "B3261E"}.get(report.verdict, "8A6D00"))
    w.row += 1
    w.pair(word("input_digest", lang), report.provenance.input_digest)
    w.pair(word("pack_hash", lang), pack.sha256)
    w.pair("qbalance", report.provenance.qbalance_version)
    floor = floor_ratio(report)
    if floor is not None:
        w.pair(word("floor_line", lang), floor, F_PCT)
    w.row += 1
    rows: list[list[Any]] = [[a.label.text(lang), area_status_word(a.status, a.veto, lang)] for a in report.areas]
    rows += [[f"{word('vetoes', lang)}: {veto.label.text(lang)}", status_word("fail", lang)] for veto in report.vetoes]
    rows += [[f"{word('missing', lang)}: {m.label.text(lang)}", "; ".join(m.what)] for m in report.missing]
    if plan is not None:
        rows.append([word("verdict_after", lang), verdict_word(plan.verdict_after, lang)])
    fails = tuple(status_word(s, lang) for s in ("fail", "not_evaluated"))
    w.table([word("area", lang), word("status", lang)], rows, [None, None], 2, fails)
    todo = [[i.label.text(lang), i.finding.text(lang)] for i in report.items if i.status == "fail" and i.finding]
    if todo:
        w.table([word("todo", lang), word("finding", lang)], todo, [None, None])
    w.finish(openpyxl, None, 2, 0)


def _items(openpyxl: Any, ws: Any, report: ReportData, lang: str) -> None:
    w = _Writer(openpyxl, ws)
    recs = item_records(report, lang)
    heads = [word("area", lang), "ID", word("item", lang), word("status", lang), word("source", lang)]
    heads += [word("missing", lang), word("finding", lang)]
    rows = [
        [
            r["area_label"],
            r["item"],
            r["label"],
            r["status_label"],
            " ".join(x for x in (r["document"], r["clause"]) if x),
            r["missing"],
            r["finding"],
        ]
        for r in recs
    ]
    fails = (status_word("fail", lang), status_word("not_evaluated", lang), veto_word("fail", lang))
    head, last = w.table(heads, rows, [None] * len(heads), 4, fails)
    w.finish(openpyxl, head, len(heads), last)


def _indicators(openpyxl: Any, ws: Any, report: ReportData, lang: str) -> None:
    w = _Writer(openpyxl, ws)
    heads = [
        "ID", word("indicator", lang), word("unit", lang), word("section", lang), word("schools_n", lang),
        word("students", lang), word("county_value", lang), word("threshold", lang), word("std", lang),
        word("cv", lang), word("cv_compared", lang), word("limit", lang), word("result", lang),
        word("top_contributors", lang),
    ]  # fmt: skip
    formats = [None, None, None, None, F_INT, F_INT, F_2, F_AMOUNT, F_4, F_4, F_4, F_2, None, None]
    rows = [
        [
            r["indicator"],
            r["label"],
            r["unit"],
            r["section_label"],
            r["schools"],
            r["students"],
            r["county_value"],
            r["threshold"],
            r["std"],
            r["cv"],
            r["cv_compared"],
            r["limit"],
            r["result_label"],
            r["top_contributors"],
        ]
        for r in indicator_records(report, lang)
    ]
    head, last = w.table(heads, rows, formats, 13, (status_word("fail", lang), status_word("not_evaluated", lang)))
    comps = [(i, c) for i in report.items for c in i.composite]
    if comps:
        w.cell(w.row, 1, word("composite", lang)).font = w.bold
        w.row += 1
        crow = [
            [item.id, item.label.text(lang), category("section", c.section, lang), c.cv, c.limit,
             status_word(c.result, lang)]
            for item, c in comps
        ]  # fmt: skip
        cheads = ["ID", word("item", lang), word("section", lang), word("cv", lang), word("limit", lang)]
        w.table([*cheads, word("result", lang)], crow, [None, None, None, F_4, F_2, None])
    w.finish(openpyxl, head, len(heads), last)


def _school_rows(report: ReportData, indicators: list[str], lang: str) -> list[list[Any]]:
    """One row per school section: who, then each indicator's value, threshold, ratio and met (是/否), then the
    school's count of indicators met and its result."""
    rows: list[list[Any]] = []
    for s in report.schools:
        values = {v.indicator: v for v in s.values}
        row: list[Any] = [s.school_id, s.school_name, category("section", s.section, lang), s.students]
        for iid in indicators:
            v = values.get(iid)
            met = None if v is None or v.met is None else word("yes" if v.met else "no", lang)
            row += [v.value, v.threshold, v.ratio, met] if v is not None else [None, None, None, None]
        row += [s.met_count, status_word(s.result, lang)]
        rows.append(row)
    return rows


def _schools(openpyxl: Any, ws: Any, report: ReportData, lang: str) -> None:
    """各校指标: every school section × every indicator (value, threshold, ratio, met), the cells of an unmet
    indicator and a failing school filled red by conditional formatting (so they stay red when the user sorts or
    filters, and follow an edit of the met column)."""
    w = _Writer(openpyxl, ws)
    inds = {i.id: i for i in report.indicators}
    ids = list(inds)
    heads = [word("school_id", lang), word("school_name", lang), word("section", lang), word("students", lang)]
    for iid in ids:
        name = f"{iid} {indicator_name(inds.get(iid), iid, lang)}"
        heads += [name, word("threshold", lang), word("ratio", lang), word("met_short", lang)]
    heads += [word("met", lang), word("result", lang)]
    formats = [F_TEXT, F_TEXT, F_TEXT, F_INT] + [F_2, F_2, F_PCT, F_TEXT] * len(ids) + [F_INT, F_TEXT]
    head, last = w.table(heads, _school_rows(report, ids, lang), formats)
    w.finish(openpyxl, head, len(heads), last)
    if last > head:
        _red_when_unmet(openpyxl, ws, head, last, len(ids), len(heads), word("no", lang), status_word("fail", lang))


def _red_when_unmet(
    openpyxl: Any, ws: Any, head: int, last: int, n_indicators: int, ncols: int, no: str, fail: str
) -> None:
    """Conditional formatting: an indicator's four cells red where its met cell says no; the result cell red where
    the school fails."""
    get = openpyxl.utils.get_column_letter
    red = openpyxl.styles.PatternFill("solid", fgColor="F4C7C3", bgColor="F4C7C3")
    rule = openpyxl.formatting.rule.FormulaRule
    for k in range(n_indicators):
        first = 5 + 4 * k
        met = get(first + 3)
        cells = f"{get(first)}{head + 1}:{met}{last}"
        ws.conditional_formatting.add(cells, rule(formula=[f'${met}{head + 1}="{no}"'], fill=red))
    result = get(ncols)
    ws.conditional_formatting.add(
        f"{result}{head + 1}:{result}{last}", rule(formula=[f'${result}{head + 1}="{fail}"'], fill=red)
    )


def _problems(openpyxl: Any, ws: Any, report: ReportData, lang: str) -> None:
    w = _Writer(openpyxl, ws)
    heads = [
        word("school_id", lang), word("school_name", lang), word("section", lang), "ID", word("indicator", lang),
        word("value", lang), word("threshold", lang), word("ratio", lang), word("shortfall", lang),
        word("unit", lang), word("addition", lang), word("tolerated", lang), word("below_floor", lang),
        word("met_of", lang), word("school_result", lang), word("detail", lang),
    ]  # fmt: skip
    formats = [F_TEXT, None, None, None, None, F_2, F_AMOUNT, F_PCT, F_AMOUNT, None, None, None, None, None, None, None]
    yes, no = word("yes", lang), word("no", lang)

    def yn(flag: bool | None) -> str | None:
        return None if flag is None else (yes if flag else no)

    rows: list[list[Any]] = []
    for p in problem_records(report, lang):
        rows.append(
            [
                p["school_id"], p["school_name"], category("section", p["section"], lang), p["indicator"],
                f"{p['indicator_label']} ({p['unit']})", p["value"], p["threshold"], p["ratio"], p["shortfall"],
                p["unit_word"], p["addition_label"], yn(p["tolerated"]), yn(p["below_floor"]),
                f"{p['met_count']}/{p['indicators']}", status_word(p["school_result"], lang),
                p["school_finding"],
            ]
        )  # fmt: skip
    for o in item_row_records(report, lang):
        rows.append(
            [
                o["school_id"], o["school_name"], category("section", o["section"], lang) if o["section"] else None,
                o["item"], o["label"], None, None, None, None, None, None, None, None, None, o["result_label"],
                o["detail"],
            ]
        )  # fmt: skip
    head, last = w.table(heads, rows, formats, 15, (status_word("fail", lang), status_word("not_evaluated", lang)))
    w.finish(openpyxl, head, len(heads), last)


def _plan(openpyxl: Any, ws: Any, report: ReportData, plan: PlanData, lang: str) -> None:
    w = _Writer(openpyxl, ws)
    heads = [
        word("school_id", lang), word("school_name", lang), word("section", lang), "ID", word("indicator", lang),
        word("input", lang), word("amount", lang), word("unit", lang), word("reason", lang),
    ]  # fmt: skip
    rows = [
        [
            r["school_id"], r["school_name"],
            category("section", r["section"], lang) if r["section"] else word("whole_school", lang),
            r["indicator"], r["indicator_label"], r["input_label"], r["amount"], r["unit_word"], r["reason_label"],
        ]
        for r in plan_records(plan, report, lang)
    ]  # fmt: skip
    head, last = w.table(heads, rows, [F_TEXT, None, None, None, None, None, F_AMOUNT, None, None])
    totals = plan_total_records(plan, lang)
    if totals:
        w.cell(w.row, 1, word("plan_totals", lang)).font = w.bold
        w.row += 1
        trows = [[t["input_label"], t["amount"], t["unit_word"]] for t in totals]
        w.table([word("input", lang), word("total", lang), word("unit", lang)], trows, [None, F_AMOUNT, None])
    if plan.indicators:
        w.cell(w.row, 1, word("plan_cv", lang)).font = w.bold
        w.row += 1
        crows = [
            [p.indicator, p.label.text(lang), category("section", p.section, lang), p.cv_before, p.cv_after, p.limit]
            for p in plan.indicators
        ]
        cheads = ["ID", word("indicator", lang), word("section", lang), word("cv_before", lang), word("cv_after", lang)]
        w.table([*cheads, word("limit", lang)], crows, [None, None, None, F_4, F_4, F_2])
    if plan.cannot_fix:
        w.cell(w.row, 1, word("not_planned", lang)).font = w.bold
        w.row += 1
        crows = [
            [c.item, c.label.text(lang), c.school_id, c.school_name,
             category("section", c.section, lang) if c.section else None, c.why.text(lang)]
            for c in plan.cannot_fix
        ]  # fmt: skip
        cheads = ["ID", word("item", lang), word("school_id", lang), word("school_name", lang), word("section", lang)]
        w.table([*cheads, word("reason", lang)], crows, [None, None, F_TEXT, None, None, None])
    elif plan.not_planned:
        w.cell(w.row, 1, word("not_planned", lang)).font = w.bold
        w.row += 1
        for x in plan.not_planned:
            w.cell(w.row, 1, x)
            w.row += 1
    w.finish(openpyxl, head, len(heads), last)


def _excluded(openpyxl: Any, ws: Any, report: ReportData, lang: str) -> None:
    w = _Writer(openpyxl, ws)
    heads = [word(h, lang) for h in ("school_id", "school_name", "section", "scope", "reason")]
    rows = [
        [e["school_id"], e["school_name"], category("section", e["section"], lang), e["scope"], e["reason"]]
        for e in excluded_records(report, lang)
    ]
    head, last = w.table(heads, rows, [F_TEXT, None, None, None, None])
    w.finish(openpyxl, head, len(heads), last)


def _warnings(openpyxl: Any, ws: Any, report: ReportData, lang: str) -> None:
    w = _Writer(openpyxl, ws)
    heads = [word("school_id", lang), word("field", lang), word("value", lang), word("message", lang)]
    rows = [[r["school_id"], r["field"], r["value"], r["message"]] for r in warning_records(report, lang)]
    head, last = w.table(heads, rows, [F_TEXT, None, F_AMOUNT, None])
    w.finish(openpyxl, head, len(heads), last)


def _progress(openpyxl: Any, ws: Any, report: ReportData, lang: str) -> None:
    """Progress towards the targets (status, value, target, expected value as numbers), after the sentences saying
    on which date it is judged and which previous year the rules that look back read."""
    w = _Writer(openpyxl, ws)
    for line in (previous_sentence(report, lang), as_of_sentence(report, lang)):
        if line:
            w.cell(w.row, 1, line)
            w.row += 1
    w.row += 1
    label, status, _, expected, baseline, deadline, series = progress_headers(lang)
    heads = [
        label,
        status,
        text("lookback.col.current", lang),
        text("lookback.col.goal", lang),
        expected,
        baseline,
        deadline,
        series,
    ]
    rows = [
        [r["label"], r["status_label"], r["value"], r["target"], r["expected_value"], r["baseline"], r["deadline"],
         r["series"]]
        for r in progress_records(report, lang)
    ]  # fmt: skip
    fails = tuple(r["status_label"] for r in progress_records(report, lang) if r["status"] in ("behind", "overdue"))
    head, last = w.table(heads, rows, [None, None, F_AMOUNT, F_AMOUNT, F_AMOUNT, None, None, None], 2, fails)
    w.finish(openpyxl, head, len(heads), last)
