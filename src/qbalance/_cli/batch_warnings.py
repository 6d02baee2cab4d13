"""The data warnings of a batch on standard error: a warning repeated at many places (a nation has thousands of
"section has no students") is printed once, with how many places and the first few as examples. Every warning is
counted; none is left out: a warning said once is printed as it is, and the per-county reports still list each
place (:attr:`Table.warnings` gives one warning per place). A table's placed warnings are counted without making
each place (:func:`~qbalance._data.placed_warnings.warning_groups`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .._base.errors import Problem
from .._base.messages import text
from .._data.placed_warnings import PlacedWarnings, WarningGroup, warning_groups

__all__ = ["EXAMPLES", "group_warnings", "print_warnings"]

EXAMPLES = 5
"""Places shown for a repeated warning."""


def group_warnings(warnings: Sequence[Problem | PlacedWarnings]) -> list[WarningGroup]:
    """The warnings grouped by what they say (catalogue key, message and file), in order of first appearance."""
    return warning_groups(warnings)


def _example(w: Problem) -> str:
    field = w.field_text(with_key=False) if w.field is not None else None
    if field is None or field == w.field:  # no label to show (the message names the field)
        return text("batch.warning_example_school", school=w.school_id)
    return text("batch.warning_example", school=w.school_id, field=field)


def _line(group: WarningGroup) -> str:
    n = len(group)
    examples = group.head(EXAMPLES)
    first = examples[0]
    if n == 1 or any(w.school_id is None for w in examples):
        return text("batch.warning", detail=first.render()) if n == 1 else ""
    return text(
        "batch.warning_repeated" if first.source else "batch.warning_repeated_here",
        source=first.source,
        message=first.text(),
        n=f"{n:,}",
        examples=text("problem.separator_list").join(_example(w) for w in examples),
        more=text("batch.warning_examples_more") if n > EXAMPLES else "",
    )


def print_warnings(warnings: Sequence[Problem | PlacedWarnings], limit: int) -> None:
    """Print the warnings, grouped, on standard error: at most ``limit`` lines, then how many warnings are not shown.
    ``warnings`` may hold a table's :class:`PlacedWarnings`, which count for each of their places."""
    groups = group_warnings(warnings)
    total = sum(len(g) for g in groups)
    shown = 0
    for k, group in enumerate(groups):
        if k >= limit:
            text_more = text("batch.warning_more", n=total - shown)
            print(text_more, file=sys.stderr)
            return
        line = _line(group)
        if line:
            print(line, file=sys.stderr)
        else:  # repeated warnings that name no school: each as it is
            for w in group:
                print(text("batch.warning", detail=w.render()), file=sys.stderr)
        shown += len(group)
