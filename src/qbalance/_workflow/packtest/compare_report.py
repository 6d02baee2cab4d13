"""Comparing a report with a case's expectations, kind by kind: verdict, areas, items, vetoes and missing data;
indicator CVs; composite CVs; per-school k-of-n results; and the error a case may expect instead of a report. Each
unmet expectation is one failure line saying what was expected and what the report gave."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .compare import _by_section, _compare, _field
from .model import Expect, Expected

if TYPE_CHECKING:
    from ..._report.report import Report


def _check(failures: list[str], label: str, expected: Expected, actual: Any) -> None:
    """Add the failure line to ``failures`` unless ``actual`` meets ``expected``."""
    msg = _compare(label, expected, actual)
    if msg:
        failures.append(msg)


def _compare_report(e: Expect, report: Report, failures: list[str], unsupported: list[str]) -> None:
    """Compare ``report`` with every expectation of ``e``; unmet ones go to ``failures``, expectations this report
    cannot answer (an older report model) to ``unsupported``."""
    items = {i.id: i for i in report.items}
    _compare_outcomes(e, report, items, failures)
    _compare_indicators(e, report, failures)
    _compare_composite(e, items, failures, unsupported)
    _compare_schools(e, report, failures)


def _compare_outcomes(e: Expect, report: Report, items: dict[str, Any], failures: list[str]) -> None:
    """The verdict, the area and item statuses, the vetoed items and the items missing data."""
    if e.verdict is not None:
        _check(failures, "verdict", e.verdict, report.verdict)
    areas = {a.id: a.status for a in report.areas}
    for aid, status in e.areas.items():
        _check(failures, f"areas.{aid}", status, areas.get(aid, "absent from the report"))
    for iid, status in e.items.items():
        it = items.get(iid)
        _check(failures, f"items.{iid}", status, it.status if it is not None else "absent from the report")
    if e.vetoes is not None:
        _check(failures, "vetoes", e.vetoes, [v.item for v in report.vetoes])
    if e.missing is not None:
        _check(failures, "missing", e.missing, [m.item for m in report.missing])


def _compare_indicators(e: Expect, report: Report, failures: list[str]) -> None:
    """The CV rows of indicators, per section (``top_contributors`` as the ordered list of school ids)."""
    indicators = {ind.id: ind for ind in report.indicators}
    for iid, sections in e.indicators.items():
        ind = indicators.get(iid)
        for section, fields in sections.items():
            row = _by_section(ind.sections, section) if ind is not None else None
            if row is None:
                failures.append(f"indicators.{iid}.{section}: expected a result, got none (no such row in the report)")
                continue
            for name, expected in fields.items():
                actual = getattr(row, name, None)
                if name == "top_contributors" and actual is not None:
                    actual = [c.school_id for c in actual]  # compared as the ordered list of school ids
                _check(failures, f"indicators.{iid}.{section}.{name}", expected, actual)


def _compare_composite(e: Expect, items: dict[str, Any], failures: list[str], unsupported: list[str]) -> None:
    """The composite CV rows of ``composite_cv`` items, per section."""
    for iid, sections in e.composite.items():
        it = items.get(iid)
        has, comp = _field(it, "composite") if it is not None else (True, None)
        if not has:
            unsupported.append(
                f"composite expectations are not supported by this qbalance: its report gives no composite "
                f"results for items (item {iid!r})"
            )
            continue
        for section, fields in sections.items():
            row = _by_section(comp, section)
            if row is None:
                failures.append(f"composite.{iid}.{section}: expected a composite result, got none")
                continue
            for name, expected in fields.items():
                ok, actual = _field(row, name)
                if not ok:
                    unsupported.append(f"the composite result of {iid!r} has no field {name!r}")
                    continue
                _check(failures, f"composite.{iid}.{section}.{name}", expected, actual)


def _compare_schools(e: Expect, report: Report, failures: list[str]) -> None:
    """The k-of-n rows of school sections: their fields, and the values of the indicators they count."""
    rows = {(s.school_id, s.section): s for s in report.schools}
    for sid, school_sections in e.schools.items():
        for section, sx in school_sections.items():
            srow = rows.get((sid, section))
            label = f"schools.{sid}.{section}"
            if srow is None:
                failures.append(
                    f"{label}: expected a k-of-n result, got none (no such school section, or it is excluded)"
                )
                continue
            for name, expected in sx.fields.items():
                _check(failures, label if name == "result" else f"{label}.{name}", expected, getattr(srow, name, None))
            by_indicator = {v.indicator: v for v in srow.values}
            for iid, vfields in sx.values.items():
                v = by_indicator.get(iid)
                if v is None:
                    failures.append(f"{label}.values.{iid}: the k-of-n item does not count indicator {iid}")
                    continue
                for name, expected in vfields.items():
                    _check(failures, f"{label}.values.{iid}.{name}", expected, getattr(v, name, None))


def _compare_error(e: Expect, message: str) -> list[str]:
    """The failures when evaluating the county raised :class:`~qbalance.InputError` with ``message``: none if the
    case expects that error (containing the text it names)."""
    if e.error == "InputError":
        if e.error_contains is not None and e.error_contains not in message:
            return [f"error: expected InputError containing {e.error_contains!r}, got InputError: {message}"]
        return []
    return [f"evaluation raised InputError: {message}"]


def _compare_no_error(e: Expect, report: Report) -> list[str]:
    """The failure when the county was evaluated (giving ``report``) but the case expects an error."""
    if e.error is None:
        return []
    return [f"error: expected {e.error}, got a report (verdict {report.verdict})"]
