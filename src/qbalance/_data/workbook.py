"""Read a filled Excel template (.xlsx) back into a :class:`County`, locating every problem at its cell.

Every problem in the workbook is collected and raised as one :class:`InputError`; each :class:`Problem` names the
sheet, row and column (``location`` is ``学校!C7``), the school id, the field, the value and what is wrong. No row
is silently dropped and no value silently changed:

* a row with any value in it is read; a row without a school id is an error, not skipped;
* a column whose machine key (hidden row 2) is unknown is an error when it holds values;
* numbers are passed on as Excel stored them and checked by the county format and the pack (text in a number
  column, a negative count, a wrong unit string are errors);
* ids are text. A number in an id column (Excel may store ``0123`` as ``123``) is accepted only when it is a whole
  number below 2**53 that converts exactly, *and* it has as many digits as the longest all-digit id in the same
  column (text or number), so that no leading zero can have been lost; otherwise it is an error asking for the id
  to be typed as text. A decimal (``5301020001.5``) or a TRUE/FALSE cell is always an error.
* yes/no cells take 是/否, yes/no, true/false or a TRUE/FALSE cell; anything else is an error.
* a formula cell whose value Excel has not computed (a file written by a program and never opened in Excel) is an
  error, never read as empty.
* what spreadsheets produce is accepted: a number typed as text in a number column (``5600``, ``5,600`` with
  thousands separators in valid groups of three, ``1,234.5``) is that number in the header's unit; a row-number
  column headed 序号 (or No.) anywhere is ignored; the sections sheet's school-name column is checked against the
  schools sheet. An .xls, WPS .et, .xlsb or .ods file is refused with the steps to save it as .xlsx.

Every message comes from the catalogue (``workbook.*``), in Chinese by default. A workbook made from a template
records its pack (hidden ``_qbalance`` sheet): :func:`recorded_pack` gives it, and a workbook read under another
pack carries a warning saying so (:attr:`WorkbookCells.warnings`). Needs openpyxl (the ``excel`` extra).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._base.documents import Loaded
from .._base.errors import InputError, PackError, Problem, _ProblemsError, format_problem_table
from .._base.messages import Msg, msg
from .._base.optional import require
from .._base.vocabulary import CATEGORY_LABELS, LOCATION_ZH, OWNERSHIP_ZH, SCHOOL_TYPE_ZH, SECTION_ZH
from .._packs.catalogue import find_pack
from .._packs.loading import PackLike, load_pack
from .county_file import EXCEL_SUFFIXES, OTHER_SPREADSHEET_FORMATS, validation_problems
from .models import County
from .workbook_archive import check_workbook
from .workbook_layout import (
    FIRST_ROW,
    FLAG_VALUES,
    HEADER_ROW,
    KEY_ROW,
    ROW_NUMBER_HEADERS,
    SHEET_NAMES,
    Column,
    Layout,
    layout,
)
from .workbook_values import SheetValues

__all__ = [
    "WorkbookCells",
    "load_workbook_county",
    "other_format_problem",
    "pack_mismatch",
    "problems_table",
    "read_workbook",
    "recorded_pack",
    "relocate",
]

MAX_ROWS = 100_000
_SECTIONS = ("primary", "junior", "senior")


@dataclasses.dataclass
class WorkbookCells:
    """Where each value of the county came from: county-format path → ``Sheet!C7``."""

    source: str
    positions: dict[tuple[str | int, ...], str] = dataclasses.field(default_factory=dict)
    warnings: list[Problem] = dataclasses.field(default_factory=list)
    """What is worth saying but not wrong: the workbook was made for another pack than the one reading it."""
    computed: list[Any] = dataclasses.field(default_factory=list)
    """Records of the county figures counted while reading (the roster's county totals: ``ComputedFact``)."""

    def where(self, path: tuple[str | int, ...]) -> str | None:
        p = tuple(path)
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return None


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _split_path(path: str) -> tuple[str | int, ...]:
    out: list[str | int] = []
    for m in _PATH_TOKEN.finditer(path):
        out.append(int(m.group(2)) if m.group(2) is not None else m.group(1))
    if out and out[0] == "county":
        out = out[1:]
    return tuple(out)


def _cell_parts(location: str | None) -> tuple[str | None, int | None, str | None]:
    if not location or "!" not in location:
        return None, None, None
    sheet, cell = location.rsplit("!", 1)
    m = re.fullmatch(r"([A-Z]{1,3})(\d+)", cell)
    if not m:
        return sheet, None, None
    return sheet, int(m.group(2)), m.group(1)


def _located(p: Problem, location: str | None, source: str | None = None) -> Problem:
    sheet, row, column = _cell_parts(location)
    return dataclasses.replace(
        p, location=location, sheet=sheet, row=row, column=column, source=source if source else p.source
    )


def relocate(error: _ProblemsError, cells: WorkbookCells) -> InputError:
    """The same problems with their workbook cells, for errors found after reading (e.g. by the pack)."""
    out = []
    for p in error.problems:
        loc = None
        if p.path:
            loc = cells.where(_split_path(p.path))
        out.append(_located(p, loc or p.location, cells.source) if loc else p)
    return InputError(out)


def problems_table(error: _ProblemsError, lang: str = "zh") -> str:
    """The problems of an :class:`InputError` as an aligned text table (位置 学校 字段 值 问题), for a terminal."""
    return format_problem_table(error.problems, lang)


# ---------------------------------------------------------------- cells


class _Sheet:
    """One data sheet: its machine keys and, per data row, the raw values."""

    def __init__(self, ws: SheetValues, formulas: dict[tuple[int, int], str], name: str) -> None:
        self.ws = ws
        self.formulas = formulas
        """Cells (row, column) that hold a formula without a computed value, with the formula."""
        self.name = name


def _letter(col: int) -> str:
    utils = require("openpyxl.utils", "excel")
    return str(utils.get_column_letter(col))


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


class _Reader:
    def __init__(self, path: Path, standard: Any) -> None:
        self.path = path
        self.source = str(path)
        self.standard = standard
        self.problems: list[Problem] = []
        self.cells = WorkbookCells(self.source)
        self.bad_id_rows: set[str] = set()
        """``Sheet!A7`` of school rows whose id was refused: follow-on 'id missing'/'no section' are not repeated."""

    # --- problems
    def add(
        self,
        sheet: str,
        row: int | None,
        col: int | None,
        message: Msg,
        *,
        school: str | None = None,
        field: str | None = None,
        value: Any = None,
    ) -> None:
        if row is not None and col is not None:
            location = f"{sheet}!{_letter(col)}{row}"
        elif row is not None:
            location = f"{sheet}!{row}:{row}"
        else:
            location = sheet
        if isinstance(value, (dt.datetime, dt.date, dt.time)):
            value = value.isoformat()
        self.problems.append(
            Problem.of(
                message,
                source=self.source,
                location=location,
                school_id=school,
                field=field,
                value=value,
                sheet=sheet,
                row=row,
                column=_letter(col) if col is not None else None,
            )
        )

    # --- reading a sheet into (row number, {key: (value, column index)})
    def rows(self, sheet: _Sheet, cols: list[Column]) -> tuple[dict[str, int], list[tuple[int, dict[str, Any]]]]:
        """The machine key → column of a sheet and its rows with values (row number, key → value); unknown
        columns with values, duplicate and missing required columns are reported; a row-number column is ignored."""
        ws = sheet.ws
        known = {c.key: c for c in cols}
        max_col = ws.max_column or 0
        key_row_present = any(
            isinstance(ws.value(KEY_ROW, j), str) and ws.value(KEY_ROW, j).strip() in known
            for j in range(1, max_col + 1)
        )
        first = FIRST_ROW if key_row_present else KEY_ROW
        keys, unknown_cols = self.columns(sheet, cols, key_row_present)
        for c in cols:
            if c.required and c.key not in keys:
                self.add(
                    sheet.name,
                    HEADER_ROW,
                    None,
                    msg("workbook.column_missing", label=c.label, key=c.key),
                    field=c.key,
                )
        max_row = ws.max_row or 0
        if max_row > MAX_ROWS:
            self.add(sheet.name, None, None, msg("workbook.too_many_rows", limit=MAX_ROWS))
            return keys, []
        out: list[tuple[int, dict[str, Any]]] = []
        for r in range(first, max_row + 1):
            values: dict[str, Any] = {}
            for key, j in keys.items():
                v = self.value(sheet, r, j)
                if not _blank(v):
                    values[key] = v.strip() if isinstance(v, str) else v
            for j, label in unknown_cols:
                v = ws.value(r, j)
                if not _blank(v):
                    what = msg("workbook.column_unknown", label=label) if label else msg("workbook.column_no_header")
                    self.add(sheet.name, r, j, what, value=v)
            if values:
                out.append((r, values))
        return keys, out

    def columns(
        self, sheet: _Sheet, cols: list[Column], key_row_present: bool
    ) -> tuple[dict[str, int], list[tuple[int, str]]]:
        """Machine key → column index, by the hidden key row (or by the header labels when the key row is gone),
        and the columns that are not fields (with their header). A column headed 序号 (a row number) is neither."""
        ws = sheet.ws
        known = {c.key: c for c in cols}
        labels = {c.label: c.key for c in cols}
        keys: dict[str, int] = {}
        unknown_cols: list[tuple[int, str]] = []
        for j in range(1, (ws.max_column or 0) + 1):
            key = ws.value(KEY_ROW, j) if key_row_present else None
            key = key.strip() if isinstance(key, str) else None
            head = ws.value(HEADER_ROW, j)
            if not key:
                key = labels.get(head.strip()) if isinstance(head, str) else None
            if key is None or key not in known:
                if isinstance(head, str) and head.strip().casefold() in ROW_NUMBER_HEADERS:
                    continue  # a row-number column people add: not data, ignored
                label = head or (ws.value(KEY_ROW, j) if key_row_present else None)
                unknown_cols.append((j, str(label) if label is not None else ""))
                continue
            if key in keys:
                self.add(sheet.name, KEY_ROW, j, msg("workbook.column_twice", key=key, other=_letter(keys[key])))
                continue
            keys[key] = j
        return keys, unknown_cols

    def value(self, sheet: _Sheet, r: int, j: int) -> Any:
        v = sheet.ws.value(r, j)
        if v is None and (r, j) in sheet.formulas:
            self.add(sheet.name, r, j, msg("workbook.formula_pending"), value=sheet.formulas[(r, j)])
            return None
        return v

    # --- conversions
    def text_id(
        self, sheet: str, r: int, j: int, v: Any, field: str, digits: int, school: str | None = None
    ) -> str | None:
        if isinstance(v, str):
            return v
        problem: Msg | None = None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            problem = msg("workbook.id_not_text")
        elif isinstance(v, float) and (not math.isfinite(v) or not v.is_integer()):
            problem = msg("workbook.id_decimal")
        elif not 0 <= int(v) < 2**53:
            problem = msg("workbook.id_too_large")
        elif len(str(int(v))) < digits:
            problem = msg("workbook.id_lost_zeros", n=len(str(int(v))), digits=digits)
        if problem is not None:
            self.add(sheet, r, j, problem, school=school, field=field, value=v)
            return None
        return str(int(v))

    def flag(self, sheet: str, r: int, j: int, v: Any, field: str, school: str | None = None) -> Any:
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.strip().lower() in FLAG_VALUES:
            return FLAG_VALUES[v.strip().lower()]
        self.add(sheet, r, j, msg("workbook.write_yes_no", yes="是", no="否"), school=school, field=field, value=v)
        return None

    def number(self, sheet: str, r: int, j: int, v: Any, field: str, school: str | None = None) -> tuple[bool, Any]:
        """A number cell's value: text that is a plain number (``5600``, ``5,600``, ``1,234.5``) is that number in
        the header's unit, and text with a unit keeps it (``5,600 万元`` → ``5600 万元``); separators that do not
        mark groups of three (``5,60``, ``0,85``) are a problem (False)."""
        if not isinstance(v, str):
            return True, v
        plain = _plain_number(v)
        if plain is None:
            self.add(sheet, r, j, msg("workbook.bad_thousands", value=v), school=school, field=field, value=v)
            return False, None
        return True, plain


_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DIGIT_COMMA = re.compile(r"[0-9],[0-9]")


def _plain_number(text: str) -> Any:
    """``text`` as a spreadsheet user means it: a plain number (commas between groups of three allowed) as an int or
    float, other text unchanged but for its separators; None when a comma between digits is not a thousands
    separator of a group of three."""
    s = text.strip()
    m = _GROUPED.match(s)
    if m is not None:
        rest = s[m.end() :]
        if rest[:1].isdigit() or rest.lstrip()[:1] == ",":
            return None
        s = m.group(0).replace(",", "") + rest
    elif _DIGIT_COMMA.search(s):
        return None
    if _PLAIN.fullmatch(s):
        return float(s) if "." in s else int(s)
    return s if m is not None else text


def _id_digits(values: Sequence[Any]) -> int:
    """The longest all-digit id of a column, written as text or as a whole number (0 if none)."""
    lengths = [len(v.strip()) for v in values if isinstance(v, str) and v.strip().isdigit()]
    lengths += [
        len(str(int(v)))
        for v in values
        if isinstance(v, (int, float))
        and not isinstance(v, bool)
        and math.isfinite(v)
        and float(v).is_integer()
        and 0 <= v < 2**53
    ]
    return max(lengths, default=0)


def _set(d: dict[str, Any], target: tuple[str, ...], value: Any) -> None:
    cur = d
    for part in target[:-1]:
        cur = cur.setdefault(part, {})
    cur[target[-1]] = value


def _attach_evidence(
    rd: _Reader, sheet: str, r: int, holder: dict[str, Any], ev_of: dict[str, Any], by_key: dict[str, Any], sid: Any
) -> None:
    """Turn each value that has an evidence-note cell into ``{value, evidence}``; a note without a value is an error."""
    for key, (ev, j) in ev_of.items():
        target = by_key[key].target if key in by_key else ("facts", key)
        cur = holder
        for part in target[:-1]:
            cur = cur.get(part, {})
        if target[-1] not in cur:
            rd.add(sheet, r, j, msg("workbook.evidence_without_value"), school=sid, field=f"{key}.evidence")
            continue
        _set(holder, target, {"value": cur[target[-1]], "evidence": str(ev)})


def _find_sheets(wb: Any, meta_rows: list[tuple[Any, Any]]) -> dict[str, str]:
    """Sheet role → sheet name: from the hidden ``_qbalance`` sheet's rows, else the Chinese or English default
    names."""
    roles: dict[str, str] = {}
    for k, v in meta_rows:
        if isinstance(k, str) and k.startswith("sheet.") and isinstance(v, str):
            roles[k[6:]] = v
    for role in ("county", "schools", "sections", "roster"):
        if roles.get(role) in wb.sheetnames:
            continue
        for names in SHEET_NAMES.values():
            if names[role] in wb.sheetnames:
                roles[role] = names[role]
                break
        else:
            roles.pop(role, None)
    return roles


def _meta(meta_rows: list[tuple[Any, Any]]) -> dict[str, str]:
    """The hidden ``_qbalance`` sheet's rows as key → text (format, pack, version, sha256, lang, sheets)."""
    out: dict[str, str] = {}
    for k, v in meta_rows:
        if isinstance(k, str) and v is not None:
            out[k] = str(v)
    return out


def _meta_rows(wb: Any, source: str) -> list[tuple[Any, Any]]:
    """The (key, value) cells of each row of the hidden ``_qbalance`` sheet (none without it), every row read
    whatever dimension the sheet states; a broken one is refused (InputError)."""
    if "_qbalance" not in wb.sheetnames:
        return []
    sheet = SheetValues.read(wb["_qbalance"], source)
    return [(sheet.value(r, 1), sheet.value(r, 2)) for r in range(1, sheet.max_row + 1)]


def _pack_of(standard: Any) -> PackLike | None:
    """A loaded pack from a Standard or loaded pack (used as is), a pack id or a path; None for None."""
    if standard is None:
        return None
    if hasattr(standard, "compiled"):
        loaded: PackLike = standard
        return loaded
    return load_pack(standard)


# ---------------------------------------------------------------- the file and its pack

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The first bytes of an Excel 97-2003 or WPS file (a compound document), whatever its name."""


def other_format_problem(path: str | Path) -> Problem | None:
    """The problem of a spreadsheet that is not an .xlsx workbook (.xls, WPS .et, .xlsb, .ods, or such a file
    renamed to .xlsx), saying in the user's language how to save it as .xlsx; None for anything else."""
    p = Path(path)
    suffix = p.suffix.lower()
    key = OTHER_SPREADSHEET_FORMATS.get(suffix)
    if key is None and suffix in EXCEL_SUFFIXES:
        try:
            with p.open("rb") as fh:
                head = fh.read(len(_OLE2))
        except OSError:
            return None  # reported by the reader, which opens it again
        key = "workbook.save_as_xlsx.binary" if head == _OLE2 else None
    if key is None:
        return None
    return Problem.of(msg(key, name=p.name, suffix=p.suffix), source=str(p))


def _read_meta(path: Path) -> dict[str, str]:
    """The ``_qbalance`` sheet of a workbook, read without its data sheets; empty when the file cannot be read (the
    reader reports why) or has none."""
    openpyxl = require("openpyxl", "excel")
    try:
        check_workbook(path)  # sizes first: never parse an archive that may unpack to gigabytes
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # any unreadable file: the reader reports it, with its cause, when the data are read
        return {}
    try:
        return _meta(_meta_rows(wb, str(path)))
    except InputError:  # a broken _qbalance sheet: the reader reports it when the data are read
        return {}
    finally:
        wb.close()


def recorded_pack(path: Any) -> str | None:
    """The id of the pack a data-entry workbook was made for (recorded in its hidden ``_qbalance`` sheet), when that
    pack can be found; None for anything else (not an .xlsx path, no record, an unreadable file, an unknown pack).

    This is the pack a workbook is evaluated with unless the user names another (``--standard``).
    """
    if not isinstance(path, (str, Path)) or Path(path).suffix.lower() not in EXCEL_SUFFIXES:
        return None
    p = Path(path)
    if not p.is_file() or other_format_problem(p) is not None:
        return None
    pack = _read_meta(p).get("pack")
    if not pack:
        return None
    try:
        find_pack(pack, paths=False)
    except PackError:
        return None
    return pack


def _pack_warning(meta: Mapping[str, str], used: Any, source: str) -> Problem | None:
    """A warning when the workbook was made for another pack (or another version of it) than ``used``."""
    recorded, version = meta.get("pack"), meta.get("version")
    if not recorded:
        return None
    if recorded != used.id:
        shown = f"{recorded} {version}" if version else recorded
        return Problem.of(msg("workbook.pack_differs", recorded=shown, used=f"{used.id} {used.version}"), source=source)
    if version and version != used.version:
        return Problem.of(
            msg("workbook.pack_version_differs", pack=recorded, recorded=version, used=used.version), source=source
        )
    return None


def pack_mismatch(path: str | Path, standard: Any) -> Problem | None:
    """The warning for evaluating the workbook at ``path`` with ``standard`` (a :class:`Standard`, loaded pack or
    :class:`~qbalance._packs.schema.Pack`) when it was made for another pack or version; None when they agree or the
    workbook records none."""
    pack = standard.pack if hasattr(standard, "pack") else standard
    return _pack_warning(_read_meta(Path(path)), pack, str(path))


def _open(path: str | Path) -> tuple[Path, Any, Any]:
    """(path, archive check, openpyxl workbook of values) of a workbook file; InputError when it cannot be read."""
    openpyxl = require("openpyxl", "excel")
    p = Path(path)
    source = str(p)
    if not p.exists():
        raise InputError(Problem.of(msg("workbook.no_file"), source=source))
    other = other_format_problem(p)
    if other is not None:
        raise InputError(other)
    archive = check_workbook(p)  # sizes checked, declared and actual, before openpyxl parses anything
    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)  # formulas without values: found by the check
    except Exception as exc:  # openpyxl raises many kinds for a broken or non-xlsx file
        raise InputError(Problem.of(msg("workbook.unreadable", detail=str(exc)), source=source)) from None
    return p, archive, wb


