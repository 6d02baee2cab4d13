"""Reading an exported ledger workbook back: the columns the county office fills in on the 整改台账 sheet —
整改措施, 责任单位, 完成时限, 备注 — are written into the history database, all or nothing.

Rows are identified by the county code and the number (序号) with the item id and school code checked against the
stored entry, so a row pasted under the wrong number is refused rather than written to another problem. Every
problem of the workbook — a missing column, a number that is no entry, a deadline that is not a date, a text too
long — is reported at once, each at its cell (``整改台账!J5``), and nothing is written. An action equal to the
plan's proposal (in either language) is the proposal, not an action of the county's own: the entry keeps following
the plan. Deadlines may be date cells or texts such as ``2025-08-31``, ``2025/8/31``, ``2025.8.31`` or
``2025年8月31日``; an empty cell clears a field.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..._base.errors import InputError, Problem
from ..._base.messages import Msg, msg, text
from ..._base.optional import require
from ..._report.ledger_view import COLUMNS, EDITABLE
from .database import HistoryError, transaction
from .ledger_rows import EntryRow, read_entries, update_entry
from .ledger_sync import check_edit

__all__ = ["EditRow", "Imported", "Read", "apply_import", "parse_deadline", "read_ledger_workbook"]

_KEYS = ("seq", "county", "item", "school_id")
_DATE = re.compile(r"^\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*$")


@dataclass(frozen=True)
class EditRow:
    """One row of the sheet: which entry, what the county office wrote, and where (for problems)."""

    row: int
    county: str
    seq: int
    item: str
    school_id: str
    values: dict[str, Any]
    columns: dict[str, str]


@dataclass(frozen=True)
class Imported:
    """What an import wrote: per changed entry, the fields it set; and how many rows changed nothing."""

    sheet: str
    changed: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0


def parse_deadline(value: Any) -> dt.date | None:
    """A deadline cell as a date (None when empty); ValueError when it is not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = _DATE.match(str(value))
    if m is None:
        raise ValueError(str(value))
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _headers() -> dict[str, str]:
    """Every header text (Chinese and English) → its column."""
    return {text(f"ledger.col.{c}", lang).strip().lower(): c for c in COLUMNS for lang in ("zh", "en")}


