"""Text that crosses a trust boundary: ids compared as people read them, names from data made safe for the terminal
and for spreadsheets that open a CSV file. (Markup is escaped by the renderers that write it.)
"""

from __future__ import annotations

import re
import unicodedata

from .messages import Msg, msg

__all__ = ["FORMULA_STARTS", "NAME_FORBIDDEN", "id_key", "name_problem", "spreadsheet_safe", "terminal_safe"]

_INVISIBLE = {"Cf", "Cc", "Zl", "Zp"}
"""Unicode categories that show nothing: format characters (zero-width space and joiners, BOM, bidi marks) and
control characters."""


def id_key(text: str) -> str:
    """An id as a person reads it: NFKC-normalised (full-width ``１２３`` is ``123``), without invisible characters
    and surrounding blanks. Two ids with the same key are the same school to a reader, so they are a duplicate."""
    normal = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in normal if unicodedata.category(ch) not in _INVISIBLE).strip()


def terminal_safe(text: str) -> str:
    """``text`` without control and format characters (escape sequences, bidi overrides), newlines and tabs kept:
    names from data must not drive the user's terminal."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is run as a formula by Excel, WPS or LibreOffice when a CSV is opened."""


def spreadsheet_safe(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows instead of running: a leading apostrophe before a cell that would
    start a formula (``=cmd|...``, ``+1``, ``@SUM(...)``), the usual neutralisation; other text unchanged."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


NAME_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""The characters :func:`name_problem` refuses, as one pattern: a whole column can be searched at once."""


def name_problem(text: str) -> Msg | None:
    """Why ``text`` cannot be a school or county name, or None: control characters (an escape sequence, a bell, a
    NUL) and bidirectional overrides make a name display as something else, drive a terminal, or break a workbook.
    Tabs and line breaks are allowed (they are only shown as blanks)."""
    bad = [ch for ch in text if (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r") or ch in _BIDI_CONTROLS]
    if not bad:
        return None
    shown = ", ".join(sorted({f"U+{ord(ch):04X}" for ch in bad}))
    return msg("data.name_control", chars=shown)
