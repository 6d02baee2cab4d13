"""Read columnar data (dict of arrays, pandas DataFrame, Arrow table, CSV) into the engine's table, vectorised.

Format: one row per school section (``section`` column: primary, junior, or senior for the senior students of a
complete-middle or twelve-year school), or one row per school with section-prefixed columns (``primary.students``,
``junior.teachers.full_time``...). School-level values (type, facilities, school facts) may be written on every row
of the school (identically) or on one of them; county-level values come from a separate ``counties`` table (one
row per ``county_code``) or from columns that are identical within a county. No pydantic object is built per school:
validation is vectorised and every bad cell is reported (row, column, school, value, message), never dropped.

This module assembles the table and its warnings; the work is done by :mod:`.column_sources` (reading the columns),
:mod:`.column_cells` (reading cells), :mod:`.column_rows` (grouping and checking the rows of each school) and
:mod:`.column_inputs` (the pack's declared inputs). The readers are importable from here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._base.errors import InputError, Problem
from .._base.messages import msg
from .._base.text import NAME_FORBIDDEN, name_problem
from .._packs.compile import STRUCTURAL, CompiledPack
from .column_cells import (
    MAX_LISTED_PROBLEMS,
    TableProblems,
    _county_value,
    _has_value,
    _missing_mask,
    _Problems,
    _text,
    _text_codes,
    _text_present,
    _truthy,
)
from .column_inputs import check_teacher_subcounts, read_counties_table, read_pack_inputs
from .column_rows import (
    WorkingRows,
    check_duplicate_sections,
    check_lookalike_ids,
    check_required_columns,
    check_sections_allowed,
    group_rows,
    long_columns,
    read_students,
    school_columns,
)
from .column_skip import Skip, drop_rows
from .column_sources import ALL_SECTIONS, county_to_columns, read_csv, read_csv_fast, read_table_file, to_columns
from .habits import ROW_NUMBER_COLUMNS
from .models import TeacherCounts
from .placed_warnings import PlacedWarnings
from .table import Level, Table
from .wording import FieldList, closest, label_of

__all__ = [
    "MAX_LISTED_PROBLEMS",
    "GoodCounties",
    "county_to_columns",
    "read_csv",
    "read_csv_fast",
    "read_table_file",
    "table_from_columns",
    "table_of_good_counties",
    "to_columns",
]

_STRUCT_SCHOOL = ("school_type", "ownership", "location", "boarding")
# typed section/school fields of the county format that are not pack inputs but must still be valid if present
_MODEL_SECTION_NUMBERS = {"classes": "class_"} | {f"teachers.{n}": "teacher" for n in ("full_time",)}
_BASE_COLUMNS = {
    "county_code",
    "county_name",
    "county_year",
    "county_synthetic",
    "school_id",
    "school_name",
    "section",
    "students",
    *_STRUCT_SCHOOL,
    *ROW_NUMBER_COLUMNS,
}
"""The columns read whatever the pack: keys, names, county facts and the structural school columns (and the row
number column, 序号, which is accepted and ignored)."""


def table_from_columns(
    data: Any,
    cp: CompiledPack,
    *,
    counties: Any = None,
    source: str | None = None,
    county_code: str | None = None,
    county_name: str | None = None,
    counties_source: str | None = None,
    skip: Skip | None = None,
) -> Table:
    """Build the engine's table from columnar data, validating every cell; raises InputError listing the problems.

    ``skip`` names counties (and rows) to leave out, as :func:`table_of_good_counties` does."""
    cols, coded, row_no = drop_rows(*long_columns(data, source), skip)
    probs = _Problems(source)
    probs.rowmap = row_no
    check_required_columns(cols, county_code, probs, source)
    probs.county_column = (cols["county_code"], row_no)  # every problem names its county (on_error="skip")
    rows = group_rows(cols, coded, row_no, probs)
    check_duplicate_sections(rows, probs)
    check_lookalike_ids(rows, probs)
    school_cols = school_columns(rows, probs)
    students = read_students(rows, probs)
    check_sections_allowed(rows, school_cols["school_type"], probs)

    pack = cp.pack
    inputs = {k: d for k, d in pack.inputs.items() if k not in STRUCTURAL}
    section_rows = np.isin(rows.sec_code_i, [ALL_SECTIONS.index(s) for s in pack.sections])
    cprobs = _Problems(counties_source or ("counties" if source is None else f"{source} (counties)"))
    cprobs.table = "counties"
    probs.labels = cprobs.labels = {k: lab for k, d in inputs.items() if (lab := label_of(d)) is not None}
    ctab = read_counties_table(counties, rows.county_keys, cprobs, skip.counties if skip else frozenset())
    county_cols, section_cols, evidence = read_pack_inputs(
        rows, inputs, pack.scales, section_rows, ctab, school_cols, probs
    )
    check_teacher_subcounts(rows, inputs, probs)
    _check_names(rows, probs)
    probs.absorb(cprobs)
    probs.raise_if_any()

    senior_rows = rows.sec_code_i == 2
    senior = np.zeros(rows.n_school)  # senior students (apportionment only)
    senior[rows.school_idx[senior_rows]] = students[senior_rows]
    school_cols["senior_students"] = senior
    section_cols["section"] = rows.sec_code_i[section_rows].astype(np.float64)
    section_cols["students"] = students[section_rows]
    warnings = [
        *_unused_column_warnings(rows.cols, inputs, pack.id, source),
        *_unused_county_warnings(ctab.unused_codes, counties_source),
    ]
    placed = _section_warnings(rows, inputs, section_rows, section_cols, source)
    return _table(rows, county_name, (warnings, placed), county_cols, school_cols, section_cols, section_rows, evidence)


def _table(
    rows: WorkingRows,
    county_name: str | None,
    warnings: tuple[list[Problem], list[PlacedWarnings]],
    county_cols: dict[str, np.ndarray],
    school_cols: dict[str, np.ndarray],
    section_cols: dict[str, np.ndarray],
    section_rows: np.ndarray,
    evidence: dict[tuple[str, str], dict[int, str]],
) -> Table:
    """The engine's table of the checked rows: its three levels, the school and county names, the county meta."""
    cstarts = np.flatnonzero(np.r_[True, rows.county_idx[1:] != rows.county_idx[:-1]])
    county_names = _county_names(rows, cstarts, county_name)
    return Table(
        given_warnings=warnings[0],
        placed=warnings[1],
        county_codes=[str(c) for c in rows.county_keys.tolist()],
        county_names=county_names,
        school_ids=rows.school_ids,
        school_names=_school_names(rows),
        levels={
            "county": Level(len(rows.county_keys), None, county_cols),
            "school": Level(rows.n_school, rows.county_idx[rows.starts].astype(np.int64), school_cols),
            "section": Level(int(section_rows.sum()), rows.school_idx[section_rows].astype(np.int64), section_cols),
        },
        evidence=evidence,
        meta=[
            {
                "code": str(c),
                "name": nm,
                "year": _county_value(rows.cols, "county_year", int(s), int),
                "synthetic": bool(_county_value(rows.cols, "county_synthetic", int(s), _truthy) or False),
            }
            for c, nm, s in zip(rows.county_keys.tolist(), county_names, cstarts, strict=True)
        ],
    )


