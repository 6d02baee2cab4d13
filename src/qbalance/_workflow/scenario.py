"""Scenarios (情景方案): a list of changes to a county — add resources, move students, open, split or close schools,
set facts — applied to a copy, so the same county can be evaluated before and after.

A scenario file (``qbalance-scenario/1``, YAML or JSON) is read with the package's safe loader and validated as a
whole; amounts may carry units (``"1200 m²"``, ``"35 万元"``) and are converted to each field's canonical unit with
the same pint registry the county reader uses, so a scenario amount and a county value read from the same text are
the same float. :func:`apply_scenario` never changes its input: it works on a deep copy, checks every change against
the county as it stands when that change applies (changes apply in order, so a later change may refer to a school an
earlier one opened), and reports **every** problem at once, each naming the change index, the school, the field and
the value. docs/scenarios.md describes the format and the choices below.

Choices (documented in docs/scenarios.md):

* Amounts are *changes*: ``teachers: {backbone: 2}`` raises the backbone count by 2 and nothing else. Unlike the
  rectification plan (which assumes every added teacher is a new hire), full-time teachers change only when
  ``full_time`` is written: a teacher may become a backbone teacher without a new post.
* Adding to a value the county does not give (``null``) is an error: qbalance does not invent the base.
* Moving students does not move classes, teachers or class-size facts: how a receiving school places the students
  (filling existing classes or opening new ones) is a decision the data cannot infer. Write it as ``add_resources``
  (``classes``) and ``set_fact`` (``max_class_size``).
* Splitting a school moves teachers (and, by default, facilities) in proportion to the students moved; whole-unit
  counts are rounded half up and subtracted from the original school, so totals are conserved exactly.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, Literal, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from .._base.documents import PACK_LIMITS, Loaded, load_document
from .._base.errors import InputError, InvalidValue, Problem, UnitError
from .._base.messages import Category, Msg, Unit, msg, pick, text
from .._base.vocabulary import LOCATION_ZH, OWNERSHIP_ZH, SCHOOL_TYPE_ZH, SECTION_ZH, SchoolType
from .._data.models import County, Facilities, School, SchoolId, Section, TeacherCounts, _synonyms
from .._units.registry import parse_quantity

__all__ = [
    "SCENARIO_FORMAT",
    "AddResources",
    "Change",
    "CloseSchool",
    "FacilityAmounts",
    "FacilityChanges",
    "MoveStudents",
    "OpenSchool",
    "Scenario",
    "SetFact",
    "SplitSchool",
    "apply_scenario",
    "load_scenario",
]

SCENARIO_FORMAT: Final = "qbalance-scenario/1"
_CFG = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

TeacherField = Literal["full_time", "above_qualified", "backbone", "pe_art", "mid_title"]
FACILITY_UNITS: dict[str, str] = {
    "teaching_aux_area": "m**2",
    "indoor_gym_area": "m**2",
    "sports_ground_area": "m**2",
    "equipment_value": "yuan",
    "multimedia_classrooms": "room",
    "computers": "device",
    "books": "book",
}
"""The canonical unit of each facility field (as :class:`~qbalance.Facilities` declares it)."""
_WHOLE_UNITS = {"teacher", "room", "device", "book", "class_", "student"}

SectionName = Annotated[Literal["primary", "junior", "senior"], _synonyms(SECTION_ZH)]
CompulsorySection = Annotated[Literal["primary", "junior"], _synonyms(SECTION_ZH)]

KIND_ZH = {
    "增加资源": "add_resources",
    "转移学生": "move_students",
    "分流学生": "move_students",
    "新建学校": "open_school",
    "拆分学校": "split_school",
    "设置数据": "set_fact",
    "撤并学校": "close_school",
}
"""Chinese names accepted for ``kind``."""


def _amount(value: Any, unit: str, *, signed: bool) -> float:
    """One amount in ``unit`` (number or unit string); whole units must be whole; negatives only when ``signed``."""
    try:
        number = parse_quantity(value, unit)
    except UnitError as exc:
        raise InvalidValue(exc.msg or msg("scenario.invalid", detail=str(exc))) from None
    if not signed and number < 0:
        raise InvalidValue(msg("scenario.negative"))
    if unit in _WHOLE_UNITS and not float(number).is_integer():
        raise InvalidValue(msg("scenario.whole_number", unit=Unit(unit)))
    return number


def _one(unit: str, *, signed: bool) -> Any:
    return BeforeValidator(lambda v: None if v is None else _amount(v, unit, signed=signed))


# in the JSON schema an amount is a number or a string with its unit ("1200 m²", "35 万元"), as the loader accepts
_Q = WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]})
_QN = WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}]})


SignedTeacher = Annotated[float, _one("teacher", signed=True), _Q]
Teacher = Annotated[float, _one("teacher", signed=False), _Q]
SignedTeachers = dict[TeacherField, SignedTeacher]
MovedTeachers = dict[TeacherField, Teacher]
SignedClasses = Annotated[float | None, _one("class_", signed=True), _QN]
Classes = Annotated[float | None, _one("class_", signed=False), _QN]
PositiveStudents = Annotated[float, _one("student", signed=False), _Q, Field(gt=0)]
Share = Annotated[float | None, Field(default=None, ge=0, le=1)]


class _Amounts(BaseModel):
    model_config = _CFG

    def amounts(self) -> dict[str, float]:
        """The amounts given, by field (fields left out are not in the result)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class FacilityChanges(_Amounts):
    """Changes to a school's facilities (negative amounts remove), each in its field's unit or with a unit."""

    teaching_aux_area: Annotated[float | None, _one("m**2", signed=True), _QN] = None
    indoor_gym_area: Annotated[float | None, _one("m**2", signed=True), _QN] = None
    sports_ground_area: Annotated[float | None, _one("m**2", signed=True), _QN] = None
    equipment_value: Annotated[float | None, _one("yuan", signed=True), _QN] = None
    multimedia_classrooms: Annotated[float | None, _one("room", signed=True), _QN] = None
    computers: Annotated[float | None, _one("device", signed=True), _QN] = None
    books: Annotated[float | None, _one("book", signed=True), _QN] = None


