"""Render a report as a readable plain-text table (Chinese labels by default), for the terminal."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._base.messages import text
from .._base.text import terminal_safe
from .computed_view import computed_blocks
from .labels import (
    category,
    input_label,
    plan_reason,
    plan_word,
    sep,
    status_word,
    unit_word,
    verdict_word,
    veto_word,
    word,
)
from .model import ReportData
from .progress_view import PROGRESS_COLUMNS, as_of_sentence, previous_sentence, progress_headers, progress_records

if TYPE_CHECKING:  # in annotations only: a report's text needs no plan models
    from .plan_model import PlanData

__all__ = ["render_plan_text", "render_text"]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = max(0, width - _width(text))
    return (" " * gap + text) if right else (text + " " * gap)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int] | None = None) -> list[str]:
    right = right or set()
    widths = [_width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], _width(cell))
    line = "  ".join(_pad(h, widths[i], i in right) for i, h in enumerate(headers))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in rows:
        out.append("  ".join(_pad(c, widths[i], i in right) for i, c in enumerate(row)).rstrip())
    return out


def _fmt(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def _short(v: object) -> str:
    if isinstance(v, float):
        return f"{v:,.10g}" if abs(v) < 1e15 else str(v)
    return "—" if v is None else str(v)


def _status(s: str, lang: str) -> str:
    return status_word(s, lang)


def _veto_status(s: str, lang: str) -> str:
    """A veto item 'passes' when the finding is absent; say so plainly."""
    return veto_word(s, lang)


def render_text(report: ReportData, lang: str = "zh") -> str:
    """The report as text: verdict, areas and items, indicator CVs, per-school results, exclusions, warnings."""
    out = [
        *_header(report, lang),
        *_vetoes(report, lang),
        *_areas(report, lang),
        *_indicators(report, lang),
        *_schools(report, lang),
        *_item_blocks(report, lang),
        *_progress(report, lang),
        *_computed(report, lang),
        *_missing(report, lang),
        *_excluded(report, lang),
        *_warnings(report, lang),
        *_footer(report, lang),
    ]
    return terminal_safe("\n".join(out) + "\n")  # names from data must not drive the terminal


def _header(report: ReportData, lang: str) -> list[str]:
    """The underlined title, then the county, the standard and the verdict."""
    pack = report.provenance.pack
    title = f"{pack.title.text(lang)} — {word('title', lang)}"
    synthetic = f" {word('synthetic', lang)}" if report.county.synthetic else ""
    year = f" {report.county.year}" if report.county.year else ""
    return [
        title,
        "=" * _width(title),
        f"{word('county', lang)}: {report.county.name} ({report.county.code}){year}{synthetic}",
        f"{word('standard', lang)}: {pack.title.text(lang)} {pack.document or ''} [{pack.id} {pack.version}]",
        f"{word('verdict', lang)}: {verdict_word(report.verdict, lang)}",
        "",
    ]


def _vetoes(report: ReportData, lang: str) -> list[str]:
    """The veto findings (一票否决) with their evidence; nothing when there are none."""
    if not report.vetoes:
        return []
    out = [f"## {word('vetoes', lang)}"]
    for veto in report.vetoes:
        notes = "; ".join(e.evidence for e in veto.evidence if e.evidence)
        out.append(f"- {veto.label.text(lang)}" + (f" — {notes}" if notes else ""))
    out.append("")
    return out


def _areas(report: ReportData, lang: str) -> list[str]:
    """Every item under its area with its status (veto items worded as found / not found)."""
    rows = []
    for area in report.areas:
        for item_id in area.items:
            item = report.item(item_id)
            status = _veto_status(item.status, lang) if area.veto else _status(item.status, lang)
            rows.append([area.label.text(lang), item.label.text(lang), status])
    return [
        f"## {word('areas', lang)}",
        *_table([word("area", lang), word("item", lang), word("status", lang)], rows),
        "",
    ]


def _indicators(report: ReportData, lang: str) -> list[str]:
    """The indicator × section table: schools, county value, threshold, CV, limit, result."""
    if not report.indicators:
        return []
    rows = []
    for ind in report.indicators:
        unit = ind.unit_label.text(lang) if ind.unit_label else ind.unit
        name = (ind.short or ind.label).text(lang)
        for cv in ind.sections:
            rows.append(
                [
                    f"{ind.id} {name}",
                    category("section", cv.section, lang),
                    str(cv.schools),
                    f"{_fmt(cv.county_value)} {unit}",
                    _fmt(ind.threshold.get(cv.section)),
                    _fmt(cv.cv, 4),
                    _fmt(cv.limit),
                    _status(cv.result, lang),
                ]
            )
    heads = ["indicator", "section", "schools_n", "county_value", "threshold", "cv", "limit", "result"]
    return [
        f"## {word('indicators', lang)}",
        *_table([word(h, lang) for h in heads], rows, right={2, 3, 4, 5, 6}),
        "",
    ]


def _schools(report: ReportData, lang: str) -> list[str]:
    """One row per school section: students, indicators met, result and the shortfalls.

    A pack without per-school thresholds (e.g. the 2012 basic standard) has no per-school table to show.
    """
    if not any(v.threshold is not None for s in report.schools for v in s.values):
        return []
    rows = []
    for s in report.schools:
        short = []
        for val in s.values:
            if val.met is False:
                mark = f" {word('below_floor', lang)}" if val.floor_ok is False else ""
                short.append(f"{val.indicator} {_fmt(val.value)}/{_fmt(val.threshold)}{mark}")
            elif val.met is None:
                short.append(f"{val.indicator} —")
        rows.append(
            [
                s.school_id,
                s.school_name,
                category("section", s.section, lang),
                f"{s.students:,.0f}",
                f"{s.met_count}/{len(s.values)}",
                _status(s.result, lang),
                "; ".join(short),
            ]
        )
    heads = ["school", "school", "section", "students", "met", "result", "shortfalls"]
    labels = [("ID" if i == 0 else word(h, lang)) for i, h in enumerate(heads)]
    return [f"## {word('schools', lang)}", *_table(labels, rows, right={3}), ""]


def _item_blocks(report: ReportData, lang: str) -> list[str]:
    """A block per item with evidence or school rows (passing items only when they have rows): inputs, rows."""
    out: list[str] = []
    for item in report.items:
        if not (item.rows or item.inputs) or (item.status == "pass" and not item.rows):
            continue
        out.append(f"### {item.label.text(lang)} — {_status(item.status, lang)}")
        if item.finding is not None and not item.rows:  # rows say it themselves, each for its school
            out.append(item.finding.text(lang))
        for inp in item.inputs:
            label = inp.label.text(lang) if inp.label else inp.input
            note = f" ({inp.evidence})" if inp.evidence else ""
            out.append(f"- {label}: {inp.value if inp.value is not None else '—'}{note}")
        for row in item.rows[:50]:
            if row.finding is not None:
                out.append(f"- {row.school_id} {_status(row.result, lang)}: {row.finding.text(lang)}")
                continue
            vals = ", ".join(f"{k}={_short(v)}" for k, v in row.values.items())
            sec = f" {category('section', row.section, lang)}" if row.section else ""
            out.append(f"- {row.school_id} {row.school_name}{sec}: {_status(row.result, lang)} ({vals})")
        out.append("")
    return out


def _progress(report: ReportData, lang: str) -> list[str]:
    """Progress towards the targets on the date judged, and the previous year the rules that look back read."""
    rows = progress_records(report, lang)
    previous = previous_sentence(report, lang)
    if not rows and previous is None:
        return []
    out = [f"## {text('lookback.heading', lang)}"]
    if previous is not None:
        out.append(previous)
    if rows:
        out.append(as_of_sentence(report, lang) or "")
        out += _table(progress_headers(lang), [[r[c] for c in PROGRESS_COLUMNS] for r in rows])
    out.append("")
    return out


def _missing(report: ReportData, lang: str) -> list[str]:
    """The items that could not be decided and the data each lacks; nothing when no data is missing."""
    if not report.missing:
        return []
    out = [f"## {word('missing', lang)}"]
    for m in report.missing:
        what = "; ".join([*m.what, *([m.reason.text(lang)] if m.reason is not None else [])])
        out.append(f"- {m.label.text(lang)}: {what}")
    out.append("")
    return out


def _excluded(report: ReportData, lang: str) -> list[str]:
    """The schools left out of the calculation and why; nothing when none were."""
    if not report.excluded:
        return []
    rows = [
        [e.school_id, e.school_name, category("section", e.section, lang), e.reason.text(lang)] for e in report.excluded
    ]
    heads = ["ID", word("school", lang), word("section", lang), word("reason", lang)]
    return [f"## {word('excluded', lang)}", *_table(heads, rows), ""]


def _computed(report: ReportData, lang: str) -> list[str]:
    """The figures computed from the county's records (survey, roster, formulas) and the survey by group."""
    out: list[str] = []
    for block in computed_blocks(report, lang):
        out += [f"## {block.title}", *_table(block.headers, block.rows, right=block.right), ""]
    return out


