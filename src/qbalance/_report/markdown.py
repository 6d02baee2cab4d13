"""Render a report (and optionally its rectification plan) as Markdown: Chinese headings by default, English with
``lang="en"``.

The document has the verdict, areas, veto findings, missing data, every item with its citation, the indicator ×
section CV table (with the schools that pull each CV up), the problem list per school (问题清单: unmet indicator,
value, threshold, shortfall in real units, tolerated flag), items failed at single schools, excluded schools,
warnings, and the plan. Text from the input (school names, evidence) is escaped so it cannot break a table or
inject markup into a Markdown viewer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._base.messages import text
from .computed_view import computed_blocks
from .frames import (
    area_status_word,
    check_plan,
    excluded_records,
    floor_ratio,
    fmt_num,
    fmt_pct,
    fmt_short,
    indicator_records,
    item_records,
    item_row_records,
    plan_records,
    plan_total_records,
    problem_records,
)
from .labels import category, date_text, sep, status_word, verdict_word, word
from .model import ReportData
from .progress_view import PROGRESS_COLUMNS, as_of_sentence, previous_sentence, progress_headers, progress_records

if TYPE_CHECKING:  # pragma: no cover
    from .plan_model import PlanData

__all__ = ["render_markdown"]

_MD_SPECIAL = str.maketrans(
    {
        "\\": "\\\\",
        "|": "\\|",
        "*": "\\*",
        "_": "\\_",
        "`": "\\`",
        "[": "\\[",
        "]": "\\]",
        "<": "&lt;",
        ">": "&gt;",
        "&": "&amp;",
        "#": "\\#",
        "\n": " ",
        "\r": " ",
    }
)


def md(text: object) -> str:
    """Text safe inside a Markdown paragraph or table cell (no markup, no HTML, no line breaks)."""
    return str(text).translate(_MD_SPECIAL)


def md_block(text: str) -> str:
    """Paragraphs of text, each made safe with :func:`md`, kept apart by blank lines."""
    paragraphs = [" ".join(p.split()) for p in text.replace("\r", "\n").split("\n\n")]
    return "\n\n".join(md(p) for p in paragraphs if p)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int] | None = None) -> list[str]:
    """A GitHub-flavoured table; cells are already escaped, headers are escaped here; ``right`` columns align right."""
    right = right or set()
    out = ["| " + " | ".join(md(h) for h in headers) + " |"]
    out.append("|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|")
    for row in rows:
        out.append("| " + " | ".join(row) + " |")
    return out


def _yes(flag: bool | None, lang: str) -> str:
    """Yes or no in the report language; empty when the flag does not apply."""
    if flag is None:
        return ""
    return word("yes" if flag else "no", lang)


def _amount(x: float | None) -> str:
    """An amount to add: whole numbers without decimals, others with two; "—" when unknown."""
    return "—" if x is None else f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def render_markdown(
    report: ReportData, lang: str = "zh", plan: PlanData | None = None, *, date: dt.date | None = None
) -> str:
    """The report as a Markdown document (GitHub-flavoured tables); with ``plan``, the rectification plan too.
    ``date`` is shown as the report's date (default: today)."""
    check_plan(report, plan)
    out = [
        *_header(report, lang, date or dt.date.today()),
        *_vetoes(report, lang),
        *_missing(report, lang),
        *_areas(report, lang),
        *_items(report, lang),
        *_item_details(report, lang),
        *_progress(report, lang),
        *_computed(report, lang),
        *_indicators(report, lang),
        *_problems(report, lang),
        *_excluded(report, lang),
        *_warnings(report, lang),
        *(_plan(report, plan, lang) if plan is not None else []),
        *_footer(report, lang),
    ]
    return "\n".join(out) + "\n"


def _header(report: ReportData, lang: str, date: dt.date) -> list[str]:
    """The title and the county, the standard, the verdict, the data year and the report's date as a short list."""
    pack = report.provenance.pack
    verdict = verdict_word(report.verdict, lang)
    synthetic = f" {word('synthetic', lang)}" if report.county.synthetic else ""
    doc = f" {md(pack.document)}" if pack.document else ""
    out = [
        f"# {md(pack.title.text(lang))} — {word('title', lang)}",
        "",
        f"- **{word('county', lang)}**: {md(report.county.name)} ({md(report.county.code)}){synthetic}",
        f"- **{word('standard', lang)}**: {md(pack.title.text(lang))}{doc} (`{pack.id}` {md(pack.version)})",
        f"- **{word('verdict', lang)}**: **{verdict}**",
    ]
    if report.county.year:
        out.append(f"- **{word('data_year', lang)}**: {report.county.year}")
    out += [f"- **{word('made_on', lang)}**: {date_text(date, lang)}", ""]
    failing = [i for i in report.items if i.status == "fail" and i.finding is not None]
    if failing:
        out += [f"**{word('todo', lang)}**", ""]
        out += [
            f"- {md(i.label.text(lang))}{sep('colon', lang)}{md(i.finding.text(lang))}" for i in failing if i.finding
        ]
        out.append("")
    return out


