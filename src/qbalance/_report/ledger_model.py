"""The data of a rectification ledger (整改台账, ``qbalance-ledger/1``) and of a county's trends over its stored years
(``qbalance-trends/1``): what renderers read. The history store (:mod:`qbalance._workflow.history`) builds them from
the stored reports; the HTML page, the text tables and the Excel workbook only read them.

A ledger entry is one problem of one county: an item that fails, at one school (section) for the per-school items,
at one indicator and section for the CV items, or for the county as a whole. It carries what was wrong in real units
(the report's own ``finding`` sentence), the clause it breaks, the proposed action, the responsible unit, the
deadline, and its status: open, closed (a later stored year shows it fixed), reopened (it came back) or overdue (open
past its deadline on the date the ledger is judged).
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from .model import LabelOut, ProgressStatus, Status, Verdict

__all__ = [
    "LEDGER_FORMAT",
    "TRENDS_FORMAT",
    "ChangesOut",
    "CvSeries",
    "EntryKind",
    "EntryState",
    "EntryStatus",
    "ItemChange",
    "LedgerData",
    "LedgerEntryOut",
    "LedgerYearOut",
    "SchoolChange",
    "SeriesPoint",
    "TargetSeries",
    "TrendsData",
    "YearOut",
]

LEDGER_FORMAT: Final = "qbalance-ledger/1"
TRENDS_FORMAT: Final = "qbalance-trends/1"
_CFG = ConfigDict(extra="forbid", frozen=True)

EntryKind = Literal["school", "cv", "composite", "county"]
EntryState = Literal["open", "closed", "reopened"]
EntryStatus = Literal["open", "closed", "reopened", "overdue"]
YearResult = Literal["fail", "pass", "undecided"]


class LedgerYearOut(BaseModel):
    """What one stored year says of an entry: it fails, it passes (the data show it fixed), or it cannot be decided
    (data missing, the school not in that year's data) — which never closes an entry."""

    model_config = _CFG
    year: int
    record_id: int
    result: YearResult
    finding: LabelOut | None = Field(default=None, description="what was wrong that year (failing years only)")


class LedgerEntryOut(BaseModel):
    """One problem of the ledger, with the years that judged it and what the county office wrote for it."""

    model_config = _CFG
    seq: int | None = Field(description="the entry's number (序号), stable across years; None until stored")
    county_code: str
    county_name: str
    kind: EntryKind
    item: str = Field(description="the item's id")
    item_label: LabelOut
    area: str
    area_label: LabelOut | None = None
    clause: str | None = Field(default=None, description="the document and clause the item enforces")
    clause_text: str | None = Field(default=None, description="the clause's text as the pack quotes it")
    school_id: str | None = None
    school_name: str | None = None
    section: str | None = None
    indicator: str | None = None
    indicator_label: LabelOut | None = None
    finding: LabelOut | None = Field(description="what was wrong, in real units, the last year it failed")
    proposed: LabelOut | None = Field(default=None, description="the action the rectification plan proposes")
    proposed_year: int | None = Field(default=None, description="the data year the proposal was planned from")
    proposed_record: int | None = Field(default=None, description="the stored record the proposal was planned from")
    action: str | None = Field(default=None, description="the action the county office wrote (overrides proposed)")
    responsible: str | None = Field(default=None, description="the responsible unit (责任单位)")
    deadline: dt.date | None = Field(default=None, description="the deadline (完成时限) the county office set")
    note: str | None = None
    state: EntryState = Field(description="open, closed or reopened, from the stored years")
    status: EntryStatus = Field(description="the state, or overdue when open past the deadline on the as-of date")
    opened: int = Field(description="the first year it failed")
    closed: int | None = Field(default=None, description="the year the data showed it fixed (while closed)")
    reopened: list[int] = Field(default_factory=list, description="the years it came back after being closed")
    last_failed: int
    years: list[LedgerYearOut]

    def action_text(self, lang: str = "zh") -> str:
        """The action shown: the county office's own, else the plan's proposal, else empty."""
        if self.action:
            return self.action
        return self.proposed.text(lang) if self.proposed is not None else ""


class LedgerData(BaseModel):
    """The rectification ledger of one county as of a date, through its stored years."""

    model_config = _CFG
    format: Literal["qbalance-ledger/1"] = LEDGER_FORMAT
    county_code: str
    county_name: str
    as_of: dt.date = Field(description="the date statuses are judged on (overdue past a deadline)")
    years: list[int] = Field(description="the stored years the ledger was built from")
    entries: list[LedgerEntryOut]
    notes: list[LabelOut] = Field(default_factory=list, description="why a proposal is missing, and the like")

    def count(self, status: EntryStatus) -> int:
        """How many entries have ``status``."""
        return sum(1 for e in self.entries if e.status == status)

    def entry(self, seq: int) -> LedgerEntryOut:
        """The entry numbered ``seq``."""
        for e in self.entries:
            if e.seq == seq:
                return e
        raise KeyError(seq)

    def to_json(self, indent: int | None = 2) -> str:
        """The ledger as JSON (deterministic for the same database and date)."""
        return self.model_dump_json(indent=indent)


# -- trends ------------------------------------------------------------------------------------------------------------


class YearOut(BaseModel):
    """One stored year of a county: its record and verdict."""

    model_config = _CFG
    year: int
    record_id: int
    verdict: Verdict
    pack: str = Field(description="the pack id and version the year was judged by")


class SeriesPoint(BaseModel):
    """One year's value of a series, against its limit or target that year."""

    model_config = _CFG
    year: int
    value: float | None
    bound: float | None = Field(description="the limit (CVs) or the target (progress items) that year")
    result: Status | None = None
    progress: ProgressStatus | None = Field(
        default=None, description="progress items: the target's progress that year, as judged when the year was stored"
    )

    @property
    def failing(self) -> bool:
        """Whether the year shows a problem: a CV over its limit; a target behind, overdue or not yet met without a
        deadline (one on track is not failing, although not yet reached)."""
        if self.progress is not None:
            return self.progress in ("behind", "overdue", "not_yet")
        return self.result == "fail"


class CvSeries(BaseModel):
    """An indicator's CV in one section over the years (or a composite CV: ``indicator`` is the item's id)."""

    model_config = _CFG
    indicator: str
    label: LabelOut
    section: str
    composite: bool = False
    points: list[SeriesPoint]


class TargetSeries(BaseModel):
    """A progress item's value over the years against its target."""

    model_config = _CFG
    item: str
    label: LabelOut
    points: list[SeriesPoint]
    status: ProgressStatus | None = Field(
        default=None,
        description="the target's progress in the latest year: met, on_track, behind, overdue or not_yet, judged on "
        "as_of (null: the value is not known)",
    )
    result: str | None = Field(default=None, description="the item's result in the latest year (pass/fail/…)")
    expected: float | None = Field(default=None, description="the value expected by as_of (on track at or above it)")
    as_of: str | None = Field(default=None, description="the date the status is judged on (ISO)")


class SchoolChange(BaseModel):
    """A school (section) whose result for an item changed since last year."""

    model_config = _CFG
    school_id: str
    school_name: str
    section: str | None = None
    item: str
    item_label: LabelOut
    indicator: str | None = None
    change: Literal["started", "stopped", "undecided"] = Field(
        description="started failing; stopped failing (it passes now); or failed and cannot be decided now"
    )
    finding: LabelOut | None = Field(default=None, description="what is wrong now (started) or was wrong (others)")


class ItemChange(BaseModel):
    """An item whose status changed since last year."""

    model_config = _CFG
    item: str
    label: LabelOut
    before: Status | None
    after: Status | None


class ChangesOut(BaseModel):
    """What changed from one stored year to the next."""

    model_config = _CFG
    since: int
    year: int
    verdict_before: Verdict
    verdict_after: Verdict
    schools: list[SchoolChange]
    items: list[ItemChange]
    county: list[SchoolChange] = Field(
        default_factory=list, description="county-level problems (CVs, county items) that started or stopped"
    )


class TrendsData(BaseModel):
    """A county over its stored years: every CV and target per year against its limit, and what changed since the
    year before the last."""

    model_config = _CFG
    format: Literal["qbalance-trends/1"] = TRENDS_FORMAT
    county_code: str
    county_name: str
    years: list[YearOut]
    cvs: list[CvSeries]
    targets: list[TargetSeries]
    changes: ChangesOut | None = Field(description="the last year against the one before (None with one year)")

    def to_json(self, indent: int | None = 2) -> str:
        """The trends as JSON (deterministic for the same database)."""
        return self.model_dump_json(indent=indent)
