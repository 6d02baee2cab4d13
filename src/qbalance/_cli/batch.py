"""``qbalance evaluate-batch INPUT -o OUT``: evaluate every county of one table, write county and school tables.

INPUT is a CSV or Parquet file in the columnar format (docs/input-format.md): one row per school section, or one
row per school with ``primary.*``/``junior.*`` columns, and a ``county_code`` column. County-level facts come from
the same table (identical within a county) or from a separate counties table (``counties_path``).

Writes ``OUT/counties.<fmt>`` (one row per county: verdict, area and item statuses, each indicator's county value
and CV) and ``OUT/schools.<fmt>`` (one row per school section: scope, indicator values, thresholds, met flags and
row-level item results). Exit status, as for ``qbalance evaluate`` but over all counties: 0 every county passes;
1 at least one county fails; 3 none fails but at least one is incomplete (data missing); 2 the input or the pack is
invalid (every problem is printed on stderr, nothing is written).

With ``--on-error skip`` a county whose data has a problem is left out whole and the others are evaluated: the
problems go to ``OUT/problems.<fmt>`` (county_code, row, school_id, field, value, message, key), the summary line
says how many counties were evaluated and how many skipped, and the exit status follows the evaluated counties
(2 when none could be). Messages are in Chinese unless ``--lang en``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from .._base.errors import QbalanceError, _ProblemsError
from .._base.messages import language, text
from .batch_warnings import print_warnings

__all__ = ["add_batch_options", "batch_command", "run_batch"]

EXIT_PASS, EXIT_FAIL, EXIT_INVALID, EXIT_INCOMPLETE = 0, 1, 2, 3
FORMATS = ("csv", "parquet")
ON_ERROR = ("raise", "skip")
_MAX_PRINTED = 50
READ_AHEAD_MAX_BYTES = 64 * 1024 * 1024
"""A file up to this size is read while the pack loads: reading it takes about as long as the command's start. A
larger one is read after the pack is loaded, so that a pack's problem is reported at once (pyarrow finishes a read
it has begun before the process can end)."""


def _say(key: str, /, **args: Any) -> None:
    """Print a catalogue message on standard error, in the current language."""
    print(text(key, **args), file=sys.stderr)


def run_batch(
    input_path: str | Path,
    output_dir: str | Path,
    standard: str = "cn-moe-2017",
    fmt: str = "csv",
    *,
    counties_path: str | Path | None = None,
    as_of: str | None = None,
    plain_csv: bool = False,
    on_error: str = "raise",
    lang: str | None = None,
    previous_path: str | Path | None = None,
    previous_counties_path: str | Path | None = None,
) -> int:
    """Evaluate every county in ``input_path``, write the result tables to ``output_dir``; returns the exit status.

    ``on_error="skip"`` evaluates the counties without input problems and writes the others' problems to
    ``problems.<fmt>``; ``lang`` is the language of the messages and of that table (the current language, Chinese
    unless chosen otherwise, when not given). ``previous_path`` (and ``previous_counties_path``): the previous
    year's table, for the rules that look back (``previous.x``)."""
    previous = (previous_path, previous_counties_path)
    if lang is None:
        return _run(input_path, output_dir, standard, fmt, counties_path, as_of, plain_csv, on_error, previous)
    with language(lang):
        return _run(input_path, output_dir, standard, fmt, counties_path, as_of, plain_csv, on_error, previous)


