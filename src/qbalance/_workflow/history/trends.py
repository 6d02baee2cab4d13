"""A county over its stored years (``qbalance progress``): every CV per indicator and section, every composite CV and
every progress item's value, year by year against its limit or target; and what changed from the year before the
last to the last — the schools that started or stopped failing an item, the CVs and county items that did, and the
items whose status changed.

Built from the stored reports only (:meth:`History.reports`), so it needs neither the original files nor the pack.
A school "stopped failing" only when the later year shows it passing (:func:`.problems.judge`); a problem the later
year cannot decide (data missing, the school no longer in the data) is listed as undecided, never as fixed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from ..._report.ledger_model import (
    ChangesOut,
    CvSeries,
    ItemChange,
    SchoolChange,
    SeriesPoint,
    TargetSeries,
    TrendsData,
    YearOut,
)
from ..._report.model import ItemOut, LabelOut, ProgressStatus, ReportData
from ..._report.tracking import judge as judge_progress
from .problems import Failure, judge, problems_of

if TYPE_CHECKING:
    from .records import Record

__all__ = ["build_trends", "changes_between"]


def build_trends(series: Sequence[tuple[Record, ReportData]], as_of: dt.date | None = None) -> TrendsData:
    """The trends of one county from its stored years (current records, by year); each target's progress status is
    the latest year's, judged again on ``as_of`` when given (else as it was judged when that year was stored)."""
    last = series[-1][1]
    years = [
        YearOut(year=r.year, record_id=r.id, verdict=rep.verdict, pack=f"{r.pack_id} {r.pack_version}")
        for r, rep in series
    ]
    changes = None
    if len(series) >= 2:
        (r0, before), (r1, after) = series[-2], series[-1]
        changes = changes_between(before, after, r0.year, r1.year)
    return TrendsData(
        county_code=last.county.code,
        county_name=last.county.name,
        years=years,
        cvs=_cv_series(series),
        targets=_targets(series, as_of),
        changes=changes,
    )


def _cv_series(series: Sequence[tuple[Record, ReportData]]) -> list[CvSeries]:
    """Each indicator × section CV (then each composite CV), in the order of the last year that has it."""
    found: dict[tuple[str, str, bool], CvSeries] = {}
    for record, report in series:
        for ind in report.indicators:
            for cv in ind.sections:
                point = SeriesPoint(
                    year=record.year, value=_cv_value(cv.cv_compared, cv.cv), bound=cv.limit, result=cv.result
                )
                _append(found, (ind.id, cv.section, False), ind.short or ind.label, point)
        for item in report.items:
            for comp in item.composite:
                point = SeriesPoint(
                    year=record.year, value=_cv_value(comp.cv_compared, comp.cv), bound=comp.limit, result=comp.result
                )
                _append(found, (item.id, comp.section, True), item.label, point)
    return list(found.values())


def _cv_value(compared: float | None, cv: float | None) -> float | None:
    return compared if compared is not None else cv


def _append(
    found: dict[tuple[str, str, bool], CvSeries], key: tuple[str, str, bool], label: LabelOut, point: SeriesPoint
) -> None:
    have = found.get(key)
    points = [*(have.points if have else []), point]
    found[key] = CvSeries(indicator=key[0], label=label, section=key[1], composite=key[2], points=points)


def _targets(series: Sequence[tuple[Record, ReportData]], as_of: dt.date | None) -> list[TargetSeries]:
    """Each progress item's value and target, year by year, and its progress status in the latest year."""
    found: dict[str, TargetSeries] = {}
    for record, report in series:
        tol = _tolerance(report)
        for item in report.items:
            if item.kind != "progress":
                continue
            progress = item.tracking.status if item.tracking is not None else None
            point = SeriesPoint(
                year=record.year, value=item.value, bound=item.target, result=item.status, progress=progress
            )
            have = found.get(item.id)
            points = [*(have.points if have else []), point]
            status, expected, day = target_status(item, as_of, tol)
            found[item.id] = TargetSeries(
                item=item.id,
                label=item.label,
                points=points,
                status=status,
                result=item.status,
                expected=expected,
                as_of=day,
            )
    return list(found.values())


def _tolerance(report: ReportData) -> float:
    """The pack's comparison tolerance as the stored report records it (an item's ``comparison_tolerance``
    parameter), else the shipped packs' default, 1e-9."""
    for item in report.items:
        for p in item.parameters:
            if p.name == "comparison_tolerance" and isinstance(p.value, float):
                return p.value
    return 1e-9


def target_status(
    item: ItemOut, as_of: dt.date | None, tol: float
) -> tuple[ProgressStatus | None, float | None, str | None]:
    """A progress item's status (met, on_track, behind, overdue, not_yet), the value expected and the date judged:
    as stored (judged on the stored report's date), or judged again on ``as_of`` by the same rule
    (:func:`.._report.tracking.judge`) with the item's stored road (baseline, milestones, deadline)."""
    t = item.tracking
    if t is None:
        return None, None, None
    if as_of is None or t.status is None or item.value is None or item.target is None:
        return t.status, t.expected, t.as_of
    b = t.baseline
    judged = judge_progress(
        item.value,
        item.target,
        as_of=as_of,
        deadline=dt.date.fromisoformat(t.deadline.date) if t.deadline else None,
        baseline=(b.year, b.value) if b is not None and b.year is not None and b.value is not None else None,
        milestones=[(m.year, m.value) for m in t.milestones],
        tol=tol,
    )
    return judged.status, judged.expected, as_of.isoformat()


def changes_between(before: ReportData, after: ReportData, since: int, year: int) -> ChangesOut:
    """What changed from ``before`` (year ``since``) to ``after`` (year ``year``)."""
    old, new = problems_of(before), problems_of(after)
    schools: list[SchoolChange] = []
    county: list[SchoolChange] = []
    for key, problem in new.failing.items():
        if key not in old.failing:
            _place(schools, county, _change(problem, "started"))
    for key, problem in old.failing.items():
        if key in new.failing:
            continue
        result = judge(after, key, problem.kind)
        _place(schools, county, _change(problem, "stopped" if result == "pass" else "undecided"))
    statuses = {i.id: i for i in before.items}
    items = [
        ItemChange(item=i.id, label=i.label, before=statuses[i.id].status if i.id in statuses else None, after=i.status)
        for i in after.items
        if i.id not in statuses or statuses[i.id].status != i.status
    ]
    gone = [
        ItemChange(item=i.id, label=i.label, before=i.status, after=None)
        for i in before.items
        if i.id not in {j.id for j in after.items}
    ]
    return ChangesOut(
        since=since,
        year=year,
        verdict_before=before.verdict,
        verdict_after=after.verdict,
        schools=schools,
        items=items + gone,
        county=county,
    )


def _change(problem: Failure, change: Literal["started", "stopped", "undecided"]) -> SchoolChange:
    """A problem that started (its finding now) or stopped or became undecided (its finding last year)."""
    key = problem.key
    return SchoolChange(
        school_id=key.school_id,
        school_name=problem.school_name or "",
        section=key.section or None,
        item=key.item,
        item_label=problem.item.label,
        indicator=key.indicator or None,
        change=change,
        finding=problem.finding,
    )


def _place(schools: list[SchoolChange], county: list[SchoolChange], change: SchoolChange) -> None:
    (schools if change.school_id else county).append(change)
