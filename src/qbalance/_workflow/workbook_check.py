"""Check a filled data-entry workbook and hand it back marked: ``qbalance check WORKBOOK``.

The workbook is read exactly as ``qbalance evaluate`` reads it (every cell, the county format's checks and the pack's),
under the pack it was made for unless another is given. When something is wrong, a copy of the user's own workbook
is written (openpyxl; their values, formulas and formatting kept): every problem cell is filled red and carries a
comment saying what is wrong, in Chinese by default, and a sheet 问题清单 at the front lists every problem with a link
to its cell — also those that have no cell (a missing sheet, a missing column). The workbook itself is never
changed. Needs openpyxl (the ``excel`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._base.errors import InputError, Problem
from .._base.messages import msg, text
from .._base.optional import require
from .._data.county_file import EXCEL_SUFFIXES
from .._data.workbook import other_format_problem, pack_mismatch, recorded_pack
from .._data.workbook_layout import FILLS

__all__ = ["DEFAULT_STANDARD", "WorkbookCheck", "check_workbook_file", "default_output", "mark_workbook"]

DEFAULT_STANDARD = "cn-moe-2017"
"""The pack for a workbook that records none (or records one that cannot be found)."""
AUTHOR = "qbalance"
"""The author of the comments a check adds."""
_NOTE = "\n\n—— "
"""Between a check's text and the user's own comment of the same cell (followed by its author and its text)."""


@dataclass(frozen=True)
class WorkbookCheck:
    """What a check found: the problems (each with its cell when it has one), warnings, the pack used and the marked
    copy (None when there is nothing to mark, or when the file could not be opened to mark it)."""

    source: Path
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)
    standard: str | None = None
    """``id version`` of the pack the workbook was checked with (None when no pack was needed to refuse it)."""
    output: Path | None = None

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems


def default_output(path: Path, lang: str = "zh") -> Path:
    """Where the marked copy goes by default: next to the workbook, ``NAME-问题标注.xlsx`` (``NAME-checked.xlsx``)."""
    return path.with_name(f"{path.stem}-{text('workbook.check.suffix', lang)}{path.suffix}")


def check_workbook_file(
    path: str | Path, output: str | Path | None = None, standard: Any = None, *, lang: str = "zh"
) -> WorkbookCheck:
    """Check the workbook at ``path`` and, when it has problems, write the marked copy to ``output`` (by default
    :func:`default_output`). ``standard`` is a pack id, ``id@version``, path or :class:`Standard`; by default the
    pack the workbook was made for. Raises :class:`InputError` when ``output`` would overwrite the workbook, and
    :class:`PackError` for a pack that cannot be loaded.
    """
    from .._api.standard import load_standard

    source = Path(path)
    target = Path(output) if output is not None else default_output(source, lang)
    if target.resolve() == source.resolve():
        raise InputError(Problem.of(msg("workbook.check.same_file", name=str(source)), source=str(source)))
    refused = other_format_problem(source)
    if refused is None and source.suffix.lower() not in EXCEL_SUFFIXES:
        refused = Problem.of(msg("workbook.check.not_workbook", name=source.name), source=str(source))
    if refused is not None:
        return WorkbookCheck(source, [refused])
    std = load_standard(standard if standard is not None else recorded_pack(source) or DEFAULT_STANDARD)
    used = f"{std.id} {std.version}"
    try:
        std.read(source)
    except InputError as exc:
        problems = list(exc.problems)
    else:
        problems = []
    warning = pack_mismatch(source, std) if source.is_file() else None
    warnings = [warning] if warning is not None else []
    if not problems:
        return WorkbookCheck(source, [], warnings, used)
    marked = mark_workbook(source, problems, target, lang=lang)
    return WorkbookCheck(source, problems, warnings, used, marked)


def mark_workbook(source: Path, problems: Sequence[Problem], output: Path, *, lang: str = "zh") -> Path | None:
    """Write a copy of ``source`` with every problem cell filled red and commented, and the 问题清单 sheet in front;
    None (nothing written) when ``source`` cannot be opened as a workbook."""
    openpyxl = require("openpyxl", "excel")
    keep_vba = source.suffix.lower() == ".xlsm"
    try:
        wb = openpyxl.load_workbook(source, keep_vba=keep_vba)  # formulas and formatting as the user left them
    except Exception:  # not a workbook openpyxl can open: the problems say why, and there is nothing to mark
        return None
    styles = require("openpyxl.styles", "excel")
    comments = require("openpyxl.comments", "excel")
    red = styles.PatternFill("solid", fgColor=FILLS["problem"])
    _clear_marks(wb, styles, comments)
    by_cell: dict[tuple[str, int, str], list[Problem]] = {}
    for p in problems:
        if p.sheet is not None and p.sheet in wb.sheetnames and p.row is not None and p.column:
            by_cell.setdefault((p.sheet, p.row, p.column), []).append(p)
    for (sheet, row, column), found in by_cell.items():
        cell = _anchor(wb[sheet], f"{column}{row}")
        cell.fill = red
        cell.comment = _comment(comments, cell.comment, found, lang)
    _problem_sheet(wb, styles, problems, lang)
    wb.save(output)
    return output


def _anchor(ws: Any, ref: str) -> Any:
    """The cell that holds ``ref``'s value: itself, or the top-left cell of the merged range it lies in."""
    for merged in ws.merged_cells.ranges:
        if ref in merged:
            return ws.cell(merged.min_row, merged.min_col)
    return ws[ref]


