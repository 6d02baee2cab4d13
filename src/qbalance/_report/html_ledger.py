"""The HTML report's 整改台账 section (when a ledger is given to the renderer) and its 历年变化 section (when trends
are given): read-only views of :class:`~.ledger_model.LedgerData` and :class:`~.ledger_model.TrendsData`.

The ledger is a table — number, problem, school, what is wrong, clause, action, responsible unit, deadline, status,
the years it was found and closed — its rows coloured by status (overdue red, open and reopened amber). The trends
are a line chart per section of every CV over the stored years against its limit, a chart of every target's
progress against 100 %, the tables behind them and the changes since last year (:mod:`.html_trend_charts` draws the
charts).
"""

from __future__ import annotations

from collections.abc import Sequence

from .frames import fmt_num
from .html_markup import esc, html_table, status_span
from .html_trend_charts import cv_trend_chart, target_trend_chart
from .labels import category, sep, status_word, verdict_word
from .ledger_model import CvSeries, LedgerData, SeriesPoint, TrendsData
from .ledger_view import (
    change_line,
    entry_cells,
    ledger_word,
    status_text,
    target_amount,
    target_headers,
    year_status,
)
from .progress_view import progress_status_class, progress_status_word

__all__ = ["ledger_section", "trends_section"]

_ROW_CLASS = {"overdue": "fail", "open": "not_evaluated", "reopened": "not_evaluated", "closed": ""}
_SPAN = {"overdue": "fail", "open": "not_evaluated", "reopened": "not_evaluated", "closed": "pass"}


def ledger_section(ledger: LedgerData, lang: str) -> str:
    """The ledger: the counts by status, then every entry."""
    counts = ledger_word(
        "counts_line",
        lang,
        open=ledger.count("open"),
        reopened=ledger.count("reopened"),
        overdue=ledger.count("overdue"),
        closed=ledger.count("closed"),
    )
    years = sep("list", lang).join(str(y) for y in ledger.years)
    head = f"<p>{esc(ledger_word('html_intro', lang, years=years, as_of=ledger.as_of.isoformat()))}</p>"
    head += f"<p>{esc(counts)}</p>"
    if not ledger.entries:
        return head + f"<p>{esc(ledger_word('empty', lang))}</p>"
    cols = (
        "seq",
        "problem",
        "school",
        "finding",
        "clause",
        "action",
        "responsible",
        "deadline",
        "status",
        "opened",
        "closed",
    )
    rows = []
    for e in ledger.entries:
        cells = entry_cells(e, lang)
        school = cells["school"] + (f" · {cells['section']}" if cells["section"] else "")
        shown = {**cells, "school": school, "deadline": e.deadline.isoformat() if e.deadline else ""}
        row = [esc("" if shown[c] is None else shown[c]) for c in cols]
        row[cols.index("status")] = status_span(_SPAN[e.status], status_text(e.status, lang))
        rows.append(row)
    table = html_table(
        [ledger_word(f"col.{c}", lang) for c in cols],
        rows,
        numeric={0},
        row_class=[_ROW_CLASS[e.status] for e in ledger.entries],
    )
    notes = "".join(f'<p class="note">{esc(n.text(lang))}</p>' for n in ledger.notes)
    return head + table + notes


def trends_section(trends: TrendsData, lang: str) -> str:
    """The verdict by year, the CV charts and table per section, the targets, and what changed since last year."""
    verdicts = " → ".join(f"{y.year} {verdict_word(y.verdict, lang)}" for y in trends.years)
    out = [f"<p>{esc(ledger_word('trends.verdicts', lang, verdicts=verdicts))}</p>"]
    years = [y.year for y in trends.years]
    for n, section in enumerate(dict.fromkeys(s.section for s in trends.cvs), start=1):
        series = [s for s in trends.cvs if s.section == section]
        title = ledger_word("trends.chart_cv", lang, section=category("section", section, lang))
        out.append(
            f"<h3>{esc(title)}</h3><figure>{cv_trend_chart(series, years, lang, n)}"
            f"<figcaption>{esc(ledger_word('trends.chart_cv_caption', lang))}</figcaption></figure>"
        )
        out.append(_cv_table(series, years, lang))
    if trends.targets:
        out.append(f"<h3>{esc(ledger_word('trends.targets', lang))}</h3>")
        out.append(
            f"<figure>{target_trend_chart(trends.targets, years, lang)}<figcaption>"
            f"{esc(ledger_word('trends.chart_target_caption', lang))}</figcaption></figure>"
        )
        out.append(_target_table(trends, years, lang))
    out.append(_changes(trends, lang))
    return "".join(out)


