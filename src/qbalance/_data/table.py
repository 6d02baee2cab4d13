"""The engine's internal form of county data: columnar levels (county, school, section) of float64 arrays.

One row per school section: a nine-year school gives a primary and a junior row. Every value is in base units,
categories are integer codes, yes/no values are 1.0/0.0, and missing values are NaN. A single county is a batch of
one; the batch path (:mod:`qbalance._batch`) builds the same table straight from columns.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._base.errors import InputError, InvalidValue, Problem, UnitError
from .._base.messages import Category, Field, Msg, Unit, msg
from .._base.vocabulary import (
    ALLOWED_SECTIONS,
    LOCATIONS,
    MAX_SECTION_STUDENTS,
    OWNERSHIPS,
    SCHOOL_TYPES,
    SECTION_ZH,
    SECTIONS,
)
from .._packs.compile import STRUCTURAL, CompiledPack
from .._packs.schema import InputDecl, Pack
from .._units.registry import canonical_factor, parse_quantity
from .habits import is_grouped
from .models import County, School, Section
from .placed_warnings import PlacedWarnings
from .wording import FieldList, closest, label_of, where_msg

__all__ = ["ALLOWED_SECTIONS", "MAX_SECTION_STUDENTS", "Level", "Table", "build_table", "validate_structure"]


_ANY_COUNTY = object()
"""The index key of warnings about the input as a whole (no county named)."""


@dataclass
class Level:
    """One level of the table: ``n`` rows, the index of each row's parent row, and named columns."""

    n: int
    parent_index: np.ndarray | None
    columns: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Table:
    """County data as columns, ready for the engine."""

    county_codes: list[str]
    county_names: list[str]
    school_ids: list[str]
    school_names: list[str]
    levels: dict[str, Level]
    evidence: dict[tuple[str, str], dict[int, str]] = field(default_factory=dict)
    given_warnings: list[Problem] = field(default_factory=list, repr=False)
    """The warnings made one by one (read every warning through :attr:`warnings`)."""
    placed: list[PlacedWarnings] = field(default_factory=list, repr=False)
    """Warnings repeated at many school sections, kept as arrays; in order, after ``given_warnings``."""
    meta: list[dict[str, Any]] = field(default_factory=list)
    _anc: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    _warning_index: tuple[tuple[int, int], dict[Any, list[int]]] | None = field(default=None, repr=False)

    @property
    def warnings(self) -> list[Problem]:
        """Every warning about the data, one per place, in the order given (a list that may be added to). The
        placed warnings are made into one :class:`Problem` per place on the first access."""
        if self.placed:
            made = [w for batch in self.placed for w in batch.problems()]
            self.given_warnings, self.placed = [*self.given_warnings, *made], []
        return self.given_warnings

    def warning_entries(self) -> list[Problem | PlacedWarnings]:
        """The warnings as kept: each made one, then each :class:`PlacedWarnings` (for counting without making
        every place, :func:`~.placed_warnings.warning_groups`)."""
        return [*self.given_warnings, *self.placed]

    def warnings_for(self, county: int) -> list[Problem]:
        """Warnings about one county's data (and those about the input as a whole), in the order they were given.

        The warnings are indexed by county once (again if more are added), so that the reports of a nation's
        counties do not each scan every warning."""
        key = (id(self.warnings), len(self.warnings))
        if self._warning_index is None or self._warning_index[0] != key:
            index: dict[Any, list[int]] = {}
            for i, w in enumerate(self.warnings):
                index.setdefault(w.extra.get("county", _ANY_COUNTY), []).append(i)
            self._warning_index = (key, index)
        index = self._warning_index[1]
        rows = sorted([*index.get(county, ()), *index.get(_ANY_COUNTY, ())])
        return [self.warnings[i] for i in rows]

    def digest(self, county: int) -> str:
        """sha256 of everything the pack reads for one county: ids, names, every column, evidence notes.

        Computed from the normalised table, so a county gives the same digest whether it came from YAML, JSON,
        Excel, CSV or a DataFrame, and whether it was evaluated alone or in a batch.
        """
        h = hashlib.sha256()
        h.update(f"county\x00{self.county_codes[county]}\x00{self.county_names[county]}\x00".encode())
        masks = {
            "county": np.arange(self.levels["county"].n) == county,
            "school": self.ancestor("county", "school") == county,
            "section": self.ancestor("county", "section") == county,
        }
        school_rows = np.flatnonzero(masks["school"])
        for i in school_rows:
            h.update(f"{self.school_ids[i]}\x00{self.school_names[i]}\x00".encode())
        for level in ("county", "school", "section"):
            lv = self.levels[level]
            mask = masks[level]
            if lv.parent_index is not None and level == "section":
                # parent positions relative to this county's schools, so the digest ignores other counties
                local = np.searchsorted(school_rows, lv.parent_index[mask])
                h.update(b"parent\x00" + np.ascontiguousarray(local, dtype="<i8").tobytes())
            for name in sorted(lv.columns):
                h.update(f"{level}.{name}\x00".encode())
                h.update(np.ascontiguousarray(lv.columns[name][mask], dtype="<f8").tobytes())
        for (level, name), notes in sorted(self.evidence.items()):
            rows = np.flatnonzero(masks[level])
            local_notes = [
                (int(np.searchsorted(rows, r)), note) for r, note in sorted(notes.items()) if masks[level][r]
            ]
            if local_notes:
                h.update(json.dumps([level, name, local_notes], ensure_ascii=False).encode())
        return "sha256:" + h.hexdigest()

    def ancestor(self, upper: str, lower: str) -> np.ndarray:
        """For each row of ``lower``, the index of its ancestor row at ``upper``."""
        key = (upper, lower)
        if key not in self._anc:
            if upper == lower:
                idx = np.arange(self.levels[lower].n)
            else:
                parent = {"section": "school", "school": "county"}[lower]
                pidx = self.levels[lower].parent_index
                assert pidx is not None
                idx = pidx if parent == upper else self.ancestor(upper, parent)[pidx]
            self._anc[key] = idx
        return self._anc[key]


