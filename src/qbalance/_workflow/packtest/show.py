"""How pack-test messages show things: numbers, expected and actual values, file paths, counts, and a "did you mean"
hint for a misspelt key or id. Shared by the checks, the runner and ``qbalance test``, so they print alike."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _fmt_number(x: float) -> str:
    """A number as a test file would write it: whole numbers without a decimal point, others as ``repr``."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _show(value: Any) -> str:
    """A value from a report or a test file, in YAML's words (null, true/false, sorted lists of ids)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _fmt_number(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    return str(value)


def _display(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else as given."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _plural(n: int, word: str) -> str:
    """``1 case``, ``2 cases``."""
    return f"{n} {word}{'s' if n != 1 else ''}"


def _hint(key: str, options: Any) -> str:
    """``; did you mean 'x'?`` for the closest of ``options`` to a key or id that is not there, else nothing."""
    close = difflib.get_close_matches(key, [str(o) for o in options], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _dotted(at: Sequence[str | int]) -> str:
    """A position in a test file as a path: ``cases[0].expect.items``."""
    out = ""
    for p in at:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + str(p)
    return out
