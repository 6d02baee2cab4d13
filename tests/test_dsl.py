"""Tests of the rule-pack expression language: ``qbalance._dsl.parse.parse`` and ``_dsl.compile.compile_expression``.

Compiled expressions run against a tiny fake runtime with a hand-checkable layout:

    county 0
      school 0 (nine-year, rating "good", has a lab)        facilities.area 9400 m², gym 940 m², enrolment 900
        section 0  primary  500 students  30 teachers
        section 1  junior   400 students  25 teachers
      school 1 (primary, rating "excellent", lab unknown)   facilities.area 3000 m², gym 0 m², enrolment 300
        section 2  primary  300 students  20 teachers

Shared facilities are split by weighted students (STANDARDS §3): school 0 primary 500/940, junior 1.1*400/940 =
440/940; school 1's only section gets all of it. Every expected value in this file is worked out by hand from these
numbers in a comment.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from qbalance._dsl.compile import BOOL, NUMBER_1, DslTypeError, DType, ParamSym, Symbol, SymbolTable, compile_expression
from qbalance._dsl.parse import (
    MAX_DEPTH,
    Binary,
    Call,
    Compare,
    DslSyntaxError,
    InList,
    Literal,
    Logic,
    Name,
    Not,
    Number,
    Text,
    Unary,
    parse,
)
from qbalance._kernels.numeric import group_reduce
from qbalance._units.registry import dims_of

NAN = float("nan")


def num(unit: str) -> DType:
    return DType("number", dims_of(unit))


LEVELS = {"county": None, "school": "county", "section": "school"}
SCHOOL_TYPES = ("primary", "junior", "nine_year")
RATINGS = ("poor", "fair", "good", "excellent")

SYMBOLS = [
    Symbol("students", "section", num("student")),
    Symbol("teachers", "section", num("teacher")),
    Symbol("ratio", "section", NUMBER_1),
    Symbol("ok", "section", BOOL),
    Symbol("section", "section", DType("category", categories=("primary", "junior"))),
    Symbol("facilities.area", "school", num("m**2"), apportioned=True),
    Symbol("facilities.gym", "school", num("m**2"), apportioned=True),
    Symbol("enrolment", "school", num("student")),
    Symbol("school_type", "school", DType("category", categories=SCHOOL_TYPES)),
    Symbol("ownership", "school", DType("category", categories=("public", "private"))),
    Symbol("rating", "school", DType("category", categories=RATINGS, ordered=True)),
    Symbol("has_lab", "school", BOOL),
    Symbol("budget", "county", num("yuan")),
]
PARAMS = [
    ParamSym("cv_limit", NUMBER_1, value=0.5),
    ParamSym("zero_coef", NUMBER_1, value=0.0),
    ParamSym("min_area", num("m**2 / student"), by="section"),  # per-section table, looked up at run time
]
TABLE = SymbolTable(LEVELS, {s.name: s for s in SYMBOLS}, {p.name: p for p in PARAMS})

SECTION_SCHOOL = np.array([0, 0, 1])
UP_INDEX = {
    ("school", "section"): SECTION_SCHOOL,
    ("county", "section"): np.array([0, 0, 0]),
    ("county", "school"): np.array([0, 0]),
}
SIZES = {"county": 1, "school": 2, "section": 3}


class FakeRuntime:
    """The runtime protocol over the layout in the module docstring; records what the compiled code asks for."""

    def __init__(self, tol: float = 1e-9, **overrides: list[float]) -> None:
        self.tol = tol
        self.values: dict[str, np.ndarray] = {
            "students": np.array([500.0, 400.0, 300.0]),
            "teachers": np.array([30.0, 25.0, 20.0]),
            "ratio": np.array([1.4, 1.4, NAN]),
            "ok": np.array([1.0, 0.0, NAN]),
            "section": np.array([0.0, 1.0, 0.0]),
            "facilities.area": np.array([9400.0, 3000.0]),
            "facilities.gym": np.array([940.0, 0.0]),
            "enrolment": np.array([900.0, 300.0]),
            "school_type": np.array([2.0, 0.0]),
            "ownership": np.array([0.0, NAN]),
            "rating": np.array([2.0, 3.0]),
            "has_lab": np.array([1.0, NAN]),
            "budget": np.array([1_200_000.0]),
        }
        for name, v in overrides.items():
            self.values[name.replace("__", ".")] = np.asarray(v, dtype=np.float64)
        self.shares = np.array([500 / 940, 440 / 940, 1.0])
        self.read: list[str] = []
        self.ups: list[tuple[str, str, str]] = []
        self.shared: list[str] = []

    def value(self, name: str) -> np.ndarray:
        self.read.append(name)
        return self.values[name]

    def missing_everywhere(self, name: str) -> bool:
        return bool(np.isnan(self.values[name]).all())

    def param(self, name: str) -> Any:
        assert name == "min_area"
        table = np.array([4.0, 5.0])  # primary 4 m²/student, junior 5 m²/student
        return table[self.values["section"].astype(np.int64)]

    def down(self, values: np.ndarray, src: str, dst: str) -> np.ndarray:
        return np.asarray(values)[UP_INDEX[(src, dst)]]

    def share(self, name: str, dst: str) -> np.ndarray:
        assert dst == "section"
        self.shared.append(name)
        return self.values[name][SECTION_SCHOOL] * self.shares

    def up(self, values: np.ndarray, src: str, dst: str, op: str) -> np.ndarray:
        self.ups.append((src, dst, op))
        return group_reduce(values, UP_INDEX[(dst, src)], SIZES[dst], op)


def run(text: str, rt: FakeRuntime | None = None, *, level: str | None = None, table: SymbolTable = TABLE) -> Any:
    c = compile_expression(text, table, level=level)
    return c.fn(rt or FakeRuntime())


def same(actual: Any, expected: list[float] | float) -> bool:
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    return a.shape == e.shape and bool(np.allclose(a, e, rtol=1e-12, atol=0.0, equal_nan=True))


def type_error(text: str, *, level: str | None = None, table: SymbolTable = TABLE) -> str:
    with pytest.raises(DslTypeError) as info:
        compile_expression(text, table, level=level)
    return str(info.value)


# -- parsing ------------------------------------------------------------------------------------------------------


def test_parse_precedence_and_associativity() -> None:
    # 1 + 2 * 3 is 1 + (2 * 3); a - b - c is (a - b) - c
    tree = parse("1 + 2 * 3")
    assert isinstance(tree, Binary) and tree.op == "+"
    assert isinstance(tree.left, Number) and tree.left.value == 1.0
    assert isinstance(tree.right, Binary) and tree.right.op == "*"
    tree = parse("a - b - c")
    assert isinstance(tree, Binary) and isinstance(tree.left, Binary)
    assert isinstance(tree.right, Name) and tree.right.path == "c"


def test_parse_logic_precedence() -> None:
    # not binds tighter than and, and tighter than or: (not a) and b or c → or(and(not a, b), c)
    tree = parse("not a and b or c")
    assert isinstance(tree, Logic) and tree.op == "or"
    assert isinstance(tree.left, Logic) and tree.left.op == "and"
    assert isinstance(tree.left.left, Not)


def test_parse_node_kinds_and_columns() -> None:
    tree = parse('x >= 96 [m**2] and t == "a" and not f(y, true) and -z < 0 and k in ["p", \'q\']')
    nodes: list[Any] = []

    def walk(n: Any) -> None:
        nodes.append(n)
        for attr in ("left", "right", "operand"):
            if hasattr(n, attr):
                walk(getattr(n, attr))
        for a in getattr(n, "args", ()):
            walk(a)

    walk(tree)
    kinds = {type(n) for n in nodes}
    assert {Logic, Compare, Name, Number, Text, Not, Call, Literal, Unary, InList} <= kinds
    number = next(n for n in nodes if isinstance(n, Number))
    assert (number.value, number.unit, number.pos) == (96.0, "m**2", 6)  # 'x >= ' is 5 characters
    in_list = next(n for n in nodes if isinstance(n, InList))
    assert in_list.options == ("p", "q") and not in_list.negated


def test_parse_not_in() -> None:
    tree = parse('school_type not in ["primary"]')
    assert isinstance(tree, InList) and tree.negated and tree.options == ("primary",)


def test_parse_unary_plus_is_dropped() -> None:
    assert parse("+x") == Name("x", 2)


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("1 < x < 2", 7),  # chained comparison
        ("x +", 4),  # ends too early
        ("(x", 3),
        ("x)", 2),
        ("x ** 2", 3),
        ("96 [m**2] [m**2]", 11),
        ("[m**2]", 1),
        ('x in ["a", b]', 6),
        ("x in []", 6),  # '[]' is not even a bracket token: refused at the '[' (column 6)
        ("x not y", 3),
    ],
)
def test_parse_errors_have_columns(text: str, column: int) -> None:
    with pytest.raises(DslSyntaxError) as info:
        parse(text)
    assert info.value.column == column


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_parse_refuses_empty(text: str) -> None:
    with pytest.raises(DslSyntaxError, match="empty"):
        parse(text)


def test_parse_refuses_non_text() -> None:
    with pytest.raises(DslSyntaxError, match="must be text"):
        parse(42)  # type: ignore[arg-type]


def test_nesting_limit_boundary() -> None:
    # The top-level expression is depth 1 and each pair of parentheses adds one: 23 pairs reach MAX_DEPTH = 24.
    assert MAX_DEPTH == 24
    parse("(" * 23 + "x" + ")" * 23)
    with pytest.raises(DslSyntaxError, match="nested deeper than 24"):
        parse("(" * 24 + "x" + ")" * 24)


# -- arithmetic and units ------------------------------------------------------------------------------------------


def test_adding_different_units_names_both_dimensions() -> None:
    message = type_error("students + facilities.area")
    assert "[student]" in message and "[length] ** 2" in message
    message = type_error("students == teachers")
    assert "[student]" in message and "[teacher]" in message


def test_division_gives_ratio_dims_and_values() -> None:
    c = compile_expression("teachers / students", TABLE)
    assert c.dtype == DType("number", dims_of("teacher / student"))
    assert c.level == "section"
    # by hand: 30/500 = 0.06, 25/400 = 0.0625, 20/300 = 1/15
    assert same(c.fn(FakeRuntime()), [0.06, 0.0625, 1 / 15])


def test_unit_literal_is_converted_to_base_units() -> None:
    c = compile_expression("96 [m**2]", TABLE)
    assert (c.const, c.level, c.dtype.dims) == (96.0, None, dims_of("m**2"))
    c = compile_expression("3.2 [万元]", TABLE)
    assert c.const == pytest.approx(32_000.0) and c.dtype.dims == dims_of("yuan")
    c = compile_expression("4.2 [teacher / (100 student)]", TABLE)
    assert c.const == pytest.approx(0.042) and c.dtype.dims == dims_of("teacher / student")


def test_unknown_unit_in_literal_is_a_type_error() -> None:
    assert "furlong" in type_error("1 [furlong]")


def test_unit_literal_makes_comparison_well_typed() -> None:
    # area per student >= 4 m²/student; by hand (apportioned): 5000/500 = 10, 4400/400 = 11, 3000/300 = 10 → all pass
    assert same(run("facilities.area / students >= 4 [m**2 / student]"), [1.0, 1.0, 1.0])
    assert "[length] ** 2 / [student]" in type_error("facilities.area / students >= 4")


def test_division_by_zero_is_missing() -> None:
    # students [0, 400, 300]: 30/0 is not a number in the data sense → NaN; others 25/400, 20/300
    rt = FakeRuntime(students=[0.0, 400.0, 300.0])
    assert same(run("teachers / students", rt), [NAN, 0.0625, 1 / 15])


def test_nan_propagates_through_arithmetic() -> None:
    # ratio [1.4, 1.4, NaN] * 2 + 1 = [3.8, 3.8, NaN]
    assert same(run("ratio * 2 + 1"), [3.8, 3.8, NAN])


def test_constant_arithmetic_is_folded() -> None:
    assert compile_expression("1 + 2 * 3", TABLE).const == 7.0
    assert compile_expression("(1 + 2) * 3", TABLE).const == 9.0
    assert compile_expression("10 - 4 - 3", TABLE).const == 3.0  # (10 - 4) - 3
    assert compile_expression("-(2 - 5)", TABLE).const == 3.0
    assert compile_expression("params.cv_limit * 2", TABLE).const == 1.0  # 0.5 * 2


def test_literal_zero_is_unit_polymorphic() -> None:
    for text in ("students + 0", "0 + students", "students - 0"):
        c = compile_expression(text, TABLE)
        assert c.dtype.dims == dims_of("student")
        assert same(c.fn(FakeRuntime()), [500.0, 400.0, 300.0])
    assert same(run("0 - students"), [-500.0, -400.0, -300.0])
    assert same(run("students >= 0"), [1.0, 1.0, 1.0])
    assert same(run("min(students, 0)"), [0.0, 0.0, 0.0])
    # but a non-zero plain number is dimensionless and does not mix with students
    assert "[student]" in type_error("students + 1")


def test_zero_times_term_is_dropped_without_reading_data() -> None:
    """A switched-off coefficient drops its term: 0 * students needs no students data at all (units still checked)."""
    c = compile_expression("0 * students * 1 [teacher / student] + teachers", TABLE)
    assert c.deps == frozenset({"teachers"})
    rt = FakeRuntime()
    del rt.values["students"]  # reading students would raise KeyError
    assert same(c.fn(rt), [30.0, 25.0, 20.0])
    assert rt.read == ["teachers"]
    c = compile_expression("teachers + params.zero_coef * students * 1 [teacher / student]", TABLE)
    assert c.deps == frozenset({"teachers"})
    assert same(c.fn(rt), [30.0, 25.0, 20.0])


def test_parameter_keyed_by_category() -> None:
    # min_area is 4 (primary) / 5 (junior) m²/student; × students = [4*500, 5*400, 4*300] = [2000, 2000, 1200]
    c = compile_expression("params.min_area * students", TABLE)
    assert c.dtype.dims == dims_of("m**2") and c.level == "section"
    assert c.params == frozenset({"min_area"})
    assert same(c.fn(FakeRuntime()), [2000.0, 2000.0, 1200.0])


def test_unit_check_does_not_depend_on_a_parameter_value() -> None:
    table = SymbolTable(
        LEVELS,
        TABLE.symbols,
        {"zero_area": ParamSym("zero_area", num("m**2"), value=0.0)},
    )
    with pytest.raises(DslTypeError):
        compile_expression("students + params.zero_area", table)


# -- comparisons: tolerance and three-valued results ---------------------------------------------------------------


def test_comparison_tolerance_absorbs_float_noise() -> None:
    """ratio = 1.4, so ratio * 3 is mathematically 4.2 but 4.199999999999999 in floats; the third row is missing."""
    assert 1.4 * 3 < 4.2
    assert same(run("ratio * 3 >= 4.2"), [1.0, 1.0, NAN])
    assert same(run("ratio * 3 >= 4.2", FakeRuntime(tol=0.0)), [0.0, 0.0, NAN])  # the noise without tolerance
    assert same(run("ratio * 3 == 4.2"), [1.0, 1.0, NAN])
    assert same(run("ratio * 3 < 4.2"), [0.0, 0.0, NAN])  # strict: near-equal counts as equal


def test_comparison_real_shortfall_fails() -> None:
    # teachers per 100 students: 6, 6.25, 6.67 (by hand: 30/500*100, 25/400*100, 20/300*100) vs 6.2
    assert same(run("teachers / students >= 6.2 [teacher / (100 student)]"), [0.0, 1.0, 1.0])


def test_comparison_with_school_value_broadcasts_to_sections() -> None:
    # enrolment (school) [900, 300] → sections [900, 900, 300]; students [500, 400, 300] → [0, 0, 1] for ==
    assert same(run("students == enrolment"), [0.0, 0.0, 1.0])


# -- Kleene logic --------------------------------------------------------------------------------------------------

FLAT = SymbolTable(
    {"row": None},
    {"p": Symbol("p", "row", BOOL), "q": Symbol("q", "row", BOOL)},
    {},
)
TRUTH = [0.0, 1.0, NAN]
P = np.array([a for a in TRUTH for _ in TRUTH])
Q = np.array([b for _ in TRUTH for b in TRUTH])


class FlatRuntime:
    tol = 1e-9

    def value(self, name: str) -> np.ndarray:
        return {"p": P, "q": Q}[name]


def kleene(x: float) -> float:
    """Independent encoding: unknown = 1/2, and = min, or = max, not = 1 - x (Kleene's strong logic)."""
    return 0.5 if np.isnan(x) else x


def unkleene(x: float) -> float:
    return NAN if x == 0.5 else x


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("p and q", lambda a, b: min(a, b)),
        ("p or q", lambda a, b: max(a, b)),
        ("not p", lambda a, b: 1 - a),
        ("not (p and q)", lambda a, b: 1 - min(a, b)),
        ("not p or q", lambda a, b: max(1 - a, b)),
    ],
)
def test_kleene_truth_tables(text: str, rule: Any) -> None:
    c = compile_expression(text, FLAT)
    got = np.asarray(c.fn(FlatRuntime()), dtype=np.float64)
    expected = [unkleene(rule(kleene(a), kleene(b))) for a, b in zip(P, Q, strict=True)]
    assert same(got, expected)


