"""The schools section of a report: each school section's indicator values against their thresholds, what it
would take to close each shortfall, and the k-of-n result; and the school sections left out of the evaluation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._base.messages import text
from .._base.vocabulary import SECTIONS
from .._engine.evaluate import ItemArrays
from .._engine.shortfall import needed_addition
from .county_view import CountyView, as_bool, as_num, as_status
from .findings import school_finding
from .model import ExcludedOut, LabelOut, SchoolSectionOut, Status, ValueOut

__all__ = ["excluded_section", "schools_section"]


@dataclass(frozen=True)
class _KOfN:
    """The pack's k-of-n item (None when it has none) and the indicators each school section is shown with."""

    arrays: ItemArrays | None
    indicators: list[str]
    floor: float | None = None

    @classmethod
    def of(cls, view: CountyView) -> _KOfN:
        """The first k-of-n item of the pack, or the pack's indicators when it has none."""
        kn_items = [i for i, ci in view.cp.items.items() if ci.spec.kind == "k_of_n"]
        kn = view.results.items[kn_items[0]] if kn_items else None
        ids: list[str] = kn.detail["indicators"] if kn is not None else list(view.cp.indicators)
        floor = view.cp.items[kn_items[0]].scalars.get("floor") if kn_items else None
        return cls(kn, ids, floor)

    def listed(self, view: CountyView) -> np.ndarray:
        """Which section rows are shown: those the k-of-n item applies to, or else those every indicator counts."""
        kn = self.arrays
        if kn is not None and kn.applicable is not None:
            return kn.applicable
        if self.indicators:
            counted: np.ndarray = np.logical_and.reduce([view.results.indicators[i].in_scope for i in self.indicators])
            return counted
        return np.zeros(view.table.levels["section"].n, dtype=bool)


def schools_section(view: CountyView) -> list[SchoolSectionOut]:
    """The county's school sections that the k-of-n rule lists, in row order."""
    kn = _KOfN.of(view)
    rows = view.rows[kn.listed(view)[view.rows]]
    cols = _RowColumns.of(view, kn, rows)
    return [_school_section(view, kn, cols, p, int(r)) for p, r in enumerate(rows.tolist())]


@dataclass(frozen=True)
class _RowColumns:
    """The listed rows of each shown indicator's arrays as Python lists (``[indicator][position]``): read once per
    report, instead of a numpy scalar for every value of every school section."""

    value: list[list[float]]
    threshold: list[list[float]]
    ratio: list[list[float]]
    met: list[list[float]]
    floor_ok: list[list[float]] | None
    """Whether each value is at least the k-of-n floor (None without a k-of-n item)."""
    row_status: list[float] | None
    """The k-of-n result of each row (None without a k-of-n item)."""

    @classmethod
    def of(cls, view: CountyView, kn: _KOfN, rows: np.ndarray) -> _RowColumns:
        arrays = [view.results.indicators[iid] for iid in kn.indicators]
        item = kn.arrays
        return cls(
            value=[a.value[rows].tolist() for a in arrays],
            threshold=[a.threshold[rows].tolist() for a in arrays],
            ratio=[a.ratio[rows].tolist() for a in arrays],
            met=[a.met[rows].tolist() for a in arrays],
            floor_ok=[column[rows].tolist() for column in item.detail["floor_ok"]] if item is not None else None,
            row_status=item.row_status[rows].tolist() if item is not None and item.row_status is not None else None,
        )


def _school_section(view: CountyView, kn: _KOfN, cols: _RowColumns, p: int, r: int) -> SchoolSectionOut:
    """One school section (row ``r``, position ``p`` among the listed rows): its values, how many indicators it
    meets, and the k-of-n result."""
    raw_values = [_raw_value(view, cols, iid, j, p, r) for j, iid in enumerate(kn.indicators)]
    floor_ok, result, required = _row_result(kn.arrays, cols, p)
    s_idx = int(view.school_of[r])
    so = SchoolSectionOut(
        school_id=view.school_id(s_idx),
        school_name=view.school_name(s_idx),
        section=SECTIONS[int(view.sec_codes[r])],
        school_type=view.school_type(s_idx),
        location=view.location(s_idx),
        students=float(view.students[r]),
        values=_values(raw_values, kn),
        met_count=sum(1 if v["met"] else 0 for v in raw_values),
        required=required,
        floor_ok=floor_ok,
        result=result,
        missing=_missing(view, kn.indicators, r),
    )
    lacking = sorted({m.split(": ", 1)[-1] for m in so.missing})
    return so.model_copy(update={"finding": school_finding(view, so, kn.floor, lacking)})


