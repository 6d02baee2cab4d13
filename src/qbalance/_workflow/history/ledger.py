"""The rectification ledger (整改台账) of a county, built from its stored years: every problem of every area (an item
failing at a school, a CV, a county item) becomes an entry that carries across years.

An entry is **opened** the first year it fails; **closed** the first later year whose data show it fixed (the item
passes for that school, that CV is within its limit, the county item passes — :func:`.problems.judge`); **reopened**
when it fails again after being closed, and closed again when fixed again. A year that cannot decide it (data
missing, the school not in that year's data) changes nothing: missing data never closes a problem. An open or
reopened entry is **overdue** when the date it is judged on is after its deadline (on the deadline it is not).

What the county office writes — the action (整改措施), the responsible unit (责任单位), the deadline (完成时限) and
a note — is kept with the entry in the database, as is its number (序号) and the action the rectification plan
proposes; everything else is recomputed from the stored reports, so replacing a year's data with corrected figures
corrects the ledger too. This module is pure: :mod:`.ledger_rows` reads and writes the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..._report.explain import Joined, Say, Who, label_of
from ..._report.findings import Cat
from ..._report.labels import input_label, quantity, unit_word
from ..._report.ledger_model import EntryState, EntryStatus, LedgerData, LedgerEntryOut, LedgerYearOut
from ..._report.model import AreaOut, LabelOut, ReportData
from .problems import Failure, Key, judge, problems_of

if TYPE_CHECKING:
    from ..._report.plan_model import PlanData, PlanRow
    from .records import Record

__all__ = ["Proposal", "Stored", "build_ledger", "next_state", "plan_proposals"]


@dataclass(frozen=True)
class Proposal:
    """The action the plan proposes for a problem, and the record (year) it was planned from."""

    text: LabelOut
    record_id: int
    year: int


@dataclass(frozen=True)
class Stored:
    """What the database keeps of an entry beyond the reports: its number, the county office's fields and the
    plan's proposal."""

    seq: int
    key: Key
    action: str | None = None
    responsible: str | None = None
    deadline: dt.date | None = None
    note: str | None = None
    proposal: Proposal | None = None


@dataclass
class _Track:
    """One problem followed through the years."""

    key: Key
    last: Failure
    last_report: ReportData
    years: list[LedgerYearOut] = field(default_factory=list)


def next_state(state: EntryState | None, result: str) -> EntryState | None:
    """The state after one year's result: a failure opens (or reopens a closed entry); a pass closes an open or
    reopened one; an undecided year changes nothing."""
    if result == "fail":
        return "reopened" if state == "closed" else state or "open"
    if result == "pass" and state in ("open", "reopened"):
        return "closed"
    return state


def build_ledger(
    series: Sequence[tuple[Record, ReportData]],
    stored: Mapping[Key, Stored],
    as_of: dt.date,
    proposals: Mapping[Key, Proposal] | None = None,
    *,
    next_seq: int = 1,
) -> LedgerData:
    """The ledger of one county from its stored years (``series``, by year) and what the database keeps of each
    entry (``stored``); entries new to the database are numbered from ``next_seq`` (None: left unnumbered).
    ``proposals`` replace the stored proposals of the problems they name."""
    tracks = _tracks(series)
    entries: list[LedgerEntryOut] = []
    for track in tracks:
        kept = stored.get(track.key)
        seq = kept.seq if kept is not None else next_seq if next_seq else None
        if kept is None and next_seq:
            next_seq += 1
        proposal = (proposals or {}).get(track.key) or (kept.proposal if kept is not None else None)
        entries.append(_entry(track, kept, seq, proposal, as_of))
    entries.sort(key=lambda e: (e.seq is None, e.seq or 0))
    last = series[-1][1] if series else None
    return LedgerData(
        county_code=last.county.code if last else "",
        county_name=last.county.name if last else "",
        as_of=as_of,
        years=[r.year for r, _ in series],
        entries=entries,
    )


def _tracks(series: Sequence[tuple[Record, ReportData]]) -> list[_Track]:
    """Every problem that failed in some year, in the order first seen, with each year's result from then on."""
    tracks: dict[Key, _Track] = {}
    for record, report in series:
        found = problems_of(report)
        for key, problem in found.failing.items():
            if key not in tracks:
                tracks[key] = _Track(key, problem, report)
        for key, track in tracks.items():
            problem_now = found.failing.get(key)
            if problem_now is not None:
                track.last, track.last_report = problem_now, report
                year = LedgerYearOut(year=record.year, record_id=record.id, result="fail", finding=problem_now.finding)
            else:
                result = judge(report, key, track.last.kind)
                year = LedgerYearOut(year=record.year, record_id=record.id, result=result)
            track.years.append(year)
    return list(tracks.values())


