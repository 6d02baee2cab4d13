"""Comparing one expected value with what a report shows (a number within its tolerance, a set of ids, null, a
yes/no, a status), and reaching a field of a report row whatever its form (model or mapping)."""

from __future__ import annotations

from typing import Any

from .model import Approx, Expected, _finite
from .show import _show


def _compare(label: str, expected: Expected, actual: Any) -> str | None:
    """``None`` if ``actual`` meets ``expected``, else the failure line."""
    if isinstance(expected, Approx):
        if not _finite(actual):
            return f"{label}: expected {expected}, got {_show(actual)}"
        if not expected.matches(float(actual)):
            diff = float(actual) - expected.value
            return f"{label}: expected {expected}, got {_show(actual)} (difference {diff:+.3g})"
        return None
    if isinstance(expected, frozenset):
        return _compare_ids(label, expected, actual)
    if expected is None:
        return None if actual is None else f"{label}: expected null, got {_show(actual)}"
    if isinstance(expected, bool):
        return None if actual is expected else f"{label}: expected {_show(expected)}, got {_show(actual)}"
    return None if actual == expected else f"{label}: expected {_show(expected)}, got {_show(actual)}"


def _compare_ids(label: str, expected: frozenset[str], actual: Any) -> str | None:
    """``None`` if the ids ``actual`` lists are exactly ``expected``, else the failure line naming the difference."""
    got = frozenset(str(x) for x in (actual or ()))
    if got == expected:
        return None
    extra = ", ".join(sorted(got - expected))
    lacking = ", ".join(sorted(expected - got))
    detail = "; ".join(
        p for p in (f"unexpected {extra}" if extra else "", f"lacking {lacking}" if lacking else "") if p
    )
    return f"{label}: expected {_show(expected)}, got {_show(got)} ({detail})"


def _field(obj: Any, name: str) -> tuple[bool, Any]:
    """Whether ``obj`` (a model or a mapping) has the field ``name``, and its value."""
    if isinstance(obj, dict):
        return (name in obj), obj.get(name)
    return hasattr(obj, name), getattr(obj, name, None)


def _by_section(rows: Any, section: str) -> Any:
    """The row of ``rows`` (a list of rows with a ``section``, or a mapping by section) for ``section``."""
    if isinstance(rows, dict):
        return rows.get(section)
    for row in rows or ():
        ok, sec = _field(row, "section")
        if ok and sec == section:
            return row
    return None
