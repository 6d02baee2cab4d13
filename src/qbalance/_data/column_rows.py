"""The working rows of a table: keyed by county, school and section, regrouped in that order, and checked for what
makes a school (its id, type, ownership, location, boarding, sections and students).

Rows may be regrouped (counties and schools can be interleaved in the input), so the problems collector is given the
map from working rows back to the rows of the input, and every message names the row as written.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np

from .._base.errors import InputError, Problem
from .._base.messages import msg
from .._base.text import id_key
from .._base.vocabulary import (
    LOCATION_ZH,
    LOCATIONS,
    OWNERSHIP_ZH,
    OWNERSHIPS,
    SCHOOL_TYPE_ZH,
    SCHOOL_TYPES,
    SECTION_ZH,
)
from .column_cells import _categorical, _factorize, _flags, _missing_mask, _numbers, _Problems, _sid, _text_codes
from .column_sources import ALL_SECTIONS, ArrowWords, _Coded, _read_columns, _wide_to_long
from .table import ALLOWED_SECTIONS, MAX_SECTION_STUDENTS, section_args

__all__ = [
    "WorkingRows",
    "check_duplicate_sections",
    "check_required_columns",
    "check_sections_allowed",
    "group_rows",
    "long_columns",
    "one_per_school",
    "read_students",
    "school_columns",
]

_REQUIRED = ("school_id", "school_type", "ownership", "location", "section", "students")
_SCHOOL_DOMAINS = {
    "school_type": (SCHOOL_TYPES, SCHOOL_TYPE_ZH),
    "ownership": (OWNERSHIPS, OWNERSHIP_ZH),
    "location": (LOCATIONS, LOCATION_ZH),
}


@dataclasses.dataclass
class WorkingRows:
    """The rows of the table grouped by county, school and section, with the keys every later step reads."""

    cols: dict[str, np.ndarray]
    """The columns, rows in working order."""
    coded: _Coded
    """The columns their reader factorized, rows in working order."""
    ids: np.ndarray
    """The school id of each row (stripped text)."""
    county_idx: np.ndarray
    """The county of each row: an index into ``county_keys``."""
    county_keys: np.ndarray
    """The county codes, in order of first appearance."""
    school_idx: np.ndarray
    """The school of each row, schools numbered in row order."""
    sec_code_i: np.ndarray
    """The section of each row: an index into ``ALL_SECTIONS``."""
    starts: np.ndarray
    """The first row of each school."""
    school_ids: list[str]
    """The id of each school."""

    @property
    def n_school(self) -> int:
        """How many schools the table has."""
        return len(self.school_ids)

    @functools.cached_property
    def row_counts(self) -> np.ndarray:
        """How many rows (sections) each school is written on."""
        counts: np.ndarray = np.diff(np.r_[self.starts, self.school_idx.size])
        return counts

    @functools.cached_property
    def multi_row_schools(self) -> np.ndarray:
        """The schools written on more than one row, in order."""
        return np.flatnonzero(self.row_counts > 1)

    def rows_of(self, schools: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of ``schools`` (in order, each school's rows together), and where each school's rows begin."""
        counts = self.row_counts[schools]
        begin = np.r_[0, np.cumsum(counts)[:-1]]
        taken = np.repeat(self.starts[schools] - begin, counts) + np.arange(int(counts.sum()))
        return taken, begin


def long_columns(data: Any, source: str | None) -> tuple[dict[str, np.ndarray], _Coded, np.ndarray | None]:
    """The columns of ``data`` in the long layout (one row per school section), the columns their reader factorized,
    and the input row of each long row when the table had one row per school (None when it was already long)."""
    cols, coded = _read_columns(data)
    if "section" not in cols:
        try:
            cols, coded = _wide_to_long(cols), {}
        except InputError as exc:
            raise InputError([dataclasses.replace(p, source=p.source or source) for p in exc.problems]) from None
    return cols, coded, cols.pop("__row__", None)


def check_required_columns(
    cols: dict[str, np.ndarray], county_code: str | None, probs: _Problems, source: str | None
) -> None:
    """Raise if the table has no rows or lacks a required column; a missing ``county_code`` column is filled with
    the ``county_code`` argument when one is given."""
    n = next(iter(cols.values())).shape[0] if cols else 0
    if n == 0:
        raise InputError(Problem.of(msg("columns.no_rows"), source=source))
    for required in _REQUIRED:
        if required not in cols:
            probs.add(None, required, None, None, msg("columns.missing_column"))
    if "county_code" not in cols:
        if county_code is None:
            probs.add(None, "county_code", None, None, msg("columns.missing_county_code"))
        else:
            cols["county_code"] = np.full(n, county_code, dtype=object)
    probs.raise_if_any()


