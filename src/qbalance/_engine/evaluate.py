"""Run a compiled pack over a table: scopes, indicators, items, areas and the verdict, for every county at once.

The result is columnar (:class:`Results`): arrays per section row, per school and per county. Reports for one
county are built from it by :mod:`qbalance._report`; the batch path reads the same arrays into tables. There is one
evaluation path: a single county is a batch of one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

from .._data.previous import PreviousData
from .._data.table import Table
from .._kernels.numeric import (
    GroupStats,
    compare,
    group_totals,
    grouped_weighted_stats,
    k_of_n,
    kleene_all,
    round_half_up,
)
from .._packs.compile import STRUCTURAL, CompiledPack
from .._packs.lookback import is_previous
from .runtime import Runtime
from .shortfall import indicator_slopes

__all__ = ["FloorColumns", "IndicatorArrays", "ItemArrays", "Results", "evaluate_table"]

SECTION_CODES = {"primary": 0, "junior": 1}


@dataclass
class ScopeArrays:
    """Which section rows a scope counts, and why the others are left out."""

    in_scope: np.ndarray
    reasons: dict[str, np.ndarray]
    """Exclusion id → section-row mask of rows it excludes (several may apply to one row)."""


@dataclass
class CvArrays:
    """Coefficient of variation of one indicator in one section, per county."""

    stats: GroupStats
    compared: np.ndarray
    limit: float
    result: np.ndarray
    judged: bool = True
    """False when the CV is shown but not compared by itself (it enters a composite)."""


@dataclass
class IndicatorArrays:
    """One indicator's values for every section row, in its declared unit, with its thresholds.

    The per-row threshold and ratio are made when first asked for (a report, the batch's school table): the verdict
    needs them only for a moment, and a nation's columns cost memory (and, on a fresh page, time)."""

    value: np.ndarray
    by_section: np.ndarray
    """The threshold of each section code."""
    sections: np.ndarray
    """The section code of each row."""
    met: np.ndarray
    weight: np.ndarray
    in_scope: np.ndarray
    cv: dict[str, CvArrays] = field(default_factory=dict)
    _threshold: np.ndarray | None = field(default=None, repr=False)
    _ratio: np.ndarray | None = field(default=None, repr=False)

    @property
    def threshold(self) -> np.ndarray:
        """The threshold of each row (kept once asked for)."""
        if self._threshold is None:
            self._threshold = self.row_thresholds()
        return self._threshold

    def row_thresholds(self) -> np.ndarray:
        """The threshold of each row: the one kept, else made now and not kept."""
        if self._threshold is not None:
            return self._threshold
        return self.by_section[self.sections] if self.sections.size else np.zeros(0)

    @property
    def ratio(self) -> np.ndarray:
        """value / threshold per row (NaN where the threshold is 0)."""
        if self._ratio is None:
            with np.errstate(invalid="ignore", divide="ignore"):
                self._ratio = np.where(self.threshold != 0, self.value / self.threshold, np.nan)
        return self._ratio


class FloorColumns(Sequence[np.ndarray]):
    """Per indicator of a k-of-n item, whether each row's value is at least ``floor`` × its threshold (three-valued):
    made again from the values when a report first asks for an indicator's column, then kept (the evaluation uses
    them once, and a nation's columns cost memory)."""

    def __init__(self, indicators: list[IndicatorArrays], floor: float, tolerance: float) -> None:
        self._indicators, self._floor, self._tol = indicators, floor, tolerance
        self._made: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._indicators)

    @overload
    def __getitem__(self, j: int) -> np.ndarray: ...
    @overload
    def __getitem__(self, j: slice) -> list[np.ndarray]: ...
    def __getitem__(self, j: int | slice) -> np.ndarray | list[np.ndarray]:
        if isinstance(j, slice):
            return [self[i] for i in range(len(self))[j]]
        j = range(len(self))[j]
        if j not in self._made:
            self._made[j] = self.column(j)
        return self._made[j]

    def column(self, j: int) -> np.ndarray:
        """Indicator ``j``'s column, made now and not kept."""
        ind = self._indicators[j]
        return np.asarray(compare(">=", ind.value, self._floor * ind.row_thresholds(), self._tol))


