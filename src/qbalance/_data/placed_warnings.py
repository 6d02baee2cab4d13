"""One warning at many school sections, kept as arrays until a place is asked for.

A nation's table gives thousands of warnings that differ only by place ("this section has no students" at 181
sections, "senior-section data is not read" at 7,898; ten times as many at 2M rows). Made one object per place they
cost more time than evaluating the resource area, and grow faster than the table. The table keeps each such warning
as a :class:`PlacedWarnings` — the message once per variant, the places as arrays — and makes the per-place
:class:`Problem` only when a report or a list asks for it (:attr:`Table.warnings`); a batch's summary on the command
line counts them and names a few places without making the rest (:func:`warning_groups`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._base.errors import Problem
from .column_sources import ALL_SECTIONS

__all__ = ["PlacedWarnings", "WarningGroup", "warning_groups"]


def _placed(base: Problem, **where: Any) -> Problem:
    """``base`` at another place — what :func:`dataclasses.replace` gives, without its per-call introspection."""
    new = object.__new__(Problem)
    new.__dict__.update(base.__dict__)
    new.__dict__.update(where)
    return new


@dataclass(frozen=True)
class PlacedWarnings:
    """A warning about school sections, at many of them: the same message (one per variant) at each place."""

    variants: tuple[Problem, ...]
    """The warning of each variant (the senior-section warning names the fields given: one variant per set)."""
    variant: np.ndarray
    """The variant of each place."""
    school_ids: np.ndarray
    """The school id of each place (text)."""
    sections: np.ndarray
    """The section of each place, a code into ``ALL_SECTIONS``."""
    counties: np.ndarray
    """The county of each place (its index in the table)."""
    field: str | None = None
    """The section field the warning is about (``students``: the place is ``sections.primary.students``); None for
    a warning about the section as a whole, whose field the variant gives."""

    def __len__(self) -> int:
        return int(self.variant.size)

    def problems(self, places: np.ndarray | None = None) -> list[Problem]:
        """The warning at each of ``places`` (indices, in order; every place when None), one :class:`Problem` each."""
        at = np.arange(len(self)) if places is None else np.asarray(places, dtype=np.int64)
        sections = [ALL_SECTIONS[k] for k in self.sections[at].tolist()]
        rows = zip(
            self.variant[at].tolist(), self.school_ids[at].tolist(), sections, self.counties[at].tolist(), strict=True
        )
        if self.field is None:
            return [
                _placed(self.variants[v], path=f"{sid}.sections.{sec}", school_id=str(sid), extra={"county": county})
                for v, sid, sec, county in rows
            ]
        name = self.field
        return [
            _placed(
                self.variants[v],
                path=f"{sid}.sections.{sec}.{name}",
                school_id=str(sid),
                field=f"sections.{sec}.{name}",
                extra={"county": county},
            )
            for v, sid, sec, county in rows
        ]

    def by_variant(self) -> list[tuple[int, np.ndarray]]:
        """Each variant with its places, variants in the order of their first place."""
        order = np.argsort(self.variant, kind="stable")
        values, starts = np.unique(self.variant[order], return_index=True)
        groups = np.split(order, starts[1:]) if order.size else []
        out = [(int(v), g) for v, g in zip(values.tolist(), groups, strict=True)]
        out.sort(key=lambda vg: int(vg[1][0]))
        return out


@dataclass
class WarningGroup:
    """Warnings that say the same thing (catalogue key, message and file): how many, and each one when asked."""

    parts: list[Problem | tuple[PlacedWarnings, np.ndarray]] = field(default_factory=list)
    """In the order of the whole list: a warning, or places of a :class:`PlacedWarnings`."""

    def __len__(self) -> int:
        return sum(1 if isinstance(p, Problem) else int(p[1].size) for p in self.parts)

    def head(self, n: int) -> list[Problem]:
        """The first ``n`` warnings of the group (only those are made)."""
        out: list[Problem] = []
        for part in self.parts:
            if len(out) >= n:
                break
            if isinstance(part, Problem):
                out.append(part)
            else:
                batch, places = part
                out.extend(batch.problems(places[: n - len(out)]))
        return out

    def __iter__(self) -> Iterator[Problem]:
        for part in self.parts:
            if isinstance(part, Problem):
                yield part
            else:
                yield from part[0].problems(part[1])


def warning_groups(warnings: Sequence[Problem | PlacedWarnings]) -> list[WarningGroup]:
    """The warnings grouped by what they say (catalogue key, message and file), in order of first appearance — the
    order of the list with each :class:`PlacedWarnings` made into its places — without making those places."""
    groups: dict[tuple[str | None, str, str | None], WarningGroup] = {}
    for w in warnings:
        if isinstance(w, Problem):
            groups.setdefault((w.key, w.message, w.source), WarningGroup()).parts.append(w)
            continue
        said: dict[tuple[str | None, str, str | None], list[np.ndarray]] = {}
        for v, places in w.by_variant():  # in the order of their first place
            base = w.variants[v]
            said.setdefault((base.key, base.message, base.source), []).append(places)
        for key, parts in said.items():
            places = np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0]
            groups.setdefault(key, WarningGroup()).parts.append((w, places))
    return list(groups.values())
