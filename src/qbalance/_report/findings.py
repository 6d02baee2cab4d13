"""The one sentence each failed item (and each failing school, section or CV) says about what is wrong and by how
much — the ``finding`` fields of the report, in Chinese and English.

Every sentence is built from values the report already holds: a school's indicator values against their
thresholds (k-of-n), a CV against its limit, the composite CVs, a progress item's value and target, and for the
rules of ``every`` and ``county`` items the parts of the rule that fail (:mod:`.explain`). The templates are the
``report.finding.*`` entries of the message catalogue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._packs.compile import CompiledItem
from .county_view import CountyView
from .explain import Joined, Qty, Row, Say, Who, explain_rule, label_of, name_label, probe_of
from .labels import category
from .model import CompositeOut, CvOut, IndicatorOut, LabelOut, RowOut, SchoolSectionOut

__all__ = [
    "Cat",
    "composite_finding",
    "county_finding",
    "cv_finding",
    "cv_item_finding",
    "every_item_finding",
    "k_item_finding",
    "missing_finding",
    "progress_finding",
    "row_finding",
    "school_finding",
    "who_of",
]


@dataclass(frozen=True)
class Cat:
    """A category value (a section, a school type) shown in either language."""

    kind: str
    value: str

    def text(self, lang: str) -> str:
        return category(self.kind, self.value, lang)


def who_of(school_name: str, section: str | None = None) -> Who:
    """The school (and section) a sentence is about."""
    return Who(school_name, Cat("section", section) if section else None)


def _names(view: CountyView, names: Sequence[str]) -> Joined:
    """Inputs named by their labels, as a list (教学仪器设备值、班级数)."""
    return Joined([name_label(view.pack, n) for n in names], "list")


# -- every and county items: the rule in words --------------------------------------------------------------------


def row_finding(view: CountyView, ci: CompiledItem, level: str, r: int, row: RowOut) -> LabelOut | None:
    """What is wrong at one school (or section) an every-row item found wanting: the failing parts of its rule,
    or the data it lacks."""
    who = who_of(row.school_name, row.section)
    if row.result == "not_evaluated":
        lacking = view.missing_inputs(ci.exprs["require"].deps, r, level)
        return label_of(Say("report.finding.missing", {"who": who, "fields": _names(view, lacking)}))
    if row.result != "fail":
        return None
    said = explain_rule(_rule_text(ci), Row(probe_of(view.results), view.pack, level, r, who))
    return label_of(said or Say("report.finding.failed", {"who": who, "label": ci.spec.label}))


def _rule_text(ci: CompiledItem) -> str:
    """The text of the item's rule as the pack writes it."""
    return ci.exprs["require"].text or ""


def _where(row: RowOut | SchoolSectionOut) -> tuple[str, str]:
    return row.school_id, row.section or ""


def every_item_finding(rows: Sequence[RowOut], level: str) -> LabelOut | None:
    """An every-row item: the sentence of its (first) failing row, with how many rows fail when more than one."""
    rows = sorted(rows, key=_where)  # the example named does not depend on the order schools are listed in
    failing = [r for r in rows if r.result == "fail" and r.finding is not None]
    if not failing:
        lacking = [r for r in rows if r.finding is not None]
        return lacking[0].finding if lacking else None
    first = failing[0].finding
    assert first is not None
    if len(failing) == 1:
        return first
    key = "report.finding.rows_section" if level == "section" else "report.finding.rows"
    return label_of(Say(key, {"n": len(failing), "first": first}))


def county_finding(view: CountyView, ci: CompiledItem, status: str, missing: Sequence[str]) -> LabelOut | None:
    """A county item: the failing parts of its rule, or the county values it lacks."""
    if status == "not_evaluated":
        return missing_finding(view, missing)
    if status != "fail" or "require" not in ci.exprs:
        return None
    said = explain_rule(_rule_text(ci), Row(probe_of(view.results), view.pack, "county", view.county))
    return label_of(said or Say("report.finding.failed", {"who": "", "label": ci.spec.label}))


def missing_finding(view: CountyView, names: Sequence[str]) -> LabelOut | None:
    """An item that cannot be decided: the data it lacks, named by their labels."""
    return label_of(Say("report.finding.missing_item", {"what": _names(view, names)})) if names else None


def progress_finding(view: CountyView, ci: CompiledItem, value: float | None, target: float | None) -> LabelOut | None:
    """A progress item short of its target: the value tracked (named by its label), the target, how far it is."""
    if value is None or target is None or not target:
        return None
    u = ci.spec.unit or "1"
    tracked = ci.spec.value if isinstance(ci.spec.value, str) and ci.spec.value in view.pack.inputs else None
    label: Any = name_label(view.pack, tracked) if tracked else ci.spec.label
    args = {"label": label, "value": Qty(value, u), "target": Qty(target, u), "ratio": Qty(value / target, pct=True)}
    return label_of(Say("report.finding.progress", args))


# -- k-of-n: a school section's indicators --------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorWords:
    """How an indicator is named and its values shown: its short label and its unit (with the pack's unit label)."""

    name: Any
    unit: str
    unit_label: Any

    def qty(self, value: float) -> Qty:
        return Qty(value, self.unit, unit_label=self.unit_label)


def indicator_words(view: CountyView, iid: str) -> IndicatorWords:
    """The words of indicator ``iid`` of the pack."""
    spec = view.pack.indicators[iid]
    return IndicatorWords(spec.short or spec.label, spec.unit, spec.unit_label)


