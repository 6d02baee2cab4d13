"""The public :class:`Report`: the report's data (:class:`~qbalance._report.model.ReportData`) plus the ways to
render it. Renderers read only ``ReportData``, so they never import this module and this module imports them.
"""

from __future__ import annotations

import datetime as dt
from os import PathLike
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, overload

from .._base.messages import current_language
from .model import ReportData

if TYPE_CHECKING:  # in annotations only: a report's start does not build the plan's and the ledger's models
    from .ledger_model import LedgerData, TrendsData
    from .plan import Plan

__all__ = ["Report"]


class Report(ReportData):
    """The result of evaluating one county against one pack.

    ``print(report)`` shows a short summary (county, standard, verdict, the items not passed and what is wrong with
    each); :meth:`to_text` the whole report as text; :meth:`to_html`, :meth:`to_markdown`, :meth:`to_excel` the
    documents; :meth:`to_json` the data.
    """

    def to_text(self, lang: str = "zh") -> str:
        """The whole report as plain text for a terminal (Chinese by default, ``lang="en"`` for English)."""
        from .text import render_text

        return render_text(self, lang)

    def to_markdown(self, lang: str = "zh", plan: Plan | None = None, *, date: dt.date | None = None) -> str:
        """The report (and optionally its plan) as Markdown: verdict, items, CVs, problem list (问题清单). ``date``:
        the date shown as the report's date (default today; the JSON report carries no date)."""
        from .markdown import render_markdown

        return render_markdown(self, lang, plan, date=date)

    def to_html(
        self,
        lang: str = "zh",
        plan: Plan | None = None,
        *,
        date: dt.date | None = None,
        ledger: LedgerData | None = None,
        trends: TrendsData | None = None,
    ) -> str:
        """One self-contained HTML page (no network needed): the verdict and 需整改事项 first, then the details,
        with SVG charts of every indicator and CV. ``date``: the report's date (default today). ``trends`` and
        ``ledger`` (from a history: ``History.trends``, ``History.ledger``) add the 历年变化 and 整改台账 sections."""
        from .html import render_html

        return render_html(self, lang, plan, date=date, ledger=ledger, trends=trends)

    def to_excel(
        self,
        path_or_buffer: str | PathLike[str] | BinaryIO | None = None,
        lang: str = "zh",
        plan: Plan | None = None,
        *,
        date: dt.date | None = None,
    ) -> bytes | None:
        """An Excel workbook (概要, 评估项目, 指标, 问题清单, 整改方案 …); returns the bytes when no target is given.
        Needs the ``excel`` extra (openpyxl)."""
        from .excel import render_xlsx

        return render_xlsx(self, path_or_buffer, lang, plan, date=date)

    @overload
    def to_frame(self, lang: str = ..., *, wide: Literal[False] = ...) -> dict[str, Any]: ...

    @overload
    def to_frame(self, lang: str = ..., *, wide: Literal[True]) -> Any: ...

    def to_frame(self, lang: str = "zh", *, wide: bool = False) -> Any:
        """pandas DataFrames keyed ``items``, ``indicators``, ``schools``, ``excluded``, ``warnings`` (``frames``
        extra). With ``wide=True``, one DataFrame instead: a row per school section, a column per indicator value,
        headed in ``lang`` (学校代码, 学校名称, 学段, …, "R1 高学历教师（人/百生）", …, 达标项数, 学校结果,
        问题说明)."""
        from .frames import report_frames, school_wide_frame

        return school_wide_frame(self, lang) if wide else report_frames(self, lang=lang)

    def _repr_html_(self) -> str:
        """A compact view for Jupyter: the verdict, the areas and what fails."""
        from .frames import report_html_repr

        return report_html_repr(self, current_language())

    def __str__(self) -> str:
        from .views import report_summary

        return report_summary(self, current_language())

    def __repr__(self) -> str:
        from .views import report_repr

        return report_repr(self, current_language())
