"""Tests of the numpy kernels in ``qbalance._kernels`` against hand calculations and independent exact arithmetic.

Every expected number below is worked out by hand in a comment, or computed by an independent method (exact
``fractions.Fraction`` arithmetic, ``decimal.Decimal`` rounding, ``numpy.average``), never copied from the code.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qbalance
from qbalance._kernels.numeric import (
    apportion_shares,
    compare,
    group_reduce,
    grouped_weighted_stats,
    k_of_n,
    kleene_all,
    round_half_up,
    weighted_cv,
)

NAN = float("nan")
TOL = 1e-9  # a typical pack tolerance: relative 1e-9 is far above float noise (~1e-16) and far below real shortfalls
PROPS = settings(max_examples=150, deadline=None)


def same(actual: object, expected: list[float]) -> bool:
    """Element-wise equality in which NaN equals NaN (three-valued results use NaN for 'unknown')."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    return a.shape == e.shape and bool(np.array_equal(a, e, equal_nan=True))


def exact_cv(values: list[float], students: list[int]) -> float:
    """Independent reference: the weighted population CV in exact rational arithmetic, one float rounding at the end.

    mean = Σ P·X / Σ P,  var = Σ P·(X − mean)² / Σ P,  CV = sqrt(var / mean²)   (all as Fractions)
    """
    xs = [Fraction(v) for v in values]
    ps = [Fraction(p) for p in students]
    total = sum(ps)
    mean = sum(p * x for p, x in zip(ps, xs, strict=True)) / total
    var = sum(p * (x - mean) ** 2 for p, x in zip(ps, xs, strict=True)) / total
    return math.sqrt(var / (mean * mean))


# -- weighted_cv: hand calculations ---------------------------------------------------------------------------------


def test_weighted_cv_two_schools_by_hand() -> None:
    """By hand: X = [4, 6], P = [100, 300].

    mean = (100*4 + 300*6) / 400 = 2200 / 400 = 5.5
    var  = (100*(4-5.5)² + 300*(6-5.5)²) / 400 = (225 + 75) / 400 = 0.75
    S    = sqrt(0.75) = sqrt(3)/2;  CV = (sqrt(3)/2) / 5.5 = sqrt(3)/11 ≈ 0.157459
    """
    assert weighted_cv([4.0, 6.0], [100, 300]) == pytest.approx(math.sqrt(3) / 11, rel=1e-12)


def test_weighted_cv_three_schools_by_hand() -> None:
    """By hand: X = [2, 4, 8], P = [1, 2, 1].

    mean = (2 + 8 + 8) / 4 = 4.5;  deviations -2.5, -0.5, 3.5
    var  = (1*6.25 + 2*0.25 + 1*12.25) / 4 = 19 / 4;  S = sqrt(19)/2;  CV = (sqrt(19)/2) / 4.5 = sqrt(19)/9
    """
    assert weighted_cv([2, 4, 8], [1, 2, 1]) == pytest.approx(math.sqrt(19) / 9, rel=1e-12)


def test_weighted_cv_is_exported_publicly() -> None:
    # Same hand example as above through the public name: sqrt(3)/11.
    assert qbalance.weighted_cv([4.0, 6.0], [100, 300]) == pytest.approx(math.sqrt(3) / 11, rel=1e-12)


def test_weighted_cv_differs_from_the_unweighted_cv() -> None:
    """The known trap: an unweighted CV gives a different answer when enrolments differ.

    Unweighted (numpy population std / mean) of [4, 6]: mean 5, std 1, CV 0.2.
    Weighted with P = [100, 300]: sqrt(3)/11 ≈ 0.1575 (hand calculation above).
    """
    values, students = [4.0, 6.0], [100, 300]
    unweighted = float(np.std(values) / np.mean(values))
    assert unweighted == pytest.approx(0.2, rel=1e-12)
    weighted = weighted_cv(values, students)
    assert weighted == pytest.approx(math.sqrt(3) / 11, rel=1e-12)
    assert abs(weighted - unweighted) > 0.04  # 0.2 - 0.1575 = 0.0425: a real difference, not float noise
    # and not the sample (n-1) form either: sample std of [4, 6] = sqrt(2), CV = sqrt(2)/5 ≈ 0.283
    assert abs(weighted - float(np.std(values, ddof=1) / np.mean(values))) > 0.1


