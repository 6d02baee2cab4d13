"""Turn a resolved pack into something the engine can run: a symbol table and compiled, checked expressions.

Every expression is parsed, type-checked and unit-checked here, when the pack loads; a unit mismatch is an error
naming the pack file and the rule. All problems in a pack are collected and reported together.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._base.errors import PackError, Problem
from .._base.vocabulary import LOCATIONS, OWNERSHIPS, SCHOOL_TYPES, SECTIONS
from .._dsl.compile import (
    BOOL,
    NUMBER_1,
    Compiled,
    DslTypeError,
    DType,
    ParamSym,
    Symbol,
    SymbolTable,
    compile_expression,
)
from .._dsl.parse import DslSyntaxError, Name, parse
from .._units.registry import canonical_factor, dims_of, format_dims
from .roster_rules import check_roster
from .schema import Indicator, Item, Pack

__all__ = ["LEVEL_PARENTS", "STRUCTURAL", "CompiledIndicator", "CompiledItem", "CompiledPack", "compile_pack"]

LEVEL_PARENTS: dict[str, str | None] = {"county": None, "school": "county", "section": "school"}

STRUCTURAL: dict[str, Symbol] = {
    "school_type": Symbol("school_type", "school", DType("category", categories=SCHOOL_TYPES)),
    "ownership": Symbol("ownership", "school", DType("category", categories=OWNERSHIPS)),
    "location": Symbol("location", "school", DType("category", categories=LOCATIONS)),
    "boarding": Symbol("boarding", "school", BOOL),
    "senior_students": Symbol("senior_students", "school", DType("number", dims_of("student"))),
    "section": Symbol("section", "section", DType("category", categories=SECTIONS)),
    "students": Symbol("students", "section", DType("number", dims_of("student"))),
}
"""Fields every county has, whatever the pack: the engine builds rows from them."""

Locate = Callable[[tuple[str | int, ...]], tuple[str | None, str | None]]


@dataclass
class CompiledIndicator:
    id: str
    spec: Indicator
    value: Compiled
    weight: Compiled
    factor: float
    """Base-unit value ÷ factor = value in the indicator's declared unit."""
    threshold: np.ndarray
    """Threshold per section code (declared unit); NaN where the pack gives none."""


@dataclass
class CompiledItem:
    id: str
    spec: Item
    exprs: dict[str, Compiled] = field(default_factory=dict)
    scalars: dict[str, float] = field(default_factory=dict)
    limits: np.ndarray | None = None


@dataclass
class CompiledPack:
    pack: Pack
    table: SymbolTable
    derived: dict[str, Compiled]
    derived_order: list[str]
    indicators: dict[str, CompiledIndicator]
    exclusions: dict[str, dict[str, Compiled]]
    items: dict[str, CompiledItem]
    param_tables: dict[str, np.ndarray]
    """For keyed parameters: value per category code of the 'by' symbol (NaN where missing)."""
    apportion_weights: np.ndarray
    """Weights [school_type code, section code (primary, junior, senior)]."""
    tolerance: float
    input_factors: dict[str, float]


class _Collector:
    def __init__(self, locate: Locate) -> None:
        self.problems: list[Problem] = []
        self.locate = locate

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        source, location = self.locate(path)
        dotted = ".".join(str(p) for p in path)
        self.problems.append(Problem(message, source=source, location=location, path=dotted))


def _dtype_of_input(pack: Pack, name: str, col: _Collector) -> DType:
    decl = pack.inputs[name]
    if decl.type == "number":
        try:
            return DType("number", dims_of(decl.unit))
        except ValueError as exc:
            col.add(("inputs", name, "unit"), str(exc))
            return NUMBER_1
    if decl.type == "flag":
        return BOOL
    if decl.type == "rating":
        scale = pack.scales.get(decl.scale or "")
        if scale is None:
            col.add(("inputs", name, "scale"), f"unknown scale {decl.scale!r}")
            return DType("category", categories=("unknown",), ordered=True)
        return DType("category", categories=tuple(scale.levels), ordered=True)
    return DType("category", categories=tuple(decl.categories or ()))


def _referenced_names(text: str) -> set[str]:
    """Names an expression refers to (for ordering derived values); syntax errors are reported elsewhere."""
    try:
        node = parse(text)
    except DslSyntaxError:
        return set()
    out: set[str] = set()
    stack: list[Any] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Name):
            out.add(n.path)
        for attr in ("operand", "left", "right"):
            child = getattr(n, attr, None)
            if child is not None:
                stack.append(child)
        stack.extend(getattr(n, "args", ()) or ())
    return out


