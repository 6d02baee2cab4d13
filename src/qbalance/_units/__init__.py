"""The one pint unit registry (built from ``units.txt``, data not code) and the reading of quantities with units into
canonical float values; dimensions and conversion factors for the pack compiler.

May import: ``_base``. Internal: the public API is what ``qbalance`` exports.
"""