def test_weighted_cv_equals_unweighted_when_enrolments_are_equal() -> None:
    """With equal P the weights cancel: CV of [4, 6] = std 1 / mean 5 = 0.2 (by hand)."""
    assert weighted_cv([4.0, 6.0], [250, 250]) == pytest.approx(0.2, rel=1e-12)


def test_weighted_cv_uses_divisor_total_students_not_n_minus_one() -> None:
    """By hand, X = [1, 3], P = [1, 1]: mean 2, population var = (1 + 1)/2 = 1, CV = 1/2.

    (An n-1 divisor would give var 2 and CV sqrt(2)/2 ≈ 0.707.)
    """
    assert weighted_cv([1.0, 3.0], [1, 1]) == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize(
    ("values", "students"),
    [
        ([], []),  # no schools
        ([4.0, NAN], [100, 300]),  # a missing value
        ([NAN], [100]),
        ([0.0, 0.0], [10, 20]),  # weighted mean zero: CV undefined
        ([1.0, -1.0], [5, 5]),  # weighted mean (5 - 5)/10 = 0: CV undefined
        ([4.0, 6.0], [0, 0]),  # no students at all
    ],
)
def test_weighted_cv_is_nan_when_undefined(values: list[float], students: list[int]) -> None:
    assert math.isnan(weighted_cv(values, students))


def test_weighted_cv_single_school_is_zero() -> None:
    # One school: it is the mean, so every deviation is 0 and CV = 0 / 7 = 0 (by hand).
    assert weighted_cv([7.0], [120]) == 0.0