def compile_pack(pack: Pack, locate: Locate, rank: Callable[[str | None], int] | None = None) -> CompiledPack:
    """Check every rule of ``pack`` and compile its expressions; raise :class:`PackError` listing all problems.

    ``rank(file)`` orders the files of an extends chain (base first); when two places of one rule disagree (an
    expression and its declared unit), the problem is reported at the later one — the change that caused it."""
    col = _Collector(locate)
    symbols: dict[str, Symbol] = dict(STRUCTURAL)
    apportioned = set(pack.apportionment.fields) if pack.apportionment else set()
    input_factors: dict[str, float] = {}

    for name, decl in pack.inputs.items():
        dtype = _dtype_of_input(pack, name, col)
        if name in STRUCTURAL:
            if STRUCTURAL[name].dtype.dims != dtype.dims or STRUCTURAL[name].level != decl.level:
                col.add(("inputs", name), f"{name!r} is a built-in field at level {STRUCTURAL[name].level}")
            continue
        if decl.type == "number":
            with contextlib.suppress(ValueError):
                input_factors[name] = canonical_factor(decl.unit)
        if name in apportioned and (decl.level != "school" or decl.type != "number"):
            col.add(("apportionment", "fields"), f"{name!r} must be a number input at school level to be apportioned")
        symbols[name] = Symbol(name, decl.level, dtype, apportioned=name in apportioned)
    for name in apportioned:
        if name not in pack.inputs:
            col.add(("apportionment", "fields"), f"apportioned field {name!r} is not a declared input")

    params: dict[str, ParamSym] = {}
    param_tables: dict[str, np.ndarray] = {}
    domains = {"section": SECTIONS, "school_type": SCHOOL_TYPES, "ownership": OWNERSHIPS, "location": LOCATIONS}
    for pname, spec in pack.parameters.items():
        if isinstance(spec.value, bool):
            params[pname] = ParamSym(pname, BOOL, None, 1.0 if spec.value else 0.0)
            continue
        try:
            dtype = DType("number", dims_of(spec.unit))
            factor = canonical_factor(spec.unit)
        except ValueError as exc:
            col.add(("parameters", pname, "unit"), str(exc))
            continue
        if isinstance(spec.value, dict):
            assert spec.by is not None
            domain = domains[spec.by]
            unknown = sorted(set(spec.value) - set(domain))
            if unknown:
                col.add(("parameters", pname, "value"), f"unknown {spec.by} keys: {', '.join(unknown)}")
            ptable = np.array(
                [spec.value.get(key, spec.default if spec.default is not None else np.nan) for key in domain],
                dtype=np.float64,
            )
            param_tables[pname] = ptable * factor
            params[pname] = ParamSym(pname, dtype, spec.by, None)
        else:
            params[pname] = ParamSym(pname, dtype, None, float(spec.value) * factor)

    table = SymbolTable(LEVEL_PARENTS, symbols, params)

    def comp(path: tuple[str | int, ...], text: str, level: str | None, want: str | None = None) -> Compiled | None:
        try:
            c = compile_expression(text, table, level=level)
        except (DslSyntaxError, DslTypeError) as exc:
            col.add(path, f"expression {text!r}: {exc}")
            return None
        if want == "bool" and c.dtype.kind != "bool":
            col.add(path, f"expression {text!r} must be a yes/no condition, but it is {c.dtype.describe()}")
            return None
        return c

    def check_unit(
        path: tuple[str | int, ...], c: Compiled, unit: str, what: str, expr_path: tuple[str | int, ...] | None = None
    ) -> float | None:
        try:
            dims = dims_of(unit)
            factor = canonical_factor(unit)
        except ValueError as exc:
            col.add(path, str(exc))
            return None
        if c.dtype.kind != "number":
            col.add(path, f"{what} must be a number, but it is {c.dtype.describe()}")
            return None
        if c.dtype.dims != dims:
            message = f"{what} gives {format_dims(c.dtype.dims)}, but its declared unit {unit!r} is {format_dims(dims)}"
            if expr_path is not None:
                # the expression and the unit may come from different packs of the chain: report at the later one
                # (the change that broke the rule) and name the other place
                e_src, e_loc = col.locate(expr_path)
                u_src, u_loc = col.locate(path)
                if (e_src, e_loc) != (u_src, u_loc) and e_src is not None and u_src is not None:
                    order = rank or (lambda _src: 0)
                    if order(e_src) > order(u_src):
                        col.add(expr_path, message + f" (the unit is declared at {u_src}:{u_loc})")
                    else:
                        col.add(path, message + f" (the expression is at {e_src}:{e_loc})")
                    return None
            col.add(path, message)
            return None
        return factor

    # derived values, in dependency order
    derived: dict[str, Compiled] = {}
    order: list[str] = []
    pending = dict(pack.derived)
    visiting: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in derived or name not in pending:
            return
        if name in visiting:
            col.add(("derived", name), f"derived values refer to each other in a cycle: {' -> '.join((*trail, name))}")
            return
        visiting.add(name)
        spec = pending[name]
        for dep in _referenced_names(spec.expression):
            if dep in pending:
                visit(dep, (*trail, name))
        visiting.discard(name)
        if name in STRUCTURAL or name in pack.inputs:
            col.add(("derived", name), f"{name!r} is already an input")
            return
        c = comp(("derived", name, "expression"), spec.expression, spec.level)
        if c is None:
            return
        if (
            c.dtype.kind == "number"
            and check_unit(
                ("derived", name, "unit"), c, spec.unit, f"derived {name!r}", ("derived", name, "expression")
            )
            is None
        ):
            return
        derived[name] = c
        order.append(name)
        symbols[name] = Symbol(name, spec.level, c.dtype)

    for name in pack.derived:
        visit(name, ())

    # indicators (section level)
    indicators: dict[str, CompiledIndicator] = {}
    for iid, ind in pack.indicators.items():
        base: tuple[str | int, ...] = ("indicators", iid)
        if iid in symbols:
            col.add(base, f"indicator id {iid!r} is already the name of an input or derived value")
            continue
        if ind.scope is not None and ind.scope not in pack.scopes:
            col.add((*base, "scope"), f"unknown scope {ind.scope!r}")
        value = comp((*base, "expression"), ind.expression, "section")
        weight = comp((*base, "weight"), ind.weight, "section")
        if value is None or weight is None:
            continue
        ind_factor = check_unit((*base, "unit"), value, ind.unit, f"indicator {iid}", (*base, "expression"))
        if weight.dtype.kind != "number":
            col.add((*base, "weight"), "the weight must be a number (usually students)")
            continue
        if ind_factor is None:
            continue
        if isinstance(ind.threshold, dict):
            thr = np.array([ind.threshold.get(s, np.nan) for s in SECTIONS], dtype=np.float64)  # type: ignore[call-overload]
            missing = [s for s in pack.sections if s not in ind.threshold]
            if missing:
                col.add((*base, "threshold"), f"no threshold for {', '.join(missing)}")
        elif ind.threshold is None:
            thr = np.full(len(SECTIONS), np.nan)
        else:
            thr = np.full(len(SECTIONS), float(ind.threshold))
        indicators[iid] = CompiledIndicator(iid, ind, value, weight, ind_factor, thr)
        symbols[iid] = Symbol(iid, "section", value.dtype)

    # scopes
    exclusions: dict[str, dict[str, Compiled]] = {}
    for sid, scope in pack.scopes.items():
        exclusions[sid] = {}
        for eid, exc_spec in scope.exclude.items():
            c = comp(("scopes", sid, "exclude", eid, "when"), exc_spec.when, exc_spec.level, want="bool")
            if c is not None:
                exclusions[sid][eid] = c

    # tolerance
    tol_param = pack.parameters.get("comparison_tolerance")
    tolerance = 1e-9
    if tol_param is not None:
        if isinstance(tol_param.value, (bool, dict)) or not 0 <= float(tol_param.value) < 1e-3:
            col.add(("parameters", "comparison_tolerance"), "must be a plain number between 0 and 0.001")
        else:
            tolerance = float(tol_param.value)

    # areas and items
    items: dict[str, CompiledItem] = {}
    for item_id, item in pack.items.items():
        base = ("items", item_id)
        if item.area not in pack.areas:
            col.add((*base, "area"), f"unknown area {item.area!r}")
        ci = CompiledItem(item_id, item)
        if item.indicators is not None:
            for ref in item.indicators:
                if ref not in pack.indicators:
                    col.add((*base, "indicators"), f"unknown indicator {ref!r}")
                elif item.kind == "k_of_n" and pack.indicators[ref].compare != ">=":
                    # "the rest at least 85% of the requirement" is defined for floors (达到…以上), not for ceilings
                    col.add(
                        (*base, "indicators"),
                        f"indicator {ref!r} is an upper limit (compare '<='): a k_of_n floor is defined only for '>='",
                    )
        for key in ("k", "floor", "target"):
            raw = getattr(item, key)
            if raw is None:
                continue
            if isinstance(raw, (int, float)):
                scale = 1.0
                if key == "target" and item.unit:
                    try:
                        scale = canonical_factor(item.unit)
                    except ValueError as exc:
                        col.add((*base, "unit"), str(exc))
                ci.scalars[key] = float(raw) * scale
                continue
            c = comp((*base, key), raw, None)
            if c is None:
                continue
            if c.const is None:
                col.add((*base, key), f"{key} must be a constant number or an unkeyed parameter")
                continue
            ci.scalars[key] = c.const
        if item.limit is not None:
            if isinstance(item.limit, dict):
                ci.limits = np.array([item.limit.get(s, np.nan) for s in SECTIONS], dtype=np.float64)  # type: ignore[call-overload]
            elif isinstance(item.limit, (int, float)):
                ci.limits = np.full(len(SECTIONS), float(item.limit))
            else:
                ref = item.limit.removeprefix("params.")
                if ref in param_tables and pack.parameters[ref].by == "section":
                    ci.limits = param_tables[ref] / canonical_factor(pack.parameters[ref].unit)
                elif ref in params and params[ref].value is not None:
                    ci.limits = np.full(len(SECTIONS), float(params[ref].value or 0.0))
                else:
                    col.add((*base, "limit"), "limit must be a number, a per-section table or params.<name>")
        if item.kind == "every":
            assert item.level is not None and item.require is not None
            if item.scope is not None and item.scope not in pack.scopes:
                col.add((*base, "scope"), f"unknown scope {item.scope!r}")
            c = comp((*base, "require"), item.require, item.level, want="bool")
            if c is not None:
                ci.exprs["require"] = c
            if item.where is not None:
                w = comp((*base, "where"), item.where, item.level, want="bool")
                if w is not None:
                    ci.exprs["where"] = w
        elif item.kind == "county":
            assert item.require is not None
            c = comp((*base, "require"), item.require, "county", want="bool")
            if c is not None:
                ci.exprs["require"] = c
        elif item.kind == "progress":
            assert item.value is not None
            c = comp((*base, "value"), item.value, "county")
            if c is not None:
                ci.exprs["value"] = c
                check_unit((*base, "unit"), c, item.unit or "1", f"item {item_id}", (*base, "value"))
        for ev in item.evidence or ():
            if ev not in symbols:
                col.add((*base, "evidence"), f"unknown input {ev!r}")
        items[item_id] = ci

    if pack.roster is not None:
        for rpath, message in check_roster(pack.roster):
            col.add(rpath, message)
    _check_cites(pack, col)
    weights = _apportion_table(pack, col)
    if col.problems:
        raise PackError(col.problems)
    return CompiledPack(
        pack=pack,
        table=table,
        derived=derived,
        derived_order=order,
        indicators=indicators,
        exclusions=exclusions,
        items=items,
        param_tables=param_tables,
        apportion_weights=weights,
        tolerance=tolerance,
        input_factors=input_factors,
    )


