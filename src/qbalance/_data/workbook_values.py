"""A data sheet's cell values, read once with openpyxl's read-only reader.

Loading a whole workbook with its cell objects took most of the time of reading a filled template (45 of about 130
ms for the demo county); the reader only looks at values. The sheet's stated dimension is not trusted (a file written
by another program may state ``A1`` for a full sheet, and a read-only sheet would then stop there): it is reset, so
every row the sheet's XML holds is read.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from .._base.errors import InputError, Problem
from .._base.messages import msg

__all__ = ["SheetValues"]


class SheetValues:
    """The values of one sheet by row and column (both from 1), ``None`` for a cell that is absent or empty."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows
        self.max_row = len(rows)
        """The last row the sheet's XML holds (empty but formatted rows included, as openpyxl counts them)."""
        self.max_column = max((len(r) for r in rows), default=0)
        """The last column any row holds."""

    @classmethod
    def read(cls, worksheet: Any, source: str) -> SheetValues:
        """Every row of a read-only openpyxl worksheet, whatever dimension the file states. A sheet is parsed only
        now, so a broken one is refused here: InputError naming the workbook (``source``) and the sheet."""
        worksheet.reset_dimensions()
        try:
            return cls([tuple(row) for row in worksheet.iter_rows(values_only=True)])
        except ElementTree.ParseError as exc:
            refused = msg("files.workbook_broken_xml", detail=str(exc))
        except Exception as exc:  # openpyxl raises many kinds for a broken sheet
            refused = msg("workbook.unreadable", detail=str(exc))
        title = str(getattr(worksheet, "title", ""))
        raise InputError(Problem.of(refused, source=source, location=title, sheet=title))

    def value(self, row: int, column: int) -> Any:
        """The value at (row, column); None outside what the sheet holds."""
        if 1 <= row <= self.max_row:
            values = self._rows[row - 1]
            if 1 <= column <= len(values):
                return values[column - 1]
        return None

    def row(self, row: int) -> tuple[Any, ...]:
        """The values of one row, as far as it holds cells (empty outside the sheet)."""
        return self._rows[row - 1] if 1 <= row <= self.max_row else ()
