"""The one way in for county data: whatever form it comes in, a validated one-county :class:`Table`.

* YAML/JSON files, dicts and :class:`County` objects are validated by the county model, then tabled under the pack
  (every problem located at its line, the model's and the pack's together);
* a filled data-entry workbook is read cell by cell (every problem named by its cell, also those the pack finds);
* CSV/Parquet files, DataFrames and Arrow tables go through the vectorised columnar path (every bad cell named by
  row and column) and must hold exactly one county.

Evaluation, plans and the pack tests all start here. :func:`as_county` gives the model form of the same data, for
the operations whose public form is a :class:`County` (scenarios, :func:`qbalance.load_county`, prefilled templates).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._base.documents import DATA_LIMITS, Loaded, load_document
from .._base.errors import InputError, Problem
from .._base.messages import msg
from .._packs.loading import PackLike, load_pack
from .columns import read_table_file, table_from_columns
from .computed import (
    SurveyRequest,
    apply_survey,
    inline_survey,
    names_survey,
    record_facts,
    take_survey_reference,
)
from .county_file import COLUMNAR_SUFFIXES, EXCEL_SUFFIXES, OTHER_SPREADSHEET_SUFFIXES, locate_loaded, validate_county
from .models import County
from .table import Table, build_table, raw_fact_problems

__all__ = ["Intake", "as_county", "is_columnar", "read_input", "workbook_pack"]

COUNTY_FILE_KINDS = msg("files.county_kinds")
DEFAULT_PACK = "cn-moe-2017"


@dataclass(frozen=True)
class Intake:
    """One county's validated table under a pack, and the name of where it came from."""

    table: Table
    source: str


def _is_frame(data: Any) -> bool:
    """A pandas DataFrame or pyarrow Table (duck-typed: neither library is imported)."""
    if isinstance(data, (dict, str, Path, County)):
        return False
    return (hasattr(data, "column_names") and hasattr(data, "column")) or (
        hasattr(data, "columns") and hasattr(data, "iloc")
    )


def is_columnar(data: Any) -> bool:
    """A table of rows: a CSV/Parquet path, a DataFrame or an Arrow table."""
    if isinstance(data, (str, Path)):
        return Path(data).suffix.lower() in COLUMNAR_SUFFIXES
    return _is_frame(data)


def _is_workbook(data: Any) -> bool:
    """An .xlsx path — or a spreadsheet of another format (.xls, .et …), which the workbook reader refuses with the
    steps to save it as .xlsx."""
    suffix = Path(data).suffix.lower() if isinstance(data, (str, Path)) else ""
    return suffix in EXCEL_SUFFIXES or suffix in OTHER_SPREADSHEET_SUFFIXES


def workbook_pack(path: Any) -> str | None:
    """The pack a data-entry workbook records it was made for (:func:`.workbook.recorded_pack`); None for anything
    that is not an .xlsx path, without importing the workbook reader."""
    if not isinstance(path, (str, Path)) or Path(path).suffix.lower() not in EXCEL_SUFFIXES:
        return None
    from .workbook import recorded_pack

    return recorded_pack(path)


def read_input(data: Any, loaded: PackLike, *, survey: Any = None, roster: Any = None) -> Intake:
    """The validated table of one county under ``loaded``'s pack; raises :class:`InputError` with every problem.

    ``survey`` (a response file, a tally or rows) is the county's social-recognition survey, counted into the
    pack's survey input (:mod:`.computed`); a county file may name its response file instead. ``roster`` (a CSV
    file or rows) is its teacher roster, counted into the section counts and county totals (:mod:`.roster_table`)."""
    asked = SurveyRequest(survey) if survey is not None else None
    if is_columnar(data):
        intake = _from_columns(data, loaded)
    elif _is_workbook(data):
        intake = _from_workbook(Path(data), loaded)
    else:
        intake, named = _from_county_data(data, loaded)
        if named is not None and asked is not None:
            raise InputError(Problem.of(msg("compute.survey_twice"), source=intake.source, location=named.where))
        asked = asked or named
    if roster is not None:
        from .roster_table import apply_roster

        apply_roster(intake.table, 0, roster, loaded, intake.source)
    if asked is not None:
        apply_survey(intake.table, 0, asked, loaded.pack, intake.source)
    return intake


