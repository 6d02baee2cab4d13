"""Compare two reports (方案对比): what a scenario changed — the verdict, area and item statuses, every indicator's
between-school CV per section, and each school section's result and indicator values.

The comparison lists only what changed: a status that differs, a CV or a value that moved by more than the
tolerance (relative to the larger magnitude), a school section that appears or disappears. It is plain data
(``qbalance-comparison/1``) with a text rendering (Chinese by default) and a Markdown one.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .._base.messages import current_language
from .._base.optional import require
from .._base.text import terminal_safe
from .html_markup import esc
from .labels import category, status_word, verdict_word, word
from .model import IndicatorOut, LabelOut, SchoolSectionOut
from .report import Report
from .text import _table, _width

__all__ = ["COMPARISON_FORMAT", "Comparison", "compare_reports"]

COMPARISON_FORMAT: Final = "qbalance-comparison/1"
_CFG = ConfigDict(extra="forbid", frozen=True)
_K = TypeVar("_K", bound=Hashable)


class StatusChange(BaseModel):
    """An area or item whose status differs (``None``: absent from that report)."""

    model_config = _CFG
    id: str
    label: LabelOut
    area: str | None = None
    before: str | None
    after: str | None


class CvChange(BaseModel):
    """One indicator's between-school CV in one section, before and after."""

    model_config = _CFG
    indicator: str
    label: LabelOut
    section: str
    before: float | None
    after: float | None
    delta: float | None = Field(description="after − before (None when either is missing)")
    limit: float | None
    result_before: str | None
    result_after: str | None

    @property
    def result_changed(self) -> bool:
        return self.result_before != self.result_after


class ValueChange(BaseModel):
    """One indicator value of one school section, before and after."""

    model_config = _CFG
    indicator: str
    before: float | None
    after: float | None
    delta: float | None
    threshold: float | None
    met_before: bool | None
    met_after: bool | None


class SchoolChange(BaseModel):
    """A school section whose result, students or indicator values changed (or that appeared or disappeared)."""

    model_config = _CFG
    school_id: str
    school_name: str
    section: str
    result_before: str | None = Field(description="None: the school section is not in the report before")
    result_after: str | None = Field(description="None: the school section is not in the report after")
    students_before: float | None
    students_after: float | None
    met_before: int | None
    met_after: int | None
    values: list[ValueChange] = Field(default_factory=list)

    @property
    def result_changed(self) -> bool:
        return self.result_before != self.result_after