def _raw_value(view: CountyView, cols: _RowColumns, iid: str, j: int, p: int, r: int) -> dict[str, Any]:
    """The fields of one indicator value (``j``: the indicator's position in the k-of-n item) of the school section
    at position ``p`` (row ``r``), all but whether a shortfall is tolerated."""
    met = as_bool(cols.met[j][p]) if math.isfinite(cols.threshold[j][p]) else None
    shortfall, shortfall_input, shortfall_unit = _shortfall(view, iid, r) if met is False else (None, None, None)
    return {
        "indicator": iid,
        "value": as_num(cols.value[j][p]),
        "threshold": as_num(cols.threshold[j][p]),
        "ratio": as_num(cols.ratio[j][p]),
        "met": met,
        "floor_ok": as_bool(cols.floor_ok[j][p]) if cols.floor_ok is not None else None,
        "shortfall": shortfall,
        "shortfall_input": shortfall_input,
        "shortfall_unit": shortfall_unit,
    }


def _shortfall(view: CountyView, iid: str, r: int) -> tuple[float | None, str | None, str | None]:
    """How much of which input (and its unit) brings an unmet indicator of row ``r`` to its threshold; all None
    when the pack names no input that closes the gap."""
    slopes = view.results.slopes(iid)
    if slopes is None:
        return None, None, None
    arr = view.results.indicators[iid]
    amount = needed_addition(float(arr.threshold[r] - arr.value[r]), float(slopes.per_unit[r]), slopes.integer)
    return amount, slopes.input, slopes.unit


def _values(raw_values: list[dict[str, Any]], kn: _KOfN) -> list[ValueOut]:
    """The values of a row, each unmet one marked tolerated or not by the k-of-n rule."""
    tolerated = _tolerated(raw_values, kn.arrays.detail["k"] if kn.arrays is not None else None)
    return [ValueOut(**v, tolerated=(v["indicator"] in tolerated) if v["met"] is False else None) for v in raw_values]


def _tolerated(values: list[dict[str, Any]], k: float | None) -> set[str]:
    """Which unmet indicators the k-of-n rule lets fall short: up to n − k of those at or above their floor,
    preferring the largest gaps (the costliest to close)."""
    if k is None:
        return set()
    n = len(values)
    allowed = max(0, n - math.ceil(k))
    candidates = [v for v in values if v["met"] is False and v["floor_ok"] is True and v["ratio"] is not None]
    candidates.sort(key=lambda v: v["ratio"])
    return {v["indicator"] for v in candidates[:allowed]}


def _missing(view: CountyView, indicators: list[str], r: int) -> list[str]:
    """``indicator: input`` for every input missing behind an indicator value that row ``r`` lacks."""
    out: list[str] = []
    for iid in indicators:
        if math.isnan(view.results.indicators[iid].value[r]):
            deps = view.cp.indicators[iid].value.deps
            out.extend(f"{iid}: {m}" for m in view.missing_inputs(deps, r, "section"))
    return out


def _row_result(kn: ItemArrays | None, cols: _RowColumns, p: int) -> tuple[bool | None, Status, float | None]:
    """Whether the school section at position ``p`` has every value at or above its floor, its k-of-n result and
    the k it needed."""
    if kn is None or cols.floor_ok is None:
        return None, "not_applicable", None
    floor_vals = [column[p] for column in cols.floor_ok]
    if any(v == 0 for v in floor_vals):
        floor_ok: bool | None = False
    else:
        floor_ok = None if any(math.isnan(v) for v in floor_vals) else True
    assert cols.row_status is not None
    required: float | None = kn.detail["k"]
    return floor_ok, as_status(cols.row_status[p]), required


def excluded_section(view: CountyView) -> list[ExcludedOut]:
    """The county's school sections each scope leaves out, with the reason: by scope, then row, then reason."""
    out: list[ExcludedOut] = []
    for sid, scope in view.results.scopes.items():
        for r in view.rows:
            for reason_id, mask in scope.reasons.items():
                if mask[r]:
                    out.append(_excluded(view, sid, reason_id, int(r)))
    return out


def _excluded(view: CountyView, sid: str, reason_id: str, r: int) -> ExcludedOut:
    """Section row ``r`` left out by scope ``sid`` for reason ``reason_id``."""
    if reason_id == "no_students":
        reason = LabelOut(zh=text("report.no_students", "zh"), en=text("report.no_students", "en"))
    else:
        spec = view.pack.scopes[sid].exclude[reason_id]
        reason = LabelOut(zh=spec.reason.zh, en=spec.reason.en)
    s_idx = int(view.school_of[r])
    return ExcludedOut(
        school_id=view.school_id(s_idx),
        school_name=view.school_name(s_idx),
        section=SECTIONS[int(view.sec_codes[r])],
        scope=sid,
        reason_id=reason_id,
        reason=reason,
    )