def _vetoes(report: ReportData, lang: str) -> list[str]:
    """The veto findings (一票否决) with their evidence; nothing when there are none."""
    if not report.vetoes:
        return []
    out = [f"## {word('vetoes', lang)}", ""]
    for veto in report.vetoes:
        notes = "; ".join(e.evidence for e in veto.evidence if e.evidence)
        out.append(f"- {md(veto.label.text(lang))}" + (f" — {md(notes)}" if notes else ""))
    out.append("")
    return out


def _missing(report: ReportData, lang: str) -> list[str]:
    """The items that could not be decided and the data each lacks; nothing when no data is missing."""
    if not report.missing:
        return []
    out = [f"## {word('missing', lang)}", ""]
    for m in report.missing:
        what = "; ".join([*m.what, *([m.reason.text(lang)] if m.reason is not None else [])])
        out.append(f"- {md(m.label.text(lang))}: {md(what) if what else ''}")
    out.append("")
    return out


def _progress(report: ReportData, lang: str) -> list[str]:
    """Progress towards the targets on the date judged, and the previous year the rules that look back read."""
    rows = progress_records(report, lang)
    previous = previous_sentence(report, lang)
    if not rows and previous is None:
        return []
    out = [f"## {text('lookback.heading', lang)}", ""]
    if previous is not None:
        out += [md(previous), ""]
    if rows:
        out += [md(as_of_sentence(report, lang) or ""), ""]
        body = [
            [md(r[c]) if c != "status_label" or r["status"] == "met" else f"**{md(r[c])}**" for c in PROGRESS_COLUMNS]
            for r in rows
        ]
        out += _table(progress_headers(lang), body)
    out.append("")
    return out


def _areas(report: ReportData, lang: str) -> list[str]:
    """The status of every area (veto areas worded as findings)."""
    rows = [[md(a.label.text(lang)), area_status_word(a.status, a.veto, lang)] for a in report.areas]
    return [
        f"## {word('areas', lang)}",
        "",
        *_table([word("area", lang), word("status", lang)], rows),
        "",
    ]


def _items(report: ReportData, lang: str) -> list[str]:
    """Every item with its area, status (bold when it did not pass) and source."""
    rows = [
        [
            md(r["area_label"]),
            f"`{r['item']}`",
            md(r["label"]),
            f"**{r['status_label']}**" if r["status"] in ("fail", "not_evaluated") else r["status_label"],
            md(" ".join(x for x in (r["document"], r["clause"]) if x)),
        ]
        for r in item_records(report, lang)
    ]
    heads = [word("area", lang), "ID", word("item", lang), word("status", lang), word("source", lang)]
    return [f"## {word('items', lang)}", "", *_table(heads, rows), ""]


def _indicators(report: ReportData, lang: str) -> list[str]:
    """The indicator × section CV table (with the rounded CV when the pack rounds) and the composite CVs."""
    if not report.indicators:
        return []
    recs = indicator_records(report, lang)
    rounded = any(r["cv"] != r["cv_compared"] for r in recs)
    heads = ["indicator", "section", "schools_n", "county_value", "threshold", "cv"]
    heads += ["cv_compared"] if rounded else []
    heads += ["limit", "result", "top_contributors"]
    rows = []
    for r in recs:
        row = [
            md(f"{r['indicator']} {r['label']}"),
            md(r["section_label"]),
            str(r["schools"]),
            md(f"{fmt_num(r['county_value'])} {r['unit']}"),
            fmt_num(r["threshold"]),
            fmt_num(r["cv"], 4),
        ]
        row += [fmt_num(r["cv_compared"], 4)] if rounded else []
        result = f"**{r['result_label']}**" if r["result"] == "fail" else r["result_label"]
        row += [fmt_num(r["limit"]), result, md(r["top_contributors"])]
        rows.append(row)
    right = {2, 3, 4, 5, 6} | ({7} if rounded else set())
    return [
        f"## {word('indicators', lang)}",
        "",
        *_table([word(h, lang) for h in heads], rows, right=right),
        *_composites(report, lang),
        "",
    ]


def _computed(report: ReportData, lang: str) -> list[str]:
    """The figures computed from the county's records (survey, roster, formulas) and the survey by group."""
    out: list[str] = []
    for i, block in enumerate(computed_blocks(report, lang)):
        rows = [[md(c) for c in r] for r in block.rows]
        out += [f"{'##' if i == 0 else '###'} {md(block.title)}", "", *_table(block.headers, rows, block.right), ""]
    return out