class Comparison(BaseModel):
    """What changed between two reports of the same county (usually before and after a scenario)."""

    model_config = _CFG
    format: Literal["qbalance-comparison/1"] = COMPARISON_FORMAT
    title: LabelOut | None = Field(default=None, description="the scenario compared, when known")
    county_before: str
    county_after: str
    standard_before: str
    standard_after: str
    tolerance: float
    verdict_before: str
    verdict_after: str
    areas: list[StatusChange]
    items: list[StatusChange]
    cvs: list[CvChange]
    schools: list[SchoolChange]
    notes: list[str] = Field(default_factory=list)
    note_labels: list[LabelOut] = Field(
        default_factory=list, description="the notes in Chinese and English (``notes`` holds their English text)"
    )

    @property
    def verdict_changed(self) -> bool:
        return self.verdict_before != self.verdict_after

    @property
    def changed(self) -> bool:
        """True when anything at all differs."""
        return bool(self.verdict_changed or self.areas or self.items or self.cvs or self.schools or self.notes)

    def item(self, item_id: str) -> StatusChange:
        """The change of one item by id (KeyError: it did not change)."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    def to_text(self, lang: str = "zh") -> str:
        """A plain-text rendering for the terminal (Chinese labels by default, ``lang="en"`` for English)."""
        return terminal_safe(_render(self, lang, markdown=False))

    def to_markdown(self, lang: str = "zh") -> str:
        """A Markdown rendering (headings and pipe tables)."""
        return _render(self, lang, markdown=True)

    def to_frame(self, lang: str = "zh") -> Any:
        """Every change as one row of a pandas DataFrame (``frames`` extra): its kind (area, item, CV, school
        result, school value), what changed, the section, before, after and the change, headed in ``lang``."""
        return _frame(self, lang)

    def _repr_html_(self) -> str:
        """A compact view for Jupyter: the summary, then the changes as a table."""
        return _html(self, current_language())

    def __str__(self) -> str:
        return self.to_text(current_language())


def _close(a: float | None, b: float | None, tol: float) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= tol * max(abs(a), abs(b)) + 1e-12


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def _union(before: Mapping[_K, Any], after: Mapping[_K, Any]) -> list[_K]:
    """The keys of ``before`` in order, then those only in ``after`` in theirs."""
    return list(before) + [k for k in after if k not in before]


def compare_reports(before: Report, after: Report, *, tolerance: float = 1e-9, title: Any = None) -> Comparison:
    """What changed from ``before`` to ``after``.

    ``tolerance`` is relative: a CV or value counts as changed when it moved by more than ``tolerance`` × the larger
    magnitude. ``title`` (a :class:`~qbalance.Scenario`, a :class:`LabelOut` or text) names what was compared.
    """
    notes = _notes(before, after)
    return Comparison(
        title=_title_label(title),
        county_before=f"{before.county.name} ({before.county.code})",
        county_after=f"{after.county.name} ({after.county.code})",
        standard_before=f"{before.provenance.pack.id} {before.provenance.pack.version}",
        standard_after=f"{after.provenance.pack.id} {after.provenance.pack.version}",
        tolerance=tolerance,
        verdict_before=before.verdict,
        verdict_after=after.verdict,
        areas=_status_changes(before.areas, after.areas, False),
        items=_status_changes(before.items, after.items, True),
        cvs=_cv_changes(before, after, tolerance),
        schools=_school_changes(before, after, tolerance),
        notes=[n.en or n.zh for n in notes],
        note_labels=notes,
    )


def _note(key: str, **args: Any) -> LabelOut:
    return LabelOut(zh=word(key, "zh", **args), en=word(key, "en", **args))


def _notes(before: Report, after: Report) -> list[LabelOut]:
    """Warnings about the comparison itself: different standards or counties, and data warnings that appear only
    after (e.g. a fact set by a scenario that the pack does not read)."""
    notes: list[LabelOut] = []
    if before.provenance.pack.id != after.provenance.pack.id or (
        before.provenance.pack.sha256 != after.provenance.pack.sha256
    ):
        notes.append(_note("compare.note_standards"))
    if before.county.code != after.county.code:
        notes.append(_note("compare.note_counties"))
    seen = {(w.school_id, w.field, w.message) for w in before.warnings}
    for w in after.warnings:
        if (w.school_id, w.field, w.message) not in seen:
            who = f"{w.school_id} " if w.school_id else ""
            notes.append(_note("compare.note_warning", warning=f"{who}{w.field + ': ' if w.field else ''}{w.message}"))
    return notes


def _title_label(title: Any) -> LabelOut | None:
    """The label of what was compared: a label as is, text as a Chinese label, or a scenario's label."""
    if title is None or isinstance(title, LabelOut):
        return title
    if isinstance(title, str):
        return LabelOut(zh=title)
    # a Scenario (duck-typed, to keep this module free of the scenario model)
    return LabelOut(zh=title.label_zh, en=title.label_en)


def _status_changes(b: list[Any], a: list[Any], with_area: bool) -> list[StatusChange]:
    """The areas or items (by id) whose status differs, in the order of ``b`` then of those new in ``a``."""
    bmap, amap = {x.id: x for x in b}, {x.id: x for x in a}
    out = []
    for key in _union(bmap, amap):
        xb, xa = bmap.get(key), amap.get(key)
        sb, sa = (xb.status if xb else None), (xa.status if xa else None)
        if sb != sa:
            ref = xa or xb
            assert ref is not None
            out.append(StatusChange(id=key, label=ref.label, area=ref.area if with_area else None, before=sb, after=sa))
    return out


def _cv_changes(before: Report, after: Report, tolerance: float) -> list[CvChange]:
    """Every indicator's section CVs that moved beyond ``tolerance`` or changed result, indicator by indicator."""
    ind_before = {i.id: i for i in before.indicators}
    ind_after = {i.id: i for i in after.indicators}
    cvs: list[CvChange] = []
    for iid in _union(ind_before, ind_after):
        cvs.extend(_indicator_cv_changes(iid, ind_before.get(iid), ind_after.get(iid), tolerance))
    return cvs


