"""Error types: every failure names where it happened, and validation reports all problems at once."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file or a rule pack, located as precisely as we can."""

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

    def render(self) -> str:
        """One readable line: where, which school and field, the value, and what is wrong."""
        where = ":".join(p for p in (self.source, self.location) if p)
        parts = []
        if where:
            parts.append(where)
        if self.school_id is not None:
            parts.append(f"school {self.school_id}")
        if self.field is not None:
            parts.append(f"field {self.field}")
        elif self.path:
            parts.append(self.path)
        if self.value is not None:
            parts.append(f"value {self.value!r}")
        prefix = ", ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message

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
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
        }


class QbalanceError(Exception):
    """Base class of every error qbalance raises on purpose."""


class _ProblemsError(QbalanceError):
    kind = "problem"

    def __init__(self, problems: Iterable[Problem] | Problem | str, source: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, source=source)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        n = len(self.problems)
        head = f"{n} {self.kind}{'s' if n != 1 else ''}:" if n != 1 else ""
        lines = [p.render() for p in self.problems]
        if n == 1:
            return lines[0]
        return "\n".join([head, *("  - " + line for line in lines)])

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


class UnitError(QbalanceError, ValueError):
    """A value has the wrong unit or cannot be read as a quantity."""


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
        where = p.location or p.path or ""
        if p.source and not p.sheet:
            where = f"{p.source}:{where}" if where else p.source
        value = "" if p.value is None else repr(p.value) if not isinstance(p.value, str) else p.value
        if len(value) > 40:
            value = value[:37] + "..."
        rows.append((where, p.school_id or "", p.field or "", value, p.message))
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
