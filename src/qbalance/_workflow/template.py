"""The Excel data-entry template (数据填报模板), generated from a rule pack's declared inputs.

Sheets: 说明 (instructions, and what the template's colours mean), 县级指标 (county values, one row each), 学校 (one
row per school), 学段 (one row per school section, with the school's name as a check), 教师名册 (one row per
full-time teacher, when the pack defines a roster), and two hidden sheets: ``_lists`` (drop-down choices) and
``_qbalance`` (the pack the template was made for, and the sheet roles).

Every data sheet has the people's header in row 1 and a hidden row 2 of stable machine keys (``id``,
``facilities.teaching_aux_area``...): reading back uses the keys, never the label text. Data start in row 3. Number
cells carry Excel's data validation (not negative; whole numbers for counts), so a wrong entry is caught as it is
typed. Every text the template shows comes from the message catalogue (``workbook.*``), in the template's language.
Needs openpyxl (the ``excel`` extra).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._base.messages import text
from .._base.optional import require
from .._base.vocabulary import CATEGORY_LABELS, SECTION_ZH
from .._data.models import County, School, Section
from .._data.workbook_layout import (
    FILLS,
    FIRST_ROW,
    FLAG_WORDS,
    HEADER_ROW,
    KEY_ROW,
    WORKBOOK_FORMAT,
    Column,
    Layout,
    layout,
    unit_text,
)
from .._packs.schema import Pack

__all__ = ["Column", "Layout", "layout", "write_template"]

# ---------------------------------------------------------------- writing


def _instructions(std: Any, lay: Layout) -> list[tuple[str, str, str | None]]:
    """The rows of the instructions sheet: (label, text, the fill of the label cell when it shows a colour)."""
    pack: Pack = std.pack if hasattr(std, "pack") else std
    sha = getattr(std, "sha256", "") or ""
    n = lay.names
    lang = "en" if lay.lang == "en" else "zh"

    def t(key: str, **args: Any) -> str:
        return text(f"workbook.help.{key}", lang, **args)

    title = pack.title.text("en") if lang == "en" else pack.title.zh
    rows: list[tuple[str, str, str | None]] = [
        (t("title"), "", None),
        (t("standard"), f"{title} ({pack.id} {pack.version})", None),
        (t("document"), pack.document or "", None),
        (t("sha"), sha, None),
        ("", "", None),
        (t("how_to_fill"), "", None),
        (n["county"], t("county"), None),
        (n["schools"], t("schools"), None),
        (n["sections"], t("sections", schools=n["schools"]), None),
        (n["roster"], t("roster"), None),
        (t("units_label"), t("units"), None),
        (t("numbers_label"), t("numbers"), None),
        (t("yes_no_label"), t("yes_no"), None),
        (t("blank_label"), t("blank"), None),
        (t("row2_label"), t("row2", seq="序号"), None),
        (t("file_label"), t("file"), None),
        ("", "", None),
        (t("colours"), "", None),
        ("", t("colour_required", county=n["county"]), FILLS["required"]),
        ("", t("colour_header"), FILLS["header"]),
        ("", t("colour_grey"), FILLS["not_used"]),
        ("", t("colour_red"), FILLS["problem"]),
        ("", "", None),
        (t("read_back_label"), t("read_back"), None),
        (t("check_label"), t("check"), None),
        (t("problems_label"), t("problems"), None),
    ]
    return rows


def _as_text(cell: Any) -> Any:
    """``cell`` with a text value stored as text, never as a formula: a school name from the data that starts with
    ``=`` stays a name (openpyxl would otherwise write it as a live formula)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def _display(value: Any, col: Column, pack: Pack, lang: str) -> Any:
    """A county-format value as the template shows it (Chinese category names, 是/否)."""
    if value is None:
        return None
    if isinstance(value, dict) and "value" in value:
        value = value["value"]
    if col.kind == "flag" and isinstance(value, bool):
        words = FLAG_WORDS["zh" if lang != "en" else "en"]
        return words[0] if value else words[1]
    if col.kind in ("school_type", "ownership", "location", "section") and isinstance(value, str):
        labels = CATEGORY_LABELS[col.kind]
        return labels[value][0] if lang != "en" and value in labels else value
    if col.kind in ("number", "integer") and col.decl is not None and isinstance(value, str):
        from .._units.registry import parse_quantity

        return parse_quantity(value, col.decl.unit)  # the same conversion the reader applies to the text
    return value


