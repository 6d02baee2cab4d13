"""The pack's teacher-roster definitions (its ``roster:`` block), checked when the pack is compiled.

Each count (above-qualified, backbone, PE/art teachers …, and the county totals such as certificate holders) has a
``where`` condition in the pack language over the roster's fields and ``section``. Only comparisons with text,
``in [...]``, and/or/not and true/false are allowed; category values must be among the field's categories.
Counting a roster with these definitions is :mod:`qbalance._data.roster`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .._dsl.parse import Compare, DslSyntaxError, InList, Literal, Logic, Name, Node, Not, Text, parse
from .schema import Roster, RosterCount, RosterField

__all__ = ["ROSTER_SECTIONS", "check_roster"]

ROSTER_SECTIONS = ("primary", "junior", "senior")


def _names(node: Node) -> Iterable[Name]:
    if isinstance(node, Name):
        yield node
    for child in ("left", "right", "operand"):
        sub = getattr(node, child, None)
        if sub is not None:
            yield from _names(sub)
    for arg in getattr(node, "args", ()) or ():
        yield from _names(arg)


def _domain(name: str, fields: Mapping[str, RosterField]) -> tuple[str, ...] | None:
    if name == "section":
        return ROSTER_SECTIONS
    f = fields.get(name)
    if f is not None and f.type == "category":
        return tuple(f.categories or ())
    return None


def _check_node(node: Node, fields: Mapping[str, RosterField], out: list[str]) -> None:
    """Only conditions over roster fields: comparisons with text, ``in [...]``, and/or/not, true/false."""
    if isinstance(node, Logic):
        _check_node(node.left, fields, out)
        _check_node(node.right, fields, out)
    elif isinstance(node, Not):
        _check_node(node.operand, fields, out)
    elif isinstance(node, Literal):
        return
    elif isinstance(node, Name):
        f = fields.get(node.path)
        if f is None or f.type != "flag":
            out.append(f"{node.path!r} alone is not a condition (only a flag field can stand alone)")
    elif isinstance(node, InList):
        if not isinstance(node.operand, Name):
            out.append("'in [...]' needs a roster field on its left")
            return
        dom = _domain(node.operand.path, fields)
        if dom is None:
            out.append(f"'in [...]' needs a category field, not {node.operand.path!r}")
            return
        bad = [o for o in node.options if o not in dom]
        if bad:
            out.append(f"{', '.join(map(repr, bad))} not a category of {node.operand.path!r} ({', '.join(dom)})")
    elif isinstance(node, Compare):
        if node.op not in ("==", "!="):
            out.append(f"roster conditions compare with == or != only, not {node.op}")
            return
        left, right = node.left, node.right
        if isinstance(left, (Text, Literal)) and isinstance(right, Name):
            left, right = right, left
        if not isinstance(left, Name) or not isinstance(right, (Text, Literal)):
            out.append("a comparison needs a roster field and a value ('text', true or false)")
            return
        f = fields.get(left.path)
        if isinstance(right, Literal):
            if f is None or f.type != "flag":
                out.append(f"{left.path!r} is not a flag field; compare it with text")
            return
        dom = _domain(left.path, fields)
        if dom is not None and right.value not in dom:
            out.append(f"{right.value!r} is not a category of {left.path!r} ({', '.join(dom)})")
    else:
        out.append(f"{type(node).__name__.lower()} is not allowed in a roster condition")


def check_roster(roster: Roster) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems with a pack's roster block as (path in the pack, message); empty when it is sound."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    known = set(roster.fields) | {"section"}
    definitions: list[tuple[str, str, RosterCount]] = [("counts", n, spec) for n, spec in roster.counts.items()]
    definitions += [("totals", n, spec) for n, spec in roster.totals.items()]
    for block, count, spec in definitions:
        if spec.where is None:
            continue
        path: tuple[str | int, ...] = ("roster", block, count, "where")
        try:
            node = parse(spec.where)
        except DslSyntaxError as exc:
            out.append((path, f"expression {spec.where!r}: {exc}"))
            continue
        unknown = sorted({n.path for n in _names(node)} - known)
        if unknown:
            out.append((path, f"unknown roster field {', '.join(unknown)} (fields: {', '.join(sorted(known))})"))
            continue
        messages: list[str] = []
        _check_node(node, roster.fields, messages)
        out.extend((path, f"expression {spec.where!r}: {m}") for m in messages)
    return out
