"""Rule packs as data: the pack schema, finding packs (shipped, paths, search path, entry points), resolving
``extends`` chains and overlays with every rule's origin, validating, compiling every expression, checking the
teacher-roster definitions, and loading all of that by reference (``loading``).

May import: ``_base``, ``_kernels``, ``_units``, ``_dsl``. Internal: the public API is what ``qbalance`` exports.
"""