def _exact(value: Any, raw: Any, col: Column) -> Any:
    """A number that the .xlsx writer would round (openpyxl writes 16 significant digits) as exact text.

    Prefer the text the county wrote (``356.03 万元``), else the full ``repr`` with the canonical unit, so a filled
    template reads back to exactly the same numbers (and the same input digest).
    """
    if not isinstance(value, float) or not math.isfinite(value) or float(f"{value:.16g}") == value:
        return value
    if isinstance(raw, dict):
        raw = raw.get("value")
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    unit = col.decl.unit if col.decl is not None else col.unit
    if unit in ("1", ""):
        return value
    return f"{value!r} {unit}"


def _raw_get(raw: Any, target: tuple[str, ...]) -> Any:
    cur = raw
    for part in target:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _raw_section(raw_school: Any, section: str) -> Any:
    if not isinstance(raw_school, dict) or not isinstance(raw_school.get("sections"), dict):
        return None
    for key, value in raw_school["sections"].items():
        if key == section or SECTION_ZH.get(str(key)) == section:
            return value
    return None


def _raw_data(county: Any) -> Any:
    """The county as written (before units were converted), when it was given as a file or a dict."""
    if isinstance(county, dict):
        return county
    if isinstance(county, (str, Path)):
        from .._base.documents import DATA_LIMITS, YamlRefused, load_json, load_yaml

        p = Path(county)
        try:
            if p.suffix.lower() == ".json":
                return load_json(p.read_bytes(), str(p), DATA_LIMITS).data
            if p.suffix.lower() in (".yaml", ".yml"):
                return load_yaml(p.read_bytes(), str(p), DATA_LIMITS).data
        except (OSError, YamlRefused):
            return None
    return None


def _evidence(value: Any) -> Any:
    return value.get("evidence") if isinstance(value, dict) else None


def _get(obj: Any, target: tuple[str, ...]) -> Any:
    cur = obj
    for part in target:
        if cur is None:
            return None
        cur = cur.get(part) if isinstance(cur, dict) else getattr(cur, part, None)
    return cur


_VALIDATED_ROWS = 2000
"""Data rows (after the first) of a table sheet that get the drop-down list of their column."""
_ID_TEXT_ROWS = 200
"""At least this many rows of an id column are formatted as text, so that typed ids keep their leading zeros."""


def write_template(standard: Any, path: str | Path, *, lang: str = "zh", county: Any = None) -> Path:
    """Write an .xlsx data-entry template for ``standard`` (a pack id, path or :class:`Standard`) to ``path``.

    With ``county`` (a :class:`County`, a dict in the county format, or a path to a county file) the template is
    filled with its data, e.g. to move a YAML county into Excel (the sections sheet gets each school's name too, as
    text: the template holds no formula). Needs openpyxl (the ``excel`` extra).
    """
    excel = _Excel.load()
    from .._api.standard import load_standard

    if lang not in ("zh", "en"):
        raise ValueError(text("workbook.bad_lang", None, lang=lang))
    std = load_standard(standard) if not hasattr(standard, "pack") else standard
    lay = layout(std, lang)
    model: County | None = None
    raw_county: Any = None
    if county is not None:
        from .._api.evaluate import as_county

        model, _ = as_county(county)
        raw_county = _raw_data(county)
    writer = _TemplateWriter(excel, std, lay)
    writer.write_instructions()
    writer.write_county_sheet(model, raw_county)
    school_rows, section_rows = _filled_rows(model, raw_county, lay, std.pack)
    writer.write_table_sheet(lay.names["schools"], lay.schools, school_rows)
    writer.write_table_sheet(lay.names["sections"], lay.sections, section_rows)
    if lay.roster:
        writer.write_table_sheet(lay.names["roster"], lay.roster, [])
    writer.write_meta()
    return writer.save(Path(path))


@dataclass
class _Excel:
    """The parts of openpyxl the writer uses, imported on demand (openpyxl is an optional dependency)."""

    openpyxl: Any
    styles: Any
    get_column_letter: Any
    DataValidation: Any

    @classmethod
    def load(cls) -> _Excel:
        """Import openpyxl, or raise the error that says how to install it."""
        openpyxl = require("openpyxl", "excel")
        styles = require("openpyxl.styles", "excel")
        get_column_letter = require("openpyxl.utils", "excel").get_column_letter
        data_validation = require("openpyxl.worksheet.datavalidation", "excel").DataValidation
        return cls(openpyxl, styles, get_column_letter, data_validation)


