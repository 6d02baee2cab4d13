"""Read columnar data (dict of arrays, pandas DataFrame, Arrow table, CSV) into the engine's table, vectorised.

Format: one row per school section (``section`` column: primary, junior, or senior for the senior students of a
complete-middle or twelve-year school), or one row per school with section-prefixed columns (``primary.students``,
``junior.teachers.full_time``...). School-level values (type, facilities, school facts) may be written on every row
of the school (identically) or on one of them; county-level values come from a separate ``counties`` table (one
row per ``county_code``) or from columns that are identical within a county. No pydantic object is built per school:
validation is vectorised and every bad cell is reported (row, column, school, value, message), never dropped.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._base.errors import InputError, Problem, UnitError
from .._base.vocabulary import (
    LOCATION_ZH,
    LOCATIONS,
    OWNERSHIP_ZH,
    OWNERSHIPS,
    SCHOOL_TYPE_ZH,
    SCHOOL_TYPES,
    SECTION_ZH,
)
from .._packs.compile import STRUCTURAL, CompiledPack
from .._units.registry import canonical_factor, parse_quantity
from .models import PLAUSIBLE_MAX, Facilities, TeacherCounts, _show_unit
from .table import ALLOWED_SECTIONS, MAX_SECTION_STUDENTS, Level, Table

__all__ = ["MAX_LISTED_PROBLEMS", "read_csv", "read_csv_fast", "read_table_file", "table_from_columns", "to_columns"]

MAX_LISTED_PROBLEMS = 10_000
ALL_SECTIONS = ("primary", "junior", "senior")
_STRUCT_SCHOOL = ("school_type", "ownership", "location", "boarding")
# fields of the county format with a unit: the same plausibility bounds as in a county file (PLAUSIBLE_MAX)
_TYPED_FIELDS = (
    {f"facilities.{k}" for k in Facilities.model_fields} | {f"teachers.{k}" for k in TeacherCounts.model_fields}
) | {"classes"}
_TEACHER_SUBS = ("teachers.above_qualified", "teachers.backbone", "teachers.pe_art", "teachers.mid_title")
# typed section/school fields of the county format that are not pack inputs but must still be valid if present
_MODEL_SECTION_NUMBERS = {"classes": "class_"} | {f"teachers.{n}": "teacher" for n in ("full_time",)}


_Coded = dict[str, tuple[np.ndarray, list[Any]]]
"""Columns whose reader already factorized them: name → (code of each cell, distinct raw values in order of first
appearance). Arrow text columns come dictionary-encoded, so they need not be factorized again."""


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
        raise InputError(Problem(f"cannot read columns from a {type(data).__name__}: give a dict, DataFrame or Table"))
    out: dict[str, np.ndarray] = {}
    n: int | None = None
    for name, values in items:
        arr = _as_array(values)
        if arr.ndim != 1:
            raise InputError(Problem(f"column {name!r} is not one-dimensional"))
        if n is not None and arr.shape[0] != n:
            raise InputError(Problem(f"column {name!r} has {arr.shape[0]} rows, others have {n}"))
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
        raw = [*enc.dictionary.to_pylist(), None]
        words = np.empty(k + 1, dtype=object)
        words[:] = raw
        idx = enc.indices.fill_null(k).to_numpy(zero_copy_only=False).astype(np.int64)
        present = idx[idx < k]
        run_max = np.maximum.accumulate(present) if present.size else present
        in_order = present.size == 0 or (present[0] == 0 and bool(np.all(np.diff(run_max) <= 1)))
        return words[idx], ((idx, raw) if in_order else None)
    return np.asarray(col.to_numpy(zero_copy_only=False)), None


def read_csv(path: str | Path) -> dict[str, np.ndarray]:
    """Read a UTF-8 CSV file (BOM allowed) into text columns; empty cells become missing values."""
    p = Path(path)
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            try:
                header = next(reader)
            except StopIteration:
                raise InputError(Problem("empty CSV file", source=str(p))) from None
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(
                f"not UTF-8 text (byte {exc.start}): save the file as 'CSV UTF-8' (Excel: 另存为 → CSV UTF-8); "
                "GBK/GB2312 files are not read, to avoid guessing the encoding",
                source=str(p),
            )
        ) from None
    except OSError as exc:
        raise InputError(Problem(f"cannot read file: {exc.strerror}", source=str(p))) from None
    problems = [
        Problem(f"row has {len(r)} cells, the header has {len(header)}", source=str(p), location=f"row {i + 2}")
        for i, r in enumerate(rows)
        if len(r) != len(header)
    ]
    dupes = sorted({h for h in header if header.count(h) > 1})
    problems += [Problem(f"column {h!r} appears more than once", source=str(p)) for h in dupes]
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


class _Problems:
    def __init__(self, source: str | None) -> None:
        self.source = source
        self.items: list[Problem] = []
        self.count = 0
        self.rowmap: np.ndarray | None = None
        """Maps a working row number to the row of the input file (rows are regrouped by school)."""

    def add(self, row: int | None, column: str | None, school: str | None, value: Any, message: str) -> None:
        self.count += 1
        if row is not None and self.rowmap is not None:
            row = int(self.rowmap[row])
        if len(self.items) < MAX_LISTED_PROBLEMS:
            if isinstance(value, np.generic):
                value = value.item()
            self.items.append(
                Problem(
                    message,
                    source=self.source,
                    location=f"row {row + 2}" if row is not None else None,  # +2: 1-based, after the header
                    path=column,
                    school_id=school,
                    field=column,
                    value=value,
                )
            )

    def raise_if_any(self) -> None:
        if self.count:
            items = list(self.items)
            if self.count > len(items):
                items.append(Problem(f"... and {self.count - len(items)} more problems not listed", source=self.source))
            raise InputError(items)


class _Collect(_Problems):
    """A :class:`_Problems` that only gathers (working row, message) pairs, to be reported after deduplication."""

    def __init__(self) -> None:
        super().__init__(None)
        self.raw: list[tuple[int, str]] = []

    def add(self, row: int | None, column: str | None, school: str | None, value: Any, message: str) -> None:
        if row is not None:
            self.raw.append((row, message))


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _clean(v: Any) -> str | None:
    """One cell as stripped text; None for a missing or blank cell."""
    if _is_missing(v):
        return None
    t = v.strip() if isinstance(v, str) else str(v).strip()
    return t or None


def _text(arr: np.ndarray) -> np.ndarray:
    """Strings with missing values as None."""
    codes, uniq = _text_codes(arr)
    out: np.ndarray = np.array([*uniq, None], dtype=object)[codes]
    return out


_EXACT_KEY_TYPES: set[type] = {str, bool, np.bool_, type(None)}


def _raw_codes(arr: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Factorize the cells of a column: codes into the distinct raw values, in order of first appearance.

    Runs at C speed through dicts (no per-cell Python code). Cells that are equal but differ in what they mean
    (1, 1.0 and True; 0.0 and -0.0) are kept apart: when the distinct values are not all text, booleans or missing,
    cells are keyed by type and representation instead.
    """
    values = arr.tolist()
    try:
        uniq = list(dict.fromkeys(values))
        kinds = set(map(type, values))  # of every cell: 1 and True are one dict key, but not the same cell
        exact = kinds <= _EXACT_KEY_TYPES or (
            kinds <= _EXACT_KEY_TYPES | {float} and all(u != u for u in uniq if type(u) is float)
        )
    except TypeError:  # unhashable cells
        exact = False
    if not exact:
        keys = [(type(v), repr(v)) for v in values]
        first = dict(zip(keys, values, strict=True))
        index = {k: i for i, k in enumerate(dict.fromkeys(keys))}
        codes = np.fromiter(map(index.__getitem__, keys), dtype=np.int64, count=len(keys))
        return codes, [first[k] for k in index]
    lookup = dict(zip(uniq, range(len(uniq)), strict=True))
    return np.fromiter(map(lookup.__getitem__, values), dtype=np.int64, count=len(values)), uniq