def _run(
    input_path: str | Path,
    output_dir: str | Path,
    standard: str,
    fmt: str,
    counties_path: str | Path | None,
    as_of: str | None,
    plain_csv: bool,
    on_error: str,
    previous: tuple[str | Path | None, str | Path | None] = (None, None),
) -> int:
    if fmt not in FORMATS:
        _say("batch.bad_format", formats=", ".join(FORMATS), fmt=fmt)
        return EXIT_INVALID
    if on_error not in ON_ERROR:
        _say("batch.error", detail=text("batch.bad_on_error", value=on_error))
        return EXIT_INVALID
    src = Path(input_path)
    if src.suffix.lower() not in (".csv", ".parquet", ".pq"):
        _say("batch.bad_suffix", path=src)
        return EXIT_INVALID
    if not src.is_file():
        _say("batch.no_file", path=src)
        return EXIT_INVALID
    from .._data.column_sources import TableFileReading

    # read while the evaluation layer is imported and the pack loaded
    data = TableFileReading(src) if src.stat().st_size <= READ_AHEAD_MAX_BYTES else src
    from .._api.batch import OnError, evaluate_many

    try:
        mode: OnError = "skip" if on_error == "skip" else "raise"
        result = evaluate_many(
            data,
            standard,
            counties=counties_path,
            as_of=as_of,
            on_error=mode,
            previous=previous[0],
            previous_counties=previous[1],
        )
        if not result.county_codes and not result.skipped:  # an empty table is no county, never a pass
            _say("batch.no_rows", path=src)
            return EXIT_INVALID
        written = result.write(output_dir, fmt, spreadsheet_safe=not plain_csv)
    except _ProblemsError as exc:
        _print_problems(exc)
        return EXIT_INVALID
    except QbalanceError as exc:
        _say("batch.error", detail=exc)
        return EXIT_INVALID
    return _summary(result, written, Path(output_dir) / f"problems.{fmt}")


def _print_problems(exc: _ProblemsError) -> None:
    """Every problem that stopped the batch (up to a limit), one per line, on standard error."""
    problems = exc.problems
    _say(f"batch.problems_head.{exc.kind.split()[0]}", n=len(problems))
    for p in problems[:_MAX_PRINTED]:
        print("  - " + p.render(), file=sys.stderr)
    if len(problems) > _MAX_PRINTED:
        _say("batch.more", n=len(problems) - _MAX_PRINTED)


def _summary(result: Any, written: list[Path], problems: Path) -> int:
    """Print the summary line and the data warnings; the exit status of the counties evaluated."""
    verdicts = result.results.verdict
    n_pass = int((verdicts == 1.0).sum())
    n_fail = int((verdicts == 0.0).sum())
    n_incomplete = int(verdicts.size - n_pass - n_fail)
    n_skipped = len(result.skipped)
    if not result.county_codes:  # every county was left out
        _say("batch.none_evaluated", n_skipped=f"{n_skipped:,}", problems=problems)
        return EXIT_INVALID
    counts = {
        "n": f"{len(result.county_codes):,}",
        "n_pass": f"{n_pass:,}",
        "n_fail": f"{n_fail:,}",
        "n_incomplete": f"{n_incomplete:,}",
        "n_rows": f"{result.table.levels['section'].n:,}",
        "files": ", ".join(str(p) for p in written),
    }
    if result.on_error == "skip":
        print(text("batch.summary_skipped", n_skipped=f"{n_skipped:,}", problems=problems, **counts))
    else:
        print(text("batch.summary", **counts))
    print_warnings(result.table.warning_entries(), _MAX_PRINTED)
    if n_fail:
        return EXIT_FAIL
    return EXIT_INCOMPLETE if n_incomplete else EXIT_PASS


def add_batch_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--on-error`` (and ``--lang``, unless the parser has it) to the ``evaluate-batch`` parser, and make it
    run :func:`batch_command`, which passes them on to :func:`run_batch`."""
    parser.add_argument(
        "--on-error", choices=ON_ERROR, default="raise", dest="on_error", help=text("batch.help.on_error")
    )
    parser.add_argument("--previous", metavar="FILE", help=text("batch.help.previous"))
    parser.add_argument("--previous-counties", metavar="FILE", help=text("batch.help.previous_counties"))
    with contextlib.suppress(argparse.ArgumentError):  # unless the parser has its own --lang
        parser.add_argument("--lang", choices=["zh", "en"], default="zh", help=text("batch.help.lang"))
    parser.set_defaults(func=batch_command)


def batch_command(args: argparse.Namespace) -> int:
    """``qbalance evaluate-batch`` with its parsed arguments."""
    return run_batch(
        args.input,
        args.output,
        args.standard or "cn-moe-2017",
        args.format,
        counties_path=args.counties,
        as_of=args.as_of,
        plain_csv=args.plain_csv,
        on_error=getattr(args, "on_error", "raise"),
        lang=getattr(args, "lang", "zh"),
        previous_path=getattr(args, "previous", None),
        previous_counties_path=getattr(args, "previous_counties", None),
    )
