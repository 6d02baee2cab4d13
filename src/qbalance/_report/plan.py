"""The public :class:`Plan` (整改方案, ``qbalance-plan/1``): the plan's data (:class:`~.plan_model.PlanData`) plus
the ways to use it — apply it to a county, show it as text, a table or a notebook view. Made by
:mod:`qbalance._workflow.plan`. Renderers read only ``PlanData``, so they never import this module.
"""

from __future__ import annotations

from typing import Any

from .._base.messages import current_language
from .._data.edits import add_to_county
from .._data.models import County
from .plan_model import PLAN_FORMAT, CannotFix, IndicatorPlan, PlanData, PlanRow, SchoolPlan

__all__ = ["PLAN_FORMAT", "CannotFix", "IndicatorPlan", "Plan", "PlanRow", "SchoolPlan"]


class Plan(PlanData):
    """A rectification plan for one county under one standard, with the evaluation before and after."""

    def apply(self, county: County) -> County:
        """A copy of ``county`` with every addition made (the input is not changed)."""
        return add_to_county(county, self.rows)

    def to_text(self, lang: str = "zh") -> str:
        """The plan as plain text: verdicts, totals, one block per school (一校一策), the CVs, what it cannot fix
        (Chinese by default, ``lang="en"`` for English)."""
        from .text import render_plan_text

        return render_plan_text(self, lang)

    def to_frame(self, lang: str = "zh") -> Any:
        """The additions as a pandas DataFrame, one row per addition: school, section, indicator, input, amount,
        unit and why, with headers in ``lang`` (``frames`` extra)."""
        from .views import plan_frame

        return plan_frame(self, lang)

    def _repr_html_(self) -> str:
        """A compact view for Jupyter: the verdicts, the totals and what the plan cannot fix."""
        from .views import plan_html_repr

        return plan_html_repr(self, current_language())

    def __str__(self) -> str:
        from .views import plan_summary

        return plan_summary(self, current_language())

    def __repr__(self) -> str:
        from .views import plan_repr

        return plan_repr(self, current_language())