class _Reader:
    """Reads the 整改台账 sheet of a workbook, collecting every problem with its cell."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.sheet = ""

    def problem(self, message: Msg, row: int | None = None, column: str | None = None) -> None:
        where = f"{self.sheet}!{column}{row}" if row is not None and column else self.sheet or None
        self.problems.append(
            Problem.of(message, source=str(self.path), location=where, sheet=self.sheet or None, row=row, column=column)
        )

    def read(self) -> list[EditRow]:
        openpyxl = require("openpyxl", "excel")
        invalid = require("openpyxl.utils.exceptions", "excel").InvalidFileException
        try:
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (ValueError, KeyError, zipfile.BadZipFile, invalid) as exc:
            detail = str(exc)[:200]
            raise InputError(
                Problem.of(msg("ledger.import.not_workbook", detail=detail), source=str(self.path))
            ) from None
        try:
            names = {text("ledger.sheet.ledger", lang) for lang in ("zh", "en")}
            found = [ws for ws in wb.worksheets if ws.title in names]
            if not found:
                sheets = "、".join(sorted(names))
                raise InputError(Problem.of(msg("ledger.import.no_sheet", sheets=sheets), source=str(self.path)))
            self.sheet = found[0].title
            rows = [list(r) for r in found[0].iter_rows(values_only=True)]
        finally:
            wb.close()
        return self._rows(rows)

    def _rows(self, rows: list[list[Any]]) -> list[EditRow]:
        if not rows:
            self.problem(msg("ledger.import.no_header"))
            raise InputError(self.problems)
        known = _headers()
        get = require("openpyxl.utils", "excel").get_column_letter
        cols: dict[str, int] = {}
        for j, head in enumerate(rows[0]):
            name = known.get(str(head).strip().lower()) if head is not None else None
            if name is not None and name not in cols:
                cols[name] = j
        missing = [c for c in (*_KEYS, *EDITABLE) if c not in cols]
        if missing:
            shown = "、".join(text(f"ledger.col.{c}") for c in missing)
            self.problem(msg("ledger.import.missing_columns", columns=shown), 1, "A")
            raise InputError(self.problems)
        letters = {c: get(j + 1) for c, j in cols.items()}
        out = [self._row(i, r, cols, letters) for i, r in enumerate(rows[1:], start=2) if any(v is not None for v in r)]
        return [r for r in out if r is not None]  # the rows' problems are reported with those of the entries

    def _row(self, i: int, r: Sequence[Any], cols: dict[str, int], letters: dict[str, str]) -> EditRow | None:
        def cell(name: str) -> Any:
            j = cols[name]
            return r[j] if j < len(r) else None

        seq = _whole(cell("seq"))
        if seq is None:
            self.problem(msg("ledger.import.bad_seq", value=str(cell("seq"))), i, letters["seq"])
            return None
        values: dict[str, Any] = {}
        for name in EDITABLE:
            raw = cell(name)
            if name == "deadline":
                try:
                    values[name] = parse_deadline(raw)
                except ValueError:
                    self.problem(msg("ledger.bad_deadline", value=str(raw)), i, letters[name])
                continue
            values[name] = None if raw is None else str(raw)
        checked: dict[str, Any] = {}
        for name, value in values.items():  # one at a time, so each problem is at its own cell
            try:
                checked.update(check_edit({name: value}))
            except HistoryError as exc:
                self.problem(exc.msg, i, letters[name])
        if len(checked) < len(values):
            return None
        values = checked
        county, item, school = (_text(cell(c)) for c in ("county", "item", "school_id"))
        return EditRow(i, county, seq, item, school, values, letters)


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 1 else None
    if isinstance(value, float) and value.is_integer() and value >= 1:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()) or None
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Read:
    """The 整改台账 sheet as read: its name, its good rows and the problems of the others (each at its cell)."""

    sheet: str
    rows: list[EditRow]
    problems: list[Problem]


def read_ledger_workbook(path: Path) -> Read:
    """The rows of the 整改台账 sheet of an exported ledger workbook, checked cell by cell; InputError when the file
    or its sheet or header cannot be used."""
    reader = _Reader(path)
    rows = reader.read()
    return Read(reader.sheet, rows, list(reader.problems))


def apply_import(conn: sqlite3.Connection, db: Path, read: Read, now: str, *, source: str = "") -> Imported:
    """Write the rows' fields in one transaction; a bad cell, a row naming no entry, or another entry than its item
    and school say, is reported — every one of them at once (InputError) — and nothing is written."""
    sheet, rows = read.sheet, read.rows
    problems: list[Problem] = list(read.problems)
    changed: list[tuple[str, int, dict[str, Any]]] = []
    unchanged = 0
    with transaction(conn, db):
        stored: dict[tuple[str, int], EntryRow] = {}
        for county in sorted({r.county for r in rows}):
            stored.update({(county, e.seq): e for e in read_entries(conn, county)})
        seen: set[tuple[str, int]] = set()
        for r in rows:
            where = {"source": source or None, "sheet": sheet, "row": r.row}
            entry = stored.get((r.county, r.seq))
            if (r.county, r.seq) in seen:
                problems.append(_at(msg("ledger.import.duplicate", seq=r.seq), r, "seq", where))
                continue
            seen.add((r.county, r.seq))
            if entry is None:
                problems.append(_at(msg("ledger.no_entry", county=r.county, seq=r.seq), r, "seq", where))
                continue
            if entry.item != r.item or entry.school_id != r.school_id:
                problems.append(
                    _at(
                        msg("ledger.import.mismatch", seq=r.seq, item=entry.item, school=entry.school_id or "—"),
                        r,
                        "item",
                        where,
                    )
                )
                continue
            changes = _changes(entry, r.values)
            if changes:
                update_entry(conn, r.county, r.seq, changes, now)
                changed.append((r.county, r.seq, changes))
            else:
                unchanged += 1
        if problems:
            raise InputError(problems)
    return Imported(sheet, changed, unchanged)


def _at(message: Msg, r: EditRow, column: str, where: dict[str, Any]) -> Problem:
    letter = r.columns[column]
    return Problem.of(message, location=f"{where['sheet']}!{letter}{r.row}", column=letter, **where)


def _changes(entry: EntryRow, values: dict[str, Any]) -> dict[str, Any]:
    """The fields that differ from what is stored (an action equal to the plan's proposal means no action)."""
    wanted = dict(values)
    if wanted.get("action") in {entry.proposed_zh, entry.proposed_en} - {None}:
        wanted["action"] = None
    stored = {
        "action": entry.action,
        "responsible": entry.responsible,
        "deadline": dt.date.fromisoformat(entry.deadline) if entry.deadline else None,
        "note": entry.note,
    }
    return {k: v for k, v in wanted.items() if stored[k] != v}
