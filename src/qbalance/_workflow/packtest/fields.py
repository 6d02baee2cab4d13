"""The vocabulary of a pack test file: the keys each part may have, the statuses and sections it may name, and the
fields of each report row an expectation may check (with the kind of value each one expects)."""

from __future__ import annotations

import re

VERDICTS = ("pass", "fail", "incomplete")
AREA_STATUSES = ("pass", "fail", "not_evaluated")
ITEM_STATUSES = ("pass", "fail", "not_evaluated", "not_applicable")
SECTIONS = ("primary", "junior")
ERRORS = ("InputError",)

_PACK_ID_RE = re.compile(r"^[a-z][a-z0-9-]{1,63}(@[0-9][0-9A-Za-z.+-]{0,31})?$")
"""A pack named by id (``cn-moe-2017``, ``id@version``) rather than by path."""

_TOP_KEYS = ("format", "pack", "as_of", "base", "base_county", "previous", "description", "cases")
_CASE_KEYS = ("name", "description", "county", "changes", "roster", "previous_changes", "no_previous", "expect")
_CHANGE_KEYS = ("path", "value", "delete")
_EXPECT_KEYS = (
    "verdict",
    "areas",
    "items",
    "vetoes",
    "missing",
    "indicators",
    "composite",
    "schools",
    "error",
    "error_contains",
)
_TOLERANCE_KEYS = ("value", "abs", "rel")

# What each report row offers for comparison: field -> kind of expected value.
_CV_FIELDS: dict[str, str] = {
    "schools": "number",
    "students": "number",
    "county_value": "number",
    "std": "number",
    "cv": "number",
    "cv_compared": "number",
    "limit": "number",
    "result": "status",
    "missing_schools": "ids",
    "top_contributors": "ids",
}
"""Fields of a ``CvOut`` (one indicator in one section), less ``section`` which is the key."""
_COMPOSITE_FIELDS: dict[str, str] = {
    "cv": "number",
    "cv_compared": "number",
    "limit": "number",
    "result": "status",
}
"""Fields of a ``CompositeOut`` (a composite CV in one section), less ``section``."""
_SCHOOL_FIELDS: dict[str, str] = {
    "result": "status",
    "met_count": "number",
    "required": "number",
    "floor_ok": "bool",
    "students": "number",
    "missing": "ids",
    "values": "values",
}
"""Fields of a ``SchoolSectionOut`` (one school section's k-of-n result)."""
_VALUE_FIELDS: dict[str, str] = {
    "value": "number",
    "threshold": "number",
    "ratio": "number",
    "met": "bool",
    "floor_ok": "bool",
    "shortfall": "number",
    "tolerated": "bool",
}
"""Fields of a ``ValueOut`` (one indicator of one school section)."""
