"""The typed rectification plan (``qbalance-plan/1``): per-school additions in real units, totals, and the
evaluation before and after. Made by :mod:`qbalance._workflow.plan`; read by the renderers.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from .._data.edits import add_to_county
from .._data.models import County
from .model import CountyOut, LabelOut, Provenance

__all__ = ["PLAN_FORMAT", "IndicatorPlan", "Plan", "PlanRow", "SchoolPlan"]

PLAN_FORMAT: Final = "qbalance-plan/1"
_CFG = ConfigDict(extra="forbid", frozen=True)


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


class Plan(BaseModel):
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

    def to_json(self, indent: int | None = 2) -> str:
        """The plan as JSON (deterministic)."""
        return self.model_dump_json(indent=indent)

    def apply(self, county: County) -> County:
        """A copy of ``county`` with every addition made (the input is not changed)."""
        return add_to_county(county, self.rows)