def _layouts(std: PackLike | None, meta: Mapping[str, str]) -> tuple[Layout, Layout]:
    """The layout of the workbook's language and of the other one (its headers are accepted too), for ``std`` or,
    without one, for the pack the template was made for (the national pack when that is unknown)."""
    layout_std: Any = std
    if layout_std is None:
        ref = meta.get("pack", "cn-moe-2017")
        try:
            layout_std = load_pack(ref)
        except Exception:  # a pack that is not installed here: the national layout, whose keys most packs share
            layout_std = load_pack("cn-moe-2017")
    lang = meta.get("lang", "zh")
    lay = layout(layout_std, lang if lang in ("zh", "en") else "zh")
    return lay, layout(layout_std, "en" if lay.lang == "zh" else "zh")


def load_workbook_county(path: str | Path, standard: Any = None) -> tuple[County, str, WorkbookCells]:
    """Read a filled template: (county, source name, cell map). Raises :class:`InputError` listing every problem.

    ``standard`` (a :class:`Standard`, pack id or path) is needed when the workbook has a teacher roster (the pack
    defines the counts); it also lets the pack's input checks run here, located at their cells. Without it, the
    pack the template was made for (recorded in the workbook) gives the column layout. A workbook made for another
    pack than ``standard`` is read under ``standard``, with a warning in the cell map's ``warnings``.
    """
    p, archive, wb = _open(path)
    try:
        return _read_workbook(p, archive, wb, standard)
    finally:
        wb.close()  # a read-only workbook keeps its file open until closed


