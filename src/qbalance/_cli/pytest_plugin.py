"""pytest plugin: run pack tests (``format: qbalance-pack-test/1`` YAML files) with plain ``pytest``.

Registered through the ``pytest11`` entry point, so a province's repository tests its pack by running ``pytest``:
every ``*.yaml``/``*.yml`` file pytest collects whose text starts (after comments and blank lines) with
``format: qbalance-pack-test/1`` becomes a file of test items, one per case, named after the case. Other YAML files
cost one read of their first 2 KB. Disable the plugin with ``-p no:qbalance``.

This module imports only pytest and the standard library; qbalance's engine (numpy, pydantic) is imported when a
pack test file is actually found. Its lines come from the message catalogue, in the language ``QBALANCE_LANG``
names (``en`` or ``zh``), else the current one (Chinese unless a caller chose otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr, TracebackStyle

    from .._workflow.packtest import Case, CaseResult, TestFile

__all__ = ["PackCaseFailed", "PackTestFile", "PackTestItem", "pytest_collect_file"]

_SUFFIXES = (".yaml", ".yml")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect pack test files; leave every other file to the other plugins."""
    if file_path.suffix.lower() not in _SUFFIXES:
        return None
    from .._workflow.packtest import is_test_file

    if not is_test_file(file_path):
        return None
    return PackTestFile.from_parent(parent, path=file_path)


class PackCaseFailed(Exception):
    """Raised by :meth:`PackTestItem.runtest` when a case's expectations are not met (or the case is invalid)."""

    def __init__(self, result: CaseResult) -> None:
        super().__init__("\n".join(result.failures))
        self.result = result


class PackTestFile(pytest.File):
    """A pack test file; its cases are the test items."""

    def collect(self) -> Iterator[PackTestItem]:
        from .._base.errors import PackError
        from .._base.messages import text
        from .._workflow.packtest import load_test_file
        from .lang import env_language

        try:
            test_file = load_test_file(self.path)
        except PackError as exc:
            lang = env_language()
            head = text("cli.pytest.invalid_file", lang, path=self.path)
            lines = [head, *("  " + p.render(lang) for p in exc.problems)]
            raise self.CollectError("\n".join(lines)) from None
        for case in test_file.cases:
            yield PackTestItem.from_parent(self, name=case.name, test_file=test_file, case=case)


class PackTestItem(pytest.Item):
    """One case of a pack test file."""

    def __init__(self, *, test_file: TestFile, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.test_file = test_file
        self.case = case
        self.result: CaseResult | None = None

    def runtest(self) -> None:
        from .._workflow.packtest import run_case

        self.result = run_case(self.test_file, self.case)
        if not self.result.passed:
            raise PackCaseFailed(self.result)

    def repr_failure(
        self, excinfo: ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, PackCaseFailed):
            from .._base.messages import text
            from .lang import env_language

            # The failures come first: pytest's short summary shows the first line.
            lang = env_language()
            result = excinfo.value.result
            lines = [line for failure in result.failures for line in failure.splitlines()]
            n = len(result.failures)
            what = text("cli.pytest.is_invalid", lang) if result.error else text("cli.pytest.failed", lang, n=n)
            name = self.path.name
            where = text("cli.pytest.where_line", lang, file=name, line=self.case.line) if self.case.line else name
            return "\n".join([*lines, text("cli.pytest.case", lang, case=self.case.name, where=where, what=what)])
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.case.line - 1 if self.case.line else None  # pytest counts lines from 0
        from .._base.messages import text
        from .lang import env_language

        return self.path, line, text("cli.pytest.reportinfo", env_language(), file=self.path.name, case=self.case.name)
