"""A data sheet's cell values, read once with openpyxl's read-only reader.

Loading a whole workbook with its cell objects took most of the time of reading a filled template (45 of about 130
ms for the demo county); the reader only looks at values. The sheet's stated dimension is not trusted (a file written
by another program may state ``A1`` for a full sheet, and a read-only sheet would then stop there): it is reset, so
every row the sheet's XML holds is read.
"""

from __future__ import annotations

from typing import Any

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
    def read(cls, worksheet: Any) -> SheetValues:
        """Every row of a read-only openpyxl worksheet, whatever dimension the file states."""
        worksheet.reset_dimensions()
        return cls([tuple(row) for row in worksheet.iter_rows(values_only=True)])

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