def _cv_cell(p: SeriesPoint | None) -> str:
    """A CV of one year: red and bold when over its limit."""
    if p is None or p.value is None:
        return "—"
    shown = f"{p.value:.4f}"
    return status_span("fail", shown) if p.result == "fail" else esc(shown)


def _cv_table(series: Sequence[CvSeries], years: Sequence[int], lang: str) -> str:
    """The CVs of one section by year, with the latest limit."""
    heads = [ledger_word("trends.col.indicator", lang), *map(str, years), ledger_word("trends.col.limit", lang)]
    rows = []
    for s in series:
        by_year = {p.year: p for p in s.points}
        limit = s.points[-1].bound
        name = f"{s.indicator} {s.label.text(lang)}" if not s.composite else s.label.text(lang)
        rows.append([esc(name), *(_cv_cell(by_year.get(y)) for y in years), esc(fmt_num(limit))])
    return html_table(heads, rows, numeric=set(range(1, len(years) + 2)))


def _target_table(trends: TrendsData, years: Sequence[int], lang: str) -> str:
    """Each target's value by year (with its status that year) and the target."""
    heads = target_headers(years, lang)
    rows = []
    for t in trends.targets:
        by_year = {p.year: p for p in t.points}
        cells = []
        for y in years:
            p = by_year.get(y)
            if p is None or p.value is None:
                cells.append("—")
                continue
            value = target_amount(p.value)
            shown = year_status(p, lang)
            cells.append(esc(value) + (" " + status_span(*shown) if shown else ""))
        status = status_span(progress_status_class(t.status), progress_status_word(t.status, lang)) if t.status else "—"
        rows.append([esc(t.label.text(lang)), *cells, esc(target_amount(t.points[-1].bound)), status])
    return html_table(heads, rows, numeric=set(range(1, len(years) + 2)))


def _changes(trends: TrendsData, lang: str) -> str:
    """What changed since last year: problems that started, stopped or became undecided; item statuses."""
    c = trends.changes
    if c is None:
        return f"<p>{esc(ledger_word('trends.one_year', lang))}</p>"
    out = [f"<h3>{esc(ledger_word('trends.changes', lang, since=c.since, year=c.year))}</h3>"]
    before, after = verdict_word(c.verdict_before, lang), verdict_word(c.verdict_after, lang)
    out.append(f"<p>{esc(ledger_word('trends.verdict_change', lang, before=before, after=after))}</p>")
    for kind in ("started", "stopped", "undecided"):
        found = [s for s in [*c.schools, *c.county] if s.change == kind]
        head = f"{ledger_word(f'trends.{kind}', lang)}{sep('colon', lang)}{len(found)}"
        items = "".join(f"<li>{esc(change_line(s, lang))}</li>" for s in found)
        out.append(f"<p>{esc(head)}</p>" + (f"<ul>{items}</ul>" if items else ""))
    head = f"{ledger_word('trends.items_changed', lang)}{sep('colon', lang)}{len(c.items)}"
    items = "".join(
        f"<li>{esc(i.item)} {esc(i.label.text(lang))}{esc(sep('colon', lang))}"
        f"{status_span(i.before or '', status_word(i.before, lang) if i.before else '—')} → "
        f"{status_span(i.after or '', status_word(i.after, lang) if i.after else '—')}</li>"
        for i in c.items
    )
    out.append(f"<p>{esc(head)}</p>" + (f"<ul>{items}</ul>" if items else ""))
    return "".join(out)