def validate_structure(county: County, source: str | None) -> tuple[list[Problem], list[Problem]]:
    """Checks across fields: duplicate ids, sections that fit the school type, impossible teacher counts.

    Returns (errors, warnings); warnings are carried into the report.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    seen: dict[str, int] = {}
    for i, school in enumerate(county.schools):
        path = f"schools[{i}]"
        if school.id in seen:
            errors.append(
                Problem.of(
                    msg("data.duplicate_id", other=seen[school.id]),
                    source=source,
                    path=f"{path}.id",
                    school_id=school.id,
                    field="id",
                    value=school.id,
                )
            )
        else:
            seen[school.id] = i
        errors.extend(_section_set_problems(school, path, source))
        for sec_name, sec in school.sections.items():
            spath = f"{path}.sections.{sec_name}"
            errors.extend(_section_errors(school.id, sec_name, sec, spath, source))
            warnings.extend(_section_warnings(school.id, sec_name, sec, spath, source))
    return errors, warnings


def section_args(school_type: str, section: str) -> dict[str, Any]:
    """Message arguments naming a school type and a section, as labels and as identifiers."""
    return {
        "school_type": Category("school_type", school_type),
        "school_type_en": school_type,
        "section": Category("section", section),
        "section_en": section,
    }


def _section_set_problems(school: School, path: str, source: str | None) -> list[Problem]:
    """Sections the school's type does not allow, sections it needs but lacks, and neither primary nor junior."""
    out: list[Problem] = []
    must, may = ALLOWED_SECTIONS[school.type]
    have: set[str] = set(school.sections)
    for extra in sorted(have - may):
        out.append(
            Problem.of(
                msg("data.section_not_allowed", **section_args(school.type, extra)),
                source=source,
                path=f"{path}.sections.{extra}",
                school_id=school.id,
                field=f"sections.{extra}",
            )
        )
    for missing in sorted(must - have):
        key = "data.section_needed_senior" if missing == "senior" else "data.section_needed"
        out.append(
            Problem.of(
                msg(key, **section_args(school.type, missing)),
                source=source,
                path=f"{path}.sections",
                school_id=school.id,
                field=f"sections.{missing}",
            )
        )
    if not have & set(SECTIONS):
        out.append(
            Problem.of(
                msg("data.no_compulsory_section"),
                source=source,
                path=f"{path}.sections",
                school_id=school.id,
                field="sections",
            )
        )
    return out


