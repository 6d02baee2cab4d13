"""Flat tables of a history for provincial warehouses: one row per county and year, one per school section and year.

``county_years.<fmt>``: the record (id, county, year, digest, source, pack, timestamps, note), the verdict, every
area's and item's status, a progress item's value, target and progress, a composite CV per section, and each
indicator's county value, CV, compared CV, limit and result per section — the columns of ``evaluate-batch``'s
county table, with the year and the record in front. ``school_sections.<fmt>``: per school section the students,
the k-of-n result, how many indicators it meets, and each indicator's value, threshold and whether it is met; a
school section left out of the evaluation has one row with result ``excluded`` and the reasons.

Records of different packs may have different items and indicators: the columns are the union, in the order first
met, and a cell a record does not have is empty. CSV is written for spreadsheets as the batch writer does (a text
cell starting ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe; numbers exactly as
Python's ``repr``, so reading them back gives the same float); Parquet (pyarrow) is typed. Each file is written
under a temporary name and renamed, so a reader never sees half a table.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..._base.messages import msg
from ..._base.optional import require
from ..._base.text import spreadsheet_safe as neutralise
from .database import FORMATS, TABLES, HistoryError
from .records import Record

if TYPE_CHECKING:
    from ..._report.model import ReportData

__all__ = ["FORMATS", "TABLES", "Exported", "county_year_row", "export_tables", "school_section_rows"]


_RECORD_COLUMNS: Final = (
    "input_digest",
    "source",
    "pack_id",
    "pack_version",
    "pack_sha256",
    "as_of",
    "qbalance_version",
    "added_at",
    "superseded_at",
    "replaces",
    "note",
)


@dataclass(frozen=True)
class Exported:
    """What an export wrote: the two files, and how many rows each has."""

    paths: list[Path]
    county_years: int
    school_sections: int


_BASE_COLUMNS: Final = {
    "county_years": ("county_code", "county_name", "year", "record_id", "verdict", *_RECORD_COLUMNS),
    "school_sections": ("county_code", "year", "record_id", "school_id", "school_name", "section", "result"),
}
"""The columns of a table with no rows (an export of nothing still has its header)."""


def _status(flag: bool | None) -> str:
    return "not_evaluated" if flag is None else "pass" if flag else "fail"


def county_year_row(record: Record, report: ReportData) -> dict[str, Any]:
    """One county-year: the record, the verdict, areas, items and each indicator's CV per section."""
    row: dict[str, Any] = {
        "county_code": record.county_code,
        "county_name": record.county_name,
        "year": record.year,
        "record_id": record.id,
        "verdict": report.verdict,
    }
    row.update({name: getattr(record, name) for name in _RECORD_COLUMNS})
    row.update({f"area.{a.id}": a.status for a in report.areas})
    for item in report.items:
        row[f"item.{item.id}"] = item.status
        if item.kind == "progress":
            row.update({f"item.{item.id}.{k}": getattr(item, k) for k in ("value", "target", "progress")})
        for comp in item.composite:
            row[f"item.{item.id}.{comp.section}.composite_cv"] = comp.cv
            row[f"item.{item.id}.{comp.section}.composite_compared"] = comp.cv_compared
            row[f"item.{item.id}.{comp.section}.composite_result"] = comp.result
    for ind in report.indicators:
        for cv in ind.sections:
            key = f"{ind.id}.{cv.section}"
            row[f"{key}.county_value"] = cv.county_value
            row[f"{key}.cv"] = cv.cv
            row[f"{key}.cv_compared"] = cv.cv_compared
            row[f"{key}.limit"] = cv.limit
            row[f"{key}.cv_result"] = cv.result
    return row


def school_section_rows(record: Record, report: ReportData) -> list[dict[str, Any]]:
    """The school sections of one county-year: values against thresholds and the k-of-n result; then those left
    out of the evaluation, with the reasons."""
    head = {"county_code": record.county_code, "year": record.year, "record_id": record.id}
    rows: list[dict[str, Any]] = []
    for s in report.schools:
        row: dict[str, Any] = {
            **head,
            "school_id": s.school_id,
            "school_name": s.school_name,
            "section": s.section,
            "school_type": s.school_type,
            "location": s.location,
            "students": s.students,
            "result": s.result,
            "met_count": s.met_count,
            "required": s.required,
            "floor_ok": _status(s.floor_ok),
        }
        for v in s.values:
            row[f"{v.indicator}.value"] = v.value
            row[f"{v.indicator}.threshold"] = v.threshold
            row[f"{v.indicator}.met"] = _status(v.met)
        rows.append(row)
    listed = {(s.school_id, s.section) for s in report.schools}
    reasons: dict[tuple[str, str], tuple[str, set[str]]] = {}
    for e in report.excluded:
        if (e.school_id, e.section) not in listed:
            reasons.setdefault((e.school_id, e.section), (e.school_name, set()))[1].add(e.reason_id)
    for (school_id, section), (name, why) in reasons.items():
        rows.append(
            {
                **head,
                "school_id": school_id,
                "school_name": name,
                "section": section,
                "result": "excluded",
                "excluded_reason": ";".join(sorted(why)),
            }
        )
    return rows


def export_tables(
    pairs: Iterable[tuple[Record, ReportData]], directory: Path, fmt: str = "csv", *, spreadsheet_safe: bool = True
) -> Exported:
    """Write ``county_years.<fmt>`` and ``school_sections.<fmt>`` for the (record, report) pairs to ``directory``
    (created)."""
    if fmt not in FORMATS:
        raise HistoryError(msg("history.export_format", fmt=fmt, formats=", ".join(FORMATS)))
    writer = _write_parquet if fmt == "parquet" else None  # CSV needs no extra
    if writer is not None:
        require("pyarrow.parquet", "arrow")  # before any work: a missing extra is said at once
    counties: list[dict[str, Any]] = []
    schools: list[dict[str, Any]] = []
    for record, report in pairs:
        counties.append(county_year_row(record, report))
        schools.extend(school_section_rows(record, report))
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in zip(TABLES, (counties, schools), strict=True):
        path = directory / f"{name}.{fmt}"
        tmp = directory / f".{name}.{fmt}.tmp"
        columns = _columns(rows) or list(_BASE_COLUMNS[name])
        if writer is not None:
            writer(tmp, rows, columns)
        else:
            _write_csv(tmp, rows, columns, spreadsheet_safe)
        os.replace(tmp, path)
        written.append(path)
    return Exported(written, len(counties), len(schools))


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    """Every column of the rows, in the order first met."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _cell(value: Any, spreadsheet: bool) -> str:
    """A CSV cell: empty for missing, floats exactly (``repr``), text neutralised for spreadsheets when asked."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    return neutralise(text) if spreadsheet else text


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str], spreadsheet: bool) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([neutralise(c) if spreadsheet else c for c in columns])
        for row in rows:
            w.writerow([_cell(row.get(c), spreadsheet) for c in columns])


def _write_parquet(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    pa = require("pyarrow", "arrow")
    pq = require("pyarrow.parquet", "arrow")
    table = pa.table({c: pa.array([row.get(c) for row in rows]) for c in columns})
    pq.write_table(table, path)
