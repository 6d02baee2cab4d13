"""Short views of a report and a plan for notebooks and consoles: what ``print(report)``, ``repr(report)``,
``print(plan)`` and a plan's notebook view show — a few lines (county, standard, verdict, what fails), never the
whole report — and a plan as a pandas DataFrame.

Every word comes from the message catalogue; text from the input (county and school names) is escaped in HTML.
"""

from __future__ import annotations

import html
from typing import Any

from .._base.optional import require
from .frames import VERDICT_COLOURS, fmt_short, plan_records, plan_total_records
from .labels import category, labelled, plan_word, quantity, sep, verdict_word, word
from .model import ReportData
from .plan_model import PlanData

__all__ = ["plan_frame", "plan_html_repr", "plan_repr", "plan_summary", "report_repr", "report_summary"]

_SHOWN = 8
"""How many failing items a short summary lists before saying how many more there are."""


def report_summary(report: ReportData, lang: str = "zh") -> str:
    """A few lines: the county and verdict, the standard, the items not passed (each with what is wrong), the
    items lacking data, and where the full report is."""
    year = word("short.year", lang, year=report.county.year) if report.county.year else ""
    verdict = verdict_word(report.verdict, lang)
    pack = report.provenance.pack
    lines = [
        word("short.header", lang, county=report.county.name, code=report.county.code, year=year, verdict=verdict),
        word("short.standard", lang, standard=f"{pack.title.text(lang)} {pack.document or ''}".strip()),
    ]
    for status, key in (("fail", "short.failing"), ("not_evaluated", "short.missing")):
        items = [i for i in report.items if i.status == status]
        if not items:
            continue
        lines.append(word(key, lang, n=len(items)))
        for item in items[:_SHOWN]:
            said = item.finding.text(lang) if item.finding is not None else ""
            lines.append(f"- {item.label.text(lang)}" + (sep("colon", lang) + said if said else ""))
        if len(items) > _SHOWN:
            lines.append("- " + word("short.more", lang, n=len(items) - _SHOWN))
    lines.append(word("short.hint", lang))
    return "\n".join(lines)


def report_repr(report: ReportData, lang: str = "zh") -> str:
    """One line: the county, the standard, the verdict and how many items fail."""
    pack = report.provenance.pack
    fail = sum(1 for i in report.items if i.status == "fail")
    return word(
        "short.repr",
        lang,
        county=report.county.name,
        code=report.county.code,
        standard=f"{pack.id} {pack.version}",
        verdict=verdict_word(report.verdict, lang),
        fail=fail,
    )


def _totals(plan: PlanData, lang: str) -> str:
    """The plan's county totals as one phrase (县级及以上骨干教师数2人、教学仪器设备值26,800元)."""
    parts = []
    for t in plan_total_records(plan, lang):
        parts.append(labelled(t["input_label"], quantity(fmt_short(t["amount"]), t["unit_word"], lang), lang))
    return sep("list", lang).join(parts) or word("none", lang)


def plan_summary(plan: PlanData, lang: str = "zh") -> str:
    """A few lines: the verdict before and after, the totals, how many schools get additions, and what the plan
    cannot fix."""
    lines = [
        plan_word(
            "short.header",
            lang,
            county=plan.county.name,
            code=plan.county.code,
            before=verdict_word(plan.verdict_before, lang),
            after=verdict_word(plan.verdict_after, lang),
        ),
        plan_word("short.totals", lang, totals=_totals(plan, lang)),
        plan_word("short.schools", lang, n=len(plan.schools)),
    ]
    if plan.cannot_fix:
        lines.append(plan_word("short.cannot_fix", lang, n=len(plan.cannot_fix)))
        lines.extend(f"- {c.why.text(lang)}" for c in plan.cannot_fix[:_SHOWN])
        if len(plan.cannot_fix) > _SHOWN:
            lines.append("- " + word("short.more", lang, n=len(plan.cannot_fix) - _SHOWN))
    return "\n".join(lines)


def plan_repr(plan: PlanData, lang: str = "zh") -> str:
    """One line: the county, how many additions, the verdict after the plan."""
    after = verdict_word(plan.verdict_after, lang)
    return plan_word(
        "short.repr", lang, county=plan.county.name, code=plan.county.code, rows=len(plan.rows), after=after
    )


def plan_html_repr(plan: PlanData, lang: str = "zh") -> str:
    """A compact notebook view: verdicts before and after, the totals, and the additions per school."""
    esc = html.escape
    colour = VERDICT_COLOURS.get(plan.verdict_after, "#333")
    lines = plan_summary(plan, lang).split("\n")
    parts = [
        '<div class="qbalance-plan" style="font-family:sans-serif;max-width:60em">',
        f'<div style="border-left:6px solid {colour};padding:4px 10px;margin-bottom:6px">'
        f"<strong>{esc(lines[0])}</strong><br/>{esc(lines[1])}<br/>{esc(lines[2])}</div>",
    ]
    rows = plan_records(plan, None, lang)
    if rows:
        heads = ("school_name", "section", "indicator", "input", "amount", "unit", "reason")
        parts.append("<table><tr>" + "".join(f"<th>{esc(plan_word('col.' + h, lang))}</th>" for h in heads) + "</tr>")
        for r in rows:
            section = category("section", r["section"], lang) if r["section"] else word("whole_school", lang)
            cells = [r["school_name"], section, r["indicator"], r["input_label"], fmt_short(r["amount"])]
            cells += [r["unit_word"], r["reason_label"]]
            parts.append("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
    if plan.cannot_fix:
        parts.append(f"<p>{esc(plan_word('cannot_fix', lang))}</p><ul>")
        parts.extend(f"<li>{esc(c.why.text(lang))}</li>" for c in plan.cannot_fix)
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def plan_frame(plan: PlanData, lang: str = "zh") -> Any:
    """The plan's additions as a pandas DataFrame, headed in ``lang``: one row per addition (``frames`` extra)."""
    pd = require("pandas", "frames")
    keys = ("school_id", "school_name", "section", "indicator", "input", "amount", "unit", "reason")
    columns = [plan_word(f"col.{k}", lang) for k in keys]
    records = []
    for r in plan_records(plan, None, lang):
        section = category("section", r["section"], lang) if r["section"] else word("whole_school", lang)
        values = [r["school_id"], r["school_name"], section, r["indicator"], r["input_label"], r["amount"]]
        values += [r["unit_word"], r["reason_label"]]
        records.append(dict(zip(columns, values, strict=True)))
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame[columns[5]] = frame[columns[5]].astype("float64")
    return frame
