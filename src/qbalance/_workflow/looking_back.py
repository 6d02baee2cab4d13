"""``qbalance.evaluate``: one county's evaluation, reading the previous year and the stored years from a history.

The evaluation itself is :func:`qbalance._api.evaluate.evaluate`; this layer adds what the one below may not
know: a history database named by its path. ``history="qbalance-history.sqlite"`` opens it for reading only (it is
never created or changed by an evaluation; a file that does not exist is an error) and closes it afterwards; a
:class:`~qbalance._workflow.history.History` already open is used as it is.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from .._api.evaluate import evaluate as evaluate_one
from .._api.lookback import YearStore
from .._api.standard import Standard
from .._report.report import Report

__all__ = ["evaluate"]


def evaluate(
    data: Any,
    standard: str | Path | Standard | None = None,
    *,
    as_of: dt.date | str | None = None,
    survey: Any = None,
    roster: Any = None,
    history: str | os.PathLike[str] | YearStore | None = None,
    previous: Any = None,
    year: int | None = None,
) -> Report:
    """Evaluate one county against a standard and return its :class:`Report` (everything as
    :func:`qbalance._api.evaluate.evaluate`).

    ``history``: the path of a history database, or a :class:`History`; rules that look back (``previous.x``) read
    the county's stored previous year from it, and progress items the values of the years stored before this one.
    ``previous``: the previous year's data instead (a file, a dict, a :class:`County` …). ``as_of``: the version of
    the standard in force on that date, and the date progress is judged on (default: 31 December of the data year).
    ``year``: the data year, when the data do not state it."""
    options: dict[str, Any] = {"as_of": as_of, "survey": survey, "roster": roster, "previous": previous, "year": year}
    if history is None or not isinstance(history, (str, os.PathLike)):
        return evaluate_one(data, standard, history=history, **options)
    from .history import History  # only for a history given by its path: plain evaluation needs none of it

    with History(history, create=False, readonly=True) as store:
        return evaluate_one(data, standard, history=store, **options)
