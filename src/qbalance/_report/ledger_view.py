"""The ledger (整改台账) and the trends as every renderer shows them: one set of cells per entry, so the text
table, the HTML section and the Excel workbook say the same thing, and the text renderings of both (``qbalance
history ledger``, ``qbalance progress``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from .._base.messages import text
from .._base.text import terminal_safe
from .frames import fmt_num
from .labels import category, paren, sep, status_word, verdict_word
from .ledger_model import LedgerData, LedgerEntryOut, SchoolChange, SeriesPoint, TrendsData
from .progress_view import progress_status_class, progress_status_word
from .text import _table

__all__ = [
    "COLUMNS",
    "EDITABLE",
    "change_line",
    "entry_cells",
    "ledger_word",
    "render_ledger_text",
    "render_trends_text",
    "status_text",
    "target_amount",
    "target_headers",
    "year_status",
]

COLUMNS: Final = (
    "seq",
    "problem",
    "school",
    "school_id",
    "section",
    "finding",
    "clause",
    "action",
    "responsible",
    "deadline",
    "status",
    "opened",
    "closed",
    "reopened",
    "note",
    "county",
    "item",
)
"""The columns of the 整改台账 sheet, in order (their headers are ``ledger.col.<name>`` in the catalogue)."""
EDITABLE: Final = ("action", "responsible", "deadline", "note")
"""The columns the county office fills in and an import reads back."""


def ledger_word(key: str, lang: str = "zh", **args: Any) -> str:
    """A word of the ledger and trends renderings (``ledger.<key>`` in the catalogue)."""
    return text(f"ledger.{key}", lang, **args)


def status_text(status: str, lang: str = "zh") -> str:
    """An entry's status: 整改中, 已整改(销号), 重新出现, 逾期."""
    return ledger_word(f"status.{status}", lang)


def _problem(e: LedgerEntryOut, lang: str) -> str:
    label = e.item_label.text(lang)
    if e.indicator:
        shown = e.indicator_label.text(lang) if e.indicator_label else e.indicator
        return f"{label}{sep('colon', lang)}{e.indicator} {shown}"
    return label


def entry_cells(e: LedgerEntryOut, lang: str = "zh") -> dict[str, Any]:
    """The cells of one entry, by column: texts, numbers and the deadline as a date (None where empty)."""
    return {
        "seq": e.seq,
        "problem": _problem(e, lang),
        "school": e.school_name or ledger_word("whole_county", lang),
        "school_id": e.school_id,
        "section": category("section", e.section, lang) if e.section else None,
        "finding": e.finding.text(lang) if e.finding else None,
        "clause": e.clause,
        "action": e.action_text(lang) or None,
        "responsible": e.responsible,
        "deadline": e.deadline,
        "status": status_text(e.status, lang),
        "opened": e.opened,
        "closed": e.closed,
        "reopened": sep("list", lang).join(str(y) for y in e.reopened) or None,
        "note": e.note,
        "county": e.county_code,
        "item": e.item,
    }


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def render_ledger_text(ledger: LedgerData, lang: str = "zh") -> str:
    """The ledger as a text table: number, problem, school, what is wrong, action, unit, deadline, status, years."""
    years = "、".join(str(y) for y in ledger.years) if lang != "en" else ", ".join(str(y) for y in ledger.years)
    head = ledger_word(
        "title_line",
        lang,
        name=ledger.county_name,
        code=ledger.county_code,
        years=years,
        as_of=ledger.as_of.isoformat(),
    )
    counts = ledger_word(
        "counts_line",
        lang,
        open=ledger.count("open"),
        reopened=ledger.count("reopened"),
        overdue=ledger.count("overdue"),
        closed=ledger.count("closed"),
    )
    out = [head, counts, ""]
    if not ledger.entries:
        out.append(ledger_word("empty", lang))
    else:
        cols = (
            "seq",
            "problem",
            "school",
            "section",
            "finding",
            "action",
            "responsible",
            "deadline",
            "status",
            "opened",
            "closed",
        )
        rows = [[_short(_cell_text(entry_cells(e, lang)[c])) for c in cols] for e in ledger.entries]
        out += _table([ledger_word(f"col.{c}", lang) for c in cols], rows, right={0})
    out += [f"* {n.text(lang)}" for n in ledger.notes]
    return terminal_safe("\n".join(out).rstrip() + "\n")


def _short(cell: str, limit: int = 60) -> str:
    cell = " ".join(cell.split())
    return cell if len(cell) <= limit else cell[: limit - 1] + "…"


# -- trends ------------------------------------------------------------------------------------------------------------


def _delta(values: Sequence[float | None]) -> str:
    if len(values) < 2 or values[-1] is None or values[-2] is None:
        return ""
    d = values[-1] - values[-2]
    return f"{d:+.4f}"


