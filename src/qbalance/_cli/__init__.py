"""The ``qbalance`` command (``main``), its batch and history commands (``batch``, ``history_command``) and the
pytest plugin that collects pack tests (``pytest_plugin``): clients of the layers below, with nothing of their own
to compute.

May import: every layer. Internal: the public API is what ``qbalance`` exports.
"""
