"""A report as tables: plain records shared by every tabular renderer, pandas DataFrames, and a short Jupyter view.

The record builders here are the one place that turns a :class:`ReportData` (and a :class:`Plan`) into rows, so the
Markdown, HTML and Excel reports and the DataFrames show the same numbers. They use plain Python only; pandas is
imported by :func:`report_frames` alone (the ``frames`` extra), never at import time.

Column names of the records and frames are stable English identifiers; the renderers put Chinese (or English)
headers on them.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from .._base.messages import text
from .._base.optional import require
from .labels import category, input_label, paren, plan_reason, status_word, unit_word, verdict_word, veto_word, word
from .progress_view import progress_status_word

if TYPE_CHECKING:  # pragma: no cover
    from .model import IndicatorOut, LabelOut, ReportData
    from .plan_model import PlanData

__all__ = [
    "area_status_word",
    "check_plan",
    "excluded_records",
    "floor_ratio",
    "fmt_num",
    "fmt_pct",
    "indicator_records",
    "item_records",
    "item_row_records",
    "plan_records",
    "plan_total_records",
    "problem_records",
    "report_frames",
    "report_html_repr",
    "school_records",
    "school_wide_frame",
    "warning_records",
]

Record = dict[str, Any]


# -- formatting shared by the text-like renderers --------------------------------------------------------------


def fmt_num(x: float | None, digits: int = 2) -> str:
    """A number for people: thousands separators, ``digits`` decimals, an em dash for a missing value."""
    if x is None:
        return "—"
    if float(x).is_integer() and abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """A share as a percentage (0.85 → 85%, 0.994 → 99.4%)."""
    if x is None:
        return "—"
    text = f"{x * 100:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def fmt_short(v: object) -> str:
    """Any evidence value, short: numbers to 10 significant digits, None as an em dash."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:,.10g}" if abs(v) < 1e15 else str(v)
    return "—" if v is None else str(v)


# -- what the report says, as records ---------------------------------------------------------------------------


def floor_ratio(report: ReportData) -> float | None:
    """The k-of-n floor (e.g. 0.85: the tolerated indicator must reach 85% of its threshold), if the pack has one.

    The report carries it as a parameter of the k-of-n item; the first parameter there whose name mentions
    ``floor`` and whose value is a share in (0, 1] is taken.
    """
    for item in report.items:
        if item.kind != "k_of_n":
            continue
        for p in item.parameters:
            if "floor" in p.name and isinstance(p.value, float) and not isinstance(p.value, bool) and 0 < p.value <= 1:
                return float(p.value)
    return None


def _indicator_map(report: ReportData) -> dict[str, IndicatorOut]:
    return {ind.id: ind for ind in report.indicators}


def indicator_name(ind: IndicatorOut | None, indicator_id: str, lang: str = "zh") -> str:
    """The short name of an indicator (falling back to its label, then its id)."""
    if ind is None:
        return indicator_id
    return (ind.short or ind.label).text(lang)


def indicator_unit(ind: IndicatorOut | None, lang: str = "zh") -> str:
    if ind is None:
        return ""
    return ind.unit_label.text(lang) if ind.unit_label else ind.unit


def area_status_word(status: str, veto: bool, lang: str = "zh") -> str:
    """An area's status; a veto area that passes reads 'not found'."""
    return veto_word(status, lang) if veto else status_word(status, lang)


def _said(label: LabelOut | None, lang: str) -> str | None:
    """A finding sentence in ``lang`` (None when there is none)."""
    return label.text(lang) if label is not None else None


def item_records(report: ReportData, lang: str = "zh") -> list[Record]:
    """One row per item, in the pack's order: area, status (veto items read 'not found'/'FOUND'), citation; for a
    progress item also its progress status on the date judged, the value expected by then and that date."""
    areas = {a.id: a for a in report.areas}
    out: list[Record] = []
    for item in report.items:
        area = areas.get(item.area)
        veto = bool(area and area.veto)
        cite = item.cite
        out.append(
            {
                "area": item.area,
                "area_label": area.label.text(lang) if area else item.area,
                "item": item.id,
                "label": item.label.text(lang),
                "kind": item.kind,
                "status": item.status,
                "status_label": veto_word(item.status, lang) if veto else status_word(item.status, lang),
                "veto": veto,
                "document": (cite.document or cite.source) if cite else None,
                "clause": cite.clause if cite else None,
                "failing_rows": len(item.rows),
                "missing": "; ".join(item.missing) if item.missing else None,
                "finding": _said(item.finding, lang),
                "progress_status": item.tracking.status if item.tracking else None,
                "progress_status_label": progress_status_word(item.tracking.status, lang) if item.tracking else None,
                "expected": item.tracking.expected if item.tracking else None,
                "as_of": item.tracking.as_of if item.tracking else None,
            }
        )
    return out