def test_kleene_key_cases_with_literals() -> None:
    # false and unknown = false; true or unknown = true; true and unknown = unknown; false or unknown = unknown
    rt = FakeRuntime(ok=[NAN, NAN, NAN])
    assert same(run("false and ok", rt), [0.0, 0.0, 0.0])
    assert same(run("true or ok", rt), [1.0, 1.0, 1.0])
    assert same(run("true and ok", rt), [NAN, NAN, NAN])
    assert same(run("false or ok", rt), [NAN, NAN, NAN])


def test_logic_across_levels() -> None:
    # ok (section) [1, 0, ?] and has_lab (school) [1, ?] → sections [1, ?, ?] → [1, 0, ?]
    assert same(run("ok and has_lab"), [1.0, 0.0, NAN])
    # or: [1 or 1, 0 or 1, ? or ?] = [1, 1, ?]
    assert same(run("ok or has_lab"), [1.0, 1.0, NAN])


def test_logic_needs_booleans() -> None:
    assert "yes/no" in type_error("students and ok")
    assert "yes/no" in type_error("not students")


# -- functions -----------------------------------------------------------------------------------------------------


def test_where() -> None:
    # where(ok [1, 0, ?], students, 0) → [500, 0, ?]
    assert same(run("where(ok, students, 0)"), [500.0, 0.0, NAN])
    # school-level condition broadcast: has_lab [1, ?] → sections [1, 1, ?]; teachers [30, 25, 20]
    assert same(run("where(has_lab, teachers, 0)"), [30.0, 25.0, NAN])
    assert "same unit" in type_error("where(ok, students, teachers)")
    assert "yes/no" in type_error("where(students, students, students)")


