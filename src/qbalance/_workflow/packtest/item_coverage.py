"""Which items of a pack the passing cases cover (:func:`coverage`) and which lack cases (:func:`coverage_gaps`):
an item of a required area needs a case expecting ``pass`` and one expecting ``fail``; any other item one case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..._base.errors import PackError
from .cache import _DEFAULT_CACHE, StandardCache
from .model import CaseResult, TestFile


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
    """Per pack id: the statuses passing cases expected for each item, and whether each item's area is required."""
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
