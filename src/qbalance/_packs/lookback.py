"""Rules that look back: the ``previous.`` names of the expression language, and which rules read them.

``previous.<name>`` is the value ``<name>`` had in the county's previous data year — an input, a built-in number
(``students``), a derived value or an indicator — with the same type, unit and level. The compiler makes one symbol
of it for every name that can have one (:func:`previous_symbol`); a derived value or indicator that itself looks back
has none (there is no year before the previous one). Which values and items read the previous year, directly or
through other rules (:func:`looking_back`), decides which items a missing previous year leaves not evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .._dsl.compile import Compiled, Symbol

__all__ = [
    "PREFIX",
    "RESERVED",
    "base_name",
    "is_previous",
    "looking_back",
    "previous_name",
    "previous_symbol",
    "reads_previous",
]

PREFIX = "previous."
"""The prefix of a previous-year value in expressions (``previous.edu_general_budget``)."""

RESERVED = "previous"
"""An input may not be named ``previous`` or ``previous.<…>``: the prefix belongs to the look-back."""


def is_previous(name: str) -> bool:
    """Whether ``name`` reads the previous year (``previous.x``)."""
    return name.startswith(PREFIX)


def base_name(name: str) -> str:
    """The name a previous-year value is of (``previous.x`` → ``x``); other names as they are."""
    return name[len(PREFIX) :] if is_previous(name) else name


def previous_name(name: str) -> str:
    """The previous-year name of ``name`` (``x`` → ``previous.x``)."""
    return PREFIX + name


def previous_symbol(sym: Symbol) -> Symbol:
    """The symbol of ``sym``'s previous-year value: the same level, type and unit (and apportioned the same way)."""
    return Symbol(previous_name(sym.name), sym.level, sym.dtype, apportioned=sym.apportioned)


def looking_back(compiled: Mapping[str, Compiled]) -> set[str]:
    """The names of ``compiled`` (derived values, indicators …) whose values read the previous year: directly
    (``previous.x``) or through another of them."""
    out: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, c in compiled.items():
            if name not in out and reads_previous(c.deps, out):
                out.add(name)
                changed = True
    return out


def reads_previous(deps: Iterable[str], back: set[str]) -> bool:
    """Whether names ``deps`` read the previous year: a ``previous.`` name, or a name of ``back`` (one that looks
    back itself)."""
    return any(is_previous(d) or d in back for d in deps)