def test_min_max_abs() -> None:
    # min(students, enrolment broadcast [900, 900, 300]) = [500, 400, 300]; max = [900, 900, 300]
    assert same(run("min(students, enrolment)"), [500.0, 400.0, 300.0])
    assert same(run("max(students, enrolment)"), [900.0, 900.0, 300.0])
    assert same(run("max(students)"), [500.0, 400.0, 300.0])
    assert same(run("abs(0 - students)"), [500.0, 400.0, 300.0])
    # a missing value makes min/max missing (never silently ignored): ratio [1.4, 1.4, ?]
    assert same(run("min(ratio, 2)"), [1.4, 1.4, NAN])
    assert "same unit" in type_error("max(students, teachers)")
    assert "argument" in type_error("min()")


def test_coalesce_and_is_missing() -> None:
    # ratio [1.4, 1.4, ?]: coalesce(ratio, 0) = [1.4, 1.4, 0]; is_missing = [0, 0, 1]
    assert same(run("coalesce(ratio, 0)"), [1.4, 1.4, 0.0])
    assert same(run("is_missing(ratio)"), [0.0, 0.0, 1.0])
    assert same(run("is_missing(has_lab)"), [0.0, 1.0])
    assert "same unit" in type_error("coalesce(students, teachers)")


def test_ceil_and_floor() -> None:
    # ceil(teachers / students * 100 [student / teacher]) = ceil([6, 6.25, 6.67]) = [6, 7, 7]; floor = [6, 6, 6]
    assert same(run("ceil(teachers / students * 100 [student / teacher])"), [6.0, 7.0, 7.0])
    assert same(run("floor(teachers / students * 100 [student / teacher])"), [6.0, 6.0, 6.0])
    assert same(run("ceil(2.1)"), 3.0)
    assert "plain number" in type_error("ceil(students)")