class _TemplateWriter:
    """One template workbook being written: its shared styles, the hidden sheet of drop-down lists (one column per
    distinct list, shared by every column that offers it) and the sheets, in the order they are added."""

    def __init__(self, excel: _Excel, std: Any, lay: Layout) -> None:
        self.excel = excel
        self.std = std
        self.pack: Pack = std.pack
        self.lay = lay
        self.lang = lay.lang
        self.wb = excel.openpyxl.Workbook()
        styles = excel.styles
        self.bold = styles.Font(bold=True)
        self.head_fill = styles.PatternFill("solid", fgColor=FILLS["header"])
        self.req_fill = styles.PatternFill("solid", fgColor=FILLS["required"])
        self.wrap = styles.Alignment(wrap_text=True, vertical="top")
        self.lists = self.wb.create_sheet(lay.names["lists"])
        self.lists.sheet_state = "hidden"
        self.list_refs: dict[tuple[str, ...], str] = {}

    def write_instructions(self) -> None:
        """The instructions sheet, the workbook's first."""
        ws = self.wb.active
        ws.title = self.lay.names["help"]
        for r, (a, b, fill) in enumerate(_instructions(self.std, self.lay), start=1):
            _as_text(ws.cell(r, 1, a)).font = self.bold
            _as_text(ws.cell(r, 2, b)).alignment = self.wrap
            if fill is not None:  # a swatch of the colour the row explains
                ws.cell(r, 1).fill = self.excel.styles.PatternFill("solid", fgColor=fill)
        ws.column_dimensions["A"].width = 18
        ws.column_dimensions["B"].width = 110

    def list_ref(self, choices: list[str]) -> str:
        """The cell range of a drop-down list on the lists sheet, written there the first time it is asked for."""
        key = tuple(choices)
        if key not in self.list_refs:
            col = len(self.list_refs) + 1
            for i, text in enumerate(choices, start=1):
                _as_text(self.lists.cell(i, col, text))
            letter = self.excel.get_column_letter(col)
            self.list_refs[key] = f"'{self.lay.names['lists']}'!${letter}$1:${letter}${len(choices)}"
        return self.list_refs[key]

    def header(self, ws: Any, cols: list[Column]) -> None:
        """Row 1 of a sheet: the labels (required ones highlighted), and hidden row 2 of machine keys; panes frozen."""
        for j, c in enumerate(cols, start=1):
            cell = _as_text(ws.cell(HEADER_ROW, j, c.label))
            cell.font = self.bold
            cell.fill = self.req_fill if c.required else self.head_fill
            cell.alignment = self.excel.styles.Alignment(wrap_text=True, vertical="center")
            _as_text(ws.cell(KEY_ROW, j, c.key))
            width = max(10, min(40, int(len(c.label) * 1.8) + 2))
            ws.column_dimensions[self.excel.get_column_letter(j)].width = width
        ws.row_dimensions[KEY_ROW].hidden = True
        ws.row_dimensions[HEADER_ROW].height = 45
        ws.freeze_panes = ws.cell(FIRST_ROW, 1)

    def validate(self, ws: Any, col: Column, cells: str) -> None:
        """A drop-down list on ``cells`` when the column has choices; ratings and categories also accept ids."""
        if not col.choices:
            return
        dv = self.excel.DataValidation(type="list", formula1=self.list_ref(col.choices), allow_blank=True)
        dv.error = text("workbook.validation.pick", self.lang)
        dv.showErrorMessage = col.kind not in ("rating", "category")  # labels and ids are both accepted
        dv.add(cells)
        ws.add_data_validation(dv)

    def validate_number(self, ws: Any, col: Column, cells: str) -> None:
        """Excel's number check on ``cells`` of a number column: not below the pack's minimum (0 when it gives none),
        not above its maximum, and whole for counts. A count that breaks it is refused as it is typed; another
        quantity gets a warning the user may overrule, since text with a unit (``96 万元``) is accepted too."""
        rule = _number_rule(col)
        if rule is None:
            return
        whole, low, high = rule
        lang = self.lang
        shown = {"min": f"{low:g}", "max": f"{high:g}" if high is not None else ""}
        if whole:
            message = text(
                "workbook.validation.whole_between" if high is not None else "workbook.validation.whole", lang, **shown
            )
        elif high is not None:
            share = high <= 1 and (col.decl is None or col.decl.unit.strip() in ("1", ""))
            message = text(
                "workbook.validation.share" if share else "workbook.validation.number_between", lang, **shown
            )
        else:
            message = text("workbook.validation.number", lang, **shown)
        dv = self.excel.DataValidation(
            type="whole" if whole else "decimal",
            operator="between" if high is not None else "greaterThanOrEqual",
            formula1=f"{low:g}",
            formula2=f"{high:g}" if high is not None else None,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop" if whole else "warning",
            errorTitle=text("workbook.validation.title", lang),
            error=message,
        )
        dv.add(cells)
        ws.add_data_validation(dv)

    def write_county_sheet(self, model: County | None, raw_county: Any) -> None:
        """The county sheet: one row per county value (key, label, unit, value, evidence note, help)."""
        ws = self.wb.create_sheet(self.lay.names["county"])
        self.header(ws, _county_sheet_columns(self.lang))
        ws.column_dimensions["A"].hidden = True
        ws.column_dimensions["B"].width = 46
        ws.column_dimensions["D"].width = 22
        ws.column_dimensions["E"].width = 46
        ws.column_dimensions["F"].width = 40
        county_rows = [c for c in self.lay.county if c.kind != "evidence"]
        for i, c in enumerate(county_rows):
            self.county_row(ws, FIRST_ROW + i, c, model, raw_county)

    def county_row(self, ws: Any, r: int, c: Column, model: County | None, raw_county: Any) -> None:
        """Row ``r`` of the county sheet for value ``c``, filled from ``model`` when there is one."""
        lang = self.lang
        _as_text(ws.cell(r, 1, c.key))
        _as_text(ws.cell(r, 2, c.label.split(" (")[0] if c.decl is not None else c.label)).alignment = self.wrap
        _as_text(ws.cell(r, 3, unit_text(c.unit, lang) if c.decl is not None and c.decl.type == "number" else ""))
        value_cell = ws.cell(r, 4)
        if c.kind == "id":
            value_cell.number_format = "@"
        if c.required:
            ws.cell(r, 2).fill = self.req_fill
        help_text = c.help
        if c.choices:
            help_text = ("; ".join([help_text, " / ".join(c.choices)])).strip("; ")
        _as_text(ws.cell(r, 6, help_text)).alignment = self.wrap
        has_evidence = any(e.key == f"{c.key}.evidence" for e in self.lay.county)
        if not has_evidence:
            ws.cell(r, 5).fill = self.excel.styles.PatternFill("solid", fgColor=FILLS["not_used"])
        self.validate(ws, c, f"D{r}")
        self.validate_number(ws, c, f"D{r}")
        if model is not None:
            raw = _get(model, c.target) if c.target else None
            if c.key == "code":
                raw = model.code
            value_cell.value = _exact(_display(raw, c, self.pack, lang), _raw_get(raw_county, c.target), c)
            _as_text(value_cell)
            if has_evidence:
                _as_text(ws.cell(r, 5, _evidence(raw)))

    def write_table_sheet(self, name: str, cols: list[Column], rows: list[list[Any]]) -> None:
        """A sheet of one row per school, section or teacher: header, id columns as text, drop-downs, the rows."""
        ws = self.wb.create_sheet(name)
        self.header(ws, cols)
        for j, c in enumerate(cols, start=1):
            letter = self.excel.get_column_letter(j)
            rng = f"{letter}{FIRST_ROW}:{letter}{FIRST_ROW + _VALIDATED_ROWS}"
            if c.kind == "id":
                for r in range(FIRST_ROW, FIRST_ROW + max(len(rows), _ID_TEXT_ROWS)):
                    ws.cell(r, j).number_format = "@"
            self.validate(ws, c, rng)
            self.validate_number(ws, c, rng)
        for i, values in enumerate(rows):
            for j, v in enumerate(values, start=1):
                if v is not None:
                    cell = _as_text(ws.cell(FIRST_ROW + i, j, v))
                    if cols[j - 1].kind == "id":
                        cell.number_format = "@"

    def write_meta(self) -> None:
        """The hidden metadata sheet: the pack and the sheet roles, read back by the reader."""
        meta = self.wb.create_sheet(self.lay.names["meta"])
        meta.sheet_state = "hidden"
        pack = self.pack
        entries = [
            ("format", WORKBOOK_FORMAT),
            ("pack", pack.id),
            ("version", pack.version),
            ("sha256", getattr(self.std, "sha256", "")),
            ("lang", self.lang),
        ] + [(f"sheet.{role}", name) for role, name in self.lay.names.items()]
        for r, (k, v) in enumerate(entries, start=1):
            _as_text(meta.cell(r, 1, k))
            _as_text(meta.cell(r, 2, v))

    def save(self, out: Path) -> Path:
        """Move the lists sheet last and write the workbook to ``out``."""
        self.wb.move_sheet(self.lay.names["lists"], offset=len(self.wb.sheetnames))
        self.wb.save(out)
        return out