def _read_workbook(p: Path, archive: Any, wb: Any, standard: Any) -> tuple[County, str, WorkbookCells]:
    """:func:`load_workbook_county` of an opened workbook."""
    source = str(p)
    meta_rows = _meta_rows(wb, source)  # the hidden sheet, read once for the pack and for the sheets' names
    meta = _meta(meta_rows)
    std = _pack_of(standard)
    lay, lay_other = _layouts(std, meta)
    rd = _Reader(p, std)
    if std is not None:
        warning = _pack_warning(meta, std.pack, source)
        rd.cells.warnings.extend([warning] if warning is not None else [])
    roles = _find_sheets(wb, meta_rows)
    for role in ("county", "schools", "sections"):
        if role not in roles:
            name = SHEET_NAMES["zh"][role]
            rd.add(name, None, None, msg("workbook.sheet_missing", sheet=name, sheet_en=SHEET_NAMES["en"][role]))
    if rd.problems:
        raise InputError(rd.problems)

    def sheet(role: str) -> _Sheet:
        name = roles[role]
        return _Sheet(SheetValues.read(wb[name], source), archive.pending_formulas.get(name, {}), name)

    data: dict[str, Any] = {"facts": {}, "schools": []}
    _read_county(rd, sheet("county"), lay, lay_other, data)
    school_index = _read_schools(rd, sheet("schools"), lay, lay_other, data)
    _read_sections(rd, sheet("sections"), lay, lay_other, data, school_index)
    if "roster" in roles:
        _read_roster(rd, sheet("roster"), lay, lay_other, data, school_index, std)
    if std is not None:
        _check_facts(rd, data, std)
    county = _validate(rd, data, source)
    if rd.problems or county is None:
        raise InputError(_sorted(rd.problems, roles))
    return county, source, rd.cells