def _section_errors(school_id: str, sec_name: str, sec: Section, spath: str, source: str | None) -> list[Problem]:
    """Impossible numbers in one section: an implausible enrolment, or a teacher subgroup above the full-time count."""
    out: list[Problem] = []
    if sec.students > MAX_SECTION_STUDENTS:
        out.append(
            Problem.of(
                msg("data.enrolment_implausible", limit=MAX_SECTION_STUDENTS),
                source=source,
                path=f"{spath}.students",
                school_id=school_id,
                field=f"sections.{sec_name}.students",
                value=sec.students,
            )
        )
    t = sec.teachers
    if t.full_time is None:
        return out
    for name in ("above_qualified", "backbone", "pe_art", "mid_title"):
        v = getattr(t, name)
        if v is not None and v > t.full_time:
            out.append(
                Problem.of(
                    msg(
                        "data.subcount_exceeds",
                        name=name,
                        group=Field(f"teachers.{name}"),
                        count=f"{v:g}",
                        full_time=f"{t.full_time:g}",
                    ),
                    source=source,
                    path=f"{spath}.teachers.{name}",
                    school_id=school_id,
                    field=f"sections.{sec_name}.teachers.{name}",
                    value=v,
                )
            )
    return out


def _section_warnings(school_id: str, sec_name: str, sec: Section, spath: str, source: str | None) -> list[Problem]:
    """Doubtful but usable section data: students without teachers, senior data that is never read, no students."""
    out: list[Problem] = []
    if sec.teachers.full_time is not None and sec_name != "senior" and sec.students > 0 and sec.teachers.full_time == 0:
        out.append(
            Problem.of(
                msg("data.section_no_teachers"),
                source=source,
                path=f"{spath}.teachers.full_time",
                school_id=school_id,
                field=f"sections.{sec_name}.teachers.full_time",
                value=0,
            )
        )
    if sec_name == "senior":
        out.extend(_ignored_senior_data(school_id, sec, spath, source))
    if sec_name != "senior" and sec.students == 0:
        out.append(
            Problem.of(
                msg("data.section_no_students"),
                source=source,
                path=f"{spath}.students",
                school_id=school_id,
                field=f"sections.{sec_name}.students",
                value=0,
            )
        )
    return out


def _ignored_senior_data(school_id: str, sec: Section, spath: str, source: str | None) -> list[Problem]:
    """A warning naming the senior-section values given but never read (only senior students are used)."""
    ignored = [name for name in ("classes",) if getattr(sec, name) is not None]
    ignored += [f"teachers.{k}" for k, v in sec.teachers.model_dump().items() if v is not None]
    ignored += [f"facts.{k}" for k in sec.facts]
    if not ignored:
        return []
    return [
        Problem.of(
            msg("data.senior_ignored", fields=FieldList(tuple(ignored))),
            source=source,
            path=spath,
            school_id=school_id,
            field="sections.senior",
        )
    ]


_FIELD_NAMES: dict[type, frozenset[str]] = {}
"""The fields a path may follow through each model class (its declared fields but ``facts``), found once per class:
pydantic's ``model_fields`` is a property that costs more than the rest of reading a value."""


def _field_names(cls: type) -> frozenset[str]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        fields = getattr(cls, "model_fields", None)
        names = _FIELD_NAMES[cls] = frozenset(fields or ()) - {"facts"}
    return names


def _path_value(obj: Any, path: str) -> tuple[bool, Any]:
    """Follow a dotted path through model attributes; (False, None) if the model does not declare it."""
    cur = obj
    for part in path.split("."):
        if part not in _field_names(type(cur)):
            return False, None
        cur = getattr(cur, part)
    return True, cur


_DIMENSIONLESS = ("", "1", "dimensionless")


def read_fact(raw: Any, decl: InputDecl, scales: dict[str, Any]) -> tuple[float, str | None]:
    """Read one pack-declared input value into the engine's float form; returns (value, evidence note).

    A bad value raises :class:`InvalidValue` (a ``ValueError``) carrying its catalogue message. A number may be
    written with thousands separators as spreadsheets write it (``5,600``)."""
    evidence = None
    if isinstance(raw, dict):
        if set(raw) - {"value", "evidence"} or "value" not in raw:
            raise InvalidValue(msg("data.fact_shape", form="{value: ..., evidence: ...}"))
        if "evidence" in raw and raw["evidence"] is not None and not isinstance(raw["evidence"], str):
            raise InvalidValue(msg("data.evidence_not_text"))
        evidence = raw.get("evidence")
        raw = raw["value"]
    if raw is None:
        return np.nan, evidence
    if decl.type == "number":
        return _read_number(raw, decl), evidence
    if decl.type == "flag":
        if not isinstance(raw, bool):
            raise InvalidValue(msg("data.fact_flag", words="是/否"))
        return (1.0 if raw else 0.0), evidence
    if decl.type == "rating":
        return _read_rating(raw, scales[decl.scale or ""]), evidence
    cats = list(decl.categories or ())
    if isinstance(raw, str) and raw.strip() in cats:
        return float(cats.index(raw.strip())), evidence
    raise InvalidValue(msg("data.fact_not_one_of", options=", ".join(cats)))