def _indicator_cv_changes(
    iid: str, ib: IndicatorOut | None, ia: IndicatorOut | None, tolerance: float
) -> list[CvChange]:
    """One indicator's section CVs that changed (``None``: the indicator is absent from that report)."""
    ref = ia or ib
    assert ref is not None
    secs_b = {c.section: c for c in ib.sections} if ib else {}
    secs_a = {c.section: c for c in ia.sections} if ia else {}
    out: list[CvChange] = []
    for sec in _union(secs_b, secs_a):
        cb, ca = secs_b.get(sec), secs_a.get(sec)
        vb, va = (cb.cv if cb else None), (ca.cv if ca else None)
        rb, ra = (cb.result if cb else None), (ca.result if ca else None)
        if _close(vb, va, tolerance) and rb == ra:
            continue
        out.append(
            CvChange(
                indicator=iid,
                label=ref.short or ref.label,
                section=sec,
                before=vb,
                after=va,
                delta=_delta(vb, va),
                limit=ca.limit if ca is not None else (cb.limit if cb is not None else None),
                result_before=rb,
                result_after=ra,
            )
        )
    return out


def _school_changes(before: Report, after: Report, tolerance: float) -> list[SchoolChange]:
    """The school sections (by school and section) that changed, appeared or disappeared."""
    sb_map = {(s.school_id, s.section): s for s in before.schools}
    sa_map = {(s.school_id, s.section): s for s in after.schools}
    schools: list[SchoolChange] = []
    for key in _union(sb_map, sa_map):
        change = _school_change(key, sb_map.get(key), sa_map.get(key), tolerance)
        if change is not None:
            schools.append(change)
    return schools


def _school_change(
    key: tuple[str, str], xb: SchoolSectionOut | None, xa: SchoolSectionOut | None, tolerance: float
) -> SchoolChange | None:
    """How one school section changed; None when its result, students and values all stayed."""
    values = _value_changes(xb, xa, tolerance)
    rb, ra = (xb.result if xb else None), (xa.result if xa else None)
    pb, pa = (xb.students if xb else None), (xa.students if xa else None)
    if rb == ra and not values and pb == pa:
        return None
    ref_s = xa or xb
    assert ref_s is not None
    return SchoolChange(
        school_id=key[0],
        school_name=ref_s.school_name,
        section=key[1],
        result_before=rb,
        result_after=ra,
        students_before=pb,
        students_after=pa,
        met_before=xb.met_count if xb else None,
        met_after=xa.met_count if xa else None,
        values=values,
    )


def _value_changes(xb: SchoolSectionOut | None, xa: SchoolSectionOut | None, tolerance: float) -> list[ValueChange]:
    """The indicator values of a school section that moved beyond ``tolerance`` or changed met/unmet."""
    vals_b = {v.indicator: v for v in xb.values} if xb else {}
    vals_a = {v.indicator: v for v in xa.values} if xa else {}
    values: list[ValueChange] = []
    for iid in _union(vals_b, vals_a):
        vb_, va_ = vals_b.get(iid), vals_a.get(iid)
        b_val, a_val = (vb_.value if vb_ else None), (va_.value if va_ else None)
        mb, ma = (vb_.met if vb_ else None), (va_.met if va_ else None)
        if _close(b_val, a_val, tolerance) and mb == ma:
            continue
        values.append(
            ValueChange(
                indicator=iid,
                before=b_val,
                after=a_val,
                delta=_delta(b_val, a_val),
                threshold=va_.threshold if va_ is not None else (vb_.threshold if vb_ is not None else None),
                met_before=mb,
                met_after=ma,
            )
        )
    return values


def _w(key: str, lang: str) -> str:
    """A word of the comparison (``report.compare.<key>``, or a report word such as ``county``)."""
    return word(f"compare.{key}" if key not in _REPORT_WORDS else key, lang)


_REPORT_WORDS = {"county", "standard", "verdict", "limit", "indicator", "section", "school", "result"}
"""Words the comparison shares with the report."""


def _st(s: str | None, lang: str) -> str:
    return _w("absent", lang) if s is None else status_word(s, lang)


def _verdict(v: str, lang: str) -> str:
    return verdict_word(v, lang)


