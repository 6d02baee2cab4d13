"""The history database's schema, its version and its migrations.

The schema has a version number (:data:`SCHEMA_VERSION`); the ``schema_version`` table records each version applied
to a database, when, and by which qbalance. :data:`MIGRATIONS` is the ordered list of migration functions:
``MIGRATIONS[i]`` brings a database from version ``i`` to ``i + 1`` (``MIGRATIONS[0]`` creates the tables of
version 1 in an empty file). Opening a database applies the missing migrations in one ``BEGIN IMMEDIATE``
transaction — all of them or none — and a database of a version newer than this code knows is refused with a
sentence saying so, never read or changed.

Version 1 — the store:

* ``schema_version(version, applied_at, qbalance_version)``;
* ``inputs(sha256, format, size, data)`` — a county's data as read, normalised: the JSON of the ``County`` model
  (every value in canonical units), zlib-compressed; keyed by the sha256 of that JSON, so the same data is stored
  once however many records use it;
* ``records`` — one evaluation of one county's data for one year: county code and name, year, the input digest of
  the report (``provenance.input_digest``), the stored input's sha256, the source as given (a path or a name) and
  the sha256 of the file's bytes, the pack's id, version and sha256, ``as_of``, the qbalance version, the verdict, a
  note, when it was added (UTC), and when it was superseded and by which later record it was replaced
  (``replaces`` on the later record). A unique partial index keeps at most one current (not superseded) record per
  county and year;
* ``reports(record_id, format, sha256, size, data)`` — the record's report (``qbalance-report/1`` JSON),
  zlib-compressed.

Version 2 — the pack chain as rows: ``record_packs(record_id, position, pack_id, version, effective, sha256,
origin)`` (position 0 is the base of the ``extends`` chain, the last is the pack itself), filled for the records of
a version-1 database from their reports' provenance, so the years evaluated under a given base pack are found
without reading reports.

Version 3 — the rectification ledger and the reviews: ``ledger_entries`` (one problem of one county — item, school,
section, indicator — with its number, what the county office wrote for it and the plan's proposal, and a snapshot of
what the stored years say of it), ``ledger_years`` (what each stored year says of an entry: fail, pass or
undecided, with that year's finding) and ``reviews`` (the staged reviews of a county: stage, date, outcome, the
record whose report each used). Nothing is filled in: the ledger is built from the stored reports when asked for.

The objects of the schema (tables and indexes with their exact SQL) are checked every time a database is opened;
a trigger anywhere, or a table of ours whose definition differs, means the file was not written by qbalance and it
is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Final

from ..._base.messages import msg
from ..._version import __version__
from .codec import decode_report
from .database import APPLICATION_ID, HistoryError, guard, transaction, utc_now
from .records import insert_chain, read_report_blob

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "ensure_schema", "migrate", "schema_objects", "stored_version"]

_V1: Final = (
    """CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL,
    qbalance_version TEXT NOT NULL
)""",
    """CREATE TABLE inputs (
    sha256 TEXT PRIMARY KEY,
    format TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    data BLOB NOT NULL
)""",
    """CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    county_code TEXT NOT NULL,
    county_name TEXT NOT NULL,
    year INTEGER NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    input_digest TEXT NOT NULL,
    input_sha256 TEXT NOT NULL REFERENCES inputs (sha256),
    source TEXT NOT NULL,
    source_sha256 TEXT,
    pack_id TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    pack_sha256 TEXT NOT NULL,
    as_of TEXT,
    qbalance_version TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'incomplete')),
    note TEXT,
    added_at TEXT NOT NULL,
    superseded_at TEXT,
    replaces INTEGER REFERENCES records (id)
)""",
    "CREATE UNIQUE INDEX records_current ON records (county_code, year) WHERE superseded_at IS NULL",
    "CREATE INDEX records_county_year ON records (county_code, year, id)",
    """CREATE TABLE reports (
    record_id INTEGER PRIMARY KEY REFERENCES records (id),
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    data BLOB NOT NULL
)""",
)

_V2: Final = (
    """CREATE TABLE record_packs (
    record_id INTEGER NOT NULL REFERENCES records (id),
    position INTEGER NOT NULL CHECK (position >= 0),
    pack_id TEXT NOT NULL,
    version TEXT NOT NULL,
    effective TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    origin TEXT,
    PRIMARY KEY (record_id, position)
)""",
    "CREATE INDEX record_packs_pack ON record_packs (pack_id, version)",
)

_V3: Final = (
    """CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY,
    county_code TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 1),
    item TEXT NOT NULL,
    school_id TEXT NOT NULL,
    section TEXT NOT NULL,
    indicator TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('school', 'cv', 'composite', 'county')),
    school_name TEXT,
    finding_zh TEXT,
    finding_en TEXT,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'reopened')),
    opened INTEGER NOT NULL,
    closed INTEGER,
    last_failed INTEGER NOT NULL,
    proposed_zh TEXT,
    proposed_en TEXT,
    proposed_record INTEGER REFERENCES records (id),
    proposed_year INTEGER,
    action TEXT,
    responsible TEXT,
    deadline TEXT,
    note TEXT,
    updated_at TEXT NOT NULL
)""",
    "CREATE UNIQUE INDEX ledger_entries_key ON ledger_entries (county_code, item, school_id, section, indicator)",
    "CREATE UNIQUE INDEX ledger_entries_seq ON ledger_entries (county_code, seq)",
    """CREATE TABLE ledger_years (
    entry_id INTEGER NOT NULL REFERENCES ledger_entries (id),
    year INTEGER NOT NULL,
    record_id INTEGER NOT NULL REFERENCES records (id),
    result TEXT NOT NULL CHECK (result IN ('fail', 'pass', 'undecided')),
    finding_zh TEXT,
    finding_en TEXT,
    PRIMARY KEY (entry_id, year)
)""",
    """CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    county_code TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('basic_balance', 'self', 'city', 'prefecture', 'province', 'national')),
    held_on TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'pending')),
    record_id INTEGER REFERENCES records (id),
    body TEXT,
    note TEXT,
    added_at TEXT NOT NULL
)""",
    "CREATE INDEX reviews_county ON reviews (county_code, held_on, id)",
)


def _to_v1(conn: sqlite3.Connection) -> None:
    """Version 1: the store (inputs, records, reports) and the application id in the file's header."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for statement in _V1:
        conn.execute(statement)