def range_msgs(decl: InputDecl) -> tuple[Msg, Msg]:
    """The messages of a number below the declared minimum and above the declared maximum (both paths use them)."""
    plain = decl.unit.strip() in _DIMENSIONLESS
    unit_en = "" if plain else f" {decl.unit}"
    unit = "" if plain else Unit(decl.unit)
    share = plain and decl.max is not None and decl.max <= 1
    hint = msg("data.share_hint") if share else ""
    low = msg("data.at_least", min=f"{decl.min:g}" if decl.min is not None else "", unit=unit, unit_en=unit_en)
    high = msg(
        "data.at_most", max=f"{decl.max:g}" if decl.max is not None else "", unit=unit, unit_en=unit_en, hint=hint
    )
    return low, high


def _read_number(raw: Any, decl: InputDecl) -> float:
    """A number fact in its canonical unit, checked against the declared range and whole-number rule."""
    try:
        number = parse_quantity(raw, decl.unit, allow_plain_string=is_grouped(raw))
    except UnitError as exc:
        raise InvalidValue(exc.msg or msg("data.invalid", detail=str(exc))) from None
    if decl.min is not None and number < decl.min:
        raise InvalidValue(range_msgs(decl)[0])
    if decl.max is not None and number > decl.max:
        raise InvalidValue(range_msgs(decl)[1])
    if decl.integer and not float(number).is_integer():
        raise InvalidValue(msg("data.integer"))
    return number * canonical_factor(decl.unit)


def _read_rating(raw: Any, scale: Any) -> float:
    """A rating fact: a level of the scale by its id or its Chinese or English label."""
    levels = list(scale.levels)
    if isinstance(raw, str):
        key = raw.strip()
        if key in levels:
            return float(levels.index(key))
        for lid, label in scale.labels.items():
            if key in (label.zh, label.en) and lid in levels:
                return float(levels.index(lid))
    names_en = ", ".join(f"{lid} ({scale.labels[lid].zh})" if lid in scale.labels else lid for lid in levels)
    names = "、".join(scale.labels[lid].zh if lid in scale.labels else lid for lid in levels)
    raise InvalidValue(msg("data.not_rating", names=names, names_en=names_en))


def _inputs_by_level(pack: Pack) -> dict[str, dict[str, InputDecl]]:
    """The pack's declared inputs that are not structural (read from the county format itself), per level."""
    by_level: dict[str, dict[str, InputDecl]] = {"county": {}, "school": {}, "section": {}}
    for name, decl in pack.inputs.items():
        if name not in STRUCTURAL:
            by_level[decl.level][name] = decl
    return by_level


def fact_message(exc: Exception) -> Msg:
    """The catalogue message of a value :func:`read_fact` refused."""
    carried = getattr(exc, "msg", None)
    return carried if isinstance(carried, Msg) else msg("data.invalid", detail=str(exc))


def unused_fact_message(pack: Pack, key: str, level: str, section: str | None) -> Msg:
    """Why a fact is not used: not an input of the pack here; an input at another level; or a slip of the pen for
    a declared input (did you mean …?)."""
    where = where_msg(level, section)
    decl = pack.inputs.get(key)
    if decl is not None and key not in STRUCTURAL and decl.level != level:
        return msg(
            "data.unused_fact_level",
            key=key,
            pack=pack.id,
            where=where,
            label=decl.label.zh,
            level=msg(f"data.where_level.{decl.level}"),
            level_en=f"{decl.level} level",
        )
    here = [k for k, d in pack.inputs.items() if d.level == level and k not in STRUCTURAL]
    close = closest(key, here)
    if close is None:
        return msg("data.unused_fact", key=key, pack=pack.id, where=where)
    label = pack.inputs[close].label.zh
    return msg("data.unused_fact_hint", key=key, pack=pack.id, where=where, close=close, label=label)