@dataclass
class ItemArrays:
    """One item's status per county (1 pass, 0 fail, NaN not evaluated) and, where it has rows, per row."""

    status: np.ndarray
    row_level: str | None = None
    row_status: np.ndarray | None = None
    applicable: np.ndarray | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Results:
    table: Table
    pack: CompiledPack
    scopes: dict[str, ScopeArrays]
    indicators: dict[str, IndicatorArrays]
    items: dict[str, ItemArrays]
    areas: dict[str, np.ndarray]
    verdict: np.ndarray
    values: dict[str, np.ndarray]
    """Every input and derived value the items read, by name (for evidence in reports)."""
    _slopes: dict[str, Any] = field(default_factory=dict)
    computed: dict[str, np.ndarray] = field(default_factory=dict)
    """For each input the pack computes (``inputs.X.computed``): its computed value on every row, also where a
    typed value overrides it, as the expression gives it (in base units; NaN or ±inf where it cannot be computed; a
    value outside the input's range is not used)."""
    previous: PreviousData | None = None
    """The counties' previous data year, read by the rules that look back (None: not given)."""

    def slopes(self, indicator: str) -> Any:
        """Change of ``indicator`` per unit of its addition input, per section row (cached); None if unknown."""
        if indicator not in self._slopes:
            self._slopes[indicator] = indicator_slopes(self.table, self.pack, indicator)
        return self._slopes[indicator]


def _scopes(rt: Runtime) -> dict[str, ScopeArrays]:
    table, cp = rt.table, rt.cp
    students = table.levels["section"].columns["students"]
    school_of = table.ancestor("school", "section")
    out: dict[str, ScopeArrays] = {}
    no_students = ~(students > 0)
    for sid, exclusions in cp.exclusions.items():
        reasons: dict[str, np.ndarray] = {}
        excluded = no_students.copy()
        for eid, c in exclusions.items():
            spec = cp.pack.scopes[sid].exclude[eid]
            hit = rt.full(c, spec.level) == 1.0  # an unknown condition does not exclude: the school stays counted
            if spec.level == "school":
                hit = hit[school_of]
            reasons[eid] = hit
            excluded |= hit
        reasons["no_students"] = no_students
        out[sid] = ScopeArrays(~excluded, reasons)
    return out


def _indicators(rt: Runtime, scopes: dict[str, ScopeArrays]) -> dict[str, IndicatorArrays]:
    table, cp = rt.table, rt.cp
    sec_code = table.levels["section"].columns["section"].astype(np.int64)
    students = table.levels["section"].columns["students"]
    out: dict[str, IndicatorArrays] = {}
    for iid, ind in cp.indicators.items():
        base = rt.value(iid)
        value = base if ind.factor == 1.0 else base / ind.factor
        met = compare(ind.spec.compare, value, ind.threshold[sec_code] if sec_code.size else np.zeros(0), cp.tolerance)
        weight = rt.full(ind.weight, "section")
        if ind.spec.scope is not None:
            in_scope = scopes[ind.spec.scope].in_scope
        else:
            in_scope = students > 0
        out[iid] = IndicatorArrays(value, ind.threshold, sec_code, met, weight, in_scope)
    return out


