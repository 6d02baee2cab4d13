"""Reading the cells of one column, vectorised: text codes, numbers (with units), categories and yes/no flags.

Every bad cell is reported to a :class:`_Problems` collector (row, column, school, value, message), never dropped.
Columns are factorized first, so each distinct cell is parsed once, whatever the number of rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._base.errors import InputError, Problem, UnitError
from .._base.messages import Msg, msg
from .._units.registry import canonical_factor, parse_quantity
from .column_sources import ArrowWords
from .habits import grouped_number

MAX_LISTED_PROBLEMS = 10_000


class TableProblems(InputError):
    """The problems of a table, knowing the county of each of them (also of those not listed)."""

    def __init__(self, problems: list[Problem], county_codes: frozenset[str]) -> None:
        super().__init__(problems)
        self.county_codes = county_codes
        """The county code of every problem found (listed or not) that belongs to a county."""


class _Problems:
    def __init__(self, source: str | None) -> None:
        self.source = source
        self.items: list[Problem] = []
        self.count = 0
        self.rowmap: np.ndarray | None = None
        """Maps a working row number to the row of the input file (rows are regrouped by school)."""
        self.labels: dict[str, dict[str, str]] = {}
        """The pack's label of each column that is a pack input, for the problems' field names."""
        self.county_column: tuple[np.ndarray, np.ndarray | None] | None = None
        """The county code column and the input row of each of its cells (None: the same rows), when known."""
        self._county_of_input: np.ndarray | None = None
        self.county_codes: set[str] = set()
        self.table = "rows"
        """Which table the rows are of: ``rows`` (the schools' rows) or ``counties`` (the counties table)."""

    def county_of(self, input_row: int) -> str | None:
        """The county code written on an input row (None when it has none, or when the codes are not known)."""
        if self.county_column is None:
            return None
        if self._county_of_input is None:
            col, rows = self.county_column
            codes = _text(col)
            if rows is not None:
                by_row = np.full(int(rows.max()) + 1 if rows.size else 0, None, dtype=object)
                by_row[rows] = codes
                codes = by_row
            self._county_of_input = codes
        if input_row >= self._county_of_input.shape[0]:
            return None
        code = self._county_of_input[input_row]
        return None if code is None else str(code)

    def add(
        self,
        row: int | None,
        column: str | None,
        school: str | None,
        value: Any,
        message: Msg,
        *,
        county: str | None = None,
    ) -> None:
        """Report a problem of a cell (``row`` None: of a whole column); ``county``: the county (or counties,
        comma-separated) it belongs to when its row does not say (a row without a county code)."""
        self.count += 1
        if row is not None and self.rowmap is not None:
            row = int(self.rowmap[row])
        code = county if county is not None else self.county_of(row) if row is not None else None
        if code is not None:
            self.county_codes.update(code.split(", ") if county is not None else (code,))
        if len(self.items) < MAX_LISTED_PROBLEMS:
            if isinstance(value, np.generic):
                value = value.item()
            self.items.append(
                Problem.of(
                    message,
                    source=self.source,
                    location=f"row {row + 2}" if row is not None else None,  # +2: 1-based, after the header
                    path=column,
                    school_id=school,
                    field=column,
                    value=value,
                    label=self.labels.get(column or ""),
                    extra={"county_code": code, "row": row + 2 if row is not None else None, "table": self.table},
                )
            )

    def absorb(self, other: _Problems) -> None:
        """Take over the problems of another collector (a counties table's), after this one's."""
        self.items.extend(other.items[: max(0, MAX_LISTED_PROBLEMS - len(self.items))])
        self.count += other.count
        self.county_codes |= other.county_codes

    def raise_if_any(self) -> None:
        if self.count:
            items = list(self.items)
            if self.count > len(items):
                items.append(Problem.of(msg("data.more_problems", n=self.count - len(items)), source=self.source))
            raise TableProblems(items, frozenset(self.county_codes))


class _Collect(_Problems):
    """A :class:`_Problems` that only gathers (working row, message) pairs, to be reported after deduplication."""

    def __init__(self) -> None:
        super().__init__(None)
        self.raw: list[tuple[int, Msg]] = []

    def add(
        self,
        row: int | None,
        column: str | None,
        school: str | None,
        value: Any,
        message: Msg,
        *,
        county: str | None = None,
    ) -> None:
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


def _text_present(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Strings with missing values as None (as :func:`_text`), and which cells hold a string."""
    codes, uniq = _text_codes(arr)
    out: np.ndarray = np.array([*uniq, None], dtype=object)[codes]
    return out, codes >= 0


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
    if isinstance(raw, ArrowWords):  # text, then the null: only whether the text is clean is left to look at
        texts = raw[:-1]
        if _clean_already(texts):
            return np.where(raw_codes == len(texts), -1, raw_codes), texts
    kinds = set(map(type, raw))
    if kinds <= {str, type(None)}:
        texts = [u for u in raw if u is not None] if type(None) in kinds else raw
        if _clean_already(texts):  # the usual case
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


def _clean_already(texts: list[str]) -> bool:
    """Whether distinct texts are already what :func:`_clean` makes of them: none blank, none padded."""
    return "" not in texts and list(map(str.strip, texts)) == texts


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
    """Codes in order of first appearance, and the unique keys in that order. Keys already in order (a table
    written county by county, school by school) are numbered by their runs, without a sort."""
    if keys.size and keys.dtype.kind in "iu" and bool(np.all(keys[1:] >= keys[:-1])):
        new = np.empty(keys.size, dtype=bool)
        new[0] = True
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
        return np.cumsum(new) - 1, keys[new]
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
        joined = "".join(texts)
        if "," in joined:  # thousands separators, as spreadsheets write them: each distinct text checked once
            texts = _ungrouped(texts)
            if texts is None:
                return None
            joined = "".join(texts)
        # only digits, signs, points, exponents and spaces: numpy then reads exactly what parse_quantity would
        if _NOT_PLAIN.search(joined):
            return None
        try:
            parsed = np.array(texts, dtype=np.float64)
        except ValueError:
            return None
        out = np.full(len(values), np.nan)
        out[mask] = parsed
        return None if np.isinf(parsed).any() else out
    return None


def _ungrouped(texts: list[str]) -> list[str] | None:
    """The texts with their thousands separators removed when every text with a comma is a validly grouped number
    (``5,600``); None when one is not (``5,60``, ``4,500 m²``), for the cell-by-cell reader to read or report."""
    plain: dict[str, str] = {}
    for t in dict.fromkeys(texts):
        if "," in t:
            number = grouped_number(t)
            if number is None:
                return None
            plain[t] = t.replace(",", "")
    return [plain.get(t, t) for t in texts]


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
        parsed: dict[str, float | Msg] = {}  # text → value, or the error message
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
                    parsed[text] = exc.msg or msg("data.invalid", detail=str(exc))
            got = parsed[text]
            if isinstance(got, Msg):
                probs.add(i, name, _sid(ids, school_of_row, i), v, got)
            else:
                values[i] = got
        factor = canonical_factor(unit)
        values = values * factor
        for j in np.flatnonzero(bad):
            probs.add(int(j), name, _sid(ids, school_of_row, int(j)), arr[j], msg("units.not_finite"))
        return values
    for j in np.flatnonzero(bad):
        probs.add(int(j), name, _sid(ids, school_of_row, int(j)), arr[j], msg("units.not_finite"))
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
        message = msg("columns.not_one_of", allowed=allowed, allowed_zh=_names_zh(domain, synonyms))
        for r in rows:
            probs.add(int(r), name, _sid(ids, None, int(r)), arr[r], message)
    return out


def _names_zh(domain: tuple[str, ...], synonyms: Mapping[str, str]) -> str:
    """The values of a category as a Chinese reader writes them: each by its Chinese name when it has one."""
    chinese: dict[str, str] = {}
    for word, value in synonyms.items():
        if value not in chinese and not word.isascii():
            chinese[value] = word
    return "、".join(chinese.get(v, v) for v in domain)


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
        probs.add(int(i), name, _sid(ids, None, int(i)), arr[i], msg("columns.write_bool"))
    return out


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