def test_function_arity() -> None:
    assert "3 argument" in type_error("where(ok, 1)")
    assert "2 argument" in type_error("coalesce(ratio)")
    assert "1 argument" in type_error("is_missing(ratio, ratio)")


# -- categories ----------------------------------------------------------------------------------------------------


def test_category_equality() -> None:
    # school_type codes [nine_year, primary]
    assert same(run('school_type == "primary"'), [0.0, 1.0])
    assert same(run('"primary" == school_type'), [0.0, 1.0])
    assert same(run('school_type != "primary"'), [1.0, 0.0])
    # ownership [public, ?] → [1, ?]
    assert same(run('ownership == "public"'), [1.0, NAN])


def test_unknown_category_value_lists_allowed_values() -> None:
    message = type_error('school_type == "primry"')
    assert "'primry'" in message and "primary, junior, nine_year" in message
    assert "primary, junior, nine_year" in type_error('school_type in ["primary", "middle"]')


def test_in_and_not_in() -> None:
    # school_type [nine_year, primary]; ownership [public, ?]
    assert same(run('school_type in ["primary", "junior"]'), [0.0, 1.0])
    assert same(run('school_type not in ["primary", "junior"]'), [1.0, 0.0])
    assert same(run('ownership in ["public"]'), [1.0, NAN])
    assert same(run('ownership not in ["public"]'), [0.0, NAN])
    assert "category" in type_error('students in ["a"]')


