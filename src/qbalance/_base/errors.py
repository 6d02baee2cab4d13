"""Error types: every failure names where it happened, and validation reports all problems at once."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import messages
from .messages import Msg


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file or a rule pack, located as precisely as we can.

    ``message`` is the English sentence (stable, for logs and programs); a problem made from the message catalogue
    also carries its ``key`` and ``args``, and :meth:`text` / :meth:`render` show it in Chinese by default.
    """

    message: str
    source: str | None = None
    """File name (or ``<dict>``/``<models>``) the problem is in."""
    location: str | None = None
    """Place inside the source: ``line 12, column 5`` for YAML, ``Sheet!C7`` for Excel, a path otherwise."""
    path: str | None = None
    """Dotted path of the offending value, e.g. ``schools[3].facilities.sports_area``."""
    school_id: str | None = None
    field: str | None = None
    value: Any = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    sheet: str | None = None
    """Workbook sheet of the offending cell (Excel input only)."""
    row: int | None = None
    """1-based row of the offending cell (Excel input only)."""
    column: str | None = None
    """Column letter of the offending cell (Excel input only), e.g. ``C``."""
    key: str | None = None
    """The catalogue key of the message (``data.negative``), when it came from the catalogue."""
    args: dict[str, Any] = dataclasses.field(default_factory=dict)
    """The message's arguments."""
    label: dict[str, str] | None = None
    """The field's label (``{"zh": ..., "en": ...}``) when the pack gives it; built-in fields have theirs."""

    @classmethod
    def of(cls, message: Msg, **where: Any) -> Problem:
        """A problem with a catalogue message; ``where`` are the location fields (source, school_id, field …)."""
        return cls(message.text("en"), key=message.key, args=dict(message.args), **where)

    def text(self, lang: str | None = None) -> str:
        """What is wrong, in ``lang`` (Chinese unless the current language is English)."""
        if self.key is None:
            return self.message
        return messages.text(self.key, lang, **self.args)

    def field_text(self, lang: str | None = None, *, with_key: bool = True) -> str:
        """The field by its label (教学及辅助用房面积), with the key in brackets for engineers when ``with_key``."""
        if self.field is None:
            return ""
        extra = {self.field.split(".")[-1]: self.label} if self.label else None
        shown = messages.field_label(self.field, lang, extra)
        return f"{shown} [{self.field}]" if with_key and shown != self.field else shown

    def render(self, lang: str | None = None) -> str:
        """One readable line: where, which school and field, the value, and what is wrong."""
        where = ":".join(p for p in (self.source, messages.place(self.location, lang)) if p)
        parts = []
        if where:
            parts.append(where)
        if self.school_id is not None:
            parts.append(messages.text("problem.school", lang, school=self.school_id))
        if self.field is not None:
            parts.append(messages.text("problem.field", lang, field=self.field_text(lang)))
        elif self.path:
            parts.append(self.path)
        if self.value is not None:
            parts.append(messages.text("problem.value", lang, value=repr(self.value)))
        prefix = messages.text("problem.separator", lang).join(parts)
        message = self.text(lang)
        return f"{prefix}: {message}" if prefix else message

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly row for problem tables."""
        value = self.value
        if value is not None and not isinstance(value, (str, int, float, bool)):
            value = repr(value)
        return {
            "source": self.source,
            "location": self.location,
            "path": self.path,
            "school_id": self.school_id,
            "field": self.field,
            "value": value,
            "message": self.message,
            "message_zh": self.text("zh"),
            "key": self.key,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
        }


class QbalanceError(Exception):
    """Base class of every error qbalance raises on purpose."""


class _ProblemsError(QbalanceError):
    kind = "problem"

    def __init__(self, problems: Iterable[Problem] | Problem | str | Msg, source: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, source=source)]
        elif isinstance(problems, Msg):
            problems = [Problem.of(problems, source=source)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self.render("en"))

    def render(self, lang: str | None = None) -> str:
        """Every problem, one per line, in ``lang`` (Chinese unless the current language is English)."""
        n = len(self.problems)
        lines = [p.render(lang) for p in self.problems]
        if n == 1:
            return lines[0]
        head = messages.text(f"problem.count_{self.kind.split()[0]}", lang, n=n)
        return "\n".join([head, *("  - " + line for line in lines)])

    def __str__(self) -> str:
        return self.render()

    def table(self) -> list[dict[str, Any]]:
        """Every problem as a row (source, location, path, school_id, field, value, message, sheet, row, column)."""
        return [p.as_dict() for p in self.problems]

    def table_text(self, lang: str = "zh") -> str:
        """The problems as an aligned text table: place (sheet!cell or line), school, field, value, problem."""
        return format_problem_table(self.problems, lang)


class InputError(_ProblemsError, ValueError):
    """A county data file (or dict/table) is invalid. ``problems`` lists every bad value found."""

    kind = "input problem"


class PackError(_ProblemsError, ValueError):
    """A rule pack is invalid, unsafe, or conflicts with another. ``problems`` lists every problem found."""

    kind = "pack problem"


class InvalidValue(ValueError):
    """A value a validator refuses, with its catalogue message (pydantic keeps the exception with the error, so the
    message reaches the problem in both languages)."""

    def __init__(self, message: Msg) -> None:
        self.msg = message
        super().__init__(message.text("en"))


class UnitError(QbalanceError, ValueError):
    """A value has the wrong unit or cannot be read as a quantity."""

    def __init__(self, message: str | Msg) -> None:
        self.msg = message if isinstance(message, Msg) else None
        super().__init__(message.text("en") if isinstance(message, Msg) else message)

    def __str__(self) -> str:
        return self.msg.text() if self.msg is not None else super().__str__()


_TABLE_HEADERS = {
    "zh": ("位置", "学校", "字段", "值", "问题"),
    "en": ("where", "school", "field", "value", "problem"),
}


def _width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def format_problem_table(problems: Sequence[Problem], lang: str = "zh") -> str:
    """Problems as an aligned text table (one line each), for a terminal. Long values are shortened."""
    head = _TABLE_HEADERS.get(lang, _TABLE_HEADERS["zh"])
    rows: list[tuple[str, ...]] = []
    for p in problems:
        where = messages.place(p.location, lang) or p.path or ""
        if p.source and not p.sheet:
            where = f"{p.source}:{where}" if where else p.source
        value = "" if p.value is None else repr(p.value) if not isinstance(p.value, str) else p.value
        if len(value) > 40:
            value = value[:37] + "..."
        rows.append((where, p.school_id or "", p.field_text(lang, with_key=False), value, p.text(lang)))
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(head[:-1])]

    def line(cells: Sequence[str]) -> str:
        padded = [c + " " * (w - _width(c)) for c, w in zip(cells[:-1], widths, strict=True)]
        return "  ".join([*padded, cells[-1]]).rstrip()

    out = [line(head), line(["-" * w for w in widths] + ["-" * _width(head[-1])])]
    out.extend(line(r) for r in rows)
    return "\n".join(out) + "\n"


def join_path(parts: Sequence[str | int]) -> str:
    """Render a path like ``schools[3].facilities.sports_area``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out
