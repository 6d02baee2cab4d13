"""Opening a history database as untrusted input, its connection settings, transactions, and every SQLite failure
turned into one clear :class:`HistoryError`.

The file is checked before SQLite opens it: a regular file (not a directory, pipe or device), either empty or
starting with the SQLite header and carrying qbalance's ``application_id`` in that header, so a spreadsheet, a
random SQLite file or a truncated copy is refused with a sentence instead of a traceback. The connection then runs
with ``trusted_schema=OFF`` (nothing in the file's schema may call functions with side effects), foreign keys on,
cell-size checks on, no memory mapping, a rollback journal (``journal_mode=DELETE``, which works on network drives,
unlike WAL) and ``synchronous=FULL``. Every write is one ``BEGIN IMMEDIATE … COMMIT`` transaction: a crash at any
point leaves the database as it was before it (SQLite rolls the hot journal back on the next open).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from ..._base.errors import QbalanceError
from ..._base.messages import Msg, msg

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT_S",
    "DEFAULT_DB_NAME",
    "ENV_DB",
    "HistoryConflict",
    "HistoryError",
    "check_database_file",
    "connect",
    "guard",
    "resolve_db_path",
    "transaction",
    "utc_now",
]

SQLITE_HEADER = b"SQLite format 3\x00"
APPLICATION_ID = 0x71624853
"""Written in the SQLite header (offset 68) of every history database: ``qbHS``. A SQLite file without it is some
other program's database and is refused before a query is run."""
BUSY_TIMEOUT_S = 10.0
"""How long a writer waits for another process's transaction to finish before giving up with a clear error."""
DEFAULT_DB_NAME = "qbalance-history.sqlite"
ENV_DB = "QBALANCE_HISTORY_DB"
FORMATS: Final = ("csv", "parquet")
"""The formats of ``history export`` (:mod:`.export`)."""
TABLES: Final = ("county_years", "school_sections")
"""The tables ``history export`` writes (:mod:`.export`)."""


class HistoryError(QbalanceError):
    """The history database cannot be used (missing, not a history database, damaged, newer, busy, read-only …) or
    a request to it cannot be done. The message is a catalogue message: Chinese by default, English on request."""

    def __init__(self, message: Msg) -> None:
        self.msg = message
        super().__init__(message.text("en"))

    def __str__(self) -> str:
        return self.msg.text()


class HistoryConflict(HistoryError):
    """A different input for a county and year already stored: replacing it needs ``replace=True``."""


def resolve_db_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The database to use: ``path`` when given, else ``$QBALANCE_HISTORY_DB``, else ``qbalance-history.sqlite`` in
    the working directory."""
    if path is not None and str(path):
        return Path(path)
    env = os.environ.get(ENV_DB)
    return Path(env) if env else Path.cwd() / DEFAULT_DB_NAME


def utc_now() -> str:
    """The current time in UTC as stored: ``2025-03-01T08:15:02Z`` (whole seconds)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_database_file(path: Path) -> bool:
    """Whether ``path`` holds a history database (True) or nothing yet (False: absent or empty), after checking that
    it is a regular file whose header is SQLite's with qbalance's application id; :class:`HistoryError` otherwise."""
    shown = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise HistoryError(msg("history.cannot_open", path=shown, detail=exc.strerror or str(exc))) from None
    if not stat.S_ISREG(st.st_mode):
        raise HistoryError(msg("history.not_a_file", path=shown))
    if st.st_size == 0:
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise HistoryError(msg("history.cannot_open", path=shown, detail=exc.strerror or str(exc))) from None
    if len(head) < 100 or not head.startswith(SQLITE_HEADER):
        raise HistoryError(msg("history.not_sqlite", path=shown))
    if int.from_bytes(head[68:72], "big") != APPLICATION_ID:
        raise HistoryError(msg("history.not_history", path=shown))
    return True


def connect(path: Path, *, create: bool, readonly: bool = False) -> sqlite3.Connection:
    """A configured connection to the history database at ``path`` (checked first). ``create`` allows a new file;
    ``readonly`` opens it for reading only (never created)."""
    exists = check_database_file(path)
    if not exists and (readonly or not create):
        raise HistoryError(msg("history.no_database", path=str(path)))
    mode = "ro" if readonly else "rwc" if create else "rw"
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    with guard(path):
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            _configure(conn, readonly)
        except BaseException:
            conn.close()
            raise
    return conn


def _configure(conn: sqlite3.Connection, readonly: bool) -> None:
    """The settings every connection runs with (see the module docstring)."""
    for pragma in ("trusted_schema = OFF", "foreign_keys = ON", "cell_size_check = ON", "mmap_size = 0"):
        conn.execute(f"PRAGMA {pragma}")
    if not readonly:
        conn.execute("PRAGMA journal_mode = DELETE").fetchall()
        conn.execute("PRAGMA synchronous = FULL")


def _classify(exc: sqlite3.DatabaseError, path: Path) -> Msg:
    """The catalogue message for what SQLite reported."""
    text = str(exc).lower()
    shown = str(path)
    if "not a database" in text:
        return msg("history.not_sqlite", path=shown)
    if "malformed" in text or "corrupt" in text:
        return msg("history.damaged", path=shown, detail=str(exc))
    if "locked" in text or "busy" in text:
        return msg("history.busy", path=shown)
    if "readonly" in text or "read-only" in text:
        return msg("history.read_only", path=shown)
    if "disk" in text or "full" in text or "unable to open" in text:
        return msg("history.cannot_open", path=shown, detail=str(exc))
    return msg("history.sqlite_error", path=shown, detail=str(exc))


@contextmanager
def guard(path: Path) -> Iterator[None]:
    """Turn SQLite's errors inside the block into :class:`HistoryError` naming ``path``. A ``ProgrammingError`` (a
    misuse of the driver, i.e. a bug in qbalance) is left alone."""
    try:
        yield
    except sqlite3.ProgrammingError:
        raise
    except sqlite3.DatabaseError as exc:
        raise HistoryError(_classify(exc, path)) from None


@contextmanager
def transaction(conn: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
    """One write transaction (``BEGIN IMMEDIATE``: the write lock is taken first, so two writers never interleave):
    committed when the block ends normally, rolled back when it raises."""
    with guard(path):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