def _text_codes(arr: np.ndarray, pre: tuple[np.ndarray, list[Any]] | None = None) -> tuple[np.ndarray, list[str]]:
    """Codes of each cell's stripped text in the distinct texts (first-appearance order); -1 for a missing cell.

    ``pre`` is the column already factorized by its reader (codes into raw values in first-appearance order)."""
    if pre is not None:
        raw_codes, raw = pre
    elif arr.dtype.kind in "iub":
        raw_codes, uniq_arr = _factorize(arr)
        raw = uniq_arr.tolist()
    else:
        raw_codes, raw = _raw_codes(arr)
    kinds = set(map(type, raw))
    if kinds <= {str, type(None)}:
        texts = [u for u in raw if u is not None] if type(None) in kinds else raw
        if "" not in texts and list(map(str.strip, texts)) == texts:  # already clean (the usual case)
            if len(texts) == len(raw):
                return raw_codes, texts
            keep = np.array([u is not None for u in raw] + [False])
            renumber = np.where(keep, np.cumsum(keep) - 1, -1)
            return renumber[raw_codes], texts
    final: dict[str, int] = {}
    remap = np.empty(len(raw) + 1, dtype=np.int64)
    remap[-1] = -1
    for j, u in enumerate(raw):
        t = _clean(u)
        remap[j] = -1 if t is None else final.setdefault(t, len(final))
    # the raw values are in order of first appearance, so the texts are too
    return remap[raw_codes] if raw_codes.size else np.zeros(0, dtype=np.int64), list(final)