def test_ordered_rating_comparisons() -> None:
    # ratings good (2), excellent (3)
    assert same(run('rating >= "good"'), [1.0, 1.0])
    assert same(run('rating > "good"'), [0.0, 1.0])
    assert same(run('"good" < rating'), [0.0, 1.0])  # flipped: good < rating ⇔ rating > good
    assert same(run('"excellent" <= rating'), [0.0, 1.0])
    assert same(run('rating < "fair"'), [0.0, 0.0])


def test_unordered_category_has_no_order() -> None:
    assert "order" in type_error('school_type >= "primary"')


def test_text_only_compares_with_categories() -> None:
    assert "category" in type_error('students == "primary"')
    assert "constant" in type_error('"a" == "a"')
    assert "category" in type_error('"primary"')
    assert "different value lists" in type_error("school_type == ownership")


# -- aggregates ----------------------------------------------------------------------------------------------------


def test_school_and_county_sums() -> None:
    rt = FakeRuntime()
    # school_sum(students): school 0 = 500 + 400 = 900, school 1 = 300
    c = compile_expression("school_sum(students)", TABLE)
    assert c.level == "school" and c.dtype.dims == dims_of("student")
    assert same(c.fn(rt), [900.0, 300.0])
    assert rt.ups == [("section", "school", "sum")]
    # county_sum(students) = 1200; budget / county_sum(students) = 1,200,000 / 1200 = 1000 yuan/student
    assert same(run("county_sum(students)"), [1200.0])
    assert same(run("budget / county_sum(students)"), [1000.0])
    # enrolment - school_sum(students) = [900 - 900, 300 - 300]
    assert same(run("enrolment - school_sum(students)"), [0.0, 0.0])


