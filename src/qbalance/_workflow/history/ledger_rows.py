"""The rows of the ledger and the reviews in the history database, read bounded and checked (the file is untrusted,
as for :mod:`.records`) and written.

``ledger_entries`` keeps, per problem of a county, its number (序号), what the county office wrote (action,
responsible unit, deadline, note) and the plan's proposal, with a snapshot of what the stored years say of it (state,
years, last finding) for those who read the database with SQL; ``ledger_years`` keeps each stored year's result.
Both are rewritten from the stored reports whenever the ledger is brought up to date; the county office's fields
are written only by an edit or an import.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..._report.ledger_model import LedgerData, LedgerEntryOut
from ..._report.model import LabelOut
from .ledger import Proposal, Stored
from .problems import Key
from .records import MAX_NOTE, _bounded_columns, _validated

__all__ = [
    "EDITABLE",
    "MAX_ACTION",
    "MAX_UNIT",
    "EntryRow",
    "ReviewRow",
    "delete_missing",
    "insert_review",
    "next_seq",
    "read_entries",
    "save_ledger",
    "select_reviews",
    "stored_entries",
    "update_entry",
]

MAX_ACTION: Final = MAX_NOTE
"""The longest action (整改措施) or note, in characters."""
MAX_UNIT: Final = 200
"""The longest responsible unit (责任单位), in characters."""
MAX_SENTENCE: Final = 4000
EDITABLE: Final = ("action", "responsible", "deadline", "note")
"""The fields of an entry the county office writes."""

IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d\d-\d\d$")]


class EntryRow(BaseModel):
    """What is read back of a ledger entry: its key and number, the county office's fields and the proposal."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    id: int = Field(ge=1)
    county_code: str = Field(min_length=1, max_length=64)
    seq: int = Field(ge=1, le=10_000_000)
    item: str = Field(min_length=1, max_length=200)
    school_id: str = Field(max_length=64)
    section: str = Field(max_length=20)
    indicator: str = Field(max_length=200)
    proposed_zh: str | None = Field(default=None, max_length=MAX_SENTENCE)
    proposed_en: str | None = Field(default=None, max_length=MAX_SENTENCE)
    proposed_record: int | None = Field(default=None, ge=1)
    proposed_year: int | None = Field(default=None, ge=1990, le=2100)
    action: str | None = Field(default=None, max_length=MAX_ACTION)
    responsible: str | None = Field(default=None, max_length=MAX_UNIT)
    deadline: IsoDate | None = None
    note: str | None = Field(default=None, max_length=MAX_ACTION)

    @property
    def key(self) -> Key:
        return Key(self.item, self.school_id, self.section, self.indicator)

    def stored(self) -> Stored:
        """The entry as the ledger builder takes it."""
        proposal = None
        if self.proposed_zh is not None and self.proposed_record is not None and self.proposed_year is not None:
            text = LabelOut(zh=self.proposed_zh, en=self.proposed_en)
            proposal = Proposal(text, self.proposed_record, self.proposed_year)
        deadline = dt.date.fromisoformat(self.deadline) if self.deadline else None
        return Stored(self.seq, self.key, self.action, self.responsible, deadline, self.note, proposal)


_ENTRY_SELECT: Final = f"SELECT {_bounded_columns(EntryRow)} FROM ledger_entries"


def read_entries(conn: sqlite3.Connection, county: str) -> list[EntryRow]:
    """The stored entries of a county, by number, each checked."""
    rows = conn.execute(_ENTRY_SELECT + " WHERE county_code = ? ORDER BY seq", (county,)).fetchall()
    out: list[EntryRow] = [_validated(EntryRow, r, f"ledger_entries #{r[0]}") for r in rows]
    return out


def stored_entries(rows: Iterable[EntryRow]) -> dict[Key, Stored]:
    """The stored entries by key."""
    return {r.key: r.stored() for r in rows}


def next_seq(rows: Iterable[EntryRow]) -> int:
    """The number the next new entry of the county gets."""
    return max((r.seq for r in rows), default=0) + 1


_SNAPSHOT: Final = (
    "kind",
    "school_name",
    "finding_zh",
    "finding_en",
    "state",
    "opened",
    "closed",
    "last_failed",
    "proposed_zh",
    "proposed_en",
    "proposed_record",
    "proposed_year",
    "updated_at",
)


def _snapshot(e: LedgerEntryOut, now: str) -> dict[str, Any]:
    """The columns recomputed from the stored years."""
    return {
        "kind": e.kind,
        "school_name": e.school_name,
        "finding_zh": e.finding.zh if e.finding else None,
        "finding_en": e.finding.en if e.finding else None,
        "state": e.state,
        "opened": e.opened,
        "closed": e.closed,
        "last_failed": e.last_failed,
        "proposed_zh": e.proposed.zh if e.proposed else None,
        "proposed_en": e.proposed.en if e.proposed else None,
        "proposed_record": e.proposed_record,
        "proposed_year": e.proposed_year,
        "updated_at": now,
    }


