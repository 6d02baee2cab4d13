"""Human-facing words for renderers, read from the message catalogue (``_base/catalogue/report.yaml`` and
``plan.yaml``): Chinese first, English available. Identifiers stay English everywhere.

These functions are the renderers' one way to a word: a heading (:func:`word`), a status or verdict
(:func:`status_word`, :func:`verdict_word`), a category, a unit, an input's label. The sentences themselves live in
the catalogue, never here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .._base.messages import catalogue, field_label, pick, text, unit_text
from .._base.vocabulary import CATEGORY_LABELS

__all__ = [
    "category",
    "date_text",
    "input_label",
    "labelled",
    "paren",
    "plan_reason",
    "plan_word",
    "quantity",
    "sep",
    "status_word",
    "unit_word",
    "verdict_word",
    "veto_word",
    "word",
]


def word(key: str, lang: str = "zh", **args: Any) -> str:
    """A fixed word, heading or sentence of the report in ``lang`` (``report.<key>`` in the catalogue)."""
    return text(f"report.{key}", lang, **args)


def plan_word(key: str, lang: str = "zh", **args: Any) -> str:
    """A word or sentence of the rectification plan in ``lang`` (``plan.<key>`` in the catalogue)."""
    return text(f"plan.{key}", lang, **args)


def category(field: str, value: str, lang: str = "zh") -> str:
    """The label of a category value (school type, location, section...)."""
    pair = CATEGORY_LABELS.get(field, {}).get(value)
    return pick(pair, lang) if pair else value


def verdict_word(verdict: str, lang: str = "zh") -> str:
    """The verdict (pass, fail, incomplete) as the report says it: 通过, 未通过, 数据不全，无法认定."""
    key = f"report.verdict.{verdict}"
    return text(key, lang) if key in catalogue() else verdict


def status_word(status: str, lang: str = "zh") -> str:
    """The label of a status (pass, fail, not_evaluated, not_applicable), or of a verdict."""
    key = f"report.status.{status}"
    return text(key, lang) if key in catalogue() else verdict_word(status, lang)


def veto_word(status: str, lang: str = "zh") -> str:
    """A veto item 'passes' when the finding is absent; say so plainly."""
    key = f"report.veto.{status}"
    return text(key, lang) if key in catalogue() else status_word(status, lang)


def plan_reason(reason: str, lang: str = "zh") -> str:
    """Why the plan adds something: reach the threshold, reach the floor, lower the CV."""
    key = f"plan.reason.{reason}"
    return text(key, lang) if key in catalogue() else reason


_SINGULAR = {"teachers": "teacher", "rooms": "room", "students": "student", "devices": "device", "books": "book",
             "classes": "class", "items": "item", "hours": "hour"}  # fmt: skip


def unit_word(unit: str | None, lang: str = "zh", amount: float | None = None) -> str:
    """A counting or physical unit as a person writes it (人, 间, 平方米, 元...); unknown units as given. In English,
    an ``amount`` of exactly 1 takes the singular (1 teacher, 2 teachers)."""
    if not unit:
        return ""
    if unit in ("class", "class_"):  # a count of classes in a table column: 个 (units.yaml's 个班 reads in sentences)
        return text("report.unit_class_one" if amount == 1 else "report.unit_class", lang)
    word_ = unit_text(unit, lang)
    return _SINGULAR.get(word_, word_) if lang == "en" and amount == 1 else word_


def input_label(name: str | None, lang: str = "zh") -> str:
    """The label of a standard input (``teachers.backbone``, ``facilities.equipment_value``); others as given."""
    if not name:
        return ""
    return field_label(name, lang)


_PUNCTUATION = {
    "zh": {"list": "、", "clause": "；", "colon": "："},
    "en": {"list": ", ", "clause": "; ", "colon": ": "},
}
"""The punctuation that joins words in each language (full-width in Chinese): not sentences, only their joints."""


def sep(kind: str, lang: str = "zh") -> str:
    """The separator of a ``list`` (、), of clauses (``clause``: ；) or after a ``colon`` (：) in ``lang``."""
    return _PUNCTUATION["en" if lang == "en" else "zh"][kind]


def paren(inner: str, lang: str = "zh") -> str:
    """``inner`` in brackets as the language writes them after a word: （小学） or `` (primary)``."""
    return f" ({inner})" if lang == "en" else f"（{inner}）"


def labelled(label: str, shown: str, lang: str = "zh") -> str:
    """A label followed by its value: 教学仪器设备值26,800元 / teaching equipment 26,800 yuan."""
    return f"{label} {shown}" if lang == "en" else f"{label}{shown}"


def quantity(number: str, unit: str, lang: str = "zh") -> str:
    """A number with its unit word: 2,380人 in Chinese, 2,380 students in English (no unit: the number)."""
    if not unit:
        return number
    return f"{number} {unit}" if lang == "en" else f"{number}{unit}"


def date_text(date: dt.date, lang: str = "zh") -> str:
    """A date as the report shows it: 2025年3月1日 / 2025-03-01."""
    return word("date", lang, year=date.year, month=date.month, day=date.day, iso=date.isoformat())
