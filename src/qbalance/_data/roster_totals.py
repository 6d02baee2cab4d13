"""County totals counted from a teacher roster (教师名册): certificate holders (G12), rotated teachers and the
backbone teachers among them (G11), by the pack's ``roster.totals`` definitions.

Each total is a county input the pack declares (``teachers_with_certificate`` …) with a ``where`` condition over the
roster's columns, counted over every teacher of the county. A county that gives a roster has these totals counted
instead of typed; a typed total that differs from the roster's is an input error (leave it empty or correct it), as
for the section counts. A total whose condition reads a cell left blank for some teacher cannot be counted: the
typed value, if any, is then used, and otherwise the figure is missing (the item is not evaluated). So is every
total of a roster that leaves out a school section with teachers: it would count only part of the county.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping, Sequence
from typing import Any

from .._base.errors import Problem
from .._base.messages import Msg, msg
from .._dsl.parse import parse
from .._packs.schema import Pack
from .computed import ComputedFact, RosterTotal
from .roster import RosterRow, row_holds

__all__ = ["merge_roster_totals", "partial_roster", "roster_totals", "uncovered"]


def _pack_of(standard: Any) -> Pack:
    pack: Pack = standard.pack if hasattr(standard, "pack") else standard
    return pack


def roster_totals(rows: Sequence[RosterRow], standard: Any) -> dict[str, int | None]:
    """The county totals the pack defines (``roster.totals``), counted over checked roster rows; ``None`` for a
    total whose condition reads a blank cell of some teacher (unknown, never a guess)."""
    pack = _pack_of(standard)
    out: dict[str, int | None] = {}
    if pack.roster is None:
        return out
    for name, spec in pack.roster.totals.items():
        condition = parse(spec.where) if spec.where else None
        held = [row_holds(condition, r) for r in rows]
        out[name] = None if any(h is None for h in held) else sum(1 for h in held if h)
    return out


def uncovered(rows: Sequence[RosterRow], sections: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (school id, section) pairs of ``sections`` that no roster row names: a county total counted from such a
    roster would leave their teachers out, so it is not counted (the typed total, if any, is used)."""
    named = {(r.school_id, r.section) for r in rows}
    return sorted(set(sections) - named)


def _sections_with_teachers(schools: Any) -> list[tuple[str, str]]:
    """The primary and junior sections of a county's raw schools, except those typed with no full-time teacher."""
    out: list[tuple[str, str]] = []
    for school in schools if isinstance(schools, list) else []:
        sid = school.get("id") if isinstance(school, dict) else None
        sections = school.get("sections") if isinstance(school, dict) else None
        if not isinstance(sid, str) or not isinstance(sections, dict):
            continue
        for sec, body in sections.items():
            teachers = body.get("teachers") if isinstance(body, dict) else None
            full_time = teachers.get("full_time") if isinstance(teachers, dict) else None
            if sec in ("primary", "junior") and full_time != 0:
                out.append((sid, str(sec)))
    return out


def partial_roster(gaps: Sequence[tuple[str, str]]) -> Msg:
    """The warning of a roster that leaves out sections with teachers (the first few named)."""
    shown = "、".join(f"{sid} {sec}" for sid, sec in gaps[:5]) + ("……" if len(gaps) > 5 else "")
    return msg("compute.roster_partial", n=len(gaps), sections=shown)


def merge_roster_totals(
    data: MutableMapping[str, Any],
    rows: Sequence[RosterRow],
    standard: Any,
    source: str | None,
    where: Callable[[str], str | None],
) -> tuple[list[ComputedFact], list[Problem]]:
    """Put the roster's county totals into a county's raw data as it is being read (its ``facts``; its ``schools``
    say which sections the roster must cover), returning a record of each total and the problems of typed totals
    that disagree (located by ``where(fact)``, the typed value's place). A roster that leaves out a section with
    teachers counts no total (each is recorded with a warning)."""
    pack = _pack_of(standard)
    if pack.roster is None or not rows:
        return [], []
    facts = data.setdefault("facts", {})
    gaps = uncovered(rows, _sections_with_teachers(data.get("schools")))
    totals = roster_totals(rows, pack) if not gaps else dict.fromkeys(pack.roster.totals)
    records: list[ComputedFact] = []
    problems: list[Problem] = []
    for name, n in totals.items():
        spec = pack.roster.totals[name]
        given = facts.get(name)
        typed = _typed_count(given)
        if n is not None and typed is not None and typed != n:
            place = {"source": source, "location": where(name), "field": f"facts.{name}"}
            problems.append(Problem.of(msg("compute.roster_total_differs", n=n), value=typed, **place))
            continue
        if n is not None:
            facts[name] = {**given, "value": n} if isinstance(given, dict) else n
        origin = "computed" if n is not None else ("typed" if typed is not None else "missing")
        record = ComputedFact(
            name,
            "roster",
            float(n) if n is not None else None,
            source,
            pack.inputs[name].label,
            origin,
            typed,
            roster=RosterTotal(len(rows), spec.where, spec.label),
            warnings=[partial_roster(gaps)] if gaps else [],
        )
        records.append(record)
    return records, problems


def _typed_count(given: Any) -> float | None:
    """A typed total as a number (None when blank); a value that is not a plain number is left to the pack's own
    check of the fact, which reports it."""
    value = given.get("value") if isinstance(given, dict) else given
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None