class FacilityAmounts(_Amounts):
    """Amounts of a school's facilities (not negative), each in its field's unit or with a unit."""

    teaching_aux_area: Annotated[float | None, _one("m**2", signed=False), _QN] = None
    indoor_gym_area: Annotated[float | None, _one("m**2", signed=False), _QN] = None
    sports_ground_area: Annotated[float | None, _one("m**2", signed=False), _QN] = None
    equipment_value: Annotated[float | None, _one("yuan", signed=False), _QN] = None
    multimedia_classrooms: Annotated[float | None, _one("room", signed=False), _QN] = None
    computers: Annotated[float | None, _one("device", signed=False), _QN] = None
    books: Annotated[float | None, _one("book", signed=False), _QN] = None


def _finite(value: Any, where: str = "value") -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidValue(msg("scenario.not_finite", where=where))
    if isinstance(value, dict):
        for k, v in value.items():
            _finite(v, f"{where}.{k}")
    if isinstance(value, list):
        for i, v in enumerate(value):
            _finite(v, f"{where}[{i}]")
    return value


def _facts(value: Any) -> Any:
    if not isinstance(value, dict):
        raise InvalidValue(msg("scenario.facts_not_mapping"))
    return _finite(value, "fact")


Facts = Annotated[dict[str, Any], BeforeValidator(_facts)]


# -- changes -----------------------------------------------------------------------------------------------------


class _Change(BaseModel):
    model_config = _CFG
    note: str | None = Field(default=None, description="free text: why, or which clause of a plan this encodes")

    def refers_to(self) -> set[str]:
        """School ids this change needs to exist."""
        return set()

    def creates(self) -> set[str]:
        """School ids this change adds to the county."""
        return set()


class AddResources(_Change):
    """增加资源 — add (or, with negative amounts, remove) teachers and classes of one section and facilities of a
    school. Amounts are changes, in the field's unit or with a unit (``"1200 m²"``, ``"35 万元"``)."""

    kind: Literal["add_resources"] = "add_resources"
    school: SchoolId
    section: SectionName | None = Field(default=None, description="needed for teachers and classes")
    teachers: SignedTeachers = Field(default_factory=dict)
    facilities: FacilityChanges = Field(default_factory=FacilityChanges)
    classes: SignedClasses = None

    @model_validator(mode="after")
    def _shape(self) -> AddResources:
        if (self.teachers or self.classes is not None) and self.section is None:
            raise InvalidValue(msg("scenario.section_needed"))
        if not self.teachers and not self.facilities.amounts() and self.classes is None:
            raise InvalidValue(msg("scenario.nothing_to_add"))
        return self

    def refers_to(self) -> set[str]:
        return {self.school}