def _to_v2(conn: sqlite3.Connection) -> None:
    """Version 2: the pack chain of every record as rows, filled from the stored reports' provenance."""
    for statement in _V2:
        conn.execute(statement)
    ids = [int(r[0]) for r in conn.execute("SELECT id FROM records ORDER BY id")]
    for record_id in ids:
        data, sha256, size = read_report_blob(conn, record_id)
        report = decode_report(data, sha256, size, msg("history.what.report", id=record_id))
        insert_chain(conn, record_id, report.provenance.chain)


def _to_v3(conn: sqlite3.Connection) -> None:
    """Version 3: the rectification ledger and the reviews (empty: the ledger is built from the stored reports)."""
    for statement in _V3:
        conn.execute(statement)


Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: Final[tuple[Migration, ...]] = (_to_v1, _to_v2, _to_v3)
"""``MIGRATIONS[i]`` brings a database from version ``i`` to ``i + 1``; append, never edit a released one."""

SCHEMA_VERSION: Final = len(MIGRATIONS)
"""The version this code writes (and the newest it reads)."""


def stored_version(conn: sqlite3.Connection, path: Path) -> int:
    """The schema version of the open database: 0 for an empty file, the highest applied version otherwise."""
    with guard(path):
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return 0
        if "schema_version" not in tables:
            raise HistoryError(msg("history.not_history", path=str(path)))
        row = conn.execute("SELECT max(version), typeof(max(version)) FROM schema_version").fetchone()
    if row is None or row[1] != "integer" or not 1 <= int(row[0]) <= 1_000_000:
        raise HistoryError(msg("history.damaged", path=str(path), detail="schema_version"))
    return int(row[0])


def migrate(conn: sqlite3.Connection, path: Path, target: int = SCHEMA_VERSION) -> int:
    """Apply the migrations from the stored version up to ``target`` in one transaction; returns the version found
    before. A database newer than ``target`` is left alone (the caller decides whether that is an error)."""
    with transaction(conn, path):
        found = stored_version(conn, path)  # again, now that no other writer can be migrating it
        for version in range(found + 1, target + 1):
            MIGRATIONS[version - 1](conn)
            conn.execute(
                "INSERT INTO schema_version (version, applied_at, qbalance_version) VALUES (?, ?, ?)",
                (version, utc_now(), __version__),
            )
    return found


def ensure_schema(conn: sqlite3.Connection, path: Path, *, readonly: bool = False) -> int:
    """Bring the database to :data:`SCHEMA_VERSION` (refusing a newer one) and check its objects; returns the
    version it had when opened."""
    found = stored_version(conn, path)
    if found > SCHEMA_VERSION:
        raise HistoryError(msg("history.newer_schema", path=str(path), found=found, known=SCHEMA_VERSION))
    if found < SCHEMA_VERSION:
        if readonly:
            raise HistoryError(msg("history.needs_migration", path=str(path), found=found, known=SCHEMA_VERSION))
        migrate(conn, path)
    _check_objects(conn, path)
    return found


@cache
def schema_objects(version: int = SCHEMA_VERSION) -> frozenset[tuple[str, str, str, str]]:
    """The (type, name, table, SQL) of every table and index of a database at ``version``, as the migrations create
    them (built once, in memory)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for migration in MIGRATIONS[:version]:
            migration(conn)
        return _objects(conn)
    finally:
        conn.close()


def _objects(conn: sqlite3.Connection) -> frozenset[tuple[str, str, str, str]]:
    rows = conn.execute("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master").fetchall()
    return frozenset((str(a), str(b), str(c), str(d)) for a, b, c, d in rows)


def _check_objects(conn: sqlite3.Connection, path: Path) -> None:
    """Every table and index of the schema is there exactly as written, and there is no trigger (a trigger in an
    untrusted file could change what our writes do). Other tables, indexes and views are left alone."""
    with guard(path):
        have = _objects(conn)
    missing = schema_objects() - have
    triggers = sorted(name for kind, name, _, _ in have if kind == "trigger")
    if missing or triggers:
        names = sorted({name for _, name, _, _ in missing} | set(triggers))
        raise HistoryError(msg("history.unexpected_schema", path=str(path), names=", ".join(names)))
