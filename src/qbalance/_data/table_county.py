"""One county of a table (CSV, Parquet, DataFrame, Arrow) as a county file, so that plans and scenarios — which change
a county and write it back — work on tabular data too.

The table is first checked by the vectorised table path (every bad cell named by row and column); only a valid,
one-county table is then rewritten, cell for cell, into the county-file format and validated by the models. Values
are not reinterpreted: numbers stay numbers (text cells holding a plain number are read as numbers, as the table path
reads them), unit strings stay unit strings, category names stay names, and yes/no cells become true/false.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .._base.errors import InputError, Problem
from .._base.messages import msg
from .._base.vocabulary import SECTION_ZH
from .._packs.compile import STRUCTURAL, CompiledPack
from .column_cells import _clean, _flag_value
from .column_sources import _read_columns, _wide_to_long
from .columns import read_table_file, table_from_columns
from .habits import grouped_number
from .models import County, Facilities, TeacherCounts

__all__ = ["county_from_table", "county_model_from_table"]

_SCHOOL_KEYS = {"school_name": "name", "school_type": "type", "ownership": "ownership", "location": "location"}


def _number_or_text(v: Any) -> Any:
    """A numeric cell as a number; text that is a plain number (also with thousands separators, ``5,600``) as that
    number; any other text (with a unit) as is."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    text = _clean(v)
    if text is None:
        return None
    grouped = grouped_number(text)
    if grouped is not None:
        return grouped
    try:
        return float(text)
    except ValueError:
        return text


def _fact(v: Any, kind: str) -> Any:
    if kind == "number":
        return _number_or_text(v)
    if kind == "flag":
        flag = _flag_value(v)
        if flag is None:
            return _clean(v)  # not a yes/no cell: left for the model to report
        return None if np.isnan(flag) else bool(flag == 1.0)
    return _clean(v)


def county_from_table(data: Any, cp: CompiledPack, source: str | None = None) -> dict[str, Any]:
    """The county-file form (a dict) of a one-county table, after the table path has checked every cell."""
    if isinstance(data, (str, Path)):
        source = source or str(data)
        data = read_table_file(Path(data))
    table = table_from_columns(data, cp, source=source)  # raises InputError naming every bad cell
    if len(table.county_codes) != 1:
        raise InputError(Problem.of(msg("data.one_county", n=len(table.county_codes)), source=source))
    cols, _ = _read_columns(data)
    if "section" not in cols:
        cols = _wide_to_long(cols)
    cols.pop("__row__", None)
    n = len(cols["school_id"])
    inputs = {k: d for k, d in cp.pack.inputs.items() if k not in STRUCTURAL}

    def cell(name: str, i: int) -> Any:
        if name not in cols:
            return None
        v = cols[name][i]
        return None if _clean(v) is None and not isinstance(v, (bool, np.bool_)) else v

    def put_fact(target: dict[str, Any], name: str, i: int) -> None:
        if name in target:
            return
        v = cell(name, i)
        if v is None:
            return
        value = _fact(v, inputs[name].type)
        note = _clean(cell(f"{name}.evidence", i))
        target[name] = {"value": value, "evidence": note} if note else value

    county: dict[str, Any] = {"format": "qbalance-county/1", "facts": {}}
    schools: dict[str, dict[str, Any]] = {}
    for i in range(n):
        for key, target in (("county_code", "code"), ("county_name", "name")):
            if target not in county and cell(key, i) is not None:
                county[target] = _clean(cell(key, i))
        if "year" not in county and cell("county_year", i) is not None:
            county["year"] = int(float(str(cell("county_year", i))))
        if "synthetic" not in county and cell("county_synthetic", i) is not None:
            county["synthetic"] = bool(_flag_value(cell("county_synthetic", i)) == 1.0)
        for name, decl in inputs.items():
            if decl.level == "county":
                put_fact(county["facts"], name, i)
        sid = str(_clean(cell("school_id", i)))
        school = schools.setdefault(sid, {"id": sid, "sections": {}, "facilities": {}, "facts": {}})
        for key, target in _SCHOOL_KEYS.items():
            if target not in school and cell(key, i) is not None:
                school[target] = _clean(cell(key, i))
        if "boarding" not in school and cell("boarding", i) is not None:
            flag = _flag_value(cell("boarding", i))
            school["boarding"] = None if flag is None or np.isnan(flag) else bool(flag == 1.0)
        for field in Facilities.model_fields:
            v = cell(f"facilities.{field}", i)
            if field not in school["facilities"] and v is not None:
                school["facilities"][field] = _number_or_text(v)
        for name, decl in inputs.items():
            if decl.level == "school" and not name.startswith("facilities."):
                put_fact(school["facts"], name, i)
        raw_section = str(_clean(cell("section", i)))
        section: dict[str, Any] = {"students": _number_or_text(cell("students", i)), "teachers": {}, "facts": {}}
        if cell("classes", i) is not None:
            section["classes"] = _number_or_text(cell("classes", i))
        for field in TeacherCounts.model_fields:
            v = cell(f"teachers.{field}", i)
            if v is not None:
                section["teachers"][field] = _number_or_text(v)
        for name, decl in inputs.items():
            if decl.level == "section" and not name.startswith("teachers."):
                put_fact(section["facts"], name, i)
        school["sections"][SECTION_ZH.get(raw_section, raw_section)] = section
    county["schools"] = list(schools.values())
    county.setdefault("name", county.get("code"))
    return county


def county_model_from_table(data: Any, cp: CompiledPack, source: str | None = None) -> tuple[County, str]:
    """:func:`county_from_table`, validated by the county model."""
    from .county_file import validate_county

    src = source or (str(data) if isinstance(data, (str, Path)) else "<table>")
    return validate_county(county_from_table(data, cp, src), src), src
