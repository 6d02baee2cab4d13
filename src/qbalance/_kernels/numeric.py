"""Pure numpy kernels: no YAML, no pydantic, no units. Small, documented and property-tested.

* :func:`weighted_cv` / :func:`grouped_weighted_stats` — the student-weighted, population-form coefficient of
  variation (差异系数) of STANDARDS.md §2: X̄ = Σ PᵢXᵢ / ΣPᵢ, S = sqrt(Σ Pᵢ(Xᵢ − X̄)² / ΣPᵢ), CV = S / X̄.
* :func:`compare` — threshold comparison in which values within a relative tolerance count as equal, so a value
  that is mathematically at its threshold passes ("达到 X 以上" includes X) whatever floating point does.
* :func:`k_of_n` — "at least k of n indicators met, the rest not below floor × threshold", three-valued.
* :func:`apportion_shares` — the share of a multi-section school's facilities that belongs to each section.
* :func:`round_half_up` — rounding of a CV before comparison, when a pack asks for it.

Missing values are NaN throughout, and results are three-valued floats: 1.0 true, 0.0 false, NaN unknown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "GroupStats",
    "apportion_shares",
    "compare",
    "group_reduce",
    "grouped_weighted_stats",
    "k_of_n",
    "kleene_all",
    "round_half_up",
    "weighted_cv",
]

F64 = NDArray[np.float64]


def weighted_cv(values: ArrayLike, students: ArrayLike) -> float:
    """The student-weighted coefficient of variation of per-school ``values`` (差异系数).

    ``values`` are per-student (or per-100-student) indicator values Xᵢ, ``students`` the enrolment Pᵢ of each school
    in the section. Population form, divisor ΣPᵢ (not n−1). Returns NaN if any value is missing, if there are no
    students, or if the weighted mean is zero (the CV is then undefined).

    >>> round(weighted_cv([4.0, 6.0], [100, 300]), 6)   # mean 5.5, S = sqrt((100*2.25 + 300*0.25)/400)
    0.157459
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    p = np.asarray(students, dtype=np.float64).ravel()
    if x.shape != p.shape:
        raise ValueError(f"values and students differ in length: {x.size} vs {p.size}")
    if x.size == 0:
        return float("nan")
    if np.any(p < 0) or np.any(np.isnan(p)):
        raise ValueError("students must be non-negative numbers")
    stats = grouped_weighted_stats(x, p, np.zeros(x.size, dtype=np.int64), 1)
    return float(stats.cv[0])


class GroupStats:
    """Per-group results of :func:`grouped_weighted_stats` (arrays of length ``n_groups``)."""

    __slots__ = ("count", "cv", "mean", "missing", "std", "weight")

    def __init__(self, mean: F64, std: F64, cv: F64, count: F64, weight: F64, missing: F64) -> None:
        self.mean = mean
        self.std = std
        self.cv = cv
        self.count = count
        self.weight = weight
        self.missing = missing


