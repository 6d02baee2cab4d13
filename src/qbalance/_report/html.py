"""Render a report (and optionally its rectification plan) as one self-contained HTML page.

The page needs nothing from outside itself: no external CSS, JavaScript, fonts or images, and no network. The
charts are inline SVG drawn by :mod:`.html_charts` — a bar per school against the threshold line (and the k-of-n
floor line) for every indicator × section, and a bar per CV against its limit. No plotting library is needed,
which keeps the core install small and the output deterministic (same report, same bytes); the charts draw
without JavaScript, and each bar carries an SVG ``<title>`` so screen readers and hover tooltips can name the
school and its value.

The page opens with what a reader needs first: the verdict (with the data year and the report's date), then the
需整改事项 block (:mod:`.html_todo`: each failing item and school with what is wrong, and the plan's proposal), and
only then the details. Charts are drawn at their natural size (labels at least 11 px on screen and in print), with
the names of the schools that matter written under their bars.

Everything that comes from input (school and county names, evidence, messages) is escaped with
:func:`html.escape`. The output is also well-formed XML (every element closed, only XML's own entities), so it can
be checked by an XML parser. The stylesheet has print rules: charts and table rows are not split across pages and
colours print. The page is built one function per section (banner, what needs fixing, vetoes, missing data, items,
indicators, charts, problems, excluded schools, warnings, plan, footer).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .._base.messages import text
from .computed_view import Block, computed_blocks
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
from .html_charts import chart_legend, cv_chart, value_chart
from .html_ledger import ledger_section, trends_section
from .html_markup import esc, html_table, status_span
from .html_todo import todo_section
from .labels import category, date_text, sep, status_word, verdict_word, word
from .ledger_view import ledger_word
from .model import CvOut, IndicatorOut, ReportData
from .progress_view import (
    PROGRESS_COLUMNS,
    as_of_sentence,
    previous_sentence,
    progress_headers,
    progress_records,
    progress_status_class,
)

if TYPE_CHECKING:  # pragma: no cover
    from .ledger_model import LedgerData, TrendsData
    from .plan_model import PlanData

__all__ = ["render_html"]

_Section = tuple[str, str, str]
"""A section of the page: its anchor, heading and HTML content."""

_CSS = """
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #d0d4d9; --pass: #1b7f3b; --fail: #b3261e; --warn: #8a6d00; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", system-ui,
  sans-serif; color: var(--fg); margin: 0 auto; max-width: 1100px; padding: 16px 20px 40px; line-height: 1.45; }
