"""The computed-figures section of a report (``computed``): each county figure qbalance can compute instead of the
county typing it, and which it was — the survey's satisfaction rate with its breakdown by respondent group, the
county totals counted from a teacher roster, and the inputs the pack computes from other inputs (the junior
retention rate from the cohort counts) with the values the formula read.

A typed value is always the one the items read, and the entry says so (``origin: typed``); a computed value that
differs from it, or one outside the input's range, is also a warning.
"""

from __future__ import annotations

import math
from typing import Any

from .._base.messages import msg, text
from .._data.computed import ComputedFact, computed_facts
from .._dsl.compile import Compiled
from .._packs.schema import Cite
from .county_view import CountyView, label_out
from .model import ComputedOut, EvidenceOut, LabelOut, Origin, SurveyGroupOut, WarningOut

__all__ = ["computed_section"]


def computed_section(view: CountyView) -> tuple[list[ComputedOut], list[WarningOut]]:
    """Every figure the pack can compute for the county, in a fixed order (survey, roster totals, formulas), and the
    warnings about the formulas' values (those of the survey and the roster are already the table's)."""
    pack = view.pack
    records = {r.input: r for r in computed_facts(view.table, view.county)}
    out: list[ComputedOut] = []
    if pack.survey is not None:
        out.append(_recorded(view, pack.survey.input, "survey", records, pack.survey.cite))
    if pack.roster is not None:
        for name, total in pack.roster.totals.items():
            out.append(_recorded(view, name, "roster", records, total.cite))
    warnings: list[WarningOut] = []
    for name, compiled in view.cp.fallbacks.items():
        decl = pack.inputs[name]
        if decl.level == "county":
            entry, found = _formula(view, name, compiled)
            out.append(entry)
            warnings.extend(found)
    return out, warnings


def _shown(view: CountyView, name: str, raw: float | None) -> float | None:
    """A base-unit value in the input's declared unit (None when missing)."""
    if raw is None or math.isnan(raw):
        return None
    value = view.display_value(name, raw)
    return value if isinstance(value, float) else None


def _base(view: CountyView, name: str, method: str, cite: Cite | None) -> dict[str, Any]:
    """The fields every entry has: the input, its label and unit, the value the items read, and the citation."""
    decl = view.pack.inputs.get(name)
    used = view.results.values.get(name)
    raw = float(used[view.county]) if used is not None else math.nan
    return {
        "input": name,
        "label": label_out(decl.label) if decl is not None else None,
        "method": method,
        "value": _shown(view, name, raw),
        "unit": decl.unit if decl is not None else "1",
        "cite": view.cite(cite),
    }


def _recorded(
    view: CountyView, name: str, method: str, records: dict[str, ComputedFact], cite: Cite | None
) -> ComputedOut:
    """A survey or roster figure: from its record when the county gave the survey or roster, else typed/missing."""
    base = _base(view, name, method, cite)
    record = records.get(name)
    if record is None:
        origin = _origin("typed" if base["value"] is not None else "missing")
        return ComputedOut(origin=origin, typed=base["value"], **base)
    extra: dict[str, Any] = {}
    if record.survey is not None:
        s = record.survey
        extra = {
            "respondents": s.respondents,
            "n": s.n,
            "satisfied": s.satisfied,
            "weighting": s.weighting,
            "groups": [
                SurveyGroupOut(
                    group=g.group,
                    label=LabelOut(zh=g.label.zh, en=g.label.en),
                    respondents=g.respondents,
                    n=g.n,
                    satisfied=g.satisfied,
                    rate=g.rate,
                    weight=g.weight,
                    min_sample=g.min_sample,
                    below_minimum=g.short,
                )
                for g in s.groups
            ],
        }
    if record.roster is not None:
        extra = {"teachers": record.roster.teachers, "where": record.roster.where}
    return ComputedOut(
        origin=_origin(record.origin),
        typed=_shown(view, name, record.typed),
        computed=_shown(view, name, record.computed),
        source=record.source,
        **base,
        **extra,
    )


def _formula(view: CountyView, name: str, compiled: Compiled) -> tuple[ComputedOut, list[WarningOut]]:
    """An input the pack computes from other inputs: typed or computed, the formula and the values it read."""
    decl = view.pack.inputs[name]
    assert decl.computed is not None
    base = _base(view, name, "expression", decl.computed.cite)
    column = view.table.levels["county"].columns.get(name)
    typed = _shown(view, name, float(column[view.county]) if column is not None else None)
    raw = float(view.results.computed[name][view.county])
    shown = _shown(view, name, raw if math.isfinite(raw) else None)
    origin = _origin("typed" if typed is not None else ("computed" if base["value"] is not None else "missing"))
    inputs = [
        EvidenceOut(
            input=dep,
            label=label_out(view.pack.inputs[dep].label) if dep in view.pack.inputs else None,
            value=view.display_value(dep, float(view.results.values[dep][view.county])),
        )
        for dep in sorted(compiled.deps)
        if dep in view.results.values
    ]
    entry = ComputedOut(
        origin=origin,
        typed=typed,
        computed=shown,
        expression=" ".join(decl.computed.expression.split()),
        inputs=inputs,
        **base,
    )
    return entry, _formula_warnings(name, decl, typed, shown)


def _formula_warnings(name: str, decl: Any, typed: float | None, shown: float | None) -> list[WarningOut]:
    """A computed value outside the input's range (treated as missing), or one that differs from the typed value."""
    low, high = decl.min, decl.max
    if shown is not None and ((low is not None and shown < low) or (high is not None and shown > high)):
        bounds = {"low": "-∞" if low is None else f"{low:g}", "high": "∞" if high is None else f"{high:g}"}
        return [_warning(name, "compute.computed_out_of_range", decl, value=f"{shown:.6g}", **bounds)]
    if typed is not None and shown is not None and not math.isclose(typed, shown, rel_tol=1e-9):
        return [_warning(name, "compute.typed_differs", decl, typed=f"{typed:.6g}", computed=f"{shown:.6g}")]
    return []


def _origin(text: str) -> Origin:
    """A record's origin as the report's word: typed, computed or missing."""
    if text == "typed":
        return "typed"
    return "computed" if text == "computed" else "missing"


def _warning(name: str, key: str, decl: Any, **args: Any) -> WarningOut:
    """A warning about a computed input, in English like the table's warnings (its key renders it in Chinese)."""
    label = decl.label
    how = {"method": text("compute.method.expression", "zh"), "method_en": text("compute.method.expression", "en")}
    m = msg(key, field=label.zh, field_en=label.en or label.zh, **how, **args)
    return WarningOut(message=m.text("en"), field=f"facts.{name}")
