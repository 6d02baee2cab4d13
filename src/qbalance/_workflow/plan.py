"""The rectification plan (整改方案): the smallest additions that bring every school section to what the per-school
rule needs and every between-school CV under its limit.

Two steps per indicator, both in the real unit of the input the pack names as the indicator's ``addition``
(teachers, m², yuan, rooms):

1. **Per school.** Each section that fails the k-of-n rule gets the additions that make it pass: indicators are
   raised to their thresholds, except the ones the rule tolerates (up to n − k, the largest relative gaps, which
   need only reach the floor). Whole units (teachers, rooms) are rounded up.
2. **Balance.** If the CV is still above its limit, resources go to the lowest schools first, to a common level
   (water-filling). For a fixed total the weighted mean is fixed, so the CV is smallest when Σ Pᵢ·Yᵢ² is, and the
   Karush–Kuhn–Tucker conditions give Yᵢ = max(Xᵢ, L): the lowest schools are raised to one level L. Raising L only
   lowers the CV (dV/dL = 2·P_S·(L − X̄)/P ≤ 0 while the mean grows), so the smallest L that meets the limit is the
   cheapest plan. Continuous inputs use that L (found by bisection); whole-unit inputs use the exact integer form —
   add one unit at a time where it lowers the CV most (optimal for separable convex allocation) — and stop at the
   first total that meets the limit. docs/plan.md has the proof.

Shared facilities of multi-section schools raise both sections at once; such schools are planned per section and
the school gets the larger addition, then the plan is re-checked and topped up until it passes (documented: the
optimality proof covers independent sections). Applying the plan and evaluating again is part of the result.

With a safety ``margin``, every CV is brought to its limit minus the margin (0.48 for a 0.50 limit with
``margin=0.02``), so that small corrections of the data do not tip it back over.

What adding resources cannot fix is listed, not hidden (``cannot_fix``): every item still failing after the plan
that is not a resource item (school size, class size, room areas, certificates, county policies), per school where
it fails at a school, and every resource gap the plan cannot close (missing data, no input to add to), each with
the sentence that says what is wrong.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._api.standard import Standard, load_standard
from .._base.messages import text
from .._base.vocabulary import SECTIONS
from .._data.edits import add_to_table
from .._data.table import Table
from .._engine.evaluate import Results
from .._engine.shortfall import Slopes, needed_addition
from .._kernels.numeric import compare, grouped_weighted_stats, round_half_up
from .._report.explain import Say, Who, label_of
from .._report.labels import category
from .._report.model import ItemOut, LabelOut, SchoolSectionOut, ValueOut
from .._report.plan import CannotFix, IndicatorPlan, Plan, PlanRow, SchoolPlan
from .._report.plan_model import CannotFixReason
from .._report.report import Report

__all__ = ["make_plan", "plan"]

MAX_ROUNDS = 12


@dataclass
class _Work:
    """Additions accumulated per (input, school row or section row)."""

    school: dict[tuple[str, int], float] = field(default_factory=dict)
    section: dict[tuple[str, int], float] = field(default_factory=dict)
    rows: list[PlanRow] = field(default_factory=list)


def _status_map(report: Report, item_ids: list[str]) -> dict[str, str]:
    return {i: report.item(i).status for i in item_ids}


@dataclass
class _Gaps:
    """What the plan cannot fix, as it is found: the plain texts of ``not_planned`` (kept as they always were) and
    the structured ``cannot_fix`` entries."""

    texts: list[str] = field(default_factory=list)
    entries: list[CannotFix] = field(default_factory=list)

    def add(
        self, item: ItemOut, reason: CannotFixReason, why: LabelOut, srow: Any = None, text_: str | None = None
    ) -> None:
        """One gap: the item, the school (section) when it is one school's, why; and its plain text, if any."""
        self.entries.append(
            CannotFix(
                item=item.id,
                label=item.label,
                school_id=getattr(srow, "school_id", None),
                school_name=getattr(srow, "school_name", None),
                section=getattr(srow, "section", None),
                reason=reason,
                why=why,
            )
        )
        if text_ is not None:
            self.texts.append(text_)


