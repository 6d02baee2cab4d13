"""The items section of a report: each item's status with what it read, by kind — the county values behind a
county or progress item, the failing rows of an every-row item, the composite CVs, what data is missing — and the
parameters it used; and, from the items, the missing-data and veto sections."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._base.vocabulary import SECTIONS
from .._dsl.compile import Compiled
from .._engine.evaluate import ItemArrays
from .._packs.compile import CompiledItem
from .._packs.lookback import base_name, is_previous
from .._packs.schema import Label
from .._units.registry import canonical_factor
from .build_lookback import lookback_reason, previous_label
from .county_view import CountyView, as_num, as_status, is_above, label_out
from .findings import (
    county_finding,
    cv_item_finding,
    every_item_finding,
    k_item_finding,
    missing_finding,
    progress_finding,
    row_finding,
)
from .model import (
    CompositeOut,
    EvidenceOut,
    IndicatorOut,
    ItemOut,
    LabelOut,
    MissingOut,
    ParamOut,
    RowOut,
    SchoolSectionOut,
    Status,
    VetoOut,
)
from .tracking import judged_finding, tracking_of

__all__ = ["items_section", "missing_section", "ordered_items", "vetoes_section"]

_STRUCTURE = ("school_type", "location", "ownership")
"""School fields a failing row does not list among its values (the report names them elsewhere)."""


@dataclass
class _Detail:
    """What an item shows beyond its status, filled in by the builder for its kind."""

    inputs: list[EvidenceOut] = field(default_factory=list)
    rows: list[RowOut] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    progress: float | None = None
    value: float | None = None
    target: float | None = None
    composite: list[CompositeOut] = field(default_factory=list)


def ordered_items(view: CountyView) -> list[tuple[str, CompiledItem]]:
    """The pack's items in report order: by the order of their area, then their own order."""
    pack = view.pack
    return sorted(
        view.cp.items.items(),
        key=lambda kv: (pack.areas[kv[1].spec.area].order if kv[1].spec.area in pack.areas else 0, kv[1].spec.order),
    )


def items_section(view: CountyView, schools: list[SchoolSectionOut], indicators: list[IndicatorOut]) -> list[ItemOut]:
    """Every item in report order (``schools`` and ``indicators``: the built sections a k-of-n or CV item's
    missing data is read from)."""
    return [_item(view, item_id, ci, schools, indicators) for item_id, ci in ordered_items(view)]


def _item(
    view: CountyView, item_id: str, ci: CompiledItem, schools: list[SchoolSectionOut], indicators: list[IndicatorOut]
) -> ItemOut:
    """One item: its status, citation, what it read, what is missing and the parameters it used."""
    ispec = ci.spec
    iarr = view.results.items[item_id]
    detail = _detail(view, ci, iarr, schools, indicators)
    label = LabelOut(zh=ispec.label.zh, en=ispec.label.en)
    status = _item_status(view, ci, iarr)
    looks_back = item_id in view.cp.lookback_items
    finding = _finding(view, ci, status, label, detail, schools, indicators)
    if looks_back and status == "not_evaluated":
        finding = lookback_reason(view) or finding  # the previous year is not known: say which, and why
    tracking = tracking_of(view, ci, detail.value, detail.target) if ispec.kind == "progress" else None
    if tracking is not None and status == "fail":
        finding = judged_finding(finding, tracking)  # short of the target: on track, behind or overdue?
    return ItemOut(
        id=item_id,
        area=ispec.area,
        kind=ispec.kind,
        label=label,
        status=status,
        cite=view.cite(ispec.cite),
        inputs=detail.inputs,
        rows=detail.rows,
        missing=detail.missing,
        progress=detail.progress,
        value=detail.value,
        target=detail.target,
        composite=detail.composite,
        parameters=_parameters(view, ci),
        finding=finding,
        tracking=tracking,
        looks_back=looks_back,
    )


def _finding(
    view: CountyView,
    ci: CompiledItem,
    status: Status,
    label: LabelOut,
    detail: _Detail,
    schools: list[SchoolSectionOut],
    indicators: list[IndicatorOut],
) -> LabelOut | None:
    """What is wrong with an item that fails or cannot be decided, in one sentence, by its kind."""
    if status not in ("fail", "not_evaluated"):
        return None
    kind = ci.spec.kind
    if kind == "county":
        return county_finding(view, ci, status, detail.missing)
    if kind == "progress":
        if status == "not_evaluated":
            return missing_finding(view, detail.missing)
        return progress_finding(view, ci, detail.value, detail.target)
    if kind == "every":
        return every_item_finding(detail.rows, ci.spec.level or "school")
    if kind == "k_of_n":
        return k_item_finding(schools)
    return cv_item_finding(view, indicators, ci.spec.indicators or [], detail.composite)