def _entry(
    track: _Track, kept: Stored | None, seq: int | None, proposal: Proposal | None, as_of: dt.date
) -> LedgerEntryOut:
    """One entry: the problem as last seen failing, its state through the years and the county office's fields."""
    state: EntryState | None = None
    closed: int | None = None
    reopened: list[int] = []
    for y in track.years:
        before, state = state, next_state(state, y.result)
        if state == "closed" and before != "closed":
            closed = y.year
        if state == "reopened" and before == "closed":
            reopened.append(y.year)
    assert state is not None  # the first year of a track is a failure
    deadline = kept.deadline if kept is not None else None
    status: EntryStatus = state
    if state != "closed" and deadline is not None and as_of > deadline:
        status = "overdue"
    p, report = track.last, track.last_report
    return LedgerEntryOut(
        seq=seq,
        county_code=report.county.code,
        county_name=report.county.name,
        kind=p.kind,
        item=p.item.id,
        item_label=p.item.label,
        area=p.item.area,
        area_label=_area_label(report.areas, p.item.area),
        clause=_clause(p),
        clause_text=p.item.cite.text if p.item.cite is not None else None,
        school_id=track.key.school_id or None,
        school_name=p.school_name,
        section=track.key.section or None,
        indicator=track.key.indicator or None,
        indicator_label=p.indicator_label,
        finding=p.finding,
        proposed=proposal.text if proposal is not None else None,
        proposed_year=proposal.year if proposal is not None else None,
        proposed_record=proposal.record_id if proposal is not None else None,
        action=kept.action if kept is not None else None,
        responsible=kept.responsible if kept is not None else None,
        deadline=deadline,
        note=kept.note if kept is not None else None,
        state=state,
        status=status,
        opened=track.years[0].year,
        closed=closed if state == "closed" else None,
        reopened=reopened,
        last_failed=max(y.year for y in track.years if y.result == "fail"),
        years=track.years,
    )


def _area_label(areas: Sequence[AreaOut], area_id: str) -> LabelOut | None:
    return next((a.label for a in areas if a.id == area_id), None)


def _clause(p: Failure) -> str | None:
    """The document and clause the item cites (教督〔2017〕6号 第七条第4项)."""
    cite = p.item.cite
    if cite is None:
        return None
    doc = cite.document or (cite.title.zh if cite.title is not None else cite.source)
    return " ".join(x for x in (doc, cite.clause) if x) or None


# -- the plan's proposals ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Addition:
    """One addition of the plan as a phrase: 增加骨干教师1人 / add 1 backbone teacher."""

    row: PlanRow

    def text(self, lang: str) -> str:
        amount = f"{self.row.amount:,.0f}" if self.row.amount.is_integer() else f"{self.row.amount:,.2f}"
        unit = unit_word(self.row.unit, lang, self.row.amount)
        return Say(
            "ledger.action.add", {"input": input_label(self.row.input, lang), "amount": quantity(amount, unit, lang)}
        ).text(lang)


def plan_proposals(plan: PlanData, report: ReportData, record_id: int, year: int) -> dict[Key, Proposal]:
    """The plan's additions (一校一策) as the proposed action of the resource problems of ``report`` (the report the
    plan was made from): a school section failing the k-of-n rule gets its own threshold and floor additions; a CV
    over its limit gets the balance additions of that indicator and section, school by school. Other problems get
    none: the county office writes their action."""
    out: dict[Key, Proposal] = {}
    for key, problem in problems_of(report).failing.items():
        if problem.kind == "cv":
            parts = _balance_parts(plan, key)
        elif problem.kind == "school" and problem.item.kind == "k_of_n":
            rows = [r for r in plan.rows if r.school_id == key.school_id and r.reason != "balance"]
            parts = [_Addition(r) for r in rows if r.section in (key.section, None)]
        else:
            continue
        if parts:
            out[key] = Proposal(label_of(Joined(parts)), record_id, year)
    return out


def _balance_parts(plan: PlanData, key: Key) -> list[Any]:
    """The balance additions of one indicator and section, each with its school."""
    rows = [r for r in plan.rows if r.reason == "balance" and r.indicator == key.indicator]
    return [
        Say(
            "ledger.action.at",
            {"who": Who(r.school_name, Cat("section", r.section) if r.section else None), "what": _Addition(r)},
        )
        for r in rows
        if r.section in (key.section, None)
    ]
