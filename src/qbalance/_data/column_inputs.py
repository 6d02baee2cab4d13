"""The pack's declared inputs read from a table: county values (from a separate counties table, or repeated on the
rows of each county), school values (one per school) and section values, each checked against its declaration in
the pack; their evidence notes; and the teacher sub-counts checked against the full-time teachers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np

from .._base.messages import Unit, msg
from .._kernels.numeric import constant_column
from .._units.registry import canonical_factor
from .column_cells import _categorical, _Collect, _flags, _numbers, _Problems, _sid, _text, _text_present
from .column_rows import WorkingRows, one_per_school
from .column_sources import to_columns
from .models import PLAUSIBLE_MAX, Facilities, TeacherCounts
from .table import range_msgs

__all__ = ["CountiesTable", "check_teacher_subcounts", "read_counties_table", "read_pack_inputs"]

# fields of the county format with a unit: the same plausibility bounds as in a county file (PLAUSIBLE_MAX)
_TYPED_FIELDS = (
    {f"facilities.{k}" for k in Facilities.model_fields} | {f"teachers.{k}" for k in TeacherCounts.model_fields}
) | {"classes"}
_TEACHER_SUBS = ("teachers.above_qualified", "teachers.backbone", "teachers.pe_art", "teachers.mid_title")

_Evidence = dict[tuple[str, str], dict[int, str]]
"""Evidence notes: (level, input) → {row of that level: note}."""


@dataclasses.dataclass
class CountiesTable:
    """A separate counties table (one row per county code), matched to the counties of the rows."""

    cols: dict[str, np.ndarray] | None
    """Its columns; None when no counties table was given."""
    row_of_county: np.ndarray | None
    """For each county of the rows, its row in the counties table (-1 if absent); None without a code column."""
    unused_codes: list[str]
    """Codes of the counties table with no school in the rows."""
    probs: _Problems
    """The problems of the counties table, reported after those of the rows."""


def read_counties_table(
    counties: Any, county_keys: np.ndarray, probs: _Problems, skipped: AbstractSet[str] = frozenset()
) -> CountiesTable:
    """Read the counties table (if any) and match its rows to the counties of the rows by code; a missing code
    column or a repeated code is reported to ``probs``. The rows of the ``skipped`` counties are left out (their
    problems were reported already); the others keep their row numbers."""
    ctab = to_columns(counties) if counties is not None else None
    ctab_idx = None
    unused_codes: list[str] = []
    if ctab is not None:
        if "county_code" not in ctab:
            probs.add(None, "county_code", None, None, msg("columns.counties_need_code"))
        else:
            ctab = _without(ctab, skipped, probs)
            probs.county_column = (ctab["county_code"], probs.rowmap)
            ccode_t = _text(ctab["county_code"]).astype(str)
            lookup: dict[str, int] = {}
            for crow, code in enumerate(ccode_t.tolist()):
                if code in lookup:
                    first = int(probs.rowmap[lookup[code]]) if probs.rowmap is not None else lookup[code]
                    probs.add(crow, "county_code", None, code, msg("columns.county_repeated", row=first + 2))
                else:
                    lookup[code] = crow
            ctab_idx = np.array([lookup.get(str(c), -1) for c in county_keys.tolist()])
            known_codes = {str(c) for c in county_keys.tolist()}
            unused_codes = [code for code in lookup if code not in known_codes]
    return CountiesTable(ctab, ctab_idx, unused_codes, probs)


def _without(ctab: dict[str, np.ndarray], skipped: AbstractSet[str], probs: _Problems) -> dict[str, np.ndarray]:
    """The counties table without the rows of the ``skipped`` counties; ``probs`` maps the rows left to their
    numbers in the table as given."""
    if not skipped:
        return ctab
    codes = _text(ctab["county_code"])
    keep = np.array([c is None or str(c) not in skipped for c in codes.tolist()], dtype=bool)
    if keep.all():
        return ctab
    probs.rowmap = np.flatnonzero(keep)
    return {k: v[keep] for k, v in ctab.items()}


def read_pack_inputs(
    rows: WorkingRows,
    inputs: Mapping[str, Any],
    scales: Any,
    section_rows: np.ndarray,
    counties: CountiesTable,
    school_cols: dict[str, np.ndarray],
    probs: _Problems,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], _Evidence]:
    """Every declared input in engine form at its level: the county and section columns and the evidence notes are
    returned, the school columns added to ``school_cols``; a missing input column reads as all missing."""
    county_cols: dict[str, np.ndarray] = {}
    section_cols: dict[str, np.ndarray] = {}
    evidence: _Evidence = {}
    cols = rows.cols
    for name, decl in inputs.items():
        if decl.level == "county":
            county_cols[name] = _county_input(rows, name, decl, scales, counties, probs)
        elif decl.level == "school":
            if name in cols:
                vals_rows = _read_input(cols[name], decl, name, probs, rows.ids, scales)
                school_cols[name] = one_per_school(rows, vals_rows, name, probs)
            else:
                school_cols[name] = constant_column(rows.n_school)
        else:
            if name in cols:
                section_cols[name] = _read_input(cols[name], decl, name, probs, rows.ids, scales)[section_rows]
            else:
                section_cols[name] = constant_column(int(section_rows.sum()))
        _read_evidence(rows, name, decl.level, section_rows, evidence)
    return county_cols, section_cols, evidence


def _county_input(
    rows: WorkingRows, name: str, decl: Any, scales: Any, counties: CountiesTable, probs: _Problems
) -> np.ndarray:
    """One county-level input, one value per county: from the counties table when it has the column, else from the
    rows of each county, else all missing."""
    if counties.cols is not None and counties.row_of_county is not None and name in counties.cols:
        return _county_input_from_table(
            rows, name, decl, scales, counties.cols, counties.row_of_county, counties.probs, probs
        )
    if name in rows.cols:
        return _county_input_from_rows(rows, name, decl, scales, probs)
    return constant_column(len(rows.county_keys))


def _county_input_from_table(
    rows: WorkingRows,
    name: str,
    decl: Any,
    scales: Any,
    ctab: dict[str, np.ndarray],
    ctab_idx: np.ndarray,
    cprobs: _Problems,
    probs: _Problems,
) -> np.ndarray:
    """One county-level input from the counties table; when the rows give it too, the first row that differs is
    reported (the two must agree, never one silently winning)."""
    vals_t = _read_input(ctab[name], decl, name, cprobs, None, scales)
    vals = np.where(ctab_idx >= 0, vals_t[np.maximum(ctab_idx, 0)], np.nan)
    if name in rows.cols:
        in_rows = _read_input(rows.cols[name], decl, name, _Collect(), None, scales)
        row_val = vals[rows.county_idx]
        clash = ~np.isnan(in_rows) & ~np.isnan(row_val) & (in_rows != row_val)
        for r in np.flatnonzero(clash)[:1]:
            probs.add(
                int(r),
                name,
                None,
                rows.cols[name][r],
                msg("columns.differs_from_counties"),
            )
    return vals


def _county_input_from_rows(rows: WorkingRows, name: str, decl: Any, scales: Any, probs: _Problems) -> np.ndarray:
    """One county-level input repeated on the rows of each county: a bad value is reported once per county, as
    written, with no school (it is not a school's value), and so is a county whose rows disagree."""
    found = _Collect()
    vals_rows = _read_input(rows.cols[name], decl, name, found, None, scales)
    reported: set[tuple[int, str]] = set()
    for row, message in found.raw:
        key = (int(rows.county_idx[row]), message.text("en"))
        if row is not None and key not in reported:
            reported.add(key)
            probs.add(row, name, None, rows.cols[name][row], message)
    cstarts = np.flatnonzero(np.r_[True, rows.county_idx[1:] != rows.county_idx[:-1]])
    lo = np.minimum.reduceat(np.where(np.isnan(vals_rows), np.inf, vals_rows), cstarts)
    hi = np.maximum.reduceat(np.where(np.isnan(vals_rows), -np.inf, vals_rows), cstarts)
    _report_county_disagreements(rows, name, vals_rows, cstarts, np.isfinite(lo) & np.isfinite(hi) & (lo != hi), probs)
    return np.where(np.isfinite(lo), lo, np.nan)


def _report_county_disagreements(
    rows: WorkingRows, name: str, vals_rows: np.ndarray, cstarts: np.ndarray, conflict: np.ndarray, probs: _Problems
) -> None:
    """For each county whose rows disagree on a county-level value, report the first row that differs from the first
    row with a value, naming both."""
    cends = np.r_[cstarts[1:], rows.county_idx.size]
    for c in np.flatnonzero(conflict):
        span = np.arange(cstarts[c], cends[c])
        known = span[~np.isnan(vals_rows[span])]
        first = int(known[0])
        other = int(known[np.flatnonzero(vals_rows[known] != vals_rows[first])[0]])
        first_no = int(probs.rowmap[first]) + 2 if probs.rowmap is not None else first + 2
        probs.add(
            other,
            name,
            None,
            rows.cols[name][other],
            msg("columns.county_rows_disagree", first=rows.cols[name][first], row=first_no),
        )


def _read_evidence(rows: WorkingRows, name: str, level: str, section_rows: np.ndarray, evidence: _Evidence) -> None:
    """Add the notes of the ``<name>.evidence`` column (if any) to ``evidence``, by row of the input's level."""
    ev = f"{name}.evidence"
    if ev not in rows.cols:
        return
    notes, present = _text_present(rows.cols[ev])
    level_idx = {"county": rows.county_idx, "school": rows.school_idx, "section": None}[level]
    section_pos = np.cumsum(section_rows) - 1
    for i in np.flatnonzero(present):
        if level_idx is None:
            if section_rows[i]:
                evidence.setdefault(("section", name), {})[int(section_pos[i])] = str(notes[i])
        else:
            evidence.setdefault((level, name), {})[int(level_idx[i])] = str(notes[i])


def check_teacher_subcounts(rows: WorkingRows, inputs: Mapping[str, Any], probs: _Problems) -> None:
    """Report every row whose teacher sub-count (above-qualified, backbone, ...) exceeds its full-time teachers, when
    both are given; bad cells of these columns are reported once, by the input reader or here."""
    cols, ids, school_idx = rows.cols, rows.ids, rows.school_idx
    if "teachers.full_time" not in cols:
        return
    ft_probs = _Problems(None) if "teachers.full_time" in inputs else probs  # a pack input: reported above
    ft = _numbers(cols["teachers.full_time"], "teacher", "teachers.full_time", ft_probs, school_idx, ids)
    for sub in _TEACHER_SUBS:
        if sub in cols:
            sv = _numbers(cols[sub], "teacher", sub, _Problems(None), school_idx, ids)  # reported above
            for i in np.flatnonzero(sv > ft):
                probs.add(int(i), sub, str(ids[i]), sv[i], msg("columns.exceeds_full_time", full_time=f"{ft[i]:g}"))


def _read_input(
    raw: np.ndarray, decl: Any, name: str, probs: _Problems, ids: np.ndarray | None, scales: Any
) -> np.ndarray:
    """One pack-declared input column in engine form, with the pack's range and whole-number checks."""
    if decl.type == "number":
        vals = _numbers(raw, decl.unit, name, probs, None, ids)
        factor = canonical_factor(decl.unit)
        shown = vals / factor
        low, high = range_msgs(decl)  # the same messages as for a county file
        if decl.min is not None:
            for i in np.flatnonzero(shown < decl.min):
                probs.add(int(i), name, _sid(ids, None, int(i)), shown[i], low)
        if decl.max is not None:
            for i in np.flatnonzero(shown > decl.max):
                probs.add(int(i), name, _sid(ids, None, int(i)), shown[i], high)
        if decl.integer:
            for i in np.flatnonzero((shown % 1 != 0) & ~np.isnan(shown)):
                probs.add(int(i), name, _sid(ids, None, int(i)), shown[i], msg("data.integer"))
        limit = PLAUSIBLE_MAX.get(decl.unit) if name in _TYPED_FIELDS else None
        if limit is not None:
            for i in np.flatnonzero(shown > limit):
                probs.add(
                    int(i),
                    name,
                    _sid(ids, None, int(i)),
                    shown[i],
                    msg("data.implausible", limit=f"{limit:,.0f}", unit=Unit(decl.unit)),
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