def _from_columns(data: Any, loaded: PackLike) -> Intake:
    source = str(data) if isinstance(data, (str, Path)) else None
    columns = read_table_file(Path(data)) if isinstance(data, (str, Path)) else data
    table = table_from_columns(columns, loaded.compiled, source=source)
    codes = table.county_codes
    if len(codes) != 1:
        shown = ", ".join(codes[:5]) + ("..." if len(codes) > 5 else "")
        raise InputError(Problem.of(msg("data.too_many_counties", n=len(codes), codes=shown), source=source))
    return Intake(table, source or "<table>")


def _from_workbook(path: Path, loaded: PackLike) -> Intake:
    from .workbook import load_workbook_county, relocate

    county, source, cells = load_workbook_county(path, loaded)
    try:
        table = build_table([county], loaded.compiled, [source])
    except InputError as exc:
        raise relocate(exc, cells) from None
    table.warnings.extend(cells.warnings)  # e.g. the workbook was made for another pack
    record_facts(table, 0, cells.computed)  # the county totals counted from the roster sheet
    return Intake(table, source)


def _from_county_data(data: Any, loaded: PackLike) -> tuple[Intake, SurveyRequest | None]:
    """The intake of a county file, dict or model, and the survey its county facts name (counted by the caller)."""
    if isinstance(data, County):
        return Intake(build_table([data], loaded.compiled, ["<County>"]), "<County>"), None
    doc, raw, source = _document(data)
    raw, named = take_survey_reference(raw, loaded.pack, source, doc)
    try:
        county = validate_county(raw, source, doc)
    except InputError as exc:
        raise _with_fact_problems(exc, raw, source, doc, loaded) from None
    try:
        return Intake(build_table([county], loaded.compiled, [source]), source), named
    except InputError as exc:
        raise (locate_loaded(exc, doc) if doc is not None else exc) from None


def _document(data: Any) -> tuple[Loaded | None, Any, str]:
    """(the loaded document when read from a file, its data, its source name) of a dict or a county file path."""
    if isinstance(data, dict):
        return None, data, "<dict>"
    if isinstance(data, (str, Path)):
        doc = load_document(Path(data), DATA_LIMITS, COUNTY_FILE_KINDS)
        return doc, doc.data, str(data)
    raise InputError(Problem.of(msg("data.cannot_evaluate", kind=type(data).__name__)))


def _with_fact_problems(error: InputError, raw: Any, source: str, doc: Loaded | None, loaded: PackLike) -> InputError:
    """The model's problems plus those the pack finds in the same data's facts: every problem in one report. A fact
    problem at or below a place the model already reported (e.g. a non-finite value in ``facts``) is not repeated."""
    reported = [q.path for q in error.problems if q.path]
    fresh = [
        q
        for q in raw_fact_problems(raw, loaded.pack, source)
        if not any(q.path == r or (q.path or "").startswith(r + ".") for r in reported)
    ]
    if not fresh:
        return error
    located = locate_loaded(InputError(fresh), doc).problems if doc is not None else fresh
    return InputError([*error.problems, *located])


def as_county(data: Any, loaded: PackLike | None = None) -> tuple[County, str]:
    """The :class:`County` model of ``data`` (any form :func:`read_input` takes) and its source name.

    ``loaded`` says which table columns are county, school and section facts, and how a workbook's teacher roster is
    counted; the national pack when not given.
    """
    if isinstance(data, County):
        return data, "<County>"
    if is_columnar(data):
        from .table_county import county_model_from_table

        return county_model_from_table(data, (loaded or load_pack(DEFAULT_PACK)).compiled)
    if _is_workbook(data):
        from .workbook import load_workbook_county

        county, source, _ = load_workbook_county(Path(data), loaded)
        return county, source
    if isinstance(data, (str, Path)):
        doc = load_document(Path(data), DATA_LIMITS, COUNTY_FILE_KINDS)
        raw = doc.data
        if names_survey(raw):
            raw = inline_survey(raw, (loaded or load_pack(DEFAULT_PACK)).pack, str(data), doc)
        return validate_county(raw, str(data), doc), str(data)
    if isinstance(data, dict):
        raw = (
            inline_survey(data, (loaded or load_pack(DEFAULT_PACK)).pack, "<dict>", None)
            if names_survey(data)
            else data
        )
        return validate_county(raw, "<dict>"), "<dict>"
    raise InputError(Problem.of(msg("data.cannot_evaluate", kind=type(data).__name__)))
