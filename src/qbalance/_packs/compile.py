"""Turn a resolved pack into something the engine can run: a symbol table and compiled, checked expressions.

Every expression is parsed, type-checked and unit-checked here, when the pack loads; a unit mismatch is an error
naming the pack file and the rule. All problems in a pack are collected and reported together.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
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
from .compute_rules import check_computations, computation_cites
from .lookback import RESERVED, base_name, is_previous, previous_name, previous_symbol, reads_previous
from .roster_rules import check_roster
from .schema import Indicator, Item, Pack, Parameter

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
    fallbacks: dict[str, Compiled] = field(default_factory=dict)
    """Inputs the pack computes when the county does not give them (``inputs.X.computed``): their expressions."""
    previous_used: frozenset[str] = frozenset()
    """The previous-year values (``previous.x``) some rule reads."""
    lookback_items: frozenset[str] = frozenset()
    """The items that read the previous year, directly or through derived values, indicators or scopes: a county
    whose previous year is not known leaves them not evaluated."""


def _computed_cycle(start: str, specs: Mapping[str, Any]) -> list[str]:
    """The names of a cycle of computed inputs through ``start`` (``[a, b, a]``), or an empty list."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, trail = stack.pop()
        for dep in sorted(_referenced_names(specs[name].computed.expression)):
            if dep == start:
                return [*trail, dep]
            if dep in specs and dep not in seen:
                seen.add(dep)
                stack.append((dep, [*trail, dep]))
    return []


def _english(exc: Exception) -> str:
    """An error's English text (a UnitError shows in the user's language; pack messages are English for now)."""
    return str(exc.args[0]) if exc.args else str(exc)


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
            col.add(("inputs", name, "unit"), _english(exc))
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


def _input_symbols(pack: Pack, col: _Collector) -> tuple[dict[str, Symbol], dict[str, float]]:
    """The symbols every expression can see (built-in fields and declared inputs) and each number input's factor to
    base units; checks that inputs do not redefine built-in fields and that apportioned fields are school numbers."""
    symbols: dict[str, Symbol] = dict(STRUCTURAL)
    apportioned = set(pack.apportionment.fields) if pack.apportionment else set()
    input_factors: dict[str, float] = {}
    for name, decl in pack.inputs.items():
        if name == RESERVED or is_previous(name):
            col.add(("inputs", name), f"{name!r}: inputs may not be named previous.…: previous.x is last year's x")
            continue
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
    for name in sorted(apportioned):  # a set: sorted, so problems come in the same order every run
        if name not in pack.inputs:
            col.add(("apportionment", "fields"), f"apportioned field {name!r} is not a declared input")
    for sym in list(symbols.values()):  # every input and built-in field has a previous-year value
        symbols[previous_name(sym.name)] = previous_symbol(sym)
    return symbols, input_factors


_PARAMETER_DOMAINS: dict[str, tuple[str, ...]] = {
    "section": SECTIONS,
    "school_type": SCHOOL_TYPES,
    "ownership": OWNERSHIPS,
    "location": LOCATIONS,
}
"""The category codes a keyed parameter (``by: section`` …) gives one value each, in code order."""


def _parameter_symbols(pack: Pack, col: _Collector) -> tuple[dict[str, ParamSym], dict[str, np.ndarray]]:
    """The pack's parameters as symbols (values in base units) and, for keyed parameters, their value tables."""
    params: dict[str, ParamSym] = {}
    param_tables: dict[str, np.ndarray] = {}
    for pname, spec in pack.parameters.items():
        if isinstance(spec.value, bool):
            params[pname] = ParamSym(pname, BOOL, None, 1.0 if spec.value else 0.0)
            continue
        try:
            dtype = DType("number", dims_of(spec.unit))
            factor = canonical_factor(spec.unit)
        except ValueError as exc:
            col.add(("parameters", pname, "unit"), _english(exc))
            continue
        if isinstance(spec.value, dict):
            assert spec.by is not None
            param_tables[pname] = _keyed_parameter_table(pname, spec, col) * factor
            params[pname] = ParamSym(pname, dtype, spec.by, None)
        else:
            params[pname] = ParamSym(pname, dtype, None, float(spec.value) * factor)
    return params, param_tables