@pytest.mark.parametrize(
    ("values", "students", "match"),
    [
        ([1.0, 2.0], [10, -1], "non-negative"),
        ([1.0, 2.0], [10, NAN], "non-negative"),
        ([1.0, 2.0], [10], "length"),
        ([1.0], [10, 20], "length"),
    ],
)
def test_weighted_cv_rejects_bad_students(values: list[float], students: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        weighted_cv(values, students)


# -- weighted_cv: properties ----------------------------------------------------------------------------------------

value_st = st.integers(min_value=1, max_value=100_000).map(lambda k: k / 100)  # 0.01 .. 1000.00
students_st = st.integers(min_value=1, max_value=5000)
schools_st = st.lists(st.tuples(value_st, students_st), min_size=1, max_size=25)


@PROPS
@given(schools_st)
def test_weighted_cv_matches_exact_fraction_computation(schools: list[tuple[float, int]]) -> None:
    """Independent: the same formula evaluated in exact rational arithmetic (see exact_cv), rel tol 1e-12."""
    values = [v for v, _ in schools]
    students = [p for _, p in schools]
    expected = exact_cv(values, students)
    got = weighted_cv(values, students)
    if expected == 0.0:
        # all values equal: exactly 0 in rationals; in floats the mean may be off by an ulp, leaving ~1e-16
        assert abs(got) <= 1e-12
    else:
        assert math.isclose(got, expected, rel_tol=1e-12)


@PROPS
@given(schools_st.flatmap(lambda s: st.tuples(st.just(s), st.permutations(range(len(s))))))
def test_weighted_cv_does_not_depend_on_school_order(case: tuple[list[tuple[float, int]], list[int]]) -> None:
    """Reordering schools only reorders the sums, so the CV changes by float rounding at most."""
    schools, order = case
    values = [v for v, _ in schools]
    students = [p for _, p in schools]
    a = weighted_cv(values, students)
    b = weighted_cv([values[i] for i in order], [students[i] for i in order])
    assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


@PROPS
@given(schools_st, st.sampled_from([1e-4, 0.01, 3.7, 100.0, 10_000.0]))
def test_weighted_cv_is_unit_free(schools: list[tuple[float, int]], factor: float) -> None:
    """CV = S / X̄ and both scale by c, so a unit change (yuan → 万元 is c = 1e-4) leaves it unchanged.

    Tolerance: the scaled inputs carry one rounding each (relative 1.1e-16), which can move a CV by at most
    ~1e-16 / CV relative; rel 1e-9 with abs 1e-12 covers that with a wide margin.
    """
    values = [v for v, _ in schools]
    students = [p for _, p in schools]
    a = weighted_cv(values, students)
    b = weighted_cv([v * factor for v in values], students)
    assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@PROPS
@given(schools_st, st.integers(min_value=2, max_value=1000))
def test_weighted_cv_is_invariant_to_scaling_all_enrolments(schools: list[tuple[float, int]], k: int) -> None:
    """Weights enter as P/ΣP, so multiplying every enrolment by k cancels."""
    values = [v for v, _ in schools]
    students = [p for _, p in schools]
    a = weighted_cv(values, students)
    b = weighted_cv(values, [p * k for p in students])
    assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


@PROPS
@given(value_st, st.lists(students_st, min_size=1, max_size=25))
def test_weighted_cv_is_zero_when_all_schools_are_identical(value: float, students: list[int]) -> None:
    """Every deviation from the mean is 0 mathematically; floats may leave an ulp of the mean (~1e-16)."""
    assert 0.0 <= weighted_cv([value] * len(students), students) <= 1e-12


# -- grouped_weighted_stats ----------------------------------------------------------------------------------------


@PROPS
@given(
    st.lists(st.tuples(value_st, students_st, st.integers(min_value=0, max_value=4)), min_size=0, max_size=30),
)
def test_grouped_stats_equal_weighted_cv_per_group(rows: list[tuple[float, int, int]]) -> None:
    """Per group: cv equals weighted_cv of that group's rows, mean equals numpy.average (independent), and the
    row count is right; groups with no rows (some of 0..4 are usually empty) get NaN statistics and count 0."""
    n_groups = 5
    x = np.array([r[0] for r in rows], dtype=np.float64)
    w = np.array([r[1] for r in rows], dtype=np.float64)
    g = np.array([r[2] for r in rows], dtype=np.int64)
    stats = grouped_weighted_stats(x, w, g, n_groups)
    for k in range(n_groups):
        sel = g == k
        assert stats.count[k] == int(sel.sum())
        if not sel.any():
            assert math.isnan(stats.cv[k]) and math.isnan(stats.mean[k])
            continue
        assert math.isclose(stats.mean[k], float(np.average(x[sel], weights=w[sel])), rel_tol=1e-12)
        assert stats.weight[k] == float(w[sel].sum())
        expected_cv = weighted_cv(x[sel], w[sel])
        assert math.isclose(stats.cv[k], expected_cv, rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(stats.std[k], expected_cv * stats.mean[k], rel_tol=1e-12, abs_tol=1e-12)


def test_grouped_stats_missing_value_spoils_only_its_group() -> None:
    """Group 0 = X [4, 6], P [100, 300] → sqrt(3)/11 (hand example); group 1 has a NaN → NaN, 1 missing row."""
    x = np.array([4.0, 6.0, 5.0, NAN])
    w = np.array([100.0, 300.0, 10.0, 10.0])
    g = np.array([0, 0, 1, 1])
    stats = grouped_weighted_stats(x, w, g, 2)
    assert stats.cv[0] == pytest.approx(math.sqrt(3) / 11, rel=1e-12)
    assert stats.mean[0] == pytest.approx(5.5, rel=1e-12)
    assert math.isnan(stats.cv[1]) and math.isnan(stats.mean[1]) and math.isnan(stats.weight[1])
    assert list(stats.missing) == [0.0, 1.0]
    assert list(stats.count) == [2.0, 2.0]


# -- compare ------------------------------------------------------------------------------------------------------

# Values that are mathematically equal to their threshold but are computed with float noise.
AT_THRESHOLD = [
    (42 / 1000 * 100, 4.2),  # 4.2 (this one happens to round exactly; kept as the canonical example)
    (1.4 * 3, 4.2),  # 4.199999999999999: below 4.2 in floats
    (0.7 * 6, 4.2),  # 4.199999999999999
    (0.1 + 0.2, 0.3),  # 0.30000000000000004: above 0.3 in floats
    (7 * 0.1 * 10, 7.0),  # 7.000000000000001
    (0.57 * 100, 57.0),  # 56.99999999999999
]


def test_the_noise_cases_really_are_noisy() -> None:
    # Guards the test data: most AT_THRESHOLD pairs differ as floats, so the tolerance is what makes them pass.
    assert sum(a != b for a, b in AT_THRESHOLD) == 5
    assert 1.4 * 3 < 4.2 and 0.1 + 0.2 > 0.3


@pytest.mark.parametrize(("a", "b"), AT_THRESHOLD)
@pytest.mark.parametrize("op", [">=", "<=", "=="])
def test_compare_values_at_threshold_pass_despite_float_noise(op: str, a: float, b: float) -> None:
    assert compare(op, a, b, TOL) == 1.0
    assert compare(op, b, a, TOL) == 1.0  # symmetric in which side carries the noise


@pytest.mark.parametrize(("a", "b"), AT_THRESHOLD)
@pytest.mark.parametrize("op", [">", "<", "!="])
def test_compare_strict_ops_treat_near_equal_as_equal(op: str, a: float, b: float) -> None:
    assert compare(op, a, b, TOL) == 0.0
    assert compare(op, b, a, TOL) == 0.0


def test_compare_of_a_column_missing_everywhere_is_missing_everywhere() -> None:
    """The shortcut for an input no county gave gives what the full computation gives: NaN wherever either side is
    NaN, in the broadcast shape (checked against the same comparison made row by row)."""
    missing = np.full(4, np.nan)
    values = np.array([1.0, 2.0, np.nan, 4.0])
    for a, b in ((missing, values), (values, missing), (missing, 2.0), (np.nan, values)):
        out = compare(">=", a, b, TOL)
        assert out.shape == (4,) and np.isnan(out).all()
        rows = [compare(">=", x, y, TOL) for x, y in np.broadcast(a, b)]
        assert np.isnan(rows).all()
    assert compare("<", values, 3.0, TOL).tolist()[:2] == [1.0, 1.0]  # a column not missing is compared as before


def test_compare_without_tolerance_shows_the_noise() -> None:
    # With rel_tol 0 the same values behave like raw floats: 1.4*3 = 4.199999999999999 is not >= 4.2.
    assert compare(">=", 1.4 * 3, 4.2, 0.0) == 0.0
    assert compare("<=", 0.1 + 0.2, 0.3, 0.0) == 0.0


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"),
    [
        (">=", 4.1999, 4.2, 0.0),  # a real shortfall of 1e-4 (relative 2.4e-5 >> 1e-9)
        ("<=", 4.2001, 4.2, 0.0),
        ("==", 4.1999, 4.2, 0.0),
        ("!=", 4.1999, 4.2, 1.0),
        (">", 4.2001, 4.2, 1.0),
        ("<", 4.1999, 4.2, 1.0),
        (">", 4.1999, 4.2, 0.0),
        ("<", 4.2001, 4.2, 0.0),
        (">=", 4.2001, 4.2, 1.0),
        ("<=", 4.1999, 4.2, 1.0),
        (">=", 0.0, 0.0, 1.0),  # |0-0| <= tol*0
        (">", 0.0, 0.0, 0.0),
        (">=", -1.0, 0.0, 0.0),
    ],
)
def test_compare_real_differences(op: str, a: float, b: float, expected: float) -> None:
    assert compare(op, a, b, TOL) == expected


@pytest.mark.parametrize("op", [">=", "<=", ">", "<", "==", "!="])
@pytest.mark.parametrize(("a", "b"), [(NAN, 4.2), (4.2, NAN), (NAN, NAN)])
def test_compare_nan_on_either_side_is_unknown(op: str, a: float, b: float) -> None:
    assert math.isnan(compare(op, a, b, TOL))


def test_compare_is_elementwise_and_broadcasts() -> None:
    # [1.4*3 (≈4.2), 4.1999 (short), NaN (missing), 5 (above)] >= 4.2 → [1, 0, NaN, 1] (by hand)
    out = compare(">=", np.array([1.4 * 3, 4.1999, NAN, 5.0]), 4.2, TOL)
    assert same(out, [1.0, 0.0, NAN, 1.0])


def test_compare_rejects_unknown_operator() -> None:
    with pytest.raises(ValueError, match="unknown comparison"):
        compare("=>", 1.0, 1.0, TOL)


def test_compare_with_infinity() -> None:
    inf = float("inf")
    # By the ordinary meaning of the operators: 5 < inf, inf > 5, inf == inf.
    assert compare(">=", 5.0, inf, TOL) == 0.0
    assert compare("==", inf, 5.0, TOL) == 0.0
    assert compare(">", inf, 5.0, TOL) == 1.0
    assert compare(">=", inf, inf, TOL) == 1.0


# -- k_of_n -------------------------------------------------------------------------------------------------------

M, F = 1.0, 0.0  # met / not met


def test_k_of_n_six_of_seven_rule_edges() -> None:
    """The 2017 rule: at least 6 of 7 indicators met, and the rest at least 85% of the threshold.

    Row by row (expected by reading the rule):
      0  7 met                                   → pass
      1  6 met, 7th not met but >= floor          → pass
      2  6 met, 7th not met and below floor       → fail
      3  5 met, 2 not met (both >= floor)         → fail (too few met)
      4  6 met, 7th unknown (value missing)       → unknown (the 7th may be below floor)
      5  5 met, 1 not met (>= floor), 1 unknown   → unknown (could still reach 6)
      6  4 met, 2 not met, 1 unknown              → fail (at most 5 can be met)
      7  5 met, 1 below floor, 1 unknown          → fail (a known value is below floor)
      8  all unknown                              → unknown
    """
    n = NAN
    met = np.array(
        [
            [M, M, M, M, M, M, M],
            [M, M, M, M, M, M, F],
            [M, M, M, M, M, M, F],
            [M, M, M, M, M, F, F],
            [M, M, M, M, M, M, n],
            [M, M, M, M, M, F, n],
            [M, M, M, M, F, F, n],
            [M, M, M, M, M, F, n],
            [n, n, n, n, n, n, n],
        ]
    )
    floor_ok = np.array(
        [
            [1, 1, 1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1, 1, 0],
            [1, 1, 1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1, 1, n],
            [1, 1, 1, 1, 1, 1, n],
            [1, 1, 1, 1, 1, 1, n],
            [1, 1, 1, 1, 1, 0, n],
            [n, n, n, n, n, n, n],
        ]
    )
    assert same(k_of_n(met, floor_ok, 6), [1, 1, 0, 0, n, n, 0, 0, n])


def test_k_of_n_floor_at_85_percent_with_float_noise() -> None:
    """A value exactly at 85% of its threshold is at the floor: 0.85 * 0.56 = 0.476 by hand.

    In floats 0.85*0.56 is 0.47600000000000003 > 0.476, so the floor check needs the tolerant compare; the
    value 0.476 is below the threshold 0.56 itself, so the 7th indicator is "not met but at the floor" → pass.
    """
    assert 0.85 * 0.56 > 0.476  # the float noise this test is about
    floor_ok_7th = float(compare(">=", 0.476, 0.85 * 0.56, TOL))
    met_7th = float(compare(">=", 0.476, 0.56, TOL))
    assert (floor_ok_7th, met_7th) == (1.0, 0.0)
    met = np.array([[M] * 6 + [met_7th]])
    floor_ok = np.array([[1.0] * 6 + [floor_ok_7th]])
    assert same(k_of_n(met, floor_ok, 6), [1.0])


def test_k_of_n_all_required() -> None:
    # k = n = 3: one miss fails, all met passes, one unknown with the rest met is unknown.
    met = np.array([[M, M, M], [M, F, M], [M, NAN, M]])
    floor_ok = np.ones((3, 3))
    floor_ok[2, 1] = NAN
    assert same(k_of_n(met, floor_ok, 3), [1.0, 0.0, NAN])


def test_k_of_n_unknown_floor_on_unmet_indicator_is_unknown() -> None:
    # 6 met, 7th known not met, but whether the 7th reaches 85% is unknown → the rule cannot be decided.
    met = np.array([[M] * 6 + [F]])
    floor_ok = np.array([[1.0] * 6 + [NAN]])
    assert same(k_of_n(met, floor_ok, 6), [NAN])


# -- group_reduce / kleene_all ------------------------------------------------------------------------------------

GROUPS = np.array([0, 0, 1, 1, 3, 4, 4])  # group 2 is empty
NUMS = np.array([1.0, NAN, 3.0, 5.0, 2.0, 4.0, 6.0])


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        # by hand per group: g0 = [1, NaN], g1 = [3, 5], g2 = [], g3 = [2], g4 = [4, 6]
        ("sum", [NAN, 8.0, 0.0, 2.0, 10.0]),
        ("min", [NAN, 3.0, NAN, 2.0, 4.0]),
        ("max", [NAN, 5.0, NAN, 2.0, 6.0]),
    ],
)
def test_group_reduce_numbers(op: str, expected: list[float]) -> None:
    assert same(group_reduce(NUMS, GROUPS, 5, op), expected)