def _excluded(report: ReportData, lang: str) -> list[str]:
    """The schools left out of the calculation and why; nothing when none were."""
    if not report.excluded:
        return []
    rows = [
        [md(e["school_id"]), md(e["school_name"]), category("section", e["section"], lang), md(e["reason"])]
        for e in excluded_records(report, lang)
    ]
    heads = [word(h, lang) for h in ("school_id", "school_name", "section", "reason")]
    return [f"## {word('excluded', lang)}", "", *_table(heads, rows), ""]


def _warnings(report: ReportData, lang: str) -> list[str]:
    """The data warnings, each with its school and field when known; nothing when there are none."""
    if not report.warnings:
        return []
    out = [f"## {word('warnings', lang)}", ""]
    for w in report.warnings:
        who = f"{md(w.school_id)} " if w.school_id else ""
        fld = f"`{md(w.field)}`: " if w.field else ""
        out.append(f"- {who}{fld}{md(w.message)}")
    out.append("")
    return out


def _footer(report: ReportData, lang: str) -> list[str]:
    """The provenance lines after a rule: digest of the input, hash of the pack and the qbalance version."""
    return [
        "---",
        "",
        f"{word('input_digest', lang)}: `{report.provenance.input_digest}`  ",
        f"{word('pack_hash', lang)}: `{report.provenance.pack.sha256}` · qbalance "
        f"{md(report.provenance.qbalance_version)}",
    ]


def _item_details(report: ReportData, lang: str) -> list[str]:
    """County-level evidence and failing rows of every item that did not pass."""
    out: list[str] = []
    details = [i for i in report.items if i.status in ("fail", "not_evaluated") and (i.inputs or i.rows or i.value)]
    if not details:
        return out
    out.append(f"### {word('details', lang)}")
    out.append("")
    for item in details:
        out.append(f"- **{md(item.label.text(lang))}** (`{item.id}`) — {status_word(item.status, lang)}")
        if item.finding is not None:
            out.append(f"  - {word('finding', lang)}{sep('colon', lang)}{md(item.finding.text(lang))}")
        if item.cite and item.cite.text:
            src = " ".join(x for x in (item.cite.document, item.cite.clause) if x)
            out.append(f"  - {word('source', lang)}: {md(src)} “{md(item.cite.text)}”")
        for inp in item.inputs:
            label = inp.label.text(lang) if inp.label else inp.input
            note = f" ({md(inp.evidence)})" if inp.evidence else ""
            out.append(f"  - {md(label)}: {md(fmt_short(inp.value))}{note}")
        if item.value is not None or item.target is not None:
            out.append(f"  - {fmt_num(item.value)} / {fmt_num(item.target)} ({fmt_pct(item.progress)})")
        for row in item.rows[:50]:
            if row.finding is not None:
                out.append(f"  - {md(row.school_id)}{sep('colon', lang)}{md(row.finding.text(lang))}")
                continue
            sec = f" {category('section', row.section, lang)}" if row.section else ""
            vals = ", ".join(f"{k} = {fmt_short(x)}" for k, x in row.values.items())
            out.append(f"  - {md(row.school_id)} {md(row.school_name)}{sec}: {md(vals)}")
        if len(item.rows) > 50:
            out.append(f"  - … (+{len(item.rows) - 50})")
    out.append("")
    return out


def _composites(report: ReportData, lang: str) -> list[str]:
    """The composite CVs (several indicators combined) of the items that have them; nothing when none do."""
    comps = [(i, c) for i in report.items for c in i.composite]
    if not comps:
        return []
    out = ["", f"**{word('composite', lang)}**", ""]
    rows = [
        [
            md(item.label.text(lang)),
            category("section", c.section, lang),
            fmt_num(c.cv, 4),
            fmt_num(c.limit),
            status_word(c.result, lang),
        ]
        for item, c in comps
    ]
    out.extend(_table([word(h, lang) for h in ("item", "section", "cv", "limit", "result")], rows, right={2, 3}))
    return out


