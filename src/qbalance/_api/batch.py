"""Evaluate many counties at once from one columnar table, and read the results back as tables or reports."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .._base.arrow_buffers import numpy_to_arrow, strings_to_arrow
from .._base.errors import InputError, Problem
from .._base.messages import msg
from .._base.text import spreadsheet_safe
from .._base.vocabulary import SECTIONS
from .._data.column_sources import TableFileReading
from .._data.columns import read_table_file, table_from_columns, table_of_good_counties
from .._data.previous import PreviousData
from .._data.table import Table, build_table
from .._engine.evaluate import Results
from .lookback import previous_of_table
from .standard import Standard, load_standard

if TYPE_CHECKING:  # the report layer is imported when a county's report is asked for, not for a batch's tables
    from .._report.report import Report

__all__ = ["PROBLEM_COLUMNS", "BatchResult", "evaluate_many"]

OnError = Literal["raise", "skip"]
ON_ERROR = ("raise", "skip")
PROBLEM_COLUMNS = ("county_code", "row", "school_id", "field", "value", "message", "key")
"""The columns of the problems table (``problems.csv``) of ``on_error="skip"``."""


_STATUS_WORDS = np.array(["not_evaluated", "pass", "fail", "not_applicable", "incomplete"], dtype=object)
_NOT_APPLICABLE, _INCOMPLETE = 3, 4


@dataclass(frozen=True)
class _Coded:
    """A text column kept as codes into its few distinct words (statuses; ids repeated on every section row) until it
    is written: Parquet takes the words by code in Arrow, CSV makes each distinct cell once."""

    codes: np.ndarray
    words: np.ndarray
    """An object array of str (or None for a missing cell)."""

    def array(self) -> np.ndarray:
        out: np.ndarray = self.words[self.codes]
        return out


Column = np.ndarray | _Coded


def _status_codes(values: np.ndarray) -> np.ndarray:
    """1.0 → "pass", 0.0 → "fail", anything else (NaN) → "not_evaluated", as codes into ``_STATUS_WORDS``."""
    out: np.ndarray = (values == 1.0).view(np.int8) + 2 * (values == 0.0).view(np.int8)
    return out


def _status(codes: np.ndarray) -> _Coded:
    return _Coded(codes, _STATUS_WORDS)


def _materialized(cols: dict[str, Column]) -> dict[str, np.ndarray]:
    """The columns as arrays a caller may change: codes made words, and a value the same on every row (kept by the
    engine as one number seen on every row, read-only) made a column of its own."""
    return {k: v.array() if isinstance(v, _Coded) else v if v.flags.writeable else v.copy() for k, v in cols.items()}


@dataclass
class BatchResult:
    """Results for every county of a batch: tables for systems, and the full report of any one county."""

    standard: Standard
    table: Table
    results: Results
    problems: list[Problem] = field(default_factory=list)
    """With ``on_error="skip"``: the input problems of the counties left out (each naming its county and row)."""
    skipped: list[str] = field(default_factory=list)
    """With ``on_error="skip"``: the codes of the counties left out because their data has a problem."""
    on_error: OnError = "raise"

    @property
    def county_codes(self) -> list[str]:
        return list(self.table.county_codes)

    def counties(self) -> dict[str, np.ndarray]:
        """One row per county: verdict, area and item statuses, and each indicator's CV and county value."""
        return _materialized(self._county_columns())

    def schools(self) -> dict[str, np.ndarray]:
        """One row per school section: ids, students, scope, each indicator's value and met flag, k-of-n result."""
        return _materialized(self._school_columns())

    def _county_columns(self) -> dict[str, Column]:
        r = self.results
        out: dict[str, Column] = {
            "county_code": np.array(self.table.county_codes, dtype=object),
            "county_name": np.array(self.table.county_names, dtype=object),
        }
        v = r.verdict
        verdict = _status_codes(v)
        verdict[verdict == 0] = _INCOMPLETE
        out["verdict"] = _status(verdict)
        for area, status in r.areas.items():
            out[f"area.{area}"] = _status(_status_codes(status))
        n_c = v.shape[0]
        for item, arr in r.items.items():
            codes = _status_codes(arr.status)
            if r.pack.items[item].spec.kind == "every" and arr.applicable is not None and arr.row_level:
                county_of = self.table.ancestor("county", arr.row_level)
                subject = np.bincount(county_of[arr.applicable], minlength=n_c) > 0
                codes[~subject] = _NOT_APPLICABLE  # no school (section) of the county is subject to the item
            if "applicable_any" in arr.detail:  # a CV item: no school section of the county is counted
                codes[~arr.detail["applicable_any"]] = _NOT_APPLICABLE
            out[f"item.{item}"] = _status(codes)
            for section, comp in arr.detail.get("composite", {}).items():
                out[f"item.{item}.{section}.composite_cv"] = comp["cv"]
                out[f"item.{item}.{section}.composite_compared"] = comp["compared"]
                res = _status_codes(comp["result"])
                res[~comp["applicable"]] = _NOT_APPLICABLE
                out[f"item.{item}.{section}.composite_result"] = _status(res)
        for iid, ind in r.indicators.items():
            for section, cv in ind.cv.items():
                out[f"{iid}.{section}.county_value"] = cv.stats.mean
                out[f"{iid}.{section}.cv"] = cv.stats.cv
                if cv.judged:
                    out[f"{iid}.{section}.cv_compared"] = cv.compared
                    res = _status_codes(cv.result)
                    res[cv.stats.count == 0] = _NOT_APPLICABLE
                    out[f"{iid}.{section}.cv_result"] = _status(res)
        return out

    def _school_columns(self) -> dict[str, Column]:
        t, r = self.table, self.results
        school_of = t.ancestor("school", "section")
        county_of = t.ancestor("county", "section")
        sec = t.levels["section"]
        out: dict[str, Column] = {
            "county_code": _Coded(county_of, np.array(t.county_codes, dtype=object)),
            "school_id": _Coded(school_of, np.array(t.school_ids, dtype=object)),
            "school_name": _Coded(school_of, np.array(t.school_names, dtype=object)),
            "section": _Coded(sec.columns["section"].astype(np.int64), np.array(SECTIONS, dtype=object)),
            "students": sec.columns["students"],
        }
        for sid, scope in r.scopes.items():
            out[f"in_scope.{sid}"] = scope.in_scope
        for iid, ind in r.indicators.items():
            out[f"{iid}.value"] = ind.value
            out[f"{iid}.threshold"] = ind.threshold
            out[f"{iid}.met"] = _status(_status_codes(ind.met))
        for item_id, arr in r.items.items():
            if arr.row_level == "section" and arr.row_status is not None:
                codes = _status_codes(arr.row_status)
                if arr.applicable is not None:
                    codes[~arr.applicable] = _NOT_APPLICABLE
                out[f"item.{item_id}"] = _status(codes)
        return out

    def report(self, county_code: str) -> Report:
        """The full report of one county, identical to evaluating that county alone."""
        from .._report.build import build_report

        try:
            i = self.table.county_codes.index(str(county_code))
        except ValueError:
            raise KeyError(county_code) from None
        std = self.standard
        origins = std.resolved.origins if std.resolved is not None else {}
        return build_report(self.results, i, std.provenance(self.table.digest(i)), None, origins)

    def problems_table(self, lang: str | None = None) -> dict[str, np.ndarray]:
        """One row per input problem of the counties left out (``on_error="skip"``): county_code, row (in the
        input file), school_id, field (by its label, the key in brackets), value as written, message (Chinese
        unless ``lang="en"`` or the current language is English) and the message's catalogue key."""
        rows = [
            (
                p.extra.get("county_code"),
                p.extra.get("row"),
                p.school_id,
                p.field_text(lang) if p.field else None,
                None if p.value is None else str(p.value),
                p.text(lang),
                p.key,
            )
            for p in self.problems
        ]
        out: dict[str, np.ndarray] = {}
        for j, name in enumerate(PROBLEM_COLUMNS):
            col = np.empty(len(rows), dtype=object)
            col[:] = [r[j] for r in rows]
            out[name] = col
        return out

    def to_pandas(self) -> tuple[Any, Any]:
        """(counties, schools) as pandas DataFrames (needs pandas: pip install "qbalance-edu[frames]")."""
        from .._base.optional import require

        pd = require("pandas", "frames")
        return _frame(pd, self.counties()), _frame(pd, self.schools())

    def write(
        self, directory: str | Path, fmt: str = "csv", *, spreadsheet_safe: bool = True, lang: str | None = None
    ) -> list[Path]:
        """Write counties and schools tables to ``directory`` as CSV (or Parquet, which needs pyarrow); with
        ``on_error="skip"`` also the problems table (``problems.csv``, messages in ``lang``, Chinese by default).

        CSV is written for spreadsheets by default: a text cell (a school or county name from the data) that starts
        with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so Excel, WPS or
        LibreOffice shows it instead of running it as a formula. ``spreadsheet_safe=False`` writes text exactly, for
        programs. Numbers are never changed; Parquet is typed and always exact."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        written = []
        tables: list[tuple[str, dict[str, Column]]] = [
            ("counties", self._county_columns()),
            ("schools", self._school_columns()),
        ]
        if self.on_error == "skip":
            tables.append(("problems", dict(self.problems_table(lang))))
        for name, cols in tables:
            path = d / f"{name}.{fmt}"
            if fmt == "parquet":
                from .._base.optional import require

                pa = require("pyarrow", "arrow")
                pq = require("pyarrow.parquet", "arrow")
                arrays = [_arrow_column(pa, v) for v in cols.values()]
                pq.write_table(pa.Table.from_arrays(arrays, names=list(cols)), path)
            else:
                _write_csv(path, cols, spreadsheet_safe)
            written.append(path)
        return written


def _frame(pd: Any, cols: dict[str, np.ndarray]) -> Any:
    """A DataFrame of result columns; with no rows, text columns get the dtype pandas gives text when there are rows
    (``str`` in pandas 3, ``object`` before), so an empty result is a valid Dask ``meta`` for non-empty ones."""
    frame = pd.DataFrame(cols)
    if len(frame) == 0:
        text = pd.Series(["x"]).dtype
        frame = frame.astype({k: text for k, v in cols.items() if v.dtype == object})
    return frame


def _arrow_column(pa: Any, col: Column) -> Any:
    """One result column for Arrow: text as the type Arrow infers from the same values (string; None is null), a
    coded column by taking its words by code in Arrow rather than converting a Python str per row."""
    if isinstance(col, _Coded):
        words = strings_to_arrow(pa, col.words.tolist())
        return words.take(numpy_to_arrow(pa, col.codes.astype(np.int64)))
    return strings_to_arrow(pa, col.tolist()) if col.dtype == object else numpy_to_arrow(pa, col)


def _csv_cells(col: Column, spreadsheet: bool) -> list[Any]:
    """One column as CSV cells: floats written exactly (repr), missing values as empty cells; with ``spreadsheet``,
    text that a spreadsheet would run as a formula is neutralised (numbers never change). A coded column's cells are
    made once per distinct word."""
    if isinstance(col, _Coded):
        words = _csv_cells(col.words, spreadsheet)
        return [words[c] for c in col.codes.tolist()]
    if col.dtype.kind == "f":
        return ["" if r == "nan" else r for r in map(repr, col.tolist())]
    if col.dtype == object:
        cells = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in col.tolist()]
        if spreadsheet:
            cells = [spreadsheet_safe(v) if isinstance(v, str) else v for v in cells]
        return cells
    return list(col.tolist())


def _write_csv(path: Path, cols: dict[str, Column], spreadsheet: bool) -> None:
    import csv

    names = list(cols)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([spreadsheet_safe(n) if spreadsheet else n for n in names])
        w.writerows(zip(*(_csv_cells(cols[k], spreadsheet) for k in names), strict=True))


def evaluate_many(
    data: Any,
    standard: str | Path | Standard = "cn-moe-2017",
    *,
    counties: Any = None,
    as_of: Any = None,
    on_error: OnError = "raise",
    previous: Any = None,
    previous_counties: Any = None,
) -> BatchResult:
    """Evaluate every county in one columnar table (dict of arrays, DataFrame or Arrow table) in one vectorised pass.

    ``data`` has one row per school section (or per school, with ``primary.*``/``junior.*`` columns) and a
    ``county_code`` column; county-level facts come from ``counties`` (one row per county_code). Per-county results
    are identical to evaluating each county alone. No pydantic object is built per school. A table with no rows
    gives a result with no counties and every column (so an empty partition of a Dask frame needs no special case).

    ``on_error="raise"`` (the default): any bad cell raises :class:`InputError` listing every problem, and nothing
    is evaluated. ``on_error="skip"``: a county with any input problem is left out whole (never half-evaluated), the
    others are evaluated, and the result's ``problems`` and ``skipped`` (and :meth:`BatchResult.problems_table`)
    say what was left out and why. A problem that belongs to no county (a required column missing) still raises.

    ``previous`` (with ``previous_counties``): the previous year's table, in the same forms, for the rules that look
    back (``previous.x``): each county is matched by its code, each school by its id; a county the previous table
    lacks has its look-back items not evaluated, with the reason. Its bad cells raise, whatever ``on_error``.
    """
    if on_error not in ON_ERROR:
        raise InputError(Problem.of(msg("batch.bad_on_error", value=on_error)))
    std = load_standard(standard, as_of=as_of)
    source = str(data) if isinstance(data, (str, Path)) else None
    if isinstance(data, TableFileReading):  # a file the command line began reading before the pack was loaded
        source, data = str(data.path), data.result()
    elif isinstance(data, (str, Path)):
        data = read_table_file(Path(data))
    counties_source = str(counties) if isinstance(counties, (str, Path)) else None
    if isinstance(counties, (str, Path)):
        counties = read_table_file(Path(counties))
    if _row_count(data) == 0:
        table = _no_counties(std)
    elif on_error == "skip":
        good = table_of_good_counties(
            data, std.compiled, counties=counties, source=source, counties_source=counties_source
        )
        table = good.table if good.table is not None else _no_counties(std)
        before = _previous(std, table, previous, previous_counties)
        return BatchResult(std, table, std.run(table, before), good.problems, good.skipped, on_error)
    else:
        table = table_from_columns(
            data, std.compiled, counties=counties, source=source, counties_source=counties_source
        )
    return BatchResult(
        std, table, std.run(table, _previous(std, table, previous, previous_counties)), on_error=on_error
    )


def _previous(std: Standard, table: Table, previous: Any, counties: Any) -> PreviousData | None:
    """The previous year of the batch's counties from the previous year's table (None when none is given or no rule
    of the pack looks back)."""
    if previous is None or not std.compiled.lookback_items:
        return None
    source = str(previous) if isinstance(previous, (str, Path)) else "previous"
    if isinstance(previous, (str, Path)):
        previous = read_table_file(Path(previous))
    counties_source = str(counties) if isinstance(counties, (str, Path)) else None
    if isinstance(counties, (str, Path)):
        counties = read_table_file(Path(counties))
    if _row_count(previous) == 0:
        before = _no_counties(std)
    else:
        before = table_from_columns(
            previous, std.compiled, counties=counties, source=source, counties_source=counties_source
        )
    return previous_of_table(std, table, before, source)


def _no_counties(std: Standard) -> Table:
    """The table of no county: every result table has its columns and no rows."""
    return build_table([], std.compiled, [])


def _row_count(data: Any) -> int | None:
    """Rows of a dict of columns, DataFrame or Arrow table (None when it cannot tell; the reader then decides)."""
    if isinstance(data, dict):
        first = next(iter(data.values()), None)
        return len(first) if first is not None and hasattr(first, "__len__") else None
    if hasattr(data, "num_rows"):
        return int(data.num_rows)
    if hasattr(data, "shape"):
        return int(data.shape[0])
    return None
