"""The county office's work built on evaluation: the rectification plan (``plan``), scenarios and their comparison
(``scenario``, ``scenario_eval``), the data-entry template (``template``), pack documents and lint (``pack_doc``) and
the pack tests (``packtest``).

May import: every layer below (``_base`` … ``_api``). Internal: the public API is what ``qbalance`` exports.
"""
