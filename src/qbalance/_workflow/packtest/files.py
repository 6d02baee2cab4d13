"""Pack test files on disk: their format line and how to recognise one cheaply (:func:`sniff`,
:func:`is_test_file`), where a test file's pack directory is, and the bounds the safe loader reads them with."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..._base.documents import Limits

TEST_FORMAT = "qbalance-pack-test/1"
HEADER_BYTES = 2048
"""How much of a YAML file is read to decide whether it is a pack test."""
PACK_FILE = "pack.yaml"
TESTS_DIR = "tests"
YAML_SUFFIXES = (".yaml", ".yml")

_HEADER_RE = re.compile(r"""^format\s*:\s*(["']?)qbalance-pack-test/1\1\s*(#.*)?$""")


def _limits() -> Limits:
    from ..._base.documents import Limits

    # A test file (or a base county) is small: a few hundred schools at most. The bounds keep a hostile file
    # (e.g. a "billion laughs" of aliases) from costing more than a moment.
    return Limits(max_bytes=10_000_000, max_depth=40, max_nodes=500_000, max_scalar_chars=100_000)


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


def _pack_root(path: Path) -> Path:
    """The pack directory of a test file: the directory above its ``tests/`` directory, else its own directory."""
    parent = path.absolute().parent
    return parent.parent if parent.name == TESTS_DIR else parent
