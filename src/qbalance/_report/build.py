"""Build the typed report of one county from the engine's columnar results."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._base.vocabulary import CATEGORY_LABELS, SECTIONS
from .._engine.evaluate import Results
from .._engine.shortfall import needed_addition
from .._packs.schema import Cite, Label, Pack
from .._units.registry import canonical_factor
from .model import (
    AreaOut,
    CiteOut,
    CompositeOut,
    ContributorOut,
    CountyOut,
    CvOut,
    EvidenceOut,
    ExcludedOut,
    IndicatorOut,
    ItemOut,
    LabelOut,
    MissingOut,
    ParamOut,
    Provenance,
    RowOut,
    RuleOrigin,
    SchoolSectionOut,
    Status,
    ValueOut,
    Verdict,
    VetoOut,
    WarningOut,
)
from .report import Report

__all__ = ["build_report"]


def _num(x: Any) -> float | None:
    v = float(x)
    return v if math.isfinite(v) else None


def _status(x: float) -> Status:
    if math.isnan(x):
        return "not_evaluated"
    return "pass" if x == 1.0 else "fail"


def _bool(x: float) -> bool | None:
    return None if math.isnan(x) else bool(x == 1.0)


def _label(lbl: Label | None) -> LabelOut | None:
    return LabelOut(zh=lbl.zh, en=lbl.en) if lbl is not None else None


def _cite(pack: Pack, cite: Cite | None) -> CiteOut | None:
    if cite is None:
        return None
    src = pack.sources.get(cite.source)
    return CiteOut(
        source=cite.source,
        document=src.document if src else None,
        title=_label(src.title) if src else None,
        clause=cite.clause,
        text=cite.text,
        note=cite.note,
    )


def _category(field: str, code: float) -> str:
    from .._base.vocabulary import LOCATIONS, SCHOOL_TYPES

    domain = {"school_type": SCHOOL_TYPES, "location": LOCATIONS}[field]
    return domain[int(code)]


def _origin(pack: Pack, origins: dict[str, Any], keys: list[str], own_cite: Cite | None) -> RuleOrigin | None:
    """The most specific recorded origin among ``keys`` (most specific first), with its citation."""
    for key in keys:
        o = origins.get(key)
        if o is None:
            continue
        cite = own_cite if o.op == "define" else (Cite.model_validate(o.cite) if o.cite else None)
        src = pack.sources.get(cite.source) if cite else None
        return RuleOrigin(
            pack=o.pack,
            version=o.version,
            change=o.op,
            source=cite.source if cite else None,
            document=(src.document or src.title.zh) if src else None,
            clause=cite.clause if cite else None,
            text=cite.text if cite else None,
        )
    return None


def build_report(
    results: Results,
    county: int,
    provenance: Provenance,
    extra_warnings: list[WarningOut] | None = None,
    origins: dict[str, Any] | None = None,
) -> Report:
    """The report of county number ``county`` in ``results``."""
    table, cp = results.table, results.pack
    pack = cp.pack
    sec = table.levels["section"]
    school_of = table.ancestor("school", "section")
    county_of_sec = table.ancestor("county", "section")
    county_of_school = table.ancestor("county", "school")
    origins = origins or {}
    rows = np.flatnonzero(county_of_sec == county)
    schools_here = np.flatnonzero(county_of_school == county)
    sec_codes = sec.columns["section"].astype(np.int64)
    students = sec.columns["students"]
    stype = table.levels["school"].columns["school_type"]
    loc = table.levels["school"].columns["location"]

    def missing_inputs(deps: frozenset[str], row: int, level: str) -> list[str]:
        out = []
        for name in sorted(deps):
            sym = cp.table.symbols.get(name)
            if sym is None or name not in results.values or sym.level not in ("county", "school", "section"):
                continue
            values = results.values[name]
            if _is_above(sym.level, level):
                idx = row if sym.level == level else int(table.ancestor(sym.level, level)[row])
                gap = math.isnan(float(values[idx]))
            else:  # a value below the row's level: missing if any of the row's parts lacks it
                gap = bool(np.any(np.isnan(values[table.ancestor(level, sym.level) == row])))
            if gap:
                out.append(name)
        return out

    # indicators and CVs
    indicators_out: list[IndicatorOut] = []
    for iid, ind in cp.indicators.items():
        arr = results.indicators[iid]
        sections_out: list[CvOut] = []
        for section in pack.sections:
            code = SECTIONS.index(section)
            cva = arr.cv.get(section)
            mask_rows = rows[(sec_codes[rows] == code) & arr.in_scope[rows]]
            missing_ids = [table.school_ids[school_of[r]] for r in mask_rows if math.isnan(arr.value[r])]
            if cva is None:
                continue
            n = int(cva.stats.count[county])
            if n == 0:
                result: Status = "not_applicable"
            elif not cva.judged:  # shown for a composite: only missing data is worth flagging
                result = "not_evaluated" if missing_ids else "not_applicable"
            else:
                result = _status(float(cva.result[county]))
            sections_out.append(
                CvOut(
                    section=section,
                    schools=n,
                    students=_num(students[mask_rows].sum()) if n else None,
                    county_value=_num(cva.stats.mean[county]),
                    std=_num(cva.stats.std[county]),
                    cv=_num(cva.stats.cv[county]),
                    cv_compared=_num(cva.compared[county]),
                    limit=_num(cva.limit),
                    result=result,
                    missing_schools=missing_ids,
                    top_contributors=_contributors(table, school_of, arr.value, arr.weight, mask_rows)
                    if n and not missing_ids
                    else [],
                    threshold_set_by=_origin(
                        pack,
                        origins,
                        [f"indicators.{iid}.threshold.{section}", f"indicators.{iid}.threshold", f"indicators.{iid}"],
                        ind.spec.cite,
                    ),
                )
            )
        thr = {
            s: float(ind.threshold[SECTIONS.index(s)])
            for s in pack.sections
            if math.isfinite(ind.threshold[SECTIONS.index(s)])
        }
        indicators_out.append(
            IndicatorOut(
                id=iid,
                label=LabelOut(zh=ind.spec.label.zh, en=ind.spec.label.en),
                short=_label(ind.spec.short),
                unit=ind.spec.unit,
                unit_label=_label(ind.spec.unit_label),
                compare=ind.spec.compare,
                threshold=thr,
                cite=_cite(pack, ind.spec.cite),
                threshold_set_by=_origin(
                    pack, origins, [f"indicators.{iid}.threshold", f"indicators.{iid}"], ind.spec.cite
                ),
                sections=sections_out,
            )
        )

    # per school section (k-of-n items)
    schools_out: list[SchoolSectionOut] = []
    kn_items = [i for i, ci in cp.items.items() if ci.spec.kind == "k_of_n"]
    kn = results.items[kn_items[0]] if kn_items else None
    kn_ids: list[str] = kn.detail["indicators"] if kn is not None else list(cp.indicators)
    if kn is not None and kn.applicable is not None:
        listed = kn.applicable
    elif kn_ids:
        listed = np.logical_and.reduce([results.indicators[i].in_scope for i in kn_ids])
    else:
        listed = np.zeros(sec.n, dtype=bool)
    for r in rows:
        if not listed[r]:
            continue
        values: list[ValueOut] = []
        raw_values: list[dict[str, Any]] = []
        met_count = 0
        missing: list[str] = []
        for j, iid in enumerate(kn_ids):
            arr = results.indicators[iid]
            met = _bool(float(arr.met[r])) if math.isfinite(float(arr.threshold[r])) else None
            met_count += 1 if met else 0
            if math.isnan(arr.value[r]):
                missing.extend(f"{iid}: {m}" for m in missing_inputs(cp.indicators[iid].value.deps, int(r), "section"))
            shortfall = None
            slopes = results.slopes(iid) if met is False else None
            if slopes is not None:
                shortfall = needed_addition(
                    float(arr.threshold[r] - arr.value[r]), float(slopes.per_unit[r]), slopes.integer
                )
            raw_values.append(
                {
                    "indicator": iid,
                    "value": _num(arr.value[r]),
                    "threshold": _num(arr.threshold[r]),
                    "ratio": _num(arr.ratio[r]),
                    "met": met,
                    "floor_ok": _bool(float(kn.detail["floor_ok"][r, j])) if kn is not None else None,
                    "shortfall": shortfall,
                    "shortfall_input": slopes.input if slopes is not None else None,
                    "shortfall_unit": slopes.unit if slopes is not None else None,
                }
            )
        tolerated = _tolerated(raw_values, kn.detail["k"] if kn is not None else None)
        for v in raw_values:
            values.append(ValueOut(**v, tolerated=(v["indicator"] in tolerated) if v["met"] is False else None))
        if kn is not None:
            floor_vals = kn.detail["floor_ok"][r]
            if np.any(floor_vals == 0):
                floor_ok: bool | None = False
            else:
                floor_ok = None if np.any(np.isnan(floor_vals)) else True
            assert kn.row_status is not None
            result = _status(float(kn.row_status[r]))
            required: float | None = kn.detail["k"]
        else:
            floor_ok, result, required = None, "not_applicable", None
        s_idx = int(school_of[r])
        schools_out.append(
            SchoolSectionOut(
                school_id=table.school_ids[s_idx],
                school_name=table.school_names[s_idx],
                section=SECTIONS[int(sec_codes[r])],
                school_type=_category("school_type", stype[s_idx]),
                location=_category("location", loc[s_idx]),
                students=float(students[r]),
                values=values,
                met_count=met_count,
                required=required,
                floor_ok=floor_ok,
                result=result,
                missing=missing,
            )
        )

    # exclusions
    excluded_out: list[ExcludedOut] = []
    for sid, scope in results.scopes.items():
        for r in rows:
            for reason_id, mask in scope.reasons.items():
                if not mask[r]:
                    continue
                if reason_id == "no_students":
                    reason = LabelOut(zh="该学段无在校学生", en="no students in this section")
                else:
                    spec = pack.scopes[sid].exclude[reason_id]
                    reason = LabelOut(zh=spec.reason.zh, en=spec.reason.en)
                s_idx = int(school_of[r])
                excluded_out.append(
                    ExcludedOut(
                        school_id=table.school_ids[s_idx],
                        school_name=table.school_names[s_idx],
                        section=SECTIONS[int(sec_codes[r])],
                        scope=sid,
                        reason_id=reason_id,
                        reason=reason,
                    )
                )

    # items
    items_out: list[ItemOut] = []
    missing_out: list[MissingOut] = []
    vetoes_out: list[VetoOut] = []
    ordered_items = sorted(
        cp.items.items(),
        key=lambda kv: (pack.areas[kv[1].spec.area].order if kv[1].spec.area in pack.areas else 0, kv[1].spec.order),
    )
    for item_id, ci in ordered_items:
        iarr = results.items[item_id]
        status = _status(float(iarr.status[county]))
        if ci.spec.kind in ("cv_limit", "composite_cv") and not bool(iarr.detail["applicable_any"][county]):
            status = "not_applicable"  # no school section of the county is counted by its indicators
        if ci.spec.kind == "every" and iarr.applicable is not None:
            here = schools_here if (ci.spec.level or "school") == "school" else rows
            if not np.any(iarr.applicable[here]):
                status = "not_applicable"  # no school (section) in this county is subject to the item
        ispec = ci.spec
        evid: list[EvidenceOut] = []
        rows_out: list[RowOut] = []
        missing_what: list[str] = []
        progress = None
        value_out = target_out = None
        composite_out: list[CompositeOut] = []
        if ispec.kind == "composite_cv":
            for section, comp in iarr.detail.get("composite", {}).items():
                applicable = bool(comp["applicable"][county])
                composite_out.append(
                    CompositeOut(
                        section=section,
                        cv=_num(comp["cv"][county]),
                        cv_compared=_num(comp["compared"][county]),
                        limit=_num(comp["limit"][county]),
                        result=_status(float(comp["result"][county])) if applicable else "not_applicable",
                    )
                )
        if ispec.kind == "county" or ispec.kind == "progress":
            expr = ci.exprs.get("require") or ci.exprs.get("value")
            deps = sorted((expr.deps if expr else frozenset()) | set(ispec.evidence or ()))
            for name in deps:
                sym = cp.table.symbols.get(name)
                if sym is None or sym.level != "county" or name not in results.values:
                    continue
                raw = float(results.values[name][county])
                evid.append(
                    EvidenceOut(
                        input=name,
                        label=_label(pack.inputs[name].label) if name in pack.inputs else None,
                        value=_display_value(cp, name, raw),
                        evidence=table.evidence.get(("county", name), {}).get(county),
                    )
                )
                if math.isnan(raw):
                    missing_what.append(name)
            if ispec.kind == "progress":
                pv = float(iarr.detail["value"][county])
                t = float(iarr.detail["target"])
                unit_factor = canonical_factor(ispec.unit) if ispec.unit else 1.0
                value_out, target_out = _num(pv / unit_factor), _num(t / unit_factor)
                progress = _num(pv / t) if t else None
        elif ispec.kind == "every" and iarr.row_status is not None and iarr.applicable is not None:
            level = ispec.level or "school"
            lvl_rows = schools_here if level == "school" else rows
            expr = ci.exprs["require"]
            for r in lvl_rows:
                if not iarr.applicable[r]:
                    continue
                st = float(iarr.row_status[r])
                if st == 1.0:
                    continue
                s_idx = int(r) if level == "school" else int(school_of[r])
                vals: dict[str, float | str | None] = {}
                for name in sorted(expr.deps | set(ispec.evidence or ())):
                    sym = cp.table.symbols.get(name)
                    if sym is None or name not in results.values or name in ("school_type", "location", "ownership"):
                        continue
                    if _is_above(sym.level, level):
                        idx = int(r) if sym.level == level else int(table.ancestor(sym.level, level)[r])
                        dv = _display_value(cp, name, float(results.values[name][idx]))
                        vals[name] = dv if not isinstance(dv, bool) else ("true" if dv else "false")
                    elif sym.dtype.kind == "number":
                        # a value from below the row's level (e.g. section students in a school row): its total
                        below = table.ancestor(level, sym.level) == r
                        total = float(np.sum(results.values[name][below]))
                        dv = _display_value(cp, name, total)
                        vals[f"{name} (sum)"] = dv if not isinstance(dv, bool) else None
                for pname in sorted(expr.params):
                    pval = _param_value(cp, results, pname, level, int(r))
                    if pval is not None:
                        vals[f"params.{pname}"] = pval
                rows_out.append(
                    RowOut(
                        school_id=table.school_ids[s_idx],
                        school_name=table.school_names[s_idx],
                        section=SECTIONS[int(sec_codes[r])] if level == "section" else None,
                        result=_status(st),
                        values=vals,
                    )
                )
                if math.isnan(st):
                    names = missing_inputs(expr.deps, int(r), level)
                    missing_what.append(f"{table.school_ids[s_idx]}: {', '.join(names) or 'data'}")
        elif ispec.kind == "k_of_n":
            for so in schools_out:
                if so.result == "not_evaluated":
                    missing_what.append(f"{so.school_id} ({so.section}): {', '.join(so.missing) or 'data'}")
        if ispec.kind in ("cv_limit", "composite_cv"):
            for ind_o in indicators_out:
                if ispec.indicators and ind_o.id in ispec.indicators:
                    for cvo in ind_o.sections:
                        if cvo.result == "not_evaluated":
                            who = ", ".join(cvo.missing_schools) or "county mean is zero"
                            missing_what.append(f"{ind_o.id} {cvo.section}: {who}")
        used: set[str] = set()
        for c in ci.exprs.values():
            used |= set(c.params)
        for key in ("k", "floor", "target", "limit"):
            ref = getattr(ispec, key, None)
            if isinstance(ref, str) and ref.startswith("params."):
                used.add(ref.removeprefix("params."))
        params_out: list[ParamOut] = []
        for pname in sorted(used):
            pspec = pack.parameters.get(pname)
            if pspec is None:
                continue
            params_out.append(
                ParamOut(
                    name=pname,
                    label=_label(pspec.label),
                    unit=pspec.unit,
                    value=pspec.value,
                    set_by=_origin(pack, origins, [f"parameters.{pname}.value", f"parameters.{pname}"], pspec.cite),
                )
            )
        items_out.append(
            ItemOut(
                id=item_id,
                area=ispec.area,
                kind=ispec.kind,
                label=LabelOut(zh=ispec.label.zh, en=ispec.label.en),
                status=status,
                cite=_cite(pack, ispec.cite),
                inputs=evid,
                rows=rows_out,
                missing=missing_what,
                progress=progress,
                value=value_out,
                target=target_out,
                composite=composite_out,
                parameters=params_out,
            )
        )
        area = pack.areas.get(ispec.area)
        if status == "not_evaluated" and area is not None and area.required:
            missing_out.append(
                MissingOut(item=item_id, label=LabelOut(zh=ispec.label.zh, en=ispec.label.en), what=missing_what)
            )
        if status == "fail" and area is not None and area.veto:
            vetoes_out.append(
                VetoOut(item=item_id, label=LabelOut(zh=ispec.label.zh, en=ispec.label.en), evidence=evid)
            )

    areas_out = [
        AreaOut(
            id=aid,
            label=LabelOut(zh=a.label.zh, en=a.label.en),
            status=_status(float(results.areas[aid][county])),
            required=a.required,
            veto=a.veto,
            items=[i for i, ci in ordered_items if ci.spec.area == aid],
        )
        for aid, a in sorted(pack.areas.items(), key=lambda kv: kv[1].order)
    ]
    vv = float(results.verdict[county])
    verdict: Verdict = "incomplete" if math.isnan(vv) else ("pass" if vv == 1.0 else "fail")

    warnings_out = list(extra_warnings or []) + [
        WarningOut(
            message=w.message,
            school_id=w.school_id,
            field=w.field,
            value=w.value if isinstance(w.value, (int, float, str)) and not isinstance(w.value, bool) else None,
        )
        for w in table.warnings_for(county)
    ]
    meta = table.meta[county] if county < len(table.meta) else {}
    return Report(
        provenance=provenance,
        county=CountyOut(
            code=table.county_codes[county],
            name=table.county_names[county],
            year=meta.get("year"),
            synthetic=bool(meta.get("synthetic", False)),
        ),
        verdict=verdict,
        areas=areas_out,
        vetoes=vetoes_out,
        missing=missing_out,
        items=items_out,
        indicators=indicators_out,
        schools=schools_out,
        excluded=excluded_out,
        warnings=warnings_out,
    )


def _param_value(cp: Any, results: Results, name: str, level: str, row: int) -> float | None:
    """A parameter's value as it applied to one row, in the parameter's declared unit."""
    spec = cp.pack.parameters.get(name)
    sym = cp.table.params.get(name)
    if spec is None or sym is None or isinstance(spec.value, bool):
        return None
    factor = canonical_factor(spec.unit)
    if sym.by is None:
        return _num(float(sym.value) / factor) if sym.value is not None else None
    by_sym = cp.table.symbols[sym.by]
    if not _is_above(by_sym.level, level):
        return None
    table = results.table
    idx = row if by_sym.level == level else int(table.ancestor(by_sym.level, level)[row])
    code = float(results.values.get(sym.by, table.levels[by_sym.level].columns[sym.by])[idx])
    if math.isnan(code):
        return None
    return _num(float(cp.param_tables[name][int(code)]) / factor)


def _contributors(
    table: Any, school_of: np.ndarray, value: np.ndarray, weight: np.ndarray, rows: np.ndarray, top: int = 5
) -> list[ContributorOut]:
    x, w = value[rows], weight[rows]
    if x.size < 2 or not np.all(np.isfinite(x)) or not np.sum(w) > 0:
        return []
    mean = float(np.sum(w * x) / np.sum(w))
    dev = w * (x - mean) ** 2
    total = float(np.sum(dev))
    if total <= 0:
        return []
    order = np.argsort(-dev, kind="stable")[:top]
    out = []
    for j in order:
        r = int(rows[j])
        s_idx = int(school_of[r])
        out.append(
            ContributorOut(
                school_id=table.school_ids[s_idx],
                school_name=table.school_names[s_idx],
                value=float(x[j]),
                share=float(dev[j] / total),
                side="below" if x[j] < mean else "above",
            )
        )
    return out


def _tolerated(values: list[dict[str, Any]], k: float | None) -> set[str]:
    """Which unmet indicators the k-of-n rule lets fall short: up to n − k of those at or above their floor,
    preferring the largest gaps (the costliest to close)."""
    if k is None:
        return set()
    n = len(values)
    allowed = max(0, n - math.ceil(k))
    candidates = [v for v in values if v["met"] is False and v["floor_ok"] is True and v["ratio"] is not None]
    candidates.sort(key=lambda v: v["ratio"])
    return {v["indicator"] for v in candidates[:allowed]}


def _is_above(upper: str, lower: str) -> bool:
    order = {"county": 0, "school": 1, "section": 2}
    return order.get(upper, 9) <= order.get(lower, 9)


def _display_value(cp: Any, name: str, raw: float) -> float | str | bool | None:
    """An input value as a person reads it: number in its declared unit, rating/category id, or yes/no."""
    if math.isnan(raw):
        return None
    pack = cp.pack
    decl = pack.inputs.get(name)
    sym = cp.table.symbols.get(name)
    if sym is not None and sym.dtype.kind == "category":
        cats = sym.dtype.categories
        return cats[int(raw)] if 0 <= int(raw) < len(cats) else None
    if sym is not None and sym.dtype.kind == "bool":
        return bool(raw == 1.0)
    if decl is not None:
        factor = cp.input_factors.get(name, 1.0)
        return float(f"{raw / factor:.10g}")
    if name in CATEGORY_LABELS:
        return None
    # an indicator or a derived value: in the unit the pack declares for it (per 100 students, not per student)
    declared = pack.indicators[name].unit if name in pack.indicators else None
    if declared is None and name in pack.derived:
        declared = pack.derived[name].unit
    if declared:
        return float(f"{raw / canonical_factor(declared):.10g}")
    return raw
