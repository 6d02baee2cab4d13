"""Where the columns of a table come from: a dict of arrays, a pandas DataFrame, an Arrow table, a CSV or Parquet file,
or a :class:`County` flattened; and the one-row-per-school layout reshaped into one row per school section.

Nothing here validates a cell: the columns come out as numpy arrays holding the cells as written (text columns from
Arrow also with their dictionary codes), for :mod:`.columns` to check and build the engine's table from.
"""

from __future__ import annotations

import csv
import importlib
import math
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._base.arrow_buffers import arrow_to_numpy, dictionary_codes
from .._base.errors import InputError, Problem
from .._base.files import cannot_read
from .._base.messages import msg

__all__ = [
    "ALL_SECTIONS",
    "ArrowWords",
    "TableFileReading",
    "county_to_columns",
    "read_csv",
    "read_csv_fast",
    "read_table_file",
    "to_columns",
]

ALL_SECTIONS = ("primary", "junior", "senior")

_Coded = dict[str, tuple[np.ndarray, list[Any]]]
"""Columns whose reader already factorized them: name → (code of each cell, distinct raw values in order of first
appearance). Arrow text columns come dictionary-encoded, so they need not be factorized again."""


class ArrowWords(list[Any]):
    """The distinct values of an Arrow text column, as its dictionary gives them: each one a ``str`` (exactly, not a
    subclass), then ``None``, the value of a null cell; so a reader need not look at the type of each."""


def to_columns(data: Any) -> dict[str, np.ndarray]:
    """Columns of a dict of arrays, a pandas DataFrame or a pyarrow Table, without importing pandas or pyarrow."""
    return _read_columns(data)[0]


def _read_columns(data: Any) -> tuple[dict[str, np.ndarray], _Coded]:
    coded: _Coded = {}
    if isinstance(data, Mapping):
        items = list(data.items())
    elif hasattr(data, "column_names") and hasattr(data, "column"):  # pyarrow.Table
        items = []
        for name in data.column_names:
            arr, codes = _arrow_to_numpy(data.column(name))
            items.append((name, arr))
            if codes is not None:
                coded[str(name)] = codes
    elif hasattr(data, "columns") and hasattr(data, "__getitem__"):  # pandas.DataFrame
        items = [(str(name), _pandas_to_numpy(data[name])) for name in data.columns]
    else:
        raise InputError(Problem.of(msg("columns.cannot_read", kind=type(data).__name__)))
    out: dict[str, np.ndarray] = {}
    n: int | None = None
    for name, values in items:
        arr = _as_array(values)
        if arr.ndim != 1:
            raise InputError(Problem.of(msg("columns.not_1d", column=name)))
        if n is not None and arr.shape[0] != n:
            raise InputError(Problem.of(msg("columns.lengths", column=name, n=arr.shape[0], others=n)))
        n = arr.shape[0]
        out[str(name)] = arr
    return out, coded


def _as_array(values: Any) -> np.ndarray:
    """A column as a numpy array without changing any cell: a list mixing types (1.5 and True, 3 and "3 万元") or
    holding text becomes an object array, never a coerced numeric or fixed-width string one."""
    if isinstance(values, np.ndarray):
        arr = values
    elif hasattr(values, "to_numpy") and hasattr(values, "type"):  # a pyarrow (Chunked)Array
        arr = _arrow_to_numpy(values)[0]
    elif hasattr(values, "to_numpy") and hasattr(values, "dtype"):  # a pandas Series
        arr = _pandas_to_numpy(values)
    else:
        if not isinstance(values, (list, tuple)):
            values = list(values)
        kinds = set(map(type, values))
        mixed = len(kinds) > 1 and not kinds <= {float, np.float64}
        arr = np.array(values, dtype=object) if mixed or str in kinds else np.asarray(values)
    if arr.dtype.kind in "US":
        arr = arr.astype(object)
    return arr