def _item_status(view: CountyView, ci: CompiledItem, iarr: ItemArrays) -> Status:
    """The item's status in the county; not applicable when nothing in the county is subject to it."""
    county = view.county
    status = as_status(float(iarr.status[county]))
    if ci.spec.kind in ("cv_limit", "composite_cv") and not bool(iarr.detail["applicable_any"][county]):
        status = "not_applicable"  # no school section of the county is counted by its indicators
    if ci.spec.kind == "every" and iarr.applicable is not None:
        here = view.rows_at(ci.spec.level or "school")
        if not np.any(iarr.applicable[here]):
            status = "not_applicable"  # no school (section) in this county is subject to the item
    return status


def _detail(
    view: CountyView,
    ci: CompiledItem,
    iarr: ItemArrays,
    schools: list[SchoolSectionOut],
    indicators: list[IndicatorOut],
) -> _Detail:
    """What the item shows, by its kind."""
    kind = ci.spec.kind
    if kind in ("county", "progress"):
        return _county_detail(view, ci, iarr)
    if kind == "every":
        return _every_detail(view, ci, iarr)
    if kind == "k_of_n":
        return _Detail(missing=_k_of_n_missing(schools))
    return _cv_detail(view, ci, iarr, indicators)  # cv_limit, composite_cv


def _county_detail(view: CountyView, ci: CompiledItem, iarr: ItemArrays) -> _Detail:
    """A county or progress item: the county values it read (those missing listed) and, for progress, how far
    the tracked value is towards its target."""
    ispec = ci.spec
    expr = ci.exprs.get("require") or ci.exprs.get("value")
    deps = sorted((expr.deps if expr else frozenset()) | set(ispec.evidence or ()))
    detail = _Detail()
    for name in deps:
        sym = view.cp.table.symbols.get(name)
        if sym is None or sym.level != "county" or name not in view.results.values:
            continue
        raw = float(view.results.values[name][view.county])
        detail.inputs.append(_evidence(view, name, raw))
        if math.isnan(raw):
            detail.missing.append(name)
    if ispec.kind == "progress":
        pv = float(iarr.detail["value"][view.county])
        t = float(iarr.detail["target"])
        unit_factor = canonical_factor(ispec.unit) if ispec.unit else 1.0
        detail.value, detail.target = as_num(pv / unit_factor), as_num(t / unit_factor)
        detail.progress = as_num(pv / t) if t else None
    return detail


def _evidence(view: CountyView, name: str, raw: float) -> EvidenceOut:
    """A county value an item read, as shown, with the county's evidence note for it."""
    pack = view.pack
    base = base_name(name)
    label = label_out(pack.inputs[base].label) if base in pack.inputs else None
    if is_previous(name):
        label = previous_label(pack.inputs[base].label if base in pack.inputs else _rule_label(view, base), name)
    return EvidenceOut(
        input=name,
        label=label,
        value=view.display_value(name, raw),
        evidence=view.table.evidence.get(("county", name), {}).get(view.county),
    )


def _rule_label(view: CountyView, name: str) -> Label | None:
    """The label of a derived value or an indicator (None when it has none)."""
    pack = view.pack
    if name in pack.derived:
        return pack.derived[name].label
    return pack.indicators[name].label if name in pack.indicators else None


def _every_detail(view: CountyView, ci: CompiledItem, iarr: ItemArrays) -> _Detail:
    """An every-row item: the county's rows subject to it that fail or lack data, with the values behind them;
    those lacking data also listed as missing with the inputs they lack."""
    detail = _Detail()
    if iarr.row_status is None or iarr.applicable is None:
        return detail
    level = ci.spec.level or "school"
    expr = ci.exprs["require"]
    for r in view.rows_at(level):
        if not iarr.applicable[r]:
            continue
        st = float(iarr.row_status[r])
        if st == 1.0:
            continue
        s_idx = int(r) if level == "school" else int(view.school_of[r])
        row = RowOut(
            school_id=view.school_id(s_idx),
            school_name=view.school_name(s_idx),
            section=SECTIONS[int(view.sec_codes[r])] if level == "section" else None,
            result=as_status(st),
            values=_row_values(view, ci, expr, level, int(r)),
        )
        detail.rows.append(row.model_copy(update={"finding": row_finding(view, ci, level, int(r), row)}))
        if math.isnan(st):
            names = view.missing_inputs(expr.deps, int(r), level)
            detail.missing.append(f"{view.school_id(s_idx)}: {', '.join(names) or 'data'}")
    return detail