def _clear_marks(wb: Any, styles: Any, comments: Any) -> None:
    """Undo the marks of an earlier check (a marked copy checked again after corrections): its comments go (the
    user's own comment it carried comes back) and its red fill with them, so only today's problems are red."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                old = cell.comment
                if old is None or old.author != AUTHOR:
                    continue
                _, sep, note = old.text.partition(_NOTE)
                author, _, text = note.partition("\n")
                cell.comment = comments.Comment(text, author) if sep else None
                if cell.fill.fill_type == "solid" and str(cell.fill.fgColor.rgb)[-6:] == FILLS["problem"]:
                    cell.fill = styles.PatternFill(fill_type=None)


def _comment(comments: Any, existing: Any, found: Sequence[Problem], lang: str) -> Any:
    """The comment of a problem cell: what is wrong (one line per problem), then the user's own comment, kept (with
    its author, so that a later check can give it back)."""
    lines = [p.text(lang) for p in found]
    body = "\n".join(lines if len(lines) == 1 else [f"{i}. {line}" for i, line in enumerate(lines, start=1)])
    if existing is not None and existing.text:
        body = f"{body}{_NOTE}{existing.author or ''}\n{existing.text}"
    comment = comments.Comment(body, AUTHOR)
    comment.width = 320
    comment.height = min(400, 40 + 18 * (body.count("\n") + 1 + len(body) // 24))
    return comment


def _where(p: Problem, lang: str) -> str:
    """A problem's place as people read it: ``学段!C7``, ``学段 第1行``, a sheet, or the whole file."""
    if p.sheet and p.row is not None and p.column:
        return f"{p.sheet}!{p.column}{p.row}"
    if p.sheet and p.row is not None:
        return text("workbook.check.row", lang, sheet=p.sheet, row=p.row)
    return p.sheet or p.location or text("workbook.check.whole_file", lang)


def _problem_sheet(wb: Any, styles: Any, problems: Sequence[Problem], lang: str) -> None:
    """The 问题清单 sheet, first and selected: one row per problem (place, linked to its cell; school; field; value;
    what is wrong). A sheet of that name from an earlier check is replaced."""
    hyperlink = require("openpyxl.worksheet.hyperlink", "excel")
    heads = [text(f"workbook.check.{k}", lang) for k in ("where", "school", "field", "value", "problem")]
    name = _sheet_name(wb, text("workbook.check.sheet", lang), heads)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False  # one selected sheet: never leave the user's sheets grouped
    ws = wb.create_sheet(name, 0)
    for j, head in enumerate(heads, start=1):
        cell = _text_cell(ws.cell(1, j), head)
        cell.font = styles.Font(bold=True)
        cell.fill = styles.PatternFill("solid", fgColor=FILLS["header"])
    wrap = styles.Alignment(wrap_text=True, vertical="top")
    for i, p in enumerate(problems, start=2):
        place = _text_cell(ws.cell(i, 1), _where(p, lang))
        if p.sheet is not None and p.sheet in wb.sheetnames and p.row is not None:
            sheet = p.sheet.replace("'", "''")
            place.hyperlink = hyperlink.Hyperlink(ref=place.coordinate, location=f"'{sheet}'!{p.column or 'A'}{p.row}")
            place.font = styles.Font(color="0563C1", underline="single")
        _text_cell(ws.cell(i, 2), p.school_id or "")
        _text_cell(ws.cell(i, 3), p.field_text(lang, with_key=False))
        _text_cell(ws.cell(i, 4), "" if p.value is None else str(p.value))
        _text_cell(ws.cell(i, 5), p.text(lang)).alignment = wrap
    for letter, width in zip("ABCDE", (16, 14, 30, 18, 80), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.sheet_view.tabSelected = True
    wb.active = 0


def _sheet_name(wb: Any, name: str, heads: list[str]) -> str:
    """The name of the problem sheet: ``name``, in place of the sheet an earlier check left there; a sheet of the
    user's own with that name is kept, and ours is ``name (2)``."""
    candidate, n = name, 1
    while candidate in wb.sheetnames:
        ws = wb[candidate]
        if [ws.cell(1, j).value for j in range(1, len(heads) + 1)] == heads:
            del wb[candidate]
            break
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def _text_cell(cell: Any, value: str) -> Any:
    """``cell`` holding ``value`` as text, never as a formula (a value from the data may start with ``=``); an empty
    text leaves the cell empty."""
    if value:
        cell.value = value
        cell.data_type = "s"
    return cell