def indicator_records(report: ReportData, lang: str = "zh", top: int = 3) -> list[Record]:
    """One row per indicator × section: county value, CV (unrounded and as compared), limit, result, and the
    school sections that pull the CV up most."""
    out: list[Record] = []
    for ind in report.indicators:
        for cv in ind.sections:
            pulling = [
                f"{c.school_name} ({fmt_pct(c.share, 0)}, {'↓' if c.side == 'below' else '↑'})"
                for c in cv.top_contributors[:top]
            ]
            out.append(
                {
                    "indicator": ind.id,
                    "label": indicator_name(ind, ind.id, lang),
                    "unit": indicator_unit(ind, lang),
                    "section": cv.section,
                    "section_label": category("section", cv.section, lang),
                    "schools": cv.schools,
                    "students": cv.students,
                    "threshold": ind.threshold.get(cv.section),
                    "county_value": cv.county_value,
                    "std": cv.std,
                    "cv": cv.cv,
                    "cv_compared": cv.cv_compared,
                    "limit": cv.limit,
                    "result": cv.result,
                    "result_label": status_word(cv.result, lang),
                    "top_contributors": "; ".join(pulling),
                    "missing_schools": len(cv.missing_schools),
                }
            )
    return out


def school_records(report: ReportData, lang: str = "zh") -> list[Record]:
    """Long form: one row per school section × indicator, with the school's k-of-n result repeated on each row."""
    inds = _indicator_map(report)
    out: list[Record] = []
    for s in report.schools:
        for v in s.values:
            ind = inds.get(v.indicator)
            out.append(
                {
                    "school_id": s.school_id,
                    "school_name": s.school_name,
                    "section": s.section,
                    "school_type": s.school_type,
                    "location": s.location,
                    "students": s.students,
                    "indicator": v.indicator,
                    "indicator_label": indicator_name(ind, v.indicator, lang),
                    "unit": indicator_unit(ind, lang),
                    "value": v.value,
                    "threshold": v.threshold,
                    "ratio": v.ratio,
                    "met": v.met,
                    "floor_ok": v.floor_ok,
                    "shortfall": v.shortfall,
                    "shortfall_input": v.shortfall_input,
                    "shortfall_unit": v.shortfall_unit,
                    "tolerated": v.tolerated,
                    "met_count": s.met_count,
                    "indicators": len(s.values),
                    "required": s.required,
                    "school_floor_ok": s.floor_ok,
                    "school_result": s.result,
                    "school_finding": _said(s.finding, lang),
                }
            )
    return out


def problem_records(report: ReportData, lang: str = "zh") -> list[Record]:
    """The problem list (问题清单): every unmet or unevaluated indicator of a school section, with its shortfall in
    real units (whole teachers and rooms, rounded up) and whether the k-of-n rule tolerates it."""
    out: list[Record] = []
    for rec in school_records(report, lang):
        unmet = rec["met"] is False
        no_data = rec["value"] is None and rec["threshold"] is not None
        if not (unmet or no_data):
            continue
        rec = dict(rec)
        rec["problem"] = "unmet" if unmet else "not_evaluated"
        rec["below_floor"] = rec["floor_ok"] is False
        rec["addition_label"] = input_label(rec["shortfall_input"], lang)
        rec["unit_word"] = unit_word(rec["shortfall_unit"], lang, rec["shortfall"])
        out.append(rec)
    return out


def _raw_values(values: dict[str, float | str | None]) -> str:
    """The values an item read at a row, as the pack names them (for engineers; people read the finding)."""
    return ", ".join(f"{k} = {fmt_short(v)}" for k, v in values.items())


def item_row_records(report: ReportData, lang: str = "zh") -> list[Record]:
    """Schools (or sections) that an item checked one by one and found wanting, e.g. a school over 2000 students."""
    out: list[Record] = []
    for item in report.items:
        for row in item.rows:
            out.append(
                {
                    "item": item.id,
                    "label": item.label.text(lang),
                    "school_id": row.school_id,
                    "school_name": row.school_name,
                    "section": row.section,
                    "result": row.result,
                    "result_label": status_word(row.result, lang),
                    "detail": _said(row.finding, lang) or _raw_values(row.values),
                    "values": _raw_values(row.values),
                }
            )
    return out


def excluded_records(report: ReportData, lang: str = "zh") -> list[Record]:
    return [
        {
            "school_id": e.school_id,
            "school_name": e.school_name,
            "section": e.section,
            "scope": e.scope,
            "reason_id": e.reason_id,
            "reason": e.reason.text(lang),
        }
        for e in report.excluded
    ]


