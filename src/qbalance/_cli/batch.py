"""``qbalance evaluate-batch INPUT -o OUT``: evaluate every county of one table, write county and school tables.

INPUT is a CSV or Parquet file in the columnar format (docs/input-format.md): one row per school section, or one
row per school with ``primary.*``/``junior.*`` columns, and a ``county_code`` column. County-level facts come from
the same table (identical within a county) or from a separate counties table (``counties_path``).

Writes ``OUT/counties.<fmt>`` (one row per county: verdict, area and item statuses, each indicator's county value
and CV) and ``OUT/schools.<fmt>`` (one row per school section: scope, indicator values, thresholds, met flags and
row-level item results). Exit status, as for ``qbalance evaluate`` but over all counties: 0 every county passes;
1 at least one county fails; 3 none fails but at least one is incomplete (data missing); 2 the input or the pack is
invalid (every problem is printed on stderr, nothing is written).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .._base.errors import QbalanceError, _ProblemsError

__all__ = ["run_batch"]

EXIT_PASS, EXIT_FAIL, EXIT_INVALID, EXIT_INCOMPLETE = 0, 1, 2, 3
FORMATS = ("csv", "parquet")
_MAX_PRINTED = 50


def run_batch(
    input_path: str | Path,
    output_dir: str | Path,
    standard: str = "cn-moe-2017",
    fmt: str = "csv",
    *,
    counties_path: str | Path | None = None,
    as_of: str | None = None,
    plain_csv: bool = False,
) -> int:
    """Evaluate every county in ``input_path``, write the result tables to ``output_dir``; returns the exit status."""
    from .._api.batch import evaluate_many

    if fmt not in FORMATS:
        print(f"qbalance evaluate-batch: --format must be one of {', '.join(FORMATS)}, not {fmt!r}", file=sys.stderr)
        return EXIT_INVALID
    src = Path(input_path)
    if src.suffix.lower() not in (".csv", ".parquet", ".pq"):
        print(f"qbalance evaluate-batch: {src}: give a .csv or .parquet file", file=sys.stderr)
        return EXIT_INVALID
    if not src.is_file():
        print(f"qbalance evaluate-batch: {src}: no such file", file=sys.stderr)
        return EXIT_INVALID
    try:
        result = evaluate_many(src, standard, counties=counties_path, as_of=as_of)
        if not result.county_codes:  # an empty table is no county, never a pass
            print(f"qbalance: {src}: the table has no rows", file=sys.stderr)
            return EXIT_INVALID
        written = result.write(output_dir, fmt, spreadsheet_safe=not plain_csv)
    except _ProblemsError as exc:
        problems = exc.problems
        print(f"qbalance: {len(problems)} problem(s) in the {exc.kind.split()[0]}:", file=sys.stderr)
        for p in problems[:_MAX_PRINTED]:
            print(f"  - {p.render()}", file=sys.stderr)
        if len(problems) > _MAX_PRINTED:
            print(f"  ... and {len(problems) - _MAX_PRINTED} more", file=sys.stderr)
        return EXIT_INVALID
    except QbalanceError as exc:
        print(f"qbalance: {exc}", file=sys.stderr)
        return EXIT_INVALID
    verdicts = result.results.verdict
    n_pass = int((verdicts == 1.0).sum())
    n_fail = int((verdicts == 0.0).sum())
    n_incomplete = int(verdicts.size - n_pass - n_fail)
    n_rows = result.table.levels["section"].n
    print(
        f"{len(result.county_codes)} counties ({n_pass} pass, {n_fail} fail, {n_incomplete} incomplete), "
        f"{n_rows} school sections; wrote {', '.join(str(p) for p in written)}"
    )
    for w in result.table.warnings[:_MAX_PRINTED]:
        print(f"warning: {w.render()}", file=sys.stderr)
    if len(result.table.warnings) > _MAX_PRINTED:
        print(f"warning: ... and {len(result.table.warnings) - _MAX_PRINTED} more", file=sys.stderr)
    if n_fail:
        return EXIT_FAIL
    return EXIT_INCOMPLETE if n_incomplete else EXIT_PASS