def _check_names(rows: WorkingRows, probs: _Problems) -> None:
    """Every school and county name (each read from its first row) is a name: no control characters."""
    for column, starts in (("school_name", rows.starts), ("county_name", None)):
        if column not in rows.cols:
            continue
        col = rows.cols[column]
        # str() of a cell that is not text (None, NaN, a number) has no control character: one search over the
        # column's distinct cells (its reader's, when it factorized them) decides the usual case, with no loop;
        # only a hit looks at the cells one by one
        coded = rows.coded.get(column)
        cells = coded[1] if coded is not None else _distinct((col if starts is None else col[starts]).tolist())
        if not NAME_FORBIDDEN.search("\n".join(map(str, cells))):
            continue
        positions = range(len(col)) if starts is None else starts.tolist()
        for r in positions:
            value = col[r]
            problem = name_problem(value) if isinstance(value, str) else None
            if problem is not None:
                probs.add(int(r), column, None, value, problem)


def _distinct(cells: list[Any]) -> list[Any]:
    """The distinct cells in order (a county's name repeats on every row of it); all of them if one is unhashable."""
    try:
        return list(dict.fromkeys(cells))
    except TypeError:
        return cells


def _school_names(rows: WorkingRows) -> list[Any]:
    """The name of each school: its ``school_name`` cell on its first row, else its id."""
    if "school_name" not in rows.cols:
        return list(rows.school_ids)
    column, coded = rows.cols["school_name"], rows.coded.get("school_name")
    if coded is None:
        names_col, named = _text_present(column[rows.starts])
    else:  # the reader's codes: the distinct names are cleaned once, not each school's cell
        codes, texts = _text_codes(column, (coded[0][rows.starts], coded[1]))
        names_col, named = np.array([*texts, None], dtype=object)[codes], codes >= 0
    names: list[Any] = np.where(named, names_col, rows.ids[rows.starts]).tolist()
    return names


