"""Pydantic models for what users write: a county, its schools, their sections, teachers and facilities.

Quantities may be plain numbers in the field's canonical unit (documented on each field) or strings with a unit
("3.2 万元", "2 亩", "4500 m²"). Every model forbids unknown fields, refuses NaN/infinity/negative amounts, and reads
booleans strictly, so a typo or a YAML 1.1 surprise becomes an error naming the school and field, not a silent value.
Pack-specific inputs that the national vocabulary does not name go in ``facts`` and are checked against the pack.
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType

from .._base.errors import InvalidValue, UnitError
from .._base.messages import Category, Msg, Unit, msg
from .._base.messages import Field as Field_
from .._base.text import id_key, name_problem
from .._base.vocabulary import (
    ALLOWED_SECTIONS,
    LOCATION_ZH,
    LOCATIONS,
    MAX_SECTION_STUDENTS,
    OWNERSHIP_ZH,
    OWNERSHIPS,
    SCHOOL_TYPE_ZH,
    SCHOOL_TYPES,
    SECTION_ZH,
    SECTIONS,
    Location,
    Ownership,
    SchoolType,
    SectionName,
)
from .._units.registry import parse_quantity

__all__ = [
    "PLAUSIBLE_MAX",
    "County",
    "Facilities",
    "School",
    "Section",
    "TeacherCounts",
]


def _synonyms(mapping: dict[str, str]) -> Any:
    def convert(value: Any) -> Any:
        if isinstance(value, str):
            return mapping.get(value.strip(), value.strip())
        return value

    return BeforeValidator(convert)


def _names_schema(names: tuple[str, ...], mapping: dict[str, str]) -> Any:
    """JSON schema of a category: the English identifiers and the accepted Chinese names."""
    return WithJsonSchema({"type": "string", "enum": [*names, *mapping]})


def _structure_error(loc: tuple[str | int, ...], message: Msg, value: Any = None) -> InitErrorDetails:
    """A cross-field problem in pydantic's form, so it is reported (with its line) alongside field errors; the
    catalogue message rides along in the error's context."""
    ctx = {"message": message.text("en"), "qb_msg": message}
    return InitErrorDetails(type=PydanticCustomError("structure", "{message}", ctx), loc=loc, input=value)


_KNOWN_ERRORS: frozenset[str] = frozenset(get_args(ErrorType))


def _reinit(err: ErrorDetails) -> InitErrorDetails:
    """An error as pydantic reported it, in the form that builds a new ValidationError."""
    if err["type"] in _KNOWN_ERRORS:
        return InitErrorDetails(type=err["type"], loc=err["loc"], input=err["input"], ctx=err.get("ctx", {}))
    carried = err.get("ctx", {}).get("qb_msg")
    message = carried if isinstance(carried, Msg) else msg("data.invalid", detail=err["msg"])
    return _structure_error(err["loc"], message, err["input"])


def _unknown_field(err: ErrorDetails, fields: Any) -> InitErrorDetails:
    """An unknown key, with the closest declared field name as a suggestion when there is one."""
    name = str(err["loc"][-1])
    close = difflib.get_close_matches(name, [f for f in fields if f != "facts"], n=1, cutoff=0.75)
    message = msg("data.unknown_field_hint", close=close[0]) if close else msg("data.unknown_field")
    return _structure_error(err["loc"], message, err["input"])


def _validate_with(
    cls: type[BaseModel], data: Any, handler: ValidatorFunctionWrapHandler, early: list[InitErrorDetails], late: Any
) -> Any:
    """Run ``handler``; report ``early`` problems (found in the raw data) together with any field errors, and
    ``late(model)`` problems (needing validated values) when the fields are valid. Unknown keys of this model get
    a close-match suggestion."""
    try:
        model = handler(data)
    except ValidationError as exc:
        errors = exc.errors()
        unknown = [e["type"] == "extra_forbidden" and len(e["loc"]) == 1 for e in errors]
        if not early and not any(unknown):
            raise
        converted = [
            _unknown_field(e, cls.model_fields) if u else _reinit(e) for e, u in zip(errors, unknown, strict=True)
        ]
        raise ValidationError.from_exception_data(exc.title, [*converted, *early]) from None
    problems = [*early, *late(model)]
    if problems:
        raise ValidationError.from_exception_data(cls.__name__, problems)
    return model