def render_trends_text(trends: TrendsData, lang: str = "zh") -> str:
    """The trends as text: the verdict year by year, each CV and target by year against its limit, and what
    changed since last year."""
    years = [y.year for y in trends.years]
    out = [
        ledger_word(
            "trends.title", lang, name=trends.county_name, code=trends.county_code, first=years[0], last=years[-1]
        )
    ]
    out.append(
        ledger_word(
            "trends.verdicts",
            lang,
            verdicts=" → ".join(f"{y.year} {verdict_word(y.verdict, lang)}" for y in trends.years),
        )
    )
    out += ["", f"## {ledger_word('trends.cvs', lang)}"]
    heads = [
        ledger_word("trends.col.indicator", lang),
        ledger_word("col.section", lang),
        *map(str, years),
        ledger_word("trends.col.limit", lang),
        ledger_word("trends.col.change", lang),
    ]
    rows = []
    for s in trends.cvs:
        by_year = {p.year: p for p in s.points}
        values = [by_year[y].value if y in by_year else None for y in years]
        cells = [_mark(by_year.get(y)) for y in years]
        limit = s.points[-1].bound
        name = f"{s.indicator} {s.label.text(lang)}" if not s.composite else s.label.text(lang)
        rows.append([name, category("section", s.section, lang), *cells, fmt_num(limit), _delta(values)])
    out += _table(heads, rows, right=set(range(2, 4 + len(years))))
    if trends.targets:
        out += ["", f"## {ledger_word('trends.targets', lang)}"]
        heads = target_headers(years, lang)
        rows = []
        for t in trends.targets:
            by_year = {p.year: p for p in t.points}
            cells = [_target_cell(by_year.get(y), lang) for y in years]
            status = progress_status_word(t.status, lang) if t.status else "—"
            rows.append([t.label.text(lang), *cells, target_amount(t.points[-1].bound), status])
        out += _table(heads, rows, right=set(range(1, 2 + len(years))))
    out += _changes_text(trends, lang)
    return terminal_safe("\n".join(out).rstrip() + "\n")


def _mark(p: Any) -> str:
    """A CV of one year, with * when over its limit."""
    if p is None or p.value is None:
        return "—"
    return f"{p.value:.4f}" + ("*" if p.result == "fail" else "")


def target_amount(v: float | None) -> str:
    """A target or a value towards it: whole numbers without decimals (16, 11,460), others with two."""
    if v is None:
        return "—"
    return f"{v:,.0f}" if float(v).is_integer() else fmt_num(v)


def _target_cell(p: Any, lang: str) -> str:
    """A target's value of one year with its status that year; a dash alone when the year has no value."""
    if p is None or p.value is None:
        return "—"
    value = target_amount(p.value)
    shown = year_status(p, lang)
    return f"{value} ({shown[1]})" if shown else value


def target_headers(years: Sequence[int], lang: str) -> list[str]:
    """The headers of the targets' table: the target, each year, the target value and the latest status."""
    words = ("trends.col.target", "trends.col.status")
    return [ledger_word("trends.col.target_item", lang), *map(str, years), *(ledger_word(w, lang) for w in words)]


def year_status(p: SeriesPoint, lang: str) -> tuple[str, str] | None:
    """A target's status in one year as (colour class, words): its progress (按期推进, 进度滞后 …) when it was judged,
    else the item's result; None when the year has neither."""
    if p.progress is not None:
        return progress_status_class(p.progress), progress_status_word(p.progress, lang)
    if p.result:
        return p.result, status_word(p.result, lang)
    return None


def _changes_text(trends: TrendsData, lang: str) -> list[str]:
    c = trends.changes
    if c is None:
        return ["", ledger_word("trends.one_year", lang)]
    out = ["", f"## {ledger_word('trends.changes', lang, since=c.since, year=c.year)}"]
    out.append(
        ledger_word(
            "trends.verdict_change",
            lang,
            before=verdict_word(c.verdict_before, lang),
            after=verdict_word(c.verdict_after, lang),
        )
    )
    for kind in ("started", "stopped", "undecided"):
        found = [s for s in [*c.schools, *c.county] if s.change == kind]
        out.append(f"{ledger_word(f'trends.{kind}', lang)}{sep('colon', lang)}{len(found)}")
        out += [f"  - {change_line(s, lang)}" for s in found]
    out.append(f"{ledger_word('trends.items_changed', lang)}{sep('colon', lang)}{len(c.items)}")
    for i in c.items:
        before = status_word(i.before, lang) if i.before else "—"
        after = status_word(i.after, lang) if i.after else "—"
        out.append(f"  - {i.item} {i.label.text(lang)}{sep('colon', lang)}{before} → {after}")
    return out


def change_line(s: SchoolChange, lang: str) -> str:
    """One change since last year: the school (section), the item (and indicator), what was or is wrong."""
    where = s.school_name or ledger_word("whole_county", lang)
    if s.section:
        where += paren(category("section", s.section, lang), lang)
    what = s.item_label.text(lang) + (f" {s.indicator}" if s.indicator else "")
    line = f"{where}{sep('colon', lang)}{what}"
    return line + (f" — {s.finding.text(lang)}" if s.finding else "")
