"""Leaving counties out of a table: the rows of the counties whose data has a problem, so that the others can be
evaluated (``evaluate_many(..., on_error="skip")``).

The rows left out are dropped from the columns as they were read — whole counties, never part of one — and every
row that stays keeps its number in the input, so a problem found later still names the row as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .column_cells import _text_codes
from .column_sources import _Coded

__all__ = ["Skip", "drop_rows"]


@dataclass
class Skip:
    """What to leave out: every row of these counties (by code), and these rows of the input (0-based; a row that
    names no county)."""

    counties: set[str] = field(default_factory=set)
    rows: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.counties or self.rows)


def drop_rows(
    cols: dict[str, np.ndarray], coded: _Coded, row_no: np.ndarray | None, skip: Skip | None
) -> tuple[dict[str, np.ndarray], _Coded, np.ndarray | None]:
    """The columns without the rows ``skip`` names, and the input row of each row that stays (``row_no``: the input
    row of each row, None when they are the same). Nothing is copied when nothing is left out."""
    if not skip or "county_code" not in cols:
        return cols, coded, row_no
    n = next(iter(cols.values())).shape[0]
    code_of, codes = _text_codes(cols["county_code"], coded.get("county_code"))
    input_rows = row_no if row_no is not None else np.arange(n)
    drop = np.array([c in skip.counties for c in codes] + [False], dtype=bool)[code_of]  # -1: no code
    if skip.rows:
        drop |= np.isin(input_rows, np.fromiter(skip.rows, dtype=np.int64))
    if not drop.any():
        return cols, coded, row_no
    keep = ~drop
    # the factorized columns are dropped too: their codes number values some of which may no longer appear
    return {k: v[keep] for k, v in cols.items()}, {}, input_rows[keep]
