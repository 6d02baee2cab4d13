"""The problems of one stored year, keyed so the same problem is recognised from one year to the next: what the
ledger (整改台账) and the year-over-year changes are built from.

A problem is an item that fails, with where it fails:

* ``school`` — a per-school item at one school (section): a school section failing the k-of-n rule (its key has the
  section), or a failing row of an ``every`` item (school- or section-level, as the item is written);
* ``cv`` — a ``cv_limit`` item at one indicator and section whose CV is over its limit;
* ``composite`` — a ``composite_cv`` item in one section;
* ``county`` — any other failing item (county items, progress items, veto findings), for the county as a whole; a
  progress target only when it is behind, overdue or not yet met with no deadline (:func:`county_status`), not
  while it is on track.

Each problem carries the report's own ``finding`` sentence (what is wrong, in real units). :func:`judge` then says
what a year shows for a key it does not list as failing: ``pass`` only on positive evidence — the school section
evaluated and passing, the school present and not among an evaluated item's failing or undecided rows, the CV or
the item evaluated and passing — and ``undecided`` otherwise (data missing, the school not in that year's data, the
item not applicable). Missing data never closes a problem.

The report does not say which indicators a ``cv_limit`` item reads, so every indicator's CVs are judged under each
``cv_limit`` item (every shipped pack has one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..._report.explain import Qty, Say, label_of
from ..._report.findings import Cat, composite_finding
from ..._report.ledger_model import EntryKind
from ..._report.model import CvOut, IndicatorOut, ItemOut, LabelOut, ReportData

__all__ = ["Failure", "Key", "YearProblems", "county_status", "judge", "problems_of"]

Result = Literal["fail", "pass", "undecided"]


@dataclass(frozen=True, order=True)
class Key:
    """Which problem: the item, and the school, section and indicator where it fails ('' where none)."""

    item: str
    school_id: str = ""
    section: str = ""
    indicator: str = ""


@dataclass(frozen=True)
class Failure:
    """One failing item at one place in one year, with the report's sentence for it."""

    key: Key
    kind: EntryKind
    item: ItemOut
    school_name: str | None = None
    indicator_label: LabelOut | None = None
    finding: LabelOut | None = None


@dataclass
class YearProblems:
    """The problems of one report, in the report's order (items in pack order, then school, section, indicator)."""

    report: ReportData
    failing: dict[Key, Failure] = field(default_factory=dict)

    def add(self, problem: Failure) -> None:
        self.failing.setdefault(problem.key, problem)


def problems_of(report: ReportData) -> YearProblems:
    """Every failing item of every area in ``report``, one problem per school (section), CV or county item."""
    out = YearProblems(report)
    for item in report.items:
        if item.kind == "k_of_n":
            _k_of_n(out, report, item)
        elif item.kind == "cv_limit":
            _cvs(out, report, item)
        elif item.kind == "composite_cv":
            for c in item.composite:
                if c.result == "fail":
                    out.add(Failure(Key(item.id, section=c.section), "composite", item, finding=composite_finding(c)))
        elif item.kind == "every":
            for row in item.rows:
                if row.result == "fail":
                    key = Key(item.id, row.school_id, row.section or "")
                    out.add(Failure(key, "school", item, row.school_name, finding=row.finding))
        elif county_status(item) == "fail":
            out.add(Failure(Key(item.id), "county", item, finding=item.finding))
    return out


def _k_of_n(out: YearProblems, report: ReportData, item: ItemOut) -> None:
    for s in sorted(report.schools, key=lambda s: (s.school_id, s.section)):
        if s.result == "fail":
            key = Key(item.id, s.school_id, s.section)
            out.add(Failure(key, "school", item, s.school_name, finding=s.finding))


def _cvs(out: YearProblems, report: ReportData, item: ItemOut) -> None:
    for ind in report.indicators:
        for cv in ind.sections:
            if cv.result == "fail":
                label = ind.short or ind.label
                key = Key(item.id, section=cv.section, indicator=ind.id)
                out.add(Failure(key, "cv", item, indicator_label=label, finding=cv_sentence(ind, cv)))


def cv_sentence(ind: IndicatorOut, cv: CvOut) -> LabelOut | None:
    """A CV over its limit, by how much — the report's own sentence (``report.finding.cv``), from its numbers."""
    compared = cv.cv_compared if cv.cv_compared is not None else cv.cv
    if compared is None or cv.limit is None:
        return None
    args = {
        "name": ind.short or ind.label,
        "section": Cat("section", cv.section),
        "cv": Qty(compared, digits=4),
        "limit": Qty(cv.limit),
        "excess": Qty(compared - cv.limit, digits=4),
    }
    return label_of(Say("report.finding.cv", args))


# -- what a year shows for a problem it does not list ------------------------------------------------------------------


def judge(report: ReportData, key: Key, kind: EntryKind) -> Result:
    """What ``report`` shows for the problem ``key``: ``fail``, ``pass`` (evaluated and met) or ``undecided``."""
    item = _item(report, key.item)
    if item is None:
        return "undecided"
    if kind == "school":
        return _judge_school(report, item, key)
    if kind == "cv":
        return _judge_cv(report, key)
    if kind == "composite":
        found = [c.result for c in item.composite if c.section == key.section]
        return _result(found[0] if found else None)
    return _result(county_status(item))


_PROGRESS_RESULT = {"met": "pass", "on_track": "pass", "behind": "fail", "overdue": "fail", "not_yet": "fail"}


def county_status(item: ItemOut) -> str | None:
    """The result of a county item for the ledger. A progress target judged on its date counts as a problem only
    when it is behind, overdue or not yet met without a pace to judge (no deadline): one on track is not a problem
    to rectify, although its item is not yet met ("fail") in the report."""
    if item.kind == "progress" and item.tracking is not None and item.tracking.status is not None:
        return _PROGRESS_RESULT[item.tracking.status]
    return item.status


def _item(report: ReportData, item_id: str) -> ItemOut | None:
    return next((i for i in report.items if i.id == item_id), None)


def _result(status: str | None) -> Result:
    return "fail" if status == "fail" else "pass" if status == "pass" else "undecided"


def _judge_school(report: ReportData, item: ItemOut, key: Key) -> Result:
    """A per-school problem: the k-of-n result of the school section, or the school's row of an every item."""
    if item.kind == "k_of_n":
        found = [s.result for s in report.schools if s.school_id == key.school_id and s.section == key.section]
        return _result(found[0] if found else None)
    if item.status not in ("pass", "fail", "not_evaluated"):
        return "undecided"  # not applicable: nothing in the county is subject to it
    rows = [r for r in item.rows if r.school_id == key.school_id and (r.section or "") == key.section]
    if rows:
        return _result(rows[0].result)
    if item.status == "not_evaluated" and not item.rows:
        return "undecided"  # undecided for the county as a whole, not row by row
    present = {s.school_id for s in report.schools} | {e.school_id for e in report.excluded}
    return "pass" if key.school_id in present else "undecided"


def _judge_cv(report: ReportData, key: Key) -> Result:
    for ind in report.indicators:
        if ind.id == key.indicator:
            found = [c.result for c in ind.sections if c.section == key.section]
            return _result(found[0] if found else None)
    return "undecided"
