"""The evaluation API: :class:`Standard` and :func:`load_standard`, :func:`evaluate` and :func:`load_county` for one
county, and :func:`evaluate_many` with :class:`BatchResult` for many counties in one pass.

May import: every layer below (``_base`` … ``_report``). Internal: the public API is what ``qbalance`` exports.
"""