def _county_names(rows: WorkingRows, cstarts: np.ndarray, county_name: str | None) -> list[str]:
    """The name of each county: its ``county_name`` cell on its first row, else ``county_name``, else its code."""
    cnames_col = _text(rows.cols["county_name"][cstarts]) if "county_name" in rows.cols else None
    return [
        str(cnames_col[k])
        if cnames_col is not None and cnames_col[k] is not None
        else (county_name or str(rows.county_keys[k]))
        for k in range(len(cstarts))
    ]


def _unused_column_warnings(
    cols: dict[str, np.ndarray], inputs: Mapping[str, Any], pack_id: str, source: str | None
) -> list[Problem]:
    """A warning for each column with a value that is neither a pack input, its evidence, nor a base column."""
    known = set(inputs) | {f"{k}.evidence" for k in inputs} | _BASE_COLUMNS
    out = []
    for c in cols:
        if c in known or not _has_value(cols[c]):
            continue
        close = closest(c, known)
        message = (
            msg("columns.unused_hint", column=c, pack=pack_id, close=close)
            if close is not None
            else msg("columns.unused", column=c, pack=pack_id)
        )
        out.append(Problem.of(message, source=source, field=c))
    return out


def _unused_county_warnings(unused_codes: list[str], counties_source: str | None) -> list[Problem]:
    """A warning naming the counties of the counties table that have no school in the table (none if all have)."""
    if not unused_codes:
        return []
    more = msg("data.list_more", n=len(unused_codes)) if len(unused_codes) > 10 else ""
    message = msg("columns.unused_counties", codes=", ".join(unused_codes[:10]), more=more)
    return [Problem.of(message, source=counties_source, field="county_code")]


def _section_warnings(
    rows: WorkingRows,
    inputs: Mapping[str, Any],
    section_rows: np.ndarray,
    section_cols: dict[str, np.ndarray],
    source: str | None,
) -> list[PlacedWarnings]:
    """Warnings on the sections: no students, senior data that is not read, students but no full-time teachers —
    each one message at many places (thousands of them in a nation), kept as arrays."""
    row_of_section = np.flatnonzero(section_rows)
    students = section_cols["students"]
    no_students = Problem.of(msg("data.section_no_students"), source=source, value=0)
    placed = [_at_sections(rows, (no_students,), None, row_of_section[students == 0], "students")]
    placed.append(_senior_data_warnings(rows, inputs, source))
    ft_col = section_cols.get("teachers.full_time")
    if ft_col is not None:
        no_teachers = Problem.of(msg("data.section_no_teachers"), source=source, value=0)
        at = row_of_section[(ft_col == 0) & (students > 0)]
        placed.append(_at_sections(rows, (no_teachers,), None, at, "teachers.full_time"))
    return [p for p in placed if len(p)]


def _at_sections(
    rows: WorkingRows, variants: tuple[Problem, ...], variant: np.ndarray | None, at: np.ndarray, field: str | None
) -> PlacedWarnings:
    """The warning (of each variant, by ``variant``) about ``field`` of the sections on rows ``at``."""
    return PlacedWarnings(
        variants=variants,
        variant=np.zeros(at.size, dtype=np.int64) if variant is None else variant,
        school_ids=rows.ids[at],
        sections=rows.sec_code_i[at],
        counties=rows.county_idx[at],
        field=field,
    )


