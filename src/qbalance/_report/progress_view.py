"""The report's progress towards targets as rows, shared by every renderer: for each progress item, its status on
the date judged (已达成 / 按期推进 / 进度滞后 / 已逾期 / 尚未达成), the value against the target, the value expected by
then, the baseline, the deadline and the yearly values — and the sentence saying which date progress is judged on.
Also the words of the previous data year the rules that look back read. Every word comes from the catalogue
(``lookback.*``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._base.messages import text
from .labels import paren

if TYPE_CHECKING:  # pragma: no cover
    from .model import ItemOut, ReportData, TrackingOut

__all__ = [
    "PROGRESS_COLUMNS",
    "as_of_sentence",
    "previous_sentence",
    "progress_headers",
    "progress_records",
    "progress_status_class",
    "progress_status_word",
    "tracked_items",
]

PROGRESS_COLUMNS = ("label", "status_label", "value_target", "expected", "baseline", "deadline", "series")
"""The columns every renderer shows, in order (``progress_headers`` gives their headers)."""


def _num(x: float | None) -> str:
    """A number for people (thousands separators, at most two decimals), an em dash when unknown."""
    if x is None:
        return "—"
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}"


def progress_status_word(status: str | None, lang: str = "zh") -> str:
    """已达成, 按期推进, 进度滞后, 已逾期, 尚未达成 (or 缺数据 when the value is not known)."""
    return text(f"lookback.progress.status.{status or 'unknown'}", lang)


_PROGRESS_CLASS = {"met": "pass", "on_track": "pass", "behind": "fail", "overdue": "fail"}


def progress_status_class(status: str | None) -> str:
    """The colour class of a progress status in HTML: met and on track as a pass, behind and overdue as a fail,
    not yet (or unknown) as not evaluated."""
    return _PROGRESS_CLASS.get(status or "", "not_evaluated")


def progress_headers(lang: str = "zh") -> list[str]:
    """The headers of :data:`PROGRESS_COLUMNS`."""
    keys = ("target", "status", "value", "expected", "baseline", "deadline", "series")
    return [text(f"lookback.col.{k}", lang) for k in keys]


def _baseline(t: TrackingOut, lang: str) -> str:
    b = t.baseline
    if b is None:
        return "—"
    if b.year is None or b.value is None:
        if b.rule == "first_stored":
            return text("lookback.baseline_first_stored", lang)
        return text("lookback.baseline_text", lang, year=b.year, value="—") if b.year else "—"
    return text("lookback.baseline_text", lang, year=b.year, value=_num(b.value))


def _series(t: TrackingOut) -> str:
    return "; ".join(f"{p.year}: {_num(p.value)}" for p in t.series)


def progress_records(report: ReportData, lang: str = "zh") -> list[dict[str, Any]]:
    """One row per progress item of the report (with ``tracking``): the columns of :data:`PROGRESS_COLUMNS`, then
    the raw ``item``, ``status``, ``value``, ``target``, ``expected_value``, ``as_of`` and ``reason``."""
    out: list[dict[str, Any]] = []
    for item in report.items:
        t = item.tracking
        if t is None:
            continue
        reason = t.reason.text(lang) if t.reason is not None else None
        status = progress_status_word(t.status, lang)
        out.append(
            {
                "label": item.label.text(lang),
                "status_label": status + paren(reason, lang) if reason else status,
                "value_target": f"{_num(item.value)} / {_num(item.target)}",
                "expected": _num(t.expected) if t.expected is not None else "—",
                "baseline": _baseline(t, lang),
                "deadline": t.deadline.date if t.deadline is not None else text("lookback.no_deadline", lang),
                "series": _series(t) or "—",
                "item": item.id,
                "status": t.status,
                "value": item.value,
                "target": item.target,
                "expected_value": t.expected,
                "as_of": t.as_of,
                "reason": reason,
            }
        )
    return out


def as_of_sentence(report: ReportData, lang: str = "zh") -> str | None:
    """按 2026-06-30 判断进度 (a date given), or 按数据年份末(2025-12-31)判断进度; None without progress items."""
    tracked = [i.tracking for i in report.items if i.tracking is not None]
    if not tracked or tracked[0].as_of is None:
        return None
    key = "lookback.as_of_line" if tracked[0].as_of_from == "given" else "lookback.as_of_line_year"
    return text(key, lang, date=tracked[0].as_of)


def previous_sentence(report: ReportData, lang: str = "zh") -> str | None:
    """Which previous year the rules that look back compared with and where it came from, or why they could not;
    None when no rule of the pack looks back."""
    p = report.previous
    if p is None:
        return None
    if p.found and p.kind == "history":
        return text("lookback.previous_found_history", lang, year=p.year, source=p.source, record=p.record)
    if p.found:
        return text("lookback.previous_found_file", lang, year=p.year, source=p.source)
    reason = p.reason.text(lang) if p.reason is not None else text("lookback.not_given_any", lang)
    return text("lookback.previous_missing", lang, reason=reason)


def tracked_items(report: ReportData) -> list[ItemOut]:
    """The items with a ``tracking`` part (progress items), in the report's order."""
    return [i for i in report.items if i.tracking is not None]
