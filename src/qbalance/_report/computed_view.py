"""The computed figures of a report as plain tables for the renderers: a summary (each figure, typed or computed,
its value and how it is computed) and the survey's breakdown by respondent group. The cells are plain text; each
renderer escapes them and lays them out in its own format, so every format shows the same numbers."""

from __future__ import annotations

from dataclasses import dataclass

from .._base.messages import text
from .model import ComputedOut, ReportData

__all__ = ["Block", "computed_blocks"]


@dataclass(frozen=True)
class Block:
    """One table: its title, headers, rows of plain-text cells and the columns aligned right."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    right: set[int]


def _word(key: str, lang: str) -> str:
    return text(f"compute.report.{key}", lang)


def _value(entry: ComputedOut, value: float | None) -> str:
    """A figure as shown: a share as a percentage, a count as a whole number, "—" when missing."""
    if value is None:
        return "—"
    if entry.unit.strip() in ("1", "") and value <= 1:
        return f"{value:.2%}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def _basis(entry: ComputedOut, lang: str) -> str:
    """What the figure is (or would be) computed from: the survey's answers, the roster, or the formula's values."""
    if entry.method == "survey" and entry.n is not None:
        weighting = text(f"compute.weighting.{entry.weighting or 'pooled'}", lang)
        return text("compute.report.basis_survey", lang, n=entry.n, satisfied=entry.satisfied, weighting=weighting)
    if entry.method == "roster" and entry.teachers is not None:
        return text("compute.report.basis_roster", lang, teachers=entry.teachers, where=entry.where or "")
    if entry.method == "expression":
        values = ", ".join(f"{e.input} = {'—' if e.value is None else e.value}" for e in entry.inputs)
        return f"{entry.expression} ({values})" if values else entry.expression or ""
    return ""


def _summary(report: ReportData, lang: str) -> Block:
    rows = []
    for e in report.computed:
        label = e.label.text(lang) if e.label is not None else e.input
        rows.append(
            [
                label,
                text(f"compute.origin.{e.origin}", lang),
                _value(e, e.value),
                _value(e, e.computed),
                text(f"compute.method.{e.method}", lang),
                _basis(e, lang),
            ]
        )
    heads = [_word(h, lang) for h in ("figure", "origin", "value", "computed", "method", "basis")]
    return Block(_word("heading", lang), heads, rows, {2, 3})


def _groups(entry: ComputedOut, lang: str) -> Block:
    rows = [
        [
            g.label.text(lang),
            str(g.respondents),
            str(g.n),
            str(g.satisfied),
            "—" if g.rate is None else f"{g.rate:.2%}",
            "—" if g.weight is None else f"{g.weight:.2%}",
            ("⚠ " if g.below_minimum else "") + ("—" if g.min_sample is None else str(g.min_sample)),
        ]
        for g in entry.groups
    ]
    heads = [_word(h, lang) for h in ("group", "respondents", "counted", "satisfied", "rate", "weight", "min_sample")]
    return Block(_word("survey_heading", lang), heads, rows, {1, 2, 3, 4, 5, 6})


def computed_blocks(report: ReportData, lang: str = "zh") -> list[Block]:
    """The summary of the computed figures and, when the survey was counted, its breakdown; empty when the pack
    computes nothing."""
    if not report.computed:
        return []
    out = [_summary(report, lang)]
    out += [_groups(e, lang) for e in report.computed if e.groups]
    return out
