"""Running one pack-test case (:func:`run_case`): load the pack (once, see :mod:`.cache`), check that the ids the
case names exist in it, build the case's county (its changes applied, see :mod:`.apply`), evaluate it, and compare
the report with the expectations (:mod:`.compare_report`). A file's ``previous`` county (with the case's
``previous_changes``) is the previous data year the rules that look back read."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ..._base.errors import InputError, PackError
from .apply import _apply, _CaseInvalid
from .cache import _DEFAULT_CACHE, StandardCache
from .compare_report import _compare_error, _compare_no_error, _compare_report
from .model import Case, CaseResult, TestFile
from .show import _hint

if TYPE_CHECKING:
    from ..._api.standard import Standard


def _pack_problems(exc: PackError, std_ref: str) -> str:
    """The message of a case whose pack is invalid: the pack, then its problems one per line."""
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


def _case_county(
    test_file: TestFile, case: Case, inputs: frozenset[str], *, previous: bool = False
) -> dict[str, Any] | None:
    """A copy of the case's county (its own, or the file's base) with its changes applied — or, with ``previous``,
    of the file's previous-year county with the case's ``previous_changes`` (None when there is none for the case);
    raises :class:`_CaseInvalid` naming the change's line when one does not fit the county."""
    county: dict[str, Any] | None = case.county if case.county is not None else test_file.base
    changes, key = case.changes, "changes"
    if previous:
        if test_file.previous is None or case.no_previous:
            return None
        county, changes, key = test_file.previous, case.previous_changes, "previous_changes"
    assert county is not None  # load_test_file makes sure every case has one
    data = copy.deepcopy(county)
    for j, change in enumerate(changes):
        try:
            _apply(data, change, inputs)
        except _CaseInvalid as exc:
            where = test_file.where("cases", case.index, key, j, "path")
            raise _CaseInvalid(f"{where}: case {case.name!r}: change path {change.path!r}: {exc}") from None
    return data


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
    try:
        data = _case_county(test_file, case, frozenset(std.pack.inputs))
        previous = _case_county(test_file, case, frozenset(std.pack.inputs), previous=True)
    except _CaseInvalid as exc:
        return invalid(str(exc), std.id)
    assert data is not None
    return _evaluate(test_file, case, std, data, previous)


def _evaluate(
    test_file: TestFile, case: Case, std: Standard, data: dict[str, Any], previous: dict[str, Any] | None = None
) -> CaseResult:
    """Evaluate the case's county with the pack and compare the outcome (a report, or an input error) with the
    case's expectations."""
    expect = case.expect
    try:
        roster = list(case.roster) if case.roster is not None else None
        report = std.evaluate(data, roster=roster, previous=previous)
    except InputError as exc:
        # a case may name the error in either language: both renderings are searched
        failures = _compare_error(expect, exc.render("en") + "\n" + exc.render("zh"))
        return CaseResult(test_file, case, not failures, failures, None, None, std.id)
    failures = _compare_no_error(expect, report)
    if failures:
        return CaseResult(test_file, case, False, failures, report, None, std.id)
    unsupported: list[str] = []
    _compare_report(expect, report, failures, unsupported)
    if unsupported:
        msg = "\n".join(f"{test_file.where('cases', case.index, 'expect', 'composite')}: {u}" for u in unsupported)
        return CaseResult(test_file, case, False, [msg], report, msg, std.id)
    return CaseResult(test_file, case, not failures, failures, report, None, std.id)
