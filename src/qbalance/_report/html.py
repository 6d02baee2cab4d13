"""Render a report (and optionally its rectification plan) as one self-contained HTML page.

The page needs nothing from outside itself: no external CSS, JavaScript, fonts or images, and no network. The
charts are inline SVG written here in plain Python — a bar per school against the threshold line (and the k-of-n
floor line) for every indicator × section, and a bar per CV against its limit. No plotting library is needed,
which keeps the core install small and the output deterministic (same report, same bytes); the charts draw
without JavaScript, and each bar carries an SVG ``<title>`` so screen readers and hover tooltips can name the
school and its value.

Everything that comes from input (school and county names, evidence, messages) is escaped with
:func:`html.escape`. The output is also well-formed XML (every element closed, only XML's own entities), so it can
be checked by an XML parser. The stylesheet has print rules: charts and table rows are not split across pages and
colours print.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from .frames import (
    area_status_word,
    check_plan,
    excluded_records,
    floor_ratio,
    fmt_num,
    fmt_pct,
    fmt_short,
    indicator_name,
    indicator_records,
    indicator_unit,
    item_records,
    item_row_records,
    plan_records,
    plan_total_records,
    problem_records,
)
from .labels import VERDICT, category, status_word, word
from .model import CvOut, IndicatorOut, ReportData

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan

__all__ = ["render_html"]

# bar colours: met, unmet but tolerated by the k-of-n rule, unmet, below the floor, no threshold
C_MET, C_TOLERATED, C_UNMET, C_BELOW_FLOOR, C_PLAIN = "#2e7d32", "#e0a100", "#c62828", "#6a0000", "#4f6d7a"

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
svg text { font-family: inherit; fill: var(--fg); }
.legend span { display: inline-block; margin-right: 12px; font-size: 0.85em; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 0 20px; }
footer { margin-top: 2em; color: var(--muted); font-size: 0.8em; word-break: break-all; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  .banner, tr.fail td, tr.not_evaluated td, th, svg.chart, .legend i {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  figure, tr, .banner { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .charts { display: block; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _status_span(status: str, label: str) -> str:
    return f'<span class="st-{_e(status)}">{_e(label)}</span>'


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: set[int] | None = None,
    row_class: Sequence[str] | None = None,
    caption: str | None = None,
) -> str:
    """A table; ``rows`` hold HTML fragments that are already escaped, headers are escaped here."""
    numeric = numeric or set()
    out = ['<div class="scroll"><table>']
    if caption:
        out.append(f"<caption>{_e(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col">{_e(h)}</th>' for h in headers) + "</tr></thead><tbody>")
    for i, row in enumerate(rows):
        cls = f' class="{_e(row_class[i])}"' if row_class and row_class[i] else ""
        cells = "".join(f'<td class="num">{c}</td>' if j in numeric else f"<td>{c}</td>" for j, c in enumerate(row))
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _num(x: float) -> str:
    """A coordinate for SVG: short, deterministic."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _axis(x: float, ticks: int = 4) -> tuple[float, float]:
    """A round axis end at or above ``x`` and its tick step (1, 2, 2.5 or 5 × 10ⁿ, about ``ticks`` ticks)."""
    if not x > 0 or not math.isfinite(x):
        return 1.0, 0.25
    raw = x / ticks
    exp = math.floor(math.log10(raw))
    step = 10.0 ** (exp + 1)
    for m in (1.0, 2.0, 2.5, 5.0):
        if m * 10**exp >= raw * (1 - 1e-12):
            step = m * 10**exp
            break
    return math.ceil(x / step - 1e-9) * step, step


def _tick(v: float, step: float) -> str:
    """A tick label with as many decimals as the step needs (0.25 → 2, 0.5 → 1, 2.5 → 1, 5 → 0)."""
    exp = math.floor(math.log10(step) + 1e-9)
    mantissa = round(step / 10**exp, 6)
    decimals = max(0, -exp) + (1 if mantissa == 2.5 else 0)
    return f"{v:,.{decimals}f}"


