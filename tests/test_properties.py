"""Properties of the numbers, checked with Hypothesis on the kernels and end to end through ``qbalance.evaluate``.

The kernel tests in ``test_core.py`` check the formulas on hand-made cases; here the same properties are checked on
random data, and through the whole pipeline (units, apportionment, engine, report):

* the student-weighted CV does not depend on school order or on the unit (m² or 亩), is zero for identical values,
  and equals an independent two-pass formula written in pure Python;
* apportioned parts of a school's facilities add up to the whole;
* the k-of-n rule is monotone: raising a value never turns a pass into a fail;
* a value exactly at its threshold, built from exact decimals (4.2 = 420/100), passes.
"""

from __future__ import annotations

import copy
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import qbalance
from conftest import county, school
from qbalance._kernels.numeric import apportion_shares, compare, k_of_n

PROPS = settings(max_examples=200, deadline=None)
E2E = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MU = 10_000 / 15  # m² in one 亩

values_st = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)
students_st = st.integers(min_value=1, max_value=5_000)
schools_st = st.lists(st.tuples(values_st, students_st), min_size=1, max_size=30)


def _two_pass_cv(values: list[float], weights: list[float]) -> float:
    """sqrt(Σ w(x − mean)² / Σ w) / mean, with mean = Σ wx / Σ w: written independently of numpy."""
    total = math.fsum(weights)
    mean = math.fsum(w * x for x, w in zip(values, weights, strict=True)) / total
    var = math.fsum(w * (x - mean) ** 2 for x, w in zip(values, weights, strict=True)) / total
    return math.sqrt(var) / mean


# -- weighted_cv ----------------------------------------------------------------------------------------------------


@PROPS
@given(schools_st)
def test_weighted_cv_equals_an_independent_two_pass_formula(schools: list[tuple[float, int]]) -> None:
    values = [v for v, _ in schools]
    students = [float(p) for _, p in schools]
    assert qbalance.weighted_cv(values, students) == pytest.approx(_two_pass_cv(values, students), rel=1e-9, abs=1e-12)


@PROPS
@given(schools_st.flatmap(lambda s: st.tuples(st.just(s), st.permutations(s))))
def test_weighted_cv_is_invariant_to_school_order(
    case: tuple[list[tuple[float, int]], list[tuple[float, int]]],
) -> None:
    original, permuted = case
    a = qbalance.weighted_cv([v for v, _ in original], [p for _, p in original])
    b = qbalance.weighted_cv([v for v, _ in permuted], [p for _, p in permuted])
    assert a == pytest.approx(b, rel=1e-9, abs=1e-12)


@PROPS
@given(schools_st, st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False))
def test_weighted_cv_is_invariant_to_a_change_of_unit(schools: list[tuple[float, int]], factor: float) -> None:
    values = [v for v, _ in schools]
    students = [p for _, p in schools]
    scaled = [v * factor for v in values]
    assert qbalance.weighted_cv(scaled, students) == pytest.approx(
        qbalance.weighted_cv(values, students), rel=1e-9, abs=1e-12
    )
    in_mu = [v / MU for v in values]  # the same areas written in 亩
    assert qbalance.weighted_cv(in_mu, students) == pytest.approx(
        qbalance.weighted_cv(values, students), rel=1e-9, abs=1e-12
    )


@PROPS
@given(values_st, st.lists(students_st, min_size=1, max_size=30))
def test_weighted_cv_is_zero_for_identical_values(value: float, students: list[int]) -> None:
    assert qbalance.weighted_cv([value] * len(students), students) == pytest.approx(0.0, abs=1e-12)


# -- end to end: the report's CVs -----------------------------------------------------------------------------------

areas_st = st.lists(
    st.tuples(st.integers(2_000, 9_000), st.integers(200, 2_000)),  # (teaching_aux_area in m², students)
    min_size=2,
    max_size=6,
)


