"""The previous data year of the counties of a table: their data tabled under the same pack, and which row of it
each row of the table was the year before — what rules that look back (``previous.x``) read.

A county's previous row is its own; a school's is the school with the same id in the same county; a section's is
the same section of that school. A school (or section) that did not exist the year before has none, and its
previous values are missing. Each county also records which year was looked for, whether it was found, where (a
history database record or a file) and, when it was not, why — so a report can say "2024 年的数据不在历史库中".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .._base.messages import Msg
from .table import Table

__all__ = ["PreviousData", "PreviousOf", "align_previous"]

Kind = Literal["history", "file", "none"]


@dataclass(frozen=True)
class PreviousOf:
    """One county's previous data year: the year looked for, whether its data were found and where."""

    year: int | None
    """The previous data year (the county's ``year`` − 1); None when the county states no year."""
    found: bool
    kind: Kind
    """``history`` (a record of a history database), ``file`` (data given for it) or ``none`` (neither given)."""
    reason: Msg | None = None
    """Why the year was not found (None when it was)."""
    source: str | None = None
    """The file, or the history database, the previous year's data came from."""
    record: int | None = None
    """The history record read (None for a file)."""
    input_digest: str | None = None
    """The digest of the previous year's data (as ``provenance.input_digest`` of its own report)."""


@dataclass(frozen=True)
class PreviousData:
    """The previous year of every county of a table: the counties found, tabled under the same pack (``table``,
    None when none was found), and for each row of the table (per level) the row of ``table`` it was the year before,
    or -1."""

    table: Table | None
    rows: dict[str, np.ndarray]
    of: list[PreviousOf] = field(default_factory=list)

    @property
    def found(self) -> np.ndarray:
        """Per county of the table: whether its previous year was found."""
        return np.array([o.found for o in self.of], dtype=bool)


def align_previous(current: Table, previous: Table | None, county_of: Sequence[int]) -> dict[str, np.ndarray]:
    """For every row of ``current`` (per level), the row of ``previous`` that is the same county, school (by id) or
    section (by school and section) a year before, -1 where there is none. ``county_of[c]`` is the county of
    ``previous`` that is county ``c`` of ``current`` a year before (-1: none)."""
    n_c = current.levels["county"].n
    county = np.asarray(list(county_of), dtype=np.int64) if n_c else np.zeros(0, dtype=np.int64)
    if previous is None:
        return {
            level: np.full(current.levels[level].n, -1, dtype=np.int64) for level in ("county", "school", "section")
        }
    prev_school_county = previous.ancestor("county", "school")
    schools_before = {(int(prev_school_county[i]), sid): i for i, sid in enumerate(previous.school_ids)}
    cur_school_county = current.ancestor("county", "school")
    school = np.array(
        [
            schools_before.get((int(county[cur_school_county[i]]), sid), -1)
            if county[cur_school_county[i]] >= 0
            else -1
            for i, sid in enumerate(current.school_ids)
        ],
        dtype=np.int64,
    )
    prev_sections = previous.levels["section"]
    prev_parent = previous.ancestor("school", "section")
    prev_codes = prev_sections.columns["section"].astype(np.int64)
    sections_before = {(int(prev_parent[r]), int(prev_codes[r])): r for r in range(prev_sections.n)}
    cur_parent = current.ancestor("school", "section")
    cur_codes = current.levels["section"].columns["section"].astype(np.int64)
    section = np.array(
        [sections_before.get((int(school[cur_parent[r]]), int(cur_codes[r])), -1) for r in range(len(cur_parent))],
        dtype=np.int64,
    )
    return {"county": county, "school": school, "section": section}