BOOLS = np.array([1.0, NAN, 0.0, 1.0, 1.0, 0.0, NAN])
BOOL_GROUPS = np.array([0, 0, 1, 1, 3, 4, 4])  # g0 [1, ?], g1 [0, 1], g2 [], g3 [1], g4 [0, ?]


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        # count of true: unknown if any row unknown; empty group counts 0
        ("count", [NAN, 1.0, 0.0, 1.0, NAN]),
        # Kleene all: a false decides 0; else any unknown → unknown; empty → 1
        ("all", [NAN, 0.0, 1.0, 1.0, 0.0]),
        # Kleene any: a true decides 1; else any unknown → unknown; empty → 0
        ("any", [1.0, 1.0, 0.0, 1.0, NAN]),
    ],
)
def test_group_reduce_booleans(op: str, expected: list[float]) -> None:
    assert same(group_reduce(BOOLS, BOOL_GROUPS, 5, op), expected)


def test_group_reduce_all_false_any() -> None:
    # any of [0, 0] is 0; all of [1, 1] is 1; count of [1, 1] is 2 (by hand)
    assert same(group_reduce(np.array([0.0, 0.0]), np.array([0, 0]), 1, "any"), [0.0])
    assert same(group_reduce(np.array([1.0, 1.0]), np.array([0, 0]), 1, "all"), [1.0])
    assert same(group_reduce(np.array([1.0, 1.0]), np.array([0, 0]), 1, "count"), [2.0])


