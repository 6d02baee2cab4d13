"""Checking a case's ``expect`` mapping: the verdict, area and item statuses, vetoes and missing data, the error a
case may expect instead of a report, and (through :mod:`.check_rows`) the indicator, composite and school rows."""

from __future__ import annotations

from typing import Any

from .check_rows import _RowChecks
from .fields import _COMPOSITE_FIELDS, _CV_FIELDS, _EXPECT_KEYS, AREA_STATUSES, ERRORS, ITEM_STATUSES, VERDICTS
from .model import Expect


class _ExpectChecks(_RowChecks):
    """The check of a whole ``expect`` mapping."""

    def expect(self, raw: Any, at: tuple[str | int, ...]) -> Expect:
        """A case's expectations; an empty or unreadable ``expect`` is a problem (and checks nothing)."""
        data = self.mapping(raw, at, "expect")
        if data is None:
            return Expect()
        if not data:
            self.problem(at, "expect is empty: a case must check something")
        self.keys(data, _EXPECT_KEYS, at, "expectation")
        error, contains = self._error(data, at)
        verdict = data.get("verdict")
        if verdict is not None and verdict not in VERDICTS:
            self.problem((*at, "verdict"), f"verdict must be one of {', '.join(VERDICTS)}", verdict)
        return Expect(
            verdict=verdict if isinstance(verdict, str) else None,
            areas=self.statuses(data.get("areas"), (*at, "areas"), AREA_STATUSES, "area"),
            items=self.statuses(data.get("items"), (*at, "items"), ITEM_STATUSES, "item"),
            vetoes=self.ids(data.get("vetoes"), (*at, "vetoes"), "vetoes") if "vetoes" in data else None,
            missing=self.ids(data.get("missing"), (*at, "missing"), "missing") if "missing" in data else None,
            indicators=self.sectioned(data.get("indicators"), (*at, "indicators"), _CV_FIELDS, "indicator"),
            composite=self.sectioned(data.get("composite"), (*at, "composite"), _COMPOSITE_FIELDS, "composite"),
            schools=self.schools(data.get("schools"), (*at, "schools")),
            error=error if isinstance(error, str) else None,
            error_contains=contains,
        )

    def _error(self, data: dict[str, Any], at: tuple[str | int, ...]) -> tuple[Any, str | None]:
        """The expected error and the text it must contain; a case expecting an error may check nothing else."""
        error = data.get("error")
        if error is not None and error not in ERRORS:
            self.problem((*at, "error"), f"error must be one of {', '.join(ERRORS)}", error)
        contains = self.text(data.get("error_contains"), (*at, "error_contains"), "error_contains")
        if contains is not None and error is None:
            self.problem((*at, "error_contains"), "error_contains needs 'error: InputError'")
        if error is not None:
            others = [k for k in data if k in _EXPECT_KEYS and k not in ("error", "error_contains")]
            if others:
                self.problem(
                    (*at, others[0]), f"a case that expects an error has no report to check ({', '.join(others)})"
                )
        return error, contains
