"""Validate county data (as read from YAML/JSON files or built from a workbook) into :class:`County` objects.

All problems are collected and raised together as one :class:`InputError`, each naming the school id, the field,
the value and (for files) the line.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from pydantic import ValidationError

from .._base.documents import Loaded
from .._base.errors import InputError, Problem
from .._base.messages import Category, Msg, msg
from .._base.vocabulary import LOCATION_ZH, OWNERSHIP_ZH, SCHOOL_TYPE_ZH, SECTION_ZH
from .habits import grouped_number
from .models import County

__all__ = [
    "COLUMNAR_SUFFIXES",
    "EXCEL_SUFFIXES",
    "OTHER_SPREADSHEET_FORMATS",
    "OTHER_SPREADSHEET_SUFFIXES",
    "locate_loaded",
    "validate_county",
    "validation_problems",
]

_SYNONYM_HINTS = {
    "type": SCHOOL_TYPE_ZH,
    "ownership": OWNERSHIP_ZH,
    "location": LOCATION_ZH,
    "sections": SECTION_ZH,
}


def validation_problems(exc: ValidationError, data: Any, loaded: Loaded | None, source: str) -> list[Problem]:
    """Pydantic's errors as problems: each with its catalogue message, school id, field, value and line."""
    out: list[Problem] = []
    schools = data.get("schools") if isinstance(data, dict) else None
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function"))))
        school_id = None
        field_parts: list[str] = [str(p) for p in loc]
        if len(loc) >= 2 and loc[0] == "schools" and isinstance(loc[1], int):
            field_parts = [str(p) for p in loc[2:]]
            if isinstance(schools, list) and loc[1] < len(schools) and isinstance(schools[loc[1]], dict):
                raw_id = schools[loc[1]].get("id")
                blank = raw_id is None or not str(raw_id).strip()
                school_id = f"(schools[{loc[1]}])" if blank else str(raw_id)
            else:
                school_id = f"(schools[{loc[1]}])"
        value = err.get("input") if err["type"] not in ("missing", "extra_forbidden") else None
        if isinstance(value, (dict, list)):
            value = None
        path = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
        out.append(
            Problem.of(
                _message(err, field_parts),
                source=source,
                location=loaded.where(loc) if loaded is not None else None,
                path=path,
                school_id=school_id,
                field=".".join(field_parts) if field_parts else None,
                value=value,
            )
        )
    return out


def _message(err: Any, field_parts: list[str]) -> Msg:
    """The catalogue message of one pydantic error: ours when a validator raised it, else by pydantic's type."""
    ctx = err.get("ctx") or {}
    carried = ctx.get("qb_msg") or getattr(ctx.get("error"), "msg", None)
    if isinstance(carried, Msg):
        return carried
    kind = err["type"]
    if kind == "extra_forbidden":
        return msg("data.unknown_field")
    if kind == "missing":
        return msg("data.missing_field")
    if kind == "bool_type":
        return msg("data.write_bool")
    if kind in ("literal_error", "enum") and field_parts:
        return _not_one_of(err, field_parts)
    if kind in ("string_too_short", "too_short"):
        return msg("data.not_blank")
    if kind in ("string_too_long", "too_long"):
        return msg("data.too_long", max=ctx.get("max_length", ""))
    return msg("data.invalid", detail=str(err["msg"]).removeprefix("Value error, "))


def _not_one_of(err: Any, field_parts: list[str]) -> Msg:
    """A category outside its list: the allowed values, and the Chinese names accepted."""
    kind = {"type": "school_type", "sections": "section"}.get(field_parts[-1]) or {"sections": "section"}.get(
        field_parts[0], field_parts[-1]
    )
    hints = _SYNONYM_HINTS.get(field_parts[-1]) or _SYNONYM_HINTS.get(field_parts[0]) or {}
    expected = str((err.get("ctx") or {}).get("expected", ""))
    names = ", ".join(hints)
    options = ", ".join(str(Category(kind, v)) for v in dict.fromkeys(hints.values())) or expected
    return msg(
        "data.not_one_of",
        options=options,
        options_en=expected,
        names=names,
        hint=msg("data.chinese_names", names=names) if names else "",
    )


def validate_county(data: Any, source: str = "<dict>", loaded: Loaded | None = None) -> County:
    """Validate plain data (as loaded from YAML/JSON) into a :class:`County`, reporting every problem at once."""
    if not isinstance(data, dict):
        raise InputError(Problem.of(msg("data.not_mapping"), source=source))
    rewritten = _rewritten_ids(data, loaded, source)
    data = ungroup_quantities(data)
    try:
        county = County.model_validate(data)
    except ValidationError as exc:
        raise InputError(rewritten + validation_problems(exc, data, loaded, source)) from None
    if rewritten:
        raise InputError(rewritten)
    return county