def test_group_reduce_rejects_unknown_op() -> None:
    with pytest.raises(ValueError, match="unknown reduction"):
        group_reduce(NUMS, GROUPS, 5, "mean")


def test_kleene_all_matches_three_valued_and() -> None:
    # g0 [1, 1] → 1, g1 [1, ?] → ?, g2 [0, ?] → 0, g3 [] → 1
    s = np.array([1.0, 1.0, 1.0, NAN, 0.0, NAN])
    g = np.array([0, 0, 1, 1, 2, 2])
    assert same(kleene_all(s, g, 4), [1.0, NAN, 0.0, 1.0])


# -- apportion_shares ---------------------------------------------------------------------------------------------


def test_apportion_nine_year_school_worked_example() -> None:
    """STANDARDS §3: nine-year school, A = 500 primary, B = 400 junior, weights 1 : 1.1.

    weighted = 500 + 1.1*400 = 940;  primary share = 500/940,  junior share = 440/940 (by hand).
    """
    shares = apportion_shares(np.array([500.0, 400.0]), np.array([1.0, 1.1]), np.array([0, 0]), np.array([0.0]))
    assert shares == pytest.approx([500 / 940, 440 / 940], rel=1e-12)


def test_apportion_complete_middle_school_with_senior_part() -> None:
    """Complete middle school, junior J = 600, senior S = 500 not evaluated, junior : senior = 1 : 1.2.

    extra = 1.2*500 = 600;  junior share = 600 / (600 + 600) = 1/2 (by hand).
    """
    shares = apportion_shares(np.array([600.0]), np.array([1.0]), np.array([0]), np.array([1.2 * 500]))
    assert shares == pytest.approx([0.5], rel=1e-12)