def _missing_mask(arr: np.ndarray, pre: tuple[np.ndarray, list[Any]] | None = None) -> np.ndarray:
    """Which cells are missing or blank (as opposed to holding a value, valid or not)."""
    if pre is None and arr.dtype.kind in "iub":
        return np.zeros(arr.shape[0], dtype=bool)
    if pre is None and arr.dtype.kind == "f":
        return np.asarray(np.isnan(arr))
    codes, raw = pre if pre is not None else _raw_codes(arr)
    blank = np.array([_clean(u) is None for u in raw] + [True], dtype=bool)
    out: np.ndarray = blank[codes]
    return out


def _has_value(arr: np.ndarray) -> bool:
    """Whether any cell of a column holds a value (not missing, not blank)."""
    if arr.dtype.kind in "iub":
        return bool(arr.size)
    if arr.dtype.kind == "f":
        return bool(np.any(~np.isnan(arr)))
    return any(_clean(v) is not None for v in arr.tolist())


def _factorize(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes in order of first appearance, and the unique keys in that order."""
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[inverse.ravel()].astype(np.int64), uniq[order]


_NOT_PLAIN = re.compile(r"[^0-9.eE+\- \t]")
_FAST_NUMBER_TYPES = {int, float, np.float64, np.int64, type(None)}


def _fast_numbers(arr: np.ndarray) -> np.ndarray | None:
    """Numbers of an object column in one vectorised step when every cell is missing, a plain number, or text
    that is a plain decimal number; None if any cell needs the cell-by-cell reader (units, errors, blanks)."""
    values = arr.tolist()
    kinds = set(map(type, values))
    if kinds <= _FAST_NUMBER_TYPES:
        with np.errstate(invalid="ignore"):
            out = np.array(values, dtype=np.float64)
        return None if np.isinf(out).any() else out
    if kinds <= {str, type(None)}:
        mask = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
        texts = arr[mask].tolist()
        # only digits, signs, points, exponents and spaces: numpy then reads exactly what parse_quantity would
        if _NOT_PLAIN.search("".join(texts)):
            return None
        try:
            parsed = np.array(texts, dtype=np.float64)
        except ValueError:
            return None
        out = np.full(len(values), np.nan)
        out[mask] = parsed
        return None if np.isinf(parsed).any() else out
    return None


def _numbers(
    arr: np.ndarray, unit: str, name: str, probs: _Problems, school_of_row: np.ndarray | None, ids: np.ndarray | None
) -> np.ndarray:
    """A numeric column in base units; strings with units are parsed cell by cell; bad cells are reported."""
    if arr.dtype.kind in "iuf":
        values = arr.astype(np.float64)
        bad = np.isinf(values)
    elif arr.dtype.kind == "b":
        values = np.full(arr.shape[0], np.nan)
        bad = np.ones(arr.shape[0], dtype=bool)
    else:
        fast = _fast_numbers(arr) if arr.dtype == object else None
        if fast is not None:
            return fast * canonical_factor(unit)
        values = np.full(arr.shape[0], np.nan)
        bad = np.zeros(arr.shape[0], dtype=bool)
        parsed: dict[str, float | str] = {}  # text → value, or the error message
        for i, v in enumerate(arr.tolist()):
            if _is_missing(v):
                continue
            if isinstance(v, bool):
                bad[i] = True
                continue
            if isinstance(v, (int, float)):
                values[i] = float(v)
                bad[i] = not math.isfinite(values[i])
                continue
            text = str(v).strip()
            if text == "":
                continue
            if text not in parsed:
                try:
                    parsed[text] = parse_quantity(text, unit, allow_plain_string=True)
                except UnitError as exc:
                    parsed[text] = str(exc)
            got = parsed[text]
            if isinstance(got, str):
                probs.add(i, name, _sid(ids, school_of_row, i), v, got)
            else:
                values[i] = got
        factor = canonical_factor(unit)
        values = values * factor
        for j in np.flatnonzero(bad):
            probs.add(int(j), name, _sid(ids, school_of_row, int(j)), arr[j], "not a finite number")
        return values
    for j in np.flatnonzero(bad):
        probs.add(int(j), name, _sid(ids, school_of_row, int(j)), arr[j], "not a finite number")
    values[bad] = np.nan
    return values * canonical_factor(unit)


def _sid(ids: np.ndarray | None, school_of_row: np.ndarray | None, row: int) -> str | None:
    if ids is None:
        return None
    v = ids[row]
    return None if v is None else str(v)


def _categorical(
    arr: np.ndarray,
    domain: tuple[str, ...],
    synonyms: Mapping[str, str],
    name: str,
    probs: _Problems,
    ids: np.ndarray,
    pre: tuple[np.ndarray, list[Any]] | None = None,
) -> np.ndarray:
    codes, uniq = _text_codes(arr, pre)
    mapped = np.array(
        [float(domain.index(synonyms.get(u, u))) if synonyms.get(u, u) in domain else np.nan for u in uniq] + [np.nan]
    )
    out: np.ndarray = mapped[codes]
    rows = np.flatnonzero((codes >= 0) & np.isnan(out))
    if rows.size:
        allowed = ", ".join(domain) + (f" (or {', '.join(synonyms)})" if synonyms else "")
        for r in rows:
            probs.add(int(r), name, _sid(ids, None, int(r)), arr[r], f"not one of {allowed}")
    return out


def _flag_value(v: Any) -> float | None:
    """1.0/0.0 for a yes/no cell, NaN for a missing one, None for a cell that is not a flag."""
    if _is_missing(v):
        return np.nan
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, str):
        t = v.strip().lower()
        if t in ("true", "false"):
            return 1.0 if t == "true" else 0.0
        if t == "":
            return np.nan
    return None


def _flags(arr: np.ndarray, name: str, probs: _Problems, ids: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "b":
        return arr.astype(np.float64)
    codes, uniq = _raw_codes(arr)
    mapped = [_flag_value(u) for u in uniq]
    out: np.ndarray = np.array([np.nan if m is None else m for m in mapped] + [np.nan])[codes]
    bad = np.array([m is None for m in mapped] + [False])[codes]
    for i in np.flatnonzero(bad):
        probs.add(int(i), name, _sid(ids, None, int(i)), arr[i], "write true or false")
    return out


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
        raise InputError(Problem("no section column and no primary.students / junior.students columns"))
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


def table_from_columns(
    data: Any,
    cp: CompiledPack,
    *,
    counties: Any = None,
    source: str | None = None,
    county_code: str | None = None,
    county_name: str | None = None,
    counties_source: str | None = None,
) -> Table:
    """Build the engine's table from columnar data, validating every cell; raises InputError listing the problems."""
    cols, coded = _read_columns(data)
    if "section" not in cols:
        try:
            cols, coded = _wide_to_long(cols), {}
        except InputError as exc:
            raise InputError([dataclasses.replace(p, source=p.source or source) for p in exc.problems]) from None
    row_no = cols.pop("__row__", None)
    n = next(iter(cols.values())).shape[0] if cols else 0
    probs = _Problems(source)
    probs.rowmap = row_no
    if n == 0:
        raise InputError(Problem("the table has no rows", source=source))
    for required in ("school_id", "school_type", "ownership", "location", "section", "students"):
        if required not in cols:
            probs.add(None, required, None, None, "required column is missing")
    if "county_code" not in cols:
        if county_code is None:
            probs.add(None, "county_code", None, None, "required column is missing (or give county_code=)")
        else:
            cols["county_code"] = np.full(n, county_code, dtype=object)
    probs.raise_if_any()

    # row order: by county (first appearance), school (first appearance), section
    id_codes, id_uniq = _text_codes(cols["school_id"], coded.get("school_id"))
    cc_codes, cc_uniq = _text_codes(cols["county_code"], coded.get("county_code"))
    ids = np.array([*id_uniq, None], dtype=object)[id_codes]
    for i in np.flatnonzero(id_codes < 0):
        probs.add(int(i), "school_id", None, None, "school id is missing")
    for i in np.flatnonzero(cc_codes < 0):
        probs.add(int(i), "county_code", _sid(ids, None, int(i)), None, "county code is missing")
    probs.raise_if_any()
    county_idx = cc_codes
    county_keys = np.array(cc_uniq, dtype=object)
    school_idx, _ = _factorize(county_idx * max(len(id_uniq), 1) + id_codes)
    sec_code = _categorical(cols["section"], ALL_SECTIONS, SECTION_ZH, "section", probs, ids, coded.get("section"))
    probs.raise_if_any()
    sec_code_i = sec_code.astype(np.int64)
    # counties may be interleaved in the input: group rows by county, then school, then section
    n_keys = int(school_idx.max()) + 1 if school_idx.size else 1
    key = (county_idx * n_keys + school_idx) * 3 + sec_code_i
    order = np.arange(key.size)
    if bool(np.any(key[1:] < key[:-1])):  # not yet grouped (usually it is, and nothing moves)
        order = np.argsort(key, kind="stable")
        cols = {k: v[order] for k, v in cols.items()}
        coded = {k: (codes[order], raw) for k, (codes, raw) in coded.items()}
        ids, county_idx, school_idx, sec_code_i = ids[order], county_idx[order], school_idx[order], sec_code_i[order]
    new_school = np.r_[True, school_idx[1:] != school_idx[:-1]] if school_idx.size else np.zeros(0, dtype=bool)
    school_idx = np.cumsum(new_school) - 1  # schools numbered in row order
    probs.rowmap = (row_no[order] if row_no is not None else order).astype(np.int64)

    def rowpos(i: int) -> int:
        return i  # probs maps working rows back to input rows

    # duplicates (school, section)
    key = school_idx * 3 + sec_code_i
    dup = np.flatnonzero(np.r_[False, key[1:] == key[:-1]])
    for i in dup:
        probs.add(
            rowpos(int(i)), "section", str(ids[i]), ALL_SECTIONS[sec_code_i[i]], "duplicate school id and section"
        )

    n_school = int(school_idx.max()) + 1
    starts = np.flatnonzero(np.r_[True, school_idx[1:] != school_idx[:-1]])
    school_county = county_idx[starts]
    school_ids: list[str] = ids[starts].tolist()  # cleaned text already
    names_col = _text(cols["school_name"][starts]) if "school_name" in cols else None

    def per_school(values: np.ndarray, name: str, kind: str = "number") -> np.ndarray:
        """The one value of a school-level column for each school; disagreeing rows are reported."""
        v = values.astype(np.float64)
        filled = np.where(np.isnan(v), np.inf, v)
        lo = np.minimum.reduceat(filled, starts)
        filled2 = np.where(np.isnan(v), -np.inf, v)
        hi = np.maximum.reduceat(filled2, starts)
        conflict = np.isfinite(lo) & np.isfinite(hi) & (lo != hi)
        for s in np.flatnonzero(conflict):
            probs.add(
                rowpos(int(starts[s])),
                name,
                school_ids[s],
                None,
                "the rows of this school disagree on a school-level value",
            )
        return np.where(np.isfinite(lo), lo, np.nan)

    # structural school columns
    school_cols: dict[str, np.ndarray] = {}
    domains = {
        "school_type": (SCHOOL_TYPES, SCHOOL_TYPE_ZH),
        "ownership": (OWNERSHIPS, OWNERSHIP_ZH),
        "location": (LOCATIONS, LOCATION_ZH),
    }
    for name, (domain, syn) in domains.items():
        codes = _categorical(cols[name], domain, syn, name, probs, ids, coded.get(name))
        school_cols[name] = per_school(codes, name)
        written = np.bincount(school_idx, weights=~_missing_mask(cols[name], coded.get(name)), minlength=n_school)
        for s in np.flatnonzero(np.isnan(school_cols[name]) & (written == 0)):  # a bad value was reported above
            probs.add(rowpos(int(starts[s])), name, school_ids[s], None, "missing")
    school_cols["boarding"] = (
        per_school(_flags(cols["boarding"], "boarding", probs, ids), "boarding")
        if "boarding" in cols
        else np.full(n_school, np.nan)
    )

    students = _numbers(cols["students"], "student", "students", probs, school_idx, ids)
    for i in np.flatnonzero(np.isnan(students) & _missing_mask(cols["students"])):
        probs.add(rowpos(int(i)), "students", str(ids[i]), cols["students"][i], "students is required")
    for i in np.flatnonzero(students < 0):
        probs.add(rowpos(int(i)), "students", str(ids[i]), students[i], "must not be negative")
    for i in np.flatnonzero((students % 1 != 0) & ~np.isnan(students)):
        probs.add(rowpos(int(i)), "students", str(ids[i]), students[i], "must be a whole number")
    for i in np.flatnonzero(students > MAX_SECTION_STUDENTS):
        probs.add(
            rowpos(int(i)),
            "students",
            str(ids[i]),
            students[i],
            f"implausible enrolment (more than {MAX_SECTION_STUDENTS})",
        )

    # sections allowed by type
    has = np.zeros((n_school, 3), dtype=bool)
    has[school_idx, sec_code_i] = True
    stype = school_cols["school_type"]
    for ti, tname in enumerate(SCHOOL_TYPES):
        must, may = ALLOWED_SECTIONS[tname]
        of_type = stype == ti
        for si, sname in enumerate(ALL_SECTIONS):
            if sname in must:
                for s in np.flatnonzero(of_type & ~has[:, si]):
                    probs.add(
                        rowpos(int(starts[s])),
                        "section",
                        school_ids[s],
                        None,
                        f"a {tname} school needs a {sname} section",
                    )
            if sname not in may:
                for s in np.flatnonzero(of_type & has[:, si]):
                    probs.add(
                        rowpos(int(starts[s])),
                        "section",
                        school_ids[s],
                        sname,
                        f"a {tname} school cannot have a {sname} section",
                    )

    # pack inputs
    pack = cp.pack
    inputs = {k: d for k, d in pack.inputs.items() if k not in STRUCTURAL}
    section_rows = np.isin(sec_code_i, [ALL_SECTIONS.index(s) for s in pack.sections])
    section_cols: dict[str, np.ndarray] = {}
    county_cols: dict[str, np.ndarray] = {}
    evidence: dict[tuple[str, str], dict[int, str]] = {}
    n_county = len(county_keys)
    ctab = to_columns(counties) if counties is not None else None
    cprobs = _Problems(counties_source or ("counties" if source is None else f"{source} (counties)"))
    ctab_idx = None
    unused_codes: list[str] = []
    if ctab is not None:
        if "county_code" not in ctab:
            cprobs.add(None, "county_code", None, None, "the counties table needs a county_code column")
        else:
            ccode_t = _text(ctab["county_code"]).astype(str)
            lookup: dict[str, int] = {}
            for crow, code in enumerate(ccode_t.tolist()):
                if code in lookup:
                    cprobs.add(
                        crow, "county_code", None, code, f"county code repeated (first in row {lookup[code] + 2})"
                    )
                else:
                    lookup[code] = crow
            ctab_idx = np.array([lookup.get(str(c), -1) for c in county_keys.tolist()])
            known_codes = {str(c) for c in county_keys.tolist()}
            unused_codes = [code for code in lookup if code not in known_codes]
    scales = pack.scales
    for name, decl in inputs.items():
        if decl.level == "county":
            if ctab is not None and ctab_idx is not None and name in ctab:
                vals_t = _read_input(ctab[name], decl, name, cprobs, None, scales)
                vals = np.where(ctab_idx >= 0, vals_t[np.maximum(ctab_idx, 0)], np.nan)
                if name in cols:  # given twice: the two must agree, never one silently winning
                    in_rows = _read_input(cols[name], decl, name, _Collect(), None, scales)
                    row_val = vals[county_idx]
                    clash = ~np.isnan(in_rows) & ~np.isnan(row_val) & (in_rows != row_val)
                    for r in np.flatnonzero(clash)[:1]:
                        probs.add(
                            rowpos(int(r)),
                            name,
                            None,
                            cols[name][r],
                            "differs from the counties table's value for this county; give it in one place",
                        )
            elif name in cols:
                # a county value repeated on every row: a bad one is reported once per county, as written, with
                # no school (it is not a school's value)
                found = _Collect()
                vals_rows = _read_input(cols[name], decl, name, found, None, scales)
                reported: set[tuple[int, str]] = set()
                for row, message in found.raw:
                    key = (int(county_idx[row]), message)
                    if row is not None and key not in reported:
                        reported.add(key)
                        probs.add(rowpos(row), name, None, cols[name][row], message)
                cstarts = np.flatnonzero(np.r_[True, county_idx[1:] != county_idx[:-1]])
                lo = np.minimum.reduceat(np.where(np.isnan(vals_rows), np.inf, vals_rows), cstarts)
                hi = np.maximum.reduceat(np.where(np.isnan(vals_rows), -np.inf, vals_rows), cstarts)
                cends = np.r_[cstarts[1:], county_idx.size]
                for c in np.flatnonzero(np.isfinite(lo) & np.isfinite(hi) & (lo != hi)):
                    rows = np.arange(cstarts[c], cends[c])
                    known = rows[~np.isnan(vals_rows[rows])]
                    first = int(known[0])
                    other = int(known[np.flatnonzero(vals_rows[known] != vals_rows[first])[0]])
                    first_no = int(probs.rowmap[first]) + 2 if probs.rowmap is not None else first + 2
                    probs.add(
                        rowpos(other),
                        name,
                        None,
                        cols[name][other],
                        f"the rows of this county disagree on a county-level value: {cols[name][first]!r} in row "
                        f"{first_no}",
                    )
                vals = np.where(np.isfinite(lo), lo, np.nan)
            else:
                vals = np.full(n_county, np.nan)
            county_cols[name] = vals
        elif decl.level == "school":
            if name in cols:
                vals_rows = _read_input(cols[name], decl, name, probs, ids, scales)
                school_cols[name] = per_school(vals_rows, name)
            else:
                school_cols[name] = np.full(n_school, np.nan)
        else:
            if name in cols:
                section_cols[name] = _read_input(cols[name], decl, name, probs, ids, scales)[section_rows]
            else:
                section_cols[name] = np.full(int(section_rows.sum()), np.nan)
        ev = f"{name}.evidence"
        if ev in cols:
            notes = _text(cols[ev])
            level_idx = {"county": county_idx, "school": school_idx, "section": None}[decl.level]
            section_pos = np.cumsum(section_rows) - 1
            for i in np.flatnonzero(notes != None):  # noqa: E711 - elementwise comparison
                if level_idx is None:
                    if section_rows[i]:
                        evidence.setdefault(("section", name), {})[int(section_pos[i])] = str(notes[i])
                else:
                    evidence.setdefault((decl.level, name), {})[int(level_idx[i])] = str(notes[i])

    # teacher sub-counts must not exceed full-time teachers (when both are given)
    if "teachers.full_time" in cols:
        ft_probs = _Problems(None) if "teachers.full_time" in inputs else probs  # a pack input: reported above
        ft = _numbers(cols["teachers.full_time"], "teacher", "teachers.full_time", ft_probs, school_idx, ids)
        for sub in _TEACHER_SUBS:
            if sub in cols:
                sv = _numbers(cols[sub], "teacher", sub, _Problems(None), school_idx, ids)  # reported above
                for i in np.flatnonzero(sv > ft):
                    probs.add(rowpos(int(i)), sub, str(ids[i]), sv[i], f"exceeds full-time teachers ({ft[i]:g})")
    probs.items.extend(cprobs.items)
    probs.count += cprobs.count
    probs.raise_if_any()

    # senior students (apportionment only)
    senior = np.zeros(n_school)
    srows = sec_code_i == 2
    senior[school_idx[srows]] = students[srows]

    school_cols["senior_students"] = senior
    section_cols["section"] = sec_code_i[section_rows].astype(np.float64)
    section_cols["students"] = students[section_rows]
    names = list(school_ids)
    if names_col is not None:
        named = names_col != None  # noqa: E711 - elementwise comparison
        names = np.where(named, names_col, np.array(school_ids, dtype=object)).tolist()
    cstarts = np.flatnonzero(np.r_[True, county_idx[1:] != county_idx[:-1]])
    cnames_col = _text(cols["county_name"][cstarts]) if "county_name" in cols else None
    county_names = [
        str(cnames_col[k])
        if cnames_col is not None and cnames_col[k] is not None
        else (county_name or str(county_keys[k]))
        for k in range(len(cstarts))
    ]
    known = (
        set(inputs)
        | {f"{k}.evidence" for k in inputs}
        | {
            "county_code",
            "county_name",
            "county_year",
            "county_synthetic",
            "school_id",
            "school_name",
            "section",
            "students",
            *_STRUCT_SCHOOL,
        }
    )
    warnings = [
        Problem(f"column {c!r} is not an input of pack {pack.id}; it is not used", source=source, field=c)
        for c in cols
        if c not in known and _has_value(cols[c])
    ]
    if unused_codes:
        shown = ", ".join(unused_codes[:10]) + (f" … ({len(unused_codes)} in all)" if len(unused_codes) > 10 else "")
        warnings.append(
            Problem(
                f"the counties table has counties with no school in the table (not evaluated): {shown}",
                source=counties_source,
                field="county_code",
            )
        )
    sec_county = county_idx[section_rows]
    sec_ids = ids[section_rows]
    sec_names = np.array(ALL_SECTIONS, dtype=object)[sec_code_i[section_rows]]
    for i in np.flatnonzero(section_cols["students"] == 0):
        warnings.append(
            Problem(
                "section has no students: it is left out of every per-student indicator",
                source=source,
                path=f"{sec_ids[i]}.sections.{sec_names[i]}.students",
                school_id=str(sec_ids[i]),
                field=f"sections.{sec_names[i]}.students",
                value=0,
                extra={"county": int(sec_county[i])},
            )
        )
    # senior-section data other than students is not read (as on the county-file path, say so)
    senior_data = ["classes", *(f"teachers.{k}" for k in TeacherCounts.model_fields)]  # the county-file order
    senior_data += [c for c, d in inputs.items() if d.level == "section" and not c.startswith("teachers.")]
    senior_data = [c for c in dict.fromkeys(senior_data) if c in cols]
    for i in np.flatnonzero(srows):
        ignored = [
            (c if c == "classes" or c.startswith("teachers.") else f"facts.{c}")
            for c in senior_data
            if _has_value(np.asarray(cols[c][i : i + 1]))
        ]
        if ignored:
            warnings.append(
                Problem(
                    f"ignored: senior section data ({', '.join(ignored)}) is not used by compulsory-education "
                    "indicators; only the senior students are read, to apportion shared facilities",
                    source=source,
                    path=f"{ids[i]}.sections.senior",
                    school_id=str(ids[i]),
                    field="sections.senior",
                    extra={"county": int(county_idx[i])},
                )
            )
    ft_col = section_cols.get("teachers.full_time")
    if ft_col is not None:
        for i in np.flatnonzero((ft_col == 0) & (section_cols["students"] > 0)):
            warnings.append(
                Problem(
                    "section has students but no full-time teachers",
                    source=source,
                    path=f"{sec_ids[i]}.sections.{sec_names[i]}.teachers.full_time",
                    school_id=str(sec_ids[i]),
                    field=f"sections.{sec_names[i]}.teachers.full_time",
                    value=0,
                    extra={"county": int(sec_county[i])},
                )
            )
    table = Table(
        warnings=warnings,
        county_codes=[str(c) for c in county_keys.tolist()],
        county_names=county_names,
        school_ids=school_ids,
        school_names=names,
        levels={
            "county": Level(n_county, None, county_cols),
            "school": Level(n_school, school_county.astype(np.int64), school_cols),
            "section": Level(int(section_rows.sum()), school_idx[section_rows].astype(np.int64), section_cols),
        },
        evidence=evidence,
        meta=[
            {
                "code": str(c),
                "name": nm,
                "year": _county_value(cols, "county_year", int(s), int),
                "synthetic": bool(_county_value(cols, "county_synthetic", int(s), _truthy) or False),
            }
            for c, nm, s in zip(county_keys.tolist(), county_names, cstarts, strict=True)
        ],
    )
    return table


def _truthy(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() == "true"
    return bool(v)


def _county_value(cols: dict[str, np.ndarray], name: str, row: int, conv: Any) -> Any:
    if name not in cols:
        return None
    v = cols[name][row]
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return conv(v)


def _read_input(
    raw: np.ndarray, decl: Any, name: str, probs: _Problems, ids: np.ndarray | None, scales: Any
) -> np.ndarray:
    """One pack-declared input column in engine form, with the pack's range and whole-number checks."""
    if decl.type == "number":
        vals = _numbers(raw, decl.unit, name, probs, None, ids)
        factor = canonical_factor(decl.unit)
        shown = vals / factor
        plain = decl.unit.strip() in ("", "1", "dimensionless")
        unit_text = "" if plain else f" {decl.unit}"  # the same messages as for a county file
        hint = " (a share is written 0.85 or '85%')" if plain and decl.max is not None and decl.max <= 1 else ""
        if decl.min is not None:
            for i in np.flatnonzero(shown < decl.min):
                probs.add(int(i), name, _sid(ids, None, int(i)), shown[i], f"must be at least {decl.min:g}{unit_text}")
        if decl.max is not None:
            for i in np.flatnonzero(shown > decl.max):
                probs.add(
                    int(i), name, _sid(ids, None, int(i)), shown[i], f"must be at most {decl.max:g}{unit_text}{hint}"
                )
        if decl.integer:
            for i in np.flatnonzero((shown % 1 != 0) & ~np.isnan(shown)):
                probs.add(int(i), name, _sid(ids, None, int(i)), shown[i], "must be a whole number")
        limit = PLAUSIBLE_MAX.get(decl.unit) if name in _TYPED_FIELDS else None
        if limit is not None:
            for i in np.flatnonzero(shown > limit):
                probs.add(
                    int(i),
                    name,
                    _sid(ids, None, int(i)),
                    shown[i],
                    f"implausibly large (more than {limit:,.0f} {_show_unit(decl.unit)} for one school): "
                    "check the value and its unit",
                )
        return vals
    if decl.type == "flag":
        return _flags(raw, name, probs, ids if ids is not None else np.full(raw.shape[0], None))
    if decl.type == "rating":
        scale = scales[decl.scale]
        syn = {}
        for lid, label in scale.labels.items():
            syn[label.zh] = lid
            if label.en:
                syn[label.en] = lid
        return _categorical(
            raw, tuple(scale.levels), syn, name, probs, ids if ids is not None else np.full(raw.shape[0], None)
        )
    return _categorical(
        raw, tuple(decl.categories or ()), {}, name, probs, ids if ids is not None else np.full(raw.shape[0], None)
    )


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
        return pq.read_table(path)
    raise ValueError(f"unknown table format {path.suffix!r}: use .csv or .parquet")