def _pandas_to_numpy(series: Any) -> np.ndarray:
    """One pandas column as numpy; nullable (extension) dtypes give NaN or None for missing cells, never pd.NA."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        return np.asarray(series.to_numpy())
    if getattr(dtype, "kind", "O") in "iuf":  # Int64, Float64...
        return np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan))
    return np.asarray(series.to_numpy(dtype=object, na_value=None))  # strings, booleans, categories


def _arrow_to_numpy(col: Any) -> tuple[np.ndarray, tuple[np.ndarray, list[Any]] | None]:
    """One Arrow column as numpy. Text goes through Arrow's dictionary encoding: equal cells share one str, and the
    codes are returned too (when they number the values in order of first appearance, as Arrow's encoder does)."""
    if str(col.type) in ("string", "large_string") and len(col) > 0:
        enc = (col.combine_chunks() if hasattr(col, "combine_chunks") else col).dictionary_encode()
        k = len(enc.dictionary)
        raw = ArrowWords(enc.dictionary.to_pylist())
        raw.append(None)
        words = np.empty(k + 1, dtype=object)
        words[:] = raw
        idx = dictionary_codes(enc.indices, k)
        return words[idx], ((idx, raw) if _in_order_of_appearance(idx, k) else None)
    return arrow_to_numpy(col), None


def _in_order_of_appearance(codes: np.ndarray, k: int) -> bool:
    """Whether codes ``0 … k-1`` (``k``: a null) first appear in that order. A few codes (a category column) are
    each found by their first position; many, by the running maximum of the codes."""
    if k <= 32:
        before = -1
        for j in range(k):
            hit = codes == j
            at = int(np.argmax(hit))
            if not hit[at] or at < before:
                return False
            before = at
        return True
    present = codes[codes < k]
    run_max = np.maximum.accumulate(present) if present.size else present
    return present.size == 0 or (present[0] == 0 and bool(np.all(np.diff(run_max) <= 1)))


def read_csv(path: str | Path) -> dict[str, np.ndarray]:
    """Read a UTF-8 CSV file (BOM allowed) into text columns; empty cells become missing values."""
    p = Path(path)
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            try:
                header = next(reader)
            except StopIteration:
                raise InputError(Problem.of(msg("columns.empty_csv"), source=str(p))) from None
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise InputError(Problem.of(msg("columns.not_utf8", byte=exc.start), source=str(p))) from None
    except OSError as exc:
        raise InputError(Problem.of(cannot_read(exc), source=str(p))) from None
    problems = [
        Problem.of(msg("columns.ragged_row", n=len(r), header=len(header)), source=str(p), location=f"row {i + 2}")
        for i, r in enumerate(rows)
        if len(r) != len(header)
    ]
    dupes = sorted({h for h in header if header.count(h) > 1})
    problems += [Problem.of(msg("columns.repeated_column", column=h), source=str(p)) for h in dupes]
    if problems:
        raise InputError(problems)
    out: dict[str, np.ndarray] = {}
    for j, h in enumerate(header):
        arr = np.empty(len(rows), dtype=object)
        arr[:] = [r[j] if r[j].strip() else None for r in rows]
        out[h.strip()] = arr
    return out


def read_csv_fast(path: str | Path) -> Any:
    """:func:`read_csv`, through pyarrow's CSV reader when pyarrow is installed (several times faster).

    Every column is read as text (nothing is inferred: the same cells as :func:`read_csv`, empty cells missing);
    the result is an Arrow table. Without pyarrow, or when the file is malformed (ragged rows, a repeated column,
    bad UTF-8), the plain reader runs instead, so the problems are reported the same way.
    """
    p = Path(path)
    try:
        pa = importlib.import_module("pyarrow")
        pacsv = importlib.import_module("pyarrow.csv")
    except ImportError:
        return read_csv(p)
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh))
    except (StopIteration, UnicodeDecodeError, csv.Error):
        return read_csv(p)
    names = [h.strip() for h in header]
    if len(set(names)) != len(names) or len(set(header)) != len(header):
        return read_csv(p)
    try:
        table = pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return read_csv(p)
    return table.rename_columns(names)