class MoveStudents(_Change):
    """转移学生 / 分流学生 — move students of one section from one school to another (which has that section).
    Classes, teachers and facts do not move with them (see the module notes)."""

    kind: Literal["move_students"] = "move_students"
    from_school: SchoolId
    to_school: SchoolId
    section: SectionName
    students: PositiveStudents

    @model_validator(mode="after")
    def _distinct(self) -> MoveStudents:
        if self.from_school == self.to_school:
            raise InvalidValue(msg("scenario.same_school"))
        return self

    def refers_to(self) -> set[str]:
        return {self.from_school, self.to_school}


class OpenSchool(_Change):
    """新建学校 — add a school, written exactly as in a county file (id, name, type, sections, facilities, facts)."""

    kind: Literal["open_school"] = "open_school"
    school: School

    def creates(self) -> set[str]:
        return {self.school.id}


class SplitSchool(_Change):
    """拆分学校 — move part of one section's students into a new school (a new campus, 分校), with a share of the
    section's teachers and classes and of the school's facilities, or explicit amounts.

    Defaults: teachers and classes in proportion to the students moved (``students ÷ section students``);
    facilities in proportion to the school's students (all sections); whole-unit counts rounded half up. The new
    school copies the section's facts (a class moved intact is no larger than the largest class before) but not the
    school's facts (budgets, rooms and ratings belong to a school): give ``school_facts``.
    """

    kind: Literal["split_school"] = "split_school"
    school: SchoolId
    new_id: SchoolId
    new_name: str = Field(min_length=1, max_length=200)
    section: CompulsorySection | None = Field(default=None, description="needed when the school has both")
    students: PositiveStudents
    type: Annotated[SchoolType | None, _synonyms(SCHOOL_TYPE_ZH)] = None
    location: Annotated[Literal["urban", "town", "rural"] | None, _synonyms(LOCATION_ZH)] = None
    ownership: Annotated[Literal["public", "private"] | None, _synonyms(OWNERSHIP_ZH)] = None
    teacher_share: Share = None
    teachers: MovedTeachers | None = None
    facility_share: Share = None
    facilities: FacilityAmounts | None = None
    classes: Classes = None
    section_facts: Facts | None = None
    school_facts: Facts = Field(default_factory=dict)

    @model_validator(mode="after")
    def _exclusive(self) -> SplitSchool:
        if self.teacher_share is not None and self.teachers is not None:
            raise InvalidValue(msg("scenario.share_or_amounts", share="teacher_share", amounts="teachers"))
        if self.facility_share is not None and self.facilities is not None:
            raise InvalidValue(msg("scenario.share_or_amounts", share="facility_share", amounts="facilities"))
        if self.school == self.new_id:
            raise InvalidValue(msg("scenario.new_id_is_school"))
        return self

    def refers_to(self) -> set[str]:
        return {self.school}

    def creates(self) -> set[str]:
        return {self.new_id}


_FACT_PATH = re.compile(r"^schools\.(?P<id>.+?)\.(?:sections\.(?P<sec>[^.]+)\.)?facts\.(?P<name>[^.]+)$")


class SetFact(_Change):
    """设置数据 — set (or with ``value: null`` remove) one fact: ``facts.NAME`` (county),
    ``schools.ID.facts.NAME`` (school) or ``schools.ID.sections.SECTION.facts.NAME`` (section)."""

    kind: Literal["set_fact"] = "set_fact"
    path: str = Field(min_length=1, max_length=300)
    value: Annotated[Any, BeforeValidator(_finite)] = None

    @model_validator(mode="after")
    def _parse(self) -> SetFact:
        self.target()
        return self

    def target(self) -> tuple[str | None, str | None, str]:
        """(school id or None for the county, section or None, fact name)."""
        if self.path.startswith("facts.") and "." not in self.path[len("facts.") :]:
            return None, None, self.path[len("facts.") :]
        m = _FACT_PATH.match(self.path)
        if not m or not m.group("name"):
            raise InvalidValue(msg("scenario.bad_path"))
        sec = m.group("sec")
        if sec is not None:
            sec = SECTION_ZH.get(sec, sec)
            if sec not in ("primary", "junior", "senior"):
                raise InvalidValue(msg("scenario.unknown_section", section=sec))
        return m.group("id"), sec, m.group("name")

    def refers_to(self) -> set[str]:
        sid = self.target()[0]
        return {sid} if sid is not None else set()


class CloseSchool(_Change):
    """撤并学校 — remove a school. Without ``into`` its sections must have no students left (move them first);
    with ``into`` its students, teachers and classes join the same sections of that school (facilities stay: the
    buildings do not move; facts of the receiving school are kept)."""

    kind: Literal["close_school"] = "close_school"
    school: SchoolId
    into: SchoolId | None = None

    @model_validator(mode="after")
    def _distinct(self) -> CloseSchool:
        if self.into == self.school:
            raise InvalidValue(msg("scenario.closed_into_itself"))
        return self

    def refers_to(self) -> set[str]:
        return {self.school} | ({self.into} if self.into else set())