def test_aggregates_follow_nan_semantics() -> None:
    # ok [1, 0, ?]: county_all = 0 (a false decides); county_any = 1 (a true decides); county_count = ? (unknown row)
    assert same(run("county_all(ok)"), [0.0])
    assert same(run("county_any(ok)"), [1.0])
    assert same(run("county_count(ok)"), [NAN])
    # per school: school 0 [1, 0], school 1 [?]
    assert same(run("school_all(ok)"), [0.0, NAN])
    assert same(run("school_count(ok)"), [1.0, NAN])
    # all true: county_all(ok) with ok [1, 1, 1] = 1; count 3
    rt = FakeRuntime(ok=[1.0, 1.0, 1.0])
    assert same(run("county_all(ok)", rt), [1.0])
    assert same(run("county_count(ok)", rt), [3.0])
    # sum with a missing value is missing: ratio [1.4, 1.4, ?] → school 0 2.8, school 1 ?
    assert same(run("school_sum(ratio)"), [2.8, NAN])
    assert same(run("school_min(ratio)"), [1.4, NAN])


def test_aggregate_types() -> None:
    assert compile_expression("county_count(ok)", TABLE).dtype == NUMBER_1
    assert compile_expression("county_all(ok)", TABLE).dtype == BOOL
    assert "yes/no" in type_error("county_all(students)")
    assert "needs numbers" in type_error("county_sum(ok)")
    assert "constant" in type_error("county_sum(1)")
    assert "exactly one" in type_error("county_sum(students, students)")