def _keyed_parameter_table(pname: str, spec: Parameter, col: _Collector) -> np.ndarray:
    """A keyed parameter's value per category code of its ``by`` field (default or NaN where missing), in its
    declared unit; reports keys that are not codes of that field."""
    assert isinstance(spec.value, dict) and spec.by is not None
    domain = _PARAMETER_DOMAINS[spec.by]
    unknown = sorted(set(spec.value) - set(domain))
    if unknown:
        col.add(("parameters", pname, "value"), f"unknown {spec.by} keys: {', '.join(unknown)}")
    return np.array(
        [spec.value.get(key, spec.default if spec.default is not None else np.nan) for key in domain],
        dtype=np.float64,
    )


def _per_section(values: Mapping[Any, float]) -> np.ndarray:
    """A per-section mapping (threshold or limit) as an array indexed by section code, NaN where it gives none."""
    return np.array([values.get(s, np.nan) for s in SECTIONS], dtype=np.float64)


def _tolerance(pack: Pack, col: _Collector) -> float:
    """The comparison tolerance: the ``comparison_tolerance`` parameter when it is a sane plain number, else 1e-9."""
    tol_param = pack.parameters.get("comparison_tolerance")
    tolerance = 1e-9
    if tol_param is not None:
        if isinstance(tol_param.value, (bool, dict)) or not 0 <= float(tol_param.value) < 1e-3:
            col.add(("parameters", "comparison_tolerance"), "must be a plain number between 0 and 0.001")
        else:
            tolerance = float(tol_param.value)
    return tolerance


