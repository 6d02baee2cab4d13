"""Runs a compiled pack over a table for every county at once: the runtime that expressions evaluate against, scopes,
indicators, items, areas and the verdict (``evaluate``), and the slopes that say how much of an input closes a gap
(``shortfall``). Results are columnar.

May import: ``_base``, ``_kernels``, ``_units``, ``_dsl``, ``_packs``, ``_data``. Internal: the public API is what
``qbalance`` exports.
"""
