"""Compare two reports (方案对比): what a scenario changed — the verdict, area and item statuses, every indicator's
between-school CV per section, and each school section's result and indicator values.

The comparison lists only what changed: a status that differs, a CV or a value that moved by more than the
tolerance (relative to the larger magnitude), a school section that appears or disappears. It is plain data
(``qbalance-comparison/1``) with a text rendering (Chinese by default) and a Markdown one.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from .labels import STATUS, VERDICT, category
from .model import LabelOut
from .report import Report
from .text import _table, _width

__all__ = ["COMPARISON_FORMAT", "Comparison", "compare_reports"]

COMPARISON_FORMAT: Final = "qbalance-comparison/1"
_CFG = ConfigDict(extra="forbid", frozen=True)


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
        return _render(self, lang, markdown=False)

    def to_markdown(self, lang: str = "zh") -> str:
        """A Markdown rendering (headings and pipe tables)."""
        return _render(self, lang, markdown=True)


def _close(a: float | None, b: float | None, tol: float) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= tol * max(abs(a), abs(b)) + 1e-12


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def compare_reports(before: Report, after: Report, *, tolerance: float = 1e-9, title: Any = None) -> Comparison:
    """What changed from ``before`` to ``after``.

    ``tolerance`` is relative: a CV or value counts as changed when it moved by more than ``tolerance`` × the larger
    magnitude. ``title`` (a :class:`~qbalance.Scenario`, a :class:`LabelOut` or text) names what was compared.
    """
    notes: list[str] = []
    if before.provenance.pack.id != after.provenance.pack.id or (
        before.provenance.pack.sha256 != after.provenance.pack.sha256
    ):
        notes.append("the two reports use different standards: differences may come from the rules, not the data")
    if before.county.code != after.county.code:
        notes.append("the two reports are of different counties")
    # data warnings that appear only after (e.g. a fact set by a scenario that the pack does not read)
    seen = {(w.school_id, w.field, w.message) for w in before.warnings}
    for w in after.warnings:
        if (w.school_id, w.field, w.message) not in seen:
            who = f"{w.school_id} " if w.school_id else ""
            notes.append(f"new warning: {who}{w.field + ': ' if w.field else ''}{w.message}")

    def statuses(b: list[Any], a: list[Any], with_area: bool) -> list[StatusChange]:
        bmap, amap = {x.id: x for x in b}, {x.id: x for x in a}
        out = []
        for key in list(bmap) + [k for k in amap if k not in bmap]:
            xb, xa = bmap.get(key), amap.get(key)
            sb, sa = (xb.status if xb else None), (xa.status if xa else None)
            if sb != sa:
                ref = xa or xb
                assert ref is not None
                out.append(
                    StatusChange(id=key, label=ref.label, area=ref.area if with_area else None, before=sb, after=sa)
                )
        return out

    cvs: list[CvChange] = []
    ind_after = {i.id: i for i in after.indicators}
    ind_before = {i.id: i for i in before.indicators}
    for iid in list(ind_before) + [k for k in ind_after if k not in ind_before]:
        ib, ia = ind_before.get(iid), ind_after.get(iid)
        ref = ia or ib
        assert ref is not None
        secs_b = {c.section: c for c in ib.sections} if ib else {}
        secs_a = {c.section: c for c in ia.sections} if ia else {}
        for sec in list(secs_b) + [s for s in secs_a if s not in secs_b]:
            cb, ca = secs_b.get(sec), secs_a.get(sec)
            vb, va = (cb.cv if cb else None), (ca.cv if ca else None)
            rb, ra = (cb.result if cb else None), (ca.result if ca else None)
            if _close(vb, va, tolerance) and rb == ra:
                continue
            cvs.append(
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

    schools: list[SchoolChange] = []
    sb_map = {(s.school_id, s.section): s for s in before.schools}
    sa_map = {(s.school_id, s.section): s for s in after.schools}
    for key in list(sb_map) + [k for k in sa_map if k not in sb_map]:
        xb, xa = sb_map.get(key), sa_map.get(key)
        vals_b = {v.indicator: v for v in xb.values} if xb else {}
        vals_a = {v.indicator: v for v in xa.values} if xa else {}
        values: list[ValueChange] = []
        for iid in list(vals_b) + [k for k in vals_a if k not in vals_b]:
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
        rb, ra = (xb.result if xb else None), (xa.result if xa else None)
        pb, pa = (xb.students if xb else None), (xa.students if xa else None)
        if rb == ra and not values and pb == pa:
            continue
        ref_s = xa or xb
        assert ref_s is not None
        schools.append(
            SchoolChange(
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
        )

    if title is None or isinstance(title, LabelOut):
        label = title
    elif isinstance(title, str):
        label = LabelOut(zh=title)
    else:  # a Scenario (duck-typed, to keep this module free of the scenario model)
        label = LabelOut(zh=title.label_zh, en=title.label_en)
    return Comparison(
        title=label,
        county_before=f"{before.county.name} ({before.county.code})",
        county_after=f"{after.county.name} ({after.county.code})",
        standard_before=f"{before.provenance.pack.id} {before.provenance.pack.version}",
        standard_after=f"{after.provenance.pack.id} {after.provenance.pack.version}",
        tolerance=tolerance,
        verdict_before=before.verdict,
        verdict_after=after.verdict,
        areas=statuses(before.areas, after.areas, False),
        items=statuses(before.items, after.items, True),
        cvs=cvs,
        schools=schools,
        notes=notes,
    )


_W = {
    "title": ("方案对比", "Scenario comparison"),
    "county": ("县(市、区)", "County"),
    "standard": ("评估标准", "Standard"),
    "verdict": ("结论", "Verdict"),
    "no_change": ("无变化", "no change"),
    "areas": ("评估领域变化", "Areas that changed"),
    "items": ("评估项目变化", "Items that changed"),
    "cvs": ("校际差异系数变化", "Between-school CVs that changed"),
    "schools": ("学校变化", "Schools that changed"),
    "id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "before": ("之前", "Before"),
    "after": ("之后", "After"),
    "delta": ("变化", "Change"),
    "limit": ("上限", "Limit"),
    "indicator": ("指标", "Indicator"),
    "section": ("学段", "Section"),
    "school": ("学校", "School"),
    "students": ("学生数", "Students"),
    "met": ("达标项", "Met"),
    "values": ("指标值变化", "Values changed"),
    "absent": ("(无)", "(absent)"),
    "appeared": ("新增(方案前无此学校学段)", "new (not in the report before)"),
    "gone": ("已不在报告中(撤并或迁出)", "no longer in the report (closed or emptied)"),
    "notes": ("说明", "Notes"),
    "nothing": ("两份报告没有差别。", "The two reports do not differ."),
}


def _w(key: str, lang: str) -> str:
    pair = _W[key]
    return pair[1] if lang == "en" else pair[0]


def _st(s: str | None, lang: str) -> str:
    if s is None:
        return _w("absent", lang)
    pair = STATUS.get(s)
    return (pair[1] if lang == "en" else pair[0]) if pair else s


def _verdict(v: str, lang: str) -> str:
    pair = VERDICT.get(v)
    return (pair[1] if lang == "en" else pair[0]) if pair else v


def _num(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def _signed(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:+,.{digits}f}"


def _render(c: Comparison, lang: str, markdown: bool) -> str:
    out: list[str] = []

    def heading(text: str, level: int) -> None:
        if markdown:
            out.extend(["#" * level + " " + text, ""])
        elif level == 1:
            out.extend([text, "=" * _width(text)])
        else:
            out.extend(["", "## " + text])

    def table(headers: list[str], rows: list[list[str]], right: set[int]) -> None:
        if markdown:
            out.append("| " + " | ".join(headers) + " |")
            out.append("|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|")
            out.extend("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows)
            out.append("")
        else:
            out.extend(_table(headers, rows, right))

    title = _w("title", lang)
    if c.title is not None:
        title += ": " + c.title.text(lang)
    heading(title, 1)
    county = c.county_after if c.county_after == c.county_before else f"{c.county_before} → {c.county_after}"
    std = c.standard_after if c.standard_after == c.standard_before else f"{c.standard_before} → {c.standard_after}"
    verdict = f"{_verdict(c.verdict_before, lang)} → {_verdict(c.verdict_after, lang)}"
    if not c.verdict_changed:
        verdict = f"{_verdict(c.verdict_after, lang)} ({_w('no_change', lang)})"
    lines = [
        f"{_w('county', lang)}: {county}",
        f"{_w('standard', lang)}: {std}",
        f"{_w('verdict', lang)}: {verdict}",
    ]
    out.extend([f"- {x}" for x in lines] + [""] if markdown else lines)
    if c.notes:
        heading(_w("notes", lang), 2)
        out.extend(f"- {n}" for n in c.notes)
    if not c.changed:
        out.extend(["", _w("nothing", lang)])
        return "\n".join(out).rstrip() + "\n"
    if c.areas:
        heading(_w("areas", lang), 2)
        rows = [[a.id, a.label.text(lang), _st(a.before, lang), _st(a.after, lang)] for a in c.areas]
        table([_w("id", lang), _w("name", lang), _w("before", lang), _w("after", lang)], rows, set())
    if c.items:
        heading(_w("items", lang), 2)
        rows = [[i.id, i.label.text(lang), _st(i.before, lang), _st(i.after, lang)] for i in c.items]
        table([_w("id", lang), _w("name", lang), _w("before", lang), _w("after", lang)], rows, set())
    if c.cvs:
        heading(_w("cvs", lang), 2)
        rows = [
            [
                f"{v.indicator} {v.label.text(lang)}",
                category("section", v.section, lang),
                _num(v.before),
                _num(v.after),
                _signed(v.delta),
                _num(v.limit, 2),
                f"{_st(v.result_before, lang)} → {_st(v.result_after, lang)}"
                if v.result_changed
                else _st(v.result_after, lang),
            ]
            for v in c.cvs
        ]
        headers = [_w(k, lang) for k in ("indicator", "section", "before", "after", "delta", "limit")]
        table([*headers, "Result" if lang == "en" else "结果"], rows, {2, 3, 4, 5})
    if c.schools:
        heading(_w("schools", lang), 2)
        rows = []
        for s in c.schools:
            if s.result_before is None or s.result_after is None:
                vals = _w("appeared" if s.result_before is None else "gone", lang)
            else:
                vals = "; ".join(
                    f"{v.indicator} {_num(v.before, 2)}→{_num(v.after, 2)}"
                    + (
                        f" ({_st(_met(v.met_before), lang)}→{_st(_met(v.met_after), lang)})"
                        if v.met_before != v.met_after
                        else ""
                    )
                    for v in s.values
                )
            students = (
                _num(s.students_after, 0)
                if s.students_before == s.students_after
                else f"{_num(s.students_before, 0)}→{_num(s.students_after, 0)}"
            )
            met = "—" if s.met_after is None else str(s.met_after)
            if s.met_before != s.met_after:
                met = f"{'—' if s.met_before is None else s.met_before}→{met}"
            result = (
                f"{_st(s.result_before, lang)} → {_st(s.result_after, lang)}"
                if s.result_changed
                else _st(s.result_after, lang)
            )
            rows.append([s.school_id, s.school_name, category("section", s.section, lang), students, met, result, vals])
        headers = [_w(k, lang) for k in ("id", "school", "section", "students", "met")]
        table([*headers, "Result" if lang == "en" else "结果", _w("values", lang)], rows, {3})
    return "\n".join(out).rstrip() + "\n"


def _met(m: bool | None) -> str | None:
    return None if m is None else ("pass" if m else "fail")