def _validate(rd: _Reader, data: dict[str, Any], source: str) -> County | None:
    """The county model of the data read, or None with the model's problems added to the reader's (each at its
    cell; a problem that follows from one the reader found is not repeated)."""
    cells = rd.cells
    try:
        return County.model_validate(data)
    except ValidationError as exc:
        reported = {q.location for q in rd.problems}
        for prob in validation_problems(exc, data, Loaded(data, source, cells.positions), source):
            row_loc = cells.where(_split_path(prob.path or ""))
            if prob.path and prob.path.startswith("schools["):
                head = _split_path(prob.path)[:2]
                row_loc = cells.where(head)
            if row_loc in rd.bad_id_rows and (prob.field or "").split(".")[0] in ("id", "sections"):
                continue  # follows from an id the reader already refused
            if prob.location is not None and prob.location in reported:
                continue  # the reader already reported this cell (more precisely)
            rd.problems.append(_located(prob, prob.location))
    return None


def _sorted(problems: list[Problem], roles: Mapping[str, str]) -> list[Problem]:
    order = {
        name: i for i, name in enumerate(roles[r] for r in ("county", "schools", "sections", "roster") if r in roles)
    }

    def key(p: Problem) -> tuple[int, int, int]:
        col = 0
        for ch in p.column or "":
            col = col * 26 + ord(ch) - 64
        return (order.get(p.sheet or "", 99), p.row or 0, col)

    return sorted(problems, key=key)


