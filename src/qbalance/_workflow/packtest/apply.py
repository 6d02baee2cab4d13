"""Applying a test case's changes to its county (plain data, before it is read): each step of a change path must
fit the county's shape, and a new key must be a field of the county format (or an input of the pack, under
``facts``), so a misspelt path is an invalid case rather than a change that tests nothing."""

from __future__ import annotations

import copy
from typing import Any

from .model import Change, Step
from .paths import _join_steps, _step_text
from .show import _hint


class _CaseInvalid(Exception):
    """A case cannot be run as written (an unknown change path, an id the pack does not have)."""


def _next_shape(shape: str, step: Step) -> str:
    """What the value one step below a value of ``shape`` is: county, school(s), section(s), teachers, facilities,
    facts, one fact, or ``other`` (free-form)."""
    kind, val = step
    if kind != "key":
        return "school" if shape == "schools" else "other"
    table = {
        "county": {"schools": "schools", "facts": "facts"},
        "school": {"sections": "sections", "facilities": "facilities", "facts": "facts"},
        "section": {"teachers": "teachers", "facts": "facts"},
    }
    if shape == "sections":
        return "section"
    if shape == "facts":
        return "fact"
    return table.get(shape, {}).get(str(val), "other")


def _allowed_keys(shape: str, inputs: frozenset[str]) -> frozenset[str] | None:
    """Keys a change may add to a mapping of this shape (``None``: anything, the data is free-form there)."""
    from ..._base.vocabulary import SECTION_ZH
    from ..._data.models import County, Facilities, School, Section, TeacherCounts

    models: dict[str, Any] = {
        "county": County,
        "school": School,
        "section": Section,
        "teachers": TeacherCounts,
        "facilities": Facilities,
    }
    if shape in models:
        return frozenset(models[shape].model_fields)
    if shape == "sections":
        return frozenset({"primary", "junior", "senior", *SECTION_ZH})
    if shape == "facts":
        return inputs
    if shape == "fact":
        return frozenset({"value", "evidence"})
    return None


def _apply(data: dict[str, Any], change: Change, inputs: frozenset[str]) -> None:
    """Apply one change in place; raise :class:`_CaseInvalid` naming the path if it does not fit the county."""
    cur: Any = data
    shape = "county"
    steps = change.steps
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
        here = _join_steps(steps[:depth])
        if step[0] == "key":
            at: str | int = _key_step(cur, change, depth, shape, inputs, here)
        else:
            at = _list_step(cur, step, here)
        if last:
            if change.delete:
                del cur[at]
            else:
                cur[at] = copy.deepcopy(change.value)
            return
        cur = cur[at]
        shape = _next_shape(shape, step)


def _key_step(cur: Any, change: Change, depth: int, shape: str, inputs: frozenset[str], here: str) -> str:
    """The key that step ``depth`` of ``change`` selects in the mapping ``cur`` (of ``shape``, at ``here``); an
    allowed key that is not there yet is added on the way to the last step."""
    steps = change.steps
    last = depth == len(steps) - 1
    key = str(steps[depth][1])
    if not isinstance(cur, dict):
        raise _CaseInvalid(f"{here} is not a mapping, so it has no key {key!r}")
    allowed = _allowed_keys(shape, inputs)
    if key not in cur:
        if last and change.delete:
            raise _CaseInvalid(f"cannot delete {key!r}: {here} has no such key{_hint(key, cur)}")
        if allowed is not None and key not in allowed:
            what = "an input of the pack" if shape == "facts" else "a field here"
            raise _CaseInvalid(f"{key!r} is not {what} ({here}){_hint(key, allowed)}")
        if not last:
            cur[key] = {} if steps[depth + 1][0] == "key" else []
    return key


def _list_step(cur: Any, step: Step, here: str) -> int:
    """The position that an index or id ``step`` selects in the list ``cur`` (at ``here``); it must be there."""
    kind, val = step
    if not isinstance(cur, list):
        raise _CaseInvalid(f"{here} is not a list, so {_step_text(step)} selects nothing")
    if kind == "index":
        idx = int(val)
        if idx >= len(cur):
            raise _CaseInvalid(f"{here} has {len(cur)} element(s); there is no {_step_text(step)}")
        return idx
    found = [j for j, el in enumerate(cur) if isinstance(el, dict) and str(el.get("id")) == str(val)]
    if not found:
        ids = [str(el.get("id")) for el in cur if isinstance(el, dict)]
        raise _CaseInvalid(f"{here} has no element with id {val!r}{_hint(str(val), ids)}")
    if len(found) > 1:
        raise _CaseInvalid(f"{here} has {len(found)} elements with id {val!r}; select one with [n]")
    return found[0]