Change = Annotated[
    AddResources | MoveStudents | OpenSchool | SplitSchool | SetFact | CloseSchool,
    Field(discriminator="kind"),
]
"""One change of a scenario (discriminated by ``kind``)."""


class Scenario(BaseModel):
    """A named list of changes to a county, applied in order by :func:`apply_scenario`."""

    model_config = _CFG
    format: Literal["qbalance-scenario/1"] = SCENARIO_FORMAT
    name: str = Field(min_length=1, max_length=100, description="short identifier")
    label_zh: str = Field(min_length=1, max_length=300)
    label_en: str | None = Field(default=None, max_length=300)
    county: SchoolId | None = Field(default=None, description="the county code the scenario is written for")
    note: str | None = None
    changes: list[Change] = Field(default_factory=list)
    _source: str = PrivateAttr(default="<scenario>")
    _where: dict[int, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _kinds(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("changes"), list):
            changes = []
            for ch in data["changes"]:
                if isinstance(ch, dict) and isinstance(ch.get("kind"), str) and ch["kind"].strip() in KIND_ZH:
                    ch = {**ch, "kind": KIND_ZH[ch["kind"].strip()]}
                changes.append(ch)
            data = {**data, "changes": changes}
        return data

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" and self.label_en else self.label_zh

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data in canonical units (loads back to an equal scenario)."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent, exclude_none=True)


# -- loading -----------------------------------------------------------------------------------------------------


_KINDS = ("add_resources", "move_students", "open_school", "split_school", "set_fact", "close_school")
_PYDANTIC_MESSAGES = {
    "greater_than": ("scenario.greater_than", "gt"),
    "greater_than_equal": ("scenario.at_least", "ge"),
    "less_than_equal": ("scenario.at_most", "le"),
    "string_too_short": ("scenario.not_blank", "min_length"),
    "string_too_long": ("scenario.too_long", "max_length"),
    "string_type": ("scenario.not_text", ""),
    "float_type": ("scenario.not_number", ""),
    "float_parsing": ("scenario.not_number", ""),
    "bool_type": ("scenario.not_bool", ""),
    "dict_type": ("scenario.not_mapping_value", ""),
    "model_type": ("scenario.not_mapping_value", ""),
    "model_attributes_type": ("scenario.not_mapping_value", ""),
    "list_type": ("scenario.not_list", ""),
}
"""Pydantic's error types as catalogue messages (the English text stays pydantic's own), with the context value
the Chinese text names."""


def _message(err: Any) -> Msg:
    """The catalogue message of one pydantic error: ours when a validator raised it, else by pydantic's type."""
    ctx = err.get("ctx") or {}
    carried = ctx.get("qb_msg") or getattr(ctx.get("error"), "msg", None)
    if isinstance(carried, Msg):
        return carried
    kind, detail = err["type"], str(err["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return msg("scenario.unknown_field")
    if kind == "missing":
        return msg("scenario.missing_field")
    if kind == "union_tag_invalid":
        return msg("scenario.unknown_kind", kinds=", ".join(sorted(_KINDS)), kinds_zh=", ".join(KIND_ZH))
    if kind == "union_tag_not_found":
        return msg("scenario.no_kind")
    if kind in ("literal_error", "enum"):
        return msg("scenario.not_one_of", expected=ctx.get("expected", ""), detail=detail)
    if kind in _PYDANTIC_MESSAGES:
        key, limit = _PYDANTIC_MESSAGES[kind]
        return msg(key, limit=ctx.get(limit, ""), detail=detail)
    return msg("scenario.invalid", detail=detail)


def _validation_problems(exc: ValidationError, data: Any, loaded: Loaded | None, source: str) -> list[Problem]:
    out: list[Problem] = []
    changes = data.get("changes") if isinstance(data, dict) else None
    for err in exc.errors():
        loc = list(err["loc"])
        school_id = None
        if len(loc) >= 2 and loc[0] == "changes" and isinstance(loc[1], int):
            if len(loc) >= 3 and loc[2] in _KINDS:
                del loc[2]  # the union tag pydantic inserts
            i = loc[1]
            if isinstance(changes, list) and i < len(changes) and isinstance(changes[i], dict):
                raw = changes[i].get("school") or changes[i].get("from_school")
                if isinstance(raw, dict):
                    raw = raw.get("id")
                school_id = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
        value = err.get("input") if err["type"] not in ("missing", "extra_forbidden") else None
        if isinstance(value, (dict, list)):
            value = None
        key = tuple(p for p in loc if isinstance(p, (str, int)))
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in key).lstrip(".")
        index = key[1] if key[:1] == ("changes",) and len(key) > 1 and isinstance(key[1], int) else None
        in_change = index is not None
        field = ".".join(str(p) for p in key[2:]) if in_change and len(key) > 2 else None
        where = loaded.where(key) if loaded is not None else None
        if index is not None:
            raw = changes[index] if isinstance(changes, list) and index < len(changes) else None
            raw_kind = raw.get("kind") if isinstance(raw, dict) else None
            label = f"changes[{index}]" + (f" ({raw_kind})" if isinstance(raw_kind, str) else "")
            where = f"{where}, {label}" if where else label
            if field is None and err["type"].startswith("union_tag"):
                field = "kind"
        out.append(
            Problem.of(
                _message(err),
                source=source,
                location=where,
                path=path,
                school_id=school_id,
                field=field or (path if not in_change else None),
                value=value,
            )
        )
    return out


def _from_data(data: Any, source: str, loaded: Loaded | None = None) -> Scenario:
    if not isinstance(data, dict):
        raise InputError(Problem.of(msg("scenario.not_mapping"), source=source))
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(_validation_problems(exc, data, loaded, source)) from None
    scenario._source = source
    if loaded is not None:
        for i in range(len(scenario.changes)):
            where = loaded.where(("changes", i))
            if where:
                scenario._where[i] = where
    return scenario


def load_scenario(source: str | Path | dict[str, Any] | Scenario) -> Scenario:
    """Read a scenario from a YAML or JSON file (safe loader), a dict, or return a :class:`Scenario` unchanged.

    Raises :class:`InputError` listing every problem (with line numbers for files).
    """
    if isinstance(source, Scenario):
        return source
    if isinstance(source, dict):
        return _from_data(source, "<dict>")
    p = Path(source)
    name = str(p)
    loaded = load_document(p, PACK_LIMITS, ".yaml, .yml or .json")
    return _from_data(loaded.data, name, loaded)


# -- applying ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sections:
    """Section names as one message argument, each shown in the message's language (小学、初中 / primary, junior)."""

    names: tuple[str, ...]

    def __format__(self, spec: str) -> str:
        shown = pick(("、", ", ")).join(str(Category("section", n)) for n in self.names)
        return format(shown or "—", spec)

    def __str__(self) -> str:
        return format(self, "")


def _round_half_up(x: float) -> float:
    return float(math.floor(x + 0.5))


@dataclass
class _Moved:
    """What a split moves from one section (and its school) into the new school; None where the county gives no
    value, so nothing is moved or set for it."""

    section: str
    students: float
    teachers: dict[str, float | None]
    classes: float | None
    facilities: dict[str, float | None]

    def take_from(self, school: School, sec: Section) -> None:
        """Subtract the moved amounts from the original section and school, so totals are conserved exactly."""
        sec.students -= self.students
        for f, m in self.teachers.items():
            if m is not None:
                setattr(sec.teachers, f, getattr(sec.teachers, f) - m)
        if self.classes is not None and sec.classes is not None:
            sec.classes = sec.classes - self.classes
        for f, m in self.facilities.items():
            if m is not None:
                setattr(school.facilities, f, getattr(school.facilities, f) - m)

    def new_school(self, ch: SplitSchool, school: School, sec: Section) -> School:
        """The new school: the moved amounts in one section, the section's facts (unless given) and the given school
        facts; type, ownership and location default to the original school's."""
        name = self.section
        stype = ch.type or (
            school.type if school.type in ("primary", "junior", "teaching_point", "special_education") else name
        )
        return School.model_validate(
            {
                "id": ch.new_id,
                "name": ch.new_name,
                "type": stype,
                "ownership": ch.ownership or school.ownership,
                "location": ch.location or school.location,
                "boarding": school.boarding,
                "sections": {
                    name: {
                        "students": ch.students,
                        "classes": self.classes,
                        "teachers": {k: v for k, v in self.teachers.items() if v is not None},
                        "facts": copy.deepcopy(ch.section_facts if ch.section_facts is not None else sec.facts),
                    }
                },
                "facilities": {k: v for k, v in self.facilities.items() if v is not None},
                "facts": copy.deepcopy(ch.school_facts),
            }
        )


def _join_sections(school: School, into: School) -> None:
    """Add a closing school's students, classes and teachers to the same sections of ``into`` (a sum with an
    unknown count stays unknown); sections ``into`` lacks are skipped (they had no students, as checked)."""
    into_sections = cast(dict[str, Section], into.sections)
    for name, sec in school.sections.items():
        dst = into_sections.get(name)
        if dst is None:
            continue
        dst.students += sec.students
        if dst.classes is not None or sec.classes is not None:
            dst.classes = None if dst.classes is None or sec.classes is None else dst.classes + sec.classes
        for f in TeacherCounts.model_fields:
            a, b = getattr(dst.teachers, f), getattr(sec.teachers, f)
            if a is not None or b is not None:
                setattr(dst.teachers, f, None if a is None or b is None else a + b)


class _Apply:
    """Checks and applies the changes of one scenario to a working copy, collecting problems."""

    def __init__(self, county: County, scenario: Scenario) -> None:
        self.county = county
        self.scenario = scenario
        self.problems: list[Problem] = []
        self.index = 0
        self.change: _Change | None = None

    # helpers
    def problem(self, message: Msg, school: str | None = None, field: str | None = None, value: Any = None) -> None:
        i = self.index
        kind = getattr(self.change, "kind", "?")
        line = self.scenario._where.get(i)
        where = (f"{line}, " if line else "") + f"changes[{i}] ({kind})"
        self.problems.append(
            Problem.of(
                message,
                source=self.scenario._source,
                location=where,
                path=f"changes[{i}]",
                school_id=school,
                field=field,
                value=value,
            )
        )

    def school(self, sid: str, what: str = "school") -> School | None:
        for s in self.county.schools:
            if s.id == sid:
                return s
        self.problem(msg("scenario.unknown_school", what=what), school=sid, field=what, value=sid)
        return None

    def section(self, school: School, name: str, what: str = "section") -> Section | None:
        sections = cast(dict[str, Section], school.sections)
        sec = sections.get(name)
        if sec is None:
            problem = msg(
                "scenario.no_section",
                section=Category("section", name),
                name=name,
                have=_Sections(tuple(school.sections)),
                have_en=", ".join(school.sections) or "none",
            )
            self.problem(problem, school=school.id, field=what, value=name)
        return sec

    def adjusted(self, current: float | None, delta: float, school: str, field: str) -> float | None:
        """current + delta, or None after recording why it cannot be."""
        if current is None:
            if delta != 0:
                self.problem(msg("scenario.unknown_base"), school, field)
            return None
        new = current + delta
        if new < 0:
            sign = "+" if delta >= 0 else "−"
            problem = msg("scenario.would_be_negative", current=f"{current:g}", sign=sign, delta=f"{abs(delta):g}")
            self.problem(problem, school, field, new)
            return None
        return new

    # one method per kind: check everything, then (only if clean) apply
    def add_resources(self, ch: AddResources) -> None:
        """Check every amount of an addition against the county, then (only if clean) add them all."""
        school = self.school(ch.school)
        if school is None:
            return
        sec = self.section(school, ch.section) if ch.section is not None else None
        if ch.section is not None and sec is None:
            return
        before = len(self.problems)
        new_t: dict[str, float | None] = {}
        new_c: float | None = None
        if sec is not None:
            for f, d in ch.teachers.items():
                new_t[f] = self.adjusted(getattr(sec.teachers, f), d, school.id, f"sections.{ch.section}.teachers.{f}")
            if ch.classes is not None:
                new_c = self.adjusted(sec.classes, ch.classes, school.id, f"sections.{ch.section}.classes")
        new_f = {
            f: self.adjusted(getattr(school.facilities, f), d, school.id, f"facilities.{f}")
            for f, d in ch.facilities.amounts().items()
        }
        if len(self.problems) > before:
            return
        if sec is not None:
            for tf, tv in new_t.items():
                setattr(sec.teachers, tf, tv)
            if ch.classes is not None:
                sec.classes = new_c
        for ff, fv in new_f.items():
            setattr(school.facilities, ff, fv)

    def move_students(self, ch: MoveStudents) -> None:
        """Move students between the same section of two schools, if the source section has that many."""
        src, dst = self.school(ch.from_school, "from_school"), self.school(ch.to_school, "to_school")
        s_sec = self.section(src, ch.section) if src is not None else None
        d_sec = self.section(dst, ch.section) if dst is not None else None
        if src is None or dst is None or s_sec is None or d_sec is None:
            return
        if ch.students > s_sec.students:
            self.problem(
                msg(
                    "scenario.move_too_many",
                    students=f"{ch.students:g}",
                    section=Category("section", ch.section),
                    name=ch.section,
                    have=f"{s_sec.students:g}",
                ),
                src.id,
                f"sections.{ch.section}.students",
                ch.students,
            )
            return
        s_sec.students -= ch.students
        d_sec.students += ch.students

    def open_school(self, ch: OpenSchool) -> None:
        """Add a copy of the new school, if its id is not taken."""
        if any(s.id == ch.school.id for s in self.county.schools):
            self.problem(msg("scenario.id_taken"), ch.school.id, "school.id", ch.school.id)
            return
        self.county.schools.append(ch.school.model_copy(deep=True))

    def split_school(self, ch: SplitSchool) -> None:
        """Check a split, then (only if clean) take the moved share from the section and school and open the new one."""
        school = self.school(ch.school)
        if any(s.id == ch.new_id for s in self.county.schools):
            self.problem(msg("scenario.id_taken"), ch.new_id, "new_id", ch.new_id)
        if school is None:
            return
        name = self._split_section(school, ch)
        if name is None:
            return
        sec = self.section(school, name)
        if sec is None:
            return
        before = len(self.problems)
        if ch.students > sec.students:
            self.problem(
                msg(
                    "scenario.split_too_many",
                    students=f"{ch.students:g}",
                    section=Category("section", name),
                    name=name,
                    have=f"{sec.students:g}",
                ),
                school.id,
                f"sections.{name}.students",
                ch.students,
            )
        share = ch.students / sec.students if sec.students else 0.0
        moved = _Moved(
            section=name,
            students=ch.students,
            teachers=self._moved_teachers(ch, school, sec, name, share),
            classes=self._moved_classes(ch, school, sec, name, share),
            facilities=self._moved_facilities(ch, school),
        )
        if len(self.problems) > before:
            return
        moved.take_from(school, sec)
        self.county.schools.append(moved.new_school(ch, school, sec))

    def _split_section(self, school: School, ch: SplitSchool) -> str | None:
        """The section a split takes students from: the one given, or the school's only compulsory section."""
        if ch.section is not None:
            return ch.section
        compulsory = [s for s in school.sections if s in ("primary", "junior")]
        if len(compulsory) != 1:
            problem = msg("scenario.which_section", sections=_Sections(tuple(compulsory)), names=", ".join(compulsory))
            self.problem(problem, school.id, "section")
            return None
        return compulsory[0]

    def _moved_teachers(
        self, ch: SplitSchool, school: School, sec: Section, name: str, share: float
    ) -> dict[str, float | None]:
        """The teachers a split moves, per field: the amounts given (checked against the section) or the students'
        share of each count, rounded half up; None where the county gives no count."""
        t_share = ch.teacher_share if ch.teacher_share is not None else share
        given = None if ch.teachers is None else {str(f): amount for f, amount in ch.teachers.items()}
        moved: dict[str, float | None] = {}
        for f in TeacherCounts.model_fields:
            cur = getattr(sec.teachers, f)
            if given is None:
                moved[f] = None if cur is None else _round_half_up(cur * t_share)
                continue
            amount = given.get(f, 0.0)
            if cur is None and amount:
                self.problem(msg("scenario.unknown_base_move"), school.id, f)
            elif cur is not None and amount > cur:
                self.problem(
                    msg("scenario.move_more_than_section", amount=f"{amount:g}", have=f"{cur:g}"),
                    school.id,
                    f"sections.{name}.teachers.{f}",
                    amount,
                )
            moved[f] = None if cur is None else amount
        return moved

    def _moved_classes(self, ch: SplitSchool, school: School, sec: Section, name: str, share: float) -> float | None:
        """The classes a split moves: the number given (checked against the section) or the students' share,
        rounded half up; None where the county gives no class count."""
        if ch.classes is None:
            return None if sec.classes is None else _round_half_up(sec.classes * share)
        if sec.classes is None or ch.classes > sec.classes:
            problem = (
                msg("scenario.move_classes_unknown", classes=f"{ch.classes:g}")
                if sec.classes is None
                else msg("scenario.move_more_classes", classes=f"{ch.classes:g}", have=f"{sec.classes:g}")
            )
            self.problem(
                problem,
                school.id,
                f"sections.{name}.classes",
                ch.classes,
            )
        return ch.classes

    def _moved_facilities(self, ch: SplitSchool, school: School) -> dict[str, float | None]:
        """The facilities a split moves, per field: the amounts given (checked against the school) or the moved
        students' share of the whole school (whole units rounded half up); None where the county gives none."""
        total = sum(s.students for s in school.sections.values())
        f_share = ch.facility_share if ch.facility_share is not None else (ch.students / total if total else 0.0)
        moved: dict[str, float | None] = {}
        for f, unit in FACILITY_UNITS.items():
            cur = getattr(school.facilities, f)
            if ch.facilities is not None:
                amount = ch.facilities.amounts().get(f, 0.0)
                if cur is None and amount:
                    self.problem(msg("scenario.unknown_base_move"), school.id, f)
                elif cur is not None and amount > cur:
                    problem = msg("scenario.move_more_than_school", amount=f"{amount:g}", have=f"{cur:g}")
                    self.problem(problem, school.id, f"facilities.{f}", amount)
                moved[f] = None if cur is None else amount
            elif cur is None:
                moved[f] = None
            else:
                amount = cur * f_share
                moved[f] = _round_half_up(amount) if unit in _WHOLE_UNITS else amount
        return moved

    def set_fact(self, ch: SetFact) -> None:
        """Set (or, with a null value, remove) one fact of the county, a school or a section."""
        sid, sec_name, fact = ch.target()
        target: dict[str, Any]
        if sid is None:
            target = self.county.facts
        else:
            school = self.school(sid)
            if school is None:
                return
            if sec_name is None:
                target = school.facts
            else:
                sec = self.section(school, sec_name)
                if sec is None:
                    return
                target = sec.facts
        if ch.value is None:
            target.pop(fact, None)
        else:
            target[fact] = copy.deepcopy(ch.value)

    def close_school(self, ch: CloseSchool) -> None:
        """Remove a school: empty, or (with ``into``) after its students, teachers and classes join that school."""
        school = self.school(ch.school)
        into = self.school(ch.into, "into") if ch.into is not None else None
        if school is None or (ch.into is not None and into is None):
            return
        before = len(self.problems)
        for name, sec in school.sections.items():
            if into is None:
                if sec.students > 0:
                    self.problem(
                        msg(
                            "scenario.still_has_students",
                            section=Category("section", name),
                            name=name,
                            students=f"{sec.students:g}",
                        ),
                        school.id,
                        f"sections.{name}.students",
                        sec.students,
                    )
            elif sec.students > 0 or name in into.sections:
                self.section(into, name, "into")
        if len(self.problems) > before:
            return
        if into is not None:
            _join_sections(school, into)
        self.county.schools = [s for s in self.county.schools if s is not school]


def apply_scenario(county: Any, scenario: Scenario | str | Path | dict[str, Any]) -> County:
    """A NEW county with every change of ``scenario`` applied in order; ``county`` is never changed.

    ``county`` is a :class:`County`, a path or a dict (as for :func:`qbalance.evaluate`); ``scenario`` a
    :class:`Scenario`, a path or a dict. Raises :class:`InputError` listing every problem at once: unknown school
    ids, moving more students than a section has, results that would be negative, and — after all changes — the
    county-format checks (duplicate ids, sections that fit the school type, teacher counts within full-time ones).
    A change that refers to a school another change failed to create is skipped (its cause is already reported).
    """
    from .._api.evaluate import as_county
    from .._data.county_file import validate_county
    from .._data.table import validate_structure

    base, _ = as_county(county)
    sc = load_scenario(scenario)
    work = _Apply(base.model_copy(deep=True), sc)
    if sc.county is not None and sc.county != base.code:
        work.index = -1
        work.problems.append(
            Problem.of(
                msg("scenario.wrong_county", code=sc.county, base=base.code, name=base.name),
                source=sc._source,
                field="county",
                value=sc.county,
            )
        )
    broken: set[str] = set()
    for i, change in enumerate(sc.changes):
        work.index, work.change = i, change
        if change.refers_to() & broken:
            broken |= change.creates()
            continue
        before = len(work.problems)
        getattr(work, change.kind)(change)
        if len(work.problems) > before:
            broken |= change.creates()
    if work.problems:
        raise InputError(work.problems)
    # Re-read the result through the county validator (field and cross-field checks), naming the scenario.
    where = text("scenario.after_applying", source=sc._source, name=sc.name)
    out = validate_county(work.county.model_dump(), where)
    errors, _ = validate_structure(out, where)
    if errors:
        raise InputError(errors)
    return out


def _facilities_fields() -> tuple[str, ...]:  # keep FACILITY_UNITS honest against the model
    return tuple(Facilities.model_fields)


assert set(_facilities_fields()) == set(FACILITY_UNITS), "FACILITY_UNITS is out of date with Facilities"