class _RuleCompiler:
    """Compiles and checks the rules of one pack against its symbol table, reporting every problem to ``col``.

    Derived values and indicators become symbols as they compile, so later rules can refer to them."""

    def __init__(
        self,
        pack: Pack,
        col: _Collector,
        symbols: dict[str, Symbol],
        params: dict[str, ParamSym],
        param_tables: dict[str, np.ndarray],
        rank: Callable[[str | None], int] | None,
    ) -> None:
        self.pack = pack
        self.col = col
        self.symbols = symbols
        self.table = SymbolTable(LEVEL_PARENTS, symbols, params)
        self.param_tables = param_tables
        self.rank = rank
        self.derived: dict[str, Compiled] = {}
        self.derived_order: list[str] = []
        self._visiting: set[str] = set()
        self.back: set[str] = set()
        """Derived values, indicators and scopes that read the previous year (they have no previous value)."""
        self.previous_used: set[str] = set()

    # -- expressions and units -------------------------------------------------------------------------------------

    def expression(
        self, path: tuple[str | int, ...], text: str, level: str | None, want: str | None = None
    ) -> Compiled | None:
        """Compile ``text`` at ``level``; report a syntax or type error (or a non-condition where ``want`` is
        ``"bool"``) at ``path`` and return None."""
        try:
            c = compile_expression(text, self.table, level=level)
        except (DslSyntaxError, DslTypeError) as exc:
            self.col.add(path, f"expression {text!r}: {exc}{self._no_previous_hint(text)}")
            return None
        self.previous_used |= {d for d in c.deps if is_previous(d)}
        if want == "bool" and c.dtype.kind != "bool":
            self.col.add(path, f"expression {text!r} must be a yes/no condition, but it is {c.dtype.describe()}")
            return None
        return c

    def _no_previous_hint(self, text: str) -> str:
        """Why a ``previous.`` name the expression uses is unknown, when it is of a rule that looks back itself."""
        looked = sorted(base_name(n) for n in _referenced_names(text) if is_previous(n) and n not in self.symbols)
        back = [n for n in looked if n in self.back]
        if not back:
            return ""
        return f" ({', '.join(back)} reads the previous year itself, so it has no previous-year value)"

    def made(self, name: str, c: Compiled, *, extra: frozenset[str] = frozenset()) -> None:
        """Record a compiled derived value or indicator ``name``: it looks back when it reads the previous year
        (then it has no previous value); otherwise its previous-year value becomes a symbol."""
        if reads_previous(c.deps | extra, self.back):
            self.back.add(name)
        else:
            self.symbols[previous_name(name)] = previous_symbol(self.symbols[name])

    def unit_factor(
        self,
        path: tuple[str | int, ...],
        c: Compiled,
        unit: str,
        what: str,
        expr_path: tuple[str | int, ...] | None = None,
    ) -> float | None:
        """The factor from base units to ``unit`` when the compiled number ``c`` has the unit's dimensions; else
        report the mismatch (at ``path``, the unit's place, or at ``expr_path``, see below) and return None."""
        try:
            dims = dims_of(unit)
            factor = canonical_factor(unit)
        except ValueError as exc:
            self.col.add(path, _english(exc))
            return None
        if c.dtype.kind != "number":
            self.col.add(path, f"{what} must be a number, but it is {c.dtype.describe()}")
            return None
        if c.dtype.dims != dims:
            message = f"{what} gives {format_dims(c.dtype.dims)}, but its declared unit {unit!r} is {format_dims(dims)}"
            self._report_unit_mismatch(path, expr_path, message)
            return None
        return factor

    def _report_unit_mismatch(
        self, unit_path: tuple[str | int, ...], expr_path: tuple[str | int, ...] | None, message: str
    ) -> None:
        """Report a unit mismatch. The expression and the unit may come from different packs of the chain: then the
        problem is reported at the later one (the change that broke the rule) and names the other place."""
        if expr_path is not None:
            e_src, e_loc = self.col.locate(expr_path)
            u_src, u_loc = self.col.locate(unit_path)
            if (e_src, e_loc) != (u_src, u_loc) and e_src is not None and u_src is not None:
                order = self.rank or (lambda _src: 0)
                if order(e_src) > order(u_src):
                    self.col.add(expr_path, message + f" (the unit is declared at {u_src}:{u_loc})")
                else:
                    self.col.add(unit_path, message + f" (the expression is at {e_src}:{e_loc})")
                return
        self.col.add(unit_path, message)

    # -- computed inputs -------------------------------------------------------------------------------------------

    def computed_inputs(self) -> dict[str, Compiled]:
        """Compile each input's ``computed`` expression (inputs and parameters only, at the input's level, in its
        unit); report inputs whose computations refer to each other in a cycle."""
        out: dict[str, Compiled] = {}
        specs = {n: d for n, d in self.pack.inputs.items() if d.computed is not None and n not in STRUCTURAL}
        for name, decl in specs.items():
            assert decl.computed is not None
            path: tuple[str | int, ...] = ("inputs", name, "computed", "expression")
            cycle = _computed_cycle(name, specs)
            if cycle:
                self.col.add(path, f"computed inputs refer to each other in a cycle: {' -> '.join(cycle)}")
                continue
            c = self.expression(path, decl.computed.expression, decl.level)
            if c is None:
                continue
            if any(is_previous(d) for d in c.deps):
                self.col.add(path, "a computed input is computed from this year's inputs; it cannot read previous.…")
                continue
            if self.unit_factor(("inputs", name, "unit"), c, decl.unit, f"computed input {name!r}", path) is None:
                continue
            out[name] = c
        return out

    # -- derived values --------------------------------------------------------------------------------------------

    def derived_values(self) -> None:
        """Compile the derived values in dependency order (into ``derived`` and ``derived_order``), reporting cycles."""
        for name in self.pack.derived:
            self._visit_derived(name, ())

    def _visit_derived(self, name: str, trail: tuple[str, ...]) -> None:
        """Compile the derived values ``name`` refers to, then ``name`` itself; ``trail`` is the path that led here."""
        pending = self.pack.derived
        if name in self.derived or name not in pending:
            return
        if name in self._visiting:
            self.col.add(
                ("derived", name), f"derived values refer to each other in a cycle: {' -> '.join((*trail, name))}"
            )
            return
        self._visiting.add(name)
        for dep in sorted(_referenced_names(pending[name].expression)):
            if base_name(dep) in pending:  # previous.d needs d compiled first, like d itself
                self._visit_derived(base_name(dep), (*trail, name))
        self._visiting.discard(name)
        self._compile_derived(name)

    def _compile_derived(self, name: str) -> None:
        """Compile one derived value whose dependencies are done, check its unit and make it a symbol."""
        spec = self.pack.derived[name]
        if name in STRUCTURAL or name in self.pack.inputs:
            self.col.add(("derived", name), f"{name!r} is already an input")
            return
        c = self.expression(("derived", name, "expression"), spec.expression, spec.level)
        if c is None:
            return
        if (
            c.dtype.kind == "number"
            and self.unit_factor(
                ("derived", name, "unit"), c, spec.unit, f"derived {name!r}", ("derived", name, "expression")
            )
            is None
        ):
            return
        self.derived[name] = c
        self.derived_order.append(name)
        self.symbols[name] = Symbol(name, spec.level, c.dtype)
        self.made(name, c)

    # -- indicators and scopes -------------------------------------------------------------------------------------

    def indicators(self) -> dict[str, CompiledIndicator]:
        """Compile every indicator (section level) and make each a symbol, in the pack's order."""
        out: dict[str, CompiledIndicator] = {}
        for iid, ind in self.pack.indicators.items():
            compiled = self._indicator(iid, ind)
            if compiled is not None:
                out[iid] = compiled
                self.symbols[iid] = Symbol(iid, "section", compiled.value.dtype)
                self.made(iid, compiled.value, extra=compiled.weight.deps)
        return out

    def _indicator(self, iid: str, ind: Indicator) -> CompiledIndicator | None:
        """Compile one indicator's value and weight and check its id, scope, unit and thresholds."""
        base: tuple[str | int, ...] = ("indicators", iid)
        if iid in self.symbols:
            self.col.add(base, f"indicator id {iid!r} is already the name of an input or derived value")
            return None
        if ind.scope is not None and ind.scope not in self.pack.scopes:
            self.col.add((*base, "scope"), f"unknown scope {ind.scope!r}")
        value = self.expression((*base, "expression"), ind.expression, "section")
        weight = self.expression((*base, "weight"), ind.weight, "section")
        if value is None or weight is None:
            return None
        ind_factor = self.unit_factor((*base, "unit"), value, ind.unit, f"indicator {iid}", (*base, "expression"))
        if weight.dtype.kind != "number":
            self.col.add((*base, "weight"), "the weight must be a number (usually students)")
            return None
        if ind_factor is None:
            return None
        return CompiledIndicator(iid, ind, value, weight, ind_factor, self._thresholds(base, ind))

    def _thresholds(self, base: tuple[str | int, ...], ind: Indicator) -> np.ndarray:
        """An indicator's threshold per section code; reports sections of the pack a per-section threshold omits."""
        if isinstance(ind.threshold, dict):
            missing = [s for s in self.pack.sections if s not in ind.threshold]
            if missing:
                self.col.add((*base, "threshold"), f"no threshold for {', '.join(missing)}")
            return _per_section(ind.threshold)
        if ind.threshold is None:
            return np.full(len(SECTIONS), np.nan)
        return np.full(len(SECTIONS), float(ind.threshold))

    def exclusions(self) -> dict[str, dict[str, Compiled]]:
        """Compile each scope's exclusion conditions (yes/no expressions), by scope and exclusion id."""
        out: dict[str, dict[str, Compiled]] = {}
        for sid, scope in self.pack.scopes.items():
            out[sid] = {}
            for eid, exc_spec in scope.exclude.items():
                c = self.expression(("scopes", sid, "exclude", eid, "when"), exc_spec.when, exc_spec.level, want="bool")
                if c is not None:
                    out[sid][eid] = c
                    if reads_previous(c.deps, self.back):
                        self.back.add(f"scope:{sid}")  # who is counted depends on the previous year
        for iid, ind in self.pack.indicators.items():  # an indicator counted over such a scope looks back too
            if ind.scope is not None and f"scope:{ind.scope}" in self.back and iid not in self.back:
                self.back.add(iid)
                self.symbols.pop(previous_name(iid), None)
        return out

    def lookback_items(self, items: Mapping[str, CompiledItem]) -> frozenset[str]:
        """The items that read the previous year: through an expression, an indicator or a scope that does."""
        out: set[str] = set()
        for item_id, ci in items.items():
            deps: set[str] = set(ci.spec.indicators or ())
            for c in ci.exprs.values():
                deps |= c.deps
            if ci.spec.scope is not None:
                deps.add(f"scope:{ci.spec.scope}")
            if reads_previous(deps, self.back):
                out.add(item_id)
        return frozenset(out)

    # -- items -----------------------------------------------------------------------------------------------------

    def items(self) -> dict[str, CompiledItem]:
        """Compile every item, in the pack's order (an item with problems is kept; the problems stop the load)."""
        return {item_id: self._item(item_id, item) for item_id, item in self.pack.items.items()}

    def _item(self, item_id: str, item: Item) -> CompiledItem:
        """Check one item's references and compile its numbers, limits and expressions."""
        base: tuple[str | int, ...] = ("items", item_id)
        if item.area not in self.pack.areas:
            self.col.add((*base, "area"), f"unknown area {item.area!r}")
        ci = CompiledItem(item_id, item)
        if item.indicators is not None:
            self._check_item_indicators(base, item, item.indicators)
        for key in ("k", "floor", "target"):
            scalar = self._item_scalar(base, item, key)
            if scalar is not None:
                ci.scalars[key] = scalar
        if item.limit is not None:
            ci.limits = self._item_limits(base, item.limit)
        self._item_expressions(base, item, ci)
        for ev in item.evidence or ():
            if ev not in self.symbols:
                self.col.add((*base, "evidence"), f"unknown input {ev!r}")
        if item.kind == "progress":
            for path, message in _timeline_problems(item):
                self.col.add((*base, *path), message)
        return ci

    def _check_item_indicators(self, base: tuple[str | int, ...], item: Item, refs: list[str]) -> None:
        """Every indicator an item lists must exist; a k_of_n item takes only floors (compare '>=')."""
        for ref in refs:
            if ref not in self.pack.indicators:
                self.col.add((*base, "indicators"), f"unknown indicator {ref!r}")
            elif item.kind == "k_of_n" and self.pack.indicators[ref].compare != ">=":
                # "the rest at least 85% of the requirement" is defined for floors (达到…以上), not for ceilings
                self.col.add(
                    (*base, "indicators"),
                    f"indicator {ref!r} is an upper limit (compare '<='): a k_of_n floor is defined only for '>='",
                )

    def _item_scalar(self, base: tuple[str | int, ...], item: Item, key: str) -> float | None:
        """An item's ``k``, ``floor`` or ``target`` as a number (a target in base units), from a literal or a
        constant expression; None when absent or not constant."""
        raw = getattr(item, key)
        if raw is None:
            return None
        if isinstance(raw, (int, float)):
            scale = 1.0
            if key == "target" and item.unit:
                try:
                    scale = canonical_factor(item.unit)
                except ValueError as exc:
                    self.col.add((*base, "unit"), _english(exc))
            return float(raw) * scale
        c = self.expression((*base, key), raw, None)
        if c is None:
            return None
        if c.const is None:
            self.col.add((*base, key), f"{key} must be a constant number or an unkeyed parameter")
            return None
        return c.const

    def _item_limits(self, base: tuple[str | int, ...], limit: float | str | dict[Any, float]) -> np.ndarray | None:
        """An item's limit per section code: a number, a per-section table or a parameter (``params.<name>``)."""
        if isinstance(limit, dict):
            return _per_section(limit)
        if isinstance(limit, (int, float)):
            return np.full(len(SECTIONS), float(limit))
        ref = limit.removeprefix("params.")
        params = self.table.params
        if ref in self.param_tables and self.pack.parameters[ref].by == "section":
            return self.param_tables[ref] / canonical_factor(self.pack.parameters[ref].unit)
        if ref in params and params[ref].value is not None:
            return np.full(len(SECTIONS), float(params[ref].value or 0.0))
        self.col.add((*base, "limit"), "limit must be a number, a per-section table or params.<name>")
        return None

    def _item_expressions(self, base: tuple[str | int, ...], item: Item, ci: CompiledItem) -> None:
        """Compile the expressions of an ``every``, ``county`` or ``progress`` item into ``ci.exprs``."""
        if item.kind == "every":
            assert item.level is not None and item.require is not None
            if item.scope is not None and item.scope not in self.pack.scopes:
                self.col.add((*base, "scope"), f"unknown scope {item.scope!r}")
            c = self.expression((*base, "require"), item.require, item.level, want="bool")
            if c is not None:
                ci.exprs["require"] = c
            if item.where is not None:
                w = self.expression((*base, "where"), item.where, item.level, want="bool")
                if w is not None:
                    ci.exprs["where"] = w
        elif item.kind == "county":
            assert item.require is not None
            c = self.expression((*base, "require"), item.require, "county", want="bool")
            if c is not None:
                ci.exprs["require"] = c
        elif item.kind == "progress":
            assert item.value is not None
            c = self.expression((*base, "value"), item.value, "county")
            if c is not None:
                ci.exprs["value"] = c
                self.unit_factor((*base, "unit"), c, item.unit or "1", f"item {ci.id}", (*base, "value"))