def read_workbook(path: str | Path, standard: Any = None) -> County:
    """Read a filled Excel template into a :class:`County`; raises :class:`InputError` listing every bad cell.

    Give ``standard`` when the workbook has a teacher roster (the pack defines how teachers are counted).
    """
    county, _, _ = load_workbook_county(path, standard)
    return county


# ---------------------------------------------------------------- sheets


def _columns(lay: Layout, other: Layout, role: str) -> list[Column]:
    """The columns of a role, with the other language's labels accepted as headers too (keys are the same)."""
    cols: list[Column] = list(getattr(lay, role))
    extra = [dataclasses.replace(c, required=False) for c in getattr(other, role)]
    by_key = {c.key: c for c in cols}
    for c in extra:
        if c.label not in {x.label for x in cols} and c.key in by_key:
            cols.append(dataclasses.replace(by_key[c.key], label=c.label, required=False))
    return cols


def _read_county(rd: _Reader, sh: _Sheet, lay: Layout, other: Layout, data: dict[str, Any]) -> None:
    """The county sheet: one county value per row, found by its key (hidden column), else by its label."""
    ws = sh.ws
    keycol = {"key": 1, "label": 2, "value": 4, "evidence": 5}
    # locate the key/label/value/evidence columns by the machine-key row (fall back to the template positions)
    for j in range(1, (ws.max_column or 0) + 1):
        k = ws.value(KEY_ROW, j)
        if isinstance(k, str) and k.strip() in keycol:
            keycol[k.strip()] = j
    by_key = {c.key: c for c in lay.county}
    labels = {c.label: c.key for c in lay.county + other.county}
    seen: dict[str, int] = {}
    for r in range(FIRST_ROW, (ws.max_row or 0) + 1):
        key = ws.value(r, keycol["key"])
        value = rd.value(sh, r, keycol["value"])
        ev = rd.value(sh, r, keycol["evidence"])
        if isinstance(value, str):
            value = value.strip() or None
        if isinstance(ev, str):
            ev = ev.strip() or None
        if not isinstance(key, str) or not key.strip():
            label = ws.value(r, keycol["label"])
            key = labels.get(label.strip()) if isinstance(label, str) else None
            if key is None:
                if value is not None or ev is not None:
                    rd.add(sh.name, r, keycol["value"], msg("workbook.row_without_key"), value=value)
                continue
        key = key.strip()
        col = by_key.get(key)
        if col is None:
            if value is not None or ev is not None:
                rd.add(
                    sh.name, r, keycol["value"], msg("workbook.unknown_county_field", key=key), field=key, value=value
                )
            continue
        if key in seen:
            rd.add(sh.name, r, keycol["key"], msg("workbook.field_twice", key=key, other=seen[key]), field=key)
            continue
        seen[key] = r
        rd.cells.positions[col.target] = f"{sh.name}!{_letter(keycol['value'])}{r}"
        _county_value(rd, sh.name, r, keycol, col, value, ev, lay, data)


def _county_value(
    rd: _Reader,
    sheet: str,
    r: int,
    keycol: dict[str, int],
    col: Column,
    value: Any,
    ev: Any,
    lay: Layout,
    data: dict[str, Any],
) -> None:
    """One county value (and its evidence note) into ``data``, read as its column's kind; problems at their cells."""
    key = col.key
    if value is None:
        if ev is not None:
            rd.add(sheet, r, keycol["evidence"], msg("workbook.evidence_without_value"), field=key)
        return  # a missing required value is reported by the county format, at this cell
    if col.kind == "id":
        # a number is accepted only with the 6 digits of a division code (no leading zero can be lost)
        value = rd.text_id(sheet, r, keycol["value"], value, key, 6)
    elif col.kind == "flag":
        value = rd.flag(sheet, r, keycol["value"], value, key)
    elif col.kind in ("number", "integer"):
        ok, value = rd.number(sheet, r, keycol["value"], value, key)
        if not ok:
            return
    if value is None:
        return
    if ev is not None:
        if not any(c.key == f"{key}.evidence" for c in lay.county):
            rd.add(sheet, r, keycol["evidence"], msg("workbook.no_evidence_here"), field=key, value=ev)
            return
        value = {"value": value, "evidence": str(ev)}
    _set(data, col.target, value)