def _wide_to_long(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One row per school with ``primary.x`` / ``junior.x`` / ``senior.x`` columns → one row per school section."""
    n = next(iter(cols.values())).shape[0] if cols else 0
    prefixed = {s: {k[len(s) + 1 :]: v for k, v in cols.items() if k.startswith(s + ".")} for s in ALL_SECTIONS}
    shared = {k: v for k, v in cols.items() if not any(k.startswith(s + ".") for s in ALL_SECTIONS)}
    parts_rows: list[np.ndarray] = []
    parts_sec: list[str] = []
    for s in ALL_SECTIONS:
        students = prefixed[s].get("students")
        if students is None:
            continue
        present = np.array(
            [not (v is None or (isinstance(v, float) and math.isnan(v)) or v == "") for v in students.tolist()]
        )
        parts_rows.append(np.flatnonzero(present))
        parts_sec.extend([s] * int(present.sum()))
    if not parts_rows:
        raise InputError(Problem.of(msg("columns.no_section_column")))
    rows = np.concatenate(parts_rows)
    out: dict[str, np.ndarray] = {k: v[rows] for k, v in shared.items()}
    out["section"] = np.array(parts_sec, dtype=object)
    fields = sorted({f for s in ALL_SECTIONS for f in prefixed[s]})
    for field in fields:
        pieces = []
        for s, idx in zip([s for s in ALL_SECTIONS if "students" in prefixed[s]], parts_rows, strict=True):
            col = prefixed[s].get(field)
            pieces.append(col[idx] if col is not None else np.full(idx.size, None, dtype=object))
        out[field] = np.concatenate(pieces)
    del n
    # keep the original row numbers for messages: stable order by school row, then section
    order = np.argsort(rows, kind="stable")
    return {k: v[order] for k, v in out.items()} | {"__row__": rows[order]}


def county_to_columns(county: Any) -> dict[str, list[Any]]:
    """Flatten a :class:`County` into the long columnar format (one row per school section), county facts repeated.

    Values are the model's canonical numbers; facts keep their written form (e.g. "良好"). Used to move a county
    from the file format into tables (CSV, DataFrames, batches) without changing any value.
    """
    rows: list[dict[str, Any]] = []
    for school in county.schools:
        base: dict[str, Any] = {
            "county_code": county.code,
            "county_name": county.name,
            "county_year": county.year,
            "county_synthetic": county.synthetic,
            "school_id": school.id,
            "school_name": school.name,
            "school_type": school.type,
            "ownership": school.ownership,
            "location": school.location,
            "boarding": school.boarding,
        }
        for key, value in school.facilities.model_dump().items():
            base[f"facilities.{key}"] = value
        for key, value in school.facts.items():
            _put_fact(base, key, value)
        for key, value in county.facts.items():
            _put_fact(base, key, value)
        for sec_name, sec in school.sections.items():
            row = dict(base)
            row["section"] = sec_name
            row["students"] = sec.students
            row["classes"] = sec.classes
            for key, value in sec.teachers.model_dump().items():
                row[f"teachers.{key}"] = value
            for key, value in sec.facts.items():
                _put_fact(row, key, value)
            rows.append(row)
    names: list[str] = []
    for row in rows:
        for k in row:
            if k not in names:
                names.append(k)
    return {k: [row.get(k) for row in rows] for k in names}


def _put_fact(row: dict[str, Any], key: str, value: Any) -> None:
    if isinstance(value, dict):
        row[key] = value.get("value")
        if value.get("evidence") is not None:
            row[f"{key}.evidence"] = value["evidence"]
    else:
        row[key] = value


def read_table_file(path: Path) -> Any:
    """A CSV or Parquet file as columns (CSV with the fast reader when pyarrow is there)."""
    if path.suffix.lower() == ".csv":
        return read_csv_fast(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        from .._base.optional import require

        pq = require("pyarrow.parquet", "arrow")
        if path.is_dir():  # a directory of parts (as Dask and Spark write them): the dataset reader
            return pq.read_table(path)
        return pq.ParquetFile(path).read()  # one file: without the dataset layer (and the pandas import it makes)
    raise InputError(Problem.of(msg("columns.unknown_format", suffix=path.suffix), source=str(path)))


class TableFileReading:
    """A table file being read by :func:`read_table_file` in a thread of its own, started at once: pyarrow decodes a
    Parquet or CSV file without holding the interpreter lock, so a command loads its pack meanwhile (on two cores).
    :meth:`result` gives what the reader gave, or raises what it raised, where the reading used to be."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._table: Any = None
        self._error: BaseException | None = None
        # a daemon: a command that stops on an error before it needs the table does not wait for the reading
        self._thread = threading.Thread(target=self._read, name="qbalance-read-table", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            self._table = read_table_file(self.path)
        except BaseException as exc:  # handed to the caller of result(), in its thread
            self._error = exc

    def result(self) -> Any:
        """The columns read (the reading waited for)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._table
