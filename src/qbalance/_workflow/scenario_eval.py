"""Evaluate a county before and after a scenario and compare the two reports (:func:`qbalance.evaluate_scenario`).
Problems the pack finds in a fact the scenario set are located at that ``set_fact`` change of the scenario file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from .._api.evaluate import as_county
from .._api.standard import load_standard
from .._base.errors import InputError
from .._report.compare import Comparison, compare_reports
from .scenario import SetFact, apply_scenario, load_scenario

__all__ = ["evaluate_scenario"]


def evaluate_scenario(
    data: Any,
    scenario: Any,
    standard: Any = "cn-moe-2017",
    *,
    as_of: dt.date | str | None = None,
    tolerance: float = 1e-9,
) -> Comparison:
    """Evaluate ``data`` (any form :func:`qbalance.evaluate` takes) before and after ``scenario`` (a Scenario, path
    or dict) under ``standard`` and compare the two reports. The input county is not changed."""
    std = load_standard(standard, as_of=as_of)
    county, _ = as_county(str(data) if isinstance(data, Path) else data, std)
    sc = load_scenario(scenario)
    before = std.evaluate(county)
    try:
        after = std.evaluate(apply_scenario(county, sc))
    except InputError as exc:
        raise _locate_set_facts(exc, sc) from None
    return compare_reports(before, after, tolerance=tolerance, title=sc)


def _locate_set_facts(error: InputError, sc: Any) -> InputError:
    """Problems the pack finds in a fact a scenario set, located at that ``set_fact`` change of the scenario file."""
    sources: dict[tuple[str | None, str], int] = {}
    for i, change in enumerate(sc.changes):
        if isinstance(change, SetFact):
            sid, sec, name = change.target()
            sources[(sid, f"sections.{sec}.facts.{name}" if sec else f"facts.{name}")] = i  # the last change wins
    out = []
    for p in error.problems:
        j = sources.get((p.school_id, p.field or ""))
        if j is None:
            out.append(p)
            continue
        line = sc._where.get(j)
        where = (f"{line}, " if line else "") + f"changes[{j}] (set_fact)"
        out.append(dataclasses.replace(p, source=sc._source, location=where, path=f"changes[{j}]"))
    return InputError(out)


# -- rendering ---------------------------------------------------------------------------------------------------
