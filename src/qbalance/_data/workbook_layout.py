"""The layout of the data-entry workbook generated from a pack: its sheets, their columns, labels, units and
drop-down choices. Shared by the template writer (:mod:`qbalance._workflow.template`) and the reader
(:mod:`qbalance._data.workbook`), so the two cannot disagree about where a value lives.

Every data sheet has the people's header in row 1 and a hidden row 2 of stable machine keys; data start in row 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._base.vocabulary import CATEGORY_LABELS
from .._packs.schema import InputDecl, Pack
from .models import County, Facilities, Section, TeacherCounts

__all__ = ["FIRST_ROW", "FLAG_VALUES", "HEADER_ROW", "KEY_ROW", "SHEET_NAMES", "Column", "Layout", "layout"]

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
    """id, text, integer, number, flag, rating, category, section, school_type, ownership, location, evidence."""
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
            helps.append("整数" if lang == "zh" else "whole number")
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
                f"{_label(decl.label, lang)} — {'佐证说明' if lang == 'zh' else 'evidence note'}",
                "evidence",
                target=_target(decl.level, key),
            )
        )
    return cols


def _cat(name: str, lang: str) -> list[str]:
    labels = CATEGORY_LABELS[name]
    return [zh if lang == "zh" else key for key, (zh, _en) in labels.items()]


def layout(standard: Any, lang: str = "zh") -> Layout:
    """The sheets and columns of the template for ``standard`` (a :class:`Standard` or a pack)."""
    pack: Pack = standard.pack if hasattr(standard, "pack") else standard
    zh = lang != "en"
    names = SHEET_NAMES["zh" if zh else "en"]
    county = _county_columns(lang)
    schools = _school_columns(lang)
    sections = [
        Column("school_id", "学校标识码" if zh else "school id", "id", required=True),
        Column("section", "学段" if zh else "section", "section", required=True, choices=_cat("section", lang)),
    ]
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
            sections[2:2] = cols
        else:
            sections.extend(cols)
    return Layout(lang, names, county, schools, sections, _roster_columns(pack, lang))


def _county_columns(lang: str) -> list[Column]:
    """The fixed rows of the county sheet (code, name, year, synthetic, note), before the pack's county inputs."""
    zh = lang != "en"
    county = [
        Column("code", "县级行政区划代码" if zh else "county code", "id", required=True),
        Column("name", "县(市、区)名称" if zh else "county name", "text", required=True),
        Column("year", "学年(年份)" if zh else "school year", "integer", target=("year",)),
        Column(
            "synthetic",
            "合成数据(非真实)" if zh else "synthetic data",
            "flag",
            choices=list(FLAG_WORDS[lang if not zh else "zh"]),
        ),
        Column("note", "备注" if zh else "note", "text"),
    ]
    for c in county:
        if not c.target:
            c.target = (c.key,)
    return county


def _school_columns(lang: str) -> list[Column]:
    """The fixed columns of the schools sheet (id, name, the three categories, boarding), before the pack's inputs."""
    zh = lang != "en"
    return [
        Column("id", "学校标识码" if zh else "school id", "id", required=True, target=("id",)),
        Column("name", "学校名称" if zh else "school name", "text", required=True, target=("name",)),
        Column(
            "type",
            "学校类型" if zh else "school type",
            "school_type",
            required=True,
            choices=_cat("school_type", lang),
            target=("type",),
        ),
        Column(
            "ownership",
            "办学性质" if zh else "ownership",
            "ownership",
            required=True,
            choices=_cat("ownership", lang),
            target=("ownership",),
        ),
        Column(
            "location",
            "城乡分类" if zh else "location",
            "location",
            required=True,
            choices=_cat("location", lang),
            target=("location",),
        ),
        Column(
            "boarding",
            "寄宿制学校" if zh else "boarding school",
            "flag",
            choices=list(FLAG_WORDS["zh" if zh else "en"]),
            target=("boarding",),
        ),
    ]


def _roster_columns(pack: Pack, lang: str) -> list[Column]:
    """The columns of the teacher roster: who and where, then the pack's roster fields; none without a roster."""
    if pack.roster is None:
        return []
    zh = lang != "en"
    roster = [
        Column("school_id", "学校标识码" if zh else "school id", "id", required=True),
        Column("section", "学段" if zh else "section", "section", required=True, choices=_cat("section", lang)),
        Column("teacher_id", "教师编号(可选)" if zh else "teacher id (optional)", "text"),
        Column("name", "姓名(可选)" if zh else "name (optional)", "text"),
    ]
    for fname, spec in pack.roster.fields.items():
        if spec.type == "flag":
            choices = list(FLAG_WORDS["zh" if zh else "en"])
        elif spec.type == "category":
            choices = [_label(spec.labels[c], lang) if c in spec.labels and zh else c for c in spec.categories or ()]
        else:
            choices = []
        roster.append(Column(fname, _label(spec.label, lang), spec.type, required=spec.required, choices=choices))
    return roster
