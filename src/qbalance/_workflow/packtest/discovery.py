"""Finding pack test files (:func:`discover`): from test files, pack files, pack directories, other directories
(walked), pack ids, or by default the tests of every pack the catalogue lists."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..._base.errors import PackError, Problem
from .files import HEADER_BYTES, PACK_FILE, TEST_FORMAT, TESTS_DIR, is_test_file

_SKIP_DIRS = {"__pycache__", "node_modules", "site-packages"}


def _pack_tests(pack_file: Path) -> list[Path]:
    """The test files in the ``tests/`` directory next to a pack file, sorted."""
    tests = pack_file.parent / TESTS_DIR
    if not tests.is_dir():
        return []
    return sorted(p for p in tests.iterdir() if p.is_file() and is_test_file(p))


def _is_pack_file(path: Path) -> bool:
    """Whether ``path`` is a pack: named ``pack.yaml``, or starting with ``format: qbalance-pack/1``."""
    if path.name == PACK_FILE:
        return True
    try:
        with path.open("rb") as fh:
            head = fh.read(HEADER_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"(?m)^format\s*:\s*[\"']?qbalance-pack/1[\"']?\s*(#.*)?$", head) is not None


def _walk_tests(directory: Path) -> Iterator[Path]:
    """Every test file below ``directory``, in sorted order, skipping hidden and tool directories."""
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if is_test_file(p):
                yield p


def _named_tests(arg: str | Path) -> Sequence[Path] | Iterator[Path]:
    """The test files one argument names: a test file, a pack file, a pack directory, another directory or a pack
    id; raises :class:`~qbalance.PackError` for a file that is neither a test nor a pack."""
    from ..._packs.catalogue import find_pack

    p = Path(arg)
    if p.is_file():
        if is_test_file(p):
            return [p]
        if _is_pack_file(p):
            return _pack_tests(p)
        raise PackError(Problem(f"not a pack test file (format: {TEST_FORMAT}) nor a pack", source=str(p)))
    if p.is_dir():
        return _pack_tests(p / PACK_FILE) if (p / PACK_FILE).is_file() else _walk_tests(p)
    return _pack_tests(find_pack(str(arg)))


def discover(paths: Sequence[str | Path] = ()) -> list[Path]:
    """The pack test files named by ``paths``, in order, without duplicates.

    Each argument is a test file, a pack file, a pack directory (its ``tests/*.yaml``), another directory (every
    test file below it), or a pack id (``cn-moe-2017``, found with the catalogue). Without arguments, the tests of
    every pack the catalogue lists. Raises :class:`~qbalance.PackError` for an argument that is none of these.
    """
    from ..._packs.catalogue import list_packs

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
        add(_named_tests(arg))
    return out
