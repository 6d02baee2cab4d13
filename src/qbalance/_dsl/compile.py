"""Type- and unit-check a parsed expression against the symbols a pack declares, and compile it to numpy closures.

Every value in the language is a float64 array at one *level* of the data (county, school, section): numbers in
base units, booleans and categories as codes, and NaN for "missing". Missing is never a pass: arithmetic propagates
NaN, comparisons with a missing side are missing, and ``and``/``or``/aggregates follow Kleene's three-valued logic.
Numeric comparisons treat values within a relative tolerance as equal, so a value mathematically at its threshold
passes whatever floating point does ("达到 X 以上" includes X).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

import numpy as np

from .._kernels.numeric import compare
from .._units.registry import canonical_factor, dims_of, format_dims
from .parse import Binary, Call, Compare, InList, Logic, Name, Node, Not, Number, Text, Unary, parse
from .parse import Literal as BoolLiteral

__all__ = [
    "AGGREGATE_OPS",
    "Compiled",
    "DType",
    "DslTypeError",
    "ParamSym",
    "Runtime",
    "Symbol",
    "SymbolTable",
    "compile_expression",
]

Kind = Literal["number", "bool", "category"]
Value = Any  # np.ndarray or a Python float constant

AGGREGATE_OPS = ("sum", "min", "max", "all", "any", "count")
_ELEMENTWISE = {"min", "max", "abs", "where", "ceil", "floor", "coalesce", "is_missing"}


class DslTypeError(ValueError):
    """An expression is well-formed but meaningless: unknown name, wrong unit, wrong level or type."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        where = f" (at column {column})" if column is not None else ""
        super().__init__(f"{message}{where}")


@dataclass(frozen=True)
class DType:
    """The type of an expression value: a number with a dimension, a boolean, or a category from a fixed list."""

    kind: Kind
    dims: Any = None
    """The dimension of a number (a :class:`Dims`); None for other kinds."""
    categories: tuple[str, ...] = ()
    ordered: bool = False

    def describe(self) -> str:
        if self.kind == "number":
            return f"a number in {format_dims(self.dims)}"
        if self.kind == "category":
            return f"a {'rating' if self.ordered else 'category'} ({', '.join(self.categories)})"
        return "a yes/no value"


NUMBER_1 = DType("number", dims_of("1"))
BOOL = DType("bool")


@dataclass(frozen=True)
class Symbol:
    """A name an expression may use: a declared input, a structural field or a derived value."""

    name: str
    level: str
    dtype: DType
    apportioned: bool = False
    """A shared school amount that is split between sections when used at section level."""


@dataclass(frozen=True)
class ParamSym:
    """A pack parameter: a constant, or a table keyed by a category symbol such as ``section``."""

    name: str
    dtype: DType
    by: str | None = None
    value: float | None = None
    """The value of an unkeyed parameter, known when the pack loads (lets a zero coefficient drop a term)."""


@dataclass(frozen=True)
class SymbolTable:
    """What a pack's expressions can see: level tree, symbols and parameters."""

    parents: Mapping[str, str | None]
    symbols: Mapping[str, Symbol]
    params: Mapping[str, ParamSym]
    apportion_level: tuple[str, str] | None = ("school", "section")

    def is_ancestor(self, upper: str, lower: str) -> bool:
        """True when ``upper`` is a strict ancestor of ``lower`` in the level tree."""
        node = self.parents.get(lower)
        while node is not None:
            if node == upper:
                return True
            node = self.parents.get(node)
        return False


class Runtime(Protocol):
    """What compiled closures need at evaluation time; implemented by the engine over a section table."""

    tol: float

    def value(self, name: str) -> np.ndarray: ...
    def missing_everywhere(self, name: str) -> bool: ...
    def param(self, name: str) -> Value: ...
    def down(self, values: np.ndarray, src: str, dst: str) -> np.ndarray: ...
    def share(self, name: str, dst: str) -> np.ndarray: ...
    def up(self, values: np.ndarray, src: str, dst: str, op: str) -> np.ndarray: ...


