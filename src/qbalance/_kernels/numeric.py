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

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "GroupStats",
    "all_missing",
    "apportion_shares",
    "compare",
    "constant_column",
    "group_reduce",
    "group_totals",
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

    def every(self, step: int, start: int) -> GroupStats:
        """The statistics of groups start, start + step, … (one section's counties of a county × section grouping)."""
        mean, std, cv, count, weight, missing = (
            np.ascontiguousarray(a[start::step])
            for a in (self.mean, self.std, self.cv, self.count, self.weight, self.missing)
        )
        return GroupStats(mean, std, cv, count, weight, missing)


def group_totals(weights: F64, groups: NDArray[np.int64], n_groups: int) -> tuple[F64, F64]:
    """The rows and the total weight of each group: what :func:`grouped_weighted_stats` needs of the weights alone,
    made once when several value columns share the same weights and groups."""
    g = np.asarray(groups, dtype=np.int64)
    count = np.bincount(g, minlength=n_groups).astype(np.float64)
    return count, _weighted_count(g, np.asarray(weights, dtype=np.float64), n_groups)


def _weighted_count(groups: NDArray[np.int64], weights: F64, n_groups: int) -> F64:
    """The sum of ``weights`` in each group (``np.bincount`` with weights, typed as the floats it gives)."""
    return np.asarray(np.bincount(groups, weights=weights, minlength=n_groups), dtype=np.float64)


