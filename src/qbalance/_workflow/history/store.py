"""The history store: :class:`History`, a county's evaluations year by year in one SQLite file.

``History(path)`` opens (or creates) the database, migrating an older schema and refusing a newer one;
:meth:`History.add` reads and evaluates a county's data and stores the data, the report and the pack in one
transaction. The same data for the same year and pack is recognised and nothing is written; different data for a
stored year is refused unless ``replace=True``, and the record it replaces is kept, marked superseded. The rest
reads: the records (:meth:`~History.records`), a stored report or county (:meth:`~History.report`,
:meth:`~History.county` — the county's data as it was evaluated, without the original file), the series of a
county's reports (:meth:`~History.reports`) and flat tables for warehouses (:meth:`~History.export`). The ledger,
reviews and trends built on them are :class:`~.ledger_api.LedgerMethods`, mixed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from ..._base.errors import InputError
from ..._base.messages import Msg, msg
from ..._base.text import name_problem
from .codec import COUNTY_FORMAT, decode_county, decode_report, encode_county, encode_report
from .database import HistoryConflict, HistoryError, connect, guard, resolve_db_path, transaction, utc_now
from .export import Exported, export_tables
from .ledger_api import LedgerMethods
from .records import (
    MAX_NOTE,
    MAX_SOURCE,
    PackLink,
    Record,
    insert_chain,
    insert_input,
    insert_record,
    insert_report,
    read_chain,
    read_input_blob,
    read_report_blob,
    select_records,
    supersede,
)
from .schema import SCHEMA_VERSION, ensure_schema

if TYPE_CHECKING:
    from ..._api.lookback import YearStore
    from ..._api.standard import Standard
    from ..._data.models import County
    from ..._report.report import Report

__all__ = ["AddResult", "Evaluated", "History", "evaluate_for_history", "year_of"]

AddStatus = Literal["added", "replaced", "unchanged"]
_YEARS = (1990, 2100)
"""The data years a record may have (as the county format's ``year``)."""


@dataclass(frozen=True)
class AddResult:
    """What :meth:`History.add` did: ``added`` (a new year), ``replaced`` (``replaced`` is the record now
    superseded) or ``unchanged`` (the same data and pack were already stored: ``record`` is that record and nothing
    was written). ``report`` is the new evaluation (None when unchanged)."""

    status: AddStatus
    record: Record
    replaced: Record | None = None
    report: Report | None = None


@dataclass(frozen=True)
class Evaluated:
    """A county's data evaluated for the history: the model that is stored, its report, and where it came from."""

    county: County
    report: Report
    source: str
    source_sha256: str | None


def evaluate_for_history(
    data: Any,
    *,
    standard: str | Path | Standard = "cn-moe-2017",
    as_of: dt.date | str | None = None,
    history: YearStore | None = None,
    year: int | None = None,
) -> Evaluated:
    """Read ``data`` (any form :func:`qbalance.evaluate` takes) into its :class:`County` model and evaluate that model,
    so the stored county gives exactly the stored report. Bad data raise :class:`InputError` with every problem
    located in the file, as ``qbalance evaluate`` reports them. ``history``: the store the data go to — its
    previous year is what the rules that look back read, and its earlier years the progress items' series;
    ``year``: the data year, when the data do not state it."""
    from ..._api.evaluate import as_county
    from ..._api.standard import load_standard

    std = load_standard(standard, as_of=as_of)
    try:
        county, source = as_county(data, std)
        table = std.read(county).table
    except InputError:
        std.read(data)  # every problem of the model and the pack together, each at its line or cell
        raise
    report = std.report_looking_back(table, history=history, year=year, source=source)
    return Evaluated(county, report, source, _file_sha256(data))


class History(LedgerMethods):
    """A history database: per county and data year, the data as read, the report, the pack and notes; and, from
    them, the county's rectification ledger, its reviews and its trends (:class:`~.ledger_api.LedgerMethods`).

    ``path`` defaults to ``$QBALANCE_HISTORY_DB``, else ``qbalance-history.sqlite`` in the working directory.
    ``create=False`` refuses a database that does not exist yet; ``readonly=True`` opens it for reading only (and
    refuses one that needs migrating). Use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        create: bool = True,
        readonly: bool = False,
        clock: Callable[[], str] = utc_now,
    ) -> None:
        self.path = resolve_db_path(path)
        self.readonly = readonly
        self._clock = clock
        self._conn: sqlite3.Connection = connect(self.path, create=create, readonly=readonly)
        try:
            self.opened_at_version = ensure_schema(self._conn, self.path, readonly=readonly)
        except BaseException:
            self._conn.close()
            raise
        self.schema_version = SCHEMA_VERSION

    def __repr__(self) -> str:
        return f"<History {self.path} (schema {self.schema_version})>"

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database (a History cannot be used afterwards)."""
        self._conn.close()

    # -- writing ------------------------------------------------------------------------------------------------

    def add(
        self,
        data: Any,
        year: int | None = None,
        *,
        standard: str | Path | Standard = "cn-moe-2017",
        as_of: dt.date | str | None = None,
        note: str | None = None,
        replace: bool = False,
    ) -> AddResult:
        """Evaluate ``data`` (any form :func:`qbalance.evaluate` takes) under ``standard`` and store it as the
        county's data for ``year`` (default: the year the data state). The rules that look back (``previous.x``)
        read the county's previous year from this history, and progress items its earlier years. Raises
        :class:`InputError`/:class:`PackError` for bad data or packs, :class:`HistoryConflict` when different data
        are stored for that year and ``replace`` is false, and :class:`HistoryError` for a database that cannot be
        used."""
        done = evaluate_for_history(data, standard=standard, as_of=as_of, history=self, year=year)
        return self.store(
            done.county,
            done.report,
            year,
            source=done.source,
            source_sha256=done.source_sha256,
            note=note,
            replace=replace,
        )

    def store(
        self,
        county: County,
        report: Report,
        year: int | None = None,
        *,
        source: str,
        source_sha256: str | None = None,
        note: str | None = None,
        replace: bool = False,
    ) -> AddResult:
        """Store an evaluated county (``report`` must be the report of ``county``) in one transaction; as
        :meth:`add`, for data already evaluated."""
        year = year_of(county, year)
        if report.county.code != county.code:
            raise HistoryError(msg("history.cannot_store", field="county_code", value=report.county.code))
        _check_text(note, MAX_NOTE, msg("history.what.note"))
        _check_text(source, MAX_SOURCE, msg("history.what.source"))
        county_blob, report_blob = encode_county(county), encode_report(report)
        digest, pack = report.provenance.input_digest, report.provenance.pack
        with transaction(self._conn, self.path) as conn:
            current = self._current(report.county.code, year)
            if current is not None and _same(current, digest, pack.sha256):
                return AddResult("unchanged", current)
            if current is not None and not replace:
                raise HistoryConflict(_conflict(current, digest, pack.id, pack.version))
            now = self._clock()
            insert_input(conn, county_blob, COUNTY_FORMAT)
            if current is not None:
                supersede(conn, current.id, now)
            values = {
                "county_code": report.county.code,
                "county_name": report.county.name,
                "year": year,
                "input_digest": digest,
                "input_sha256": county_blob.sha256,
                "source": source,
                "source_sha256": source_sha256,
                "pack_id": pack.id,
                "pack_version": pack.version,
                "pack_sha256": pack.sha256,
                "as_of": report.provenance.as_of,
                "qbalance_version": report.provenance.qbalance_version,
                "verdict": report.verdict,
                "note": note,
                "added_at": now,
                "superseded_at": None,
                "replaces": current.id if current is not None else None,
            }
            _check_record(values)
            record_id = insert_record(conn, values)
            insert_report(conn, record_id, report_blob, report.format)
            insert_chain(conn, record_id, report.provenance.chain)
        record = self.record_by_id(record_id)
        assert record is not None
        return AddResult("replaced" if current is not None else "added", record, current, report)

    # -- reading ------------------------------------------------------------------------------------------------

    def iter_records(self, county: str | None = None, *, include_superseded: bool = False) -> Iterator[Record]:
        """The records, by county, year and id: current ones only unless ``include_superseded``."""
        where, params = [], []
        if county is not None:
            where.append("county_code = ?")
            params.append(county)
        if not include_superseded:
            where.append("superseded_at IS NULL")
        with guard(self.path):
            yield from select_records(self._conn, " AND ".join(where), params)

    def records(self, county: str | None = None, *, include_superseded: bool = False) -> list[Record]:
        """:meth:`iter_records` as a list."""
        return list(self.iter_records(county, include_superseded=include_superseded))

    def _current(self, county: str, year: int) -> Record | None:
        if not _YEARS[0] <= year <= _YEARS[1]:
            return None
        found = list(
            select_records(self._conn, "county_code = ? AND year = ? AND superseded_at IS NULL", [county, year])
        )
        return found[0] if found else None

    def record(self, county: str, year: int) -> Record | None:
        """The current record of a county and year, or None."""
        with guard(self.path):
            return self._current(str(county), int(year))

    def record_by_id(self, record_id: int) -> Record | None:
        """A record by its id (current or superseded), or None."""
        if not 1 <= int(record_id) < 2**63:
            return None
        with guard(self.path):
            found = list(select_records(self._conn, "id = ?", [int(record_id)]))
        return found[0] if found else None

    def years(self, county: str) -> list[int]:
        """The years stored for a county (current records), in order."""
        return [r.year for r in self.iter_records(county)]

    def report_of(self, record: Record | int) -> Report:
        """The stored report of a record, checked against its hash and validated."""
        record_id = record.id if isinstance(record, Record) else int(record)
        with guard(self.path):
            data, sha256, size = read_report_blob(self._conn, record_id)
        return decode_report(data, sha256, size, msg("history.what.report", id=record_id))

    def county_of(self, record: Record | int) -> County:
        """The county's data a record was evaluated on, as a validated :class:`County` (no original file needed)."""
        found = record if isinstance(record, Record) else self.record_by_id(record)
        if found is None:
            raise HistoryError(msg("history.no_record_id", id=record))
        with guard(self.path):
            data, sha256, size = read_input_blob(self._conn, found.input_sha256)
        return decode_county(data, sha256, size, msg("history.what.county", id=found.id))

    def report(self, county: str, year: int) -> Report | None:
        """The current stored report of a county and year, or None."""
        record = self.record(county, year)
        return self.report_of(record) if record is not None else None

    def county(self, county: str, year: int) -> County | None:
        """The stored data of a county and year (the current record's), or None: what rules that look back at the
        previous year read."""
        record = self.record(county, year)
        return self.county_of(record) if record is not None else None

    def reports(self, county: str) -> list[tuple[Record, Report]]:
        """The series of a county's current reports, by year: what trends are drawn from."""
        return [(r, self.report_of(r)) for r in self.records(county)]

    def chain(self, record: Record | int) -> list[PackLink]:
        """The packs a record was evaluated under, base first."""
        record_id = record.id if isinstance(record, Record) else int(record)
        with guard(self.path):
            return read_chain(self._conn, record_id)

    def export(
        self,
        directory: str | os.PathLike[str],
        fmt: str = "csv",
        *,
        county: str | None = None,
        include_superseded: bool = False,
        spreadsheet_safe: bool = True,
    ) -> Exported:
        """Write the flat tables (one row per county-year, one per school section and year) to ``directory`` as
        CSV or Parquet (needs pyarrow); see :func:`~qbalance._workflow.history.export.export_tables`."""
        records = self.records(county, include_superseded=include_superseded)
        pairs = ((r, self.report_of(r)) for r in records)
        return export_tables(pairs, Path(directory), fmt, spreadsheet_safe=spreadsheet_safe)


def year_of(county: County, year: int | None) -> int:
    """The data year: ``year`` when given (it must agree with the year the data state, if any), else the data's."""
    if year is None:
        if county.year is None:
            raise HistoryError(msg("history.year_needed", county=county.code))
        return county.year
    if isinstance(year, bool) or not isinstance(year, int) or not _YEARS[0] <= year <= _YEARS[1]:
        raise HistoryError(msg("history.year_invalid", year=str(year)))
    if county.year is not None and county.year != year:
        raise HistoryError(msg("history.year_mismatch", county=county.code, given=year, stated=county.year))
    return year


def _same(record: Record, digest: str, pack_sha256: str) -> bool:
    """The record holds the same data evaluated under the same pack."""
    return record.input_digest == digest and record.pack_sha256 == pack_sha256


def _conflict(current: Record, digest: str, pack_id: str, pack_version: str) -> Msg:
    return msg(
        "history.needs_replace",
        county=current.county_code,
        year=current.year,
        id=current.id,
        stored_digest=current.input_digest[:19],
        stored_pack=f"{current.pack_id} {current.pack_version}",
        source=current.source,
        digest=digest[:19],
        pack=f"{pack_id} {pack_version}",
    )


def _check_record(values: dict[str, Any]) -> None:
    """A record is written only if it can be read back: its values pass the model the reader checks them with (a
    third-party pack with a 300-character id, say, is refused here rather than stored unreadable)."""
    try:
        Record.model_validate({"id": 1, **values})
    except ValidationError as exc:
        field = ".".join(str(p) for p in exc.errors()[0].get("loc", ()))
        raise HistoryError(msg("history.cannot_store", field=field, value=str(values.get(field))[:80])) from None


def _check_text(value: str | None, limit: int, what: Msg) -> None:
    if value is None:
        return
    if len(value) > limit:
        raise HistoryError(msg("history.text_too_long", what=what, limit=limit))
    problem = name_problem(value)
    if problem is not None:
        raise HistoryError(msg("history.text_invalid", what=what, detail=problem))


def _file_sha256(data: Any) -> str | None:
    """sha256 of the bytes of the file ``data`` names (None for data that is not a file)."""
    if not isinstance(data, (str, os.PathLike)):
        return None
    path = Path(data)
    if not path.is_file():
        return None
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()