def _num(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def _signed(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:+,.{digits}f}"


class _Lines:
    """The lines of a rendering being written, with headings and tables as plain text or as Markdown."""

    def __init__(self, markdown: bool) -> None:
        self.markdown = markdown
        self.out: list[str] = []

    def heading(self, text: str, level: int) -> None:
        """A heading: ``#`` in Markdown; underlined (level 1) or ``## `` after a blank line in text."""
        if self.markdown:
            self.out.extend(["#" * level + " " + text, ""])
        elif level == 1:
            self.out.extend([text, "=" * _width(text)])
        else:
            self.out.extend(["", "## " + text])

    def table(self, headers: list[str], rows: list[list[str]], right: set[int]) -> None:
        """A table, columns in ``right`` right-aligned: a pipe table in Markdown, aligned columns in text."""
        if self.markdown:
            self.out.append("| " + " | ".join(headers) + " |")
            self.out.append("|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|")
            self.out.extend("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows)
            self.out.append("")
        else:
            self.out.extend(_table(headers, rows, right))

    def text(self) -> str:
        """The rendering, ending in exactly one newline."""
        return "\n".join(self.out).rstrip() + "\n"


def _render(c: Comparison, lang: str, markdown: bool) -> str:
    """The comparison as text or Markdown: the summary, the notes, then each kind of change that occurred."""
    lines = _Lines(markdown)
    _write_summary(lines, c, lang)
    if c.notes:
        lines.heading(_w("notes", lang), 2)
        labels = c.note_labels if len(c.note_labels) == len(c.notes) else [LabelOut(zh=n) for n in c.notes]
        lines.out.extend(f"- {n.text(lang)}" for n in labels)
    if not c.changed:
        lines.out.extend(["", _w("nothing", lang)])
        return lines.text()
    if c.areas:
        _write_statuses(lines, "areas", c.areas, lang)
    if c.items:
        _write_statuses(lines, "items", c.items, lang)
    if c.cvs:
        _write_cvs(lines, c.cvs, lang)
    if c.schools:
        _write_schools(lines, c.schools, lang)
    return lines.text()


def _write_summary(lines: _Lines, c: Comparison, lang: str) -> None:
    """The title, then the county, the standard and the verdict (each as before → after when it changed)."""
    title = _w("title", lang)
    if c.title is not None:
        title += ": " + c.title.text(lang)
    lines.heading(title, 1)
    county = c.county_after if c.county_after == c.county_before else f"{c.county_before} → {c.county_after}"
    std = c.standard_after if c.standard_after == c.standard_before else f"{c.standard_before} → {c.standard_after}"
    verdict = f"{_verdict(c.verdict_before, lang)} → {_verdict(c.verdict_after, lang)}"
    if not c.verdict_changed:
        verdict = f"{_verdict(c.verdict_after, lang)} ({_w('no_change', lang)})"
    summary = [
        f"{_w('county', lang)}: {county}",
        f"{_w('standard', lang)}: {std}",
        f"{_w('verdict', lang)}: {verdict}",
    ]
    lines.out.extend([f"- {x}" for x in summary] + [""] if lines.markdown else summary)


def _write_statuses(lines: _Lines, key: str, changes: list[StatusChange], lang: str) -> None:
    """The areas or items (``key``) whose status changed, as a table."""
    lines.heading(_w(key, lang), 2)
    rows = [[x.id, x.label.text(lang), _st(x.before, lang), _st(x.after, lang)] for x in changes]
    lines.table([_w("id", lang), _w("name", lang), _w("before", lang), _w("after", lang)], rows, set())


def _write_cvs(lines: _Lines, cvs: list[CvChange], lang: str) -> None:
    """The CVs that changed, as a table: before, after, change, limit and result."""
    lines.heading(_w("cvs", lang), 2)
    rows = [
        [
            f"{v.indicator} {v.label.text(lang)}",
            category("section", v.section, lang),
            _num(v.before),
            _num(v.after),
            _signed(v.delta),
            _num(v.limit, 2),
            _result(v.result_before, v.result_after, lang),
        ]
        for v in cvs
    ]
    headers = [_w(k, lang) for k in ("indicator", "section", "before", "after", "delta", "limit")]
    lines.table([*headers, _w("result", lang)], rows, {2, 3, 4, 5})


def _write_schools(lines: _Lines, schools: list[SchoolChange], lang: str) -> None:
    """The school sections that changed, as a table: students, indicators met, result and the values that moved."""
    lines.heading(_w("schools", lang), 2)
    rows = [_school_row(s, lang) for s in schools]
    headers = [_w(k, lang) for k in ("id", "school", "section", "students", "met")]
    lines.table([*headers, _w("result", lang), _w("values", lang)], rows, {3})


def _school_row(s: SchoolChange, lang: str) -> list[str]:
    """One school section's row of the schools table."""
    students = (
        _num(s.students_after, 0)
        if s.students_before == s.students_after
        else f"{_num(s.students_before, 0)}→{_num(s.students_after, 0)}"
    )
    met = "—" if s.met_after is None else str(s.met_after)
    if s.met_before != s.met_after:
        met = f"{'—' if s.met_before is None else s.met_before}→{met}"
    result = _result(s.result_before, s.result_after, lang)
    return [s.school_id, s.school_name, category("section", s.section, lang), students, met, result, _values(s, lang)]


def _values(s: SchoolChange, lang: str) -> str:
    """The values of a school section that moved (with met/unmet when that changed), or that it appeared or went."""
    if s.result_before is None or s.result_after is None:
        return _w("appeared" if s.result_before is None else "gone", lang)
    return "; ".join(
        f"{v.indicator} {_num(v.before, 2)}→{_num(v.after, 2)}"
        + (f" ({_st(_met(v.met_before), lang)}→{_st(_met(v.met_after), lang)})" if v.met_before != v.met_after else "")
        for v in s.values
    )


def _result(before: str | None, after: str | None, lang: str) -> str:
    """A result as ``before → after`` when it changed, else just the result."""
    return f"{_st(before, lang)} → {_st(after, lang)}" if before != after else _st(after, lang)


def _met(m: bool | None) -> str | None:
    return None if m is None else ("pass" if m else "fail")


# -- tables and the notebook view ---------------------------------------------------------------------------------


def _change_rows(c: Comparison, lang: str) -> list[tuple[str, str, str, str | None, Any, Any, Any]]:
    """Every change as (kind, id, name, section, before, after, change): areas and items by status, CVs, school
    results and school values."""
    rows: list[tuple[str, str, str, str | None, Any, Any, Any]] = []
    for kind, changes in (("kind_area", c.areas), ("kind_item", c.items)):
        rows += [(_w(kind, lang), x.id, x.label.text(lang), None, _st(x.before, lang), _st(x.after, lang), None)
                 for x in changes]  # fmt: skip
    for cv in c.cvs:
        section = category("section", cv.section, lang)
        rows.append((_w("kind_cv", lang), cv.indicator, cv.label.text(lang), section, cv.before, cv.after, cv.delta))
    for s in c.schools:
        section = category("section", s.section, lang)
        if s.result_before != s.result_after:
            before, after = _st(s.result_before, lang), _st(s.result_after, lang)
            rows.append((_w("kind_school", lang), s.school_id, s.school_name, section, before, after, None))
        for v in s.values:
            name = f"{s.school_name} {v.indicator}"
            rows.append((_w("kind_value", lang), s.school_id, name, section, v.before, v.after, v.delta))
    return rows


_FRAME_KEYS = ("kind", "id", "name", "section", "before", "after", "delta")


def _frame(c: Comparison, lang: str) -> Any:
    """The changes as a pandas DataFrame with headers in ``lang`` (``frames`` extra)."""
    pd = require("pandas", "frames")
    columns = [_w(k, lang) if k != "section" else word("section", lang) for k in _FRAME_KEYS]
    return pd.DataFrame.from_records(_change_rows(c, lang), columns=columns)


def _html(c: Comparison, lang: str) -> str:
    """The summary lines and the changes as an HTML table (every text escaped)."""
    lines = _Lines(markdown=False)
    _write_summary(lines, c, lang)
    head = "".join(f"<div>{esc(line)}</div>" for line in lines.out if line.strip("= "))
    rows = _change_rows(c, lang)
    parts = ['<div class="qbalance-comparison" style="font-family:sans-serif;max-width:60em">', head]
    if rows:
        columns = [_w(k, lang) if k != "section" else word("section", lang) for k in _FRAME_KEYS]
        parts.append("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in columns) + "</tr>")
        for row in rows:
            cells = [x if isinstance(x, str) else (_num(x) if isinstance(x, float) else "") for x in row]
            parts.append("<tr>" + "".join(f"<td>{esc(x)}</td>" for x in cells) + "</tr>")
        parts.append("</table>")
    parts.append("</div>")
    return "".join(parts)