def _warnings(report: ReportData, lang: str) -> list[str]:
    """The data warnings, each with its school and field when known; nothing when there are none."""
    if not report.warnings:
        return []
    out = [f"## {word('warnings', lang)}"]
    for w in report.warnings:
        who = f"{w.school_id} " if w.school_id else ""
        fld = f"{w.field_text(lang)}: " if w.field else ""
        out.append(f"- {who}{fld}{w.text(lang)}")
    out.append("")
    return out


def _footer(report: ReportData, lang: str) -> list[str]:
    """The provenance lines: digest of the input, hash of the pack and the qbalance version."""
    return [
        f"{word('input_digest', lang)}: {report.provenance.input_digest}",
        f"{word('pack_hash', lang)}: {report.provenance.pack.sha256}  qbalance {report.provenance.qbalance_version}",
    ]


def render_plan_text(plan: PlanData, lang: str = "zh") -> str:
    """The plan as plain text: verdicts, totals, one block per school (一校一策), what it does to each indicator,
    and what it cannot fix."""
    pack = plan.provenance.pack
    out = [f"{plan.county.name} {plan_word('title', lang)} — {pack.id} {pack.document or ''}".rstrip()]
    before, after = verdict_word(plan.verdict_before, lang), verdict_word(plan.verdict_after, lang)
    out.append(plan_word("verdicts", lang, before=before, after=after))
    if plan.items_after:
        changes = [
            f"{k} {status_word(plan.items_before.get(k, ''), lang)} → {status_word(v, lang)}"
            for k, v in plan.items_after.items()
        ]
        out.append(plan_word("items_line", lang, items=sep("list", lang).join(changes)))
    if plan.margin:
        out.append(plan_word("margin_line", lang, margin=f"{plan.margin:g}", example=f"{0.5 - plan.margin:g}"))
    out.append("")
    if not plan.rows:
        resource_ok = all(v in ("pass", "not_applicable") for v in plan.items_after.values())
        out += [plan_word("nothing" if resource_ok else "nothing_but", lang)]
    else:
        out += _plan_tables(plan, lang)
    if plan.cannot_fix:
        out += ["", f"## {plan_word('cannot_fix', lang)}"]
        out += [f"- {c.label.text(lang)}{sep('colon', lang)}{c.why.text(lang)}" for c in plan.cannot_fix]
    elif plan.not_planned:
        out += ["", f"## {plan_word('cannot_fix', lang)}"] + [f"- {x}" for x in plan.not_planned]
    return terminal_safe("\n".join(out).rstrip() + "\n")


