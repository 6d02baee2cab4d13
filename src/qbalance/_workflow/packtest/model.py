"""The pack-test model: a checked test file (:class:`TestFile`) with its cases, each a county, the changes to it and
what the pack must decide (:class:`Expect`), and the outcome of running one case (:class:`CaseResult`).

Only :mod:`.check_file` builds a :class:`TestFile` (through :func:`load_test_file`), so every value here has been
checked: an expectation is never a typo that silently tests nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .show import _display, _fmt_number

if TYPE_CHECKING:
    from ..._base.documents import Loaded
    from ..._report.report import Report

DEFAULT_REL_TOL = 1e-9
DEFAULT_ABS_TOL = 1e-12


def _finite(value: Any) -> bool:
    """Whether ``value`` is a finite number (``true``/``false`` are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Approx:
    """An expected number: equal within ``math.isclose(actual, value, rel_tol=rel, abs_tol=abs)``."""

    value: float
    rel: float = DEFAULT_REL_TOL
    abs: float = DEFAULT_ABS_TOL
    explicit: bool = False
    """Whether the test file gave the tolerance (``{value: x, abs: t}``) rather than using the default."""

    def matches(self, actual: float) -> bool:
        return math.isclose(actual, self.value, rel_tol=self.rel, abs_tol=self.abs)

    def __str__(self) -> str:
        if not self.explicit:
            return _fmt_number(self.value)
        parts = []
        if self.abs:
            parts.append(f"± {_fmt_number(self.abs)}")
        if self.rel:
            parts.append(f"± {_fmt_number(self.rel)} relative")
        return f"{_fmt_number(self.value)} ({', '.join(parts) or 'exactly'})"


Expected = Approx | str | bool | None | frozenset[str]
"""One expected value: a number with its tolerance, a status or text, a yes/no, null, or a set of ids."""


@dataclass(frozen=True)
class SchoolExpect:
    """What one school section's k-of-n row must show: fields, and per-indicator values."""

    fields: dict[str, Expected] = field(default_factory=dict)
    values: dict[str, dict[str, Expected]] = field(default_factory=dict)


@dataclass(frozen=True)
class Expect:
    """A case's expectations. Empty collections and ``None`` mean "not checked"."""

    verdict: str | None = None
    areas: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)
    vetoes: frozenset[str] | None = None
    missing: frozenset[str] | None = None
    indicators: dict[str, dict[str, dict[str, Expected]]] = field(default_factory=dict)
    composite: dict[str, dict[str, dict[str, Expected]]] = field(default_factory=dict)
    schools: dict[str, dict[str, SchoolExpect]] = field(default_factory=dict)
    error: str | None = None
    error_contains: str | None = None


Step = tuple[str, str | int]
"""One step of a change path: ``("key", name)``, ``("index", n)`` or ``("id", school_id)``."""


@dataclass(frozen=True)
class Change:
    """One edit to a case's county: set the value at ``path``, or delete it."""

    path: str
    steps: tuple[Step, ...]
    value: Any = None
    delete: bool = False
    location: str | None = None
    """``line N, column M`` of the change in the test file."""


@dataclass(frozen=True, eq=False)
class Case:
    """One test case: a county (inline, or the file's base county), edits to it, and expectations."""

    name: str
    index: int
    """Position in the file's ``cases`` list (0-based)."""
    expect: Expect
    county: dict[str, Any] | None = None
    changes: tuple[Change, ...] = ()
    roster: tuple[dict[str, Any], ...] | None = None
    """A teacher roster given with the county (one mapping a teacher), counted by the pack's definitions."""
    description: str | None = None
    line: int | None = None
    """1-based line of the case in the test file."""
    previous_changes: tuple[Change, ...] = ()
    """Edits to the file's previous-year county (``previous``) for this case."""
    no_previous: bool = False
    """Evaluate the case without a previous year (the rules that look back are then not evaluated)."""


@dataclass(frozen=True, eq=False)
class TestFile:
    """A checked pack test file. Build one with :func:`load_test_file`."""

    __test__: ClassVar[bool] = False  # not a pytest test class

    path: Path
    root: Path
    """The pack directory (resolved): ``pack`` and ``base`` paths must stay inside it."""
    pack: str
    """The pack to test: an id (``cn-moe-2017``, ``id@version``) or the resolved path of a pack file."""
    pack_is_path: bool
    as_of: dt.date | None
    base: dict[str, Any] | None
    base_source: str | None
    cases: tuple[Case, ...]
    description: str | None = None
    loaded: Loaded | None = field(default=None, repr=False)
    previous: dict[str, Any] | None = None
    """The county's previous data year (``previous:``, a county file), read by the rules that look back."""

    def where(self, *path: str | int) -> str:
        """``file:line N, column M`` of a value in this file (or of its nearest located ancestor)."""
        loc = self.loaded.where(tuple(path)) if self.loaded is not None else None
        return f"{self.path}:{loc}" if loc else str(self.path)


@dataclass(eq=False)
class CaseResult:
    """The outcome of one case. ``passed`` is true when every expectation held and the case was valid."""

    test_file: TestFile
    case: Case
    passed: bool
    failures: list[str]
    """One line per unmet expectation, saying what was expected and what the report gave."""
    report: Report | None = None
    error: str | None = None
    """Set when the case could not be checked because the test file or the pack is invalid (``qbalance test`` exit
    status 2); the message is also the single entry of ``failures``."""
    pack_id: str | None = None

    @property
    def nodeid(self) -> str:
        return f"{_display(self.test_file.path)}::{self.case.name}"
