"""Teacher rosters (教师名册): one row per full-time teacher, counted into :class:`TeacherCounts` by the pack.

What counts as "above the required qualification", a backbone teacher or a PE/art teacher is a definition of the
rule pack (its ``roster:`` block), not of this code: each count has a ``where`` condition in the pack language,
evaluated row by row over the roster's category columns and ``section``. A province changes a definition with an
overlay (``changes: - set: roster.counts.above_qualified.where``), without code. Conditions are parsed by
:mod:`qbalance._dsl_parse` and interpreted here over plain values; nothing is ever handed to ``eval``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._base.errors import InputError, InvalidValue, Problem
from .._base.messages import Category, Msg, msg
from .._base.vocabulary import SECTION_ZH
from .._dsl.parse import Compare, InList, Literal, Logic, Name, Node, Not, Text, parse
from .._packs.roster_rules import ROSTER_SECTIONS
from .._packs.schema import Pack, Roster, RosterField
from .wording import closest

__all__ = ["RosterRow", "aggregate_roster", "read_roster_csv", "roster_rows", "row_holds"]

BUILTIN_COLUMNS = ("school_id", "section", "teacher_id", "name")
_TRUE = {"是": True, "否": False, "true": True, "false": False}


@dataclass
class RosterRow:
    """One teacher, with the place it was read from (for messages)."""

    school_id: str
    section: str
    values: dict[str, Any] = field(default_factory=dict)
    location: str | None = None
    """``教师名册!A7`` for a workbook, ``row 7`` for a CSV."""


def _roster_of(standard: Any) -> Roster:
    pack: Pack = standard.pack if hasattr(standard, "pack") else standard
    if pack.roster is None:
        raise InputError(Problem.of(msg("roster.no_roster", pack=pack.id)))
    return pack.roster


# ---------------------------------------------------------------- evaluating conditions


def _value(node: Node, row: Mapping[str, Any]) -> Any:
    if isinstance(node, Name):
        return row.get(node.path)
    if isinstance(node, (Text, Literal)):
        return node.value
    # refused by check_roster when the pack loads
    raise InvalidValue(msg("roster.unsupported", node=type(node).__name__))  # pragma: no cover


def _holds(node: Node, row: Mapping[str, Any]) -> bool | None:
    """Whether a checked condition holds for one row, three-valued: a test on a missing value is unknown (None),
    and unknown stays unknown through ``not`` unless ``and``/``or`` decide without it (Kleene logic)."""
    if isinstance(node, Logic):
        a, b = _holds(node.left, row), _holds(node.right, row)
        if node.op == "and":
            return False if (a is False or b is False) else (None if (a is None or b is None) else True)
        return True if (a is True or b is True) else (None if (a is None or b is None) else False)
    if isinstance(node, Not):
        inner = _holds(node.operand, row)
        return None if inner is None else not inner
    if isinstance(node, Literal):
        return bool(node.value)
    if isinstance(node, Name):
        v = row.get(node.path)
        return None if v is None else v is True
    if isinstance(node, InList):
        v = _value(node.operand, row)
        if v is None:
            return None
        return (v in node.options) != node.negated
    if isinstance(node, Compare):
        left, right = _value(node.left, row), _value(node.right, row)
        if left is None or right is None:
            return None
        return bool(left == right) if node.op == "==" else bool(left != right)
    raise InvalidValue(msg("roster.unsupported", node=type(node).__name__))  # pragma: no cover


def row_holds(condition: Node | None, row: RosterRow) -> bool | None:
    """Whether a checked roster condition holds for one teacher (every teacher when there is none); None when it
    reads a cell left blank."""
    if condition is None:
        return True
    env = dict(row.values)
    env["section"] = row.section
    return _holds(condition, env)


# ---------------------------------------------------------------- reading rows


def _cell_text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return None


def _read_value(raw: Any, spec: RosterField, name: str) -> tuple[Any, Msg | None]:
    """(value, error message) for one roster cell under its field definition."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if spec.blank is not None:
            return spec.blank, None  # the pack says what a blank cell means
        return None, (msg("roster.required", label=spec.label.zh, name=name) if spec.required else None)
    if spec.type == "flag":
        if isinstance(raw, bool):
            return raw, None
        if isinstance(raw, str) and raw.strip().lower() in _TRUE:
            return _TRUE[raw.strip().lower()], None
        return None, msg("roster.write_flag")
    if not isinstance(raw, str):
        if spec.type == "category":
            return None, msg("roster.write_category", choices=_choices(spec), choices_zh=_choices_zh(spec))
        return None, msg("roster.write_text")
    text = raw.strip()
    if spec.type == "text":
        return text, None
    cats = spec.categories or []
    if text in cats:
        return text, None
    for key, label in spec.labels.items():
        if text in (label.zh, label.en):
            return key, None
    return None, msg("roster.not_one_of", choices=_choices(spec), choices_zh=_choices_zh(spec))


