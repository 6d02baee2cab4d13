"""Checking the expectations on report rows: indicator CVs and composite CVs (by id and section, see
:meth:`_RowChecks.sectioned`) and per-school k-of-n results (by school id and section, with per-indicator values)."""

from __future__ import annotations

from typing import Any

from .check_values import _ValueChecks
from .fields import _SCHOOL_FIELDS, _VALUE_FIELDS, SECTIONS
from .model import Expected, SchoolExpect


class _RowChecks(_ValueChecks):
    """The checks of ``indicators``, ``composite`` and ``schools`` expectations."""

    def sectioned(
        self, raw: Any, at: tuple[str | int, ...], fields: dict[str, str], what: str
    ) -> dict[str, dict[str, dict[str, Expected]]]:
        """Expectations keyed by row id then section, each a mapping of ``fields`` to expected values."""
        if raw is None:
            return {}
        out: dict[str, dict[str, dict[str, Expected]]] = {}
        for rid, by_section in (self.mapping(raw, at, f"{what} expectations") or {}).items():
            sections = self.mapping(by_section, (*at, rid), f"{what} {rid} (section: fields)") or {}
            for section, raw_fields in sections.items():
                sat = (*at, rid, section)
                if section not in SECTIONS:
                    self.problem(sat, f"unknown section {section!r} (use {' or '.join(SECTIONS)})")
                    continue
                fmap = self.mapping(raw_fields, sat, f"{what} {rid} {section} (field: expected value)") or {}
                if not fmap:
                    self.problem(sat, f"{what} {rid} {section}: no fields to check")
                self.keys(fmap, list(fields), sat, f"{what} field")
                out.setdefault(rid, {})[section] = {
                    f: self.expected(v, fields[f], (*sat, f)) for f, v in fmap.items() if f in fields
                }
        return out

    def schools(self, raw: Any, at: tuple[str | int, ...]) -> dict[str, dict[str, SchoolExpect]]:
        """Per-school expectations keyed by school id then section: a status, or fields and per-indicator values."""
        if raw is None:
            return {}
        out: dict[str, dict[str, SchoolExpect]] = {}
        for sid, by_section in (self.mapping(raw, at, "school expectations") or {}).items():
            sections = self.mapping(by_section, (*at, sid), f"school {sid} (section: result)") or {}
            for section, spec in sections.items():
                sat = (*at, sid, section)
                if section not in SECTIONS:
                    self.problem(sat, f"unknown section {section!r} (use {' or '.join(SECTIONS)})")
                    continue
                out.setdefault(sid, {})[section] = self._school(spec, sid, section, sat)
        return out

    def _school(self, spec: Any, sid: str, section: str, sat: tuple[str | int, ...]) -> SchoolExpect:
        """One school section's expectation: a bare status, or a mapping of fields (``values`` per indicator)."""
        if isinstance(spec, str):
            return SchoolExpect({"result": self.expected(spec, "status", sat)})
        fmap = self.mapping(spec, sat, f"school {sid} {section} (a status, or field: expected value)") or {}
        self.keys(fmap, list(_SCHOOL_FIELDS), sat, "school field")
        fields = {
            f: self.expected(v, _SCHOOL_FIELDS[f], (*sat, f))
            for f, v in fmap.items()
            if f in _SCHOOL_FIELDS and f != "values"
        }
        values = self._school_values(fmap["values"], (*sat, "values")) if "values" in fmap else {}
        if not fields and not values:
            self.problem(sat, f"school {sid} {section}: nothing to check")
        return SchoolExpect(fields, values)

    def _school_values(self, raw: Any, vat: tuple[str | int, ...]) -> dict[str, dict[str, Expected]]:
        """The ``values`` of a school expectation: per indicator, the value fields it must show."""
        values: dict[str, dict[str, Expected]] = {}
        for iid, vraw in (self.mapping(raw, vat, "values (indicator: fields)") or {}).items():
            vmap = self.mapping(vraw, (*vat, iid), f"values of {iid}") or {}
            self.keys(vmap, list(_VALUE_FIELDS), (*vat, iid), "value field")
            values[iid] = {
                f: self.expected(v, _VALUE_FIELDS[f], (*vat, iid, f)) for f, v in vmap.items() if f in _VALUE_FIELDS
            }
        return values