def compile_pack(pack: Pack, locate: Locate, rank: Callable[[str | None], int] | None = None) -> CompiledPack:
    """Check every rule of ``pack`` and compile its expressions; raise :class:`PackError` listing all problems.

    ``rank(file)`` orders the files of an extends chain (base first); when two places of one rule disagree (an
    expression and its declared unit), the problem is reported at the later one — the change that caused it."""
    col = _Collector(locate)
    symbols, input_factors = _input_symbols(pack, col)
    params, param_tables = _parameter_symbols(pack, col)
    rules = _RuleCompiler(pack, col, symbols, params, param_tables, rank)
    fallbacks = rules.computed_inputs()
    rules.derived_values()
    indicators = rules.indicators()
    exclusions = rules.exclusions()
    tolerance = _tolerance(pack, col)
    items = rules.items()
    if pack.roster is not None:
        for rpath, message in check_roster(pack.roster):
            col.add(rpath, message)
    for rpath, message in check_computations(pack):
        col.add(rpath, message)
    _check_cites(pack, col)
    weights = _apportion_table(pack, col)
    if col.problems:
        raise PackError(col.problems)
    return CompiledPack(
        pack=pack,
        table=rules.table,
        derived=rules.derived,
        derived_order=rules.derived_order,
        indicators=indicators,
        exclusions=exclusions,
        items=items,
        param_tables=param_tables,
        apportion_weights=weights,
        tolerance=tolerance,
        input_factors=input_factors,
        fallbacks=fallbacks,
        previous_used=frozenset(rules.previous_used),
        lookback_items=rules.lookback_items(items),
    )


