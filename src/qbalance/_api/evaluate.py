"""Top-level functions: :func:`evaluate` one county, :func:`load_county`, and the demo county's path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .._data import intake
from .._data.models import County
from .._report.report import Report
from .lookback import YearStore
from .standard import Standard, load_standard

__all__ = ["as_county", "demo_path", "evaluate", "evaluate_with", "load_county"]


def demo_path() -> Path:
    """The path of the synthetic demo county shipped with qbalance."""
    return Path(__file__).resolve().parent.parent / "data" / "demo-county.yaml"


def as_county(data: Any, standard: Standard | None = None) -> tuple[County, str]:
    """Accept a path (YAML, JSON, .xlsx, a one-county .csv/.parquet), a dict, a :class:`County` or a one-county
    DataFrame/Arrow table; return the validated county and a source name.

    ``standard`` says which table columns are county, school and section facts, and how a workbook's teacher roster
    is counted; the national pack when not given.
    """
    return intake.as_county(data, standard)


def load_county(data: Any, standard: str | Path | Standard | None = None) -> County:
    """Read and validate a county (a YAML/JSON/.xlsx/one-county CSV or Parquet path, a dict, a :class:`County` or a
    one-county DataFrame) without evaluating it.

    Every problem is raised at once as :class:`InputError`. ``standard`` (default: the national pack) says which
    table columns are facts at which level, and how a workbook's teacher roster is counted.
    """
    std = load_standard(standard) if standard is not None else None
    return as_county(data, std)[0]


def evaluate_with(std: Standard, data: Any) -> Report:
    """Evaluate one county under a loaded standard, whatever form its data take (:meth:`Standard.evaluate`)."""
    return std.evaluate(data)


def evaluate(
    data: Any,
    standard: str | Path | Standard | None = None,
    *,
    as_of: dt.date | str | None = None,
    survey: Any = None,
    roster: Any = None,
    history: YearStore | None = None,
    previous: Any = None,
    year: int | None = None,
) -> Report:
    """Evaluate one county against a standard and return its :class:`Report`.

    ``data`` is a path to a county file (YAML, JSON, a filled Excel template .xlsx, or a one-county CSV/Parquet
    table), a dict in the county format, a :class:`County`, or a one-county DataFrame / Arrow table.
    ``standard`` is a pack id, ``id@version``, a path to a pack, or a loaded :class:`Standard`; by default the pack a
    data-entry workbook records it was made for, else the national standard ``cn-moe-2017``.
    ``survey`` is the county's social-recognition survey: a response file (.csv or .xlsx, one row a respondent with
    its group and answer), a tally ``{group: {answer: respondents}}`` or a list of rows; the satisfaction rate is
    counted from it by the standard's ``survey:`` definition unless the county types the rate (then the typed rate
    is used, and the report says so). ``roster`` is the county's teacher roster (a CSV file with a header row of
    field keys — ``school_id``, ``section`` and the standard's roster fields — or a list of rows): the teacher counts
    of the sections it names and the county totals (certificate holders, rotated teachers) are counted from it by
    the standard's definitions; a typed count that differs is an input error.

    ``as_of`` chooses the version of the standard in force on that date and is the date progress towards targets
    is judged on (default: 31 December of the data year). ``history`` (a history store) gives the previous data
    year to the rules that look back (``previous.x``) and the stored yearly values to the progress items;
    ``previous`` is the previous year's data instead (any form ``data`` takes); ``year`` is the data year when the
    data do not state it. Without the previous year, the items that look back are not evaluated.
    """
    if standard is None:
        from .._data.intake import workbook_pack

        standard = workbook_pack(data) or "cn-moe-2017"
    std = load_standard(standard, as_of=as_of)
    return std.evaluate(data, survey=survey, roster=roster, history=history, previous=previous, year=year)