def _plan_tables(plan: PlanData, lang: str) -> list[str]:
    """The plan's tables: totals, the additions per school and section, the CVs before and after."""
    out = [f"## {plan_word('totals', lang)}"]
    rows = [[input_label(k, lang), _short(v), unit_word(plan.units[k], lang, v)] for k, v in plan.totals.items()]
    out += [*_table([plan_word("input", lang), plan_word("amount", lang), plan_word("unit", lang)], rows, {1}), ""]
    out += [f"## {plan_word('per_school', lang)}"]
    rows = [
        [
            r.school_id,
            r.school_name,
            category("section", r.section, lang) if r.section else word("whole_school", lang),
            input_label(r.input, lang),
            _short(r.amount),
            unit_word(r.unit, lang, r.amount),
            f"{r.indicator} {plan_reason(r.reason, lang)}",
        ]
        for r in plan.rows
    ]
    heads = [word("school", lang), "", word("section", lang), plan_word("input", lang), plan_word("amount", lang)]
    out += [*_table([*heads, plan_word("unit", lang), plan_word("why", lang)], rows, right={4}), ""]
    out += [f"## {plan_word('indicators', lang)}"]
    rows = [
        [
            ip.indicator,
            ip.label.text(lang),
            category("section", ip.section, lang),
            _fmt(ip.cv_before, 4),
            _fmt(ip.cv_after, 4),
            _fmt(ip.limit, 2),
        ]
        for ip in plan.indicators
    ]
    heads = [word("indicator", lang), "", word("section", lang), plan_word("cv_before", lang)]
    out += _table([*heads, plan_word("cv_after", lang), word("limit", lang)], rows, right={3, 4, 5})
    return out