def _timeline_problems(item: Item) -> list[tuple[tuple[str | int, ...], str]]:
    """A progress item's baseline and milestones must lie on its road: the baseline before the milestones, every
    milestone in or before the deadline's year."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    start = item.baseline.year if item.baseline is not None and isinstance(item.baseline.year, int) else None
    end = item.deadline.year if item.deadline is not None else None
    if start is not None and end is not None and start > end:
        out.append((("baseline", "year"), f"the baseline year {start} is after the deadline ({item.deadline})"))
    for j, milestone in enumerate(item.milestones or ()):
        if end is not None and milestone.year > end:
            out.append(
                (("milestones", j, "year"), f"milestone {milestone.year} is after the deadline ({item.deadline})")
            )
        if start is not None and milestone.year <= start:
            out.append(
                (("milestones", j, "year"), f"milestone {milestone.year} is not after the baseline year {start}")
            )
    return out


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

    def check(path: tuple[str | int, ...], cite: Any, key: str = "cite") -> None:
        if cite is not None and cite.source not in known:
            col.add((*path, key, "source"), f"cites unknown source {cite.source!r} (declare it under sources)")

    for name, p in pack.parameters.items():
        check(("parameters", name), p.cite)
    for name, ind in pack.indicators.items():
        check(("indicators", name), ind.cite)
    for name, it in pack.items.items():
        check(("items", name), it.cite)
        check(("items", name), it.deadline_cite, "deadline_cite")
        check(("items", name, "baseline"), it.baseline.cite if it.baseline is not None else None)
        for j, milestone in enumerate(it.milestones or ()):
            check(("items", name, "milestones", j), milestone.cite)
    for name, area in pack.areas.items():
        check(("areas", name), area.cite)
    for name, rule in pack.eligibility.items():
        check(("eligibility", name), rule.cite)
    for sid, scope in pack.scopes.items():
        for eid, exc in scope.exclude.items():
            check(("scopes", sid, "exclude", eid), exc.cite)
    if pack.apportionment is not None:
        check(("apportionment",), pack.apportionment.cite)
    if pack.roster is not None:
        check(("roster",), pack.roster.cite)
        for name, count in pack.roster.counts.items():
            check(("roster", "counts", name), count.cite)
    for path, cite in computation_cites(pack):
        check(path, cite)