def _county_of(rows: list[tuple[int, int]], area_as_mu: bool = False) -> dict[str, Any]:
    schools = []
    for i, (area, students) in enumerate(rows):
        s = school(f"S{i:02d}")
        s["sections"]["primary"]["students"] = students
        s["sections"]["primary"]["classes"] = max(1, -(-students // 44))
        s["sections"]["primary"]["teachers"] = {"full_time": 200}
        s["facilities"]["teaching_aux_area"] = f"{area / MU!r} 亩" if area_as_mu else area
        schools.append(s)
    return county(*schools)


def _cvs(report: qbalance.Report) -> dict[tuple[str, str], float | None]:
    return {(i.id, c.section): c.cv for i in report.indicators for c in i.sections}


def _school_values(report: qbalance.Report) -> dict[tuple[str, str, str], float | None]:
    return {(s.school_id, s.section, v.indicator): v.value for s in report.schools for v in s.values}


@E2E
@given(areas_st, st.randoms(use_true_random=False))
def test_report_does_not_depend_on_school_order(
    national: qbalance.Standard, rows: list[tuple[int, int]], rnd: Any
) -> None:
    data = _county_of(rows)
    shuffled = copy.deepcopy(data)
    rnd.shuffle(shuffled["schools"])
    a, b = national.evaluate(data), national.evaluate(shuffled)
    for key, cv in _cvs(a).items():
        other = _cvs(b)[key]
        assert (cv is None and other is None) or cv == pytest.approx(other, rel=1e-12, abs=1e-15)
    assert _school_values(a) == _school_values(b)
    assert a.verdict == b.verdict


@E2E
@given(areas_st)
def test_report_cv_is_the_same_in_square_metres_and_mu(
    national: qbalance.Standard, rows: list[tuple[int, int]]
) -> None:
    in_m2 = _cvs(national.evaluate(_county_of(rows)))
    in_mu = _cvs(national.evaluate(_county_of(rows, area_as_mu=True)))
    cv_m2, cv_mu = in_m2[("R4", "primary")], in_mu[("R4", "primary")]
    assert cv_m2 is not None and cv_mu is not None
    assert cv_mu == pytest.approx(cv_m2, rel=1e-9, abs=1e-12)
    expected = _two_pass_cv([a / p for a, p in rows], [float(p) for _, p in rows])
    assert cv_m2 == pytest.approx(expected, rel=1e-9, abs=1e-12)


# -- apportionment --------------------------------------------------------------------------------------------------


@PROPS
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),  # school
            st.integers(0, 3_000),  # students
            st.sampled_from([1.0, 1.1, 1.2, 1.32]),  # weight
        ),
        min_size=1,
        max_size=15,
    ),
    st.lists(st.integers(0, 2_000), min_size=5, max_size=5),
)
def test_apportioned_parts_add_up_to_the_whole(rows: list[tuple[int, int, float]], senior: list[int]) -> None:
    school_of = np.array([s for s, _, _ in rows], dtype=np.int64)
    students = np.array([p for _, p, _ in rows], dtype=np.float64)
    weights = np.array([w for _, _, w in rows], dtype=np.float64)
    extra = np.array(senior, dtype=np.float64) * 1.32
    shares = apportion_shares(students, weights, school_of, extra)
    for s in set(school_of.tolist()):
        mine = school_of == s
        total = float(np.sum(weights[mine] * students[mine]) + extra[s])
        if total == 0:
            assert np.all(np.isnan(shares[mine]))
            continue
        assert math.fsum(shares[mine].tolist()) + extra[s] / total == pytest.approx(1.0, rel=1e-12)
        assert np.all((shares[mine] >= 0) & (shares[mine] <= 1))


@E2E
@given(st.integers(1, 2_000), st.integers(1, 2_000), st.integers(0, 2_000), st.integers(1_000, 20_000))
def test_apportioned_facilities_add_up_to_the_school_total_end_to_end(
    national: qbalance.Standard, primary: int, junior: int, senior: int, area: int
) -> None:
    """Σ over sections of (value per student × students) + the senior part = the school's area, through evaluate."""
    sections: dict[str, Any] = {
        "primary": {"students": primary, "teachers": {"full_time": 200}},
        "junior": {"students": junior, "teachers": {"full_time": 200}},
    }
    stype = "nine_year"
    if senior:
        sections["senior"] = {"students": senior}
        stype = "twelve_year"
    s = school("T", stype, sections=sections)
    s["facilities"]["teaching_aux_area"] = area
    report = national.evaluate(county(s, school("B")))
    values = _school_values(report)
    parts = [values[("T", sec, "R4")] * n for sec, n in (("primary", primary), ("junior", junior))]  # type: ignore[operator]
    weights = {"primary": 1.0, "junior": 1.1, "senior": 1.32}
    senior_part = (
        area * weights["senior"] * senior / (primary + weights["junior"] * junior + weights["senior"] * senior)
    )
    assert math.fsum([*parts, senior_part]) == pytest.approx(area, rel=1e-12)


# -- k of n: monotone -----------------------------------------------------------------------------------------------

tri_st = st.sampled_from([0.0, 1.0, math.nan])
_RANK = {0.0: 0, 1.0: 2}