def warning_records(report: ReportData, lang: str = "zh") -> list[Record]:
    """The data warnings as rows, in ``lang`` (the field by its label, the key in brackets)."""
    return [
        {
            "school_id": w.school_id,
            "field": w.field_text(lang) if w.field else None,
            "value": w.value,
            "message": w.text(lang),
        }
        for w in report.warnings
    ]


def check_plan(report: ReportData, plan: PlanData | None) -> None:
    """Refuse a plan made for another county than the report (an easy mistake when rendering many)."""
    if plan is not None and plan.county.code != report.county.code:
        what = text("report.plan_mismatch")
        raise ValueError(
            text("report.plan_mismatch_detail", what=what, plan=plan.county.code, report=report.county.code)
        )


def plan_records(plan: PlanData, report: ReportData | None = None, lang: str = "zh") -> list[Record]:
    """One row per addition of the plan: school, section, indicator, input, amount in its unit, and why."""
    inds = _indicator_map(report) if report is not None else {}
    out: list[Record] = []
    for row in plan.rows:
        out.append(
            {
                "school_id": row.school_id,
                "school_name": row.school_name,
                "section": row.section,
                "indicator": row.indicator,
                "indicator_label": indicator_name(inds.get(row.indicator), row.indicator, lang),
                "input": row.input,
                "input_label": input_label(row.input, lang),
                "amount": row.amount,
                "unit": row.unit,
                "unit_word": unit_word(row.unit, lang, row.amount),
                "reason": row.reason,
                "reason_label": plan_reason(row.reason, lang),
            }
        )
    return out


def plan_total_records(plan: PlanData, lang: str = "zh") -> list[Record]:
    return [
        {
            "input": name,
            "input_label": input_label(name, lang),
            "amount": total,
            "unit": plan.units.get(name, ""),
            "unit_word": unit_word(plan.units.get(name), lang, total),
        }
        for name, total in plan.totals.items()
    ]


# -- pandas ------------------------------------------------------------------------------------------------------

_BOOL_COLUMNS = ("met", "floor_ok", "tolerated", "school_floor_ok", "veto")


def report_frames(report: ReportData, *, lang: str = "zh") -> dict[str, Any]:
    """The report as pandas DataFrames: ``items``, ``indicators`` (indicator × section), ``schools`` (long: one
    row per school section × indicator), ``excluded`` and ``warnings``. Needs the ``frames`` extra (pandas).

    Labels are in ``lang``; ids stay text (leading zeros kept); yes/no columns with gaps use pandas' nullable
    ``boolean`` dtype; missing numbers are NaN.
    """
    pd = require("pandas", "frames")
    tables: dict[str, tuple[list[Record], tuple[str, ...]]] = {
        "items": (item_records(report, lang), _COLUMNS["items"]),
        "indicators": (indicator_records(report, lang), _COLUMNS["indicators"]),
        "schools": (school_records(report, lang), _COLUMNS["schools"]),
        "excluded": (excluded_records(report, lang), _COLUMNS["excluded"]),
        "warnings": (warning_records(report, lang), _COLUMNS["warnings"]),
    }
    frames: dict[str, Any] = {}
    for name, (records, columns) in tables.items():
        df = pd.DataFrame.from_records(records, columns=list(columns))
        for col in df.columns:
            if col in _BOOL_COLUMNS:
                df[col] = df[col].astype("boolean")
        frames[name] = df
    return frames


_COLUMNS: dict[str, tuple[str, ...]] = {
    "items": (
        "area", "area_label", "item", "label", "kind", "status", "status_label", "veto", "document", "clause",
        "failing_rows", "missing", "finding", "progress_status", "progress_status_label", "expected", "as_of",
    ),
    "indicators": (
        "indicator", "label", "unit", "section", "section_label", "schools", "students", "threshold",
        "county_value", "std", "cv", "cv_compared", "limit", "result", "result_label", "top_contributors",
        "missing_schools",
    ),
    "schools": (
        "school_id", "school_name", "section", "school_type", "location", "students", "indicator",
        "indicator_label", "unit", "value", "threshold", "ratio", "met", "floor_ok", "shortfall", "shortfall_input",
        "shortfall_unit", "tolerated", "met_count", "indicators", "required", "school_floor_ok", "school_result",
        "school_finding",
    ),
    "excluded": ("school_id", "school_name", "section", "scope", "reason_id", "reason"),
    "warnings": ("school_id", "field", "value", "message"),
}  # fmt: skip
"""The columns of each frame (so an empty table still has its columns)."""


# -- Jupyter ------------------------------------------------------------------------------------------------------