h1 { font-size: 1.5em; margin: 0 0 4px; }
h2 { font-size: 1.2em; border-bottom: 2px solid var(--line); padding-bottom: 3px; margin-top: 1.8em; }
h3 { font-size: 1.05em; margin-top: 1.3em; }
.banner { border-left: 10px solid var(--muted); background: #f5f6f7; padding: 12px 16px; margin: 8px 0 16px; }
.banner.pass { border-color: var(--pass); } .banner.fail { border-color: var(--fail); }
.banner.incomplete { border-color: var(--warn); }
.banner .verdict { font-size: 1.6em; font-weight: bold; }
.banner.pass .verdict { color: var(--pass); } .banner.fail .verdict { color: var(--fail); }
.banner.incomplete .verdict { color: var(--warn); }
.banner p { margin: 2px 0; }
.todo { border: 1px solid var(--line); border-left: 10px solid var(--fail); padding: 4px 16px 8px; margin: 0 0 16px; }
.todo h2 { border: none; margin: 6px 0 4px; }
.todo h3 { margin: 8px 0 2px; font-size: 1em; }
.todo ul { margin: 2px 0; padding-left: 1.4em; }
.todo li { margin: 1px 0; }
.plan-add { color: var(--muted); }
nav ul { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px 14px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eef0f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
tr.fail td { background: #fdecea; } tr.not_evaluated td { background: #fff8e1; }
.st-pass { color: var(--pass); } .st-fail { color: var(--fail); font-weight: bold; }
.st-not_evaluated { color: var(--warn); font-weight: bold; } .st-not_applicable { color: var(--muted); }
.note { color: var(--muted); font-size: 0.9em; }
figure { margin: 10px 0 18px; }
figcaption { font-size: 0.9em; color: var(--muted); }
svg.chart { display: block; max-width: 100%; height: auto; background: #fff; }
svg text.bar-name { font-size: 11px; }
svg text { font-family: inherit; fill: var(--fg); }
.legend span { display: inline-block; margin-right: 12px; font-size: 0.85em; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(680px, 1fr)); gap: 0 20px; }
footer { margin-top: 2em; color: var(--muted); font-size: 0.8em; word-break: break-all; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  .banner, .todo, tr.fail td, tr.not_evaluated td, th, svg.chart, .legend i {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  figure, tr, .banner, .todo li { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .charts { display: block; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_html(
    report: ReportData,
    lang: str = "zh",
    plan: PlanData | None = None,
    *,
    date: dt.date | None = None,
    ledger: LedgerData | None = None,
    trends: TrendsData | None = None,
) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no scripts, no network): the verdict, what
    needs fixing, then the details. ``date`` is the report's date shown under the verdict (default: today). When
    the report comes from a history, ``trends`` adds the 历年变化 section and ``ledger`` the 整改台账 section."""
    check_plan(report, plan)
    pack = report.provenance.pack
    title = f"{report.county.name} — {pack.title.text(lang)} {word('title', lang)}"
    sections = _sections(report, lang, plan)
    if trends is not None:
        sections.append(("trends", ledger_word("html.section_trends", lang), trends_section(trends, lang)))
    if ledger is not None:
        sections.append(("ledger", ledger_word("html.section_ledger", lang), ledger_section(ledger, lang)))
    nav = "<nav><ul>" + "".join(f'<li><a href="#{a}">{esc(h)}</a></li>' for a, h, _ in sections) + "</ul></nav>"
    body = "\n".join(f'<section id="{a}"><h2>{esc(h)}</h2>{content}</section>' for a, h, content in sections)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"en" if lang == "en" else "zh-CN"}">\n<head>\n<meta charset="utf-8"/>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + _banner(report, lang, date or dt.date.today())
        + todo_section(report, lang, plan)
        + nav
        + body
        + _footer(report, lang)
        + "\n</body>\n</html>\n"
    )


def _sections(report: ReportData, lang: str, plan: PlanData | None) -> list[_Section]:
    """The page's sections in order, each only when it has something to say (items always)."""
    floor = floor_ratio(report)
    out: list[_Section] = []
    if report.vetoes:
        out.append(("vetoes", word("vetoes", lang), _vetoes(report, lang)))
    if report.missing:
        out.append(("missing", word("missing", lang), _missing(report, lang)))
    out.append(("items", word("items", lang), _items(report, lang)))
    if report.indicators:
        out.append(("indicators", word("indicators", lang), _indicators(report, lang)))
        out.append(("charts", word("charts", lang), _charts(report, lang, floor)))
    problems = _problems(report, lang, floor)
    if problems:
        out.append(("problems", word("problems", lang), problems))
    progress = _progress(report, lang)
    if progress:
        out.append(("progress", text("lookback.heading", lang), progress))
    if report.excluded:
        out.append(("excluded", word("excluded", lang), _excluded(report, lang)))
    blocks = computed_blocks(report, lang)
    if blocks:
        out.append(("computed", blocks[0].title, _computed(blocks)))
    if report.warnings:
        out.append(("warnings", word("warnings", lang), _warnings(report, lang)))
    if plan is not None:
        out.append(("plan", word("plan", lang), _plan(report, plan, lang)))
    return out


def _banner(report: ReportData, lang: str, date: dt.date) -> str:
    """The header: the verdict in large type, the county, the standard, the data year and the report's date, and
    the status of every area, coloured by verdict."""
    pack = report.provenance.pack
    colon = sep("colon", lang)
    synthetic = f" {word('synthetic', lang)}" if report.county.synthetic else ""
    doc = f" {pack.document}" if pack.document else ""
    when = [f"{word('data_year', lang)}{colon}{report.county.year}"] if report.county.year else []
    when.append(f"{word('made_on', lang)}{colon}{date_text(date, lang)}")
    return (
        f'<header class="banner {esc(report.verdict)}">'
        f"<h1>{esc(report.county.name)} ({esc(report.county.code)}){esc(synthetic)}</h1>"
        f'<p>{esc(word("verdict", lang))}{colon}<span class="verdict">{esc(verdict_word(report.verdict, lang))}'
        "</span></p>"
        f"<p>{esc(word('standard', lang))}{colon}{esc(pack.title.text(lang))}{esc(doc)} "
        f"[{esc(pack.id)} {esc(pack.version)}]</p>"
        f'<p class="when">{esc(" · ".join(when))}</p>'
        "<p>"
        + " · ".join(
            f"{esc(a.label.text(lang))}{colon}{status_span(a.status, area_status_word(a.status, a.veto, lang))}"
            for a in report.areas
        )
        + "</p></header>"
    )


def _vetoes(report: ReportData, lang: str) -> str:
    """The veto findings (一票否决) as a list, each with its evidence."""
    items = "".join(
        f"<li>{esc(veto.label.text(lang))}"
        + (f" — {esc('; '.join(e.evidence for e in veto.evidence if e.evidence))}" if veto.evidence else "")
        + "</li>"
        for veto in report.vetoes
    )
    return f"<ul>{items}</ul>"


def _missing(report: ReportData, lang: str) -> str:
    """The items that could not be decided and the data each one lacks."""
    items = "".join(
        f"<li>{esc(m.label.text(lang))}: {esc('; '.join([*m.what, *([m.reason.text(lang)] if m.reason else [])]))}</li>"
        for m in report.missing
    )
    return f"<ul>{items}</ul>"


"""The colour of a progress status (the status classes of the page): reached or on time green, late red."""


def _progress(report: ReportData, lang: str) -> str:
    """Progress towards the targets on the date judged, and the previous year the rules that look back read."""
    out = []
    previous = previous_sentence(report, lang)
    if previous is not None:
        out.append(f"<p>{esc(previous)}</p>")
    rows = progress_records(report, lang)
    if rows:
        out.append(f"<p>{esc(as_of_sentence(report, lang) or '')}</p>")
        cells = [
            [
                status_span(progress_status_class(r["status"]), r[c]) if c == "status_label" else esc(r[c])
                for c in PROGRESS_COLUMNS
            ]
            for r in rows
        ]
        out.append(html_table(progress_headers(lang), cells, numeric={2, 3}))
    return "".join(out)


def _items(report: ReportData, lang: str) -> str:
    """Every item with its area, status and source, then the details of the items that did not pass."""
    recs = item_records(report, lang)
    rows = [
        [
            esc(r["area_label"]),
            f"<code>{esc(r['item'])}</code>",
            esc(r["label"]),
            status_span(r["status"], r["status_label"]),
            esc(" ".join(x for x in (r["document"], r["clause"]) if x)),
        ]
        for r in recs
    ]
    heads = [word("area", lang), "ID", word("item", lang), word("status", lang), word("source", lang)]
    content = html_table(heads, rows, row_class=[r["status"] if r["status"] != "pass" else "" for r in recs])
    return content + _item_details(report, lang)


def _indicators(report: ReportData, lang: str) -> str:
    """The CV chart, the indicator × section CV table (with the rounded CV when the pack rounds) and composites."""
    irecs = indicator_records(report, lang)
    rounded = any(r["cv"] != r["cv_compared"] for r in irecs)
    heads = ["indicator", "section", "schools_n", "county_value", "threshold", "cv"]
    heads += ["cv_compared"] if rounded else []
    heads += ["limit", "result", "top_contributors"]
    rows = []
    for r in irecs:
        row = [
            esc(f"{r['indicator']} {r['label']}"),
            esc(r["section_label"]),
            str(r["schools"]),
            esc(f"{fmt_num(r['county_value'])} {r['unit']}"),
            esc(fmt_num(r["threshold"])),
            esc(fmt_num(r["cv"], 4)),
        ]
        row += [esc(fmt_num(r["cv_compared"], 4))] if rounded else []
        row += [esc(fmt_num(r["limit"])), status_span(r["result"], r["result_label"]), esc(r["top_contributors"])]
        rows.append(row)
    numeric = {2, 3, 4, 5, 6} | ({7} if rounded else set())
    content = f"<figure>{cv_chart(report, lang)}<figcaption>{esc(word('cv_chart', lang))}</figcaption></figure>"
    content += html_table(
        [word(h, lang) for h in heads],
        rows,
        numeric=numeric,
        row_class=[r["result"] if r["result"] in ("fail", "not_evaluated") else "" for r in irecs],
    )
    return content + _composites(report, lang)


def _charts(report: ReportData, lang: str, floor: float | None) -> str:
    """The legend (when there are thresholds) and, per indicator, one value chart per section."""
    has_thresholds = any(ind.threshold for ind in report.indicators)
    charts = (
        [chart_legend(lang, floor), f'<p class="note">{esc(word("chart_names", lang))}</p>'] if has_thresholds else []
    )
    n_id = 0
    for ind in report.indicators:
        figs = []
        for cv in ind.sections:
            n_id += 1
            figs.append(_value_figure(report, ind, cv, lang, floor, n_id))
        if figs:
            charts.append(
                f'<h3>{esc(ind.id)} {esc(ind.label.text(lang))}</h3><div class="charts">{"".join(figs)}</div>'
            )
    return "".join(charts)


def _value_figure(report: ReportData, ind: IndicatorOut, cv: CvOut, lang: str, floor: float | None, n_id: int) -> str:
    """One value chart in a ``<figure>``, captioned with the section, its school count and how many are unmet."""
    unmet = sum(
        1
        for s in report.schools
        if s.section == cv.section
        for v in s.values
        if v.indicator == ind.id and v.met is False
    )
    key = "chart_caption" if cv.section in ind.threshold else "chart_caption_plain"
    cap = word(key, lang, section=category("section", cv.section, lang), n=cv.schools, unmet=unmet)
    return f"<figure>{value_chart(report, ind, cv, lang, floor, n_id)}<figcaption>{esc(cap)}</figcaption></figure>"


def _excluded(report: ReportData, lang: str) -> str:
    """The schools left out of the calculation and why."""
    rows = [
        [esc(e["school_id"]), esc(e["school_name"]), esc(category("section", e["section"], lang)), esc(e["reason"])]
        for e in excluded_records(report, lang)
    ]
    heads = [word(h, lang) for h in ("school_id", "school_name", "section", "reason")]
    return html_table(heads, rows)


def _computed(blocks: list[Block]) -> str:
    """The figures computed from the county's records and the survey by group (its title is the section's)."""
    parts = []
    for i, block in enumerate(blocks):
        title = f"<h3>{esc(block.title)}</h3>" if i else ""
        parts.append(title + html_table(block.headers, [[esc(c) for c in r] for r in block.rows], block.right))
    return "".join(parts)


def _warnings(report: ReportData, lang: str) -> str:
    """The data warnings, each with the school and field it is about when known."""
    items = "".join(
        "<li>"
        + (f"{esc(w.school_id)} " if w.school_id else "")
        + (f"{esc(w.field_text(lang))}: " if w.field else "")
        + f"{esc(w.text(lang))}</li>"
        for w in report.warnings
    )
    return f"<ul>{items}</ul>"


def _footer(report: ReportData, lang: str) -> str:
    """The provenance line: digest of the input, hash of the pack and the qbalance version."""
    return (
        f"<footer>{esc(word('input_digest', lang))}: {esc(report.provenance.input_digest)}<br/>"
        f"{esc(word('pack_hash', lang))}: {esc(report.provenance.pack.sha256)} · qbalance "
        f"{esc(report.provenance.qbalance_version)} · {esc(word('generated_by', lang))}</footer>"
    )


def _item_details(report: ReportData, lang: str) -> str:
    """County-level evidence and failing rows (at most 50) of every item that did not pass, as nested lists."""
    details = [i for i in report.items if i.status in ("fail", "not_evaluated") and (i.inputs or i.rows or i.value)]
    if not details:
        return ""
    out = [f"<h3>{esc(word('details', lang))}</h3><ul>"]
    for item in details:
        sub = []
        if item.finding is not None:
            sub.append(f"<li><strong>{esc(word('finding', lang))}</strong>{sep('colon', lang)}"
                       f"{esc(item.finding.text(lang))}</li>")  # fmt: skip
        if item.cite and item.cite.text:
            src = " ".join(x for x in (item.cite.document, item.cite.clause) if x)
            sub.append(f"<li>{esc(word('source', lang))}: {esc(src)} “{esc(item.cite.text)}”</li>")
        for inp in item.inputs:
            label = inp.label.text(lang) if inp.label else inp.input
            note = f" ({esc(inp.evidence)})" if inp.evidence else ""
            sub.append(f"<li>{esc(label)}: {esc(fmt_short(inp.value))}{note}</li>")
        if item.value is not None or item.target is not None:
            sub.append(
                f"<li>{esc(fmt_num(item.value))} / {esc(fmt_num(item.target))} ({esc(fmt_pct(item.progress))})</li>"
            )
        for row in item.rows[:50]:
            if row.finding is not None:
                sub.append(f"<li>{esc(row.school_id)}{sep('colon', lang)}{esc(row.finding.text(lang))}</li>")
                continue
            sec = f" {category('section', row.section, lang)}" if row.section else ""
            vals = ", ".join(f"{k} = {fmt_short(x)}" for k, x in row.values.items())
            sub.append(f"<li>{esc(row.school_id)} {esc(row.school_name)}{esc(sec)}: {esc(vals)}</li>")
        if len(item.rows) > 50:
            sub.append(f"<li>… (+{len(item.rows) - 50})</li>")
        out.append(
            f"<li><strong>{esc(item.label.text(lang))}</strong> (<code>{esc(item.id)}</code>) — "
            f"{status_span(item.status, status_word(item.status, lang))}<ul>{''.join(sub)}</ul></li>"
        )
    out.append("</ul>")
    return "".join(out)


def _composites(report: ReportData, lang: str) -> str:
    """The composite CVs (several indicators combined) of the items that have them; empty when none do."""
    comps = [(i, c) for i in report.items for c in i.composite]
    if not comps:
        return ""
    rows = [
        [
            esc(item.label.text(lang)),
            esc(category("section", c.section, lang)),
            esc(fmt_num(c.cv, 4)),
            esc(fmt_num(c.limit)),
            status_span(c.result, status_word(c.result, lang)),
        ]
        for item, c in comps
    ]
    heads = [word(h, lang) for h in ("item", "section", "cv", "limit", "result")]
    return f"<h3>{esc(word('composite', lang))}</h3>" + html_table(heads, rows, numeric={2, 3})


def _amount(x: float | None) -> str:
    """An amount to add: whole numbers without decimals, others with two; "—" when unknown."""
    return "—" if x is None else f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _problems(report: ReportData, lang: str, floor: float | None) -> str:
    """The problem list (问题清单): unmet indicators per school section, then items failed at single schools."""
    probs = problem_records(report, lang)
    others = item_row_records(report, lang)
    out = []
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
            tolerated = "" if p["tolerated"] is None else word("yes" if p["tolerated"] else "no", lang)
            rows.append(
                [
                    esc(p["school_id"]),
                    esc(p["school_name"]),
                    esc(category("section", p["section"], lang)),
                    f"{p['met_count']}/{p['indicators']}",
                    esc(f"{p['indicator']} {p['indicator_label']} ({p['unit']})"),
                    esc(value),
                    esc(fmt_num(p["threshold"])),
                    esc(ratio),
                    esc(shortfall),
                    esc(p["addition_label"]),
                    esc(tolerated),
                    status_span(p["school_result"], status_word(p["school_result"], lang)),
                ]
            )
        classes = ["fail" if p["school_result"] != "pass" else "" for p in probs]
        out.append(html_table([word(h, lang) for h in heads], rows, numeric={3, 5, 6, 7, 8}, row_class=classes))
        k = next((p["required"] for p in probs if p["required"] is not None), None)
        if k is not None and floor is not None:
            note = word("tolerated_note", lang, k=_amount(k), n=probs[0]["indicators"], floor=fmt_pct(floor))
            out.append(f'<p class="note">{esc(note)}</p>')
    if others:
        rows = [
            [
                esc(o["school_id"]),
                esc(o["school_name"]),
                esc(category("section", o["section"], lang)) if o["section"] else "",
                esc(o["label"]),
                status_span(o["result"], o["result_label"]),
                esc(o["detail"]),
            ]
            for o in others
        ]
        heads = [word(h, lang) for h in ("school_id", "school_name", "section", "item", "result", "detail")]
        out.append(f"<h3>{esc(word('other_problems', lang))}</h3>" + html_table(heads, rows))
    return "".join(out)


def _plan(report: ReportData, plan: PlanData, lang: str) -> str:
    """The rectification plan: verdicts before and after, additions per school, totals, CVs after, what is left."""
    before, after = verdict_word(plan.verdict_before, lang), verdict_word(plan.verdict_after, lang)
    out = [
        "<ul>",
        f"<li>{esc(word('verdict_before', lang))}: {status_span(plan.verdict_before, before)}</li>",
        f"<li>{esc(word('verdict_after', lang))}: {status_span(plan.verdict_after, after)}</li>",
    ]
    if plan.items_after:
        items = ", ".join(
            f"<code>{esc(k)}</code> {esc(status_word(plan.items_before.get(k, ''), lang))} → "
            f"{status_span(s, status_word(s, lang))}"
            for k, s in plan.items_after.items()
        )
        out.append(f"<li>{esc(word('items_after', lang))}: {items}</li>")
    out.append("</ul>")
    recs = plan_records(plan, report, lang)
    out.append(f"<h3>{esc(word('plan_schools', lang))}</h3>")
    if recs:
        heads = ["school_id", "school_name", "section", "indicator", "input", "amount", "unit", "reason"]
        rows = [
            [
                esc(r["school_id"]),
                esc(r["school_name"]),
                esc(category("section", r["section"], lang) if r["section"] else word("whole_school", lang)),
                esc(f"{r['indicator']} {r['indicator_label']}"),
                esc(r["input_label"]),
                esc(_amount(r["amount"])),
                esc(r["unit_word"]),
                esc(r["reason_label"]),
            ]
            for r in recs
        ]
        out.append(html_table([word(h, lang) for h in heads], rows, numeric={5}))
    else:
        out.append(f"<p>{esc(word('none', lang))}</p>")
    totals = plan_total_records(plan, lang)
    if totals:
        rows = [[esc(t["input_label"]), esc(_amount(t["amount"])), esc(t["unit_word"])] for t in totals]
        out.append(f"<h3>{esc(word('plan_totals', lang))}</h3>")
        out.append(html_table([word("input", lang), word("total", lang), word("unit", lang)], rows, numeric={1}))
    if plan.indicators:
        rows = [
            [
                esc(f"{p.indicator} {p.label.text(lang)}"),
                esc(category("section", p.section, lang)),
                esc(fmt_num(p.cv_before, 4)),
                esc(fmt_num(p.cv_after, 4)),
                esc(fmt_num(p.limit)),
            ]
            for p in plan.indicators
        ]
        heads = [word(h, lang) for h in ("indicator", "section", "cv_before", "cv_after", "limit")]
        out.append(f"<h3>{esc(word('plan_cv', lang))}</h3>" + html_table(heads, rows, numeric={2, 3, 4}))
    if plan.cannot_fix:
        out.append(f"<h3>{esc(word('not_planned', lang))}</h3><ul>")
        out.extend(
            f"<li><strong>{esc(c.label.text(lang))}</strong>{sep('colon', lang)}{esc(c.why.text(lang))}</li>"
            for c in plan.cannot_fix
        )
        out.append("</ul>")
    elif plan.not_planned:
        out.append(f"<h3>{esc(word('not_planned', lang))}</h3><ul>")
        out.extend(f"<li>{esc(x)}</li>" for x in plan.not_planned)
        out.append("</ul>")
    return "".join(out)