def make_plan(
    data: Any,
    standard: str | Standard = "cn-moe-2017",
    *,
    costs: dict[str, float] | None = None,
    margin: float = 0.0,
    survey: Any = None,
    roster: Any = None,
) -> Plan:
    """Plan the smallest additions that fix the resource items of ``data`` (any form :func:`qbalance.evaluate` takes).

    ``costs`` (optional, yuan per unit of each input, e.g. ``{"teachers.backbone": 150000}``) decides which indicator
    a school leaves as its tolerated one: the one whose full closing costs most beyond the floor. Without it the
    largest relative gap is tolerated. Given costs must cover every input a tolerated choice involves.

    ``margin`` (optional, 0 ≤ margin < the smallest CV limit) is a safety margin on the CV limits: every CV is
    brought to its limit minus the margin. ``survey`` and ``roster`` are read with the county, as by
    :meth:`Standard.evaluate`.
    """
    std = load_standard(standard)
    cp = std.compiled
    k_items = [i for i, ci in cp.items.items() if ci.spec.kind == "k_of_n"]
    cv_items = [i for i, ci in cp.items.items() if ci.spec.kind == "cv_limit"]
    margin = _checked_margin(std, cv_items, margin)
    table = std.read(data, survey=survey, roster=roster).table
    results = std.run(table)
    before = std.report(results)
    addressed = k_items + cv_items
    gaps = _Gaps()
    step = _ThresholdStep(results, _floor(std, k_items), costs, gaps, before.item(k_items[0]) if k_items else None)
    rows = _merge_school_rows(step.rows(before))
    rows, current, levels = _balance_rounds(std, table, rows, cv_items, _Balance(before, gaps, margin))
    after = std.report(std.run(current))
    units, totals = _units_and_totals(rows)
    return Plan(
        provenance=before.provenance,
        county=before.county,
        units=units,
        totals=totals,
        rows=rows,
        schools=_school_plans(rows),
        indicators=_indicator_plans(std, before, after, rows, levels),
        verdict_before=before.verdict,
        verdict_after=after.verdict,
        items_before=_status_map(before, addressed),
        items_after=_status_map(after, addressed),
        not_planned=gaps.texts,
        cannot_fix=gaps.entries + _unfixed(before, after, addressed, gaps),
        margin=margin,
    )


def _checked_margin(std: Standard, cv_items: list[str], margin: Any) -> float:
    """The safety margin as a number, refused unless 0 ≤ margin < the smallest CV limit of the pack."""
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not math.isfinite(margin):
        raise ValueError(text("plan.error.margin_number", margin=repr(margin)))
    limits: list[float] = []
    for item_id in cv_items:
        item_limits = std.compiled.items[item_id].limits
        if item_limits is not None:
            limits += [float(x) for x in np.ravel(item_limits) if math.isfinite(float(x))]
    smallest = min(limits, default=math.inf)
    if not 0 <= margin < smallest:
        raise ValueError(text("plan.error.margin", limit=f"{smallest:g}", margin=f"{margin:g}"))
    return float(margin)


def _unfixed(before: Report, after: Report, addressed: list[str], gaps: _Gaps) -> list[CannotFix]:
    """What still fails after the plan and adding resources cannot fix: every other failing or undecided item (per
    school where it fails at schools; marked when it passed before the additions), and the addressed items still
    not passing that no gap explains."""
    out = _Gaps()
    explained = {e.item for e in gaps.entries}
    for item in after.items:
        if item.status not in ("fail", "not_evaluated"):
            continue
        if item.status == "fail" and before.item(item.id).status in ("pass", "not_applicable"):
            out.add(item, "new_after_plan", _why("plan.why.new_after_plan", item.finding, item.label))
            continue
        if item.id in addressed:
            if item.id not in explained:
                reason: CannotFixReason = "still_failing" if item.status == "fail" else "not_evaluated"
                out.add(item, reason, _why(f"plan.why.{reason}", item.finding, item.label))
            continue
        rows = [r for r in item.rows if r.result in ("fail", "not_evaluated")]
        for row in rows:
            reason = "not_a_resource" if row.result == "fail" else "not_evaluated"
            out.add(item, reason, _why(f"plan.why.{reason}", row.finding or item.finding, item.label), row)
        if not rows:
            reason = "not_a_resource" if item.status == "fail" else "not_evaluated"
            out.add(item, reason, _why(f"plan.why.{reason}", item.finding, item.label))
    return out.entries