def _cv_item(rt: Runtime, item_id: str, indicators: dict[str, IndicatorArrays]) -> ItemArrays:
    table, cp = rt.table, rt.cp
    ci = cp.items[item_id]
    spec = ci.spec
    n_c = table.levels["county"].n
    limits = ci.limits if ci.limits is not None else np.full(2, np.nan)
    decimals = spec.rounding.decimals if spec.rounding else None
    mode = spec.rounding.mode if spec.rounding else "half_up"
    statuses: list[np.ndarray] = []
    per: dict[str, dict[str, CvArrays]] = {}
    composite: dict[str, dict[str, np.ndarray]] = {}
    any_applicable = np.zeros(n_c, dtype=bool)
    section_stats = _section_stats(rt, spec.indicators or [], indicators)
    for section in cp.pack.sections:
        code = SECTION_CODES[section]
        cvs: list[np.ndarray] = []
        applicable = np.zeros(n_c, dtype=bool)
        for iid in spec.indicators or ():
            ind = indicators[iid]
            stats = section_stats[iid][section]
            applicable |= stats.count > 0
            cvs.append(stats.cv)
            if spec.kind == "composite_cv" and section not in ind.cv:
                nan = np.full(n_c, np.nan)
                ind.cv[section] = CvArrays(stats, nan, float("nan"), nan, judged=False)
            if spec.kind == "cv_limit":
                compared = round_half_up(stats.cv, decimals, mode)
                result = compare("<=", compared, limits[code], cp.tolerance)
                result = np.where(stats.count > 0, result, np.nan)
                cva = CvArrays(stats, compared, float(limits[code]), result)
                ind.cv[section] = cva
                per.setdefault(iid, {})[section] = cva
                statuses.append(np.where(stats.count > 0, result, 1.0))
        if spec.kind == "composite_cv" and cvs:
            stack = np.vstack(cvs)
            mean_cv = np.mean(stack, axis=0)
            compared = round_half_up(mean_cv, decimals, mode)
            result = compare("<=", compared, limits[code], cp.tolerance)
            # CVs are never negative, so the known ones alone can already prove a failure
            known_part = np.nansum(stack, axis=0) / stack.shape[0]
            proven_fail = np.isnan(mean_cv) & (
                compare(">", round_half_up(known_part, decimals, mode), limits[code], cp.tolerance) == 1.0
            )
            result = np.where(proven_fail, 0.0, result)
            composite[section] = {
                "cv": mean_cv,
                "compared": compared,
                "limit": np.full(n_c, limits[code]),
                "result": np.where(applicable, result, np.nan),
                "applicable": applicable,
            }
            statuses.append(np.where(applicable, result, 1.0))
        any_applicable |= applicable
    if statuses:
        status = kleene_all(np.concatenate(statuses), np.tile(np.arange(n_c), len(statuses)), n_c)
    else:
        status = np.full(n_c, np.nan)
    # a county with no school section counted by any of the indicators: the item does not apply to it
    return ItemArrays(status, detail={"cv": per, "composite": composite, "applicable_any": any_applicable})


def _section_stats(
    rt: Runtime, ids: list[str], indicators: dict[str, IndicatorArrays]
) -> dict[str, dict[str, GroupStats]]:
    """The weighted statistics of each indicator per county and section of the pack, in one pass per indicator over
    a county × section grouping (the rows of each group in the same order as grouping each section apart, so the
    same sums); the counts and total weights made once for indicators that share their rows and weights."""
    table, sections = rt.table, rt.cp.pack.sections
    n_groups = 2 * table.levels["county"].n
    county_of = table.ancestor("county", "section")
    sec_code = table.levels["section"].columns["section"].astype(np.int64)
    in_sections = np.isin(sec_code, [SECTION_CODES[s] for s in sections])
    shared: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]] = {}
    out: dict[str, dict[str, GroupStats]] = {}
    for iid in ids:
        ind = indicators[iid]
        key = (id(ind.in_scope), id(ind.weight))
        if key not in shared:
            rows = np.flatnonzero(ind.in_scope & in_sections)
            groups = county_of[rows] * 2 + sec_code[rows]
            weight = ind.weight[rows]
            shared[key] = (rows, groups, weight, group_totals(weight, groups, n_groups))
        rows, groups, weight, totals = shared[key]
        stats = grouped_weighted_stats(ind.value[rows], weight, groups, n_groups, totals)
        out[iid] = {s: stats.every(2, SECTION_CODES[s]) for s in sections}
    return out


def _k_of_n_item(rt: Runtime, item_id: str, indicators: dict[str, IndicatorArrays]) -> ItemArrays:
    table, cp = rt.table, rt.cp
    ci = cp.items[item_id]
    ids = ci.spec.indicators or []
    n_c = table.levels["county"].n
    n_rows = table.levels["section"].n
    county_of = table.ancestor("county", "section")
    k = ci.scalars["k"]
    floor = ci.scalars["floor"]
    # one column per indicator: the kernel counts across them without a (rows × indicators) copy
    met = [indicators[i].met for i in ids]
    floor_ok = FloorColumns([indicators[i] for i in ids], floor, cp.tolerance)
    in_scope = np.logical_and.reduce([indicators[i].in_scope for i in ids]) if ids else np.zeros(n_rows, bool)
    if ids:  # the floor columns made one at a time and let go: a report makes again the ones it shows
        row = k_of_n(met, (floor_ok.column(j) for j in range(len(ids))), k)
    else:
        row = k_of_n(np.zeros((n_rows, 0)), np.zeros((n_rows, 0)), k)
    status = kleene_all(row[in_scope], county_of[in_scope], n_c)
    has_rows = np.bincount(county_of[in_scope], minlength=n_c) > 0
    status = np.where(has_rows, status, np.nan)
    return ItemArrays(
        status,
        row_level="section",
        row_status=row,
        applicable=in_scope,
        detail={"floor_ok": floor_ok, "k": k, "floor": floor, "indicators": ids},
    )


