"""Checking one test case: its name (one line, unique in the file), its county (inline, or the file's base), its
changes (:mod:`.check_changes`) and its expectations (:mod:`.check_expect`)."""

from __future__ import annotations

from typing import Any

from .check_changes import _ChangeChecks
from .check_expect import _ExpectChecks
from .fields import _CASE_KEYS
from .model import Case, Expect

MAX_ROSTER_ROWS = 10_000


class _CaseChecks(_ChangeChecks, _ExpectChecks):
    """The check of one entry of ``cases``."""

    def case(self, raw: Any, i: int, *, has_base: bool) -> Case | None:
        """Case ``i`` of the file, or ``None`` if it is not a mapping; its other problems are recorded."""
        at: tuple[str | int, ...] = ("cases", i)
        data = self.mapping(raw, at, f"case {i + 1}")
        if data is None:
            return None
        self.keys(data, _CASE_KEYS, at, "case")
        name = self._case_name(data.get("name"), i)
        county = None
        if "county" in data:
            county = self.mapping(data["county"], (*at, "county"), "county")
        elif not has_base:
            self.problem(at, f"case {name!r} has no county: give 'county' here, or 'base'/'base_county' in the file")
        changes = self.changes(data.get("changes"), (*at, "changes"))
        previous_changes = self.changes(data.get("previous_changes"), (*at, "previous_changes"))
        no_previous = data.get("no_previous", False)
        if not isinstance(no_previous, bool):
            self.problem((*at, "no_previous"), "no_previous must be true or false", no_previous)
            no_previous = False
        roster = self._roster(data["roster"], (*at, "roster")) if "roster" in data else None
        if "expect" not in data:
            self.problem(at, f"case {name!r} has no 'expect': a case must check something")
            expect = Expect()
        else:
            expect = self.expect(data["expect"], (*at, "expect"))
        pos = self.loaded.where(at)
        line = int(pos.split()[1].rstrip(",")) if pos and pos.startswith("line ") else None
        return Case(
            name=name,
            index=i,
            expect=expect,
            county=county,
            changes=changes,
            roster=roster,
            description=self.text(data.get("description"), (*at, "description"), "description"),
            line=line,
            previous_changes=previous_changes,
            no_previous=no_previous,
        )

    def _roster(self, raw: Any, at: tuple[str | int, ...]) -> tuple[dict[str, Any], ...] | None:
        """A case's teacher roster: a list of at most ``MAX_ROSTER_ROWS`` mappings, one a teacher (their cells are
        checked against the pack when the case runs)."""
        if not isinstance(raw, list) or len(raw) > MAX_ROSTER_ROWS:
            self.problem(at, f"'roster' is a list of at most {MAX_ROSTER_ROWS} teachers, one mapping each")
            return None
        rows = [self.mapping(row, (*at, j), "roster row") for j, row in enumerate(raw)]
        return tuple(r for r in rows if r is not None)

    def _case_name(self, name: Any, i: int) -> str:
        """The name of case ``i``: one line of text without ``::``; a missing name is a problem (``case N`` stands
        in for it in later messages)."""
        at = ("cases", i, "name")
        if not isinstance(name, str) or not name.strip():
            self.problem(at, f"case {i + 1} needs a 'name' (text)", name)
            return f"case {i + 1}"
        if "::" in name or "\n" in name or name != name.strip():
            self.problem(at, "a case name must be one line without '::' or surrounding spaces", name)
        return name