def _county_sheet_columns(lang: str) -> list[Column]:
    """The columns of the county sheet, which lists the county values as rows."""
    return [
        Column(key, text(f"workbook.county_sheet.{key}", lang), "text", required=key == "value")
        for key in ("key", "label", "unit", "value", "evidence", "help")
    ]


def _number_rule(col: Column) -> tuple[bool, float, float | None] | None:
    """(whole number, lowest, highest or None) that a number column's cells must meet; None for other columns.

    The pack's declared bounds (at least 0 when it declares none: quantities and counts are never negative); the
    school year has the county format's bounds.
    """
    if col.kind not in ("number", "integer"):
        return None
    if col.decl is None:
        low, high = _model_bounds(col.key)
        return col.kind == "integer", low if low is not None else 0.0, high
    low = col.decl.min if col.decl.min is not None else 0.0
    return col.kind == "integer", low, col.decl.max


def _model_bounds(name: str) -> tuple[float | None, float | None]:
    """The ``ge``/``le`` bounds the county model puts on one of its own fields (the school year: 1990 to 2100)."""
    info = County.model_fields.get(name)
    metadata = info.metadata if info is not None else []
    low = next((float(m.ge) for m in metadata if getattr(m, "ge", None) is not None), None)
    high = next((float(m.le) for m in metadata if getattr(m, "le", None) is not None), None)
    return low, high