def grouped_weighted_stats(
    values: F64,
    weights: F64,
    groups: NDArray[np.int64],
    n_groups: int,
    totals: tuple[F64, F64] | None = None,
) -> GroupStats:
    """Weighted mean, population standard deviation and CV of ``values`` within each group, in one pass each.

    Two-pass (mean first, then squared deviations) for numerical stability. A group with any missing value gets NaN
    statistics and counts the missing rows in ``missing``; a group with no rows gets NaN and count 0. ``totals``:
    :func:`group_totals` of these weights and groups, when already made.
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    g = np.asarray(groups, dtype=np.int64)
    missing_rows = np.isnan(x)
    missing_rows |= np.isnan(w)
    count, wsum = totals if totals is not None else group_totals(w, g, n_groups)
    if missing_rows.any():
        missing = np.bincount(g, weights=missing_rows.astype(np.float64), minlength=n_groups)
        xs = np.where(missing_rows, 0.0, x)
        ws = np.where(missing_rows, 0.0, w)
        wsum = _weighted_count(g, ws, n_groups)
    else:  # the usual case: no copies (the same numbers as zeroing nothing)
        missing, xs, ws = np.zeros(n_groups, dtype=np.intp), x, w
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
    if all_missing(a_arr) or all_missing(b_arr):
        return np.full(np.broadcast_shapes(a_arr.shape, b_arr.shape), np.nan)
    return _compare_block(op, a_arr, b_arr, rel_tol)


def _compare_block(op: str, a_arr: F64, b_arr: F64, rel_tol: float) -> Any:
    """:func:`compare` in two steps: the plain comparison everywhere, then the tolerance only on the rows where it can
    change the answer (for ``>=`` the rows with a < b, for ``>`` those with a > b …). Those are usually a small part
    of a nation's 200,000 rows and more, and every full pass costs; the values are those of the plain expression, the
    tolerance computed element by element exactly as written there."""
    shape = np.broadcast_shapes(a_arr.shape, b_arr.shape)
    a = np.broadcast_to(a_arr, shape) if shape else a_arr.reshape(1)
    b = np.broadcast_to(b_arr, shape) if shape else b_arr.reshape(1)
    with np.errstate(invalid="ignore", over="ignore"):
        res = _PLAIN[op](a, b)
        # where the plain answer may be wrong: a strictly on the other side of b (≥, ≤, ==), or on the side (>, <, ≠)
        doubt = np.nonzero(_DOUBT[op](a, b) if op in _DOUBT else res)
        a_d, b_d = a[doubt], b[doubt]
        diff = a_d - b_d
        equal = np.abs(diff) <= np.maximum(np.abs(a_d), np.abs(b_d)) * rel_tol
        equal &= np.isfinite(diff)  # (equal values, infinities too, were settled by the plain comparison)
        res[doubt] = equal if op in _DOUBT else ~equal
    out = res.astype(np.float64)
    out[np.isnan(a) | np.isnan(b)] = np.nan
    return out if shape else out.reshape(())


_PLAIN: dict[str, Callable[[F64, F64], NDArray[np.bool_]]] = {
    ">=": np.greater_equal,
    "<=": np.less_equal,
    ">": np.greater,
    "<": np.less,
    "==": np.equal,
    "!=": np.not_equal,
}
# the comparisons made true by the tolerance, and the rows where they can be: a value just the wrong side of b
_DOUBT: dict[str, Callable[[F64, F64], NDArray[np.bool_]]] = {
    ">=": np.less,
    "<=": np.greater,
    "==": np.not_equal,
}


_COMPARISONS = (">=", "<=", ">", "<", "==", "!=")


def constant_column(n: int, value: float = np.nan) -> F64:
    """``n`` rows of one value as a read-only view of a single number: an input no county gave, or an expression
    that is the same on every row, costs no memory per row (anything computed from it is a new array)."""
    out: F64 = np.broadcast_to(np.float64(value), (n,))
    return out


def all_missing(x: F64) -> bool:
    """Whether every value of a non-empty array is NaN (its first value looked at first, so the full check is made
    only for arrays that start missing)."""
    return x.size > 0 and bool(np.isnan(x.flat[0])) and bool(np.isnan(x).all())


def k_of_n(met: F64 | Sequence[F64], floor_ok: F64 | Iterable[F64], k: float) -> F64:
    """Per row: at least ``k`` of the columns met, and every column not met at least at its floor.

    ``met`` and ``floor_ok`` are three-valued, either (rows × indicators) arrays or one column per indicator (the
    engine passes columns, the floor ones made one at a time, so no (rows × indicators) copy is made). A row fails
    as soon as the known values decide it (too few can still be met, or a known value is below its floor); it
    passes only when every value is known; otherwise it is NaN (not evaluated).
    """
    met_cols = _columns(met)
    floor_cols = (
        _columns(floor_ok) if isinstance(floor_ok, np.ndarray) else (np.asarray(c, np.float64) for c in floor_ok)
    )
    n = met_cols[0].size if met_cols else (np.asarray(met).shape[0] if np.ndim(met) == 2 else 0)
    known_met = np.zeros(n, dtype=np.int32)
    unknown = np.zeros(n, dtype=np.int32)
    below_floor = np.zeros(n, dtype=bool)
    unknown_floor = np.zeros(n, dtype=bool)
    for m, f in zip(met_cols, floor_cols, strict=True):
        known_met += m == 1.0
        unknown += np.isnan(m)
        below_floor |= f == 0.0
        unknown_floor |= np.isnan(f) & (m == 0.0)
    fail = (known_met + unknown < k) | below_floor
    ok = (unknown == 0) & (known_met >= k) & ~unknown_floor
    out = np.full(n, np.nan)
    out[ok] = 1.0
    out[fail] = 0.0  # a decided failure wins
    return out


def _columns(x: F64 | Sequence[F64]) -> list[F64]:
    """The indicator columns of a (rows × indicators) array, or the given columns, as float arrays."""
    if isinstance(x, np.ndarray) and x.ndim == 2:
        return [np.asarray(c, dtype=np.float64) for c in x.T]
    return [np.asarray(c, dtype=np.float64) for c in x]


def kleene_all(status: F64, groups: NDArray[np.int64], n_groups: int) -> F64:
    """Three-valued AND within groups: 0 if any row is 0, else NaN if any is NaN, else 1 (1 for empty groups).

    Made by marking the groups of the rows that are 0 or NaN (usually few) rather than counting every row."""
    s = np.asarray(status, dtype=np.float64)
    g = np.asarray(groups, dtype=np.int64)
    out = np.ones(n_groups)
    out[g[np.isnan(s)]] = np.nan
    out[g[s == 0.0]] = 0.0  # a failure decides the group, missing rows or not
    return out


def group_reduce(values: F64, groups: NDArray[np.int64], n_groups: int, op: str) -> F64:
    """Reduce ``values`` into ``n_groups`` groups with sum, min, max, count (of true), all or any.

    Missing values make sum/min/max/count missing; all/any follow three-valued logic. Empty groups give 0 for sum
    and count, NaN for min and max, 1 for all and 0 for any.
    """
    v = np.asarray(values, dtype=np.float64)
    g = np.asarray(groups, dtype=np.int64)
    if op == "sum":  # a NaN row makes its group's sum NaN by itself
        return _weighted_count(g, v, n_groups)
    if op == "all":
        return kleene_all(v, g, n_groups)
    nan_groups = g[np.isnan(v)]
    if op == "count":
        out = np.bincount(g[v == 1.0], minlength=n_groups).astype(np.float64)
        out[nan_groups] = np.nan
        return out
    if op in ("min", "max"):
        fill = np.inf if op == "min" else -np.inf
        out = np.full(n_groups, fill)
        (np.minimum if op == "min" else np.maximum).at(out, g, np.where(np.isnan(v), fill, v))
        out[np.bincount(g, minlength=n_groups) == 0] = np.nan
        out[nan_groups] = np.nan
        return out
    if op == "any":
        out = np.zeros(n_groups)
        out[nan_groups] = np.nan
        out[g[v == 1.0]] = 1.0  # a true row decides the group, missing rows or not
        return out
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