def _read_schools(rd: _Reader, sh: _Sheet, lay: Layout, other: Layout, data: dict[str, Any]) -> dict[str, int]:
    """The schools sheet into ``data["schools"]``; returns school id → position (ids refused are not in it)."""
    cols = _columns(lay, other, "schools")
    by_key = {c.key: c for c in cols}
    keys, rows = rd.rows(sh, cols)
    digits = _id_digits([v.get("id") for _, v in rows])
    index: dict[str, int] = {}
    first_row: dict[str, int] = {}
    for r, values in rows:
        i = len(data["schools"])
        school: dict[str, Any] = {"sections": {}}
        rd.cells.positions[("schools", i)] = f"{sh.name}!A{r}"
        sid = _school_id(rd, sh.name, r, keys, values.get("id"), digits, first_row)
        if sid is not None:
            if sid not in first_row:
                first_row[sid] = r
                index[sid] = i
            school["id"] = sid
        for key, j in keys.items():  # blank cells too: a missing required value is reported at its cell
            if by_key[key].kind != "evidence" and key != "id":
                cell_path: tuple[str | int, ...] = ("schools", i, *by_key[key].target)
                rd.cells.positions[cell_path] = f"{sh.name}!{_letter(j)}{r}"
        ev_of: dict[str, Any] = {}
        for key, v in values.items():
            col = by_key[key]
            j = keys[key]
            if key == "id":
                rd.cells.positions[("schools", i, "id")] = f"{sh.name}!{_letter(j)}{r}"
                continue
            if col.kind == "evidence":
                ev_of[key[: -len(".evidence")]] = (v, j)
                continue
            cell_path = ("schools", i, *col.target)
            rd.cells.positions[cell_path] = f"{sh.name}!{_letter(j)}{r}"
            ok, v = _cell_value(rd, sh.name, r, j, col, v, sid)
            if ok:
                _set(school, col.target, v)
        _attach_evidence(rd, sh.name, r, school, ev_of, by_key, sid)
        data["schools"].append(school)
    return index


def _school_id(
    rd: _Reader,
    sheet: str,
    r: int,
    keys: dict[str, int],
    raw_id: Any,
    digits: int,
    first_row: dict[str, int],
) -> str | None:
    """The school id of a row of the schools sheet as text; a missing, unreadable or duplicate id is reported (and
    its row remembered, so that what follows from it is not reported again). A duplicate id is returned."""
    if raw_id is None:
        rd.add(sheet, r, keys.get("id"), msg("workbook.school_id_missing"), field="id")
        rd.bad_id_rows.add(f"{sheet}!A{r}")
        return None
    sid = rd.text_id(sheet, r, keys["id"], raw_id, "id", digits)
    if sid is None:
        rd.bad_id_rows.add(f"{sheet}!A{r}")
    elif sid in first_row:
        rd.add(
            sheet,
            r,
            keys["id"],
            msg("workbook.duplicate_school_id", other=first_row[sid]),
            school=sid,
            field="id",
            value=sid,
        )
        rd.bad_id_rows.add(f"{sheet}!A{r}")
    return sid


def _cell_value(rd: _Reader, sheet: str, r: int, j: int, col: Column, v: Any, sid: str | None) -> tuple[bool, Any]:
    """A cell's value as its column's kind reads it (yes/no, a number written as text, a category name), and
    whether it is usable (False: reported at the cell)."""
    if col.kind == "flag":
        v = rd.flag(sheet, r, j, v, col.key, sid)
        return v is not None, v
    if col.kind in ("number", "integer"):
        return rd.number(sheet, r, j, v, col.key, sid)
    if col.kind in ("school_type", "ownership", "location"):
        return True, _category(v, col.kind)
    return True, v


def _category(v: Any, kind: str) -> Any:
    """A Chinese or English category name in its identifier; unknown text is left for the model to refuse."""
    if not isinstance(v, str):
        return v
    syn = {"school_type": SCHOOL_TYPE_ZH, "ownership": OWNERSHIP_ZH, "location": LOCATION_ZH, "section": SECTION_ZH}[
        kind
    ]
    if v in syn:
        return syn[v]
    for key, (zh, en) in CATEGORY_LABELS[kind].items():
        if v in (zh, en):
            return key
    return v


def _read_sections(
    rd: _Reader,
    sh: _Sheet,
    lay: Layout,
    other: Layout,
    data: dict[str, Any],
    index: dict[str, int],
) -> None:
    """Read the sections sheet into the schools of ``data`` (``index``: school id → position), every problem at
    its cell."""
    cols = _columns(lay, other, "sections")
    keys, rows = rd.rows(sh, cols)
    digits = max(_id_digits([v.get("school_id") for _, v in rows]), _id_digits([s.get("id") for s in data["schools"]]))
    names = {sid: data["schools"][i].get("name") for sid, i in index.items()}
    reader = _SectionRows(rd, sh.name, keys, {c.key: c for c in cols}, lay.names["schools"], index, names)
    for r, values in rows:
        found = reader.school_and_section(r, values, digits)
        if found is None:
            continue
        sid, sec = found
        i = index[sid]
        section = reader.section_values(r, values, ("schools", i, "sections", sec), sid)
        section.setdefault("_row", r)
        data["schools"][i]["sections"][sec] = section
    for school in data["schools"]:
        for sec in school["sections"].values():
            sec.pop("_row", None)


_ROW_KEYS = ("school_id", "school_name", "section")
"""The columns of the sections sheet that say which section a row is (not values of the section)."""


def _same_name(a: str, b: str) -> bool:
    """Two school names are the same when they differ only in spaces or in full-width/half-width forms."""

    def norm(x: str) -> str:
        return "".join(unicodedata.normalize("NFKC", x).split())

    return norm(a) == norm(b)


