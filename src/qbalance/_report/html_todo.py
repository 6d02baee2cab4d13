"""The 需整改事项 (what needs fixing) block that opens the HTML report right under the verdict: each item not passed
with what is wrong with it, each school that falls short with what is wrong there (and, with a plan, what the plan
adds there), and what the plan proposes for the county and what it cannot fix.

It repeats, in a few lines, what the detailed sections below say at length, so a reader sees what to do next on
the first screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .frames import fmt_short, plan_records, plan_total_records
from .html_markup import esc, status_span
from .labels import labelled, quantity, sep, verdict_word, word
from .model import LabelOut, ReportData

if TYPE_CHECKING:  # pragma: no cover
    from .plan_model import PlanData

__all__ = ["todo_section"]

_MAX_ITEMS = 12
"""How many failing items (and schools) the block lists before pointing to the details."""


def todo_section(report: ReportData, lang: str, plan: PlanData | None) -> str:
    """The block: a heading, the items not passed, the schools that fall short, the plan's proposal."""
    failing = [i for i in report.items if i.status == "fail"]
    lacking = [i for i in report.items if i.status == "not_evaluated"]
    out = [f'<section id="todo" class="todo"><h2>{esc(word("todo", lang))}</h2>']
    if not failing and not lacking:
        out.append(f"<p>{esc(word('todo_nothing', lang))}</p>")
    if failing:
        out.append(f"<h3>{esc(word('todo_items', lang))}</h3>")
        out.append(_list([(i.label.text(lang), i.finding) for i in failing], lang))
    schools = _schools(report, lang, plan)
    if schools:
        out.append(f"<h3>{esc(word('todo_schools', lang))}</h3>")
        out.append(_more_list(schools, lang))
    if lacking:
        out.append(f'<p class="note">{esc(word("todo_missing", lang, n=len(lacking)))}</p>')
    if plan is not None:
        out.append(_plan(plan, lang))
    out.append("</section>")
    return "".join(out)


def _list(entries: list[tuple[str, LabelOut | None]], lang: str) -> str:
    """Items as a list: the name in bold, then what is wrong."""
    lines = []
    for name, finding in entries:
        said = f"{sep('colon', lang)}{esc(finding.text(lang))}" if finding is not None else ""
        lines.append(f"<strong>{esc(name)}</strong>{said}")
    return _more_list(lines, lang)


def _more_list(lines: list[str], lang: str) -> str:
    """Lines (already escaped HTML) as a list, the ones past :data:`_MAX_ITEMS` counted instead of shown."""
    shown = "".join(f"<li>{line}</li>" for line in lines[:_MAX_ITEMS])
    if len(lines) > _MAX_ITEMS:
        shown += f'<li class="note">{esc(word("todo_more", lang, n=len(lines) - _MAX_ITEMS))}</li>'
    return f"<ul>{shown}</ul>"


def _schools(report: ReportData, lang: str, plan: PlanData | None) -> list[str]:
    """One line per school that falls short (k-of-n or an item checked school by school), in report order: what
    is wrong there and, with a plan, what the plan adds there."""
    said: dict[str, list[str]] = {}
    for s in report.schools:
        if s.result == "fail" and s.finding is not None:
            said.setdefault(s.school_id, []).append(s.finding.text(lang))
    for item in report.items:
        for row in item.rows:
            if row.result == "fail" and row.finding is not None:
                said.setdefault(row.school_id, []).append(row.finding.text(lang))
    adds = _additions(plan, lang) if plan is not None else {}
    lines = []
    for school_id, sentences in said.items():
        line = esc(sep("clause", lang).join(sentences))
        if school_id in adds:
            line += f' <span class="plan-add">{esc(word("todo_plan_school", lang, additions=adds[school_id]))}</span>'
        lines.append(line)
    return lines


def _additions(plan: PlanData, lang: str) -> dict[str, str]:
    """What the plan adds at each school, as one phrase per school (县级及以上骨干教师数1人、…)."""
    per: dict[str, list[str]] = {}
    for r in plan_records(plan, None, lang):
        amount = quantity(fmt_short(r["amount"]), r["unit_word"], lang)
        per.setdefault(r["school_id"], []).append(labelled(r["input_label"], amount, lang))
    return {k: sep("list", lang).join(v) for k, v in per.items()}


def _plan(plan: PlanData, lang: str) -> str:
    """The plan in three lines: what it adds in all, the status after it, what it cannot fix."""
    out = [f"<h3>{esc(word('todo_plan', lang))}</h3><ul>"]
    totals = [
        labelled(t["input_label"], quantity(fmt_short(t["amount"]), t["unit_word"], lang), lang)
        for t in plan_total_records(plan, lang)
    ]
    if totals:
        out.append(f"<li>{esc(word('todo_plan_totals', lang, totals=sep('list', lang).join(totals)))}</li>")
    passed = sum(1 for v in plan.items_after.values() if v in ("pass", "not_applicable"))
    after = word("todo_plan_after", lang, n=len(plan.items_after), passed=passed, verdict="{verdict}")
    head, _, tail = after.partition("{verdict}")
    out.append(
        f"<li>{esc(head)}{status_span(plan.verdict_after, verdict_word(plan.verdict_after, lang))}{esc(tail)}</li>"
    )
    if plan.cannot_fix:
        out.append(f"<li>{esc(word('todo_cannot_fix', lang, n=len(plan.cannot_fix)))}</li>")
    out.append("</ul>")
    return "".join(out)