def _no_problems(_: Any) -> list[InitErrorDetails]:
    return []


def _section_key(key: Any) -> Any:
    return SECTION_ZH.get(key.strip(), key.strip()) if isinstance(key, str) else key


PLAUSIBLE_MAX: dict[str, float] = {
    "student": MAX_SECTION_STUDENTS,
    "teacher": 10_000,
    "m**2": 2_000_000,  # 2 km² (3000 亩) for one school: larger is a unit or typing mistake
    "yuan": 10_000_000_000,  # 100 亿元 of teaching equipment in one school
    "room": 10_000,
    "class_": 2_000,
    "device": 1_000_000,
    "book": 100_000_000,
}
"""Upper plausibility bounds of the typed fields, in their canonical units; a larger value is refused."""


def _quantity(unit: str, *, integer: bool = False, allow_negative: bool = False) -> Any:
    """A validator reading a number or a unit string into ``unit``, refusing negatives, non-whole counts and
    implausibly large values (``PLAUSIBLE_MAX``)."""
    limit = PLAUSIBLE_MAX.get(unit)

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            number = parse_quantity(value, unit)
        except UnitError as exc:
            raise InvalidValue(exc.msg or msg("data.invalid", detail=exc.args[0])) from None
        if not allow_negative and number < 0:
            raise InvalidValue(msg("data.negative"))
        if integer and not float(number).is_integer():
            raise InvalidValue(msg("data.whole_number", unit=Unit(unit)))
        if limit is not None and number > limit and unit != "student":  # students: checked per section
            raise InvalidValue(msg("data.implausible", limit=f"{limit:,.0f}", unit=Unit(unit)))
        return number

    return BeforeValidator(convert)


# Quantities are written as numbers (in the field's unit) or as strings with a unit; the JSON schema says so.
_QUANTITY_SCHEMA = WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}]})
_OPTIONAL_QUANTITY_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}, {"type": "null"}]}
)


def _unit_meta(unit: str, zh: str, en: str) -> Any:
    return Field(default=None, description=en, json_schema_extra={"unit": unit, "label_zh": zh})


Students = Annotated[float, _quantity("student", integer=True), _QUANTITY_SCHEMA]
Teachers = Annotated[float | None, _quantity("teacher", integer=True), _OPTIONAL_QUANTITY_SCHEMA]
Area = Annotated[float | None, _quantity("m**2"), _OPTIONAL_QUANTITY_SCHEMA]
Money = Annotated[float | None, _quantity("yuan"), _OPTIONAL_QUANTITY_SCHEMA]
Rooms = Annotated[float | None, _quantity("room", integer=True), _OPTIONAL_QUANTITY_SCHEMA]
Classes = Annotated[float | None, _quantity("class_", integer=True), _OPTIONAL_QUANTITY_SCHEMA]
Devices = Annotated[float | None, _quantity("device", integer=True), _OPTIONAL_QUANTITY_SCHEMA]
Books = Annotated[float | None, _quantity("book", integer=True), _OPTIONAL_QUANTITY_SCHEMA]


def _school_id(value: Any) -> Any:
    if isinstance(value, (bool, float)):
        raise InvalidValue(msg("data.id_not_text"))
    if isinstance(value, int):
        return str(value)  # lossless: an unquoted id without leading zeros (+123 and -0 are refused by the reader)
    if isinstance(value, str) and not value.strip():
        raise InvalidValue(msg("data.id_blank"))
    return value


