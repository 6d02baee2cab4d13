"""Top-level functions: :func:`evaluate` one county, and the data coercions they share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .._base.documents import DATA_LIMITS, load_document
from .._base.errors import InputError, Problem
from .._data.county_file import EXCEL_SUFFIXES, locate_problems, read_county, validate_county
from .._data.models import County
from .._report.model import Report
from .standard import Standard, load_standard

__all__ = ["as_county", "demo_path", "evaluate", "evaluate_with", "plan"]


def demo_path() -> Path:
    """The path of the synthetic demo county shipped with qbalance."""
    return Path(__file__).resolve().parent.parent / "data" / "demo-county.yaml"


def as_county(data: Any, standard: Standard | None = None) -> tuple[County, str]:
    """Accept a path (YAML, JSON, .xlsx, a one-county .csv/.parquet), a dict, a :class:`County` or a one-county
    DataFrame/Arrow table; return the validated county and a source name.

    ``standard`` says which table columns are county, school and section facts, and how a workbook's teacher roster
    is counted; the national pack when not given.
    """
    if isinstance(data, County):
        return data, "<County>"
    if _is_columnar(data):
        # a one-county table: checked cell by cell by the table path, then rewritten as a county file
        from .._data.table_county import county_model_from_table

        return county_model_from_table(data, (standard or load_standard()).compiled)
    if isinstance(data, (str, Path)):
        return read_county(data, standard)
    if isinstance(data, dict):
        return validate_county(data, "<dict>"), "<dict>"
    raise InputError(Problem(f"cannot evaluate a {type(data).__name__}: give a path, a dict or a County"))


def load_county(data: Any, standard: str | Path | Standard | None = None) -> County:
    """Read and validate a county (a YAML/JSON/.xlsx/one-county CSV or Parquet path, a dict, a :class:`County` or a
    one-county DataFrame) without evaluating it.

    Every problem is raised at once as :class:`InputError`. ``standard`` (default: the national pack) says which
    table columns are facts at which level, and how a workbook's teacher roster is counted.
    """
    std = load_standard(standard) if standard is not None else None
    return as_county(data, std)[0]


def _is_frame(data: Any) -> bool:
    """A pandas DataFrame or pyarrow Table (duck-typed: neither library is imported)."""
    if isinstance(data, (dict, str, Path, County)):
        return False
    return (hasattr(data, "column_names") and hasattr(data, "column")) or (
        hasattr(data, "columns") and hasattr(data, "iloc")
    )


def _is_columnar(data: Any) -> bool:
    if isinstance(data, (str, Path)):
        from .._data.county_file import COLUMNAR_SUFFIXES

        return Path(data).suffix.lower() in COLUMNAR_SUFFIXES
    return _is_frame(data)


def evaluate_with(std: Standard, data: Any) -> Report:
    """Evaluate one county under a loaded standard, whatever form its data take.

    YAML/JSON files, dicts and :class:`County` objects are validated by the county model; a filled .xlsx template
    is read cell by cell (problems name their cells, also those the pack finds); a CSV/Parquet file, a DataFrame or
    an Arrow table goes through the vectorised columnar path and must hold exactly one county. Does not call
    :meth:`Standard.evaluate`, so that method can delegate here.
    """
    if _is_columnar(data):
        from .batch import evaluate_many

        batch = evaluate_many(data, std)
        codes = batch.county_codes
        if len(codes) != 1:
            raise InputError(
                Problem(
                    f"the table holds {len(codes)} counties ({', '.join(codes[:5])}{'...' if len(codes) > 5 else ''}): "
                    "use qbalance.evaluate_many",
                    source=str(data) if isinstance(data, (str, Path)) else None,
                )
            )
        return batch.report(codes[0])
    from .._report.model import build_report

    cells = None
    if isinstance(data, (str, Path)) and Path(data).suffix.lower() in EXCEL_SUFFIXES:
        from .._data.workbook import load_workbook_county

        county, source, cells = load_workbook_county(data, std)
    else:
        try:
            county, source = as_county(data, std)
        except InputError as exc:
            raise _with_fact_problems(exc, data, std) from None
    try:
        table = std.table([county], [source])
    except InputError as exc:
        if cells is not None:
            from .._data.workbook import relocate

            raise relocate(exc, cells) from None
        if isinstance(data, (str, Path)) and Path(data).suffix.lower() in (".yaml", ".yml", ".json"):
            raise locate_problems(exc, data) from None
        raise
    results = std.run(table)
    origins = std.resolved.origins if std.resolved is not None else {}
    return build_report(results, 0, std.provenance(table.digest(0)), None, origins)


def _with_fact_problems(error: InputError, data: Any, std: Standard) -> InputError:
    """The model's problems plus those the pack finds in the same file's facts: every problem in one report. A fact
    problem at or below a place the model already reported (e.g. a non-finite value in ``facts``) is not repeated."""
    from .._data.table import raw_fact_problems

    path: Path | None = None
    if isinstance(data, dict):
        raw: Any = data
        source = "<dict>"
    elif isinstance(data, (str, Path)) and Path(data).suffix.lower() in (".yaml", ".yml", ".json"):
        path = Path(data)
        try:
            raw = load_document(path, DATA_LIMITS, ".yaml, .yml or .json").data
        except InputError:
            return error
        source = str(path)
    else:
        return error
    reported = [q.path for q in error.problems if q.path]
    fresh = [
        q
        for q in raw_fact_problems(raw, std.pack, source)
        if not any(q.path == r or (q.path or "").startswith(r + ".") for r in reported)
    ]
    if not fresh:
        return error
    located = locate_problems(InputError(fresh), path).problems if path is not None else fresh
    return InputError([*error.problems, *located])


def evaluate(
    data: Any, standard: str | Path | Standard = "cn-moe-2017", *, as_of: dt.date | str | None = None
) -> Report:
    """Evaluate one county against a standard and return its :class:`Report`.

    ``data`` is a path to a county file (YAML, JSON, a filled Excel template .xlsx, or a one-county CSV/Parquet
    table), a dict in the county format, a :class:`County`, or a one-county DataFrame / Arrow table.
    ``standard`` is a pack id, ``id@version``, a path to a pack, or a loaded :class:`Standard`.
    """
    std = load_standard(standard, as_of=as_of)
    return evaluate_with(std, data)


def plan(data: Any, standard: str | Path | Standard = "cn-moe-2017", *, costs: dict[str, float] | None = None) -> Any:
    """The rectification plan (整改方案) for one county: the smallest additions that fix its resource items.

    Returns a :class:`Plan` (per-school additions in real units, totals, and the evaluation before and after).
    ``costs`` optionally gives yuan per unit of each input, to choose which indicator a school may leave short.
    """
    from .._workflow.plan import make_plan

    return make_plan(data, load_standard(standard), costs=costs)
