"""The ``qbalance test`` command: run the pack tests named on the command line (:func:`run_tests`), print one line
per case, a summary and (on request) the coverage, and exit 0 (all pass), 1 (a case fails, coverage is missing or
nothing was found) or 2 (a test file or a pack is invalid)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..._base.errors import PackError
from .cache import StandardCache
from .check_file import load_test_file
from .discovery import discover
from .files import TEST_FORMAT
from .item_coverage import CoverageGap, coverage, coverage_gaps
from .model import CaseResult, TestFile
from .run import run_case
from .show import _display, _plural

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


@dataclass
class _Session:
    """One run of ``qbalance test``: where it prints, and the test files and case results gathered so far."""

    stream: TextIO
    quiet: bool
    cache: StandardCache = field(default_factory=StandardCache)
    test_files: list[TestFile] = field(default_factory=list)
    results: list[CaseResult] = field(default_factory=list)
    bad_files: int = 0

    def say(self, text: str) -> None:
        """Print one line."""
        self.stream.write(text + "\n")

    def run_file(self, f: Path) -> None:
        """Load one test file and run its cases; an invalid file is printed with its problems and counted."""
        try:
            tf = load_test_file(f)
        except PackError as exc:
            self.bad_files += 1
            self.say(f"ERROR {_display(f)}")
            for p in exc.problems:
                self.say(f"    {p.render()}")
            return
        self.test_files.append(tf)
        for case in tf.cases:
            r = run_case(tf, case, cache=self.cache)
            self.results.append(r)
            self.show_result(r)

    def show_result(self, r: CaseResult) -> None:
        """``PASS nodeid`` (unless quiet), or ``FAIL``/``ERROR nodeid`` followed by the indented failure lines."""
        if r.passed:
            if not self.quiet:
                self.say(f"PASS {r.nodeid}")
            return
        self.say(f"{'ERROR' if r.error else 'FAIL'} {r.nodeid}")
        for msg in r.failures:
            for line in msg.splitlines():
                self.say(f"    {line}")

    def summary(self, n_files: int) -> tuple[int, int]:
        """Print the counts of passed, failed and invalid cases; returns (failed, invalid cases)."""
        results = self.results
        passed = sum(r.passed for r in results)
        errors = sum(r.error is not None for r in results)
        failed = len(results) - passed - errors
        parts = [f"{passed} passed", f"{failed} failed"]
        if errors or self.bad_files:
            parts.append(f"{errors + self.bad_files} invalid")
        self.say(f"{', '.join(parts)} ({_plural(len(results), 'case')} in {_plural(n_files, 'file')})")
        if not results and not self.bad_files:
            self.say(
                "no pack tests found (a pack's tests are the files in its tests/ directory that start with "
                f"'format: {TEST_FORMAT}')"
            )
        return failed, errors

    def coverage_gaps(self) -> list[CoverageGap]:
        """Print the items that lack cases (or that none do); returns the gaps."""
        gaps = coverage_gaps(self.test_files, self.results, cache=self.cache)
        if gaps:
            self.say(f"coverage: {len(gaps)} item{'s' if len(gaps) != 1 else ''} lack cases:")
            for g in gaps:
                self.say(f"    {g}")
        elif coverage(self.test_files, self.results, cache=self.cache):
            self.say("coverage: every item has the cases it needs")
        else:
            self.say("coverage: not measured (no valid pack test file)")
        return gaps


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
    session = _Session(out or sys.stdout, quiet)
    try:
        files = discover(paths)
    except PackError as exc:
        for p in exc.problems:
            session.say(f"ERROR {p.render()}")
        return EXIT_INVALID
    for f in files:
        session.run_file(f)
    failed, errors = session.summary(len(files))
    gaps = session.coverage_gaps() if require_coverage else []
    if session.bad_files or errors:
        return EXIT_INVALID
    if failed or gaps or not session.results:
        return EXIT_FAILED
    return EXIT_OK


def _cmd_test(args: argparse.Namespace) -> int:
    """The ``qbalance test`` subcommand: :func:`run_tests` with the parsed arguments."""
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
