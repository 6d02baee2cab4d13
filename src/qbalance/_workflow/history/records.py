"""The rows of the history database: a stored evaluation (:class:`Record`) and its pack chain (:class:`PackLink`),
read with every value bounded and checked, and the statements that write them.

The file is untrusted: SQLite does not enforce a column's declared type, and a value may be of any size. So every
column is selected through a bound (a value longer than its limit arrives as an empty blob, never in full) and the
row is validated by a strict model; a value of the wrong type or size is a :class:`HistoryError` naming the record,
not a traceback or a gigabyte read into memory. Compressed documents are selected only when their stored size is
within the limit (:func:`read_report_blob`, :func:`read_input_blob`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..._base.messages import msg
from .codec import MAX_COUNTY_BYTES, MAX_REPORT_BYTES, Blob
from .database import HistoryError

if TYPE_CHECKING:
    from ..._report.model import PackRef

__all__ = [
    "MAX_NOTE",
    "MAX_SOURCE",
    "PackLink",
    "Record",
    "insert_chain",
    "read_chain",
    "read_input_blob",
    "read_report_blob",
    "select_records",
]

MAX_NOTE: Final = 4000
"""The longest note (characters)."""
MAX_SOURCE: Final = 4096
"""The longest source (a path or a name, characters)."""
MAX_CHAIN: Final = 64
"""The most packs in one record's chain read back."""
_COMPRESSED_SLACK: Final = 1_048_576
"""zlib may make incompressible data slightly larger: a stored blob may exceed its uncompressed limit by this."""