def _choices(spec: RosterField) -> str:
    out = []
    for c in spec.categories or ():
        lab = spec.labels.get(c)
        out.append(f"{c} ({lab.zh})" if lab else c)
    return ", ".join(out)


def _choices_zh(spec: RosterField) -> str:
    """The categories of a roster field as a Chinese reader writes them: by their Chinese labels."""
    return "、".join(lab.zh if (lab := spec.labels.get(c)) else c for c in spec.categories or ())


def roster_rows(
    rows: Sequence[Mapping[str, Any]],
    standard: Any,
    *,
    source: str | None = None,
    locations: Sequence[Mapping[str, str] | None] | None = None,
    schools: Mapping[str, Iterable[str]] | None = None,
) -> list[RosterRow]:
    """Check raw roster rows (column name → cell value) against the pack's roster fields.

    ``locations`` optionally gives, per row, the place of each column's cell (``{"section": "教师名册!B7"}``) for
    messages; without it a row is named ``row N`` (N counted as in a CSV file with a header). With ``schools``
    (school id → its sections) a row naming an unknown school, or a section the school does not have, is an error.
    Raises :class:`InputError` listing every bad cell.
    """
    roster = _roster_of(standard)
    problems: list[Problem] = []
    out: list[RosterRow] = []
    for i, raw in enumerate(rows):
        locs = locations[i] if locations is not None and i < len(locations) else None
        row, found = _check_row(raw, roster, _RowCells(i, locs, source))
        problems.extend(found)
        if row is not None:
            out.append(row)
    if schools is not None:
        problems.extend(_unknown(out, schools, source, locations is not None))
    if problems:
        raise InputError(problems)
    return out


@dataclass
class _RowCells:
    """Where the cells of one raw roster row are, for its problems: the given cell of a column, else any cell of
    the row, else ``row N`` counted as in a CSV file with a header."""

    index: int
    locs: Mapping[str, str] | None
    source: str | None

    def where(self, column: str) -> str:
        """The place of the row's cell in ``column``."""
        if self.locs is not None and column in self.locs:
            return self.locs[column]
        if self.locs is not None and self.locs:
            return next(iter(self.locs.values()))
        return f"row {self.index + 2}"

    def row_location(self) -> str:
        """The place that names the whole row: its school-id cell, or ``row N``."""
        return self.where("school_id") if self.locs is not None else f"row {self.index + 2}"

    def problem(
        self, message: Msg, column: str, value: Any, school_id: str | None = None, label: Any = None
    ) -> Problem:
        """A problem located at the row's cell in ``column`` (``label``: the pack's label of a roster field)."""
        shown = {"zh": label.zh, "en": label.en or label.zh} if label is not None else None
        return Problem.of(
            message,
            source=self.source,
            location=self.where(column),
            school_id=school_id,
            field=column,
            value=value,
            label=shown,
        )


def _check_row(raw: Mapping[str, Any], roster: Roster, cells: _RowCells) -> tuple[RosterRow | None, list[Problem]]:
    """One raw row as a :class:`RosterRow`, or None with every problem of the row (unknown columns, school id,
    section, then the pack's fields in order)."""
    allowed = set(roster.fields) | set(BUILTIN_COLUMNS)
    problems = [
        cells.problem(_unknown_column(col, allowed), col, v)
        for col, v in raw.items()
        if col not in allowed and v is not None and not (isinstance(v, str) and not v.strip())
    ]
    sid_raw = raw.get("school_id")
    sid = sid_raw.strip() if isinstance(sid_raw, str) else None
    if isinstance(sid_raw, int) and not isinstance(sid_raw, bool):
        sid = str(sid_raw)
    if not sid:
        message = msg("columns.no_school_id") if sid_raw is None else msg("roster.id_not_text")
        problems.append(cells.problem(message, "school_id", sid_raw))
    sec_raw = _cell_text(raw.get("section"))
    sec = SECTION_ZH.get(sec_raw, sec_raw) if sec_raw else None
    if sec not in ROSTER_SECTIONS:
        message = msg("roster.no_section") if sec_raw is None else msg("roster.not_a_section")
        problems.append(cells.problem(message, "section", raw.get("section"), sid))
    values: dict[str, Any] = {}
    for name, spec in roster.fields.items():
        v, err = _read_value(raw.get(name), spec, name)
        if err is not None:
            problems.append(cells.problem(err, name, raw.get(name), sid, spec.label))
        values[name] = v
    if problems:
        return None, problems
    assert sid is not None and sec is not None
    return RosterRow(sid, sec, values, cells.row_location()), []