@dataclasses.dataclass
class _SectionRows:
    """Reads the rows of the sections sheet, each into a section of a school read from the schools sheet."""

    rd: _Reader
    sheet: str
    keys: dict[str, int]
    """Column index of each machine key present."""
    by_key: dict[str, Column]
    schools_sheet: str
    index: dict[str, int]
    """School id → its position in the county's schools."""
    names: dict[str, Any]
    """School id → its name on the schools sheet (None when missing there)."""
    seen: dict[tuple[str, str], int] = dataclasses.field(default_factory=dict)
    """(school id, section) → the row that gave it."""

    def school_and_section(self, r: int, values: dict[str, Any], digits: int) -> tuple[str, str] | None:
        """The (school id, section) a row gives, or None when either is missing or unreadable, the school is not on
        the schools sheet or the section was given before (each reported)."""
        sid, sec = self.id_and_section(r, values, digits)
        if sid is None:
            return None
        if sid not in self.index:
            self.rd.add(
                self.sheet,
                r,
                self.keys["school_id"],
                msg("workbook.unknown_school", sheet=self.schools_sheet),
                school=sid,
                field="school_id",
                value=sid,
            )
            return None
        self.check_name(r, values, sid)
        if sec is None:
            return None
        if (sid, sec) in self.seen:
            self.rd.add(
                self.sheet,
                r,
                self.keys["section"],
                msg("workbook.duplicate_section", other=self.seen[(sid, sec)]),
                school=sid,
                field="section",
                value=values.get("section"),
            )
            return None
        self.seen[(sid, sec)] = r
        return sid, sec

    def check_name(self, r: int, values: dict[str, Any], sid: str) -> None:
        """A school name on the sections sheet must be the name the schools sheet gives the same id (compared
        without spaces, full-width and half-width forms alike); a different one is reported, naming both."""
        given, expected = values.get("school_name"), self.names.get(sid)
        if given is None or not isinstance(expected, str) or _same_name(str(given), expected):
            return
        self.rd.add(
            self.sheet,
            r,
            self.keys["school_name"],
            msg("workbook.school_name_differs", name=str(given), expected=expected, sheet=self.schools_sheet),
            school=sid,
            field="school_name",
            value=given,
        )

    def id_and_section(self, r: int, values: dict[str, Any], digits: int) -> tuple[str | None, str | None]:
        """The school id and section of a row as written, each None when missing or unreadable (reported)."""
        rd, sheet, keys = self.rd, self.sheet, self.keys
        raw_id = values.get("school_id")
        sid = None
        if raw_id is None:
            rd.add(sheet, r, keys.get("school_id"), msg("workbook.school_id_missing"), field="school_id")
        else:
            sid = rd.text_id(sheet, r, keys["school_id"], raw_id, "school_id", digits)
        raw_sec = values.get("section")
        sec = _category(raw_sec, "section") if raw_sec is not None else None
        if raw_sec is None:
            rd.add(sheet, r, keys.get("section"), msg("workbook.section_missing"), school=sid, field="section")
        elif sec not in _SECTIONS:
            rd.add(
                sheet,
                r,
                keys["section"],
                msg("workbook.not_a_section", names="小学, 初中, 高中"),
                school=sid,
                field="section",
                value=raw_sec,
            )
            sec = None
        return sid, sec

    def section_values(self, r: int, values: dict[str, Any], base: tuple[str | int, ...], sid: str) -> dict[str, Any]:
        """One row's values in the county format, recording the cell of every value (blank cells too, so that a
        missing required value is reported at its cell); yes/no cells are read, evidence notes attached."""
        rd, sheet, keys, by_key = self.rd, self.sheet, self.keys, self.by_key
        section: dict[str, Any] = {}
        rd.cells.positions[base] = f"{sheet}!{_letter(keys['section'])}{r}"
        for key, j in keys.items():
            if key not in _ROW_KEYS and by_key[key].kind != "evidence":
                rd.cells.positions[base + by_key[key].target] = f"{sheet}!{_letter(j)}{r}"
        ev_of: dict[str, Any] = {}
        for key, v in values.items():
            if key in _ROW_KEYS:
                continue
            col = by_key[key]
            j = keys[key]
            if col.kind == "evidence":
                ev_of[key[: -len(".evidence")]] = (v, j)
                continue
            rd.cells.positions[base + col.target] = f"{sheet}!{_letter(j)}{r}"
            ok, v = _cell_value(rd, sheet, r, j, col, v, sid)
            if ok:
                _set(section, col.target, v)
        _attach_evidence(rd, sheet, r, section, ev_of, by_key, sid)
        return section


def _read_roster(
    rd: _Reader,
    sh: _Sheet,
    lay: Layout,
    other: Layout,
    data: dict[str, Any],
    index: dict[str, int],
    std: Any,
) -> None:
    """Count the teacher roster by the standard's definitions into the sections' teacher counts (a typed count
    that disagrees is an error); a roster is refused without a standard or when the standard defines none."""
    cols = _columns(lay, other, "roster")
    if not cols:
        _refuse_roster_rows(rd, sh)
        return
    keys, rows = rd.rows(sh, cols)
    if not rows:
        return
    if std is None:
        rd.add(sh.name, rows[0][0], None, msg("workbook.roster_needs_standard"))
        return
    from .roster import aggregate_roster, roster_rows

    digits = max(_id_digits([v.get("school_id") for _, v in rows]), _id_digits(list(index)))
    raw_rows, locations, ok = _roster_raw_rows(rd, sh.name, keys, rows, {c.key: c for c in cols}, digits)
    schools = {s["id"]: list(s["sections"]) for s in data["schools"] if isinstance(s.get("id"), str)}
    try:
        checked = roster_rows(raw_rows, std, source=rd.source, locations=locations, schools=schools)
        counts = aggregate_roster(checked, std, source=rd.source)
    except InputError as exc:
        rd.problems.extend(_located(p, p.location) for p in exc.problems)
        return
    if ok:
        _apply_roster_counts(rd, sh.name, data, index, counts)
        _apply_roster_totals(rd, data, checked, std)


