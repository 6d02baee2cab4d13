"""The layout of the data-entry workbook generated from a pack: its sheets, their columns, labels, units and
drop-down choices. Shared by the template writer (:mod:`qbalance._workflow.template`) and the reader
(:mod:`qbalance._data.workbook`), so the two cannot disagree about where a value lives.

Every data sheet has the people's header in row 1 and a hidden row 2 of stable machine keys; data start in row 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._base.messages import text
from .._base.vocabulary import CATEGORY_LABELS
from .._packs.schema import InputDecl, Pack
from .models import County, Facilities, Section, TeacherCounts

__all__ = [
    "FILLS",
    "FIRST_ROW",
    "FLAG_VALUES",
    "HEADER_ROW",
    "KEY_ROW",
    "ROW_NUMBER_HEADERS",
    "SHEET_NAMES",
    "Column",
    "Layout",
    "layout",
]

WORKBOOK_FORMAT = "qbalance-workbook/1"
HEADER_ROW = 1
KEY_ROW = 2
FIRST_ROW = 3

SHEET_NAMES: dict[str, dict[str, str]] = {
    "zh": {
        "help": "说明",
        "county": "县级指标",
        "schools": "学校",
        "sections": "学段",
        "roster": "教师名册",
        "lists": "_lists",
        "meta": "_qbalance",
    },
    "en": {
        "help": "Instructions",
        "county": "County",
        "schools": "Schools",
        "sections": "Sections",
        "roster": "Teacher roster",
        "lists": "_lists",
        "meta": "_qbalance",
    },
}
FLAG_WORDS = {"zh": ("是", "否"), "en": ("yes", "no")}
FLAG_VALUES = {"是": True, "否": False, "yes": True, "no": False, "true": True, "false": False}
"""Text accepted in a yes/no cell (case-insensitive); a TRUE/FALSE cell is accepted as it is."""
ROW_NUMBER_HEADERS = ("序号", "行号", "no.", "no", "#")
"""Headers of a row-number column people add to a sheet (compared case-insensitively); such a column is ignored."""
FILLS = {"header": "DDEBF7", "required": "FCE4D6", "not_used": "EEEEEE", "problem": "FF0000"}
"""The template's colours (explained on its 说明 sheet): optional and required headers, cells with nothing to fill in,
and the cells ``qbalance check`` marks as wrong."""

_UNIT_TEXT = {
    "m**2": "m²",
    "yuan": "元",
    "student": "人",
    "teacher": "人",
    "room": "间",
    "class_": "个",
    "device": "台",
    "book": "册",
    "yuan / student": "元/生",
    "1": "",
}
_UNIT_TEXT_EN = {"m**2": "m²", "yuan": "yuan", "class_": "classes", "yuan / student": "yuan/student", "1": ""}


@dataclass
class Column:
    """One column of a data sheet (or one row of the county sheet)."""

    key: str
    label: str
    kind: str
    """id, text, integer, number, flag, rating, category, section, school_type, ownership, location, evidence, and
    school_name (the check column of the sections sheet)."""
    unit: str = "1"
    required: bool = False
    choices: list[str] = field(default_factory=list)
    """Drop-down texts (labels in the template's language)."""
    help: str = ""
    decl: InputDecl | None = None
    target: tuple[str, ...] = ()
    """Where the value goes in the county format, relative to its county/school/section: ('facilities', 'x')."""


@dataclass
class Layout:
    """The columns of every sheet for one pack and language."""

    lang: str
    names: dict[str, str]
    county: list[Column]
    schools: list[Column]
    sections: list[Column]
    roster: list[Column]


def unit_text(unit: str, lang: str) -> str:
    """A unit as the people filling the template write it (m², 元, 人)."""
    if lang == "en":
        return _UNIT_TEXT_EN.get(unit, unit.replace("**2", "²").replace("_", ""))
    return _UNIT_TEXT.get(unit, unit.replace("**2", "²"))


def _label(label: Any, lang: str) -> str:
    return str(label.text(lang)) if label is not None else ""


def _target(level: str, key: str) -> tuple[str, ...]:
    """Model field path for a pack input (``facilities.x`` → ('facilities', 'x')), or ('facts', key)."""
    parts = key.split(".")
    if level == "section":
        if len(parts) == 1 and key in Section.model_fields and key not in ("facts", "teachers"):
            return (key,)
        if len(parts) == 2 and parts[0] == "teachers" and parts[1] in TeacherCounts.model_fields:
            return (parts[0], parts[1])
    elif level == "school":
        if len(parts) == 2 and parts[0] == "facilities" and parts[1] in Facilities.model_fields:
            return (parts[0], parts[1])
        if key == "boarding":
            return ("boarding",)
    elif level == "county" and key in County.model_fields and key not in ("facts", "schools", "format"):
        return (key,)
    return ("facts", key)


def _choices_of(decl: InputDecl, pack: Pack, lang: str) -> list[str]:
    if decl.type == "flag":
        return list(FLAG_WORDS[lang if lang in FLAG_WORDS else "zh"])
    if decl.type == "rating" and decl.scale in pack.scales:
        scale = pack.scales[decl.scale]
        return [_label(scale.labels[lv], lang) if lv in scale.labels else lv for lv in scale.levels]
    if decl.type == "category":
        return list(decl.categories or ())
    return []


def _input_column(key: str, decl: InputDecl, pack: Pack, lang: str) -> list[Column]:
    label = _label(decl.label, lang)
    kind = {"flag": "flag", "rating": "rating", "category": "category"}.get(decl.type, "number")
    if kind == "number" and decl.integer:
        kind = "integer"
    unit = unit_text(decl.unit, lang) if decl.type == "number" else ""
    if unit:
        label = f"{label} ({unit})"
    helps = []
    if decl.description is not None:
        helps.append(_label(decl.description, lang))
    if decl.type == "number":
        if decl.min is not None and decl.max is not None:
            helps.append(f"{decl.min:g}–{decl.max:g}")
        elif decl.min is not None and decl.min != 0:
            helps.append(f"≥ {decl.min:g}")
        if decl.integer:
            helps.append(text("workbook.column.whole_number", lang))
    cols = [
        Column(
            key,
            label,
            kind,
            decl.unit,
            False,
            _choices_of(decl, pack, lang),
            "; ".join(h for h in helps if h),
            decl,
            _target(decl.level, key),
        )
    ]
    if decl.evidence:
        cols.append(
            Column(
                f"{key}.evidence",
                text("workbook.column.evidence", lang, label=_label(decl.label, lang)),
                "evidence",
                target=_target(decl.level, key),
            )
        )
    return cols


def _cat(name: str, lang: str) -> list[str]:
    labels = CATEGORY_LABELS[name]
    return [zh if lang == "zh" else key for key, (zh, _en) in labels.items()]


def _words(lang: str) -> str:
    """The language of the template's words: English for ``en``, Chinese otherwise."""
    return "en" if lang == "en" else "zh"


def _head(key: str, lang: str) -> str:
    """A fixed column's header in the template's language (``workbook.column.<key>`` of the catalogue)."""
    return text(f"workbook.column.{key}", _words(lang))


def layout(standard: Any, lang: str = "zh") -> Layout:
    """The sheets and columns of the template for ``standard`` (a :class:`Standard` or a pack).

    The sections sheet starts with the school's id, its name (read back as a check against the schools sheet) and
    the section; the pack's inputs follow, the students first.
    """
    pack: Pack = standard.pack if hasattr(standard, "pack") else standard
    names = SHEET_NAMES[_words(lang)]
    county = _county_columns(lang)
    schools = _school_columns(lang)
    sections = [
        Column("school_id", _head("school_id", lang), "id", required=True),
        Column("school_name", _head("school_name", lang), "school_name"),
        Column("section", _head("section", lang), "section", required=True, choices=_cat("section", lang)),
    ]
    fixed = len(sections)
    for key, decl in pack.inputs.items():
        if key in ("boarding",):
            continue
        cols = _input_column(key, decl, pack, lang)
        if decl.level == "county":
            county.extend(cols)
        elif decl.level == "school":
            schools.extend(cols)
        elif key == "students":
            for c in cols:
                c.required = True
            sections[fixed:fixed] = cols
        else:
            sections.extend(cols)
    return Layout(lang, names, county, schools, sections, _roster_columns(pack, lang))


def _county_columns(lang: str) -> list[Column]:
    """The fixed rows of the county sheet (code, name, year, synthetic, note), before the pack's county inputs."""
    county = [
        Column("code", _head("code", lang), "id", required=True),
        Column("name", _head("county_name", lang), "text", required=True),
        Column("year", _head("year", lang), "integer", target=("year",)),
        Column("synthetic", _head("synthetic", lang), "flag", choices=list(FLAG_WORDS[_words(lang)])),
        Column("note", _head("note", lang), "text"),
    ]
    for c in county:
        if not c.target:
            c.target = (c.key,)
    return county


def _school_columns(lang: str) -> list[Column]:
    """The fixed columns of the schools sheet (id, name, the three categories, boarding), before the pack's inputs."""
    return [
        Column("id", _head("school_id", lang), "id", required=True, target=("id",)),
        Column("name", _head("school_name", lang), "text", required=True, target=("name",)),
        *(
            Column(key, _head(key, lang), kind, required=True, choices=_cat(kind, lang), target=(key,))
            for key, kind in (("type", "school_type"), ("ownership", "ownership"), ("location", "location"))
        ),
        Column(
            "boarding", _head("boarding", lang), "flag", choices=list(FLAG_WORDS[_words(lang)]), target=("boarding",)
        ),
    ]


def _roster_columns(pack: Pack, lang: str) -> list[Column]:
    """The columns of the teacher roster: who and where, then the pack's roster fields; none without a roster."""
    if pack.roster is None:
        return []
    zh = lang != "en"
    roster = [
        Column("school_id", _head("school_id", lang), "id", required=True),
        Column("section", _head("section", lang), "section", required=True, choices=_cat("section", lang)),
        Column("teacher_id", _head("teacher_id", lang), "text"),
        Column("name", _head("teacher_name", lang), "text"),
    ]
    for fname, spec in pack.roster.fields.items():
        if spec.type == "flag":
            choices = list(FLAG_WORDS[_words(lang)])
        elif spec.type == "category":
            choices = [_label(spec.labels[c], lang) if c in spec.labels and zh else c for c in spec.categories or ()]
        else:
            choices = []
        roster.append(Column(fname, _label(spec.label, lang), spec.type, required=spec.required, choices=choices))
    return roster