@dataclass
class _Place:
    """Where a county, school or section being read sits in its input, for the problems about its values."""

    source: str | None
    path: str
    county: int
    school_id: str | None = None
    section: str | None = None

    @property
    def field_prefix(self) -> str:
        """What a field name of this place starts with: ``sections.junior.`` for a section, nothing otherwise."""
        return f"sections.{self.section}." if self.section else ""


class _TableBuilder:
    """Collects the table's columns row by row (county, its schools, their sections), with every problem found
    and every evidence note, so that one pass over the counties reports all bad values at once."""

    def __init__(self, cp: CompiledPack) -> None:
        self.pack = cp.pack
        self.scales = dict(self.pack.scales)
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.evidence: dict[tuple[str, str], dict[int, str]] = {}
        self.meta: list[dict[str, Any]] = []
        self.school_ids: list[str] = []
        self.school_names: list[str] = []
        self.school_parent: list[int] = []
        self.section_parent: list[int] = []
        self.decls = _inputs_by_level(self.pack)
        school_cols: dict[str, list[float]] = {k: [] for k in ("school_type", "ownership", "location", "boarding")}
        school_cols["senior_students"] = []
        self.cols: dict[str, dict[str, list[float]]] = {
            "county": {},
            "school": school_cols,
            "section": {"section": [], "students": []},
        }
        for level in ("county", "school", "section"):
            for name in self.decls[level]:
                self.cols[level][name] = []

    def add_county(self, ci: int, county: County, source: str | None) -> None:
        """Add one county's row, then its schools; its structural problems come first, as the report lists them."""
        errs, warns = validate_structure(county, source)
        self.errors.extend(errs)
        self.warnings.extend(dataclasses.replace(w, extra={"county": ci}) for w in warns)
        self.meta.append({"code": county.code, "name": county.name, "year": county.year, "synthetic": county.synthetic})
        self.take(county, "county", ci, _Place(source, "county", ci))
        for si, school in enumerate(county.schools):
            self.add_school(ci, si, school, source)

    def add_school(self, ci: int, si: int, school: School, source: str | None) -> None:
        """Add one school's row (its categories as integer codes) and the rows of the sections the pack reads."""
        srow = len(self.school_ids)
        self.school_ids.append(school.id)
        self.school_names.append(school.name)
        self.school_parent.append(ci)
        cols = self.cols["school"]
        cols["school_type"].append(float(SCHOOL_TYPES.index(school.type)))
        cols["ownership"].append(float(OWNERSHIPS.index(school.ownership)))
        cols["location"].append(float(LOCATIONS.index(school.location)))
        cols["boarding"].append(np.nan if school.boarding is None else float(school.boarding))
        senior = school.sections.get("senior")
        cols["senior_students"].append(float(senior.students) if senior is not None else 0.0)
        self.take(school, "school", srow, _Place(source, f"schools[{si}]", ci, school.id))
        for sec_code, sec_name in enumerate(SECTIONS):
            if sec_name not in self.pack.sections:
                continue
            sec = school.sections.get(sec_name)
            if sec is not None:
                place = _Place(source, f"schools[{si}].sections.{sec_name}", ci, school.id, sec_name)
                self.add_section(srow, sec_code, sec, place)

    def add_section(self, srow: int, sec_code: int, sec: Section, place: _Place) -> None:
        """Add one section's row under school row ``srow``."""
        rrow = len(self.section_parent)
        self.section_parent.append(srow)
        self.cols["section"]["section"].append(float(sec_code))
        self.cols["section"]["students"].append(float(sec.students))
        self.take(sec, "section", rrow, place)

    def take(self, obj: Any, level: str, row: int, place: _Place) -> None:
        """Append one row's value of every input the pack declares at ``level``: a model field as it is, a fact
        read by :func:`read_fact` (a bad one is an error and NaN); facts the pack does not declare are warnings."""
        decls, cols = self.decls[level], self.cols[level]
        facts = getattr(obj, "facts", {}) or {}
        for name, decl in decls.items():
            found, value = _path_value(obj, name)
            if found:
                cols[name].append(np.nan if value is None else float(value))
                continue
            raw = facts.get(name)
            try:
                number, note = read_fact(raw, decl, self.scales)
            except ValueError as exc:
                self.errors.append(
                    Problem.of(
                        fact_message(exc),
                        source=place.source,
                        path=place.path + f".facts.{name}",
                        school_id=place.school_id,
                        field=f"{place.field_prefix}facts.{name}",
                        value=raw,
                        label=label_of(decl),
                    )
                )
                number, note = np.nan, None
            cols[name].append(number)
            if note:
                self.evidence.setdefault((level, name), {})[row] = note
        self.warn_unused_facts(facts, level, place)

    def warn_unused_facts(self, facts: dict[str, Any], level: str, place: _Place) -> None:
        """A warning for each fact that the pack does not declare at this level: it would silently be ignored."""
        for key in facts:
            if key not in self.decls[level]:
                self.warnings.append(
                    Problem.of(
                        unused_fact_message(self.pack, key, level, place.section),
                        source=place.source,
                        path=place.path + f".facts.{key}",
                        school_id=place.school_id,
                        field=f"{place.field_prefix}facts.{key}",
                        extra={"county": place.county},
                        label=label_of(self.pack.inputs.get(key)),
                    )
                )

    def table(self, counties: Sequence[County]) -> Table:
        """The finished table: the collected columns as float64 arrays, with the parents of each row."""
        levels = {
            "county": Level(len(counties), None, _arrays(self.cols["county"])),
            "school": Level(
                len(self.school_ids), np.asarray(self.school_parent, dtype=np.int64), _arrays(self.cols["school"])
            ),
            "section": Level(
                len(self.section_parent), np.asarray(self.section_parent, dtype=np.int64), _arrays(self.cols["section"])
            ),
        }
        return Table(
            county_codes=[c.code for c in counties],
            county_names=[c.name for c in counties],
            school_ids=self.school_ids,
            school_names=self.school_names,
            levels=levels,
            evidence=self.evidence,
            given_warnings=self.warnings,
            meta=self.meta,
        )