VERDICT_COLOURS = {"pass": "#1b7f3b", "fail": "#b3261e", "incomplete": "#8a6d00"}
STATUS_COLOURS = {"pass": "#1b7f3b", "fail": "#b3261e", "not_evaluated": "#8a6d00", "not_applicable": "#666"}


def report_html_repr(report: ReportData, lang: str = "zh") -> str:
    """A compact rich view for Jupyter (``_repr_html_``): verdict banner, areas, and the items not passed with what
    is wrong with each.

    Short on purpose; :func:`qbalance._report.html.render_html` gives the full page. All text is escaped.
    """
    esc = html.escape
    colour = VERDICT_COLOURS.get(report.verdict, "#333")
    pack = report.provenance.pack
    parts = [
        '<div class="qbalance-report" style="font-family:sans-serif;max-width:60em">',
        f'<div style="border-left:6px solid {colour};padding:4px 10px;margin-bottom:6px">'
        f"<strong>{esc(report.county.name)}</strong> ({esc(report.county.code)}"
        f"{', ' + str(report.county.year) if report.county.year else ''}) — "
        f"{esc(pack.title.text(lang))} [{esc(pack.id)} {esc(pack.version)}]<br/>"
        f'{esc(word("verdict", lang))}: <strong style="color:{colour}">{esc(verdict_word(report.verdict, lang))}'
        f"</strong>{' ' + esc(word('synthetic', lang)) if report.county.synthetic else ''}</div>",
        "<div>"
        + " · ".join(
            f'{esc(a.label.text(lang))}: <span style="color:{STATUS_COLOURS.get(a.status, "#333")}">'
            f"{esc(area_status_word(a.status, a.veto, lang))}</span>"
            for a in report.areas
        )
        + "</div>",
    ]
    failing = [r for r in item_records(report, lang) if r["status"] in ("fail", "not_evaluated")]
    if failing:
        parts.append(_repr_failing(failing, lang))
    parts.append("</div>")
    return "".join(parts)


def _repr_failing(failing: list[Record], lang: str) -> str:
    """The table of the items not passed: area, item, status, what is wrong, source."""
    esc = html.escape
    heads = ("area", "item", "status", "finding", "source")
    out = [
        f'<table style="margin-top:6px"><caption style="text-align:left">{esc(word("failing_items", lang))}</caption>',
        "<tr>" + "".join(f"<th>{esc(word(h, lang))}</th>" for h in heads) + "</tr>",
    ]
    for r in failing:
        src = " ".join(x for x in (r["document"], r["clause"]) if x)
        out.append(
            f"<tr><td>{esc(r['area_label'])}</td><td>{esc(r['label'])}</td>"
            f'<td style="color:{STATUS_COLOURS.get(r["status"], "#333")}">{esc(r["status_label"])}</td>'
            f"<td>{esc(r['finding'] or '')}</td><td>{esc(src)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


# -- the wide per-school table ------------------------------------------------------------------------------------


def school_wide_frame(report: ReportData, lang: str = "zh") -> Any:
    """One row per school section, one column per indicator value, headed in ``lang`` (学校代码, 学校名称, 学段,
    在校学生数, "R1 高学历教师（人/百生）" …, 达标项数, 学校结果, 问题说明). Needs the ``frames`` extra (pandas)."""
    pd = require("pandas", "frames")
    inds = _indicator_map(report)
    order = [v.indicator for s in report.schools[:1] for v in s.values] or list(inds)
    heads = {iid: f"{iid} {indicator_name(inds.get(iid), iid, lang)}" for iid in order}
    heads = {iid: h + paren(indicator_unit(inds[iid], lang), lang) if iid in inds else h for iid, h in heads.items()}
    records = []
    for s in report.schools:
        values = {v.indicator: v.value for v in s.values}
        record: Record = {
            word("wide.school_id", lang): s.school_id,
            word("wide.school_name", lang): s.school_name,
            word("wide.section", lang): category("section", s.section, lang),
            word("wide.school_type", lang): category("school_type", s.school_type, lang),
            word("wide.location", lang): category("location", s.location, lang),
            word("wide.students", lang): s.students,
        }
        record.update({heads[iid]: values.get(iid) for iid in order})
        record[word("wide.met", lang)] = s.met_count
        record[word("wide.result", lang)] = status_word(s.result, lang)
        record[word("wide.finding", lang)] = _said(s.finding, lang)
        records.append(record)
    columns = [word(f"wide.{k}", lang) for k in ("school_id", "school_name", "section", "school_type", "location")]
    columns += [word("wide.students", lang), *heads.values()]
    columns += [word(f"wide.{k}", lang) for k in ("met", "result", "finding")]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for h in heads.values():
        frame[h] = frame[h].astype("float64")
    return frame