def _rank(x: float) -> int:
    return 1 if math.isnan(x) else _RANK[x]


def _k_of_n_case() -> Any:
    return st.integers(1, 8).flatmap(
        lambda n: st.tuples(
            st.lists(tri_st, min_size=n, max_size=n),
            st.lists(tri_st, min_size=n, max_size=n),
            st.integers(0, n),
            st.integers(0, n - 1),
        )
    )


def _consistent(met: list[float], floor_ok: list[float]) -> list[float]:
    """A met indicator is at its floor (the floor is a fraction of the threshold)."""
    return [1.0 if m == 1.0 else f for m, f in zip(met, floor_ok, strict=True)]


def _possible(met: list[float], floor_ok: list[float]) -> bool:
    """Below its floor an indicator cannot be met, so met must be known to be 0 there."""
    return all(not (f == 0.0 and m != 0.0) for m, f in zip(met, floor_ok, strict=True))


def _kn(met: list[float], floor_ok: list[float], k: int) -> float:
    return float(k_of_n(np.array([met]), np.array([floor_ok]), k)[0])


@PROPS
@given(_k_of_n_case())
def test_k_of_n_is_monotone(case: tuple[list[float], list[float], int, int]) -> None:
    """Raising one known value (unmet → met, below floor → at floor) never lowers the result (fail < unknown < pass)."""
    met, floor_ok, k, j = case
    floor_ok = _consistent(met, floor_ok)
    assume(_possible(met, floor_ok))
    before = _kn(met, floor_ok, k)
    if met[j] == 0.0:
        raised_met, raised_floor = list(met), list(floor_ok)
        raised_met[j], raised_floor[j] = 1.0, 1.0  # the indicator is now met
        assert _rank(_kn(raised_met, raised_floor, k)) >= _rank(before)
    if floor_ok[j] == 0.0:
        raised_floor = list(floor_ok)
        raised_floor[j] = 1.0  # still unmet, but now at its floor
        assert _rank(_kn(met, raised_floor, k)) >= _rank(before)


@PROPS
@given(_k_of_n_case(), st.sampled_from([0.0, 1.0]), st.sampled_from([0.0, 1.0]))
def test_k_of_n_knowing_more_never_changes_a_decided_result(
    case: tuple[list[float], list[float], int, int], m: float, f: float
) -> None:
    """Filling in an unknown value: a decided result (pass or fail) stays; an undecided one may become either."""
    met, floor_ok, k, j = case
    floor_ok = _consistent(met, floor_ok)
    assume(_possible(met, floor_ok))
    before = _kn(met, floor_ok, k)
    filled_met, filled_floor = list(met), list(floor_ok)
    if math.isnan(met[j]):
        filled_met[j] = m
    if math.isnan(floor_ok[j]):
        filled_floor[j] = f
    filled_floor = _consistent(filled_met, filled_floor)
    assume(_possible(filled_met, filled_floor))
    after = _kn(filled_met, filled_floor, k)
    if not math.isnan(before):
        assert after == before


@E2E
@given(
    st.sampled_from(
        [
            ("facilities", "teaching_aux_area"),
            ("facilities", "sports_ground_area"),
            ("facilities", "equipment_value"),
            ("facilities", "multimedia_classrooms"),
            ("teachers", "above_qualified"),
            ("teachers", "backbone"),
            ("teachers", "pe_art"),
        ]
    ),
    st.floats(0.3, 1.5),
    st.integers(1, 40),
)
def test_raising_a_value_never_turns_a_pass_into_a_fail(
    national: qbalance.Standard, field: tuple[str, str], start: float, step: int
) -> None:
    base = school("A")
    base["sections"]["primary"]["teachers"]["full_time"] = 200  # sub-counts stay below full-time teachers
    where = base["facilities"] if field[0] == "facilities" else base["sections"]["primary"]["teachers"]
    full = where[field[1]]
    where[field[1]] = math.floor(full * start)
    low = copy.deepcopy(base)
    where[field[1]] = math.floor(full * start) + step
    high = base
    order = {"fail": 0, "not_evaluated": 1, "pass": 2}
    a = national.evaluate(county(low, school("B")))
    b = national.evaluate(county(high, school("B")))
    ra = next(s.result for s in a.schools if s.school_id == "A")
    rb = next(s.result for s in b.schools if s.school_id == "A")
    assert order[rb] >= order[ra]


# -- exact decimals at the threshold pass ----------------------------------------------------------------------------