def test_aggregating_to_the_same_or_a_lower_level_is_an_error() -> None:
    message = type_error("school_sum(enrolment)")
    assert "'school'" in message
    type_error("section_sum(enrolment)")
    type_error("school_sum(budget)")


def test_level_errors_for_sibling_levels() -> None:
    table = SymbolTable(
        {"county": None, "school": "county", "section": "school", "district": "county"},
        {
            **TABLE.symbols,
            "population": Symbol("population", "district", num("student")),
        },
        {},
    )
    message = type_error("enrolment + population", table=table)
    assert "'school'" in message and "'district'" in message
    message = type_error("population", level="school", table=table)
    assert "per district" in message and "per school" in message


def test_compile_at_a_level() -> None:
    # a school value used per section is broadcast: enrolment [900, 300] → [900, 900, 300]
    assert same(run("enrolment", level="section"), [900.0, 900.0, 300.0])
    # a county value used per school: county_sum(students) = 1200 for both schools
    assert same(run("county_sum(students)", level="school"), [1200.0, 1200.0])
    # a section value cannot be used per school without an aggregate; the message suggests one
    message = type_error("students", level="school")
    assert "school_sum(...)" in message
    # constants stay constants
    assert compile_expression("96 [m**2]", TABLE, level="section").const == 96.0


# -- apportioned shared facilities ---------------------------------------------------------------------------------


def test_apportioned_amount_per_section() -> None:
    """area 9400 in school 0 → primary 9400*500/940 = 5000, junior 9400*440/940 = 4400; school 1: 3000."""
    rt = FakeRuntime()
    assert same(run("facilities.area", rt, level="section"), [5000.0, 4400.0, 3000.0])
    assert rt.shared == ["facilities.area"]
    # per student: 5000/500 = 10, 4400/400 = 11, 3000/300 = 10
    assert same(run("facilities.area / students"), [10.0, 11.0, 10.0])
    # sums and constant scaling are linear, so they split too: (9400 + 940) split = 5500, 4840; 3000
    # per student: 5500/500 = 11, 4840/400 = 12.1, 3000/300 = 10
    assert same(run("(facilities.area + facilities.gym) / students"), [11.0, 12.1, 10.0])
    assert same(run("facilities.area * 2 / students"), [20.0, 22.0, 20.0])
    assert same(run("-facilities.area / students"), [-10.0, -11.0, -10.0])


def test_apportioned_amount_at_school_level_is_whole() -> None:
    # per school: 9400 / 900 and 3000 / 300 (no split at school level)
    assert same(run("facilities.area / enrolment"), [9400 / 900, 10.0])


def test_non_linear_use_of_apportioned_amount_is_refused() -> None:
    assert "apportioned" in type_error("facilities.area * enrolment / students")
    assert "apportioned" in type_error("(facilities.area + 100 [m**2]) / students")
    assert "apportioned" in type_error("facilities.area >= 4000 [m**2]", level="section")