# -- charts ------------------------------------------------------------------------------------------------------


def _value_chart(report: ReportData, ind: IndicatorOut, cv: CvOut, lang: str, floor: float | None, n_id: int) -> str:
    """Every school section's value of one indicator in one section, lowest first, against the threshold line and
    the floor line; failing schools in red, tolerated ones in amber. One ``<svg>``."""
    name = indicator_name(ind, ind.id, lang)
    unit = indicator_unit(ind, lang)
    section = category("section", cv.section, lang)
    threshold = ind.threshold.get(cv.section)
    floor_value = floor * threshold if floor is not None and threshold is not None else None
    points = []
    for s in report.schools:
        if s.section != cv.section:
            continue
        for v in s.values:
            if v.indicator == ind.id and v.value is not None:
                points.append((v.value, s, v))
    points.sort(key=lambda p: (p[0], p[1].school_id))
    w, h = 720.0, 240.0
    left, right, top, bottom = 58.0, 150.0, 14.0, 26.0
    pw, ph = w - left - right, h - top - bottom
    top_value = max([p[0] for p in points] + [threshold or 0.0, cv.county_value or 0.0])
    ymax, ystep = _axis(top_value * 1.03)

    def y(v: float) -> float:
        return top + ph - (v / ymax) * ph

    title_id, desc_id = f"c{n_id}-t", f"c{n_id}-d"
    title = f"{ind.id} {name} — {section}"
    desc = word("chart_desc", lang).format(
        indicator=f"{ind.id} {name}",
        section=section,
        n=len(points),
        threshold=fmt_num(threshold),
        floor=fmt_num(floor_value),
    )
    parts = [
        f'<svg class="chart chart-values" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'width="{_num(w)}" height="{_num(h)}" viewBox="0 0 {_num(w)} {_num(h)}" '
        f'data-indicator="{_e(ind.id)}" data-section="{_e(cv.section)}">',
        f'<title id="{title_id}">{_e(title)}</title><desc id="{desc_id}">{_e(desc)}</desc>',
    ]
    # axis and grid
    for k in range(round(ymax / ystep) + 1):
        tv = ystep * k
        ty = y(tv)
        parts.append(
            f'<line x1="{_num(left)}" x2="{_num(left + pw)}" y1="{_num(ty)}" y2="{_num(ty)}" stroke="#e3e6e8"/>'
            f'<text x="{_num(left - 4)}" y="{_num(ty + 4)}" font-size="11" text-anchor="end">'
            f"{_e(_tick(tv, ystep))}</text>"
        )
    parts.append(
        f'<line x1="{_num(left)}" x2="{_num(left)}" y1="{_num(top)}" y2="{_num(top + ph)}" stroke="#888"/>'
        f'<text x="{_num(left)}" y="{_num(h - 8)}" font-size="11">{_e(unit)}</text>'
    )
    if not points:
        parts.append(
            f'<text x="{_num(left + pw / 2)}" y="{_num(top + ph / 2)}" font-size="14" text-anchor="middle">'
            f"{_e(word('no_data', lang))}</text>"
        )
    slot = pw / max(len(points), 1)
    bw = max(slot * 0.8, 0.5)
    for i, (value, s, v) in enumerate(points):
        if v.met is None:
            colour, state = C_PLAIN, ""
        elif v.met:
            colour, state = C_MET, word("legend_met", lang)
        elif v.floor_ok is False:
            colour, state = C_BELOW_FLOOR, word("legend_below_floor", lang)
        elif v.tolerated:
            colour, state = C_TOLERATED, word("legend_tolerated", lang)
        else:
            colour, state = C_UNMET, word("legend_unmet", lang)
        x = left + i * slot + (slot - bw) / 2
        yv = y(value)
        tip = f"{s.school_name} ({s.school_id}): {fmt_num(value)} {unit}"
        if v.threshold is not None:
            tip += f" / {fmt_num(v.threshold)} ({fmt_pct(v.ratio)})"
        if state:
            tip += f" — {state}"
        cls = "bar" if v.met is not False else "bar bar-fail"
        parts.append(
            f'<rect class="{cls}" x="{_num(x)}" y="{_num(yv)}" width="{_num(bw)}" '
            f'height="{_num(max(top + ph - yv, 0.5))}" fill="{colour}"><title>{_e(tip)}</title></rect>'
        )
    lines: list[tuple[float, str, str, str]] = []
    if cv.county_value is not None:
        lines.append((cv.county_value, "#777", "2 0", f"{word('county_mean', lang)} {fmt_num(cv.county_value)}"))
    if threshold is not None:
        lines.append((threshold, "#1d1d1f", "6 4", f"{word('threshold_line', lang)} {fmt_num(threshold)}"))
    if floor_value is not None and floor is not None:
        lines.append((floor_value, C_UNMET, "2 3", f"{fmt_pct(floor)} {word('floor_line', lang)}"))
    label_ys: list[float] = []
    for value, colour, dash, label in lines:
        ly = y(value)
        ty = ly + 4
        while any(abs(ty - other) < 12 for other in label_ys):  # keep labels from overlapping
            ty += 12
        label_ys.append(ty)
        parts.append(
            f'<line class="ref" x1="{_num(left)}" x2="{_num(left + pw)}" y1="{_num(ly)}" y2="{_num(ly)}" '
            f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"><title>{_e(label)}</title></line>'
            f'<text x="{_num(left + pw + 4)}" y="{_num(ty)}" font-size="11">{_e(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _cv_chart(report: ReportData, lang: str) -> str:
    """One bar per indicator × section CV, with a marker at its limit; bars over the limit in red."""
    rows = [(ind, cv) for ind in report.indicators for cv in ind.sections]
    if not rows:
        return ""
    w, row_h, left, right, top = 720.0, 22.0, 210.0, 70.0, 8.0
    h = top + row_h * len(rows) + 24
    pw = w - left - right
    xmax, xstep = _axis(max([cv.cv or 0.0 for _, cv in rows] + [cv.limit or 0.0 for _, cv in rows]) * 1.03, 5)

    def x(v: float) -> float:
        return left + (v / xmax) * pw

    parts = [
        f'<svg class="chart chart-cv" role="img" aria-labelledby="cv-t" width="{_num(w)}" height="{_num(h)}" '
        f'viewBox="0 0 {_num(w)} {_num(h)}">',
        f'<title id="cv-t">{_e(word("cv_chart", lang))}</title>',
    ]
    for k in range(round(xmax / xstep) + 1):
        tv = xstep * k
        parts.append(
            f'<line x1="{_num(x(tv))}" x2="{_num(x(tv))}" y1="{_num(top)}" y2="{_num(h - 20)}" stroke="#e3e6e8"/>'
            f'<text x="{_num(x(tv))}" y="{_num(h - 6)}" font-size="11" text-anchor="middle">{_tick(tv, xstep)}</text>'
        )
    for i, (ind, cv) in enumerate(rows):
        yy = top + i * row_h
        label = f"{ind.id} {indicator_name(ind, ind.id, lang)} · {category('section', cv.section, lang)}"
        colour = {"pass": C_MET, "fail": C_UNMET}.get(cv.result, C_PLAIN)
        parts.append(
            f'<text x="{_num(left - 6)}" y="{_num(yy + row_h / 2 + 4)}" font-size="12" text-anchor="end">'
            f"{_e(label)}</text>"
        )
        if cv.cv is not None:
            tip = f"{label}: {word('cv', lang)} {fmt_num(cv.cv, 4)}"
            if cv.limit is not None:
                tip += f" {'>' if cv.result == 'fail' else '≤'} {fmt_num(cv.limit)}"
            tip += f" — {status_word(cv.result, lang)}"
            parts.append(
                f'<rect class="cvbar" x="{_num(left)}" y="{_num(yy + 4)}" width="{_num(max(x(cv.cv) - left, 0.5))}" '
                f'height="{_num(row_h - 8)}" fill="{colour}"><title>{_e(tip)}</title></rect>'
                f'<text x="{_num(x(cv.cv) + 4)}" y="{_num(yy + row_h / 2 + 4)}" font-size="11">'
                f"{cv.cv:.4f}</text>"
            )
        if cv.limit is not None:
            lx = x(cv.limit)
            parts.append(
                f'<line class="limit" x1="{_num(lx)}" x2="{_num(lx)}" y1="{_num(yy + 1)}" y2="{_num(yy + row_h - 1)}" '
                f'stroke="#1d1d1f" stroke-width="2"><title>{_e(word("limit", lang))} {fmt_num(cv.limit)}'
                f"</title></line>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _legend(lang: str, floor: float | None) -> str:
    keys = [(C_MET, "legend_met"), (C_TOLERATED, "legend_tolerated"), (C_UNMET, "legend_unmet")]
    if floor is not None:
        keys.append((C_BELOW_FLOOR, "legend_below_floor"))
    spans = "".join(f'<span><i style="background:{c}"></i>{_e(word(k, lang))}</span>' for c, k in keys)
    return f'<p class="legend">{spans}</p>'


# -- page ----------------------------------------------------------------------------------------------------------


def render_html(report: ReportData, lang: str = "zh", plan: Plan | None = None) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no scripts, no network)."""
    check_plan(report, plan)
    en = lang == "en"
    pack = report.provenance.pack
    v = VERDICT[report.verdict]
    verdict = v[1] if en else v[0]
    floor = floor_ratio(report)
    title = f"{report.county.name} — {pack.title.text(lang)} {word('title', lang)}"
    body: list[str] = []
    toc: list[tuple[str, str]] = []

    def section(anchor: str, heading: str, content: str) -> None:
        toc.append((anchor, heading))
        body.append(f'<section id="{anchor}"><h2>{_e(heading)}</h2>{content}</section>')

    # banner
    year = f" · {report.county.year}" if report.county.year else ""
    synthetic = f" {word('synthetic', lang)}" if report.county.synthetic else ""
    doc = f" {pack.document}" if pack.document else ""
    banner = (
        f'<header class="banner {_e(report.verdict)}">'
        f"<h1>{_e(report.county.name)} ({_e(report.county.code)}){_e(year)}{_e(synthetic)}</h1>"
        f"<p>{_e(word('standard', lang))}: {_e(pack.title.text(lang))}{_e(doc)} "
        f"[{_e(pack.id)} {_e(pack.version)}]</p>"
        f'<p>{_e(word("verdict", lang))}: <span class="verdict">{_e(verdict)}</span></p>'
        "<p>"
        + " · ".join(
            f"{_e(a.label.text(lang))}: {_status_span(a.status, area_status_word(a.status, a.veto, lang))}"
            for a in report.areas
        )
        + "</p></header>"
    )

    if report.vetoes:
        items = "".join(
            f"<li>{_e(veto.label.text(lang))}"
            + (f" — {_e('; '.join(e.evidence for e in veto.evidence if e.evidence))}" if veto.evidence else "")
            + "</li>"
            for veto in report.vetoes
        )
        section("vetoes", word("vetoes", lang), f"<ul>{items}</ul>")
    if report.missing:
        items = "".join(f"<li>{_e(m.label.text(lang))}: {_e('; '.join(m.what))}</li>" for m in report.missing)
        section("missing", word("missing", lang), f"<ul>{items}</ul>")

    # items
    recs = item_records(report, lang)
    rows = [
        [
            _e(r["area_label"]),
            f"<code>{_e(r['item'])}</code>",
            _e(r["label"]),
            _status_span(r["status"], r["status_label"]),
            _e(" ".join(x for x in (r["document"], r["clause"]) if x)),
        ]
        for r in recs
    ]
    heads = [word("area", lang), "ID", word("item", lang), word("status", lang), word("source", lang)]
    content = _table(heads, rows, row_class=[r["status"] if r["status"] != "pass" else "" for r in recs])
    content += _item_details(report, lang)
    section("items", word("items", lang), content)

    # indicators and CVs
    if report.indicators:
        irecs = indicator_records(report, lang)
        rounded = any(r["cv"] != r["cv_compared"] for r in irecs)
        heads_k = ["indicator", "section", "schools_n", "county_value", "threshold", "cv"]
        heads_k += ["cv_compared"] if rounded else []
        heads_k += ["limit", "result", "top_contributors"]
        rows = []
        for r in irecs:
            row = [
                _e(f"{r['indicator']} {r['label']}"),
                _e(r["section_label"]),
                str(r["schools"]),
                _e(f"{fmt_num(r['county_value'])} {r['unit']}"),
                _e(fmt_num(r["threshold"])),
                _e(fmt_num(r["cv"], 4)),
            ]
            row += [_e(fmt_num(r["cv_compared"], 4))] if rounded else []
            row += [_e(fmt_num(r["limit"])), _status_span(r["result"], r["result_label"]), _e(r["top_contributors"])]
            rows.append(row)
        numeric = {2, 3, 4, 5, 6} | ({7} if rounded else set())
        content = f"<figure>{_cv_chart(report, lang)}<figcaption>{_e(word('cv_chart', lang))}</figcaption></figure>"
        content += _table(
            [word(h, lang) for h in heads_k],
            rows,
            numeric=numeric,
            row_class=[r["result"] if r["result"] in ("fail", "not_evaluated") else "" for r in irecs],
        )
        content += _composites(report, lang)
        section("indicators", word("indicators", lang), content)

        has_thresholds = any(ind.threshold for ind in report.indicators)
        charts = [_legend(lang, floor)] if has_thresholds else []
        n_id = 0
        for ind in report.indicators:
            figs = []
            for cv in ind.sections:
                n_id += 1
                unmet = sum(
                    1
                    for s in report.schools
                    if s.section == cv.section
                    for v in s.values
                    if v.indicator == ind.id and v.met is False
                )
                key = "chart_caption" if cv.section in ind.threshold else "chart_caption_plain"
                cap = word(key, lang).format(section=category("section", cv.section, lang), n=cv.schools, unmet=unmet)
                figs.append(
                    f"<figure>{_value_chart(report, ind, cv, lang, floor, n_id)}"
                    f"<figcaption>{_e(cap)}</figcaption></figure>"
                )
            if figs:
                charts.append(
                    f'<h3>{_e(ind.id)} {_e(ind.label.text(lang))}</h3><div class="charts">{"".join(figs)}</div>'
                )
        section("charts", word("charts", lang), "".join(charts))

    problems = _problems(report, lang, floor)
    if problems:
        section("problems", word("problems", lang), problems)

    if report.excluded:
        rows = [
            [_e(e["school_id"]), _e(e["school_name"]), _e(category("section", e["section"], lang)), _e(e["reason"])]
            for e in excluded_records(report, lang)
        ]
        heads = [word(h, lang) for h in ("school_id", "school_name", "section", "reason")]
        section("excluded", word("excluded", lang), _table(heads, rows))

    if report.warnings:
        items = "".join(
            "<li>"
            + (f"{_e(w.school_id)} " if w.school_id else "")
            + (f"<code>{_e(w.field)}</code>: " if w.field else "")
            + f"{_e(w.message)}</li>"
            for w in report.warnings
        )
        section("warnings", word("warnings", lang), f"<ul>{items}</ul>")

    if plan is not None:
        section("plan", word("plan", lang), _plan(report, plan, lang))

    nav = "<nav><ul>" + "".join(f'<li><a href="#{a}">{_e(h)}</a></li>' for a, h in toc) + "</ul></nav>"
    footer = (
        f"<footer>{_e(word('input_digest', lang))}: {_e(report.provenance.input_digest)}<br/>"
        f"{_e(word('pack_hash', lang))}: {_e(pack.sha256)} · qbalance {_e(report.provenance.qbalance_version)}"
        f" · {_e(word('generated_by', lang))}</footer>"
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"en" if en else "zh-CN"}">\n<head>\n<meta charset="utf-8"/>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + banner
        + nav
        + "\n".join(body)
        + footer
        + "\n</body>\n</html>\n"
    )


def _item_details(report: ReportData, lang: str) -> str:
    details = [i for i in report.items if i.status in ("fail", "not_evaluated") and (i.inputs or i.rows or i.value)]
    if not details:
        return ""
    out = [f"<h3>{_e(word('details', lang))}</h3><ul>"]
    for item in details:
        sub = []
        if item.cite and item.cite.text:
            src = " ".join(x for x in (item.cite.document, item.cite.clause) if x)
            sub.append(f"<li>{_e(word('source', lang))}: {_e(src)} “{_e(item.cite.text)}”</li>")
        for inp in item.inputs:
            label = inp.label.text(lang) if inp.label else inp.input
            note = f" ({_e(inp.evidence)})" if inp.evidence else ""
            sub.append(f"<li>{_e(label)}: {_e(fmt_short(inp.value))}{note}</li>")
        if item.value is not None or item.target is not None:
            sub.append(
                f"<li>{_e(fmt_num(item.value))} / {_e(fmt_num(item.target))} ({_e(fmt_pct(item.progress))})</li>"
            )
        for row in item.rows[:50]:
            sec = f" {category('section', row.section, lang)}" if row.section else ""
            vals = ", ".join(f"{k} = {fmt_short(x)}" for k, x in row.values.items())
            sub.append(f"<li>{_e(row.school_id)} {_e(row.school_name)}{_e(sec)}: {_e(vals)}</li>")
        if len(item.rows) > 50:
            sub.append(f"<li>… (+{len(item.rows) - 50})</li>")
        out.append(
            f"<li><strong>{_e(item.label.text(lang))}</strong> (<code>{_e(item.id)}</code>) — "
            f"{_status_span(item.status, status_word(item.status, lang))}<ul>{''.join(sub)}</ul></li>"
        )
    out.append("</ul>")
    return "".join(out)


def _composites(report: ReportData, lang: str) -> str:
    comps = [(i, c) for i in report.items for c in i.composite]
    if not comps:
        return ""
    rows = [
        [
            _e(item.label.text(lang)),
            _e(category("section", c.section, lang)),
            _e(fmt_num(c.cv, 4)),
            _e(fmt_num(c.limit)),
            _status_span(c.result, status_word(c.result, lang)),
        ]
        for item, c in comps
    ]
    heads = [word(h, lang) for h in ("item", "section", "cv", "limit", "result")]
    return f"<h3>{_e(word('composite', lang))}</h3>" + _table(heads, rows, numeric={2, 3})


def _amount(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _problems(report: ReportData, lang: str, floor: float | None) -> str:
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
                    _e(p["school_id"]),
                    _e(p["school_name"]),
                    _e(category("section", p["section"], lang)),
                    f"{p['met_count']}/{p['indicators']}",
                    _e(f"{p['indicator']} {p['indicator_label']} ({p['unit']})"),
                    _e(value),
                    _e(fmt_num(p["threshold"])),
                    _e(ratio),
                    _e(shortfall),
                    _e(p["addition_label"]),
                    _e(tolerated),
                    _status_span(p["school_result"], status_word(p["school_result"], lang)),
                ]
            )
        classes = ["fail" if p["school_result"] != "pass" else "" for p in probs]
        out.append(_table([word(h, lang) for h in heads], rows, numeric={3, 5, 6, 7, 8}, row_class=classes))
        k = next((p["required"] for p in probs if p["required"] is not None), None)
        if k is not None and floor is not None:
            note = word("tolerated_note", lang).format(k=_amount(k), n=probs[0]["indicators"], floor=fmt_pct(floor))
            out.append(f'<p class="note">{_e(note)}</p>')
    if others:
        rows = [
            [
                _e(o["school_id"]),
                _e(o["school_name"]),
                _e(category("section", o["section"], lang)) if o["section"] else "",
                _e(o["label"]),
                _status_span(o["result"], o["result_label"]),
                _e(o["detail"]),
            ]
            for o in others
        ]
        heads = [word(h, lang) for h in ("school_id", "school_name", "section", "item", "result", "detail")]
        out.append(f"<h3>{_e(word('other_problems', lang))}</h3>" + _table(heads, rows))
    return "".join(out)


def _plan(report: ReportData, plan: Plan, lang: str) -> str:
    en = lang == "en"
    vb, va = VERDICT.get(plan.verdict_before), VERDICT.get(plan.verdict_after)
    before = (vb[1] if en else vb[0]) if vb else plan.verdict_before
    after = (va[1] if en else va[0]) if va else plan.verdict_after
    out = [
        "<ul>",
        f"<li>{_e(word('verdict_before', lang))}: {_status_span(plan.verdict_before, before)}</li>",
        f"<li>{_e(word('verdict_after', lang))}: {_status_span(plan.verdict_after, after)}</li>",
    ]
    if plan.items_after:
        items = ", ".join(
            f"<code>{_e(k)}</code> {_e(status_word(plan.items_before.get(k, ''), lang))} → "
            f"{_status_span(s, status_word(s, lang))}"
            for k, s in plan.items_after.items()
        )
        out.append(f"<li>{_e(word('items_after', lang))}: {items}</li>")
    out.append("</ul>")
    recs = plan_records(plan, report, lang)
    out.append(f"<h3>{_e(word('plan_schools', lang))}</h3>")
    if recs:
        heads = ["school_id", "school_name", "section", "indicator", "input", "amount", "unit", "reason"]
        rows = [
            [
                _e(r["school_id"]),
                _e(r["school_name"]),
                _e(category("section", r["section"], lang) if r["section"] else word("whole_school", lang)),
                _e(f"{r['indicator']} {r['indicator_label']}"),
                _e(r["input_label"]),
                _e(_amount(r["amount"])),
                _e(r["unit_word"]),
                _e(r["reason_label"]),
            ]
            for r in recs
        ]
        out.append(_table([word(h, lang) for h in heads], rows, numeric={5}))
    else:
        out.append(f"<p>{_e(word('none', lang))}</p>")
    totals = plan_total_records(plan, lang)
    if totals:
        rows = [[_e(t["input_label"]), _e(_amount(t["amount"])), _e(t["unit_word"])] for t in totals]
        out.append(f"<h3>{_e(word('plan_totals', lang))}</h3>")
        out.append(_table([word("input", lang), word("total", lang), word("unit", lang)], rows, numeric={1}))
    if plan.indicators:
        rows = [
            [
                _e(f"{p.indicator} {p.label.text(lang)}"),
                _e(category("section", p.section, lang)),
                _e(fmt_num(p.cv_before, 4)),
                _e(fmt_num(p.cv_after, 4)),
                _e(fmt_num(p.limit)),
            ]
            for p in plan.indicators
        ]
        heads = [word(h, lang) for h in ("indicator", "section", "cv_before", "cv_after", "limit")]
        out.append(f"<h3>{_e(word('plan_cv', lang))}</h3>" + _table(heads, rows, numeric={2, 3, 4}))
    if plan.not_planned:
        out.append(f"<h3>{_e(word('not_planned', lang))}</h3><ul>")
        out.extend(f"<li>{_e(x)}</li>" for x in plan.not_planned)
        out.append("</ul>")
    return "".join(out)