@PROPS
@given(st.integers(1, 100_000), st.integers(1, 10_000), st.integers(1, 10_000))
def test_value_built_from_exact_decimals_meets_its_threshold(hundredths: int, students: int, scale: int) -> None:
    """4.2 computed as 420/100 (or as 4.2·P / P) compares equal to the threshold 4.2."""
    threshold = hundredths / 100
    assert compare(">=", (hundredths * scale) / (100 * scale), threshold, 1e-9) == 1.0
    amount = float(Fraction(hundredths, 100) * students)  # e.g. 4.2 m² per student for P students
    assert compare(">=", amount / students, threshold, 1e-9) == 1.0
    assert compare("<=", amount / students, threshold, 1e-9) == 1.0


@E2E
@given(st.integers(1, 20), st.sampled_from(["R1", "R4", "R5", "R6", "R7"]))
def test_school_exactly_at_each_threshold_passes_end_to_end(
    national: qbalance.Standard, k: int, indicator: str
) -> None:
    """Students a multiple of 100; the input set to threshold × students exactly (in decimal): the value is met."""
    students = 500 * k
    s = school("A")
    s["sections"]["primary"]["students"] = students
    s["sections"]["primary"]["classes"] = -(-students // 44)
    s["sections"]["primary"]["teachers"] = {
        "full_time": students,
        "above_qualified": students,
        "backbone": students,
        "pe_art": students,
    }
    per = {
        "R1": ("teachers", "above_qualified", Fraction(42, 10), 100),
        "R4": ("facilities", "teaching_aux_area", Fraction(45, 10), 1),
        "R5": ("facilities", "sports_ground_area", Fraction(75, 10), 1),
        "R6": ("facilities", "equipment_value", Fraction(2000), 1),
        "R7": ("facilities", "multimedia_classrooms", Fraction(23, 10), 100),
    }[indicator]
    kind, name, threshold, per_n = per
    amount = threshold * students / per_n
    assume(amount.denominator == 1)
    s["facilities"] = {
        "teaching_aux_area": 100 * students,
        "indoor_gym_area": 0,
        "sports_ground_area": 100 * students,
        "equipment_value": 10_000 * students,
        "multimedia_classrooms": students,
    }
    target = s["facilities"] if kind == "facilities" else s["sections"]["primary"]["teachers"]
    target[name] = int(amount)
    report = national.evaluate(county(s, school("B")))
    (value,) = [v for x in report.schools if x.school_id == "A" for v in x.values if v.indicator == indicator]
    assert value.threshold == float(threshold)
    assert value.met is True, value


def _compare_by_definition(op: str, a: float, b: float, rel_tol: float) -> float:
    """The comparison with its tolerance, one pair at a time in plain Python floats (the definition :func:`compare`
    vectorises): missing if either side is NaN; a and b equal when they are the same value (infinities included) or
    a − b is finite and |a − b| ≤ rel_tol·max(|a|, |b|)."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    diff = a - b
    equal = a == b or (math.isfinite(diff) and abs(diff) <= max(abs(a), abs(b)) * rel_tol)
    above, below = diff > 0, diff < 0
    out = {
        ">=": above or equal,
        "<=": below or equal,
        ">": above and not equal,
        "<": below and not equal,
        "==": equal,
        "!=": not equal,
    }[op]
    return 1.0 if out else 0.0


# values that sit on, just beside and far from each other, signs, zeros, infinities, NaN and the largest floats
near_st = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 4.2, 1.4 * 3, 4.2 * (1 - 1e-9), 4.2 * (1 + 1e-9), 4.2 * (1 - 2e-9), 1.7e308, -1.7e308]),
)


@PROPS
@given(
    st.sampled_from([">=", "<=", ">", "<", "==", "!="]),
    st.lists(st.tuples(near_st, near_st), min_size=1, max_size=40),
    st.sampled_from([1e-9, 0.0, 0.1]),
)
def test_compare_equals_its_definition_pair_by_pair(op: str, pairs: list[tuple[float, float]], tol: float) -> None:
    """The vectorised comparison (plain comparison everywhere, tolerance only where it can change the answer) gives,
    element by element, what the definition gives pair by pair in Python floats, also broadcast against a scalar."""
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    expected = [_compare_by_definition(op, x, y, tol) for x, y in pairs]
    np.testing.assert_array_equal(compare(op, a, b, tol), expected)
    by_scalar = [_compare_by_definition(op, float(x), float(b[0]), tol) for x in a]
    np.testing.assert_array_equal(compare(op, a, b[0], tol), by_scalar)
    assert np.array_equal(compare(op, a[0], b[0], tol), expected[0], equal_nan=True)