def _why(key: str, finding: LabelOut | None, label: LabelOut) -> LabelOut:
    """A cannot-fix sentence around what is wrong (the item's label when nothing more is known)."""
    return label_of(Say(key, {"finding": finding if finding is not None else label}))


@dataclass
class _ThresholdStep:
    """Step 1, per school: the additions that make each failing section pass its k-of-n rule, the tolerated
    indicators raised only to the floor. Problems that block a school's plan are appended to ``not_planned``."""

    results: Results
    floor: float
    costs: dict[str, float] | None
    gaps: _Gaps
    item: ItemOut | None

    def rows(self, before: Report) -> list[PlanRow]:
        """The threshold and floor additions of every failing section of ``before`` (not yet merged per school)."""
        row_of = _section_rows(self.results)
        rows: list[PlanRow] = []
        for srow in before.schools:
            if srow.result == "not_evaluated":
                self._gap(srow, "missing_data", _why("plan.why.missing_data", srow.finding, self._label()),
                          f"{srow.school_id} {srow.section}: missing data ({', '.join(srow.missing)})")  # fmt: skip
                continue
            if srow.result != "fail" or srow.required is None:
                continue
            allowed = max(0, len(srow.values) - math.ceil(srow.required))
            rows.extend(self._section_additions(srow, row_of[(srow.school_id, srow.section)], allowed))
        return rows

    def _section_additions(self, srow: SchoolSectionOut, r: int, allowed: int) -> list[PlanRow]:
        """One failing section's additions: every unmet indicator to its threshold, or to the floor if tolerated."""
        unmet = [v for v in srow.values if v.met is False]
        by_saving = sorted(unmet, key=lambda u: self._saving(u, srow, r), reverse=True)
        tolerated = {v.indicator for v in by_saving[:allowed]}
        rows: list[PlanRow] = []
        for v in unmet:
            slopes = self.results.slopes(v.indicator)
            if slopes is None or v.value is None or v.threshold is None:
                self._gap(srow, "no_addition", self._indicator_why("plan.why.no_addition", srow, v.indicator),
                          f"{srow.school_id} {srow.section} {v.indicator}: no linear addition input")  # fmt: skip
                continue
            target = self.floor * v.threshold if v.indicator in tolerated else v.threshold
            amount = needed_addition(target - v.value, float(slopes.per_unit[r]), slopes.integer)
            if amount is None:
                self._gap(srow, "unreachable", self._indicator_why("plan.why.unreachable", srow, v.indicator),
                          f"{srow.school_id} {srow.section} {v.indicator}: cannot be reached by adding")  # fmt: skip
                continue
            if amount > 0:
                rows.append(
                    PlanRow(
                        school_id=srow.school_id,
                        school_name=srow.school_name,
                        section=srow.section if slopes.level == "section" else None,
                        input=slopes.input,
                        unit=slopes.unit,
                        amount=amount,
                        reason="floor" if v.indicator in tolerated else "threshold",
                        indicator=v.indicator,
                    )
                )
        return rows

    def _label(self) -> LabelOut:
        return self.item.label if self.item is not None else LabelOut(zh="k_of_n")

    def _gap(self, srow: SchoolSectionOut, reason: CannotFixReason, why: LabelOut, plain: str) -> None:
        """A school section the threshold step cannot plan, and why."""
        item = self.item or ItemOut(id="k_of_n", area="", kind="k_of_n", label=self._label(), status="fail")
        self.gaps.add(item, reason, why, srow, plain)

    def _indicator_why(self, key: str, srow: SchoolSectionOut, iid: str) -> LabelOut:
        """Why one indicator of a school section cannot be planned (no input to add to, or out of reach)."""
        who = Who(srow.school_name, _Section(srow.section))
        return label_of(Say(key, {"who": who, "indicator": _indicator_label(self.results, iid)}))

    def _saving(self, v: ValueOut, srow: SchoolSectionOut, r: int) -> float:
        """What tolerating ``v`` saves: yuan when costs are given, else the relative gap it leaves open."""
        ratio = v.ratio if v.ratio is not None else 0.0
        costs = self.costs
        if not costs:
            return float(min(1.0 - ratio, 1.0 - self.floor))
        slopes = self.results.slopes(v.indicator)
        if slopes is None or v.value is None or v.threshold is None:
            return 0.0
        if slopes.input not in costs:
            raise ValueError(
                text("plan.error.no_cost", input=slopes.input, school=srow.school_id, section=srow.section)
            )
        per_unit = float(slopes.per_unit[r])
        full = needed_addition(v.threshold - v.value, per_unit, slopes.integer)
        part = needed_addition(self.floor * v.threshold - v.value, per_unit, slopes.integer)
        if full is None or part is None:
            return 0.0
        return float((full - part) * costs[slopes.input])


