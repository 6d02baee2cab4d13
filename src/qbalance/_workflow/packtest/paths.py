"""Change paths: the text a test case writes to name a place in its county (``schools[id=001].facts.x``), parsed
into steps (:func:`parse_change_path`) and written back for messages."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .model import Step

_KEY_RE = re.compile(r"[^.\[\]\s]+")


def parse_change_path(text: str) -> tuple[Step, ...]:
    """Parse a change path: dotted keys, ``[n]`` list indices, ``[id=X]`` selection by id, ``["a.b"]`` quoted keys.

    >>> parse_change_path("schools[id=001].facts.has_charter")
    (('key', 'schools'), ('id', '001'), ('key', 'facts'), ('key', 'has_charter'))
    """
    steps: list[Step] = []
    i, n = 0, len(text)
    if not text:
        raise ValueError("empty change path")
    expect_key = True
    while i < n:
        ch = text[i]
        if ch == "[":
            end = text.find("]", i)
            if end < 0:
                raise ValueError(f"change path {text!r}: '[' at column {i + 1} is not closed")
            steps.append(_bracket_step(text, text[i + 1 : end]))
            i = end + 1
            expect_key = False
            continue
        if ch == ".":
            if expect_key or i + 1 >= n:
                raise ValueError(f"change path {text!r}: unexpected '.' at column {i + 1}")
            i += 1
            expect_key = True
            if text[i] == "[":
                raise ValueError(f"change path {text!r}: '.[' at column {i}: write a[0], not a.[0]")
            continue
        if not expect_key:
            raise ValueError(f"change path {text!r}: expected '.' or '[' at column {i + 1}")
        m = _KEY_RE.match(text, i)
        if m is None:
            raise ValueError(f"change path {text!r}: unexpected {ch!r} at column {i + 1}")
        steps.append(("key", m.group(0)))
        i = m.end()
        expect_key = False
    if expect_key:
        raise ValueError(f"change path {text!r} ends with '.'")
    if steps[0][0] != "key":
        raise ValueError(f"change path {text!r} must start with a key (e.g. schools[0], facts.x)")
    return tuple(steps)


def _bracket_step(text: str, inner: str) -> Step:
    """The step written between brackets in the change path ``text``: a list index, a selection by id or a quoted
    key."""
    if re.fullmatch(r"[0-9]+", inner):
        return ("index", int(inner))
    if inner.startswith("id=") and len(inner) > 3:
        return ("id", inner[3:].strip().strip("\"'"))
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "\"'":
        return ("key", inner[1:-1])
    raise ValueError(f"change path {text!r}: [{inner}] is not a list index [n], a selection [id=X] or a quoted key")


def _step_text(step: Step) -> str:
    """One step as a change path writes it (a key that needs quoting is quoted)."""
    kind, val = step
    if kind == "key":
        return str(val) if _KEY_RE.fullmatch(str(val)) else f'["{val}"]'
    return f"[{val}]" if kind == "index" else f"[id={val}]"


def _join_steps(steps: Sequence[Step]) -> str:
    """Steps written back as a change path; no steps is ``the county``."""
    out = ""
    for s in steps:
        t = _step_text(s)
        out += t if t.startswith("[") or not out else "." + t
    return out or "the county"
