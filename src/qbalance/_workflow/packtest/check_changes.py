"""Checking a case's ``changes``: each a ``path`` (parsed here, see :mod:`.paths`) with a ``value`` or ``delete:
true``. Whether a path fits the county is known only when the case runs (:mod:`.apply`)."""

from __future__ import annotations

from typing import Any

from .check_base import _CheckerBase
from .fields import _CHANGE_KEYS
from .model import Change
from .paths import parse_change_path


class _ChangeChecks(_CheckerBase):
    """The check of a case's list of changes."""

    def changes(self, raw: Any, at: tuple[str | int, ...]) -> tuple[Change, ...]:
        """The changes that are well written (each other one is a problem); none when ``changes`` is left out."""
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problem(at, "changes must be a list of {path: ..., value: ...} or {path: ..., delete: true}")
            return ()
        out: list[Change] = []
        for j, item in enumerate(raw):
            change = self._change(item, (*at, j))
            if change is not None:
                out.append(change)
        return tuple(out)

    def _change(self, item: Any, cat: tuple[str | int, ...]) -> Change | None:
        """One change, or ``None`` after recording why it cannot be used."""
        data = self.mapping(item, cat, "a change")
        if data is None:
            return None
        self.keys(data, _CHANGE_KEYS, cat, "change")
        path = data.get("path")
        if not isinstance(path, str):
            self.problem((*cat, "path"), "a change needs 'path' (text such as facts.teacher_salary_avg)", path)
            return None
        try:
            steps = parse_change_path(path)
        except ValueError as exc:
            self.problem((*cat, "path"), str(exc), path)
            return None
        delete = data.get("delete", False)
        if delete not in (True, False):
            self.problem((*cat, "delete"), "delete must be true (or left out)", delete)
            return None
        if delete and "value" in data:
            self.problem(cat, "a change has either 'value' or 'delete: true', not both")
            return None
        if not delete and "value" not in data:
            self.problem(cat, "a change needs 'value' (null is allowed) or 'delete: true'")
            return None
        return Change(path, steps, data.get("value"), bool(delete), self.loaded.where(cat))