def grouped_weighted_stats(values: F64, weights: F64, groups: NDArray[np.int64], n_groups: int) -> GroupStats:
    """Weighted mean, population standard deviation and CV of ``values`` within each group, in one pass each.

    Two-pass (mean first, then squared deviations) for numerical stability. A group with any missing value gets NaN
    statistics and counts the missing rows in ``missing``; a group with no rows gets NaN and count 0.
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    g = np.asarray(groups, dtype=np.int64)
    missing_rows = np.isnan(x)
    missing_rows |= np.isnan(w)
    count = np.bincount(g, minlength=n_groups).astype(np.float64)
    if missing_rows.any():
        missing = np.bincount(g, weights=missing_rows.astype(np.float64), minlength=n_groups)
        xs = np.where(missing_rows, 0.0, x)
        ws = np.where(missing_rows, 0.0, w)
    else:  # the usual case: no copies (the same numbers as zeroing nothing)
        missing, xs, ws = np.zeros(n_groups, dtype=np.intp), x, w
    wsum = np.bincount(g, weights=ws, minlength=n_groups)
    wx = np.bincount(g, weights=ws * xs, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = wx / wsum
        dev = xs - mean[g]
        spread = ws * dev
        spread *= dev  # (w·d)·d, in the order of the plain expression
        var = np.bincount(g, weights=spread, minlength=n_groups) / wsum
        std = np.sqrt(np.maximum(var, 0.0))
        cv = std / mean
    bad = (missing > 0) | (count == 0) | ~(wsum > 0)
    mean = np.where(bad, np.nan, mean)
    std = np.where(bad, np.nan, std)
    cv = np.where(bad | (mean == 0), np.nan, cv)
    return GroupStats(mean, std, cv, count, np.where(missing > 0, np.nan, wsum), missing.astype(np.float64))


def compare(op: str, a: ArrayLike, b: ArrayLike, rel_tol: float) -> Any:
    """Three-valued ``a op b`` for op in >=, <=, >, <, ==, != where |a−b| ≤ rel_tol·max(|a|,|b|) counts as equal.

    A column that is missing everywhere (an input no county gave) gives missing everywhere at once."""
    if op not in _COMPARISONS:
        raise ValueError(f"unknown comparison {op!r}")
    a_arr = np.asarray(a, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    if _all_nan(a_arr) or _all_nan(b_arr):
        return np.full(np.broadcast_shapes(a_arr.shape, b_arr.shape), np.nan)
    return _compare_block(op, a_arr, b_arr, rel_tol)


def _compare_block(op: str, a_arr: F64, b_arr: F64, rel_tol: float) -> Any:
    """:func:`compare` computed in place in a few buffers (a nation's columns are 200,000 rows and more: every fresh
    temporary costs page faults); the same values as the plain expression."""
    with np.errstate(invalid="ignore", over="ignore"):
        diff = a_arr - b_arr
        scale = np.maximum(np.abs(a_arr), np.abs(b_arr))
        scale *= rel_tol
        equal = np.abs(diff) <= scale
        equal &= np.isfinite(diff)
        equal |= a_arr == b_arr  # infinities are equal only to themselves
        if op in (">=", "<=", ">", "<"):
            res = diff > 0 if op[0] == ">" else diff < 0
            if op in (">=", "<="):
                res |= equal
            else:
                res &= ~equal
        else:
            res = equal if op == "==" else ~equal
    out = np.asarray(res, dtype=np.float64)
    if out.ndim == 0:
        out = np.array(out)
    out[np.isnan(a_arr) | np.isnan(b_arr)] = np.nan
    return out


_COMPARISONS = (">=", "<=", ">", "<", "==", "!=")


def _all_nan(x: F64) -> bool:
    """Whether every value of a non-empty array is NaN (its first value looked at first, so the full check is made
    only for arrays that start missing)."""
    return x.size > 0 and bool(np.isnan(x.flat[0])) and bool(np.isnan(x).all())


def k_of_n(met: F64, floor_ok: F64, k: float) -> F64:
    """Per row: at least ``k`` of the columns met, and every column not met at least at its floor.

    ``met`` and ``floor_ok`` are (rows × indicators) three-valued arrays. A row fails as soon as the known values
    decide it (too few can still be met, or a known value is below its floor); it passes only when every value is
    known; otherwise it is NaN (not evaluated).
    """
    met = np.asarray(met, dtype=np.float64)
    floor_ok = np.asarray(floor_ok, dtype=np.float64)
    known_met = np.sum(met == 1.0, axis=1)
    unknown = np.sum(np.isnan(met), axis=1)
    below_floor = np.any(floor_ok == 0.0, axis=1)
    unknown_floor = np.any(np.isnan(floor_ok) & (met == 0.0), axis=1)
    fail = (known_met + unknown < k) | below_floor
    ok = (unknown == 0) & (known_met >= k) & ~unknown_floor
    return np.where(fail, 0.0, np.where(ok, 1.0, np.nan))


def kleene_all(status: F64, groups: NDArray[np.int64], n_groups: int) -> F64:
    """Three-valued AND within groups: 0 if any row is 0, else NaN if any is NaN, else 1 (1 for empty groups)."""
    s = np.asarray(status, dtype=np.float64)
    any_false = np.bincount(groups, weights=(s == 0.0).astype(np.float64), minlength=n_groups) > 0
    any_nan = np.bincount(groups, weights=np.isnan(s).astype(np.float64), minlength=n_groups) > 0
    return np.where(any_false, 0.0, np.where(any_nan, np.nan, 1.0))


def group_reduce(values: F64, groups: NDArray[np.int64], n_groups: int, op: str) -> F64:
    """Reduce ``values`` into ``n_groups`` groups with sum, min, max, count (of true), all or any.

    Missing values make sum/min/max/count missing; all/any follow three-valued logic. Empty groups give 0 for sum
    and count, NaN for min and max, 1 for all and 0 for any.
    """
    v = np.asarray(values, dtype=np.float64)
    g = np.asarray(groups, dtype=np.int64)
    nan_rows = np.isnan(v)
    any_nan = np.bincount(g, weights=nan_rows.astype(np.float64), minlength=n_groups) > 0
    if op == "sum":
        out = np.bincount(g, weights=np.where(nan_rows, 0.0, v), minlength=n_groups)
        return np.where(any_nan, np.nan, out)
    if op == "count":
        out = np.bincount(g, weights=(v == 1.0).astype(np.float64), minlength=n_groups)
        return np.where(any_nan, np.nan, out)
    if op in ("min", "max"):
        fill = np.inf if op == "min" else -np.inf
        out = np.full(n_groups, fill)
        (np.minimum if op == "min" else np.maximum).at(out, g, np.where(nan_rows, fill, v))
        empty = np.bincount(g, minlength=n_groups) == 0
        return np.where(any_nan | empty, np.nan, out)
    if op == "all":
        return kleene_all(v, g, n_groups)
    if op == "any":
        any_true = np.bincount(g, weights=(v == 1.0).astype(np.float64), minlength=n_groups) > 0
        return np.where(any_true, 1.0, np.where(any_nan, np.nan, 0.0))
    raise ValueError(f"unknown reduction {op!r}")


def apportion_shares(
    section_students: F64, section_weight: F64, school_of_section: NDArray[np.int64], extra_weighted: F64
) -> F64:
    """The fraction of its school's shared facilities that each section row receives.

    share = wₛ·Pₛ / (Σ_{sections of the school} w·P + extra), where ``extra`` is the weighted enrolment of parts of
    the school that are not evaluated (a senior section). E.g. a nine-year school with A primary and B junior students
    and weights 1 : 1.1 gives the primary row A / (A + 1.1 B). The shares of a school's rows plus its extra part sum
    to one. Rows of a school whose weighted enrolment is zero get NaN.
    """
    ws = np.asarray(section_weight, dtype=np.float64) * np.asarray(section_students, dtype=np.float64)
    total = np.bincount(school_of_section, weights=ws, minlength=extra_weighted.size) + extra_weighted
    denom = total[school_of_section]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = ws / denom
    return np.where(denom > 0, share, np.nan)


def round_half_up(values: ArrayLike, decimals: int | None, mode: str = "half_up") -> Any:
    """Round to ``decimals`` places as a person would (0.505 → 0.51 under half-up); None leaves values unrounded.

    The scaled value is first rounded to 6 decimal places (a CV of 0.50499999999999995 scaled to 50.499999999999995
    becomes 50.5), so a value that is mathematically on the half rounds as printed, not as binary storage dictates.
    """
    x = np.asarray(values, dtype=np.float64)
    if decimals is None:
        return x
    scale = 10.0**decimals
    y = np.round(x * scale, 6)
    if mode == "half_even":
        out = np.round(y)
    else:
        out = np.sign(y) * np.floor(np.abs(y) + 0.5)
    return out / scale
