"""A progress item judged on a date: met, on track, behind, overdue or not yet met (:func:`judge`), and the
``tracking`` part of the report built from the pack's road for the item — baseline, milestones, deadline — and the
yearly values (:func:`tracking_of`).

The rule, with V the value in the data year, T the target, D the deadline and A the date judged (``as_of``, else
31 December of the data year):

* **met** — V ≥ T (within the pack's comparison tolerance: a value at the target has met it);
* not met, no deadline — **not yet**, with the reason (no pace can be late without a date);
* not met, A after D — **overdue**;
* not met, A on or before D — **on track** when V is at least the value expected by A, **behind** otherwise. The
  expected value is, with milestones, the latest milestone due by A (a milestone of year Y is due by 31 December
  of Y; before the first one, the baseline value, or nothing when there is no baseline); without milestones, the
  straight line from the baseline (B, V₀) to the target: V₀ + (T − V₀) × f, where f is the share of the time from
  31 December of B to D that has passed by A (0 before, 1 after). Without a baseline the pace cannot be judged:
  **not yet**, with the reason.

A data year's value is taken as at the end of that year, so the 2026 figures judged by a deadline of 2026-12-31
are on time, and judged on 2027-01-01 they are overdue if the target is not met.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._base.messages import text
from .._kernels.numeric import compare
from .._packs.compile import CompiledItem
from .county_view import CountyView
from .model import (
    BaselineOut,
    DeadlineOut,
    LabelOut,
    MilestoneOut,
    ProgressStatus,
    SeriesPointOut,
    TrackingOut,
)

__all__ = ["Judged", "judge", "judged_finding", "tracking_of", "year_end"]


def year_end(year: int) -> dt.date:
    """31 December of ``year``: when a data year's values stand, and when a milestone of that year is due."""
    return dt.date(year, 12, 31)


@dataclass(frozen=True)
class Judged:
    """A target judged on a date: its status, the value expected by then and the share of time elapsed (when the
    straight line from the baseline was used), and why the pace could not be judged (a catalogue key)."""

    status: ProgressStatus
    expected: float | None = None
    elapsed: float | None = None
    reason: str | None = None


def _at_least(value: float, bound: float, tol: float) -> bool:
    """``value ≥ bound`` within the relative tolerance (a value at the bound passes)."""
    return bool(compare(">=", np.array([value]), np.array([bound]), tol)[0] == 1.0)


def judge(
    value: float,
    target: float,
    *,
    as_of: dt.date | None,
    deadline: dt.date | None,
    baseline: tuple[int, float] | None = None,
    milestones: Sequence[tuple[int, float]] = (),
    tol: float = 1e-9,
) -> Judged:
    """The status of a target whose value is ``value`` (see the module's rule). ``baseline`` is (year, value),
    ``milestones`` (year, value) by year; values in one unit."""
    if _at_least(value, target, tol):
        return Judged("met")
    if deadline is None:
        return Judged("not_yet", reason="lookback.progress.no_deadline")
    if as_of is None:
        return Judged("not_yet", reason="lookback.progress.no_date")
    if as_of > deadline:
        return Judged("overdue")
    if milestones:
        due = [v for year, v in milestones if year_end(year) <= as_of]
        if due:
            expected = due[-1]
        elif baseline is not None:
            expected = baseline[1]
        else:
            return Judged("on_track")  # nothing is due yet
        return Judged("on_track" if _at_least(value, expected, tol) else "behind", expected)
    if baseline is None:
        return Judged("not_yet", reason="lookback.progress.no_baseline")
    start = year_end(baseline[0])
    span = (deadline - start).days
    elapsed = 1.0 if span <= 0 else min(1.0, max(0.0, (as_of - start).days / span))
    expected = baseline[1] + (target - baseline[1]) * elapsed
    return Judged("on_track" if _at_least(value, expected, tol) else "behind", expected, elapsed)


def _as_of(view: CountyView) -> tuple[dt.date | None, str | None]:
    """The date judged and where it comes from: the as_of given, else the end of the data year, else none."""
    if view.as_of:
        return dt.date.fromisoformat(view.as_of), "given"
    year = view.year
    return (year_end(year), "data_year") if year is not None else (None, None)