def _senior_data_warnings(rows: WorkingRows, inputs: Mapping[str, Any], source: str | None) -> PlacedWarnings:
    """A warning for each senior section with data other than students, which is not read (as on the county-file
    path): only the senior students are, to apportion shared facilities. The fields given are found for all rows at
    once; one message is made per distinct set of fields."""
    cols = rows.cols
    senior_data = ["classes", *(f"teachers.{k}" for k in TeacherCounts.model_fields)]  # the county-file order
    senior_data += [c for c, d in inputs.items() if d.level == "section" and not c.startswith("teachers.")]
    senior_data = [c for c in dict.fromkeys(senior_data) if c in cols]
    senior = np.flatnonzero(rows.sec_code_i == 2)
    if not senior_data or not senior.size:
        return _at_sections(rows, (), None, senior[:0], None)
    labels = {c: lab for c, d in inputs.items() if (lab := label_of(d)) is not None}
    shown = [c if c == "classes" or c.startswith("teachers.") else f"facts.{c}" for c in senior_data]
    given_by_field = np.stack([~_missing_mask(np.asarray(cols[c][senior])) for c in senior_data], axis=1)
    given = np.flatnonzero(given_by_field.any(axis=1))
    patterns, which = _distinct_rows(given_by_field[given])
    problems = tuple(
        Problem.of(
            msg(
                "data.senior_ignored",
                fields=FieldList(tuple(n for n, has in zip(shown, p, strict=True) if has), labels),
            ),
            source=source,
            field="sections.senior",
        )
        for p in patterns.tolist()
    )
    return _at_sections(rows, problems, which.astype(np.int64), senior[given], None)


def _distinct_rows(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a boolean matrix, and the index of each row among them: each row packed into bytes and
    compared as one value (a sort of short keys, where ``np.unique(axis=0)`` compares column by column)."""
    packed = np.ascontiguousarray(np.packbits(flags, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)
    _, first, which = np.unique(keys, return_index=True, return_inverse=True)
    return flags[first], np.asarray(which).reshape(-1)


@dataclass
class GoodCounties:
    """The table of the counties whose data has no problem, and the problems of the others."""

    table: Table | None
    """The table of the good counties; None when every county has a problem."""
    problems: list[Problem]
    """Every problem found, each naming its county (``extra["county_code"]``) and row (``extra["row"]``)."""
    skipped: list[str]
    """The codes of the counties left out, in order."""


def table_of_good_counties(
    data: Any,
    cp: CompiledPack,
    *,
    counties: Any = None,
    source: str | None = None,
    counties_source: str | None = None,
) -> GoodCounties:
    """:func:`table_from_columns` for the counties whose data has no problem: a county with any problem (in its rows
    or in its row of the counties table) is left out whole, never half-read, and its problems are returned.

    The table is read again without the counties found bad until none is left with a problem: as many passes as
    the reader has stages that stop it (never one pass per county). A problem that belongs to no county (a missing
    column) is the whole table's: it is raised, as without skipping."""
    skip = Skip()
    problems: list[Problem] = []
    while True:
        try:
            table = table_from_columns(
                data, cp, counties=counties, source=source, counties_source=counties_source, skip=skip
            )
        except TableProblems as exc:
            if not _skip_more(exc, skip):
                raise InputError([*problems, *exc.problems]) from None
            problems.extend(exc.problems)
            continue
        except InputError as exc:
            if skip and any(p.key == "columns.no_rows" for p in exc.problems):  # every county was left out
                return GoodCounties(None, problems, sorted(skip.counties))
            raise
        return GoodCounties(table, problems, sorted(skip.counties))


def _skip_more(exc: TableProblems, skip: Skip) -> bool:
    """Add the counties (and the rows naming no county) of a pass's problems to ``skip``; False when a problem
    belongs to the whole table or nothing new is left out (skipping cannot help)."""
    rows: set[int] = set()
    for p in exc.problems:
        if p.key == "data.more_problems":
            continue
        if p.extra.get("row") is None:
            return False  # a problem of the table as a whole (a missing column)
        if p.extra.get("table") == "rows":
            rows.add(int(p.extra["row"]) - 2)
    codes = set(exc.county_codes)
    if codes <= skip.counties and rows <= skip.rows:
        return False
    skip.counties |= codes
    skip.rows |= rows
    return True
