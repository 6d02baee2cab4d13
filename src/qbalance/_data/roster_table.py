"""A teacher roster (教师名册) given beside a county of any form: counted into its table by the pack's definitions.

The workbook template has a roster sheet of its own (read by :mod:`.workbook`). A county kept as YAML, JSON or a
table gives its roster separately — a CSV file (UTF-8, a header row of field keys: ``school_id``, ``section`` and
the pack's roster fields), or rows — with ``qbalance.evaluate(county, roster=...)``. Then, as for the sheet:

* the section counts (专任教师数, 高于规定学历 …) of every section the roster names are counted from it; a typed
  count that differs is an input error naming the school, section and count, and a count the roster cannot make
  (a blank cell its definition reads) leaves the typed one in place;
* the county totals of ``roster.totals`` (certificate holders, rotated teachers …) are counted likewise, and each
  is recorded for the report (:class:`~.computed.ComputedFact`).

Every roster row is checked first (school ids of the county, sections the school has, the pack's categories): a bad
row is an error naming the file, the row and the value.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._base.errors import InputError, Problem
from .._base.files import read_input_file
from .._base.messages import msg
from .._base.vocabulary import SECTIONS
from .._packs.schema import Pack
from .computed import ComputedFact, RosterTotal, record_facts
from .roster import RosterRow, aggregate_roster, roster_rows
from .roster_totals import partial_roster, roster_totals, uncovered
from .table import Table

__all__ = ["MAX_ROSTER_BYTES", "apply_roster", "read_roster_file"]

MAX_ROSTER_BYTES = 50_000_000
MAX_ROSTER_ROWS = 1_000_000


def read_roster_file(path: Path) -> list[dict[str, Any]]:
    """The raw rows of a roster CSV file (UTF-8, with or without a BOM; header row of field keys), size-bounded."""
    source = str(path)
    if path.suffix.lower() != ".csv":
        raise InputError(Problem.of(msg("compute.roster_suffix"), source=source))
    raw = read_input_file(path, MAX_ROSTER_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(Problem.of(msg("compute.survey_encoding"), source=source)) from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = []
        for i, r in enumerate(reader):
            if i >= MAX_ROSTER_ROWS:
                raise InputError(Problem.of(msg("compute.roster_too_many", max=MAX_ROSTER_ROWS), source=source))
            if None in r:  # a row with more cells than the header has names
                where = f"row {i + 2}"
                raise InputError(Problem.of(msg("compute.roster_extra_cells"), source=source, location=where))
            rows.append({(k or "").strip(): v for k, v in r.items()})
        return rows
    except csv.Error as exc:
        raise InputError(Problem.of(msg("compute.survey_bad_csv", detail=str(exc)), source=source)) from None


def _sections_of(table: Table, county: int) -> tuple[dict[str, list[str]], dict[tuple[str, str], int]]:
    """The county's schools with their sections, and the section row of each (school id, section)."""
    sec = table.levels["section"]
    school_of = table.ancestor("school", "section")
    county_of = table.ancestor("county", "section")
    here = np.flatnonzero(table.ancestor("county", "school") == county)
    senior = table.levels["school"].columns["senior_students"]
    schools: dict[str, list[str]] = {table.school_ids[s]: (["senior"] if senior[s] > 0 else []) for s in here}
    rows: dict[tuple[str, str], int] = {}
    for r in np.flatnonzero(county_of == county):
        sid = table.school_ids[int(school_of[r])]
        name = SECTIONS[int(sec.columns["section"][r])]
        schools[sid].append(name)
        rows[(sid, name)] = int(r)
    return schools, rows


