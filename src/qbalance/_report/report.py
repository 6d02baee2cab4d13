"""The public :class:`Report`: the report's data (:class:`~qbalance._report.model.ReportData`) plus the ways to
render it. Renderers read only ``ReportData``, so they never import this module and this module imports them.
"""

from __future__ import annotations

from os import PathLike
from typing import Any, BinaryIO

from .model import ReportData
from .plan import Plan

__all__ = ["Report"]


class Report(ReportData):
    """The result of evaluating one county against one pack."""

    def to_markdown(self, lang: str = "zh", plan: Plan | None = None) -> str:
        """The report (and optionally its plan) as Markdown: verdict, items, CVs, problem list (问题清单)."""
        from .markdown import render_markdown

        return render_markdown(self, lang, plan)

    def to_html(self, lang: str = "zh", plan: Plan | None = None) -> str:
        """One self-contained HTML page (no network needed) with SVG charts of every indicator and CV."""
        from .html import render_html

        return render_html(self, lang, plan)

    def to_excel(
        self, path_or_buffer: str | PathLike[str] | BinaryIO | None = None, lang: str = "zh", plan: Plan | None = None
    ) -> bytes | None:
        """An Excel workbook (概要, 评估项目, 指标, 问题清单, 整改方案 …); returns the bytes when no target is given.
        Needs the ``excel`` extra (openpyxl)."""
        from .excel import render_xlsx

        return render_xlsx(self, path_or_buffer, lang, plan)

    def to_frame(self, lang: str = "zh") -> dict[str, Any]:
        """pandas DataFrames keyed ``items``, ``indicators``, ``schools``, ``excluded``, ``warnings`` (``frames``
        extra)."""
        from .frames import report_frames

        return report_frames(self, lang=lang)

    def _repr_html_(self) -> str:
        """A compact view for Jupyter: the verdict, the areas and what fails."""
        from .frames import report_html_repr

        return report_html_repr(self)
