"""County data in: the pydantic input models, the readers (YAML/JSON county files, the data-entry workbook and its
layout, CSV/Parquet/DataFrame/Arrow columns, teacher rosters) and the one form they all produce, the validated
columnar :class:`Table` the engine reads (``intake`` is the one way in); additions of resources to either form.

May import: ``_base``, ``_kernels``, ``_units``, ``_dsl``, ``_packs``. Internal: the public API is what ``qbalance``
exports.
"""