@dataclass(frozen=True)
class _Section:
    """A section as a sentence argument (小学 / primary)."""

    section: str

    def text(self, lang: str) -> str:
        return category("section", self.section, lang)


def _indicator_label(results: Results, iid: str) -> LabelOut:
    """An indicator as sentences name it: its id and short label (R6 仪器设备)."""
    spec = results.pack.pack.indicators[iid]
    short = spec.short or spec.label
    return LabelOut(zh=f"{iid} {short.zh}", en=f"{iid} {short.en or short.zh}")


@dataclass(frozen=True)
class _Balance:
    """What the balancing rounds need besides the county: the report before (for item labels), where gaps go, and
    the safety margin under each CV limit."""

    before: Report
    gaps: _Gaps
    margin: float


def _balance_rounds(
    std: Standard, table: Table, rows: list[PlanRow], cv_items: list[str], how: _Balance
) -> tuple[list[PlanRow], Table, dict[tuple[str, str], float | None]]:
    """Step 2: balancing rounds on the county with ``rows`` added, topped up until every CV meets its limit less the
    margin (at most ``MAX_ROUNDS``). Returns the merged rows, the county with them added, and the level per
    (indicator, section)."""
    current = add_to_table(table, rows)
    levels: dict[tuple[str, str], float | None] = {}
    for _ in range(MAX_ROUNDS):
        new_rows = _balance_round(std, std.run(current), cv_items, levels, how)
        if not new_rows:
            break
        rows = _merge_school_rows(rows + new_rows)
        current = add_to_table(table, rows)
    return rows, current, levels


def _balance_round(
    std: Standard,
    results: Results,
    cv_items: list[str],
    levels: dict[tuple[str, str], float | None],
    how: _Balance,
) -> list[PlanRow]:
    """One balancing round: water-filling additions for every section whose CV is above its limit less the margin
    in ``results``; records the level reached in ``levels`` and the CVs that adding cannot lower as gaps."""
    report = std.report(results)
    new_rows: list[PlanRow] = []
    for item_id in cv_items:
        ci = std.compiled.items[item_id]
        for iid in ci.spec.indicators or []:
            for cvo in report.indicator(iid).sections:
                if cvo.limit is None or cvo.cv_compared is None:
                    continue
                target = cvo.limit - how.margin
                if compare("<=", cvo.cv_compared, target, std.compiled.tolerance)[()] == 1.0:
                    continue
                add, level = _balance(std, results, iid, cvo.section, target, ci.spec)
                if add is None:
                    indicator = _indicator_label(results, iid)
                    why = label_of(
                        Say("plan.why.cv_not_lowered", {"indicator": indicator, "section": _Section(cvo.section)})
                    )
                    plain = f"{iid} {cvo.section}: the CV cannot be lowered by adding to schools"
                    how.gaps.add(how.before.item(item_id), "cv_not_lowered", why, _SectionOnly(cvo.section), plain)
                    continue
                levels[(iid, cvo.section)] = level
                new_rows.extend(add)
    return new_rows


def _units_and_totals(rows: list[PlanRow]) -> tuple[dict[str, str], dict[str, float]]:
    """The unit of each input and the total added of it, inputs in the order they first appear in ``rows``."""
    units: dict[str, str] = {}
    totals: dict[str, float] = {}
    for prow in rows:
        units[prow.input] = prow.unit
        totals[prow.input] = totals.get(prow.input, 0.0) + prow.amount
    return units, totals


