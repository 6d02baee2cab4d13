"""Pure numpy kernels: the student-weighted CV per group, tolerant three-valued comparison, k-of-n with a floor,
Kleene conjunction, group reductions, apportionment of shared facilities and CV rounding. No YAML, pydantic or units.

May import: nothing from qbalance (numpy only). Internal: the public API is what ``qbalance`` exports.
"""
