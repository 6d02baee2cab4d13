"""The history store: a county's evaluations year by year in one embedded SQLite file (the standard library's
``sqlite3``; no server). See docs/history.md.

Per county and data year it holds the data as read (the report's input digest, the source, and the county's
normalised data itself, so a later year can read last year's values without the original file), the report, the
pack (id, version, sha256 and its ``extends`` chain), a note and timestamps. The schema has a version and ordered
migrations; every write is one transaction; the same data added twice is recognised, and a changed input for a
stored year needs ``replace`` and keeps the old record, superseded. The file is treated as untrusted input.

The modules, by job:

* :mod:`.database` — opening the file (checked first), connection settings, transactions, :class:`HistoryError`;
* :mod:`.schema` — the schema, :data:`SCHEMA_VERSION` and :data:`MIGRATIONS`;
* :mod:`.codec` — how a county and a report are stored and read back (compressed, hashed, bounded, validated);
* :mod:`.records` — the rows (:class:`Record`, :class:`PackLink`), read bounded and checked, and written;
* :mod:`.store` — :class:`History`: add, list, show, the stored county of a year, the series of a county's reports;
* :mod:`.export` — flat tables (CSV, Parquet) for provincial warehouses.

This ``__init__`` re-exports the names other code uses (those of ``__all__``). Those of :mod:`.database` are
imported at once; the others when first used, so that the command line can name the default database and the export
formats without importing the engine the store evaluates with (start-up time of every ``qbalance`` command).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .database import DEFAULT_DB_NAME, ENV_DB, FORMATS, TABLES, HistoryConflict, HistoryError, resolve_db_path

if TYPE_CHECKING:
    from .export import Exported, export_tables
    from .records import PackLink, Record
    from .schema import MIGRATIONS, SCHEMA_VERSION
    from .store import AddResult, History

_LAZY = {
    "Exported": ".export",
    "export_tables": ".export",
    "PackLink": ".records",
    "Record": ".records",
    "MIGRATIONS": ".schema",
    "SCHEMA_VERSION": ".schema",
    "AddResult": ".store",
    "History": ".store",
}


def __getattr__(name: str) -> Any:
    """Import a re-exported name from its module when first asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_DB_NAME",
    "ENV_DB",
    "FORMATS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TABLES",
    "AddResult",
    "Exported",
    "History",
    "HistoryConflict",
    "HistoryError",
    "PackLink",
    "Record",
    "export_tables",
    "resolve_db_path",
]
