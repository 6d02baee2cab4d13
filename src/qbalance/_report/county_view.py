"""One county seen through the engine's results: what every builder of a report section needs, and the small
conversions from result arrays to report values (numbers, statuses, labels, citations, rule origins)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._base.vocabulary import CATEGORY_LABELS, LOCATIONS, SCHOOL_TYPES
from .._data.table import Table
from .._engine.evaluate import Results
from .._packs.compile import CompiledPack
from .._packs.lookback import base_name
from .._packs.schema import Cite, Label, Pack
from .._units.registry import canonical_factor
from .model import CiteOut, LabelOut, RuleOrigin, SeriesPointOut, Status

__all__ = ["CountyView", "as_bool", "as_num", "as_status", "is_above", "label_out"]


def as_num(x: Any) -> float | None:
    """A finite number as a float; None for NaN or infinity (a value the report shows as missing)."""
    v = float(x)
    return v if math.isfinite(v) else None


def as_status(x: float) -> Status:
    """An engine status (1 pass, 0 fail, NaN unknown) as the report's status word."""
    if math.isnan(x):
        return "not_evaluated"
    return "pass" if x == 1.0 else "fail"


def as_bool(x: float) -> bool | None:
    """An engine flag (1, 0 or NaN) as yes, no or unknown."""
    return None if math.isnan(x) else bool(x == 1.0)


def label_out(lbl: Label | None) -> LabelOut | None:
    """A pack label as a report label (None stays None)."""
    return LabelOut(zh=lbl.zh, en=lbl.en) if lbl is not None else None


def is_above(upper: str, lower: str) -> bool:
    """True when level ``upper`` is ``lower`` or one of its ancestors (county > school > section)."""
    order = {"county": 0, "school": 1, "section": 2}
    return order.get(upper, 9) <= order.get(lower, 9)


def _category(field: str, code: float) -> str:
    domain = {"school_type": SCHOOL_TYPES, "location": LOCATIONS}[field]
    return domain[int(code)]