def apply_roster(table: Table, county: int, roster: Any, standard: Any, source: str | None) -> None:
    """Count ``roster`` (a CSV path, raw rows or checked rows) into county number ``county`` of ``table``: its
    section counts and the pack's county totals. Raises :class:`InputError` with every problem found."""
    pack: Pack = standard.pack
    raw: Sequence[Any] = read_roster_file(Path(roster)) if isinstance(roster, (str, Path)) else list(roster)
    source = str(roster) if isinstance(roster, (str, Path)) else "<rows>"
    schools, section_rows = _sections_of(table, county)
    checked = [r for r in raw if isinstance(r, RosterRow)]
    if raw and len(checked) == len(raw):  # already checked (by roster_rows): the county's schools are checked here
        counts = aggregate_roster(checked, standard, schools=schools, source=source)
    else:
        plain = [dict(r) for r in raw if isinstance(r, Mapping)]
        if len(plain) != len(raw):
            raise InputError(Problem.of(msg("compute.roster_rows"), source=source))
        checked = roster_rows(plain, standard, source=source, schools=schools)
        counts = aggregate_roster(checked, standard, source=source)
    problems = _fill_sections(table, counts, section_rows, source)
    records, more = _fill_totals(table, county, checked, pack, source)
    problems += more
    if problems:
        raise InputError(problems)
    record_facts(table, county, records)


def _fill_sections(
    table: Table,
    counts: Mapping[tuple[str, str], Mapping[str, int | None]],
    rows: Mapping[tuple[str, str], int],
    source: str | None,
) -> list[Problem]:
    """Put the roster's section counts into the table where none was typed; a typed count that differs is a
    problem, a count the roster cannot make (None) leaves the typed one."""
    columns = table.levels["section"].columns
    problems: list[Problem] = []
    for (sid, sec), tally in counts.items():
        r = rows.get((sid, sec))
        if r is None:
            continue  # a senior section, or one the pack does not evaluate
        for name, n in tally.items():
            column = columns.get(f"teachers.{name}")
            if column is None or n is None:
                continue  # the pack does not read this count, or the roster cannot make it
            typed = float(column[r])
            if not math.isnan(typed) and typed != n:
                where = {"source": source, "school_id": sid, "field": f"sections.{sec}.teachers.{name}"}
                problems.append(Problem.of(msg("compute.roster_total_differs", n=n), value=typed, **where))
                continue
            column[r] = float(n)
    return problems


def _fill_totals(
    table: Table, county: int, rows: Sequence[RosterRow], pack: Pack, source: str | None
) -> tuple[list[ComputedFact], list[Problem]]:
    """Put the roster's county totals into the table where none was typed, with a record of each."""
    if pack.roster is None:
        return [], []
    columns = table.levels["county"].columns
    gaps = uncovered(rows, _with_teachers(table, county))
    totals = roster_totals(rows, pack) if not gaps else dict.fromkeys(pack.roster.totals)
    records: list[ComputedFact] = []
    problems: list[Problem] = []
    for name, n in totals.items():
        spec = pack.roster.totals[name]
        column = columns.setdefault(name, np.full(table.levels["county"].n, np.nan))
        typed = float(column[county])
        has_typed = not math.isnan(typed)
        if n is not None and has_typed and typed != n:
            where = {"source": source, "field": f"facts.{name}"}
            problems.append(Problem.of(msg("compute.roster_total_differs", n=n), value=typed, **where))
            continue
        if n is not None:
            column[county] = float(n)
        origin = "computed" if n is not None else ("typed" if has_typed else "missing")
        detail = RosterTotal(len(rows), spec.where, spec.label)
        computed = float(n) if n is not None else None
        typed_value = typed if has_typed else None
        label = pack.inputs[name].label
        warnings = [partial_roster(gaps)] if gaps else []
        records.append(
            ComputedFact(name, "roster", computed, source, label, origin, typed_value, roster=detail, warnings=warnings)
        )
    return records, problems


def _with_teachers(table: Table, county: int) -> list[tuple[str, str]]:
    """The county's section rows (school id, section), except those with a full-time teacher count of 0."""
    _, rows = _sections_of(table, county)
    full_time = table.levels["section"].columns.get("teachers.full_time")
    return [key for key, r in rows.items() if full_time is None or float(full_time[r]) != 0.0]
