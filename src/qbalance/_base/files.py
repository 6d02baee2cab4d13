"""Reading input files with their size bounded before anything is read.

Every file qbalance reads on a user's behalf — county files, packs and their includes, pack tests, scenarios,
tables, workbooks — is checked first: it must be a regular file (a FIFO or a device would block or never end) no
larger than the limit for its kind; then at most that many bytes are read, so a file that grows while being read
cannot exceed it either. Refusals are :class:`InputError` (or the caller's own error type) naming the file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError, Problem

__all__ = ["FileRefused", "check_file", "read_bounded", "read_input_file"]


class FileRefused(Exception):
    """A file that must not be read; ``problem`` names it and says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.render())
        self.problem = problem


def _size_text(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n:,} bytes"


def check_file(path: Path, max_bytes: int) -> int:
    """The size of ``path`` after checking that it is a regular file of at most ``max_bytes``; FileRefused if not."""
    source = str(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise FileRefused(Problem(f"cannot read file: {exc.strerror or exc}", source=source)) from None
    if stat.S_ISDIR(st.st_mode):
        raise FileRefused(Problem("cannot read file: it is a directory", source=source))
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(Problem("cannot read file: not a regular file (a pipe, socket or device)", source=source))
    if st.st_size > max_bytes:
        raise FileRefused(
            Problem(
                f"file larger than {max_bytes} bytes ({_size_text(st.st_size)}): refused before reading", source=source
            )
        )
    return st.st_size


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, checked before reading; FileRefused otherwise."""
    check_file(path, max_bytes)
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise FileRefused(Problem(f"cannot read file: {exc.strerror or exc}", source=str(path))) from None
    if len(data) > max_bytes:
        raise FileRefused(Problem(f"file larger than {max_bytes} bytes (it grew while being read)", source=str(path)))
    return data


def read_input_file(path: Path, max_bytes: int) -> bytes:
    """:func:`read_bounded` for data files: a refusal is an :class:`InputError`."""
    try:
        return read_bounded(path, max_bytes)
    except FileRefused as exc:
        raise InputError(exc.problem) from None
