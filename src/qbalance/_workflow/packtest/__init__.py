"""Pack tests: YAML test cases (``qbalance-pack-test/1``) that pin down what a rule pack decides.

A test file lives in the ``tests/`` directory of a pack and lists cases: a county (a base county plus edits, or a
whole inline county) and what the pack must decide for it (verdict, area and item statuses, vetoes, missing data,
indicator CVs, per-school k-of-n results, or an input error). This package reads and checks such files
(:func:`load_test_file`), runs one case (:func:`run_case`), finds test files (:func:`discover`), computes which items
the cases cover (:func:`coverage`, :func:`coverage_gaps`) and provides the ``qbalance test`` command
(:func:`add_test_command`, :func:`run_tests`). The pytest plugin in :mod:`qbalance._cli.pytest_plugin` uses the same
functions, so ``qbalance test`` and plain ``pytest`` agree.

Test files are loaded only with the safe, bounded loader of :mod:`qbalance._base.documents`. Files they name (the
pack, a base county) must resolve inside the pack directory. Every key of a test file must be understood: a typo is
an error, never an expectation that silently tests nothing.

Importing this package is cheap (standard library only); the engine is imported when a case is run.

The modules, by job:

* :mod:`.model` — the test file, its cases, changes and expectations, and a case's result; :mod:`.fields` — the keys,
  statuses and report fields a test file may name; :mod:`.files` — recognising test files; :mod:`.show` — how
  messages show values.
* Checking a test file, by what is checked: :mod:`.check_base` (collecting problems, keys, paths),
  :mod:`.check_file` (top level, pack, base county; :func:`load_test_file`), :mod:`.check_cases`,
  :mod:`.check_changes`, :mod:`.check_expect` (verdict, statuses, errors), :mod:`.check_rows` (indicators,
  composite CVs, schools) and :mod:`.check_values` (one expected value).
* :mod:`.paths` and :mod:`.apply` — change paths, and applying changes to a case's county.
* :mod:`.cache`, :mod:`.run` — running a case; :mod:`.compare` and :mod:`.compare_report` — comparing the report
  with the expectations.
* :mod:`.discovery`, :mod:`.item_coverage` and :mod:`.command` (``qbalance test``).

This ``__init__`` re-exports the names other code uses (those of ``__all__``).
"""

from __future__ import annotations

from .cache import StandardCache
from .check_file import load_test_file
from .command import add_test_command, run_tests
from .discovery import discover
from .files import TEST_FORMAT, is_test_file, sniff
from .item_coverage import CoverageGap, coverage, coverage_gaps
from .model import Approx, Case, CaseResult, Change, Expect, SchoolExpect, TestFile
from .paths import parse_change_path
from .run import run_case

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
