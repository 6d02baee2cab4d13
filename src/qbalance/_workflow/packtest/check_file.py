"""Checking a whole pack test file and reading it (:func:`load_test_file`): the top-level keys, the pack to test,
``as_of``, the base county (a file inside the pack directory, or inline) and the list of cases
(:mod:`.check_cases`). Every problem is reported at once, each with its line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..._base.errors import PackError, Problem
from .check_cases import _CaseChecks
from .fields import _PACK_ID_RE, _TOP_KEYS
from .files import PACK_FILE, TEST_FORMAT, TESTS_DIR, YAML_SUFFIXES, _limits
from .model import Case, TestFile


class _Checker(_CaseChecks):
    """Collects every problem of a test file (with its line) instead of stopping at the first."""

    def test_file(self) -> TestFile | None:
        """The checked test file, or ``None`` when it has problems (then in :attr:`problems`)."""
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
        previous = self._previous(doc.get("previous"))
        cases = self.cases(doc.get("cases"), has_base=base is not None)
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
            previous=previous,
        )

    def cases(self, raw_cases: Any, *, has_base: bool) -> list[Case]:
        """The file's cases (a non-empty list, names unique), those that could be read."""
        cases: list[Case] = []
        if not isinstance(raw_cases, list) or not raw_cases:
            self.problem(("cases",), "'cases' must be a non-empty list of test cases", raw_cases)
            return cases
        names: dict[str, int] = {}
        for i, raw in enumerate(raw_cases):
            case = self.case(raw, i, has_base=has_base)
            if case is None:
                continue
            if case.name in names:
                self.problem(
                    ("cases", i, "name"),
                    f"duplicate case name {case.name!r} (also case {names[case.name] + 1}); names must be unique",
                )
            names.setdefault(case.name, i)
            cases.append(case)
        return cases

    def pack(self, value: Any) -> tuple[str | None, bool]:
        """The pack to test and whether it is a path: an id, a path inside the pack directory (a directory means its
        ``pack.yaml``), or by default the ``pack.yaml`` above the file's ``tests/`` directory."""
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
        """The date the pack is taken as of (``YYYY-MM-DD``), if given."""
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
        """The base county the cases start from, and where it comes from: ``base`` (a file) or ``base_county``."""
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
        data = self._read_base(target)
        return (data, str(target)) if data is not None else (None, None)

    def _previous(self, value: Any) -> dict[str, Any] | None:
        """The county's previous data year (``previous``: a county file inside the pack directory), if given."""
        if value is None:
            return None
        target = self.inside(value, ("previous",), "previous")
        return self._read_base(target, "previous") if target is not None else None

    def _read_base(self, target: Path, key: str = "base") -> dict[str, Any] | None:
        """The county file at ``target`` (YAML or JSON, read with the safe, bounded loader) as a mapping (``key``:
        the key that names it, ``base`` or ``previous``)."""
        source = str(target)
        suffix = target.suffix.lower()
        if suffix not in (*YAML_SUFFIXES, ".json"):
            self.problem((key,), f"{key} county file must be .yaml, .yml or .json, not {target.name!r}")
            return None
        from ..._base.documents import YamlRefused, load_json, load_yaml

        try:
            raw = target.read_bytes()
            loaded = load_json(raw, source, _limits()) if suffix == ".json" else load_yaml(raw, source, _limits())
        except OSError as exc:
            self.problem((key,), f"cannot read {key} county {source}: {exc.strerror}")
            return None
        except YamlRefused as exc:
            self.problem((key,), f"{key} county is not readable: {exc.problem.render()}")
            return None
        if not isinstance(loaded.data, dict):
            self.problem((key,), f"{key} county {source} must be a mapping (code, name, schools)")
            return None
        return loaded.data


def load_test_file(path: str | Path) -> TestFile:
    """Read and check a pack test file; raise :class:`~qbalance.PackError` listing every problem with its line."""
    from ..._base.documents import YamlRefused, load_yaml

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
