"""The core of checking a pack test file: collect every problem with its line (instead of stopping at the first),
refuse unknown keys with a "did you mean", and resolve the paths a test file names inside its pack directory.

The checks of each part of a file build on this class: :mod:`.check_values`, :mod:`.check_rows`,
:mod:`.check_expect`, :mod:`.check_changes`, :mod:`.check_cases` and :mod:`.check_file`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..._base.errors import Problem
from .files import _pack_root
from .show import _dotted

if TYPE_CHECKING:
    from ..._base.documents import Loaded


class _CheckerBase:
    """Collects every problem of a test file (with its line) instead of stopping at the first."""

    def __init__(self, path: Path, loaded: Loaded) -> None:
        self.path = path
        self.loaded = loaded
        self.problems: list[Problem] = []
        self.root = _pack_root(path).resolve()

    def problem(self, at: tuple[str | int, ...], message: str, value: Any = None) -> None:
        """Record a problem at position ``at`` of the file (shown with its line, path and a simple value)."""
        dotted = _dotted(at)
        shown = value if isinstance(value, (str, int, float, bool)) else None
        self.problems.append(
            Problem(message, source=str(self.path), location=self.loaded.where(at), path=dotted or None, value=shown)
        )

    def keys(self, data: dict[str, Any], allowed: Sequence[str], at: tuple[str | int, ...], what: str) -> bool:
        """Whether every key of ``data`` is allowed; each unknown one is a problem, with the closest known key."""
        ok = True
        for key in data:
            if key not in allowed:
                ok = False
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(allowed)})"
                self.problem((*at, key), f"unknown {what} key {key!r}{hint}")
        return ok

    def mapping(self, value: Any, at: tuple[str | int, ...], what: str) -> dict[str, Any] | None:
        """``value`` if it is a mapping, else ``None`` after recording the problem."""
        if isinstance(value, dict):
            return value
        self.problem(at, f"{what} must be a mapping (key: value)", value)
        return None

    def text(self, value: Any, at: tuple[str | int, ...], what: str) -> str | None:
        """``value`` if it is text; ``None`` if it is left out, or after recording that it is not text."""
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(at, f"{what} must be text", value)
            return None
        return value

    def inside(self, text: Any, at: tuple[str | int, ...], what: str) -> Path | None:
        """Resolve a path written in the test file; refuse absolute paths and anything outside the pack directory."""
        if not isinstance(text, str) or not text.strip():
            self.problem(at, f"{what} must be a relative path (text)", text)
            return None
        if Path(text).is_absolute() or text.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", text):
            self.problem(at, f"{what} must be a path relative to the test file, not an absolute path", text)
            return None
        target = (self.path.absolute().parent / text).resolve()
        if not target.is_relative_to(self.root):
            self.problem(
                at,
                f"{what} {text!r} resolves to {target}, outside the pack directory {self.root}; "
                "files a pack test reads must be inside its pack directory",
            )
            return None
        return target