@dataclass(frozen=True)
class CountyView:
    """The results of one county with the row positions its builders share: its section rows, its school rows
    and, per section row, its school and section code."""

    results: Results
    county: int
    origins: dict[str, Any]
    rows: np.ndarray
    """Section rows of the county."""
    schools_here: np.ndarray
    """School rows of the county."""
    school_of: np.ndarray
    """The school row of every section row (of all counties)."""
    sec_codes: np.ndarray
    """The section code of every section row."""
    stored: Mapping[str, Sequence[SeriesPointOut]] | None = None
    """Per progress item, its values in the years stored in a history before the data year (None: no history)."""
    as_of: str | None = None
    """The date progress is judged on, when one was given (ISO)."""
    data_year: int | None = None
    """The data year when the county's data do not state it (a year given when it was stored)."""

    @classmethod
    def of(
        cls,
        results: Results,
        county: int,
        origins: dict[str, Any],
        *,
        stored: Mapping[str, Sequence[SeriesPointOut]] | None = None,
        as_of: str | None = None,
        data_year: int | None = None,
    ) -> CountyView:
        """The view of county number ``county`` in ``results`` (``stored``, ``as_of``, ``data_year``: see the
        fields)."""
        table = results.table
        return cls(
            results=results,
            county=county,
            origins=origins,
            rows=np.flatnonzero(table.ancestor("county", "section") == county),
            schools_here=np.flatnonzero(table.ancestor("county", "school") == county),
            school_of=table.ancestor("school", "section"),
            sec_codes=table.levels["section"].columns["section"].astype(np.int64),
            stored=stored,
            as_of=as_of,
            data_year=data_year,
        )

    @property
    def year(self) -> int | None:
        """The county's data year: as its data state it, else as it was given."""
        meta = self.table.meta[self.county] if self.county < len(self.table.meta) else {}
        year = meta.get("year")
        return int(year) if year is not None else self.data_year

    @property
    def table(self) -> Table:
        return self.results.table

    @property
    def cp(self) -> CompiledPack:
        return self.results.pack

    @property
    def pack(self) -> Pack:
        return self.results.pack.pack

    @property
    def students(self) -> np.ndarray:
        """Students of every section row."""
        return self.table.levels["section"].columns["students"]

    def rows_at(self, level: str) -> np.ndarray:
        """The county's rows at ``level``: its school rows, or its section rows."""
        return self.schools_here if level == "school" else self.rows

    def school_id(self, s_idx: int) -> str:
        return self.table.school_ids[s_idx]

    def school_name(self, s_idx: int) -> str:
        return self.table.school_names[s_idx]

    def school_type(self, s_idx: int) -> str:
        """The school type id of school row ``s_idx``."""
        return _category("school_type", self.table.levels["school"].columns["school_type"][s_idx])

    def location(self, s_idx: int) -> str:
        """The location id of school row ``s_idx``."""
        return _category("location", self.table.levels["school"].columns["location"][s_idx])

    def cite(self, cite: Cite | None) -> CiteOut | None:
        """A pack citation with the document and title of its source."""
        if cite is None:
            return None
        src = self.pack.sources.get(cite.source)
        return CiteOut(
            source=cite.source,
            document=src.document if src else None,
            title=label_out(src.title) if src else None,
            clause=cite.clause,
            text=cite.text,
            note=cite.note,
        )

    def origin(self, keys: list[str], own_cite: Cite | None) -> RuleOrigin | None:
        """The most specific recorded origin among ``keys`` (most specific first), with its citation."""
        for key in keys:
            o = self.origins.get(key)
            if o is None:
                continue
            cite = own_cite if o.op == "define" else (Cite.model_validate(o.cite) if o.cite else None)
            src = self.pack.sources.get(cite.source) if cite else None
            return RuleOrigin(
                pack=o.pack,
                version=o.version,
                change=o.op,
                source=cite.source if cite else None,
                document=(src.document or src.title.zh) if src else None,
                clause=cite.clause if cite else None,
                text=cite.text if cite else None,
            )
        return None

    def missing_inputs(self, deps: frozenset[str], row: int, level: str) -> list[str]:
        """Which of ``deps`` lack a value for row ``row`` of ``level`` (sorted): the names to ask the county for."""
        return [name for name in sorted(deps) if self._lacks(name, row, level)]

    def _lacks(self, name: str, row: int, level: str) -> bool:
        """True when the county, school or section value ``name`` is missing for row ``row`` of ``level``."""
        sym = self.cp.table.symbols.get(name)
        values = self.results.values
        if sym is None or name not in values or sym.level not in ("county", "school", "section"):
            return False
        table = self.table
        if is_above(sym.level, level):
            idx = row if sym.level == level else int(table.ancestor(sym.level, level)[row])
            return math.isnan(float(values[name][idx]))
        # a value below the row's level: missing if any of the row's parts lacks it
        return bool(np.any(np.isnan(values[name][table.ancestor(level, sym.level) == row])))

    def display_value(self, name: str, raw: float) -> float | str | bool | None:
        """An input value as a person reads it: number in its declared unit, rating/category id, or yes/no."""
        if math.isnan(raw):
            return None
        name = base_name(name)  # a previous-year value reads as its name does
        cp = self.cp
        pack = cp.pack
        decl = pack.inputs.get(name)
        sym = cp.table.symbols.get(name)
        if sym is not None and sym.dtype.kind == "category":
            cats = sym.dtype.categories
            return cats[int(raw)] if 0 <= int(raw) < len(cats) else None
        if sym is not None and sym.dtype.kind == "bool":
            return bool(raw == 1.0)
        if decl is not None:
            factor = cp.input_factors.get(name, 1.0)
            return float(f"{raw / factor:.10g}")
        if name in CATEGORY_LABELS:
            return None
        # an indicator or a derived value: in the unit the pack declares for it (per 100 students, not per student)
        declared = pack.indicators[name].unit if name in pack.indicators else None
        if declared is None and name in pack.derived:
            declared = pack.derived[name].unit
        if declared:
            return float(f"{raw / canonical_factor(declared):.10g}")
        return raw

    def param_value(self, name: str, level: str, row: int) -> float | None:
        """A parameter's value as it applied to one row, in the parameter's declared unit."""
        cp = self.cp
        spec = cp.pack.parameters.get(name)
        sym = cp.table.params.get(name)
        if spec is None or sym is None or isinstance(spec.value, bool):
            return None
        factor = canonical_factor(spec.unit)
        if sym.by is None:
            return as_num(float(sym.value) / factor) if sym.value is not None else None
        by_sym = cp.table.symbols[sym.by]
        if not is_above(by_sym.level, level):
            return None
        table = self.table
        idx = row if by_sym.level == level else int(table.ancestor(by_sym.level, level)[row])
        code = float(self.results.values.get(sym.by, table.levels[by_sym.level].columns[sym.by])[idx])
        if math.isnan(code):
            return None
        return as_num(float(cp.param_tables[name][int(code)]) / factor)