def test_apportion_twelve_year_school() -> None:
    """Twelve-year school P = 300, J = 200, S = 100, weights 1 : 1.1 : 1.32.

    weighted: 300, 220, 132 → total 652;  primary 300/652, junior 220/652, senior (not a row) 132/652 (by hand).
    """
    shares = apportion_shares(np.array([300.0, 200.0]), np.array([1.0, 1.1]), np.array([0, 0]), np.array([1.32 * 100]))
    assert shares == pytest.approx([300 / 652, 220 / 652], rel=1e-12)
    assert shares.sum() + 132 / 652 == pytest.approx(1.0, rel=1e-12)


def test_apportion_several_schools_and_zero_students() -> None:
    """Rows of three schools: s0 nine-year (500, 400), s1 single-section (300), s2 with no students.

    s0 as in the worked example; s1's only row gets the whole school (1); s2 has weighted total 0 → NaN.
    """
    students = np.array([500.0, 300.0, 400.0, 0.0])
    weights = np.array([1.0, 1.0, 1.1, 1.0])
    school = np.array([0, 1, 0, 2])
    shares = apportion_shares(students, weights, school, np.zeros(3))
    assert same(shares[[1, 3]], [1.0, NAN])
    assert shares[[0, 2]] == pytest.approx([500 / 940, 440 / 940], rel=1e-12)