_SECTION_QUANTITIES = ("students", "classes")


def ungroup_quantities(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every quantity of the county format written with thousands separators as spreadsheets write
    them (``teaching_aux_area: 5,600``, which YAML reads as the text "5,600") read as its number; what changes is
    copied, ``data`` itself is not touched. Only validly grouped numbers are read (``5,60`` stays text, for the model
    to report); pack facts are read by the pack's own reader, which accepts the same."""
    schools = data.get("schools")
    if not isinstance(schools, list) or not any(isinstance(s, dict) for s in schools):
        return data
    out = [_ungroup_school(s) if isinstance(s, dict) else s for s in schools]
    if all(a is b for a, b in zip(out, schools, strict=True)):
        return data
    return {**data, "schools": out}


def _ungroup_school(school: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    facilities = _ungroup_values(school.get("facilities"), None)
    if facilities is not school.get("facilities"):
        changed["facilities"] = facilities
    sections = school.get("sections")
    if isinstance(sections, dict):
        new_sections = {k: _ungroup_section(v) if isinstance(v, dict) else v for k, v in sections.items()}
        if any(new_sections[k] is not v for k, v in sections.items()):
            changed["sections"] = new_sections
    return {**school, **changed} if changed else school


def _ungroup_section(section: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = _ungroup_values(section, _SECTION_QUANTITIES)
    teachers = _ungroup_values(section.get("teachers"), None)
    if teachers is not section.get("teachers"):
        out = {**out, "teachers": teachers}
    return out


def _ungroup_values(values: Any, keys: tuple[str, ...] | None) -> Any:
    """A mapping with its grouped numbers (of ``keys``, or of every key) read as numbers; the same object if none."""
    if not isinstance(values, dict):
        return values
    numbers = {k: n for k, v in values.items() if (keys is None or k in keys) and (n := grouped_number(v)) is not None}
    return {**values, **numbers} if numbers else values


def _rewritten_ids(data: dict[str, Any], loaded: Loaded | None, source: str) -> list[Problem]:
    """Ids written as numbers that do not read back as written (``+123`` is 123, ``-0`` is 0): refused, since an id
    is kept exactly as written."""
    if loaded is None or not loaded.written:
        return []
    out: list[Problem] = []
    for path, text in sorted(loaded.written.items(), key=lambda kv: str(kv[0])):
        is_code = path == ("code",)
        is_school_id = len(path) == 3 and path[0] == "schools" and path[2] == "id"
        if not (is_code or is_school_id):
            continue
        out.append(
            Problem.of(
                msg("data.id_rewritten", text=text, number=int(text)),
                source=source,
                location=loaded.where(path),
                path=".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "["),
                school_id=None if is_code else text,
                field="code" if is_code else "id",
                value=text,
            )
        )
    return out


COLUMNAR_SUFFIXES = (".csv", ".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
OTHER_SPREADSHEET_FORMATS = {
    ".xls": "workbook.save_as_xlsx.xls",
    ".xlt": "workbook.save_as_xlsx.xls",
    ".et": "workbook.save_as_xlsx.et",
    ".ett": "workbook.save_as_xlsx.et",
    ".xlsb": "workbook.save_as_xlsx.xlsb",
    ".ods": "workbook.save_as_xlsx.ods",
}
"""Spreadsheet files that are not .xlsx (Excel 97-2003, WPS, Excel binary, OpenDocument), each with the message
that says how to save it as .xlsx: the workbook reader refuses them with it."""
OTHER_SPREADSHEET_SUFFIXES = tuple(OTHER_SPREADSHEET_FORMATS)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def locate_loaded(error: InputError, loaded: Loaded) -> InputError:
    """The same problems with their line in a YAML/JSON county file, for problems found after the models validated
    it (the pack's facts, cross-field checks): each problem's dotted ``path`` is looked up in the loaded document."""
    out = []
    for prob in error.problems:
        if prob.location is None and prob.path:
            parts = tuple(
                int(m.group(2)) if m.group(2) is not None else m.group(1) for m in _PATH_PART.finditer(prob.path)
            )
            if parts and parts[0] == "county":
                parts = parts[1:]
            where = loaded.where(parts) if parts else None
            if where is not None:
                prob = dataclasses.replace(prob, location=where, source=prob.source or loaded.source)
        out.append(prob)
    return InputError(out)