def _name(value: Any) -> Any:
    if isinstance(value, str):
        problem = name_problem(value)
        if problem is not None:
            raise InvalidValue(problem)
    return value


Name = Annotated[str, AfterValidator(_name), Field(min_length=1, max_length=200)]
"""A school or county name: 1 to 200 characters, no control characters."""

SchoolId = Annotated[
    str,
    BeforeValidator(_school_id),
    Field(min_length=1, max_length=64),
    WithJsonSchema({"anyOf": [{"type": "string", "minLength": 1, "maxLength": 64}, {"type": "integer"}]}),
]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=False, frozen=False)


def _check_facts(value: Any) -> Any:
    if not isinstance(value, dict):
        raise InvalidValue(msg("data.facts_not_mapping"))
    for key, item in value.items():
        if isinstance(item, float) and not math.isfinite(item):
            raise InvalidValue(msg("data.fact_not_finite", key=key))
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

    @model_validator(mode="wrap")
    @classmethod
    def _structure(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _validate_with(cls, data, handler, [], _no_problems)


class Section(BaseModel):
    """One section (学段) of a school: its students and teachers. Students are counted at the start of the year."""

    model_config = _STRICT

    students: Students = Field(description="students enrolled", json_schema_extra={"unit": "student"})
    classes: Classes = _unit_meta("class", "班级数", "classes")
    teachers: TeacherCounts = Field(default_factory=TeacherCounts)
    facts: Facts = Field(default_factory=dict, description="pack-specific section inputs")

    @model_validator(mode="wrap")
    @classmethod
    def _structure(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _validate_with(cls, data, handler, [], _section_problems)


def _section_problems(sec: Section) -> list[InitErrorDetails]:
    out: list[InitErrorDetails] = []
    if sec.students > MAX_SECTION_STUDENTS:
        out.append(
            _structure_error(("students",), msg("data.enrolment_implausible", limit=MAX_SECTION_STUDENTS), sec.students)
        )
    t = sec.teachers
    if t.full_time is not None:
        for name in ("above_qualified", "backbone", "pe_art", "mid_title"):
            v = getattr(t, name)
            if v is not None and v > t.full_time:
                out.append(
                    _structure_error(
                        ("teachers", name),
                        msg(
                            "data.subcount_exceeds",
                            name=name,
                            group=Field_(f"teachers.{name}"),
                            count=f"{v:g}",
                            full_time=f"{t.full_time:g}",
                        ),
                        v,
                    )
                )
    return out


class Facilities(BaseModel):
    """Facilities of a whole school. A school with several sections shares them; the pack apportions them."""

    model_config = _STRICT

    teaching_aux_area: Area = _unit_meta("m**2", "教学及辅助用房面积", "teaching and auxiliary floor area")
    indoor_gym_area: Area = _unit_meta("m**2", "室内体育用房面积", "indoor gym area (inside the floor area)")
    sports_ground_area: Area = _unit_meta("m**2", "室外体育运动场地面积", "outdoor sports ground area")
    equipment_value: Money = _unit_meta("yuan", "教学仪器设备值", "book value of teaching equipment")
    multimedia_classrooms: Rooms = _unit_meta("room", "网络多媒体教室数", "networked multimedia classrooms")
    computers: Devices = _unit_meta("device", "教学用计算机台数", "computers for teaching and learning")
    books: Books = _unit_meta("book", "图书册数", "library books (volumes)")

    @model_validator(mode="wrap")
    @classmethod
    def _structure(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _validate_with(cls, data, handler, [], _no_problems)


class School(BaseModel):
    """One school (or teaching point) as the county's statistics list it."""

    model_config = _STRICT

    id: SchoolId
    name: Name
    type: Annotated[SchoolType, _synonyms(SCHOOL_TYPE_ZH), _names_schema(SCHOOL_TYPES, SCHOOL_TYPE_ZH)]
    ownership: Annotated[Ownership, _synonyms(OWNERSHIP_ZH), _names_schema(OWNERSHIPS, OWNERSHIP_ZH)]
    location: Annotated[Location, _synonyms(LOCATION_ZH), _names_schema(LOCATIONS, LOCATION_ZH)]
    boarding: StrictBool | None = None
    sections: dict[
        Annotated[SectionName, _synonyms(SECTION_ZH), _names_schema(("primary", "junior", "senior"), SECTION_ZH)],
        Section,
    ]
    facilities: Facilities = Field(default_factory=Facilities)
    facts: Facts = Field(default_factory=dict, description="pack-specific school inputs")

    @field_validator("sections")
    @classmethod
    def _some_section(cls, value: dict[str, Section]) -> dict[str, Section]:
        if not value:
            raise InvalidValue(msg("data.no_section"))
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _structure(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        early: list[InitErrorDetails] = []
        if isinstance(data, dict) and isinstance(data.get("sections"), dict):
            first: dict[Any, Any] = {}
            for key in data["sections"]:
                norm = _section_key(key)
                if norm in first:
                    early.append(
                        _structure_error(
                            ("sections", key),
                            msg("data.section_twice", section=norm, first=first[norm], second=key),
                            key,
                        )
                    )
                else:
                    first[norm] = key
        return _validate_with(cls, data, handler, early, _school_problems)


def _type_and(school: School, sec: str) -> dict[str, Any]:
    """Message arguments naming a school type and a section, as labels and as identifiers."""
    return {
        "school_type": Category("school_type", school.type),
        "school_type_en": school.type,
        "section": Category("section", sec),
        "section_en": sec,
    }


def _school_problems(school: School) -> list[InitErrorDetails]:
    out: list[InitErrorDetails] = []
    must, may = ALLOWED_SECTIONS[school.type]
    have: set[str] = set(school.sections)
    for sec in sorted(have - may):
        out.append(_structure_error(("sections", sec), msg("data.section_not_allowed", **_type_and(school, sec))))
    for sec in sorted(must - have):
        key = "data.section_needed_senior" if sec == "senior" else "data.section_needed"
        out.append(_structure_error(("sections",), msg(key, **_type_and(school, sec))))
    if have and not have & set(SECTIONS):
        out.append(_structure_error(("sections",), msg("data.no_compulsory_section")))
    return out


class County(BaseModel):
    """A county (县, 县级市, 区) and all of its compulsory-education schools."""

    model_config = _STRICT

    format: Literal["qbalance-county/1"] = "qbalance-county/1"
    code: SchoolId
    name: Name
    year: int | None = Field(default=None, ge=1990, le=2100, strict=True)
    synthetic: StrictBool = False
    note: str | None = None
    facts: Facts = Field(default_factory=dict, description="county-level inputs (facts, ratings, findings)")
    schools: list[School] = Field(json_schema_extra={"minItems": 1})

    @field_validator("schools")
    @classmethod
    def _some_school(cls, value: list[School]) -> list[School]:
        if not value:
            raise InvalidValue(msg("data.no_school"))
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _structure(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        early: list[InitErrorDetails] = []
        if isinstance(data, dict) and isinstance(data.get("schools"), list):
            seen: dict[str, tuple[int, str]] = {}
            for i, raw in enumerate(data["schools"]):
                sid = raw.get("id") if isinstance(raw, dict) else getattr(raw, "id", None)
                if isinstance(sid, bool) or not isinstance(sid, (str, int)):
                    continue
                text = str(sid).strip()
                key = id_key(text)
                if key in seen:
                    j, first = seen[key]
                    message = msg("data.duplicate_id", other=j)
                    if first != text:
                        message = msg("data.duplicate_id_lookalike", text=text, first=first, where=f"schools[{j}]")
                    early.append(_structure_error(("schools", i, "id"), message, text))
                else:
                    seen[key] = (i, text)
        return _validate_with(cls, data, handler, early, _no_problems)