def _row_values(
    view: CountyView, ci: CompiledItem, expr: Compiled, level: str, r: int
) -> dict[str, float | str | None]:
    """The values an every-row item read for row ``r`` of ``level``, as shown, then the parameters it used."""
    vals: dict[str, float | str | None] = {}
    values = view.results.values
    for name in sorted(expr.deps | set(ci.spec.evidence or ())):
        sym = view.cp.table.symbols.get(name)
        if sym is None or name not in values or name in _STRUCTURE:
            continue
        if is_above(sym.level, level):
            idx = r if sym.level == level else int(view.table.ancestor(sym.level, level)[r])
            dv = view.display_value(name, float(values[name][idx]))
            vals[name] = dv if not isinstance(dv, bool) else ("true" if dv else "false")
        elif sym.dtype.kind == "number":
            # a value from below the row's level (e.g. section students in a school row): its total
            below = view.table.ancestor(level, sym.level) == r
            dv = view.display_value(name, float(np.sum(values[name][below])))
            vals[f"{name} (sum)"] = dv if not isinstance(dv, bool) else None
    for pname in sorted(expr.params):
        pval = view.param_value(pname, level, r)
        if pval is not None:
            vals[f"params.{pname}"] = pval
    return vals


def _k_of_n_missing(schools: list[SchoolSectionOut]) -> list[str]:
    """The school sections whose k-of-n result is unknown, with the inputs they lack."""
    return [
        f"{so.school_id} ({so.section}): {', '.join(so.missing) or 'data'}"
        for so in schools
        if so.result == "not_evaluated"
    ]


def _cv_detail(view: CountyView, ci: CompiledItem, iarr: ItemArrays, indicators: list[IndicatorOut]) -> _Detail:
    """A CV item: the composite CVs per section (composite items) and the CVs of its indicators that could not be
    judged, with the schools lacking data."""
    ispec = ci.spec
    detail = _Detail()
    if ispec.kind == "composite_cv":
        detail.composite = _composite(view, iarr)
    for ind_o in indicators:
        if ispec.indicators and ind_o.id in ispec.indicators:
            for cvo in ind_o.sections:
                if cvo.result == "not_evaluated":
                    who = ", ".join(cvo.missing_schools) or "county mean is zero"
                    detail.missing.append(f"{ind_o.id} {cvo.section}: {who}")
    return detail


def _composite(view: CountyView, iarr: ItemArrays) -> list[CompositeOut]:
    """A composite CV item's CV, limit and result per section."""
    county = view.county
    out: list[CompositeOut] = []
    for section, comp in iarr.detail.get("composite", {}).items():
        applicable = bool(comp["applicable"][county])
        out.append(
            CompositeOut(
                section=section,
                cv=as_num(comp["cv"][county]),
                cv_compared=as_num(comp["compared"][county]),
                limit=as_num(comp["limit"][county]),
                result=as_status(float(comp["result"][county])) if applicable else "not_applicable",
            )
        )
    return out


def _parameters(view: CountyView, ci: CompiledItem) -> list[ParamOut]:
    """The pack parameters the item used (in its expressions or as its k, floor, target or limit), by name, with
    where each was set."""
    used: set[str] = set()
    for c in ci.exprs.values():
        used |= set(c.params)
    for key in ("k", "floor", "target", "limit"):
        ref = getattr(ci.spec, key, None)
        if isinstance(ref, str) and ref.startswith("params."):
            used.add(ref.removeprefix("params."))
    out: list[ParamOut] = []
    for pname in sorted(used):
        pspec = view.pack.parameters.get(pname)
        if pspec is None:
            continue
        out.append(
            ParamOut(
                name=pname,
                label=label_out(pspec.label),
                unit=pspec.unit,
                value=pspec.value,
                set_by=view.origin([f"parameters.{pname}.value", f"parameters.{pname}"], pspec.cite),
            )
        )
    return out


def missing_section(view: CountyView, items: list[ItemOut]) -> list[MissingOut]:
    """The items of required areas that could not be evaluated, with what data they lack."""
    out: list[MissingOut] = []
    reason = lookback_reason(view)
    for item in items:
        area = view.pack.areas.get(item.area)
        if item.status == "not_evaluated" and area is not None and area.required:
            why = reason if item.looks_back else None
            out.append(MissingOut(item=item.id, label=item.label, what=item.missing, reason=why))
    return out


def vetoes_section(view: CountyView, items: list[ItemOut]) -> list[VetoOut]:
    """The failed items of veto areas (any one fails the county), with the county values they read."""
    out: list[VetoOut] = []
    for item in items:
        area = view.pack.areas.get(item.area)
        if item.status == "fail" and area is not None and area.veto:
            out.append(VetoOut(item=item.id, label=item.label, evidence=item.inputs))
    return out
