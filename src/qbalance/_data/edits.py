"""Additions of resources (teachers, floor area, money, rooms) to county data, the same way on both of its forms:
the :class:`County` model that users hold and the engine's :class:`Table` that plans re-evaluate.

An addition to a value the data leave blank starts from zero (a plan that adds 3 teachers to an unknown count
proposes 3 teachers). New teachers also raise the section's full-time count by the largest addition among its
teacher categories — one new hire may count in several — when that count is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from .._base.errors import InputError, Problem
from .._base.messages import Category, Field, msg
from .._base.vocabulary import SECTIONS
from .models import County, School, Section
from .table import Level, Table

__all__ = ["Addition", "add_to_county", "add_to_table"]


class Addition(Protocol):
    """One addition: ``amount`` of ``input`` (in its canonical unit) at a school, or at one of its sections."""

    @property
    def school_id(self) -> str: ...
    @property
    def section(self) -> str | None: ...
    @property
    def input(self) -> str: ...
    @property
    def amount(self) -> float: ...


def add_to_county(county: County, rows: Sequence[Addition]) -> County:
    """Make additions on a copy of the county. New teachers also raise the section's full-time count (by the largest
    addition among its teacher categories: one new hire may count in several)."""
    out = county.model_copy(deep=True)
    by_id = {s.id: s for s in out.schools}
    teacher_adds: dict[tuple[str, str], float] = {}
    for row in rows:
        school = by_id[row.school_id]
        parts = row.input.split(".")
        if parts[0] == "teachers" and row.section is not None:
            sec = _section(school, row.section)
            current = getattr(sec.teachers, parts[1]) or 0.0
            setattr(sec.teachers, parts[1], current + row.amount)
            key = (row.school_id, row.section)
            teacher_adds[key] = max(teacher_adds.get(key, 0.0), row.amount)
        elif parts[0] == "facilities":
            current = getattr(school.facilities, parts[1]) or 0.0
            setattr(school.facilities, parts[1], current + row.amount)
        else:
            target = school.facts
            raw = target.get(row.input, 0.0)
            raw = raw.get("value", 0.0) if isinstance(raw, dict) else raw
            target[row.input] = float(raw or 0.0) + row.amount
    for (sid, sec_name), extra in teacher_adds.items():
        sec = _section(by_id[sid], sec_name)
        if sec.teachers.full_time is not None:
            sec.teachers.full_time = sec.teachers.full_time + extra
    return out


def _section(school: School, name: str) -> Section:
    """The section ``name`` (primary, junior, senior) of ``school``; KeyError when it has none."""
    for key, section in school.sections.items():
        if key == name:
            return section
    raise KeyError(name)


def add_to_table(table: Table, additions: Sequence[Addition]) -> Table:
    """A copy of a one-county ``table`` with every addition made, in the column (and level) that holds the input."""
    columns = {level: dict(lv.columns) for level, lv in table.levels.items()}
    copied: set[tuple[str, str]] = set()
    school_row = {sid: i for i, sid in enumerate(table.school_ids)}
    sec_level = table.levels["section"]
    sec_parent = sec_level.parent_index if sec_level.parent_index is not None else np.zeros(0, dtype=np.int64)
    sec_code = sec_level.columns["section"]
    teacher_adds: dict[int, float] = {}

    def column(level: str, name: str) -> np.ndarray:
        if (level, name) not in copied:
            columns[level][name] = columns[level][name].copy()
            copied.add((level, name))
        return columns[level][name]

    def section_row(school: int, section: str) -> int:
        code = float(SECTIONS.index(section))
        rows = np.flatnonzero((sec_parent == school) & (sec_code == code))
        if rows.size != 1:
            sid = table.school_ids[school]
            missing = msg("data.edit_no_section", school=sid, section=Category("section", section), section_en=section)
            raise InputError(Problem.of(missing, school_id=sid, field=f"sections.{section}"))
        return int(rows[0])

    for add in additions:
        level = next((lv for lv in ("section", "school", "county") if add.input in columns[lv]), None)
        if level is None:
            no_column = msg("data.edit_no_column", column=add.input, label=Field(add.input))
            raise InputError(Problem.of(no_column, school_id=add.school_id, field=add.input))
        school = school_row[add.school_id]
        if level == "section":
            if add.section is None:
                needs = msg("data.edit_needs_section", column=add.input, label=Field(add.input))
                raise InputError(Problem.of(needs, school_id=add.school_id, field=add.input))
            row = section_row(school, add.section)
        else:
            row = school if level == "school" else int(table.ancestor("county", "school")[school])
        values = column(level, add.input)
        values[row] = (0.0 if np.isnan(values[row]) else values[row]) + add.amount
        if add.input.startswith("teachers.") and level == "section":
            teacher_adds[row] = max(teacher_adds.get(row, 0.0), add.amount)
    if "teachers.full_time" in columns["section"]:
        for row, extra in teacher_adds.items():
            full_time = column("section", "teachers.full_time")
            full_time[row] = full_time[row] + extra  # a blank count stays blank (NaN + x)
    levels = {name: Level(lv.n, lv.parent_index, columns[name]) for name, lv in table.levels.items()}
    return replace(table, levels=levels, _anc=dict(table._anc))