def _filled_rows(
    model: County | None, raw_county: Any, lay: Layout, pack: Pack
) -> tuple[list[list[Any]], list[list[Any]]]:
    """The rows of the schools and sections sheets for a prefilled template (none without a county)."""
    school_rows: list[list[Any]] = []
    section_rows: list[list[Any]] = []
    if model is None:
        return school_rows, section_rows
    raw_schools = _raw_get(raw_county, ("schools",))
    for si, school in enumerate(model.schools):
        raw_school = raw_schools[si] if isinstance(raw_schools, list) and si < len(raw_schools) else None
        school_rows.append(_school_row(school, raw_school, lay, pack))
        for sec_name, sec in school.sections.items():
            raw_sec = _raw_section(raw_school, sec_name)
            section_rows.append(_section_row(school, sec_name, sec, raw_sec, lay, pack))
    return school_rows, section_rows


def _school_row(school: School, raw_school: Any, lay: Layout, pack: Pack) -> list[Any]:
    """One school's row of the schools sheet, numbers kept exact with the text the county was written with."""
    row = []
    for c in lay.schools:
        raw = _get(school, c.target)
        if c.kind == "evidence":
            row.append(_evidence(raw))
        else:
            row.append(_exact(_display(raw, c, pack, lay.lang), _raw_get(raw_school, c.target), c))
    return row


def _section_row(school: School, sec_name: str, sec: Section, raw_sec: Any, lay: Layout, pack: Pack) -> list[Any]:
    """One section's row of the sections sheet (the school's id and name, then the section's values), numbers kept
    exact with the text the county was written with."""
    row: list[Any] = []
    for c in lay.sections:
        if c.key == "school_id":
            row.append(school.id)
        elif c.key == "school_name":
            row.append(school.name)
        elif c.key == "section":
            row.append(_display(sec_name, c, pack, lay.lang))
        else:
            raw = _get(sec, c.target)
            if c.kind == "evidence":
                row.append(_evidence(raw))
            else:
                row.append(_exact(_display(raw, c, pack, lay.lang), _raw_get(raw_sec, c.target), c))
    return row