def _school_plans(rows: list[PlanRow]) -> list[SchoolPlan]:
    """The summary per school: what it gets of each input and why (indicator, section, reason), in row order."""
    per_school: dict[str, dict[str, Any]] = {}
    for prow in rows:
        entry = per_school.setdefault(prow.school_id, {"name": prow.school_name, "add": {}, "why": []})
        entry["add"][prow.input] = entry["add"].get(prow.input, 0.0) + prow.amount
        sec = f" {prow.section}" if prow.section else ""
        entry["why"].append(f"{prow.indicator}{sec} {prow.reason}")
    return [
        SchoolPlan(school_id=sid, school_name=e["name"], additions=e["add"], reasons=sorted(set(e["why"])))
        for sid, e in per_school.items()
    ]


def _indicator_plans(
    std: Standard, before: Report, after: Report, rows: list[PlanRow], levels: dict[tuple[str, str], float | None]
) -> list[IndicatorPlan]:
    """The summary per indicator and section that gets additions: the CV before and after, the threshold and
    balancing additions, and the water level reached."""
    sections_of: dict[str, set[str]] = {}
    for srow in before.schools:
        sections_of.setdefault(srow.school_id, set()).add(srow.section)
    indicators: list[IndicatorPlan] = []
    for iid, ind in std.compiled.indicators.items():
        for section in std.pack.sections:
            rows_i = [
                r
                for r in rows
                if r.indicator == iid
                and (r.section == section or (r.section is None and section in sections_of.get(r.school_id, ())))
            ]
            cv_b = next((c for c in before.indicator(iid).sections if c.section == section), None)
            cv_a = next((c for c in after.indicator(iid).sections if c.section == section), None)
            if not rows_i or cv_b is None:
                continue
            indicators.append(
                IndicatorPlan(
                    indicator=iid,
                    label=LabelOut(zh=ind.spec.label.zh, en=ind.spec.label.en),
                    section=section,
                    input=rows_i[0].input,
                    unit=rows_i[0].unit,
                    cv_before=cv_b.cv,
                    cv_after=cv_a.cv if cv_a else None,
                    limit=cv_b.limit,
                    threshold_additions=sum(r.amount for r in rows_i if r.reason != "balance"),
                    balance_additions=sum(r.amount for r in rows_i if r.reason == "balance"),
                    level=levels.get((iid, section)),
                )
            )
    return indicators


def _floor(std: Standard, k_items: list[str]) -> float:
    if not k_items:
        return 1.0
    return float(std.compiled.items[k_items[0]].scalars.get("floor", 1.0))


def _section_rows(results: Results) -> dict[tuple[str, str], int]:
    table = results.table
    school_of = table.ancestor("school", "section")
    codes = table.levels["section"].columns["section"].astype(np.int64)
    return {(table.school_ids[int(school_of[r])], SECTIONS[int(codes[r])]): r for r in range(codes.size)}


def _merge_school_rows(rows: list[PlanRow]) -> list[PlanRow]:
    """One row per (school, section, input, reason-kind): a shared facility gets the larger of its sections' needs
    for the same purpose, section inputs add up."""
    merged: dict[tuple[str, str | None, str, str, str], PlanRow] = {}
    for r in rows:
        key = (r.school_id, r.section, r.input, r.indicator, "balance" if r.reason == "balance" else "fix")
        if key in merged:
            prev = merged[key]
            if r.section is None:
                amount = max(prev.amount, r.amount) if r.reason != "balance" else prev.amount + r.amount
            else:
                amount = prev.amount + r.amount if r.reason == "balance" else max(prev.amount, r.amount)
            merged[key] = prev.model_copy(update={"amount": amount})
        else:
            merged[key] = r
    return list(merged.values())


