"""Foundations every layer shares: the error types and problem records (``errors``), safe bounded YAML/JSON loading
with source positions (``documents``), optional-extra imports (``optional``) and the domain's fixed vocabulary of
school types, sections and their Chinese names (``vocabulary``).

May import: nothing from qbalance. Internal: the public API is what ``qbalance`` exports.
"""
