"""What spreadsheets write, read as the user meant it: numbers with thousands separators, and a row-number column.

Excel, WPS and LibreOffice show (and export to CSV) ``5,600`` and ``1,234,567.5`` for numbers formatted with
thousands separators. Such a cell is a plain number in the field's unit when its grouping is valid — one to three
digits, then groups of exactly three — so ``5,600`` is 5600, while ``5,60`` or ``12,3456`` is still an error naming
the cell (the unit reader says how to write it). A ``序号`` column (the row number users add to every table) is
accepted and ignored.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["ROW_NUMBER_COLUMNS", "grouped_number", "is_grouped"]

ROW_NUMBER_COLUMNS = frozenset({"序号"})
"""Columns that number the rows of a table for the reader: accepted and ignored."""

_GROUPED = re.compile(r"^\s*[-+]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?\s*$")


def is_grouped(value: Any) -> bool:
    """Whether ``value`` is text holding a plain number written with valid thousands separators (``5,600``)."""
    return isinstance(value, str) and _GROUPED.match(value) is not None


def grouped_number(value: Any) -> float | None:
    """The number of a cell written with valid thousands separators (``"1,234,567.5"`` → 1234567.5), else None."""
    if not is_grouped(value):
        return None
    return float(str(value).replace(",", ""))
