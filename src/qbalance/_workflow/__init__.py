"""The county office's work built on evaluation: the rectification plan (``plan``), scenarios and their comparison
(``scenario``, ``scenario_eval``), the data-entry template (``template``), pack documents and lint (``pack_doc``),
the pack tests (``packtest``) and the history store (``history``: a county's data and reports year by year).

May import: every layer below (``_base`` … ``_api``). Internal: the public API is what ``qbalance`` exports.
"""