Fn = Callable[[Runtime], Value]


@dataclass(frozen=True)
class Compiled:
    """A checked expression: its type, the level its values live at (None for constants) and its closure."""

    dtype: DType
    level: str | None
    fn: Fn
    deps: frozenset[str] = frozenset()
    params: frozenset[str] = frozenset()
    share: Callable[[str], Fn] | None = None
    """For school amounts that are linear in apportioned fields: builds the section-level (apportioned) closure."""
    contains_apportioned: bool = False
    const: float | None = None
    """The value when it is known without data (literals and unkeyed parameters)."""
    literal: bool = False
    """A number written in the expression (a bare literal 0 fits any unit; a parameter that is 0 does not)."""
    text: str | None = None
    symbol_levels: Mapping[str, str] = field(default_factory=dict)
    missing: Callable[[Runtime], bool] | None = None
    """Whether the value is missing on every row, decided from the inputs that are missing everywhere without
    computing it (an item whose inputs no county gave); None when that can never be proven this way."""


# -- numpy helpers (three-valued) -----------------------------------------------------------------------------------


def _arr(x: Value) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _compare_codes(op: str, a: Value, b: Value) -> Value:
    a_arr, b_arr = _arr(a), _arr(b)
    with np.errstate(invalid="ignore"):
        res = _CODE_COMPARISONS[op](a_arr, b_arr)
    return _missing_where(res, a_arr, b_arr)


_CODE_COMPARISONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


def _missing_where(res: np.ndarray, a_arr: np.ndarray, b_arr: np.ndarray) -> np.ndarray:
    """``res`` as 0/1 floats, NaN where either side is missing."""
    out = np.asarray(res, dtype=np.float64)
    np.copyto(out, np.nan, where=np.isnan(a_arr) | np.isnan(b_arr))
    return out


def _and(a: Value, b: Value) -> Value:
    """Kleene's AND of values in {0, 1, NaN}: the smaller of the two (NaN if either is missing), and 0 whenever
    either is 0."""
    a_arr, b_arr = _arr(a), _arr(b)
    out = np.asarray(np.minimum(a_arr, b_arr), dtype=np.float64)
    np.copyto(out, 0.0, where=(a_arr == 0) | (b_arr == 0))
    return out


def _or(a: Value, b: Value) -> Value:
    """Kleene's OR of values in {0, 1, NaN}: the larger of the two (NaN if either is missing), and 1 whenever
    either is 1."""
    a_arr, b_arr = _arr(a), _arr(b)
    out = np.asarray(np.maximum(a_arr, b_arr), dtype=np.float64)
    np.copyto(out, 1.0, where=(a_arr == 1) | (b_arr == 1))
    return out


def _divide(a: Value, b: Value) -> Value:
    a_arr, b_arr = _arr(a), _arr(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a_arr / b_arr
    return np.where(b_arr == 0, np.nan, out)


def _neg(fn: Fn) -> Fn:
    return lambda rt: -_arr(fn(rt))


_BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: _arr(a) + _arr(b),
    "-": lambda a, b: _arr(a) - _arr(b),
    "*": lambda a, b: _arr(a) * _arr(b),
    "/": _divide,
}


def _where(c: Value, a: Value, b: Value) -> Value:
    c_arr = _arr(c)
    return np.where(np.isnan(c_arr), np.nan, np.where(c_arr == 1, _arr(a), _arr(b)))


def _missing_rule(rule: str, parts: tuple[Compiled, ...]) -> Callable[[Runtime], bool] | None:
    """The ``missing`` test of a node from its parts' (see :meth:`_Compiler.merge`)."""
    tests = [p.missing for p in parts if p.missing is not None]
    if rule == "never" or not tests:
        return None
    if rule == "all":
        if len(tests) < len(parts):
            return None  # a part that is never missing everywhere keeps the whole known somewhere
        return lambda rt: all(t(rt) for t in tests)
    return lambda rt: any(t(rt) for t in tests)


# -- the checker/compiler -------------------------------------------------------------------------------------------