def _row_keys(
    cols: dict[str, np.ndarray], coded: _Coded, probs: _Problems
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The school id, county index and school index of each row, and the county codes; a row without a school id
    or county code is reported and raised."""
    id_pre = coded.get("school_id")
    id_codes, id_uniq = _text_codes(cols["school_id"], id_pre)
    cc_codes, cc_uniq = _text_codes(cols["county_code"], coded.get("county_code"))
    if id_pre is not None and isinstance(id_pre[1], ArrowWords) and id_uniq == id_pre[1][:-1]:
        ids = cols["school_id"]  # the ids as written are clean: the column is the ids (a null cell None)
    else:
        ids = np.array([*id_uniq, None], dtype=object)[id_codes]
    for i in np.flatnonzero(id_codes < 0):
        probs.add(int(i), "school_id", None, None, msg("columns.no_school_id"))
    no_code = msg("columns.no_county_code")
    for r, counties in _counties_of_uncoded_rows(id_codes, cc_codes, cc_uniq).items():
        probs.add(r, "county_code", _sid(ids, None, r), None, no_code, county=", ".join(counties) or None)
    probs.raise_if_any()
    county_keys = np.array(cc_uniq, dtype=object)
    school_idx, _ = _factorize(cc_codes * max(len(id_uniq), 1) + id_codes)
    return ids, cc_codes, county_keys, school_idx


def _counties_of_uncoded_rows(id_codes: np.ndarray, cc_codes: np.ndarray, cc_uniq: list[str]) -> dict[int, list[str]]:
    """For each row without a county code, the counties it may belong to, so that ``on_error="skip"`` leaves them
    out rather than evaluate one without the row: the county of its school's other rows; or, for a school with no
    other coded row, the counties of the nearest coded rows before and after it (a table is written county by
    county). Empty when the table has no coded row at all."""
    missing = np.flatnonzero(cc_codes < 0)
    if not missing.size:
        return {}
    coded = np.flatnonzero(cc_codes >= 0)
    county_of_school: dict[int, set[int]] = {}
    for i_code, c_code in zip(id_codes[coded].tolist(), cc_codes[coded].tolist(), strict=True):
        county_of_school.setdefault(i_code, set()).add(c_code)
    out: dict[int, list[str]] = {}
    for i in missing.tolist():
        near = county_of_school.get(int(id_codes[i]))
        if not near:
            at = int(np.searchsorted(coded, i))
            near = {int(cc_codes[coded[j]]) for j in (at - 1, at) if 0 <= j < coded.size}
        out[i] = [cc_uniq[c] for c in sorted(near)]
    return out


def group_rows(cols: dict[str, np.ndarray], coded: _Coded, row_no: np.ndarray | None, probs: _Problems) -> WorkingRows:
    """Key every row by county, school and section and regroup the rows in that order (counties and schools in order
    of first appearance); a missing id or code, or an unknown section, is reported and raised."""
    ids, county_idx, county_keys, school_idx = _row_keys(cols, coded, probs)
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
    starts = np.flatnonzero(np.r_[True, school_idx[1:] != school_idx[:-1]])
    school_ids: list[str] = ids[starts].tolist()  # cleaned text already
    return WorkingRows(cols, coded, ids, county_idx, county_keys, school_idx, sec_code_i, starts, school_ids)


def check_lookalike_ids(rows: WorkingRows, probs: _Problems) -> None:
    """Two schools whose ids differ only by full-width or invisible characters are one id to a reader: report the
    later one, naming the first. Plain printable ASCII ids cannot collide this way, so only the others are
    normalised (and a table of plain ids costs one check of the joined text)."""
    joined = "".join(rows.school_ids)
    if joined.isascii() and joined.isprintable():
        return
    first: dict[str, int] = {}
    plain = [sid.isascii() and sid.isprintable() for sid in rows.school_ids]
    for i, sid in enumerate(rows.school_ids):
        if plain[i]:
            first.setdefault(sid, i)
    for i, sid in enumerate(rows.school_ids):
        if plain[i]:
            continue
        j = first.setdefault(id_key(sid), i)
        if j != i:
            first_row = int(probs.rowmap[rows.starts[j]]) + 2 if probs.rowmap is not None else int(rows.starts[j]) + 2
            message = msg(
                "data.duplicate_id_lookalike",
                text=sid,
                first=rows.school_ids[j],
                where=msg("problem.row", row=first_row),
            )
            probs.add(int(rows.starts[i]), "school_id", sid, sid, message)


def check_duplicate_sections(rows: WorkingRows, probs: _Problems) -> None:
    """Report every row that repeats the section of a school."""
    key = rows.school_idx * 3 + rows.sec_code_i
    for i in np.flatnonzero(np.r_[False, key[1:] == key[:-1]]):
        probs.add(
            int(i), "section", str(rows.ids[i]), ALL_SECTIONS[rows.sec_code_i[i]], msg("columns.duplicate_section")
        )


def one_per_school(rows: WorkingRows, values: np.ndarray, name: str, probs: _Problems) -> np.ndarray:
    """The one value of a school-level column for each school; disagreeing rows are reported.

    A school's value is the one its rows give (a missing cell gives none); only schools of more than one row can
    disagree, so the minimum and maximum are taken over those schools' rows alone (in a nation most schools have
    one row, whose cell is the value)."""
    v = values.astype(np.float64)
    out: np.ndarray = v[rows.starts]
    out[np.isinf(out)] = np.nan  # as the minimum over the rows gives it: an infinite cell is no value
    multi = rows.multi_row_schools
    if not multi.size:
        return out
    sub_rows, sub_starts = rows.rows_of(multi)
    sub = v[sub_rows]
    missing = np.isnan(sub)
    lo = np.minimum.reduceat(np.where(missing, np.inf, sub), sub_starts)
    hi = np.maximum.reduceat(np.where(missing, -np.inf, sub), sub_starts)
    for s in multi[np.isfinite(lo) & np.isfinite(hi) & (lo != hi)].tolist():
        probs.add(int(rows.starts[s]), name, rows.school_ids[s], None, msg("columns.school_rows_disagree"))
    out[multi] = np.where(np.isfinite(lo), lo, np.nan)
    return out


def school_columns(rows: WorkingRows, probs: _Problems) -> dict[str, np.ndarray]:
    """The structural school columns (type, ownership, location as category codes, boarding as a flag), one value
    per school; bad, missing and disagreeing values are reported."""
    cols, coded = rows.cols, rows.coded
    school_cols: dict[str, np.ndarray] = {}
    for name, (domain, syn) in _SCHOOL_DOMAINS.items():
        codes = _categorical(cols[name], domain, syn, name, probs, rows.ids, coded.get(name))
        school_cols[name] = one_per_school(rows, codes, name, probs)
        written = ~_missing_mask(cols[name], coded.get(name))
        n_written = np.bincount(rows.school_idx, weights=written, minlength=rows.n_school)
        for s in np.flatnonzero(np.isnan(school_cols[name]) & (n_written == 0)):  # a bad value was reported above
            probs.add(int(rows.starts[s]), name, rows.school_ids[s], None, msg("columns.missing"))
    school_cols["boarding"] = (
        one_per_school(rows, _flags(cols["boarding"], "boarding", probs, rows.ids), "boarding", probs)
        if "boarding" in cols
        else np.full(rows.n_school, np.nan)
    )
    return school_cols


def read_students(rows: WorkingRows, probs: _Problems) -> np.ndarray:
    """The students of each row (section); a missing, negative, fractional or implausible count is reported."""
    raw, ids = rows.cols["students"], rows.ids
    students = _numbers(raw, "student", "students", probs, rows.school_idx, ids)
    for i in np.flatnonzero(np.isnan(students) & _missing_mask(raw)):
        probs.add(int(i), "students", str(ids[i]), raw[i], msg("columns.students_required"))
    for i in np.flatnonzero(students < 0):
        probs.add(int(i), "students", str(ids[i]), students[i], msg("data.negative"))
    for i in np.flatnonzero((students % 1 != 0) & ~np.isnan(students)):
        probs.add(int(i), "students", str(ids[i]), students[i], msg("data.integer"))
    implausible = msg("columns.enrolment_implausible", limit=MAX_SECTION_STUDENTS)
    for i in np.flatnonzero(students > MAX_SECTION_STUDENTS):
        probs.add(int(i), "students", str(ids[i]), students[i], implausible)
    return students


def check_sections_allowed(rows: WorkingRows, school_type: np.ndarray, probs: _Problems) -> None:
    """Report every school that lacks a section its type needs, or has one its type cannot have."""
    has = np.zeros((rows.n_school, 3), dtype=bool)
    has[rows.school_idx, rows.sec_code_i] = True
    for ti, tname in enumerate(SCHOOL_TYPES):
        must, may = ALLOWED_SECTIONS[tname]
        of_type = school_type == ti
        for si, sname in enumerate(ALL_SECTIONS):
            if sname in must:
                needed = msg("data.section_needed", **section_args(tname, sname))
                for s in np.flatnonzero(of_type & ~has[:, si]):
                    probs.add(int(rows.starts[s]), "section", rows.school_ids[s], None, needed)
            if sname not in may:
                refused = msg("data.section_not_allowed", **section_args(tname, sname))
                for s in np.flatnonzero(of_type & has[:, si]):
                    probs.add(int(rows.starts[s]), "section", rows.school_ids[s], sname, refused)