def _series(view: CountyView, item_id: str, value: float | None) -> list[SeriesPointOut] | None:
    """The item's yearly values: those of the stored years before the data year, then this report's; None when no
    history was given."""
    if view.stored is None:
        return None
    points = list(view.stored.get(item_id, []))
    if view.year is not None:
        points.append(SeriesPointOut(year=view.year, value=value, record=None))
    return sorted(points, key=lambda p: p.year)


def _baseline(view: CountyView, ci: CompiledItem, series: list[SeriesPointOut] | None) -> BaselineOut | None:
    """The item's baseline: given by the pack, or read from the series (a year the pack names, or the first year
    stored with a known value)."""
    spec = ci.spec.baseline
    if spec is None:
        return None
    cite, note = view.cite(spec.cite), spec.note
    if spec.value is not None and isinstance(spec.year, int):
        return BaselineOut(year=spec.year, value=spec.value, origin="pack", rule="given", cite=cite, note=note)
    known = [p for p in series or [] if p.value is not None]
    if spec.year == "first_stored":
        first = known[0] if known else None
        return BaselineOut(
            year=first.year if first else None,
            value=first.value if first else None,
            origin="history",
            rule="first_stored",
            cite=cite,
            note=note,
        )
    year = int(spec.year)
    value = next((p.value for p in known if p.year == year), None)
    return BaselineOut(year=year, value=value, origin="history", rule="year", cite=cite, note=note)


def _why_no_pace(view: CountyView, reason: str, baseline: BaselineOut | None) -> tuple[str, dict[str, object]]:
    """The catalogue key (and its arguments) saying why a pace could not be judged: no date, no baseline in the
    pack, no history to read a stored baseline from, or the baseline year not stored."""
    if reason != "lookback.progress.no_baseline" or baseline is None:
        return reason, {}
    if view.stored is None:
        return "lookback.progress.no_history", {}
    if baseline.year is None:
        return "lookback.progress.nothing_stored", {}
    return "lookback.progress.baseline_not_stored", {"year": baseline.year}


def tracking_of(view: CountyView, ci: CompiledItem, value: float | None, target: float | None) -> TrackingOut:
    """The ``tracking`` of a progress item in the county: its status on the date judged, and its road."""
    spec = ci.spec
    as_of, as_of_from = _as_of(view)
    series = _series(view, ci.id, value)
    baseline = _baseline(view, ci, series)
    deadline = (
        DeadlineOut(date=spec.deadline.isoformat(), cite=view.cite(spec.deadline_cite or spec.cite))
        if spec.deadline is not None
        else None
    )
    milestones = [MilestoneOut(year=m.year, value=m.value, cite=view.cite(m.cite)) for m in spec.milestones or ()]
    judged = None
    if value is not None and target is not None:
        start = (baseline.year, baseline.value) if baseline and baseline.year and baseline.value is not None else None
        judged = judge(
            value,
            target,
            as_of=as_of,
            deadline=spec.deadline,
            baseline=start,
            milestones=[(m.year, m.value) for m in milestones],
            tol=view.cp.tolerance,
        )
    reason = None
    if judged is not None and judged.reason is not None:
        key, args = _why_no_pace(view, judged.reason, baseline)
        reason = LabelOut(zh=text(key, "zh", **args), en=text(key, "en", **args))
    return TrackingOut(
        status=judged.status if judged else None,
        as_of=as_of.isoformat() if as_of else None,
        as_of_from="given" if as_of_from == "given" else "data_year" if as_of_from else None,
        baseline=baseline,
        deadline=deadline,
        milestones=milestones,
        expected=judged.expected if judged else None,
        elapsed=judged.elapsed if judged else None,
        series=series or [],
        reason=reason,
    )


def _number(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def judged_finding(finding: LabelOut | None, tracking: TrackingOut) -> LabelOut | None:
    """A progress item's finding (value against target), followed by its status on the date judged and the value
    expected by then: ……完成31.2%；截至2025-12-31：进度滞后，按期应达到8."""
    if finding is None or tracking.status is None or tracking.as_of is None:
        return finding
    said: dict[str, str] = {}
    for lang in ("zh", "en"):
        status = text(f"lookback.progress.status.{tracking.status}", lang)
        args = {"finding": finding.text(lang), "date": tracking.as_of, "status": status}
        if tracking.expected is not None:
            said[lang] = text("lookback.finding.judged_expected", lang, expected=_number(tracking.expected), **args)
        else:
            said[lang] = text("lookback.finding.judged", lang, **args)
    return LabelOut(zh=said["zh"], en=said["en"])