Digest = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
Stamp = Annotated[str, Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")]
Verdict = Literal["pass", "fail", "incomplete"]


class Record(BaseModel):
    """One stored evaluation: a county's data for one year, the report it gave and the pack that judged it."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    id: int = Field(ge=1)
    county_code: str = Field(min_length=1, max_length=64)
    county_name: str = Field(max_length=200)
    year: int = Field(ge=1990, le=2100)
    input_digest: Digest = Field(description="the report's provenance.input_digest (sha256 of the normalised data)")
    input_sha256: Digest = Field(description="sha256 of the stored county JSON")
    source: str = Field(max_length=MAX_SOURCE, description="the file (or name) the data were read from")
    source_sha256: Digest | None = Field(default=None, description="sha256 of the file's bytes")
    pack_id: str = Field(max_length=200)
    pack_version: str = Field(max_length=100)
    pack_sha256: Digest
    as_of: str | None = Field(default=None, max_length=10)
    qbalance_version: str = Field(max_length=64)
    verdict: Verdict
    note: str | None = Field(default=None, max_length=MAX_NOTE)
    added_at: Stamp
    superseded_at: Stamp | None = None
    replaces: int | None = Field(default=None, ge=1, description="the record this one replaced")

    @property
    def current(self) -> bool:
        """Not superseded: the record of its county and year."""
        return self.superseded_at is None


class PackLink(BaseModel):
    """One pack of a record's ``extends`` chain (position 0 is the base)."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    position: int = Field(ge=0)
    pack_id: str = Field(max_length=200)
    version: str = Field(max_length=100)
    effective: str = Field(max_length=40)
    sha256: Digest
    origin: str | None = Field(default=None, max_length=MAX_SOURCE)


_OTHER_WIDTH: Final = 80
"""The bound of a column without a ``max_length``: integers, hashes (71 characters), timestamps, verdicts."""


def _limit(field: Any) -> int:
    """The longest text a column may hold: its model's ``max_length``, else :data:`_OTHER_WIDTH`."""
    for meta in field.metadata:
        if getattr(meta, "max_length", None) is not None:
            return int(meta.max_length)
    return _OTHER_WIDTH


def _bounded_columns(model: type[BaseModel]) -> str:
    """``CASE WHEN length(c) > n THEN x'' ELSE c END AS c`` for every field: a value over its bound arrives as an
    empty blob, which the strict model then refuses."""
    parts = [
        f"CASE WHEN length({name}) > {_limit(f)} THEN x'' ELSE {name} END" for name, f in model.model_fields.items()
    ]
    return ", ".join(parts)


_RECORD_SELECT: Final = f"SELECT {_bounded_columns(Record)} FROM records"
_CHAIN_SELECT: Final = f"SELECT {_bounded_columns(PackLink)} FROM record_packs WHERE record_id = ? ORDER BY position"


def _validated(model: type[BaseModel], row: Sequence[Any], where: str) -> Any:
    try:
        return model.model_validate(dict(zip(model.model_fields, row, strict=True)))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        raise HistoryError(msg("history.damaged_row", where=where, field=field)) from None


def select_records(conn: sqlite3.Connection, where: str = "", params: Sequence[Any] = ()) -> Iterator[Record]:
    """The records matching ``where`` (an SQL condition written by this package, with ``?`` parameters), ordered by
    county, year and id, each checked."""
    sql = f"{_RECORD_SELECT} {'WHERE ' + where if where else ''} ORDER BY county_code, year, id"
    for row in conn.execute(sql, tuple(params)):
        record: Record = _validated(Record, row, f"records #{row[0]}")
        yield record


def read_chain(conn: sqlite3.Connection, record_id: int) -> list[PackLink]:
    """The pack chain of one record, base first (at most :data:`MAX_CHAIN` packs)."""
    rows = conn.execute(_CHAIN_SELECT + f" LIMIT {MAX_CHAIN + 1}", (record_id,)).fetchall()
    if len(rows) > MAX_CHAIN:
        raise HistoryError(msg("history.damaged_row", where=f"record_packs #{record_id}", field="position"))
    links: list[PackLink] = [_validated(PackLink, r, f"record_packs #{record_id}") for r in rows]
    if [link.position for link in links] != list(range(len(links))):
        raise HistoryError(msg("history.damaged_row", where=f"record_packs #{record_id}", field="position"))
    return links


def _blob_row(row: Sequence[Any] | None, limit: int, where: str) -> tuple[bytes, str, int]:
    """(data, sha256, size) of a selected blob row, checked: the data was selected only if small enough."""
    if row is None:
        raise HistoryError(msg("history.damaged_row", where=where, field="missing"))
    data, sha256, size, stored = row
    if not isinstance(size, int) or not isinstance(stored, int) or size > limit or stored > limit + _COMPRESSED_SLACK:
        raise HistoryError(msg("history.too_large", what=where, limit=str(limit)))
    if not isinstance(data, bytes) or not isinstance(sha256, str) or len(sha256) > 71:
        raise HistoryError(msg("history.damaged_row", where=where, field="data"))
    return data, sha256, size


def read_report_blob(conn: sqlite3.Connection, record_id: int) -> tuple[bytes, str, int]:
    """The stored (compressed) report of a record, its sha256 and uncompressed size; bounded."""
    bound = MAX_REPORT_BYTES + _COMPRESSED_SLACK
    row = conn.execute(
        f"SELECT CASE WHEN length(data) <= {bound} THEN data END, CASE WHEN length(sha256) <= 71 THEN sha256 END, "
        "size, length(data) FROM reports WHERE record_id = ?",
        (record_id,),
    ).fetchone()
    return _blob_row(row, MAX_REPORT_BYTES, f"reports #{record_id}")


def read_input_blob(conn: sqlite3.Connection, sha256: str) -> tuple[bytes, str, int]:
    """The stored (compressed) county data with this sha256, and its uncompressed size; bounded."""
    bound = MAX_COUNTY_BYTES + _COMPRESSED_SLACK
    row = conn.execute(
        f"SELECT CASE WHEN length(data) <= {bound} THEN data END, CASE WHEN length(sha256) <= 71 THEN sha256 END, "
        "size, length(data) FROM inputs WHERE sha256 = ?",
        (sha256,),
    ).fetchone()
    return _blob_row(row, MAX_COUNTY_BYTES, f"inputs {sha256}")


def insert_input(conn: sqlite3.Connection, blob: Blob, fmt: str) -> None:
    """Store a county's data (nothing happens when the same data is already stored)."""
    conn.execute(
        "INSERT OR IGNORE INTO inputs (sha256, format, size, data) VALUES (?, ?, ?, ?)",
        (blob.sha256, fmt, blob.size, blob.data),
    )


def insert_record(conn: sqlite3.Connection, values: dict[str, Any]) -> int:
    """Insert one record (every column of :class:`Record` but ``id``); returns its id."""
    names = [n for n in Record.model_fields if n != "id"]
    sql = f"INSERT INTO records ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    cur = conn.execute(sql, tuple(values[n] for n in names))
    assert cur.lastrowid is not None
    return int(cur.lastrowid)


def insert_report(conn: sqlite3.Connection, record_id: int, blob: Blob, fmt: str) -> None:
    """Store a record's report."""
    conn.execute(
        "INSERT INTO reports (record_id, format, sha256, size, data) VALUES (?, ?, ?, ?, ?)",
        (record_id, fmt, blob.sha256, blob.size, blob.data),
    )


def supersede(conn: sqlite3.Connection, record_id: int, when: str) -> None:
    """Mark a record superseded (it stays in the database, listed with ``--all``)."""
    conn.execute("UPDATE records SET superseded_at = ? WHERE id = ? AND superseded_at IS NULL", (when, record_id))


def insert_chain(conn: sqlite3.Connection, record_id: int, chain: Sequence[PackRef]) -> None:
    """The rows of ``record_packs`` for one record (``chain``: a report's ``provenance.chain``, base first)."""
    rows = [
        (record_id, position, ref.id, ref.version, ref.effective, ref.sha256, ref.origin)
        for position, ref in enumerate(chain)
    ]
    conn.executemany(
        "INSERT INTO record_packs (record_id, position, pack_id, version, effective, sha256, origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