def test_apportion_zero_section_in_a_school_with_students() -> None:
    # A junior row with 0 students next to a primary with 500: shares 500/500 = 1 and 0/500 = 0 (by hand).
    shares = apportion_shares(np.array([500.0, 0.0]), np.array([1.0, 1.1]), np.array([0, 0]), np.array([0.0]))
    assert same(shares, [1.0, 0.0])


@PROPS
@given(
    st.lists(
        st.tuples(
            st.lists(st.tuples(st.integers(0, 3000), st.sampled_from([1.0, 1.1, 1.2, 1.32])), min_size=1, max_size=3),
            st.integers(0, 2000),
            st.sampled_from([0.0, 1.2, 1.32]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_apportion_shares_of_a_school_plus_its_extra_part_sum_to_one(
    schools: list[tuple[list[tuple[int, float]], int, float]],
) -> None:
    """Independent: for each school, Σ row shares + extra/total = 1 whenever the weighted total is positive;
    each share also equals w·P / total recomputed with Fractions of the same float inputs."""
    students, weights, school_of, extra = [], [], [], []
    for k, (rows, senior, senior_w) in enumerate(schools):
        for p, w in rows:
            students.append(float(p))
            weights.append(w)
            school_of.append(k)
        extra.append(senior_w * senior)
    shares = apportion_shares(np.array(students), np.array(weights), np.array(school_of), np.array(extra))
    for k in range(len(schools)):
        rows = [i for i, s in enumerate(school_of) if s == k]
        total = sum(Fraction(weights[i]) * Fraction(students[i]) for i in rows) + Fraction(extra[k])
        if total == 0:
            assert all(math.isnan(shares[i]) for i in rows)
            continue
        for i in rows:
            assert math.isclose(shares[i], float(Fraction(weights[i]) * Fraction(students[i]) / total), rel_tol=1e-12)
        assert math.isclose(sum(shares[i] for i in rows) + float(Fraction(extra[k]) / total), 1.0, rel_tol=1e-12)


# -- round_half_up ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "mode", "expected"),
    [
        (0.505, 2, "half_up", 0.51),  # as printed 0.505 → half up → 0.51 (stored 0.50499999999999995)
        (0.5049, 2, "half_up", 0.50),  # below the half → down
        (0.515, 2, "half_up", 0.52),
        (2.675, 2, "half_up", 2.68),  # stored 2.67499999999999982..., printed 2.675
        (-0.505, 2, "half_up", -0.51),  # half away from zero
        (0.5, 0, "half_up", 1.0),
        (1.5, 0, "half_up", 2.0),
        (0.505, 2, "half_even", 0.50),  # tie → even digit 0
        (0.515, 2, "half_even", 0.52),  # tie → even digit 2
        (0.525, 2, "half_even", 0.52),
        (0.5049, 2, "half_even", 0.50),
        (2.5, 0, "half_even", 2.0),
    ],
)
def test_round_half_up_cases(value: float, decimals: int, mode: str, expected: float) -> None:
    assert float(round_half_up(value, decimals, mode)) == pytest.approx(expected, abs=1e-12)


def test_round_none_leaves_values_unrounded() -> None:
    out = round_half_up(np.array([0.505, 0.123456789, NAN]), None)
    assert same(out, [0.505, 0.123456789, NAN])


def test_round_keeps_nan() -> None:
    assert math.isnan(float(round_half_up(NAN, 2)))


def test_rounding_can_flip_a_cv_comparison() -> None:
    # STANDARDS §2: 0.5049 vs limit 0.50 fails unrounded but passes after rounding to 2 places.
    assert compare("<=", 0.5049, 0.50, TOL) == 0.0
    assert compare("<=", round_half_up(0.5049, 2), 0.50, TOL) == 1.0


@PROPS
@given(st.integers(min_value=-999_999, max_value=999_999), st.sampled_from(["half_up", "half_even"]))
def test_round_matches_decimal_rounding_of_the_printed_value(k: int, mode: str) -> None:
    """Independent: decimal.Decimal rounding of the exact decimal k/1000 (what a person reads) to 2 places.

    Decimal ROUND_HALF_UP rounds ties away from zero, as round_half_up does for negatives.
    """
    value = k / 1000
    rounding = ROUND_HALF_UP if mode == "half_up" else ROUND_HALF_EVEN
    expected = float((Decimal(k) / Decimal(1000)).quantize(Decimal("0.01"), rounding=rounding))
    assert float(round_half_up(value, 2, mode)) == pytest.approx(expected, abs=1e-12)