def save_ledger(conn: sqlite3.Connection, ledger: LedgerData, now: str) -> None:
    """Write every numbered entry of ``ledger`` (new ones inserted, others' snapshots updated, the county office's
    fields untouched) and each one's years."""
    keys = ("county_code", "seq", "item", "school_id", "section", "indicator")
    names = [*keys, *_SNAPSHOT]
    update = ", ".join(f"{n} = excluded.{n}" for n in _SNAPSHOT)
    sql = (
        f"INSERT INTO ledger_entries ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
        f"ON CONFLICT (county_code, item, school_id, section, indicator) DO UPDATE SET {update}"
    )
    for e in ledger.entries:
        if e.seq is None:
            continue
        where = (e.county_code, e.seq, e.item, e.school_id or "", e.section or "", e.indicator or "")
        snap = _snapshot(e, now)
        conn.execute(sql, (*where, *(snap[n] for n in _SNAPSHOT)))
        row = conn.execute(
            "SELECT id FROM ledger_entries WHERE county_code = ? AND item = ? AND school_id = ? AND section = ? "
            "AND indicator = ?",
            (e.county_code, *where[2:]),
        ).fetchone()
        entry_id = int(row[0])
        conn.execute("DELETE FROM ledger_years WHERE entry_id = ?", (entry_id,))
        conn.executemany(
            "INSERT INTO ledger_years (entry_id, year, record_id, result, finding_zh, finding_en) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    entry_id,
                    y.year,
                    y.record_id,
                    y.result,
                    y.finding.zh if y.finding else None,
                    y.finding.en if y.finding else None,
                )
                for y in e.years
            ],
        )


def delete_missing(conn: sqlite3.Connection, rows: Iterable[EntryRow], ledger: LedgerData) -> None:
    """Entries no stored year fails any more (a year replaced by corrected data) lose their years but are kept —
    with their number, never given to another problem, and what the county office wrote — for when the problem
    comes back."""
    shown = {(e.item, e.school_id or "", e.section or "", e.indicator or "") for e in ledger.entries}
    for r in rows:
        if (r.item, r.school_id, r.section, r.indicator) not in shown:
            conn.execute("DELETE FROM ledger_years WHERE entry_id = ?", (r.id,))


def update_entry(conn: sqlite3.Connection, county: str, seq: int, values: Mapping[str, Any], now: str) -> bool:
    """Set some of the county office's fields of entry ``seq`` (None clears one); False when there is no such
    entry."""
    names = [n for n in EDITABLE if n in values]
    if not names:
        return (
            conn.execute("SELECT 1 FROM ledger_entries WHERE county_code = ? AND seq = ?", (county, seq)).fetchone()
            is not None
        )
    sets = ", ".join(f"{n} = ?" for n in names)
    args = [values[n].isoformat() if isinstance(values[n], dt.date) else values[n] for n in names]
    cur = conn.execute(
        f"UPDATE ledger_entries SET {sets}, updated_at = ? WHERE county_code = ? AND seq = ?",
        (*args, now, county, seq),
    )
    return cur.rowcount == 1


# -- reviews -----------------------------------------------------------------------------------------------------------

Stage = Literal["basic_balance", "self", "city", "prefecture", "province", "national"]
Outcome = Literal["pass", "fail", "pending"]


class ReviewRow(BaseModel):
    """One review of a county: its stage, date, outcome and the record whose report it used."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    id: int = Field(ge=1)
    county_code: str = Field(min_length=1, max_length=64)
    stage: Stage
    held_on: IsoDate
    outcome: Outcome
    record_id: int | None = Field(default=None, ge=1)
    body: str | None = Field(default=None, max_length=MAX_UNIT)
    note: str | None = Field(default=None, max_length=MAX_NOTE)
    added_at: Annotated[str, Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")]

    @property
    def date(self) -> dt.date:
        return dt.date.fromisoformat(self.held_on)


_REVIEW_SELECT: Final = f"SELECT {_bounded_columns(ReviewRow)} FROM reviews"


def select_reviews(conn: sqlite3.Connection, county: str | None = None) -> list[ReviewRow]:
    """The reviews (of one county, or all), by county, date and id, each checked."""
    where, args = ("WHERE county_code = ?", (county,)) if county is not None else ("", ())
    rows = conn.execute(f"{_REVIEW_SELECT} {where} ORDER BY county_code, held_on, id", args).fetchall()
    out: list[ReviewRow] = [_validated(ReviewRow, r, f"reviews #{r[0]}") for r in rows]
    return out


def insert_review(conn: sqlite3.Connection, values: Mapping[str, Any]) -> int:
    """Store one review (every column of :class:`ReviewRow` but ``id``); returns its id."""
    names = [n for n in ReviewRow.model_fields if n != "id"]
    cur = conn.execute(
        f"INSERT INTO reviews ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        tuple(values[n] for n in names),
    )
    assert cur.lastrowid is not None
    return int(cur.lastrowid)