def _unknown_column(column: str, allowed: set[str]) -> Msg:
    """An unknown roster column, with the column it most likely means (a slip of the pen) when there is one."""
    close = closest(column, allowed)
    if close is None:
        return msg("roster.unknown_column", column=column)
    return msg("roster.unknown_column_hint", column=column, close=close)


def _unknown(
    rows: Sequence[RosterRow], schools: Mapping[str, Iterable[str]], source: str | None, cells: bool = False
) -> list[Problem]:
    """Rows naming a school that is not in the county, or a section the school does not have."""
    known = {sid: set(secs) for sid, secs in schools.items()}
    out: list[Problem] = []
    for r in rows:
        if r.school_id not in known:
            out.append(
                Problem.of(
                    msg("roster.unknown_school"),
                    source=source,
                    location=r.location,
                    school_id=r.school_id,
                    field="school_id",
                    value=r.school_id,
                )
            )
        elif r.section not in known[r.school_id]:
            loc = r.location
            if cells and loc and "!" in loc:  # point at the section cell (column B of the roster sheet)
                sheet, cell = loc.rsplit("!", 1)
                loc = f"{sheet}!B{cell.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}"
            out.append(
                Problem.of(
                    msg("roster.school_lacks_section", section=Category("section", r.section), section_en=r.section),
                    source=source,
                    location=loc,
                    school_id=r.school_id,
                    field="section",
                    value=r.section,
                )
            )
    return out


def read_roster_csv(path: str | Path, standard: Any) -> list[RosterRow]:
    """Read a roster CSV (UTF-8, header row of field keys: school_id, section, and the pack's roster fields)."""
    import csv

    p = Path(path)
    with p.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        raw = [{(k or "").strip(): v for k, v in r.items()} for r in reader]
    return roster_rows(raw, standard, source=str(p))


# ---------------------------------------------------------------- counting


def aggregate_roster(
    rows: Sequence[RosterRow] | Sequence[Mapping[str, Any]],
    standard: Any,
    *,
    schools: Mapping[str, Iterable[str]] | None = None,
    source: str | None = None,
) -> dict[tuple[str, str], dict[str, int | None]]:
    """Teacher counts per (school id, section), made from the roster by the pack's own definitions.

    ``rows`` are :class:`RosterRow` objects or plain mappings (checked with :func:`roster_rows`). ``standard`` is a
    :class:`~qbalance.Standard` or a pack. With ``schools`` (school id → its sections), a row naming an unknown
    school or a section the school does not have is an error naming the row. Returns
    ``{(school_id, section): {"full_time": n, "above_qualified": n, ...}}`` with the counts the pack defines. A count
    whose definition reads a cell left blank for some teacher of the section is ``None`` (unknown): indicators that
    need it are then "not evaluated", never passed or failed on a guess.
    """
    roster = _roster_of(standard)
    checked: list[RosterRow]
    if rows and not isinstance(rows[0], RosterRow):
        raw = [dict(r) for r in rows if isinstance(r, Mapping)]
        checked = roster_rows(raw, standard, source=source, schools=schools)  # reports every problem at once
        problems: list[Problem] = []
    else:
        checked = [r for r in rows if isinstance(r, RosterRow)]
        problems = _unknown(checked, schools, source) if schools is not None else []
    if problems:
        raise InputError(problems)
    conditions: dict[str, Node | None] = {"full_time": None}  # every roster row is a full-time teacher by default
    conditions |= {name: (parse(spec.where) if spec.where else None) for name, spec in roster.counts.items()}
    counts: dict[tuple[str, str], dict[str, int | None]] = {}
    undecided: set[tuple[tuple[str, str], str]] = set()
    for r in checked:
        key = (r.school_id, r.section)
        tally = counts.setdefault(key, dict.fromkeys(conditions, 0))
        env = dict(r.values)
        env["section"] = r.section
        for name, cond in conditions.items():
            held = True if cond is None else _holds(cond, env)
            if held is None:
                undecided.add((key, name))
            elif held:
                tally[name] = (tally[name] or 0) + 1
    # a count that depends on a blank cell is unknown for the whole section: missing data, never a silent 0 or n
    for key, name in undecided:
        counts[key][name] = None
    return counts
