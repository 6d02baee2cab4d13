"""Top-level functions: :func:`evaluate` one county, and the data coercions they share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ._errors import InputError, Problem
from ._io_county import read_county, validate_county
from ._models import County
from ._report import Report
from ._standard import Standard, load_standard

__all__ = ["as_county", "demo_path", "evaluate", "plan"]


def demo_path() -> Path:
    """The path of the synthetic demo county shipped with qbalance."""
    return Path(__file__).resolve().parent / "data" / "demo-county.yaml"


def as_county(data: Any) -> tuple[County, str]:
    """Accept a path, a dict or a :class:`County`; return the validated county and a source name."""
    if isinstance(data, County):
        return data, "<County>"
    if isinstance(data, (str, Path)):
        return read_county(data)
    if isinstance(data, dict):
        return validate_county(data, "<dict>"), "<dict>"
    raise InputError(Problem(f"cannot evaluate a {type(data).__name__}: give a path, a dict or a County"))


def evaluate(
    data: Any, standard: str | Path | Standard = "cn-moe-2017", *, as_of: dt.date | str | None = None
) -> Report:
    """Evaluate one county against a standard and return its :class:`Report`.

    ``data`` is a path to a county file (YAML or JSON), a dict in the same format, or a :class:`County`.
    ``standard`` is a pack id, ``id@version``, a path to a pack, or a loaded :class:`Standard`.
    """
    std = load_standard(standard, as_of=as_of)
    return std.evaluate(data)


def plan(data: Any, standard: str | Path | Standard = "cn-moe-2017", *, costs: dict[str, float] | None = None) -> Any:
    """The rectification plan (整改方案) for one county: the smallest additions that fix its resource items.

    Returns a :class:`Plan` (per-school additions in real units, totals, and the evaluation before and after).
    ``costs`` optionally gives yuan per unit of each input, to choose which indicator a school may leave short.
    """
    from ._plan import make_plan

    return make_plan(data, load_standard(standard), costs=costs)
