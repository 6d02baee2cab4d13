"""Build the typed report of one county from the engine's columnar results.

The report is assembled from one small builder per section: the county and its provenance, the areas and the
verdict, the vetoes and missing data, the items (in :mod:`.build_items`), the indicators and their CVs (in
:mod:`.build_indicators`), the school sections and exclusions (in :mod:`.build_schools`) and the data warnings.
Every builder reads one :class:`~.county_view.CountyView`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from .._engine.evaluate import Results
from .build_computed import computed_section
from .build_indicators import indicators_section
from .build_items import items_section, missing_section, ordered_items, vetoes_section
from .build_lookback import previous_section
from .build_schools import excluded_section, schools_section
from .county_view import CountyView, as_status
from .model import AreaOut, CountyOut, LabelOut, Provenance, SeriesPointOut, Verdict, WarningOut
from .report import Report

__all__ = ["build_report"]


def build_report(
    results: Results,
    county: int,
    provenance: Provenance,
    extra_warnings: list[WarningOut] | None = None,
    origins: dict[str, Any] | None = None,
    *,
    stored: Mapping[str, Sequence[SeriesPointOut]] | None = None,
    data_year: int | None = None,
) -> Report:
    """The report of county number ``county`` in ``results``. ``stored``: per progress item, its values in the
    years a history holds before the data year (None: no history); progress is judged on ``provenance.as_of``,
    else at the end of the data year (``data_year`` when the data state none)."""
    view = CountyView.of(results, county, origins or {}, stored=stored, as_of=provenance.as_of, data_year=data_year)
    indicators = indicators_section(view)
    schools = schools_section(view)
    excluded = excluded_section(view)
    items = items_section(view, schools, indicators)
    computed, computed_warnings = computed_section(view)
    return Report(
        provenance=provenance,
        county=_county(view),
        verdict=_verdict(view),
        areas=_areas(view),
        vetoes=vetoes_section(view, items),
        missing=missing_section(view, items),
        items=items,
        indicators=indicators,
        schools=schools,
        excluded=excluded,
        warnings=_warnings(view, extra_warnings) + computed_warnings,
        computed=computed,
        previous=previous_section(view),
    )


def _county(view: CountyView) -> CountyOut:
    """The county's code, name, year and whether its data is synthetic."""
    table, county = view.table, view.county
    meta = table.meta[county] if county < len(table.meta) else {}
    return CountyOut(
        code=table.county_codes[county],
        name=table.county_names[county],
        year=meta.get("year"),
        synthetic=bool(meta.get("synthetic", False)),
    )


def _verdict(view: CountyView) -> Verdict:
    """The county's overall verdict: pass, fail, or incomplete when data is missing."""
    vv = float(view.results.verdict[view.county])
    return "incomplete" if math.isnan(vv) else ("pass" if vv == 1.0 else "fail")


def _areas(view: CountyView) -> list[AreaOut]:
    """The pack's areas in their order, each with its status in the county and its items in report order."""
    items = ordered_items(view)
    return [
        AreaOut(
            id=aid,
            label=LabelOut(zh=a.label.zh, en=a.label.en),
            status=as_status(float(view.results.areas[aid][view.county])),
            required=a.required,
            veto=a.veto,
            items=[i for i, ci in items if ci.spec.area == aid],
        )
        for aid, a in sorted(view.pack.areas.items(), key=lambda kv: kv[1].order)
    ]


def _warnings(view: CountyView, extra: list[WarningOut] | None) -> list[WarningOut]:
    """The caller's warnings, then the data warnings about the county (a value kept only when it is plain)."""
    return list(extra or []) + [
        WarningOut(
            message=w.message,
            school_id=w.school_id,
            field=w.field,
            value=w.value if isinstance(w.value, (int, float, str)) and not isinstance(w.value, bool) else None,
            message_zh=w.text("zh"),
            field_label={"zh": w.field_text("zh", with_key=False), "en": w.field_text("en", with_key=False)}
            if w.field
            else None,
        )
        for w in view.table.warnings_for(view.county)
    ]