# -- names ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("studnts", "'students'"),
        ("facilities.aera / students", "'facilities.area'"),
        ("params.cv_limt", "'cv_limit'"),
        ("school_summ(students)", "'school_sum'"),
        ("mxa(students)", "'max'"),
    ],
)
def test_unknown_names_suggest_close_matches(text: str, suggestion: str) -> None:
    message = type_error(text)
    assert "did you mean" in message and suggestion in message


def test_unknown_name_without_close_match() -> None:
    message = type_error("zzzzzz")
    assert "unknown name 'zzzzzz'" in message and "did you mean" not in message


def test_error_columns_point_at_the_problem() -> None:
    with pytest.raises(DslTypeError) as info:
        compile_expression("students + studnts", TABLE)
    assert info.value.column == 12


def test_compiled_metadata() -> None:
    c = compile_expression("facilities.area / students >= params.cv_limit * 2 [m**2 / student]", TABLE)
    assert c.deps == frozenset({"facilities.area", "students"})
    assert c.params == frozenset({"cv_limit"})
    assert c.dtype == BOOL and c.level == "section"
    assert c.text == "facilities.area / students >= params.cv_limit * 2 [m**2 / student]"
    assert c.symbol_levels == {"facilities.area": "school", "students": "section"}


def test_zero_minus_apportioned_amount_is_like_negation() -> None:
    # by hand: -(9400*500/940)/500 = -10, -(9400*440/940)/400 = -11, -3000/300 = -10
    assert same(run("(0 - facilities.area) / students"), [-10.0, -11.0, -10.0])


MISSING = {"teachers": [NAN, NAN, NAN], "ok": [NAN, NAN, NAN], "facilities__gym": [NAN, NAN], "budget": [NAN]}
SHORTCUT_CASES = [
    # (expression, proven missing everywhere when the MISSING inputs are, some row known anyway), worked out by hand
    # from the rules: arithmetic, comparisons, not, in, min/max/abs propagate a missing value; and/or/coalesce need
    # every part missing; where() needs its condition or both branches missing; is_missing and aggregates (over
    # groups that may be empty) are never taken as missing
    ("teachers / students * 100 > teachers / students", True, False),
    ("-teachers + teachers", True, False),
    ("not ok", True, False),
    ("ok and teachers > teachers", True, False),
    ("ok and ratio > 1.5", False, True),  # ratio 1.4, 1.4: false and missing is false
    ("ok or ratio > 1", False, True),  # ratio 1.4, 1.4: true or missing is true
    ("coalesce(teachers, teachers * 2)", True, False),
    ("coalesce(ok, ratio > 1)", False, True),
    ("is_missing(teachers)", False, True),
    ("where(ok, students, students * 2)", True, False),  # a missing condition gives missing
    ("where(has_lab, teachers, teachers)", True, False),  # both branches missing
    ("where(ratio > 1, ratio, teachers / teachers)", False, True),
    ("min(teachers, teachers * 2)", True, False),
    ("abs(teachers)", True, False),
    ("school_sum(teachers) > school_sum(teachers)", False, False),  # cautious: computed, and missing
    ("(facilities.area + facilities.gym) / students", True, False),
    ("facilities.gym * params.zero_coef + facilities.area", False, True),  # the zero term is dropped when compiled
    ("budget > 0 and ratio > 1", False, False),  # cautious: ratio is known, and true, so the and stays missing
    ("budget > 0 and teachers > teachers", True, False),
    ("students > 0", False, True),
]


@pytest.mark.parametrize(("text", "proven", "known"), SHORTCUT_CASES)
def test_missing_everywhere_is_proven_only_when_the_value_is_missing_everywhere(
    text: str, proven: bool, known: bool
) -> None:
    """The runtime skips an expression proven missing everywhere; the proof must be sound (the value computed anyway
    is NaN on every row), and takes the cases worked out by hand."""
    rt = FakeRuntime(**MISSING)
    c = compile_expression(text, TABLE)
    value = np.asarray(c.fn(rt), dtype=np.float64)
    assert (c.missing is not None and c.missing(rt)) == proven
    assert (not np.isnan(value).all()) == known
    assert not (proven and known)
