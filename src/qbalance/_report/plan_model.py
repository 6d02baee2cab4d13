"""The data of a rectification plan (``qbalance-plan/1``): per-school additions in real units, totals, the
evaluation before and after, and what the plan cannot fix. Renderers read :class:`PlanData`; :class:`~.plan.Plan`
adds the ways to show and apply it (as :class:`~.report.Report` does for :class:`~.model.ReportData`).
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from .model import CountyOut, LabelOut, Provenance

__all__ = ["PLAN_FORMAT", "CannotFix", "IndicatorPlan", "PlanData", "PlanRow", "SchoolPlan"]

PLAN_FORMAT: Final = "qbalance-plan/1"
_CFG = ConfigDict(extra="forbid", frozen=True)

CannotFixReason = Literal[
    "not_a_resource",
    "missing_data",
    "no_addition",
    "unreachable",
    "cv_not_lowered",
    "still_failing",
    "not_evaluated",
    "new_after_plan",
]


class PlanRow(BaseModel):
    """One addition at one school, and why."""

    model_config = _CFG
    school_id: str
    school_name: str
    section: str | None = Field(description="the section the addition is for (None: a shared school facility)")
    input: str
    unit: str
    amount: float
    reason: Literal["threshold", "floor", "balance"]
    indicator: str


class IndicatorPlan(BaseModel):
    """What the plan does for one indicator in one section."""

    model_config = _CFG
    indicator: str
    label: LabelOut
    section: str
    input: str
    unit: str
    cv_before: float | None
    cv_after: float | None
    limit: float | None
    threshold_additions: float
    balance_additions: float
    level: float | None = Field(default=None, description="the common level the lowest schools were raised to")


class SchoolPlan(BaseModel):
    """Everything one school needs, summed per input."""

    model_config = _CFG
    school_id: str
    school_name: str
    additions: dict[str, float]
    reasons: list[str]


class CannotFix(BaseModel):
    """Something the plan cannot fix by adding resources: an item (at a school when it fails there), and why."""

    model_config = _CFG
    item: str = Field(description="the item's id")
    label: LabelOut = Field(description="the item's label")
    school_id: str | None = Field(default=None, description="the school, when the item fails at one school")
    school_name: str | None = None
    section: str | None = Field(default=None, description="the section, when the item fails at one section")
    reason: CannotFixReason = Field(
        description="not_a_resource (not a resource item), missing_data, no_addition (no input raises the "
        "indicator), unreachable, cv_not_lowered, still_failing (a resource item still failing after the plan), "
        "not_evaluated (still lacking data after the plan), new_after_plan (passed before, fails once the additions "
        "are made: other data must change with them)"
    )
    why: LabelOut = Field(description="what is wrong and why adding resources does not fix it, in one sentence")


class PlanData(BaseModel):
    """A rectification plan for one county under one standard, with the evaluation before and after."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    format: Literal["qbalance-plan/1"] = PLAN_FORMAT
    provenance: Provenance
    county: CountyOut
    units: dict[str, str] = Field(description="unit of each input the plan adds to")
    totals: dict[str, float] = Field(description="total addition per input, whole county")
    rows: list[PlanRow]
    schools: list[SchoolPlan]
    indicators: list[IndicatorPlan]
    verdict_before: str
    verdict_after: str
    items_before: dict[str, str]
    items_after: dict[str, str] = Field(description="status of the items the plan addresses, after applying it")
    not_planned: list[str] = Field(default_factory=list, description="gaps the plan cannot close, and why")
    cannot_fix: list[CannotFix] = Field(
        default_factory=list,
        description="everything still not met after the plan that adding resources cannot fix: non-resource items "
        "(per school where they fail there) and resource gaps, each with why",
    )
    margin: float = Field(
        default=0.0, description="safety margin on CV limits: the plan brings each CV to its limit minus this"
    )

    def to_json(self, indent: int | None = 2) -> str:
        """The plan as JSON (deterministic)."""
        return self.model_dump_json(indent=indent)
