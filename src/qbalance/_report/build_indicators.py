"""The indicators section of a report: each indicator with its thresholds and, per school section, its
between-school CV in the county with the schools behind it."""

from __future__ import annotations

import math

import numpy as np

from .._base.vocabulary import SECTIONS
from .._engine.evaluate import CvArrays, IndicatorArrays
from .._packs.compile import CompiledIndicator
from .county_view import CountyView, as_num, as_status, label_out
from .model import ContributorOut, CvOut, IndicatorOut, LabelOut, Status

__all__ = ["indicators_section"]


def indicators_section(view: CountyView) -> list[IndicatorOut]:
    """Every indicator of the pack, in pack order, with its CVs in the county."""
    return [_indicator(view, iid, ind) for iid, ind in view.cp.indicators.items()]


def _indicator(view: CountyView, iid: str, ind: CompiledIndicator) -> IndicatorOut:
    """One indicator: its label, unit, thresholds per section, citation and CV per section."""
    pack = view.pack
    arr = view.results.indicators[iid]
    sections = [_cv(view, iid, ind, arr, section) for section in pack.sections if arr.cv.get(section) is not None]
    return IndicatorOut(
        id=iid,
        label=LabelOut(zh=ind.spec.label.zh, en=ind.spec.label.en),
        short=label_out(ind.spec.short),
        unit=ind.spec.unit,
        unit_label=label_out(ind.spec.unit_label),
        compare=ind.spec.compare,
        threshold=_thresholds(view, ind),
        cite=view.cite(ind.spec.cite),
        threshold_set_by=view.origin([f"indicators.{iid}.threshold", f"indicators.{iid}"], ind.spec.cite),
        sections=sections,
    )


def _thresholds(view: CountyView, ind: CompiledIndicator) -> dict[str, float]:
    """The indicator's threshold for each section of the pack that has one."""
    return {
        s: float(ind.threshold[SECTIONS.index(s)])
        for s in view.pack.sections
        if math.isfinite(ind.threshold[SECTIONS.index(s)])
    }


def _cv(view: CountyView, iid: str, ind: CompiledIndicator, arr: IndicatorArrays, section: str) -> CvOut:
    """The indicator's CV among the county's school sections of ``section``: the statistics, the result, the
    schools that lack a value and, when none does, the schools that weigh most in the CV."""
    county = view.county
    cva = arr.cv[section]
    rows = view.rows
    mask_rows = rows[(view.sec_codes[rows] == SECTIONS.index(section)) & arr.in_scope[rows]]
    missing_ids = [view.school_id(int(view.school_of[r])) for r in mask_rows if math.isnan(arr.value[r])]
    n = int(cva.stats.count[county])
    return CvOut(
        section=section,
        schools=n,
        students=as_num(view.students[mask_rows].sum()) if n else None,
        county_value=as_num(cva.stats.mean[county]),
        std=as_num(cva.stats.std[county]),
        cv=as_num(cva.stats.cv[county]),
        cv_compared=as_num(cva.compared[county]),
        limit=as_num(cva.limit),
        result=_cv_result(cva, county, n, missing_ids),
        missing_schools=missing_ids,
        top_contributors=_contributors(view, arr.value, arr.weight, mask_rows) if n and not missing_ids else [],
        threshold_set_by=view.origin(
            [f"indicators.{iid}.threshold.{section}", f"indicators.{iid}.threshold", f"indicators.{iid}"],
            ind.spec.cite,
        ),
    )


def _cv_result(cva: CvArrays, county: int, n: int, missing_ids: list[str]) -> Status:
    """The CV's result: not applicable without schools; for a CV shown only as part of a composite, just whether
    data is missing; otherwise the engine's judgement."""
    if n == 0:
        return "not_applicable"
    if not cva.judged:  # shown for a composite: only missing data is worth flagging
        return "not_evaluated" if missing_ids else "not_applicable"
    return as_status(float(cva.result[county]))


def _contributors(
    view: CountyView, value: np.ndarray, weight: np.ndarray, rows: np.ndarray, top: int = 5
) -> list[ContributorOut]:
    """The ``top`` school sections with the largest shares of the weighted variance behind the CV."""
    x, w = value[rows], weight[rows]
    if x.size < 2 or not np.all(np.isfinite(x)) or not np.sum(w) > 0:
        return []
    mean = float(np.sum(w * x) / np.sum(w))
    dev = w * (x - mean) ** 2
    total = float(np.sum(dev))
    if total <= 0:
        return []
    order = np.argsort(-dev, kind="stable")[:top]
    out = []
    for j in order:
        s_idx = int(view.school_of[int(rows[j])])
        out.append(
            ContributorOut(
                school_id=view.school_id(s_idx),
                school_name=view.school_name(s_idx),
                value=float(x[j]),
                share=float(dev[j] / total),
                side="below" if x[j] < mean else "above",
            )
        )
    return out