def _every_item(rt: Runtime, item_id: str, scopes: dict[str, ScopeArrays]) -> ItemArrays:
    table, cp = rt.table, rt.cp
    ci = cp.items[item_id]
    level = ci.spec.level or "school"
    n_c = table.levels["county"].n
    county_of = table.ancestor("county", level)
    req = rt.full(ci.exprs["require"], level)
    applicable = np.ones(table.levels[level].n, dtype=bool)
    row = req
    if "where" in ci.exprs:
        where = rt.full(ci.exprs["where"], level)
        applicable &= where != 0.0
        row = np.where(np.isnan(where), np.nan, req)
    if ci.spec.scope is not None:
        in_scope = scopes[ci.spec.scope].in_scope
        if level == "school":
            school_of = table.ancestor("school", "section")
            in_scope = np.bincount(school_of[in_scope], minlength=table.levels["school"].n) > 0
        applicable &= in_scope
    status = kleene_all(row[applicable], county_of[applicable], n_c)
    return ItemArrays(status, row_level=level, row_status=row, applicable=applicable)


def evaluate_table(table: Table, cp: CompiledPack, previous: PreviousData | None = None) -> Results:
    """Evaluate every rule of ``cp`` for every county in ``table`` (``previous``: the counties' previous data year,
    for the rules that look back; a county without it leaves them not evaluated)."""
    rt = Runtime(table, cp, previous)
    n_c = table.levels["county"].n
    scopes = _scopes(rt)
    indicators = _indicators(rt, scopes)
    items: dict[str, ItemArrays] = {}
    for item_id, ci in cp.items.items():
        kind = ci.spec.kind
        if kind in ("cv_limit", "composite_cv"):
            items[item_id] = _cv_item(rt, item_id, indicators)
        elif kind == "k_of_n":
            items[item_id] = _k_of_n_item(rt, item_id, indicators)
        elif kind == "every":
            items[item_id] = _every_item(rt, item_id, scopes)
        elif kind == "county":
            items[item_id] = ItemArrays(rt.full(ci.exprs["require"], "county"))
        else:  # progress: tracked, reported as a share of the target
            value = rt.full(ci.exprs["value"], "county")
            target = ci.scalars["target"]
            status = compare(">=", value, target, cp.tolerance)
            items[item_id] = ItemArrays(status, detail={"value": value, "target": target})
    _without_previous_year(items, cp, previous, n_c)
    areas: dict[str, np.ndarray] = {}
    for area_id in cp.pack.areas:
        member = [items[i].status for i, ci in cp.items.items() if ci.spec.area == area_id]
        if member:
            areas[area_id] = kleene_all(np.concatenate(member), np.tile(np.arange(n_c), len(member)), n_c)
        else:
            areas[area_id] = np.full(n_c, np.nan)
    required = [areas[a] for a, spec in cp.pack.areas.items() if spec.required]
    if required:
        verdict = kleene_all(np.concatenate(required), np.tile(np.arange(n_c), len(required)), n_c)
    else:
        verdict = np.full(n_c, np.nan)
    values = {
        name: rt.value(name)
        for name in cp.table.symbols
        if (name not in STRUCTURAL or name == "students") and (not is_previous(name) or name in cp.previous_used)
    }
    computed = {name: rt.computed(name) for name in cp.fallbacks}
    return Results(table, cp, scopes, indicators, items, areas, verdict, values, computed=computed, previous=previous)


def _without_previous_year(
    items: dict[str, ItemArrays], cp: CompiledPack, previous: PreviousData | None, n_c: int
) -> None:
    """A county whose previous year is not known leaves every item that looks back not evaluated — whatever its
    rule would make of the missing values (``coalesce``, ``is_missing``): it is never a pass."""
    if not cp.lookback_items:
        return
    found = previous.found if previous is not None and len(previous.of) == n_c else np.zeros(n_c, dtype=bool)
    for item_id in cp.lookback_items:
        arr = items[item_id]
        arr.status = np.where(found, arr.status, np.nan)