def _arrays(cols: dict[str, list[float]]) -> dict[str, np.ndarray]:
    """Columns of Python floats as float64 arrays."""
    return {k: np.asarray(v, dtype=np.float64) for k, v in cols.items()}


def build_table(counties: Sequence[County], cp: CompiledPack, sources: Sequence[str | None]) -> Table:
    """Build the columnar table for ``counties`` under pack ``cp``; raises InputError listing every bad value."""
    builder = _TableBuilder(cp)
    for ci, county in enumerate(counties):
        builder.add_county(ci, county, sources[ci] if ci < len(sources) else None)
    if builder.errors:
        raise InputError(builder.errors)
    return builder.table(counties)


def raw_fact_problems(data: Any, pack: Any, source: str | None) -> list[Problem]:
    """Check the pack-declared facts of a county file's raw data (before the models have accepted it), so that a
    file with both model problems and fact problems gets every problem in one report. Best effort: parts of the data
    too malformed to walk are left to the model's own messages."""
    out: list[Problem] = []
    if not isinstance(data, dict):
        return out
    scales = dict(pack.scales)
    by_level = _inputs_by_level(pack)

    def check(facts: Any, level: str, path: str, school_id: str | None, field_prefix: str) -> None:
        if not isinstance(facts, dict):
            return
        for name, decl in by_level[level].items():
            if name not in facts:
                continue
            try:
                read_fact(facts[name], decl, scales)
            except (ValueError, KeyError) as exc:
                out.append(
                    Problem.of(
                        fact_message(exc),
                        source=source,
                        path=f"{path}.facts.{name}",
                        school_id=school_id,
                        field=f"{field_prefix}facts.{name}",
                        value=facts[name],
                        label=label_of(decl),
                    )
                )

    check(data.get("facts"), "county", "county", None, "")
    schools = data.get("schools")
    for si, school in enumerate(schools if isinstance(schools, list) else []):
        if not isinstance(school, dict):
            continue
        raw_id = school.get("id")
        sid = str(raw_id) if raw_id is not None and str(raw_id).strip() else f"(schools[{si}])"
        check(school.get("facts"), "school", f"schools[{si}]", sid, "")
        sections = school.get("sections")
        for key, sec in sections.items() if isinstance(sections, dict) else []:
            name = SECTION_ZH.get(key.strip(), key.strip()) if isinstance(key, str) else str(key)
            if isinstance(sec, dict):
                check(sec.get("facts"), "section", f"schools[{si}].sections.{key}", sid, f"sections.{name}.")
    return out