def _apportion_table(pack: Pack, col: _Collector) -> np.ndarray:
    order = ("primary", "junior", "senior")
    out = np.ones((len(SCHOOL_TYPES), len(order)), dtype=np.float64)
    if pack.apportionment is None:
        return out
    weights: dict[str, dict[str, float]] = {
        k: {str(s): w for s, w in v.items()} for k, v in pack.apportionment.weights.items()
    }
    default = weights["default"]
    for key in weights:
        if key != "default" and key not in SCHOOL_TYPES:
            col.add(("apportionment", "weights", key), f"unknown school type {key!r}")
    for ti, stype in enumerate(SCHOOL_TYPES):
        table = weights.get(stype, default)
        for si, sec in enumerate(order):
            out[ti, si] = table.get(sec, default.get(sec, 1.0))
    return out


def _check_cites(pack: Pack, col: _Collector) -> None:
    """Every citation must name a source the pack (or a pack it extends) declares."""
    known = set(pack.sources)

    def check(path: tuple[str | int, ...], cite: Any) -> None:
        if cite is not None and cite.source not in known:
            col.add((*path, "cite", "source"), f"cites unknown source {cite.source!r} (declare it under sources)")

    for name, p in pack.parameters.items():
        check(("parameters", name), p.cite)
    for name, ind in pack.indicators.items():
        check(("indicators", name), ind.cite)
    for name, it in pack.items.items():
        check(("items", name), it.cite)
    for name, area in pack.areas.items():
        check(("areas", name), area.cite)
    for sid, scope in pack.scopes.items():
        for eid, exc in scope.exclude.items():
            check(("scopes", sid, "exclude", eid), exc.cite)
    if pack.apportionment is not None:
        check(("apportionment",), pack.apportionment.cite)
    if pack.roster is not None:
        check(("roster",), pack.roster.cite)
        for name, count in pack.roster.counts.items():
            check(("roster", "counts", name), count.cite)