def _apply_roster_totals(rd: _Reader, data: dict[str, Any], checked: list[Any], std: Any) -> None:
    """The roster's county totals (certificate holders, rotated teachers …) into the county facts, by the pack's
    ``roster.totals`` (see :mod:`.roster_totals`); a typed total that differs is an error at its cell."""
    from .roster_totals import merge_roster_totals

    records, problems = merge_roster_totals(
        data, checked, std, rd.source, lambda name: rd.cells.positions.get(("facts", name))
    )
    rd.problems.extend(_located(p, p.location) for p in problems)
    rd.cells.computed.extend(records)


def _refuse_roster_rows(rd: _Reader, sh: _Sheet) -> None:
    """A roster sheet for a standard without roster definitions: its first filled row is an error (not counted)."""
    ws = sh.ws
    for r in range(FIRST_ROW, (ws.max_row or 0) + 1):
        if any(not _blank(v) for v in ws.row(r)):
            rd.add(sh.name, r, None, msg("workbook.roster_undefined"))
            return


def _roster_raw_rows(
    rd: _Reader,
    sheet: str,
    keys: dict[str, int],
    rows: list[tuple[int, dict[str, Any]]],
    by_key: dict[str, Column],
    digits: int,
) -> tuple[list[dict[str, Any]], list[dict[str, str]], bool]:
    """The roster rows as raw rows for :func:`roster_rows` (school ids as text, yes/no words as booleans) with the
    cell of each value; False when a school id was refused (reported), so that no count is applied."""
    raw_rows: list[dict[str, Any]] = []
    locations: list[dict[str, str]] = []
    ok = True
    for r, values in rows:
        row = dict(values)
        if "school_id" in row:
            sid = rd.text_id(sheet, r, keys["school_id"], row["school_id"], "school_id", digits)
            if sid is None:
                ok = False
                continue
            row["school_id"] = sid
        for key, v in list(row.items()):
            col = by_key.get(key)
            if col is not None and col.kind == "flag" and isinstance(v, str) and v.strip().lower() in FLAG_VALUES:
                row[key] = FLAG_VALUES[v.strip().lower()]
        raw_rows.append(row)
        locations.append({k: f"{sheet}!{_letter(j)}{r}" for k, j in keys.items()})
    return raw_rows, locations, ok


def _apply_roster_counts(
    rd: _Reader,
    sheet: str,
    data: dict[str, Any],
    index: dict[str, int],
    counts: dict[tuple[str, str], dict[str, int | None]],
) -> None:
    """Put the roster's teacher counts into their sections; a typed count that differs from the roster's is an
    error at its cell, and a count the roster cannot make (blank cells) leaves the typed one in place."""
    for (sid, sec), tally in counts.items():
        i = index[sid]
        section = data["schools"][i]["sections"][sec]
        teachers = section.setdefault("teachers", {})
        base = ("schools", i, "sections", sec, "teachers")
        for name, n in tally.items():
            given = teachers.get(name)
            if n is None and given is not None:
                continue  # the roster cannot count this (blank cells); the typed count supplies the number
            if given is not None and given != n:
                rd.problems.append(_roster_conflict(rd, rd.cells.positions.get((*base, name)), sid, name, n, given))
                continue
            teachers[name] = n
            rd.cells.positions.setdefault((*base, name), f"{sheet}")


def _roster_conflict(rd: _Reader, loc: str | None, sid: str, name: str, n: int | None, given: Any) -> Problem:
    """The problem of a typed teacher count (at ``loc``) that differs from the roster's count ``n``."""
    sheet, row_no, column = _cell_parts(loc)
    return Problem.of(
        msg("workbook.roster_differs", n=n),
        source=rd.source,
        location=loc,
        school_id=sid,
        field=f"teachers.{name}",
        value=given,
        sheet=sheet,
        row=row_no,
        column=column,
    )


def _message_of(exc: ValueError) -> Msg:
    """The catalogue message a pack check raised with (``InvalidValue``, ``UnitError``); a bare sentence as the
    detail of ``data.invalid``."""
    found = getattr(exc, "msg", None)
    return found if isinstance(found, Msg) else msg("data.invalid", detail=str(exc))


def _check_facts(rd: _Reader, data: dict[str, Any], std: Any) -> None:
    """Run the pack's checks of each fact now, so they are reported at their cells with the other problems."""
    from .table import read_fact

    pack = std.pack
    scales = dict(pack.scales)

    def check(facts: Any, level: str, base: tuple[str | int, ...], school: str | None) -> None:
        if not isinstance(facts, dict):
            return
        bad: list[str] = []
        for key, raw in facts.items():
            decl = pack.inputs.get(key)
            if decl is None or decl.level != level:
                continue
            try:
                read_fact(raw, decl, scales)
            except ValueError as exc:
                loc = rd.cells.where((*base, "facts", key))
                shown = raw.get("value") if isinstance(raw, dict) else raw
                rd.problems.append(
                    _located(
                        Problem.of(
                            _message_of(exc),
                            source=rd.source,
                            school_id=school,
                            field=f"facts.{key}",
                            value=shown,
                            path=".".join(str(p) for p in (*base, "facts", key)),
                        ),
                        loc,
                    )
                )
                bad.append(key)
        for key in bad:
            del facts[key]  # reported here; keep the model from reporting it again

    check(data.get("facts"), "county", (), None)
    for i, school in enumerate(data.get("schools", [])):
        sid = school.get("id")
        check(school.get("facts"), "school", ("schools", i), sid)
        for sec, section in (school.get("sections") or {}).items():
            check(section.get("facts"), "section", ("schools", i, "sections", sec), sid)