def _balance(
    std: Standard, results: Results, iid: str, section: str, limit: float, spec: Any
) -> tuple[list[PlanRow] | None, float | None]:
    """Water-filling additions that bring one indicator's CV in one section down to ``limit``."""
    table = results.table
    ind = results.indicators[iid]
    slopes: Slopes | None = results.slopes(iid)
    if slopes is None:
        return None, None
    code = SECTIONS.index(section)
    sec_codes = table.levels["section"].columns["section"].astype(np.int64)
    rows = np.flatnonzero(ind.in_scope & (sec_codes == code))
    x = ind.value[rows].astype(np.float64)
    w = ind.weight[rows].astype(np.float64)
    s = slopes.per_unit[rows].astype(np.float64)
    if not (np.all(np.isfinite(x)) and np.all(s > 0)):
        return None, None
    decimals = spec.rounding.decimals if spec.rounding else None
    mode = spec.rounding.mode if spec.rounding else "half_up"
    tol = std.compiled.tolerance

    def ok(y: np.ndarray) -> bool:
        stats = grouped_weighted_stats(y, w, np.zeros(y.size, dtype=np.int64), 1)
        compared = round_half_up(stats.cv, decimals, mode)
        return bool(compare("<=", compared, limit, tol)[0] == 1.0)

    if ok(x):
        return [], None
    school_of = table.ancestor("school", "section")
    if slopes.integer:
        units = _integer_fill(x, w, s, ok)
        level = None
    else:
        units, level = _continuous_fill(x, s, ok)
    if units is None:
        return None, None
    out: list[PlanRow] = []
    for j, amount in enumerate(units):
        if amount <= 0:
            continue
        r = int(rows[j])
        si = int(school_of[r])
        out.append(
            PlanRow(
                school_id=table.school_ids[si],
                school_name=table.school_names[si],
                section=section if slopes.level == "section" else None,
                input=slopes.input,
                unit=slopes.unit,
                amount=float(amount),
                reason="balance",
                indicator=iid,
            )
        )
    return out, level


def _integer_fill(x: np.ndarray, w: np.ndarray, s: np.ndarray, ok: Any, max_units: int = 200_000) -> np.ndarray | None:
    """Whole units, one at a time, each where it lowers Σ wᵢ·yᵢ² the least per unit of mean it adds — i.e. to the
    lowest school (the separable-convex greedy, optimal for every total); stop at the first total that passes."""
    y = x.copy()
    units = np.zeros(x.size)
    # marginal increase of Σ w y² per unit, divided by the mean it adds (w s): 2y + s  (lowest first)
    heap = [(2 * y[i] + s[i], i) for i in range(x.size)]
    heapq.heapify(heap)
    for _ in range(max_units):
        _, i = heapq.heappop(heap)
        y[i] += s[i]
        units[i] += 1
        heapq.heappush(heap, (2 * y[i] + s[i], i))
        if ok(y):
            return units
    return None


def _continuous_fill(x: np.ndarray, s: np.ndarray, ok: Any) -> tuple[np.ndarray | None, float | None]:
    """Raise every value below a level L to L; the smallest L that passes (bisection), additions rounded up."""
    lo, hi = float(np.min(x)), float(np.max(x))
    if not ok(np.maximum(x, hi)):
        return None, None
    for _ in range(100):
        mid = (lo + hi) / 2
        if ok(np.maximum(x, mid)):
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-12 * max(1.0, abs(hi)):
            break
    level = hi
    for _ in range(50):
        units = np.array([needed_addition(max(0.0, level - xi), si, True) or 0.0 for xi, si in zip(x, s, strict=True)])
        if ok(x + units * s):
            return units, level
        level += (float(np.max(x)) - level) * 1e-6 + 1e-9
    return None, None


@dataclass(frozen=True)
class _SectionOnly:
    """A gap about one section of the whole county (a CV), with no school."""

    section: str
    school_id: None = None
    school_name: None = None


def plan(
    data: Any,
    standard: str | Path | Standard = "cn-moe-2017",
    *,
    costs: dict[str, float] | None = None,
    margin: float = 0.0,
) -> Plan:
    """The rectification plan (整改方案) for one county: the smallest additions that fix its resource items.

    Returns a :class:`Plan` (per-school additions in real units, totals, the evaluation before and after, and what
    adding resources cannot fix). ``costs`` optionally gives yuan per unit of each input, to choose which indicator
    a school may leave short; ``margin`` (0 ≤ margin < the smallest CV limit) plans every CV to its limit minus the
    margin.
    """
    return make_plan(data, load_standard(standard), costs=costs, margin=margin)
