"""Checks of the pack's computations of county figures, made when the pack is compiled: the social-recognition
survey (``survey:``), the county totals counted from a teacher roster (``roster.totals``) and the citations of
computed inputs (``inputs.X.computed``; their expressions are compiled with the other rules).

Each computation fills a county input that a county may also type; the checks make sure that input exists at
county level with a fitting type, so that a computed value always lands where the items read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._dsl.parse import DslSyntaxError, Name, parse
from .._units.registry import dims_of
from .schema import Cite, Pack

__all__ = ["check_computations", "computation_cites", "computed_from"]

Found = tuple[tuple[str | int, ...], str]


def check_computations(pack: Pack) -> list[Found]:
    """Problems with the survey and the roster totals as (path in the pack, message); empty when they are sound."""
    return [*_survey_problems(pack), *_totals_problems(pack)]


def _survey_problems(pack: Pack) -> list[Found]:
    """The survey's input must be a county share (a number without unit) that has no expression of its own."""
    survey = pack.survey
    if survey is None:
        return []
    path: tuple[str | int, ...] = ("survey", "input")
    decl = pack.inputs.get(survey.input)
    if decl is None:
        return [(path, f"the survey computes {survey.input!r}, which is not a declared input")]
    if decl.level != "county" or decl.type != "number":
        return [(path, f"the survey computes {survey.input!r}, which must be a number input at county level")]
    try:
        dimensionless = dims_of(decl.unit) == dims_of("1")
    except ValueError:
        return []  # the unit's own problem is reported with the input
    if not dimensionless:
        return [(path, f"the survey computes a share, but {survey.input!r} has the unit {decl.unit!r}")]
    if decl.computed is not None:
        return [(path, f"{survey.input!r} is computed by the survey; it cannot also have a computed expression")]
    return []


def _totals_problems(pack: Pack) -> list[Found]:
    """Each roster total must be a whole-number county input (a count of teachers)."""
    if pack.roster is None:
        return []
    out: list[Found] = []
    for name in pack.roster.totals:
        path: tuple[str | int, ...] = ("roster", "totals", name)
        decl = pack.inputs.get(name)
        if decl is None:
            out.append((path, f"roster total {name!r} is not a declared input"))
        elif decl.level != "county" or decl.type != "number" or not decl.integer:
            out.append((path, f"roster total {name!r} must be a whole-number input at county level (integer: true)"))
        elif decl.computed is not None:
            out.append((path, f"{name!r} is counted from the roster; it cannot also have a computed expression"))
    return out


def computed_from(pack: Pack) -> set[str]:
    """The names the ``computed`` expressions of the pack's inputs refer to, as written (also those of a term that a
    zero parameter switches off, which the compiled expression drops)."""
    out: set[str] = set()
    for decl in pack.inputs.values():
        if decl.computed is None:
            continue
        try:
            stack: list[Any] = [parse(decl.computed.expression)]
        except DslSyntaxError:
            continue  # reported when the expression is compiled
        while stack:
            node = stack.pop()
            if isinstance(node, Name):
                out.add(node.path)
            stack.extend(c for c in (getattr(node, a, None) for a in ("operand", "left", "right")) if c is not None)
            stack.extend(getattr(node, "args", ()) or ())
    return out


def computation_cites(pack: Pack) -> Iterator[tuple[tuple[str | int, ...], Cite | None]]:
    """Every citation of a computation, with its place in the pack (for the check that its source is declared)."""
    for name, decl in pack.inputs.items():
        if decl.computed is not None:
            yield ("inputs", name, "computed"), decl.computed.cite
    if pack.survey is not None:
        yield ("survey",), pack.survey.cite
        for gid, group in pack.survey.groups.items():
            yield ("survey", "groups", gid), group.cite
        for aid, answer in pack.survey.answers.items():
            yield ("survey", "answers", aid), answer.cite
    if pack.roster is not None:
        for name, total in pack.roster.totals.items():
            yield ("roster", "totals", name), total.cite