def _problems(report: ReportData, lang: str) -> list[str]:
    """The problem list (问题清单): unmet indicators per school section, then items failed at single schools."""
    probs = problem_records(report, lang)
    others = item_row_records(report, lang)
    if not probs and not others:
        return []
    out = [f"## {word('problems', lang)}", ""]
    if probs:
        heads = [
            "school_id", "school_name", "section", "met_of", "indicator", "value", "threshold", "ratio",
            "shortfall", "addition", "tolerated", "school_result",
        ]  # fmt: skip
        rows = []
        for p in probs:
            value = fmt_num(p["value"]) if p["problem"] == "unmet" else status_word("not_evaluated", lang)
            ratio = fmt_pct(p["ratio"]) + (f" ({word('below_floor', lang)})" if p["below_floor"] else "")
            shortfall = f"{_amount(p['shortfall'])} {p['unit_word']}" if p["shortfall"] is not None else "—"
            rows.append(
                [
                    md(p["school_id"]),
                    md(p["school_name"]),
                    category("section", p["section"], lang),
                    f"{p['met_count']}/{p['indicators']}",
                    md(f"{p['indicator']} {p['indicator_label']} ({p['unit']})"),
                    md(value),
                    fmt_num(p["threshold"]),
                    md(ratio),
                    md(shortfall),
                    md(p["addition_label"]),
                    _yes(p["tolerated"], lang),
                    status_word(p["school_result"], lang),
                ]
            )
        out.extend(_table([word(h, lang) for h in heads], rows, right={3, 5, 6, 7, 8}))
        out.append("")
        k = next((p["required"] for p in probs if p["required"] is not None), None)
        floor = floor_ratio(report)
        if k is not None and floor is not None:
            n = next(p["indicators"] for p in probs)
            note = word("tolerated_note", lang, k=_amount(k), n=n, floor=fmt_pct(floor))
            out.append(f"> {md(note)}")
            out.append("")
    if others:
        out.append(f"### {word('other_problems', lang)}")
        out.append("")
        rows = [
            [
                md(o["school_id"]),
                md(o["school_name"]),
                category("section", o["section"], lang) if o["section"] else "",
                md(o["label"]),
                o["result_label"],
                md(o["detail"]),
            ]
            for o in others
        ]
        heads = [word(h, lang) for h in ("school_id", "school_name", "section", "item", "result", "detail")]
        out.extend(_table(heads, rows))
        out.append("")
    return out


def _plan(report: ReportData, plan: PlanData, lang: str) -> list[str]:
    """The rectification plan: verdicts before and after, additions per school, totals, CVs after, what is left."""
    out = [f"## {word('plan', lang)}", ""]
    before, after = verdict_word(plan.verdict_before, lang), verdict_word(plan.verdict_after, lang)
    out.append(f"- {word('verdict_before', lang)}: {before}")
    out.append(f"- {word('verdict_after', lang)}: {after}")
    if plan.items_after:
        items = ", ".join(
            f"`{k}` {status_word(plan.items_before.get(k, ''), lang)} → {status_word(s, lang)}"
            for k, s in plan.items_after.items()
        )
        out.append(f"- {word('items_after', lang)}: {items}")
    out.append("")
    out.append(f"### {word('plan_schools', lang)}")
    out.append("")
    recs = plan_records(plan, report, lang)
    if recs:
        heads = ["school_id", "school_name", "section", "indicator", "input", "amount", "unit", "reason"]
        rows = [
            [
                md(r["school_id"]),
                md(r["school_name"]),
                category("section", r["section"], lang) if r["section"] else word("whole_school", lang),
                md(f"{r['indicator']} {r['indicator_label']}"),
                md(r["input_label"]),
                _amount(r["amount"]),
                md(r["unit_word"]),
                md(r["reason_label"]),
            ]
            for r in recs
        ]
        out.extend(_table([word(h, lang) for h in heads], rows, right={5}))
    else:
        out.append(word("none", lang))
    out.append("")
    totals = plan_total_records(plan, lang)
    if totals:
        out.append(f"### {word('plan_totals', lang)}")
        out.append("")
        rows = [[md(t["input_label"]), _amount(t["amount"]), md(t["unit_word"])] for t in totals]
        out.extend(_table([word("input", lang), word("total", lang), word("unit", lang)], rows, right={1}))
        out.append("")
    if plan.indicators:
        out.append(f"### {word('plan_cv', lang)}")
        out.append("")
        rows = [
            [
                md(f"{p.indicator} {p.label.text(lang)}"),
                category("section", p.section, lang),
                fmt_num(p.cv_before, 4),
                fmt_num(p.cv_after, 4),
                fmt_num(p.limit),
            ]
            for p in plan.indicators
        ]
        heads = [word(h, lang) for h in ("indicator", "section", "cv_before", "cv_after", "limit")]
        out.extend(_table(heads, rows, right={2, 3, 4}))
        out.append("")
    if plan.cannot_fix or plan.not_planned:
        out.append(f"### {word('not_planned', lang)}")
        out.append("")
        out.extend(_cannot_fix_lines(plan, lang))
        out.append("")
    return out


def _cannot_fix_lines(plan: PlanData, lang: str) -> list[str]:
    """What the plan cannot fix, one line each: the item and why (the plain gap texts of an older plan)."""
    if not plan.cannot_fix:
        return [f"- {md(x)}" for x in plan.not_planned]
    return [f"- **{md(c.label.text(lang))}**{sep('colon', lang)}{md(c.why.text(lang))}" for c in plan.cannot_fix]
