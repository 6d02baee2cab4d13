"""Checking one expected value of a pack test: a number (with or without a tolerance), a status, a yes/no, a list
of ids, and a mapping of ids to statuses (areas, items)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .check_base import _CheckerBase
from .fields import _TOLERANCE_KEYS, ITEM_STATUSES
from .model import Approx, Expected, _finite


class _ValueChecks(_CheckerBase):
    """The checks of single expected values, each recording its problems and returning what it could read."""

    def statuses(self, raw: Any, at: tuple[str | int, ...], allowed: Sequence[str], what: str) -> dict[str, str]:
        """Expected statuses by id (``areas``, ``items``); ids with a status not in ``allowed`` are problems."""
        if raw is None:
            return {}
        data = self.mapping(raw, at, f"{what} expectations ({what} id: status)")
        out: dict[str, str] = {}
        for key, value in (data or {}).items():
            if value not in allowed:
                self.problem((*at, key), f"{what} status must be one of {', '.join(allowed)}", value)
            else:
                out[key] = value
        return out

    def ids(self, raw: Any, at: tuple[str | int, ...], what: str) -> frozenset[str]:
        """A list of ids (text or numbers) as a set of text; anything else is a problem (and the empty set)."""
        if not isinstance(raw, list) or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in raw):
            self.problem(at, f"{what} must be a list of ids ([] for none)", raw)
            return frozenset()
        return frozenset(str(x) for x in raw)

    def expected(self, raw: Any, kind: str, at: tuple[str | int, ...]) -> Expected:
        """One expected field value of the given ``kind`` (number, status, bool, ids); null expects null."""
        if raw is None:
            return None  # the report must show nothing (null) here
        if kind == "number":
            return self.number(raw, at)
        if kind == "status":
            if raw not in ITEM_STATUSES:
                self.problem(at, f"result must be one of {', '.join(ITEM_STATUSES)}", raw)
            return str(raw)
        if kind == "bool":
            if not isinstance(raw, bool):
                self.problem(at, "write true or false (or null)", raw)
            return bool(raw)
        if kind == "ids":
            return self.ids(raw, at, at[-1] if isinstance(at[-1], str) else "value")
        raise AssertionError(kind)  # pragma: no cover

    def number(self, raw: Any, at: tuple[str | int, ...]) -> Approx | None:
        """An expected number: a plain finite number (default tolerance) or ``{value: x, abs: t}``/``{..., rel: t}``."""
        if isinstance(raw, dict):
            return self._toleranced(raw, at)
        if not _finite(raw):
            self.problem(at, "expected a finite number, {value: x, abs: t}, {value: x, rel: t} or null", raw)
            return None
        return Approx(float(raw))

    def _toleranced(self, raw: dict[str, Any], at: tuple[str | int, ...]) -> Approx | None:
        """A number written with its tolerance (``abs``, ``rel`` or both, each finite and not negative)."""
        self.keys(raw, _TOLERANCE_KEYS, at, "tolerance")
        value: Any = raw.get("value")
        if not _finite(value):
            self.problem((*at, "value"), "a toleranced number needs 'value' (a finite number)", value)
            return None
        if "abs" not in raw and "rel" not in raw:
            self.problem(at, "give a tolerance: {value: x, abs: t} or {value: x, rel: t}")
            return None
        tol: dict[str, float] = {}
        for key in ("abs", "rel"):
            if key in raw:
                t = raw[key]
                if not _finite(t) or float(t) < 0:
                    self.problem((*at, key), f"{key} must be a non-negative number", t)
                    return None
                tol[key] = float(t)
        return Approx(float(value), rel=tol.get("rel", 0.0), abs=tol.get("abs", 0.0), explicit=True)
