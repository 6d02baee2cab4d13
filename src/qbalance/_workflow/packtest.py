"""Pack tests: YAML test cases (``qbalance-pack-test/1``) that pin down what a rule pack decides.

A test file lives in the ``tests/`` directory of a pack and lists cases: a county (a base county plus edits, or a
whole inline county) and what the pack must decide for it (verdict, area and item statuses, vetoes, missing data,
indicator CVs, per-school k-of-n results, or an input error). This module reads and checks such files
(:func:`load_test_file`), runs one case (:func:`run_case`), finds test files (:func:`discover`), computes which items
the cases cover (:func:`coverage`, :func:`coverage_gaps`) and provides the ``qbalance test`` command
(:func:`add_test_command`, :func:`run_tests`). The pytest plugin in :mod:`qbalance._pytest_plugin` uses the same
functions, so ``qbalance test`` and plain ``pytest`` agree.

Test files are loaded only with the safe, bounded loader of :mod:`qbalance._yaml`. Files they name (the pack, a base
county) must resolve inside the pack directory. Every key of a test file must be understood: a typo is an error,
never an expectation that silently tests nothing.

Importing this module is cheap (standard library only); the engine is imported when a case is run.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import difflib
import math
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from .._base.errors import InputError, PackError, Problem

if TYPE_CHECKING:
    from .._api.standard import Standard
    from .._base.documents import Limits, Loaded
    from .._report.report import Report

__all__ = [
    "TEST_FORMAT",
    "Approx",
    "Case",
    "CaseResult",
    "Change",
    "CoverageGap",
    "Expect",
    "SchoolExpect",
    "StandardCache",
    "TestFile",
    "add_test_command",
    "coverage",
    "coverage_gaps",
    "discover",
    "is_test_file",
    "load_test_file",
    "parse_change_path",
    "run_case",
    "run_tests",
    "sniff",
]

TEST_FORMAT = "qbalance-pack-test/1"
HEADER_BYTES = 2048
"""How much of a YAML file is read to decide whether it is a pack test."""
PACK_FILE = "pack.yaml"
TESTS_DIR = "tests"
YAML_SUFFIXES = (".yaml", ".yml")

VERDICTS = ("pass", "fail", "incomplete")
AREA_STATUSES = ("pass", "fail", "not_evaluated")
ITEM_STATUSES = ("pass", "fail", "not_evaluated", "not_applicable")
SECTIONS = ("primary", "junior")
ERRORS = ("InputError",)

_HEADER_RE = re.compile(r"""^format\s*:\s*(["']?)qbalance-pack-test/1\1\s*(#.*)?$""")
_PACK_ID_RE = re.compile(r"^[a-z][a-z0-9-]{1,63}(@[0-9][0-9A-Za-z.+-]{0,31})?$")
_KEY_RE = re.compile(r"[^.\[\]\s]+")
_SKIP_DIRS = {"__pycache__", "node_modules", "site-packages"}

_TOP_KEYS = ("format", "pack", "as_of", "base", "base_county", "description", "cases")
_CASE_KEYS = ("name", "description", "county", "changes", "expect")
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

DEFAULT_REL_TOL = 1e-9
DEFAULT_ABS_TOL = 1e-12


def _limits() -> Limits:
    from .._base.documents import Limits

    # A test file (or a base county) is small: a few hundred schools at most. The bounds keep a hostile file
    # (e.g. a "billion laughs" of aliases) from costing more than a moment.
    return Limits(max_bytes=10_000_000, max_depth=40, max_nodes=500_000, max_scalar_chars=100_000)


# -- recognising test files ----------------------------------------------------------------------------------------


def sniff(head: bytes) -> bool:
    """Whether the start of a YAML document declares ``format: qbalance-pack-test/1``.

    Comments, blank lines, a ``---`` document marker and ``%`` directives before it are skipped; the first other line
    decides.
    """
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped == "---" or stripped.startswith("%"):
            continue
        return bool(_HEADER_RE.match(stripped))
    return False


def is_test_file(path: str | Path) -> bool:
    """Whether ``path`` is a ``.yaml``/``.yml`` file whose text starts with the pack-test format line.

    Reads at most the first :data:`HEADER_BYTES` bytes, so it is cheap for any other YAML file.
    """
    p = Path(path)
    if p.suffix.lower() not in YAML_SUFFIXES:
        return False
    try:
        with p.open("rb") as fh:
            head = fh.read(HEADER_BYTES)
    except OSError:
        return False
    return sniff(head)


# -- the test file model ---------------------------------------------------------------------------------------------


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
    description: str | None = None
    line: int | None = None
    """1-based line of the case in the test file."""


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


# -- loading and checking a test file --------------------------------------------------------------------------------


def _pack_root(path: Path) -> Path:
    """The pack directory of a test file: the directory above its ``tests/`` directory, else its own directory."""
    parent = path.absolute().parent
    return parent.parent if parent.name == TESTS_DIR else parent


class _Checker:
    """Collects every problem of a test file (with its line) instead of stopping at the first."""

    def __init__(self, path: Path, loaded: Loaded) -> None:
        self.path = path
        self.loaded = loaded
        self.problems: list[Problem] = []
        self.root = _pack_root(path).resolve()

    def problem(self, at: tuple[str | int, ...], message: str, value: Any = None) -> None:
        dotted = _dotted(at)
        shown = value if isinstance(value, (str, int, float, bool)) else None
        self.problems.append(
            Problem(message, source=str(self.path), location=self.loaded.where(at), path=dotted or None, value=shown)
        )

    def keys(self, data: dict[str, Any], allowed: Sequence[str], at: tuple[str | int, ...], what: str) -> bool:
        ok = True
        for key in data:
            if key not in allowed:
                ok = False
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(allowed)})"
                self.problem((*at, key), f"unknown {what} key {key!r}{hint}")
        return ok

    def mapping(self, value: Any, at: tuple[str | int, ...], what: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.problem(at, f"{what} must be a mapping (key: value)", value)
        return None

    def inside(self, text: Any, at: tuple[str | int, ...], what: str) -> Path | None:
        """Resolve a path written in the test file; refuse absolute paths and anything outside the pack directory."""
        if not isinstance(text, str) or not text.strip():
            self.problem(at, f"{what} must be a relative path (text)", text)
            return None
        if Path(text).is_absolute() or text.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", text):
            self.problem(at, f"{what} must be a path relative to the test file, not an absolute path", text)
            return None
        target = (self.path.absolute().parent / text).resolve()
        if not target.is_relative_to(self.root):
            self.problem(
                at,
                f"{what} {text!r} resolves to {target}, outside the pack directory {self.root}; "
                "files a pack test reads must be inside its pack directory",
            )
            return None
        return target

    # -- top level

    def test_file(self) -> TestFile | None:
        doc = self.loaded.data
        if not isinstance(doc, dict):
            self.problem((), f"a pack test file must be a YAML mapping starting with 'format: {TEST_FORMAT}'")
            return None
        self.keys(doc, _TOP_KEYS, (), "top-level")
        if doc.get("format") != TEST_FORMAT:
            self.problem(("format",), f"format must be {TEST_FORMAT!r}", doc.get("format"))
        pack, pack_is_path = self.pack(doc.get("pack"))
        as_of = self.as_of(doc.get("as_of"))
        description = self.text(doc.get("description"), ("description",), "description")
        base, base_source = self.base(doc)
        raw_cases = doc.get("cases")
        cases: list[Case] = []
        if not isinstance(raw_cases, list) or not raw_cases:
            self.problem(("cases",), "'cases' must be a non-empty list of test cases", raw_cases)
        else:
            names: dict[str, int] = {}
            for i, raw in enumerate(raw_cases):
                case = self.case(raw, i, has_base=base is not None)
                if case is None:
                    continue
                if case.name in names:
                    self.problem(
                        ("cases", i, "name"),
                        f"duplicate case name {case.name!r} (also case {names[case.name] + 1}); names must be unique",
                    )
                names.setdefault(case.name, i)
                cases.append(case)
        if self.problems or pack is None:
            return None
        return TestFile(
            path=self.path,
            root=self.root,
            pack=pack,
            pack_is_path=pack_is_path,
            as_of=as_of,
            base=base,
            base_source=base_source,
            cases=tuple(cases),
            description=description,
            loaded=self.loaded,
        )

    def text(self, value: Any, at: tuple[str | int, ...], what: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(at, f"{what} must be text", value)
            return None
        return value

    def pack(self, value: Any) -> tuple[str | None, bool]:
        if value is None:
            default = self.root / PACK_FILE
            if self.path.absolute().parent.name != TESTS_DIR or not default.is_file():
                self.problem(
                    (),
                    f"no pack to test: the default is {PACK_FILE} in the directory above this file's "
                    f"'{TESTS_DIR}/' directory ({default} is not there); name the pack with 'pack:' "
                    "(an id such as cn-moe-2017, or a path relative to this file)",
                )
                return None, False
            return str(default), True
        if not isinstance(value, str):
            self.problem(("pack",), "pack must be a pack id (cn-moe-2017) or a path relative to this file", value)
            return None, False
        if _PACK_ID_RE.match(value):
            return value, False
        target = self.inside(value, ("pack",), "pack")
        if target is None:
            return None, False
        if target.is_dir():
            target = target / PACK_FILE
        if not target.is_file():
            self.problem(("pack",), f"pack {value!r}: no pack file at {target}")
            return None, False
        return str(target), True

    def as_of(self, value: Any) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem(("as_of",), "as_of must be a date written YYYY-MM-DD", value)
            return None

    def base(self, doc: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        if "base" in doc and "base_county" in doc:
            self.problem(("base_county",), "give either 'base' (a county file) or 'base_county' (inline), not both")
            return None, None
        if doc.get("base_county") is not None:
            data = self.mapping(doc["base_county"], ("base_county",), "base_county")
            return data, f"{self.path} (base_county)"
        if doc.get("base") is None:
            return None, None
        target = self.inside(doc["base"], ("base",), "base")
        if target is None:
            return None, None
        source = str(target)
        suffix = target.suffix.lower()
        if suffix not in (*YAML_SUFFIXES, ".json"):
            self.problem(("base",), f"base county file must be .yaml, .yml or .json, not {target.name!r}")
            return None, None
        from .._base.documents import YamlRefused, load_json, load_yaml

        try:
            raw = target.read_bytes()
            loaded = load_json(raw, source, _limits()) if suffix == ".json" else load_yaml(raw, source, _limits())
        except OSError as exc:
            self.problem(("base",), f"cannot read base county {source}: {exc.strerror}")
            return None, None
        except YamlRefused as exc:
            self.problem(("base",), f"base county is not readable: {exc.problem.render()}")
            return None, None
        if not isinstance(loaded.data, dict):
            self.problem(("base",), f"base county {source} must be a mapping (code, name, schools)")
            return None, None
        return loaded.data, source

    # -- cases

    def case(self, raw: Any, i: int, *, has_base: bool) -> Case | None:
        at: tuple[str | int, ...] = ("cases", i)
        data = self.mapping(raw, at, f"case {i + 1}")
        if data is None:
            return None
        self.keys(data, _CASE_KEYS, at, "case")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem((*at, "name"), f"case {i + 1} needs a 'name' (text)", name)
            name = f"case {i + 1}"
        elif "::" in name or "\n" in name or name != name.strip():
            self.problem((*at, "name"), "a case name must be one line without '::' or surrounding spaces", name)
        county = None
        if "county" in data:
            county = self.mapping(data["county"], (*at, "county"), "county")
        elif not has_base:
            self.problem(at, f"case {name!r} has no county: give 'county' here, or 'base'/'base_county' in the file")
        changes = self.changes(data.get("changes"), (*at, "changes"))
        if "expect" not in data:
            self.problem(at, f"case {name!r} has no 'expect': a case must check something")
            expect = Expect()
        else:
            expect = self.expect(data["expect"], (*at, "expect"))
        pos = self.loaded.where(at)
        line = int(pos.split()[1].rstrip(",")) if pos and pos.startswith("line ") else None
        return Case(
            name=name,
            index=i,
            expect=expect,
            county=county,
            changes=changes,
            description=self.text(data.get("description"), (*at, "description"), "description"),
            line=line,
        )

    def changes(self, raw: Any, at: tuple[str | int, ...]) -> tuple[Change, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problem(at, "changes must be a list of {path: ..., value: ...} or {path: ..., delete: true}")
            return ()
        out: list[Change] = []
        for j, item in enumerate(raw):
            cat = (*at, j)
            data = self.mapping(item, cat, "a change")
            if data is None:
                continue
            self.keys(data, _CHANGE_KEYS, cat, "change")
            path = data.get("path")
            if not isinstance(path, str):
                self.problem((*cat, "path"), "a change needs 'path' (text such as facts.teacher_salary_avg)", path)
                continue
            try:
                steps = parse_change_path(path)
            except ValueError as exc:
                self.problem((*cat, "path"), str(exc), path)
                continue
            delete = data.get("delete", False)
            if delete not in (True, False):
                self.problem((*cat, "delete"), "delete must be true (or left out)", delete)
                continue
            if delete and "value" in data:
                self.problem(cat, "a change has either 'value' or 'delete: true', not both")
                continue
            if not delete and "value" not in data:
                self.problem(cat, "a change needs 'value' (null is allowed) or 'delete: true'")
                continue
            out.append(Change(path, steps, data.get("value"), bool(delete), self.loaded.where(cat)))
        return tuple(out)

    # -- expectations

    def expect(self, raw: Any, at: tuple[str | int, ...]) -> Expect:
        data = self.mapping(raw, at, "expect")
        if data is None:
            return Expect()
        if not data:
            self.problem(at, "expect is empty: a case must check something")
        self.keys(data, _EXPECT_KEYS, at, "expectation")
        error = data.get("error")
        if error is not None and error not in ERRORS:
            self.problem((*at, "error"), f"error must be one of {', '.join(ERRORS)}", error)
        contains = self.text(data.get("error_contains"), (*at, "error_contains"), "error_contains")
        if contains is not None and error is None:
            self.problem((*at, "error_contains"), "error_contains needs 'error: InputError'")
        if error is not None:
            others = [k for k in data if k in _EXPECT_KEYS and k not in ("error", "error_contains")]
            if others:
                self.problem(
                    (*at, others[0]), f"a case that expects an error has no report to check ({', '.join(others)})"
                )
        verdict = data.get("verdict")
        if verdict is not None and verdict not in VERDICTS:
            self.problem((*at, "verdict"), f"verdict must be one of {', '.join(VERDICTS)}", verdict)
        return Expect(
            verdict=verdict if isinstance(verdict, str) else None,
            areas=self.statuses(data.get("areas"), (*at, "areas"), AREA_STATUSES, "area"),
            items=self.statuses(data.get("items"), (*at, "items"), ITEM_STATUSES, "item"),
            vetoes=self.ids(data.get("vetoes"), (*at, "vetoes"), "vetoes") if "vetoes" in data else None,
            missing=self.ids(data.get("missing"), (*at, "missing"), "missing") if "missing" in data else None,
            indicators=self.sectioned(data.get("indicators"), (*at, "indicators"), _CV_FIELDS, "indicator"),
            composite=self.sectioned(data.get("composite"), (*at, "composite"), _COMPOSITE_FIELDS, "composite"),
            schools=self.schools(data.get("schools"), (*at, "schools")),
            error=error if isinstance(error, str) else None,
            error_contains=contains,
        )

    def statuses(self, raw: Any, at: tuple[str | int, ...], allowed: Sequence[str], what: str) -> dict[str, str]:
        if raw is None:
            return {}
        data = self.mapping(raw, at, f"{what} expectations ({what} id: status)")
        out: dict[str, str] = {}
        for key, value in (data or {}).items():
            if value not in allowed:
                self.problem((*at, key), f"{what} status must be one of {', '.join(allowed)}", value)
            else:
                out[key] = value
        return out

    def ids(self, raw: Any, at: tuple[str | int, ...], what: str) -> frozenset[str]:
        if not isinstance(raw, list) or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in raw):
            self.problem(at, f"{what} must be a list of ids ([] for none)", raw)
            return frozenset()
        return frozenset(str(x) for x in raw)

    def expected(self, raw: Any, kind: str, at: tuple[str | int, ...]) -> Expected:
        if raw is None:
            return None  # the report must show nothing (null) here
        if kind == "number":
            return self.number(raw, at)
        if kind == "status":
            if raw not in ITEM_STATUSES:
                self.problem(at, f"result must be one of {', '.join(ITEM_STATUSES)}", raw)
            return str(raw)
        if kind == "bool":
            if not isinstance(raw, bool):
                self.problem(at, "write true or false (or null)", raw)
            return bool(raw)
        if kind == "ids":
            return self.ids(raw, at, at[-1] if isinstance(at[-1], str) else "value")
        raise AssertionError(kind)  # pragma: no cover

    def number(self, raw: Any, at: tuple[str | int, ...]) -> Approx | None:
        if isinstance(raw, dict):
            self.keys(raw, _TOLERANCE_KEYS, at, "tolerance")
            value: Any = raw.get("value")
            if not _finite(value):
                self.problem((*at, "value"), "a toleranced number needs 'value' (a finite number)", value)
                return None
            if "abs" not in raw and "rel" not in raw:
                self.problem(at, "give a tolerance: {value: x, abs: t} or {value: x, rel: t}")
                return None
            tol: dict[str, float] = {}
            for key in ("abs", "rel"):
                if key in raw:
                    t = raw[key]
                    if not _finite(t) or float(t) < 0:
                        self.problem((*at, key), f"{key} must be a non-negative number", t)
                        return None
                    tol[key] = float(t)
            return Approx(float(value), rel=tol.get("rel", 0.0), abs=tol.get("abs", 0.0), explicit=True)
        if not _finite(raw):
            self.problem(at, "expected a finite number, {value: x, abs: t}, {value: x, rel: t} or null", raw)
            return None
        return Approx(float(raw))

    def sectioned(
        self, raw: Any, at: tuple[str | int, ...], fields: dict[str, str], what: str
    ) -> dict[str, dict[str, dict[str, Expected]]]:
        if raw is None:
            return {}
        out: dict[str, dict[str, dict[str, Expected]]] = {}
        for rid, by_section in (self.mapping(raw, at, f"{what} expectations") or {}).items():
            sections = self.mapping(by_section, (*at, rid), f"{what} {rid} (section: fields)") or {}
            for section, raw_fields in sections.items():
                sat = (*at, rid, section)
                if section not in SECTIONS:
                    self.problem(sat, f"unknown section {section!r} (use {' or '.join(SECTIONS)})")
                    continue
                fmap = self.mapping(raw_fields, sat, f"{what} {rid} {section} (field: expected value)") or {}
                if not fmap:
                    self.problem(sat, f"{what} {rid} {section}: no fields to check")
                self.keys(fmap, list(fields), sat, f"{what} field")
                out.setdefault(rid, {})[section] = {
                    f: self.expected(v, fields[f], (*sat, f)) for f, v in fmap.items() if f in fields
                }
        return out

    def schools(self, raw: Any, at: tuple[str | int, ...]) -> dict[str, dict[str, SchoolExpect]]:
        if raw is None:
            return {}
        out: dict[str, dict[str, SchoolExpect]] = {}
        for sid, by_section in (self.mapping(raw, at, "school expectations") or {}).items():
            sections = self.mapping(by_section, (*at, sid), f"school {sid} (section: result)") or {}
            for section, spec in sections.items():
                sat = (*at, sid, section)
                if section not in SECTIONS:
                    self.problem(sat, f"unknown section {section!r} (use {' or '.join(SECTIONS)})")
                    continue
                if isinstance(spec, str):
                    out.setdefault(sid, {})[section] = SchoolExpect({"result": self.expected(spec, "status", sat)})
                    continue
                fmap = self.mapping(spec, sat, f"school {sid} {section} (a status, or field: expected value)") or {}
                self.keys(fmap, list(_SCHOOL_FIELDS), sat, "school field")
                fields = {
                    f: self.expected(v, _SCHOOL_FIELDS[f], (*sat, f))
                    for f, v in fmap.items()
                    if f in _SCHOOL_FIELDS and f != "values"
                }
                values: dict[str, dict[str, Expected]] = {}
                if "values" in fmap:
                    vat = (*sat, "values")
                    for iid, vraw in (self.mapping(fmap["values"], vat, "values (indicator: fields)") or {}).items():
                        vmap = self.mapping(vraw, (*vat, iid), f"values of {iid}") or {}
                        self.keys(vmap, list(_VALUE_FIELDS), (*vat, iid), "value field")
                        values[iid] = {
                            f: self.expected(v, _VALUE_FIELDS[f], (*vat, iid, f))
                            for f, v in vmap.items()
                            if f in _VALUE_FIELDS
                        }
                if not fields and not values:
                    self.problem(sat, f"school {sid} {section}: nothing to check")
                out.setdefault(sid, {})[section] = SchoolExpect(fields, values)
        return out


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _dotted(at: Sequence[str | int]) -> str:
    out = ""
    for p in at:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + str(p)
    return out


def load_test_file(path: str | Path) -> TestFile:
    """Read and check a pack test file; raise :class:`~qbalance.PackError` listing every problem with its line."""
    from .._base.documents import YamlRefused, load_yaml

    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PackError(Problem(f"cannot read pack test file: {exc.strerror}", source=str(p))) from None
    try:
        loaded = load_yaml(raw, str(p), _limits())
    except YamlRefused as exc:
        raise PackError(exc.problem) from None
    checker = _Checker(p, loaded)
    tf = checker.test_file()
    if checker.problems or tf is None:
        raise PackError(checker.problems or [Problem("invalid pack test file", source=str(p))])
    return tf


# -- change paths ----------------------------------------------------------------------------------------------------


def parse_change_path(text: str) -> tuple[Step, ...]:
    """Parse a change path: dotted keys, ``[n]`` list indices, ``[id=X]`` selection by id, ``["a.b"]`` quoted keys.

    >>> parse_change_path("schools[id=001].facts.has_charter")
    (('key', 'schools'), ('id', '001'), ('key', 'facts'), ('key', 'has_charter'))
    """
    steps: list[Step] = []
    i, n = 0, len(text)
    if not text:
        raise ValueError("empty change path")
    expect_key = True
    while i < n:
        ch = text[i]
        if ch == "[":
            end = text.find("]", i)
            if end < 0:
                raise ValueError(f"change path {text!r}: '[' at column {i + 1} is not closed")
            inner = text[i + 1 : end]
            if re.fullmatch(r"[0-9]+", inner):
                steps.append(("index", int(inner)))
            elif inner.startswith("id=") and len(inner) > 3:
                steps.append(("id", inner[3:].strip().strip("\"'")))
            elif len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "\"'":
                steps.append(("key", inner[1:-1]))
            else:
                raise ValueError(
                    f"change path {text!r}: [{inner}] is not a list index [n], a selection [id=X] or a quoted key"
                )
            i = end + 1
            expect_key = False
            continue
        if ch == ".":
            if expect_key or i + 1 >= n:
                raise ValueError(f"change path {text!r}: unexpected '.' at column {i + 1}")
            i += 1
            expect_key = True
            if text[i] == "[":
                raise ValueError(f"change path {text!r}: '.[' at column {i}: write a[0], not a.[0]")
            continue
        if not expect_key:
            raise ValueError(f"change path {text!r}: expected '.' or '[' at column {i + 1}")
        m = _KEY_RE.match(text, i)
        if m is None:
            raise ValueError(f"change path {text!r}: unexpected {ch!r} at column {i + 1}")
        steps.append(("key", m.group(0)))
        i = m.end()
        expect_key = False
    if expect_key:
        raise ValueError(f"change path {text!r} ends with '.'")
    if steps[0][0] != "key":
        raise ValueError(f"change path {text!r} must start with a key (e.g. schools[0], facts.x)")
    return tuple(steps)


def _step_text(step: Step) -> str:
    kind, val = step
    if kind == "key":
        return str(val) if _KEY_RE.fullmatch(str(val)) else f'["{val}"]'
    return f"[{val}]" if kind == "index" else f"[id={val}]"


def _join_steps(steps: Sequence[Step]) -> str:
    out = ""
    for s in steps:
        t = _step_text(s)
        out += t if t.startswith("[") or not out else "." + t
    return out or "the county"


def _next_shape(shape: str, step: Step) -> str:
    kind, val = step
    if kind != "key":
        return "school" if shape == "schools" else "other"
    table = {
        "county": {"schools": "schools", "facts": "facts"},
        "school": {"sections": "sections", "facilities": "facilities", "facts": "facts"},
        "section": {"teachers": "teachers", "facts": "facts"},
    }
    if shape == "sections":
        return "section"
    if shape == "facts":
        return "fact"
    return table.get(shape, {}).get(str(val), "other")


def _allowed_keys(shape: str, inputs: frozenset[str]) -> frozenset[str] | None:
    """Keys a change may add to a mapping of this shape (``None``: anything, the data is free-form there)."""
    from .._base.vocabulary import SECTION_ZH
    from .._data.models import County, Facilities, School, Section, TeacherCounts

    models: dict[str, Any] = {
        "county": County,
        "school": School,
        "section": Section,
        "teachers": TeacherCounts,
        "facilities": Facilities,
    }
    if shape in models:
        return frozenset(models[shape].model_fields)
    if shape == "sections":
        return frozenset({"primary", "junior", "senior", *SECTION_ZH})
    if shape == "facts":
        return inputs
    if shape == "fact":
        return frozenset({"value", "evidence"})
    return None


class _CaseInvalid(Exception):
    """A case cannot be run as written (an unknown change path, an id the pack does not have)."""


def _apply(data: dict[str, Any], change: Change, inputs: frozenset[str]) -> None:
    """Apply one change in place; raise :class:`_CaseInvalid` naming the path if it does not fit the county."""
    cur: Any = data
    shape = "county"
    steps = change.steps
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
        here = _join_steps(steps[:depth])
        kind, val = step
        if kind == "key":
            key = str(val)
            if not isinstance(cur, dict):
                raise _CaseInvalid(f"{here} is not a mapping, so it has no key {key!r}")
            allowed = _allowed_keys(shape, inputs)
            if key not in cur:
                if last and change.delete:
                    raise _CaseInvalid(f"cannot delete {key!r}: {here} has no such key{_hint(key, cur)}")
                if allowed is not None and key not in allowed:
                    what = "an input of the pack" if shape == "facts" else "a field here"
                    raise _CaseInvalid(f"{key!r} is not {what} ({here}){_hint(key, allowed)}")
                if not last:
                    cur[key] = {} if steps[depth + 1][0] == "key" else []
            if last:
                if change.delete:
                    del cur[key]
                else:
                    cur[key] = copy.deepcopy(change.value)
                return
            cur = cur[key]
        else:
            if not isinstance(cur, list):
                raise _CaseInvalid(f"{here} is not a list, so {_step_text(step)} selects nothing")
            if kind == "index":
                idx = int(val)
                if idx >= len(cur):
                    raise _CaseInvalid(f"{here} has {len(cur)} element(s); there is no {_step_text(step)}")
            else:
                found = [j for j, el in enumerate(cur) if isinstance(el, dict) and str(el.get("id")) == str(val)]
                if not found:
                    ids = [str(el.get("id")) for el in cur if isinstance(el, dict)]
                    raise _CaseInvalid(f"{here} has no element with id {val!r}{_hint(str(val), ids)}")
                if len(found) > 1:
                    raise _CaseInvalid(f"{here} has {len(found)} elements with id {val!r}; select one with [n]")
                idx = found[0]
            if last:
                if change.delete:
                    del cur[idx]
                else:
                    cur[idx] = copy.deepcopy(change.value)
                return
            cur = cur[idx]
        shape = _next_shape(shape, step)


def _hint(key: str, options: Any) -> str:
    close = difflib.get_close_matches(key, [str(o) for o in options], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


# -- running a case --------------------------------------------------------------------------------------------------


class StandardCache:
    """Loads each pack once per (pack, as_of) with :func:`qbalance.load_standard`; remembers invalid packs too.

    A pack file's modification time and size are part of the key, so an edited pack is reloaded; for a pack named
    by id, the search path (``QBALANCE_STANDARDS_PATH``) is.
    """

    def __init__(self) -> None:
        self._items: dict[tuple[object, ...], Standard | PackError] = {}

    def get(self, test_file: TestFile) -> Standard:
        """The loaded pack of ``test_file``; raises :class:`~qbalance.PackError` if it is invalid."""
        key: tuple[object, ...] = (test_file.pack, test_file.as_of)
        if test_file.pack_is_path:
            try:
                st = os.stat(test_file.pack)
                key = (*key, st.st_mtime_ns, st.st_size)
            except OSError:
                pass
        else:  # an id is looked up on the search path, which the environment can change
            key = (*key, os.environ.get("QBALANCE_STANDARDS_PATH", ""))
        hit = self._items.get(key)
        if hit is None:
            import qbalance

            try:
                hit = qbalance.load_standard(test_file.pack, as_of=test_file.as_of)
            except PackError as exc:
                hit = exc
            self._items[key] = hit
        if isinstance(hit, PackError):
            raise PackError(hit.problems)
        return hit


_DEFAULT_CACHE = StandardCache()


def _pack_problems(exc: PackError, std_ref: str) -> str:
    lines = [f"pack {std_ref} is invalid:"] + [f"  {p.render()}" for p in exc.problems]
    return "\n".join(lines)


def _check_ids(tf: TestFile, case: Case, std: Standard) -> list[str]:
    """Ids and sections the case names that the pack does not have (each an error, with its line)."""
    pack = std.pack
    e = case.expect
    at: tuple[str | int, ...] = ("cases", case.index, "expect")
    out: list[str] = []

    def bad(path: tuple[str | int, ...], message: str) -> None:
        out.append(f"{tf.where(*at, *path)}: {message}")

    def known(kind: str, ids: Any, universe: Any, path: tuple[str | int, ...]) -> None:
        for rid in ids:
            if rid not in universe:
                bad((*path, rid), f"pack {pack.id} has no {kind} {rid!r}{_hint(str(rid), universe)}")

    known("area", e.areas, pack.areas, ("areas",))
    known("item", e.items, pack.items, ("items",))
    known("item", sorted(e.vetoes or ()), pack.items, ("vetoes",))
    known("item", sorted(e.missing or ()), pack.items, ("missing",))
    known("indicator", e.indicators, pack.indicators, ("indicators",))
    known("item", e.composite, pack.items, ("composite",))
    for iid in e.composite:
        if iid in pack.items and pack.items[iid].kind != "composite_cv":
            bad(("composite", iid), f"item {iid!r} is of kind {pack.items[iid].kind}, not composite_cv")
    for group, path in ((e.indicators, "indicators"), (e.composite, "composite")):
        for rid, sections in group.items():
            for section in sections:
                if section not in pack.sections:
                    bad((path, rid, section), f"pack {pack.id} does not evaluate section {section!r}")
    for sid, school_sections in e.schools.items():
        for section, sx in school_sections.items():
            if section not in pack.sections:
                bad(("schools", sid, section), f"pack {pack.id} does not evaluate section {section!r}")
            known("indicator", sx.values, pack.indicators, ("schools", sid, section, "values"))
    return out


def run_case(test_file: TestFile, case: Case, *, cache: StandardCache | None = None) -> CaseResult:
    """Run one case: build its county, evaluate it with the pack, and compare the report with the expectations."""
    cache = cache or _DEFAULT_CACHE

    def invalid(message: str, pack_id: str | None = None) -> CaseResult:
        return CaseResult(test_file, case, False, [message], None, message, pack_id)

    try:
        std = cache.get(test_file)
    except PackError as exc:
        return invalid(_pack_problems(exc, test_file.pack))
    problems = _check_ids(test_file, case, std)
    if problems:
        return invalid("\n".join(problems), std.id)

    county = case.county if case.county is not None else test_file.base
    assert county is not None  # load_test_file makes sure every case has one
    data = copy.deepcopy(county)
    inputs = frozenset(std.pack.inputs)
    for j, change in enumerate(case.changes):
        try:
            _apply(data, change, inputs)
        except _CaseInvalid as exc:
            where = test_file.where("cases", case.index, "changes", j, "path")
            return invalid(f"{where}: case {case.name!r}: change path {change.path!r}: {exc}", std.id)

    expect = case.expect
    try:
        report = std.evaluate(data)
    except InputError as exc:
        message = str(exc)
        if expect.error == "InputError":
            if expect.error_contains is not None and expect.error_contains not in message:
                text = f"error: expected InputError containing {expect.error_contains!r}, got InputError: {message}"
                return CaseResult(test_file, case, False, [text], None, None, std.id)
            return CaseResult(test_file, case, True, [], None, None, std.id)
        return CaseResult(test_file, case, False, [f"evaluation raised InputError: {message}"], None, None, std.id)
    if expect.error is not None:
        failure = f"error: expected {expect.error}, got a report (verdict {report.verdict})"
        return CaseResult(test_file, case, False, [failure], report, None, std.id)
    failures: list[str] = []
    unsupported: list[str] = []
    _compare_report(expect, report, failures, unsupported)
    if unsupported:
        msg = "\n".join(f"{test_file.where('cases', case.index, 'expect', 'composite')}: {u}" for u in unsupported)
        return CaseResult(test_file, case, False, [msg], report, msg, std.id)
    return CaseResult(test_file, case, not failures, failures, report, None, std.id)


def _fmt_number(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _fmt_number(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    return str(value)


def _compare(label: str, expected: Expected, actual: Any) -> str | None:
    """``None`` if ``actual`` meets ``expected``, else the failure line."""
    if isinstance(expected, Approx):
        if not _finite(actual):
            return f"{label}: expected {expected}, got {_show(actual)}"
        if not expected.matches(float(actual)):
            diff = float(actual) - expected.value
            return f"{label}: expected {expected}, got {_show(actual)} (difference {diff:+.3g})"
        return None
    if isinstance(expected, frozenset):
        got = frozenset(str(x) for x in (actual or ()))
        if got == expected:
            return None
        extra = ", ".join(sorted(got - expected))
        lacking = ", ".join(sorted(expected - got))
        detail = "; ".join(
            p for p in (f"unexpected {extra}" if extra else "", f"lacking {lacking}" if lacking else "") if p
        )
        return f"{label}: expected {_show(expected)}, got {_show(got)} ({detail})"
    if expected is None:
        return None if actual is None else f"{label}: expected null, got {_show(actual)}"
    if isinstance(expected, bool):
        return None if actual is expected else f"{label}: expected {_show(expected)}, got {_show(actual)}"
    return None if actual == expected else f"{label}: expected {_show(expected)}, got {_show(actual)}"


def _field(obj: Any, name: str) -> tuple[bool, Any]:
    if isinstance(obj, dict):
        return (name in obj), obj.get(name)
    return hasattr(obj, name), getattr(obj, name, None)


def _by_section(rows: Any, section: str) -> Any:
    if isinstance(rows, dict):
        return rows.get(section)
    for row in rows or ():
        ok, sec = _field(row, "section")
        if ok and sec == section:
            return row
    return None


def _compare_report(e: Expect, report: Report, failures: list[str], unsupported: list[str]) -> None:
    def check(label: str, expected: Expected, actual: Any) -> None:
        msg = _compare(label, expected, actual)
        if msg:
            failures.append(msg)

    if e.verdict is not None:
        check("verdict", e.verdict, report.verdict)
    areas = {a.id: a.status for a in report.areas}
    for aid, status in e.areas.items():
        check(f"areas.{aid}", status, areas.get(aid, "absent from the report"))
    items = {i.id: i for i in report.items}
    for iid, status in e.items.items():
        it = items.get(iid)
        check(f"items.{iid}", status, it.status if it is not None else "absent from the report")
    if e.vetoes is not None:
        check("vetoes", e.vetoes, [v.item for v in report.vetoes])
    if e.missing is not None:
        check("missing", e.missing, [m.item for m in report.missing])
    indicators = {ind.id: ind for ind in report.indicators}
    for iid, sections in e.indicators.items():
        ind = indicators.get(iid)
        for section, fields in sections.items():
            row = _by_section(ind.sections, section) if ind is not None else None
            if row is None:
                failures.append(f"indicators.{iid}.{section}: expected a result, got none (no such row in the report)")
                continue
            for name, expected in fields.items():
                actual = getattr(row, name, None)
                if name == "top_contributors" and actual is not None:
                    actual = [c.school_id for c in actual]  # compared as the ordered list of school ids
                check(f"indicators.{iid}.{section}.{name}", expected, actual)
    for iid, sections in e.composite.items():
        it = items.get(iid)
        has, comp = _field(it, "composite") if it is not None else (True, None)
        if not has:
            unsupported.append(
                f"composite expectations are not supported by this qbalance: its report gives no composite "
                f"results for items (item {iid!r})"
            )
            continue
        for section, fields in sections.items():
            row = _by_section(comp, section)
            if row is None:
                failures.append(f"composite.{iid}.{section}: expected a composite result, got none")
                continue
            for name, expected in fields.items():
                ok, actual = _field(row, name)
                if not ok:
                    unsupported.append(f"the composite result of {iid!r} has no field {name!r}")
                    continue
                check(f"composite.{iid}.{section}.{name}", expected, actual)
    rows = {(s.school_id, s.section): s for s in report.schools}
    for sid, school_sections in e.schools.items():
        for section, sx in school_sections.items():
            srow = rows.get((sid, section))
            label = f"schools.{sid}.{section}"
            if srow is None:
                failures.append(
                    f"{label}: expected a k-of-n result, got none (no such school section, or it is excluded)"
                )
                continue
            for name, expected in sx.fields.items():
                check(label if name == "result" else f"{label}.{name}", expected, getattr(srow, name, None))
            by_indicator = {v.indicator: v for v in srow.values}
            for iid, vfields in sx.values.items():
                v = by_indicator.get(iid)
                if v is None:
                    failures.append(f"{label}.values.{iid}: the k-of-n item does not count indicator {iid}")
                    continue
                for name, expected in vfields.items():
                    check(f"{label}.values.{iid}.{name}", expected, getattr(v, name, None))


# -- discovery -------------------------------------------------------------------------------------------------------


def _pack_tests(pack_file: Path) -> list[Path]:
    tests = pack_file.parent / TESTS_DIR
    if not tests.is_dir():
        return []
    return sorted(p for p in tests.iterdir() if p.is_file() and is_test_file(p))


def _is_pack_file(path: Path) -> bool:
    if path.name == PACK_FILE:
        return True
    try:
        with path.open("rb") as fh:
            head = fh.read(HEADER_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"(?m)^format\s*:\s*[\"']?qbalance-pack/1[\"']?\s*(#.*)?$", head) is not None


def _walk_tests(directory: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if is_test_file(p):
                yield p


def discover(paths: Sequence[str | Path] = ()) -> list[Path]:
    """The pack test files named by ``paths``, in order, without duplicates.

    Each argument is a test file, a pack file, a pack directory (its ``tests/*.yaml``), another directory (every
    test file below it), or a pack id (``cn-moe-2017``, found with the catalogue). Without arguments, the tests of
    every pack the catalogue lists. Raises :class:`~qbalance.PackError` for an argument that is none of these.
    """
    from .._packs.catalogue import find_pack, list_packs

    out: list[Path] = []
    seen: set[Path] = set()

    def add(found: Sequence[Path] | Iterator[Path]) -> None:
        for p in found:
            real = p.resolve()
            if real not in seen:
                seen.add(real)
                out.append(p)

    if not paths:
        for entry in list_packs():
            add(_pack_tests(entry.path))
        return out
    for arg in paths:
        p = Path(arg)
        if p.is_file():
            if is_test_file(p):
                add([p])
            elif _is_pack_file(p):
                add(_pack_tests(p))
            else:
                raise PackError(Problem(f"not a pack test file (format: {TEST_FORMAT}) nor a pack", source=str(p)))
        elif p.is_dir():
            add(_pack_tests(p / PACK_FILE) if (p / PACK_FILE).is_file() else _walk_tests(p))
        else:
            add(_pack_tests(find_pack(str(arg))))
    return out


# -- coverage --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageGap:
    """An item without the cases the coverage rule asks for."""

    pack_id: str
    item_id: str
    required: bool
    """Whether the item's area counts towards the verdict (then it needs a pass and a fail case)."""
    lacking: tuple[str, ...]

    def __str__(self) -> str:
        if not self.required:
            return f"{self.pack_id}: {self.item_id} has no case (its area is not required, so one case is enough)"
        return f"{self.pack_id}: {self.item_id} lacks a {' and a '.join(self.lacking)} case"


def _coverage(
    test_files: Sequence[TestFile], results: Sequence[CaseResult], cache: StandardCache | None
) -> tuple[dict[str, dict[str, set[str]]], dict[str, dict[str, bool]]]:
    cache = cache or _DEFAULT_CACHE
    cov: dict[str, dict[str, set[str]]] = {}
    required: dict[str, dict[str, bool]] = {}
    for tf in test_files:
        try:
            std = cache.get(tf)
        except PackError:
            continue
        items = cov.setdefault(std.id, {})
        req = required.setdefault(std.id, {})
        for iid, item in std.pack.items.items():
            items.setdefault(iid, set())
            area = std.pack.areas.get(item.area)
            req[iid] = bool(area.required) if area is not None else True
    for r in results:
        if not r.passed or r.pack_id not in cov:
            continue
        items = cov[r.pack_id]
        for iid, status in r.case.expect.items.items():
            if iid in items:
                items[iid].add(status)
    return cov, required


def coverage(
    test_files: Sequence[TestFile], results: Sequence[CaseResult], *, cache: StandardCache | None = None
) -> dict[str, dict[str, set[str]]]:
    """For every item of every tested pack, the statuses that passing cases expected for it (in ``expect.items``).

    Packs are keyed by id; an item no passing case names maps to an empty set.
    """
    return _coverage(test_files, results, cache)[0]


def coverage_gaps(
    test_files: Sequence[TestFile], results: Sequence[CaseResult], *, cache: StandardCache | None = None
) -> list[CoverageGap]:
    """Items lacking cases: an item of a required area needs a passing case expecting ``pass`` and one expecting
    ``fail``; an item of an area that is not required (e.g. progress tracking) needs one passing case of any status.
    """
    cov, required = _coverage(test_files, results, cache)
    gaps: list[CoverageGap] = []
    for pack_id, items in cov.items():
        for iid, statuses in items.items():
            if required[pack_id].get(iid, True):
                lacking = tuple(s for s in ("pass", "fail") if s not in statuses)
                if lacking:
                    gaps.append(CoverageGap(pack_id, iid, True, lacking))
            elif not statuses:
                gaps.append(CoverageGap(pack_id, iid, False, ("any",)))
    return gaps


# -- the command line ------------------------------------------------------------------------------------------------

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _display(path: Path) -> str:
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run_tests(
    paths: Sequence[str | Path] = (),
    *,
    require_coverage: bool = False,
    quiet: bool = False,
    out: TextIO | None = None,
) -> int:
    """Run the pack tests named by ``paths`` (see :func:`discover`) and print one line per case and a summary.

    Returns 0 when every case passes (and, with ``require_coverage``, every item has its cases); 1 when a case fails,
    coverage is missing or no case was found; 2 when a test file or a pack is invalid.
    """
    stream = out or sys.stdout

    def say(text: str) -> None:
        stream.write(text + "\n")

    cache = StandardCache()
    try:
        files = discover(paths)
    except PackError as exc:
        for p in exc.problems:
            say(f"ERROR {p.render()}")
        return EXIT_INVALID
    test_files: list[TestFile] = []
    results: list[CaseResult] = []
    bad_files = 0
    for f in files:
        try:
            tf = load_test_file(f)
        except PackError as exc:
            bad_files += 1
            say(f"ERROR {_display(f)}")
            for p in exc.problems:
                say(f"    {p.render()}")
            continue
        test_files.append(tf)
        for case in tf.cases:
            r = run_case(tf, case, cache=cache)
            results.append(r)
            if r.passed:
                if not quiet:
                    say(f"PASS {r.nodeid}")
                continue
            say(f"{'ERROR' if r.error else 'FAIL'} {r.nodeid}")
            for msg in r.failures:
                for line in msg.splitlines():
                    say(f"    {line}")
    passed = sum(r.passed for r in results)
    errors = sum(r.error is not None for r in results)
    failed = len(results) - passed - errors
    parts = [f"{passed} passed", f"{failed} failed"]
    if errors or bad_files:
        parts.append(f"{errors + bad_files} invalid")
    say(f"{', '.join(parts)} ({_plural(len(results), 'case')} in {_plural(len(files), 'file')})")
    if not results and not bad_files:
        say(
            "no pack tests found (a pack's tests are the files in its tests/ directory that start with "
            f"'format: {TEST_FORMAT}')"
        )
    gaps: list[CoverageGap] = []
    if require_coverage:
        gaps = coverage_gaps(test_files, results, cache=cache)
        if gaps:
            say(f"coverage: {len(gaps)} item{'s' if len(gaps) != 1 else ''} lack cases:")
            for g in gaps:
                say(f"    {g}")
        elif coverage(test_files, results, cache=cache):
            say("coverage: every item has the cases it needs")
        else:
            say("coverage: not measured (no valid pack test file)")
    if bad_files or errors:
        return EXIT_INVALID
    if failed or gaps or not results:
        return EXIT_FAILED
    return EXIT_OK


def _cmd_test(args: argparse.Namespace) -> int:
    return run_tests(args.paths, require_coverage=args.require_coverage, quiet=args.quiet)


def add_test_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``qbalance test [PATHS...] [--require-coverage] [-q]`` on the CLI's subparsers; returns its parser."""
    p = subparsers.add_parser(
        "test",
        help="run pack tests (YAML test cases in a pack's tests/ directory)",
        description=(
            "Run pack tests (format qbalance-pack-test/1). Exit status: 0 all cases pass; 1 a case fails, coverage "
            "is missing (with --require-coverage) or no case was found; 2 a test file or a pack is invalid."
        ),
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="test file, pack file, pack directory, directory of tests, or pack id (default: every known pack)",
    )
    p.add_argument(
        "--require-coverage",
        action="store_true",
        help="fail unless every item has a passing case expecting pass and one expecting fail "
        "(one case for items of areas that are not required)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print only failing cases and the summary")
    p.set_defaults(func=_cmd_test)
    return p
