"""The rule packs' expression language: a hand-written, bounded tokenizer and parser into a small AST (``parse``) and a
checker that resolves names, types, units and levels and compiles the AST into closures over numpy arrays
(``compile``). Never ``eval``, ``exec``, ``compile`` or ``ast.parse``.

May import: ``_base``, ``_kernels``, ``_units``. Internal: the public API is what ``qbalance`` exports.
"""