def school_finding(
    view: CountyView, so: SchoolSectionOut, floor: float | None, lacking: Sequence[str]
) -> LabelOut | None:
    """A school section that fails the k-of-n rule: how many indicators it meets of how many it needs, and each
    unmet one against its threshold; or the indicators below the floor; or the data it lacks."""
    who = who_of(so.school_name, so.section)
    if so.result == "not_evaluated":
        return label_of(Say("report.finding.k_missing", {"who": who, "fields": _names(view, lacking)}))
    if so.result != "fail" or so.required is None:
        return None
    k = math.ceil(so.required - 1e-9)
    unmet = [v for v in so.values if v.met is False and v.value is not None and v.threshold is not None]
    if so.met_count < k:
        shorts = []
        for v in unmet:
            words = indicator_words(view, v.indicator)
            assert v.value is not None and v.threshold is not None
            args = {"name": words.name, "value": words.qty(v.value), "threshold": words.qty(v.threshold)}
            shorts.append(Say("report.finding.k_short_one", {**args, "ratio": Qty(v.value / v.threshold, pct=True)}))
        args = {"who": who, "n": len(so.values), "met": so.met_count, "k": k, "shorts": Joined(shorts)}
        return label_of(Say("report.finding.k_short", args))
    below = [_below_floor(view, who, v.indicator, v.value, v.threshold, floor) for v in unmet if v.floor_ok is False]
    return label_of(Joined(below)) if below else None


def _below_floor(
    view: CountyView, who: Who, iid: str, value: float | None, threshold: float | None, floor: float | None
) -> Say:
    """One indicator below the floor: its value, its share of the threshold and the floor."""
    words = indicator_words(view, iid)
    assert value is not None and threshold is not None
    args = {
        "who": who,
        "name": words.name,
        "value": words.qty(value),
        "threshold": words.qty(threshold),
        "ratio": Qty(value / threshold, pct=True),
        "floor": Qty(floor if floor is not None else 0.0, pct=True),
    }
    return Say("report.finding.below_floor", args)


def k_item_finding(schools: Sequence[SchoolSectionOut]) -> LabelOut | None:
    """The k-of-n item: the sentence of its first failing school section (by id), with how many fail."""
    schools = sorted(schools, key=_where)
    failing = [s for s in schools if s.result == "fail" and s.finding is not None]
    if not failing:
        lacking = [s for s in schools if s.result == "not_evaluated" and s.finding is not None]
        return lacking[0].finding if lacking else None
    first = failing[0].finding
    assert first is not None
    return first if len(failing) == 1 else label_of(Say("report.finding.k_item", {"n": len(failing), "first": first}))


# -- CVs ------------------------------------------------------------------------------------------------------------


def cv_finding(view: CountyView, iid: str, cvo: CvOut) -> LabelOut | None:
    """A CV over its limit (by how much), or one that cannot be computed (and why)."""
    name = indicator_words(view, iid).name
    section = Cat("section", cvo.section)
    if cvo.result == "not_evaluated":
        why: Any = Say("report.finding.cv_mean_zero")
        if cvo.missing_schools:
            some = Joined(sorted(cvo.missing_schools)[:3], "list")
            why = Say("report.finding.cv_missing_schools", {"n": len(cvo.missing_schools), "first": some})
        return label_of(Say("report.finding.cv_missing", {"name": name, "section": section, "why": why}))
    compared = cvo.cv_compared if cvo.cv_compared is not None else cvo.cv
    if cvo.result != "fail" or compared is None or cvo.limit is None:
        return None
    args = {
        "name": name,
        "section": section,
        "cv": Qty(compared, digits=4),
        "limit": Qty(cvo.limit),
        "excess": Qty(compared - cvo.limit, digits=4),
    }
    return label_of(Say("report.finding.cv", args))


def cv_item_finding(
    view: CountyView, indicators: Sequence[IndicatorOut], ids: Sequence[str], composite: Sequence[CompositeOut]
) -> LabelOut | None:
    """A CV item: its failing composite CVs, else the first of its indicators' failing CVs (with how many fail),
    else the first that cannot be computed."""
    comp = [f for f in (composite_finding(c) for c in composite) if f is not None]
    if comp:
        return comp[0] if len(comp) == 1 else label_of(Joined(comp))
    cvs = [(ind.id, c) for ind in indicators if ind.id in ids for c in ind.sections]
    failing = [f for f in (cv_finding(view, i, c) for i, c in cvs if c.result == "fail") if f is not None]
    if len(failing) > 1:
        return label_of(Say("report.finding.cv_item", {"n": len(failing), "first": failing[0]}))
    if failing:
        return failing[0]
    lacking = [f for f in (cv_finding(view, i, c) for i, c in cvs if c.result == "not_evaluated") if f is not None]
    return lacking[0] if lacking else None


def composite_finding(c: CompositeOut) -> LabelOut | None:
    """A composite CV over its limit, by how much."""
    compared = c.cv_compared if c.cv_compared is not None else c.cv
    if c.result != "fail" or compared is None or c.limit is None:
        return None
    args = {
        "section": Cat("section", c.section),
        "cv": Qty(compared, digits=4),
        "limit": Qty(c.limit),
        "excess": Qty(compared - c.limit, digits=4),
    }
    return label_of(Say("report.finding.composite", args))
