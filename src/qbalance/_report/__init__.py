"""Typed results and their renderers: the report's data (``model``) and its builder from engine results (``build``),
the rectification plan's data (``plan``), the comparison of two reports (``compare``), and the renderers — text,
Markdown, HTML, Excel, DataFrames — that only read them. :class:`Report` (``report``) joins the data to its renderers.

May import: every layer below (``_base`` … ``_engine``). Internal: the public API is what ``qbalance`` exports.
"""
