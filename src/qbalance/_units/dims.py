"""The dimension of a unit (``[length] ** 2 / [student]``) without pint: what the expression checker multiplies,
divides and compares when it checks a pack's units.

:class:`Dims` follows pint's ``UnitsContainer`` exactly where qbalance uses it — products and quotients add and
subtract exponents, keeping the order in which the dimensions first appear (pint's text shows them in that order),
dropping those that reach zero; equality ignores the order — and is shown by pint's own formatter when a message
needs it, so the text is pint's. pint is imported only then, or for a unit the shipped table does not hold
(:mod:`.registry`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Dims"]


class Dims:
    """An immutable product of dimensions with exponents, in first-appearance order."""

    __slots__ = ("_hash", "_items")

    def __init__(self, items: Iterable[tuple[str, int | float]] = ()) -> None:
        self._items: tuple[tuple[str, int | float], ...] = tuple((k, v) for k, v in items if v != 0)
        self._hash = hash(frozenset(self._items))

    @classmethod
    def of(cls, container: Any) -> Dims:
        """The dimensions of a pint ``UnitsContainer`` (a quantity's ``dimensionality``), in its order."""
        return cls((str(k), v) for k, v in container.items())

    def items(self) -> tuple[tuple[str, int | float], ...]:
        return self._items

    def _combined(self, other: Dims, sign: int) -> Dims:
        out = dict(self._items)
        for key, value in other._items:
            out[key] = out.get(key, 0) + sign * value
            if out[key] == 0:
                del out[key]
        return Dims(out.items())

    def __mul__(self, other: object) -> Dims:
        if not isinstance(other, Dims):
            return NotImplemented
        return self._combined(other, 1)

    def __truediv__(self, other: object) -> Dims:
        if not isinstance(other, Dims):
            return NotImplemented
        return self._combined(other, -1)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):  # as pint compares a container with a dict
            return dict(self._items) == dict(other)
        if not isinstance(other, Dims):
            return NotImplemented
        return self._hash == other._hash and dict(self._items) == dict(other._items)

    def __hash__(self) -> int:
        return self._hash

    def __bool__(self) -> bool:
        return bool(self._items)

    def __str__(self) -> str:
        from .pint_import import pint

        return str(pint.util.UnitsContainer(dict(self._items)))

    def __repr__(self) -> str:
        return f"Dims({dict(self._items)!r})"
