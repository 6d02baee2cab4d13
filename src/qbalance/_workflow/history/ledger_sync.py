"""Bringing a county's ledger up to date with its stored years, and the county office's edits.

:func:`sync_ledger` builds the ledger from the stored reports (:mod:`.ledger`) and writes it in one transaction:
new problems get the next numbers (序号), every entry's snapshot and years are rewritten, and the county office's
fields are left as they were. The proposed actions come from the rectification plan of the latest stored year
(:func:`qbalance._workflow.plan.make_plan` on the stored county, under the pack that judged it); the plan is made
again only when the latest year has resource problems without a proposal from its record.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..._base.errors import QbalanceError
from ..._base.messages import msg, text
from ..._base.text import name_problem
from ..._report.ledger_model import LedgerData
from ..._report.model import LabelOut
from .database import HistoryError, guard, transaction
from .ledger import Proposal, Stored, build_ledger, plan_proposals
from .ledger_rows import (
    MAX_ACTION,
    MAX_UNIT,
    delete_missing,
    next_seq,
    read_entries,
    save_ledger,
    stored_entries,
    update_entry,
)
from .problems import Key, problems_of

if TYPE_CHECKING:
    from ..._api.standard import Standard
    from ..._data.models import County
    from ..._report.report import Report
    from .records import Record

__all__ = ["check_edit", "edit_entry", "ledger_view", "sync_ledger"]

Series = Sequence[tuple["Record", "Report"]]


def sync_ledger(
    conn: sqlite3.Connection,
    path: Path,
    series: Series,
    *,
    as_of: dt.date,
    now: str,
    county_of: Callable[[Record], County],
    standard: str | Path | Standard | None = None,
    plan: bool = True,
    write: bool = True,
) -> LedgerData:
    """The county's ledger from its stored years (``series``, current records by year), written to the database
    when ``write`` (else built in memory, new entries unnumbered)."""
    if not series:
        raise HistoryError(msg("ledger.no_years"))
    county = series[-1][0].county_code
    with guard(path):
        rows = read_entries(conn, county)
    proposals: dict[Key, Proposal] = {}
    notes: list[LabelOut] = []
    if plan:
        proposals, notes = _proposals(series[-1], stored_entries(rows), county_of, standard)
    if not write:
        ledger = build_ledger(series, stored_entries(rows), as_of, proposals, next_seq=0)
        return ledger.model_copy(update={"notes": notes})
    with transaction(conn, path):
        rows = read_entries(conn, county)  # again, under the write lock
        ledger = build_ledger(series, stored_entries(rows), as_of, proposals, next_seq=next_seq(rows))
        save_ledger(conn, ledger, now)
        delete_missing(conn, rows, ledger)
    return ledger.model_copy(update={"notes": notes})


def ledger_view(
    conn: sqlite3.Connection, path: Path, series: Series, *, as_of: dt.date, through: int | None = None
) -> LedgerData:
    """The ledger as the stored years up to ``through`` (all when None) show it, with the stored numbers and the
    county office's fields; nothing is written."""
    if through is not None:
        series = [(r, rep) for r, rep in series if r.year <= through]
    if not series:
        raise HistoryError(msg("ledger.no_years"))
    with guard(path):
        rows = read_entries(conn, series[-1][0].county_code)
    return build_ledger(series, stored_entries(rows), as_of, next_seq=0)


def _proposals(
    latest: tuple[Record, Report],
    stored: Mapping[Key, Stored],
    county_of: Callable[[Record], County],
    standard: str | Path | Standard | None,
) -> tuple[dict[Key, Proposal], list[LabelOut]]:
    """The plan's proposals for the latest year's resource problems, planned again only when one lacks a proposal
    from that year's record; and a note when the plan cannot be made."""
    record, report = latest
    problems = problems_of(report).failing
    wanted = [k for k, p in problems.items() if p.kind == "cv" or (p.kind == "school" and p.item.kind == "k_of_n")]
    fresh = [k for k in wanted if k not in stored or _stale(stored[k], record.id)]
    if not fresh:
        return {}, []
    from ..._api.standard import load_standard
    from ..plan import make_plan

    try:
        std = load_standard(standard if standard is not None else record.pack_id, as_of=record.as_of)
        if standard is None and std.sha256 != record.pack_sha256:
            return {}, [_note("ledger.note.pack_changed", pack=f"{record.pack_id} {record.pack_version}")]
        made = make_plan(county_of(record), std)
    except (QbalanceError, ValueError) as exc:
        return {}, [_note("ledger.note.no_plan", year=record.year, detail=str(exc))]
    return plan_proposals(made, report, record.id, record.year), []


def _stale(kept: Stored, record_id: int) -> bool:
    return kept.proposal is None or kept.proposal.record_id != record_id


def _note(key: str, **args: Any) -> LabelOut:
    return LabelOut(zh=text(key, "zh", **args), en=text(key, "en", **args))


# -- the county office's edits -----------------------------------------------------------------------------------------

_LIMITS = {"action": MAX_ACTION, "responsible": MAX_UNIT, "note": MAX_ACTION}


def check_edit(values: Mapping[str, Any]) -> dict[str, Any]:
    """The edit as stored: texts stripped (an empty text clears the field), each within its length and free of
    control characters; a deadline a date. Raises :class:`HistoryError` naming the field."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name == "deadline":
            if value is not None and not isinstance(value, dt.date):
                raise HistoryError(msg("ledger.bad_deadline", value=str(value)))
            out[name] = value
            continue
        if name not in _LIMITS:
            raise HistoryError(msg("ledger.unknown_field", field=name))
        shown = str(value).strip() if value is not None else ""
        if len(shown) > _LIMITS[name]:
            raise HistoryError(msg("ledger.text_too_long", field=text(f"ledger.col.{name}"), limit=_LIMITS[name]))
        problem = name_problem(shown)
        if problem is not None:
            raise HistoryError(msg("ledger.text_invalid", field=text(f"ledger.col.{name}"), detail=problem))
        out[name] = shown or None
    return out


def edit_entry(
    conn: sqlite3.Connection, path: Path, county: str, seq: int, values: Mapping[str, Any], now: str
) -> None:
    """Set the county office's fields of one entry, in one transaction (:func:`check_edit` first)."""
    checked = check_edit(values)
    with transaction(conn, path):
        if not update_entry(conn, county, seq, checked, now):
            raise HistoryError(msg("ledger.no_entry", county=county, seq=seq))
