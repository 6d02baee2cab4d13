"""Pydantic models for what users write: a county, its schools, their sections, teachers and facilities.

Quantities may be plain numbers in the field's canonical unit (documented on each field) or strings with a unit
("3.2 万元", "2 亩", "4500 m²"). Every model forbids unknown fields, refuses NaN/infinity/negative amounts, and reads
booleans strictly, so a typo or a YAML 1.1 surprise becomes an error naming the school and field, not a silent value.
Pack-specific inputs that the national vocabulary does not name go in ``facts`` and are checked against the pack.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
)

from ._errors import UnitError
from ._units import parse_quantity

__all__ = [
    "LOCATIONS",
    "OWNERSHIPS",
    "SCHOOL_TYPES",
    "SECTIONS",
    "County",
    "Facilities",
    "School",
    "Section",
    "TeacherCounts",
]

SchoolType = Literal[
    "primary", "junior", "nine_year", "twelve_year", "complete_middle", "teaching_point", "special_education"
]
Ownership = Literal["public", "private"]
Location = Literal["urban", "town", "rural"]
SectionName = Literal["primary", "junior", "senior"]

SCHOOL_TYPES: tuple[str, ...] = (
    "primary",
    "junior",
    "nine_year",
    "twelve_year",
    "complete_middle",
    "teaching_point",
    "special_education",
)
OWNERSHIPS: tuple[str, ...] = ("public", "private")
LOCATIONS: tuple[str, ...] = ("urban", "town", "rural")
SECTIONS: tuple[str, ...] = ("primary", "junior")
"""The compulsory-education sections evaluated; a ``senior`` section is read only to apportion shared facilities."""

# Chinese names accepted for categories (the documented synonyms; anything else is an error).
SCHOOL_TYPE_ZH = {
    "小学": "primary",
    "初中": "junior",
    "初级中学": "junior",
    "九年一贯制": "nine_year",
    "九年一贯制学校": "nine_year",
    "十二年一贯制": "twelve_year",
    "十二年一贯制学校": "twelve_year",
    "完全中学": "complete_middle",
    "教学点": "teaching_point",
    "特殊教育学校": "special_education",
    "特教学校": "special_education",
}
OWNERSHIP_ZH = {"公办": "public", "民办": "private"}
LOCATION_ZH = {"城区": "urban", "镇区": "town", "乡村": "rural", "农村": "rural"}
SECTION_ZH = {"小学": "primary", "初中": "junior", "高中": "senior"}

CATEGORY_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "school_type": {
        "primary": ("小学", "primary school"),
        "junior": ("初中", "junior secondary school"),
        "nine_year": ("九年一贯制学校", "nine-year school"),
        "twelve_year": ("十二年一贯制学校", "twelve-year school"),
        "complete_middle": ("完全中学", "complete middle school"),
        "teaching_point": ("教学点", "teaching point"),
        "special_education": ("特殊教育学校", "special-education school"),
    },
    "ownership": {"public": ("公办", "public"), "private": ("民办", "private")},
    "location": {"urban": ("城区", "urban"), "town": ("镇区", "town"), "rural": ("乡村", "rural")},
    "section": {"primary": ("小学", "primary"), "junior": ("初中", "junior"), "senior": ("高中", "senior")},
}


def _synonyms(mapping: dict[str, str]) -> Any:
    def convert(value: Any) -> Any:
        if isinstance(value, str):
            return mapping.get(value.strip(), value.strip())
        return value

    return BeforeValidator(convert)


def _quantity(unit: str, *, integer: bool = False, allow_negative: bool = False) -> Any:
    """A validator reading a number or a unit string into ``unit``, refusing negatives and non-whole counts."""

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            number = parse_quantity(value, unit)
        except UnitError as exc:
            raise ValueError(str(exc)) from None
        if not allow_negative and number < 0:
            raise ValueError("must not be negative")
        if integer and not float(number).is_integer():
            raise ValueError(f"must be a whole number of {unit}")
        return number

    return BeforeValidator(convert)


def _unit_meta(unit: str, zh: str, en: str) -> Any:
    return Field(default=None, description=en, json_schema_extra={"unit": unit, "label_zh": zh})


Students = Annotated[float, _quantity("student", integer=True)]
Teachers = Annotated[float | None, _quantity("teacher", integer=True)]
Area = Annotated[float | None, _quantity("m**2")]
Money = Annotated[float | None, _quantity("yuan")]
Rooms = Annotated[float | None, _quantity("room", integer=True)]
Classes = Annotated[float | None, _quantity("class_", integer=True)]
Devices = Annotated[float | None, _quantity("device", integer=True)]
Books = Annotated[float | None, _quantity("book", integer=True)]


def _school_id(value: Any) -> Any:
    if isinstance(value, (bool, float)):
        raise ValueError('a school id must be text (quote it in YAML, e.g. id: "0123")')
    if isinstance(value, int):
        return str(value)  # lossless: an unquoted id without leading zeros
    return value


SchoolId = Annotated[str, BeforeValidator(_school_id), Field(min_length=1, max_length=64)]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=False, frozen=False)


def _check_facts(value: Any) -> Any:
    if not isinstance(value, dict):
        raise ValueError("facts must be a mapping of name to value")
    for key, item in value.items():
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"fact {key!r} is not a finite number")
    return value


Facts = Annotated[dict[str, Any], BeforeValidator(_check_facts)]


class TeacherCounts(BaseModel):
    """Full-time teachers of one school section (专任教师), and the counts the resource indicators need."""

    model_config = _STRICT

    full_time: Teachers = _unit_meta("teacher", "专任教师数", "full-time teachers")
    above_qualified: Teachers = _unit_meta(
        "teacher", "高于规定学历教师数", "teachers above the required qualification (as the pack defines it)"
    )
    backbone: Teachers = _unit_meta("teacher", "县级及以上骨干教师数", "backbone teachers, county level or above")
    pe_art: Teachers = _unit_meta("teacher", "体育、艺术(美术、音乐)专任教师数", "full-time PE and art teachers")
    mid_title: Teachers = _unit_meta(
        "teacher", "中级及以上专业技术职务教师数", "teachers with an intermediate or higher professional title"
    )


class Section(BaseModel):
    """One section (学段) of a school: its students and teachers. Students are counted at the start of the year."""

    model_config = _STRICT

    students: Students = Field(description="students enrolled", json_schema_extra={"unit": "student"})
    classes: Classes = _unit_meta("class", "班级数", "classes")
    teachers: TeacherCounts = Field(default_factory=TeacherCounts)
    facts: Facts = Field(default_factory=dict, description="pack-specific section inputs")


class Facilities(BaseModel):
    """Facilities of a whole school. A school with several sections shares them; the pack apportions them."""

    model_config = _STRICT

    teaching_aux_area: Area = _unit_meta("m**2", "教学及辅助用房面积", "teaching and auxiliary floor area")
    indoor_gym_area: Area = _unit_meta("m**2", "室内体育用房面积", "indoor gym area (inside the floor area)")
    sports_ground_area: Area = _unit_meta("m**2", "体育运动场地面积", "outdoor sports ground area")
    equipment_value: Money = _unit_meta("yuan", "教学仪器设备值", "book value of teaching equipment")
    multimedia_classrooms: Rooms = _unit_meta("room", "网络多媒体教室数", "networked multimedia classrooms")
    computers: Devices = _unit_meta("device", "教学用计算机台数", "computers for teaching and learning")
    books: Books = _unit_meta("book", "图书册数", "library books (volumes)")


class School(BaseModel):
    """One school (or teaching point) as the county's statistics list it."""

    model_config = _STRICT

    id: SchoolId
    name: str = Field(min_length=1, max_length=200)
    type: Annotated[SchoolType, _synonyms(SCHOOL_TYPE_ZH)]
    ownership: Annotated[Ownership, _synonyms(OWNERSHIP_ZH)]
    location: Annotated[Location, _synonyms(LOCATION_ZH)]
    boarding: StrictBool | None = None
    sections: dict[Annotated[SectionName, _synonyms(SECTION_ZH)], Section]
    facilities: Facilities = Field(default_factory=Facilities)
    facts: Facts = Field(default_factory=dict, description="pack-specific school inputs")

    @field_validator("sections")
    @classmethod
    def _some_section(cls, value: dict[str, Section]) -> dict[str, Section]:
        if not value:
            raise ValueError("a school needs at least one section (primary, junior)")
        return value


class County(BaseModel):
    """A county (县, 县级市, 区) and all of its compulsory-education schools."""

    model_config = _STRICT

    format: Literal["qbalance-county/1"] = "qbalance-county/1"
    code: SchoolId
    name: str = Field(min_length=1, max_length=200)
    year: int | None = Field(default=None, ge=1990, le=2100, strict=True)
    synthetic: StrictBool = False
    note: str | None = None
    facts: Facts = Field(default_factory=dict, description="county-level inputs (facts, ratings, findings)")
    schools: list[School]
