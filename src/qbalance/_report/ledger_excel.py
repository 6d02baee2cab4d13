"""The rectification ledger as the Excel workbook counties file (the ``excel`` extra: openpyxl):

- 问题清单 / Problems — the problems the latest stored year shows: number, area, problem, school, section, what is
  wrong in real units, the clause and its text, the year first found;
- 整改台账 / Ledger — every entry: 序号, 问题, 涉及学校, 学校代码, 学段, 存在问题, 依据条款, 整改措施, 责任单位,
  完成时限, 整改状态, the years it was found, closed and came back, 备注, and the county code and item id that
  identify it when the sheet is read back;
- 说明 / Notes — the county, the date the statuses are judged on, the years, and how to fill the sheet in.

The county office fills in the columns with yellow headers (整改措施, 责任单位, 完成时限, 备注) and reads the
workbook back with ``qbalance history ledger import``. Texts are text cells (never formulas, whatever they start
with; ids keep their leading zeros), the deadline is a date cell, every table has a frozen header and a filter.
"""

from __future__ import annotations

import io
import os
from typing import Any, BinaryIO

from .._base.optional import require
from .excel import F_INT, F_TEXT, _Writer
from .labels import category
from .ledger_model import LedgerData
from .ledger_view import COLUMNS, EDITABLE, entry_cells, ledger_word

__all__ = ["F_DATE", "SHEET_KEYS", "render_ledger_xlsx"]

F_DATE = "yyyy-mm-dd"
SHEET_KEYS = ("problems", "ledger", "notes")
"""The sheets, in order (their names are ``ledger.sheet.<key>`` in the catalogue)."""
_FORMATS = {"seq": F_INT, "opened": "0", "closed": "0", "deadline": F_DATE}
_EDIT_FILL = "FFF2CC"


def render_ledger_xlsx(
    ledger: LedgerData, target: str | os.PathLike[str] | BinaryIO | None, lang: str = "zh"
) -> bytes | None:
    """Write the ledger workbook to ``target`` (a path or a binary stream); the bytes when ``target`` is None."""
    openpyxl = require("openpyxl", "excel")
    require("openpyxl.styles", "excel")
    require("openpyxl.utils", "excel")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _problems(openpyxl, wb.create_sheet(ledger_word("sheet.problems", lang)), ledger, lang)
    _ledger(openpyxl, wb.create_sheet(ledger_word("sheet.ledger", lang)), ledger, lang)
    _notes(openpyxl, wb.create_sheet(ledger_word("sheet.notes", lang)), ledger, lang)
    wb.active = 1
    wb.properties.title = f"{ledger.county_name} — {ledger_word('sheet.ledger', lang)}"
    wb.properties.creator = "qbalance"
    if target is None:
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    wb.save(target)
    return None


def _problems(openpyxl: Any, ws: Any, ledger: LedgerData, lang: str) -> None:
    """The problems of the latest stored year (问题清单)."""
    latest = ledger.years[-1] if ledger.years else None
    cols = ("seq", "area", "problem", "school", "school_id", "section", "finding", "clause", "clause_text", "opened")
    rows = []
    for e in ledger.entries:
        if not e.years or e.years[-1].year != latest or e.years[-1].result != "fail":
            continue
        cells = entry_cells(e, lang)
        cells["area"] = e.area_label.text(lang) if e.area_label else e.area
        cells["clause_text"] = e.clause_text
        cells["section"] = category("section", e.section, lang) if e.section else None
        rows.append([cells[c] for c in cols])
    w = _Writer(openpyxl, ws)
    head, last = w.table([ledger_word(f"col.{c}", lang) for c in cols], rows, [_FORMATS.get(c, F_TEXT) for c in cols])
    _finish(openpyxl, w, head, len(cols), last)


def _ledger(openpyxl: Any, ws: Any, ledger: LedgerData, lang: str) -> None:
    """Every entry (整改台账), the columns the county office fills in with yellow headers."""
    cells = [entry_cells(e, lang) for e in ledger.entries]
    rows = [[None if c == "deadline" else row[c] for c in COLUMNS] for row in cells]
    w = _Writer(openpyxl, ws)
    head, last = w.table(
        [ledger_word(f"col.{c}", lang) for c in COLUMNS], rows, [_FORMATS.get(c, F_TEXT) for c in COLUMNS]
    )
    fill = openpyxl.styles.PatternFill("solid", fgColor=_EDIT_FILL)
    for j, c in enumerate(COLUMNS, start=1):
        if c not in EDITABLE:
            continue
        ws.cell(row=head, column=j).fill = fill
        for i, row in enumerate(cells, start=head + 1):
            cell = ws.cell(row=i, column=j)
            if c == "deadline" and row[c] is not None:
                cell.value = row[c]  # a date cell
            cell.number_format = _FORMATS.get(c, F_TEXT)
    w.widths[COLUMNS.index("deadline") + 1] = 14
    _finish(openpyxl, w, head, len(COLUMNS), last)


def _notes(openpyxl: Any, ws: Any, ledger: LedgerData, lang: str) -> None:
    """The county, the as-of date, the years, the counts by status and how to fill the sheet in."""
    w = _Writer(openpyxl, ws)
    w.pair(ledger_word("notes.county", lang), f"{ledger.county_name} ({ledger.county_code})")
    w.pair(ledger_word("notes.as_of", lang), ledger.as_of.isoformat())
    w.pair(ledger_word("notes.years", lang), ", ".join(str(y) for y in ledger.years))
    for status in ("open", "reopened", "overdue", "closed"):
        w.pair(ledger_word(f"status.{status}", lang), ledger.count(status), F_INT)
    w.row += 1
    for key in ("how_edit", "how_import", "how_status", "how_action"):
        w.cell(w.row, 1, ledger_word(f"notes.{key}", lang))
        w.row += 1
    for n in ledger.notes:
        w.cell(w.row, 1, n.text(lang))
        w.row += 1
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 60


def _finish(openpyxl: Any, w: _Writer, head: int, ncols: int, last: int) -> None:
    """Frozen header, a filter over the table and the column widths."""
    w.finish(openpyxl, head, ncols, last)