class _Compiler:
    def __init__(self, table: SymbolTable) -> None:
        self.t = table

    def fail(self, message: str, node: Node) -> DslTypeError:
        return DslTypeError(message, getattr(node, "pos", None))

    def join(self, a: Compiled, b: Compiled, node: Node) -> str | None:
        la, lb = a.level, b.level
        if la is None:
            return lb
        if lb is None or la == lb:
            return la
        if self.t.is_ancestor(la, lb):
            return lb
        if self.t.is_ancestor(lb, la):
            return la
        raise self.fail(f"cannot combine values at level {la!r} with values at level {lb!r}", node)

    def at(self, c: Compiled, level: str | None, node: Node) -> Fn:
        """The closure of ``c`` broadcast down to ``level``, splitting shared amounts where the pack says so."""
        if c.level is None or level is None or c.level == level:
            return c.fn
        src = c.level
        fn = c.fn
        split = self.t.apportion_level
        crosses = split is not None and src == split[0] and (level == split[1] or self.t.is_ancestor(split[1], level))
        if crosses and c.share is not None:
            return c.share(level)
        if crosses and c.contains_apportioned:
            raise self.fail(
                "a shared school amount that is apportioned between sections can only be added, subtracted or "
                "scaled by constants before it is combined with section values "
                "(e.g. (facilities.sports_ground_area + facilities.indoor_gym_area) / students)",
                node,
            )
        return lambda rt: rt.down(_arr(fn(rt)), src, level)

    def merge(
        self, dtype: DType, level: str | None, fn: Fn, *parts: Compiled, rule: str = "any", **kw: Any
    ) -> Compiled:
        """The node made of ``parts``. ``rule``: when it is missing everywhere — "any" (missing when one part
        is: arithmetic, comparisons, NaN propagates), "all" (only when every part is: and, or, coalesce) or
        "never" (is_missing, aggregates over groups that may be empty)."""
        kw.setdefault("missing", _missing_rule(rule, parts))
        deps: frozenset[str] = frozenset().union(*(p.deps for p in parts))
        params: frozenset[str] = frozenset().union(*(p.params for p in parts))
        contains = any(p.contains_apportioned for p in parts) and (
            level is not None and self.t.apportion_level is not None and level == self.t.apportion_level[0]
        )
        levels: dict[str, str] = {}
        for p in parts:
            levels.update(p.symbol_levels)
        return Compiled(dtype, level, fn, deps, params, contains_apportioned=contains, symbol_levels=levels, **kw)

    # -- nodes ----------------------------------------------------------------------------------------------------
    def visit(self, node: Node) -> Compiled:
        if isinstance(node, Number):
            if not math.isfinite(node.value):
                raise self.fail(f"the number {node.value!r} is not finite (too large?)", node)
            if node.unit is None:
                value = node.value
                return Compiled(NUMBER_1, None, lambda rt: value, const=value, literal=True)
            try:
                dims = dims_of(node.unit)
                value = node.value * canonical_factor(node.unit)
            except ValueError as exc:  # a UnitError: its English text, as every pack message is for now
                raise self.fail(str(exc.args[0]) if exc.args else str(exc), node) from None
            if not math.isfinite(value):
                raise self.fail(f"the number {node.value!r} [{node.unit}] is not finite in base units", node)
            return Compiled(DType("number", dims), None, lambda rt: value, const=value)
        if isinstance(node, BoolLiteral):
            value = 1.0 if node.value else 0.0
            return Compiled(BOOL, None, lambda rt: value, const=value)
        if isinstance(node, Text):
            raise self.fail(
                f'the text {node.value!r} can only be compared with a category, e.g. school_type == "primary"',
                node,
            )
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Unary):
            c = self.visit(node.operand)
            self.need_number(c, node, "'-'")
            fn = c.fn
            if c.const is not None:
                neg = -c.const
                return replace(c, fn=lambda rt: neg, const=neg)
            out = self.merge(c.dtype, c.level, lambda rt: -_arr(fn(rt)), c)
            if c.share is not None:
                inner = c.share
                out = replace(out, share=lambda lvl: _neg(inner(lvl)))
            return out
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, InList):
            return self.in_list(node)
        if isinstance(node, Logic):
            a, b = self.visit(node.left), self.visit(node.right)
            self.need_bool(a, node, f"'{node.op}'")
            self.need_bool(b, node, f"'{node.op}'")
            level = self.join(a, b, node)
            fa, fb = self.at(a, level, node), self.at(b, level, node)
            op = _and if node.op == "and" else _or
            return self.merge(BOOL, level, lambda rt: op(fa(rt), fb(rt)), a, b, rule="all")
        if isinstance(node, Not):
            c = self.visit(node.operand)
            self.need_bool(c, node, "'not'")
            fn = c.fn
            return self.merge(BOOL, c.level, lambda rt: 1.0 - _arr(fn(rt)), c)
        if isinstance(node, Call):
            return self.call(node)
        raise self.fail("unsupported expression", node)  # pragma: no cover - parser emits only the above

    def name(self, node: Name) -> Compiled:
        path = node.path
        if path.startswith("params."):
            pname = path[len("params.") :]
            param = self.t.params.get(pname)
            if param is None:
                raise self.fail(f"unknown parameter {pname!r}{self.suggest(pname, self.t.params)}", node)
            if param.by is None and param.value is not None:
                pvalue = float(param.value)
                return Compiled(param.dtype, None, lambda rt: pvalue, frozenset(), frozenset({pname}), const=pvalue)
            level = None
            if param.by is not None:
                by_sym = self.t.symbols.get(param.by)
                if by_sym is None:
                    raise self.fail(f"parameter {pname!r} is keyed by unknown field {param.by!r}", node)
                level = by_sym.level
            return Compiled(
                param.dtype,
                level,
                lambda rt: rt.param(pname),
                frozenset({param.by}) if param.by else frozenset(),
                frozenset({pname}),
            )
        sym = self.t.symbols.get(path)
        if sym is None:
            raise self.fail(f"unknown name {path!r}{self.suggest(path, self.t.symbols)}", node)
        return Compiled(
            sym.dtype,
            sym.level,
            lambda rt: rt.value(path),
            frozenset({path}),
            share=(lambda lvl: lambda rt: rt.share(path, lvl)) if sym.apportioned else None,
            contains_apportioned=sym.apportioned,
            symbol_levels={path: sym.level},
            missing=lambda rt: rt.missing_everywhere(path),
        )

    @staticmethod
    def suggest(name: str, options: Mapping[str, Any]) -> str:
        close = difflib.get_close_matches(name, list(options), n=3, cutoff=0.6)
        return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""

    def need_number(self, c: Compiled, node: Node, what: str) -> None:
        if c.dtype.kind != "number":
            raise self.fail(f"{what} needs numbers, got {c.dtype.describe()}", node)

    def need_bool(self, c: Compiled, node: Node, what: str) -> None:
        if c.dtype.kind != "bool":
            raise self.fail(f"{what} needs yes/no values (comparisons), got {c.dtype.describe()}", node)

    def same_dims(self, a: Compiled, b: Compiled, node: Node, what: str) -> Any:
        if a.literal and a.const == 0.0 and a.dtype.dims == NUMBER_1.dims:
            return b.dtype.dims
        if b.literal and b.const == 0.0 and b.dtype.dims == NUMBER_1.dims:
            return a.dtype.dims
        if a.dtype.dims != b.dtype.dims:
            raise self.fail(
                f"{what} needs the same unit on both sides: {format_dims(a.dtype.dims)} vs {format_dims(b.dtype.dims)}",
                node,
            )
        return a.dtype.dims

    def binary(self, node: Binary) -> Compiled:
        a, b = self.visit(node.left), self.visit(node.right)
        self.need_number(a, node, f"'{node.op}'")
        self.need_number(b, node, f"'{node.op}'")
        op = node.op
        if op in "+-":
            dims = self.same_dims(a, b, node, f"'{op}'")
        elif op == "*":
            dims = a.dtype.dims * b.dtype.dims
        else:
            dims = a.dtype.dims / b.dtype.dims
        dtype = DType("number", dims)
        if a.const is not None and b.const is not None:
            with np.errstate(all="ignore"):
                value = float(_BINARY[op](np.float64(a.const), np.float64(b.const)))
            if not math.isfinite(value):
                raise self.fail(f"the constant '{op}' of {a.const:g} and {b.const:g} is not a finite number", node)
            return self.merge(dtype, None, lambda rt: value, a, b, const=value)
        if op in "+-" and b.const == 0.0:
            return replace(a, dtype=dtype, params=a.params | b.params)  # x ± 0 is x (keeps its apportionment)
        if op == "+" and a.const == 0.0:
            return replace(b, dtype=dtype, params=a.params | b.params)
        if op == "-" and a.const == 0.0 and b.const is None:
            negated = self.merge(dtype, b.level, _neg(b.fn), b)
            share = b.share
            return replace(negated, share=(lambda lvl: _neg(share(lvl))) if share is not None else None)
        if op == "*" and (a.const == 0.0 or b.const == 0.0):
            # A term scaled by a constant zero (a switched-off coefficient) is dropped: it needs no data.
            return Compiled(dtype, None, lambda rt: 0.0, params=a.params | b.params, const=0.0)
        level = self.join(a, b, node)
        fa, fb = self.at(a, level, node), self.at(b, level, node)
        func = _BINARY[op]
        out = self.merge(dtype, level, lambda rt: func(fa(rt), fb(rt)), a, b)
        return replace(out, share=self.linear_share(op, a, b))

    @staticmethod
    def linear_share(op: str, a: Compiled, b: Compiled) -> Callable[[str], Fn] | None:
        """Apportionment passes through sums, differences and scaling by constants (the share is linear)."""
        if op in "+-" and (a.share or a.const is not None) and (b.share or b.const is not None):
            if a.const is not None or b.const is not None:
                return None  # adding a constant amount to a shared amount is not linear in the share
            sa, sb = a.share, b.share
            assert sa is not None and sb is not None
            func = _BINARY[op]

            def both(lvl: str, sa: Callable[[str], Fn] = sa, sb: Callable[[str], Fn] = sb) -> Fn:
                fa, fb = sa(lvl), sb(lvl)
                return lambda rt: func(fa(rt), fb(rt))

            return both
        if op in "*/" and a.share is not None and b.const is not None:
            sa, kb = a.share, b.const
            func = _BINARY[op]
            return lambda lvl: (lambda fa: lambda rt: func(fa(rt), kb))(sa(lvl))
        if op == "*" and b.share is not None and a.const is not None:
            sb, ka = b.share, a.const
            return lambda lvl: (lambda fb: lambda rt: _arr(fb(rt)) * ka)(sb(lvl))
        return None

    def category_code(self, cat: Compiled, text: Text) -> float:
        if text.value not in cat.dtype.categories:
            raise self.fail(
                f"{text.value!r} is not one of the values of this field: {', '.join(cat.dtype.categories)}",
                text,
            )
        return float(cat.dtype.categories.index(text.value))

    def compare(self, node: Compare) -> Compiled:
        op = node.op
        left_text = isinstance(node.left, Text)
        right_text = isinstance(node.right, Text)
        if left_text and right_text:
            raise self.fail("comparing two texts is always constant", node)
        if left_text or right_text:
            other_node = node.right if left_text else node.left
            text = node.left if left_text else node.right
            assert isinstance(text, Text)
            other = self.visit(other_node)
            if other.dtype.kind != "category":
                raise self.fail(f"a text can only be compared with a category, not {other.dtype.describe()}", node)
            if op not in ("==", "!=") and not other.dtype.ordered:
                raise self.fail(f"{op!r} needs a rating with an order; this field is an unordered category", node)
            code = self.category_code(other, text)
            fo = other.fn
            if left_text:
                flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
                return self.merge(BOOL, other.level, lambda rt: _compare_codes(flipped, fo(rt), code), other)
            return self.merge(BOOL, other.level, lambda rt: _compare_codes(op, fo(rt), code), other)
        a, b = self.visit(node.left), self.visit(node.right)
        level = self.join(a, b, node)
        fa, fb = self.at(a, level, node), self.at(b, level, node)
        if a.dtype.kind == "number" and b.dtype.kind == "number":
            self.same_dims(a, b, node, f"{op!r}")
            return self.merge(BOOL, level, lambda rt: compare(op, fa(rt), fb(rt), rt.tol), a, b)
        if a.dtype.kind == "category" and b.dtype.kind == "category":
            if a.dtype.categories != b.dtype.categories:
                raise self.fail("cannot compare categories with different value lists", node)
            if op not in ("==", "!=") and not a.dtype.ordered:
                raise self.fail(f"{op!r} needs a rating with an order", node)
            return self.merge(BOOL, level, lambda rt: _compare_codes(op, fa(rt), fb(rt)), a, b)
        if a.dtype.kind == "bool" and b.dtype.kind == "bool" and op in ("==", "!="):
            return self.merge(BOOL, level, lambda rt: _compare_codes(op, fa(rt), fb(rt)), a, b)
        raise self.fail(f"cannot compare {a.dtype.describe()} with {b.dtype.describe()} using {op!r}", node)

    def in_list(self, node: InList) -> Compiled:
        c = self.visit(node.operand)
        if c.dtype.kind != "category":
            raise self.fail(f"'in' needs a category, got {c.dtype.describe()}", node)
        codes = np.array([self.category_code(c, Text(v, node.pos)) for v in node.options])
        fn = c.fn
        negated = node.negated

        def run(rt: Runtime) -> Value:
            v = _arr(fn(rt))
            hit = np.isin(v, codes).astype(np.float64)
            if negated:
                hit = 1.0 - hit
            return np.where(np.isnan(v), np.nan, hit)

        return self.merge(BOOL, c.level, run, c)

    def call(self, node: Call) -> Compiled:
        func = node.func
        level_name, _, op = func.rpartition("_")
        if op in AGGREGATE_OPS and level_name in self.t.parents:
            return self.aggregate(node, level_name, op)
        if func not in _ELEMENTWISE:
            known = sorted(_ELEMENTWISE | {f"{lv}_{o}" for lv in self.t.parents for o in AGGREGATE_OPS})
            raise self.fail(f"unknown function {func!r}{self.suggest(func, dict.fromkeys(known))}", node)
        args = [self.visit(a) for a in node.args]

        def arity(lo: int, hi: int) -> None:
            if not lo <= len(args) <= hi:
                want = str(lo) if lo == hi else f"{lo} to {hi}"
                raise self.fail(f"{func}() takes {want} argument(s), got {len(args)}", node)

        if func in ("min", "max"):
            arity(1, 16)
            for a in args:
                self.need_number(a, node, f"{func}()")
            dims = args[0].dtype.dims
            level = args[0].level
            for a in args[1:]:
                dims = self.same_dims(replace(args[0], dtype=DType("number", dims)), a, node, f"{func}()")
                level = self.join(replace(args[0], level=level), a, node)
            fns = [self.at(a, level, node) for a in args]
            reducer = np.minimum if func == "min" else np.maximum

            def run_minmax(rt: Runtime) -> Value:
                out = _arr(fns[0](rt))
                for f in fns[1:]:
                    out = reducer(out, _arr(f(rt)))
                return out

            return self.merge(DType("number", dims), level, run_minmax, *args)
        if func in ("abs", "ceil", "floor"):
            arity(1, 1)
            (a,) = args
            self.need_number(a, node, f"{func}()")
            if func != "abs" and a.dtype.dims != NUMBER_1.dims:
                raise self.fail(f"{func}() needs a plain number, got {format_dims(a.dtype.dims)}", node)
            ufunc = {"abs": np.abs, "ceil": np.ceil, "floor": np.floor}[func]
            fa = a.fn
            return self.merge(a.dtype, a.level, lambda rt: ufunc(_arr(fa(rt))), a)
        if func == "is_missing":
            arity(1, 1)
            (a,) = args
            fa = a.fn
            return self.merge(BOOL, a.level, lambda rt: np.isnan(_arr(fa(rt))).astype(np.float64), a, rule="never")
        if func == "coalesce":
            arity(2, 2)
            a, b = args
            dtype = self.same_type(a, b, node, "coalesce()")
            level = self.join(a, b, node)
            fa, fb = self.at(a, level, node), self.at(b, level, node)

            def run_coalesce(rt: Runtime) -> Value:
                x = _arr(fa(rt))
                return np.where(np.isnan(x), _arr(fb(rt)), x)

            return self.merge(dtype, level, run_coalesce, a, b, rule="all")
        # where(cond, a, b)
        arity(3, 3)
        c, a, b = args
        self.need_bool(c, node, "where()")
        dtype = self.same_type(a, b, node, "where()")
        level = self.join(c, a, node)
        level = self.join(replace(c, level=level), b, node)
        fc, fa, fb = self.at(c, level, node), self.at(a, level, node), self.at(b, level, node)
        either = _missing_rule("all", (a, b))
        cond = _missing_rule("any", (c,))
        tests = [t for t in (cond, either) if t is not None]
        missing = (lambda rt: any(t(rt) for t in tests)) if tests else None  # no condition, or neither branch
        return self.merge(dtype, level, lambda rt: _where(fc(rt), fa(rt), fb(rt)), c, a, b, missing=missing)

    def same_type(self, a: Compiled, b: Compiled, node: Node, what: str) -> DType:
        if a.dtype.kind != b.dtype.kind:
            raise self.fail(f"{what} needs both values of one type: {a.dtype.describe()} vs {b.dtype.describe()}", node)
        if a.dtype.kind == "number":
            return DType("number", self.same_dims(a, b, node, what))
        if a.dtype.kind == "category" and a.dtype.categories != b.dtype.categories:
            raise self.fail(f"{what} needs categories with the same value list", node)
        return a.dtype

    def aggregate(self, node: Call, target: str, op: str) -> Compiled:
        if len(node.args) != 1:
            raise self.fail(f"{node.func}() takes exactly one argument", node)
        c = self.visit(node.args[0])
        if c.level is None:
            raise self.fail(f"{node.func}() needs a value that varies by row, not a constant", node)
        if c.level == target or not self.t.is_ancestor(target, c.level):
            raise self.fail(
                f"{node.func}() gathers values from below level {target!r}, but its argument is at level {c.level!r}",
                node,
            )
        if op in ("sum", "min", "max"):
            self.need_number(c, node, f"{node.func}()")
            dtype = c.dtype
        elif op == "count":
            self.need_bool(c, node, f"{node.func}()")
            dtype = NUMBER_1
        else:
            self.need_bool(c, node, f"{node.func}()")
            dtype = BOOL
        fn = c.fn
        src = c.level
        result = self.merge(dtype, target, lambda rt: rt.up(_arr(fn(rt)), src, target, op), c, rule="never")
        return replace(result, contains_apportioned=False)


def compile_expression(text: str, table: SymbolTable, *, level: str | None = None) -> Compiled:
    """Parse, check and compile ``text``. With ``level``, the result is broadcast to (or must live at) that level."""
    node = parse(text)
    compiler = _Compiler(table)
    c = compiler.visit(node)
    if level is not None and c.level is not None and c.level != level:
        if not table.is_ancestor(c.level, level):
            raise DslTypeError(
                f"this expression gives values per {c.level}, but it is used per {level}"
                + (
                    f"; aggregate it, e.g. {level}_sum(...) or {level}_all(...)"
                    if table.is_ancestor(level, c.level)
                    else ""
                )
            )
        fn = compiler.at(c, level, node)
        c = replace(c, fn=fn, level=level, share=None)
    return replace(c, text=text)
