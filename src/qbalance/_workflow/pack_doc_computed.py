"""The computations of a pack as ``qbalance standards doc`` shows them for review: the survey (groups, answers,
what counts as satisfied, weighting, minimum samples), the inputs computed from other inputs (their formulas) and the
county totals counted from a teacher roster — each with its citation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._packs.schema import Cite, Survey
from .._report.markdown import md

__all__ = ["computations_md"]

CiteMd = Callable[[Any, Cite | None, str], list[str]]


def computations_md(std: Any, lang: str, cite_md: CiteMd) -> list[str]:
    """The section of a pack document on its computed figures; empty when the pack computes none."""
    pack = std.pack
    zh = lang == "zh"
    parts: list[str] = []
    if pack.survey is not None:
        parts += _survey_md(std, pack.survey, lang, cite_md)
    for name, decl in pack.inputs.items():
        if decl.computed is None:
            continue
        title = "由其他数据计算" if zh else "computed from other inputs"
        parts += ["", f"### `{name}` {md(decl.label.text(lang))} — {title}", ""]
        parts += [f"`{' '.join(decl.computed.expression.split())}`", "", *cite_md(std, decl.computed.cite, lang)]
    if pack.roster is not None and pack.roster.totals:
        parts += [
            "",
            f"### {'由教师名册统计的县级合计' if zh else 'County totals counted from the teacher roster'}",
            "",
        ]
        for name, total in pack.roster.totals.items():
            label = f" {md(total.label.text(lang))}" if total.label else ""
            parts += [f"- `{name}`{label}: `{total.where or ''}`", ""]
            parts += [f"  {line}" if line else "" for line in cite_md(std, total.cite, lang)]
    if not parts:
        return []
    heading = (
        "可由数据计算的指标值(填报值优先)" if zh else "Figures computed from the county's records (typed values win)"
    )
    return ["", f"## {heading}", *parts]


def _survey_md(std: Any, survey: Survey, lang: str, cite_md: CiteMd) -> list[str]:
    """The survey: the input it fills, its groups and answers, how answers count, and its minimums."""
    zh = lang == "zh"
    head = "社会认可度调查" if zh else "Social recognition survey"
    out = ["", f"### {head} → `{survey.input}`", "", *cite_md(std, survey.cite, lang), ""]
    weighted = survey.weighting == "weighted"
    heads = (
        ["调查对象", "其他名称", "权重", "最低样本量", "最低占比"]
        if zh
        else ["Group", "Also accepted", "Weight", "Minimum sample", "Minimum share"]
    )
    out += ["| " + " | ".join(heads) + " |", "|---|---|---|---|---|"]
    for gid, g in survey.groups.items():
        least = g.min_sample if g.min_sample is not None else survey.min_sample
        out.append(
            f"| `{gid}` {md(g.label.text(lang))} | {md('、'.join(g.aliases))} | "
            f"{g.weight if weighted and g.weight is not None else ''} | {'' if least is None else least} | "
            f"{'' if g.min_share is None else f'{g.min_share:.0%}'} |"
        )
    answers = [f"`{a}` {md(s.label.text(lang))}" for a, s in survey.answers.items()]
    satisfied = ", ".join(f"`{a}`" for a in survey.satisfied)
    excluded = ", ".join(f"`{a}`" for a in survey.excluded) or "—"
    total_word = "最低有效答卷总数" if zh else "minimum answers in all"
    minimum = f"; {total_word}: {survey.min_total}" if survey.min_total else ""
    out += [
        "",
        f"- {'答案' if zh else 'answers'}: " + ", ".join(answers),
        f"- {'计为满意' if zh else 'counted as satisfied'}: {satisfied}; {'不计入' if zh else 'left out'}: {excluded}",
        f"- {'计算方式' if zh else 'weighting'}: `{survey.weighting}`{minimum}",
    ]
    for gid, g in survey.groups.items():
        if g.cite is not None:
            out += ["", f"`{gid}`:", "", *cite_md(std, g.cite, lang)]
    for aid, a in survey.answers.items():
        if a.cite is not None:
            out += ["", f"`{aid}`:", "", *cite_md(std, a.cite, lang)]
    if survey.note:
        out += ["", f"*{'说明' if zh else 'Note'}: {md(survey.note.strip())}*"]
    return out
