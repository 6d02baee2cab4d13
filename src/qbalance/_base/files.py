"""Reading input files with their size bounded before anything is read.

Every file qbalance reads on a user's behalf — county files, packs and their includes, pack tests, scenarios,
tables, workbooks — is checked first: it must be a regular file (a FIFO or a device would block or never end) no
larger than the limit for its kind; then at most that many bytes are read, so a file that grows while being read
cannot exceed it either. Refusals are :class:`InputError` (or the caller's own error type) naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import InputError, Problem
from .messages import Msg, msg

__all__ = ["FileRefused", "cannot_read", "check_file", "read_bounded", "read_input_file"]


class FileRefused(Exception):
    """A file that must not be read; ``problem`` names it and says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.render())
        self.problem = problem


def _size_text(n: int, unit: str = " bytes") -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n:,}{unit}"


_REASONS = {
    errno.ENOENT: "files.reason.not_found",
    errno.EACCES: "files.reason.denied",
    errno.EPERM: "files.reason.denied",
}


def cannot_read(exc: OSError) -> Msg:
    """ "cannot read file" with the system's reason (in Chinese for the common ones: no such file, no permission)."""
    reason = exc.strerror or str(exc)
    key = _REASONS.get(exc.errno or 0)
    return msg("files.cannot_read", reason=reason, reason_zh=msg(key) if key else reason)


def check_file(path: Path, max_bytes: int) -> int:
    """The size of ``path`` after checking that it is a regular file of at most ``max_bytes``; FileRefused if not."""
    source = str(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise FileRefused(Problem.of(cannot_read(exc), source=source)) from None
    if stat.S_ISDIR(st.st_mode):
        raise FileRefused(Problem.of(msg("files.is_directory"), source=source))
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(Problem.of(msg("files.not_regular"), source=source))
    if st.st_size > max_bytes:
        size, size_zh = _size_text(st.st_size), _size_text(st.st_size, "字节")
        refused = msg("files.too_large_before", limit=max_bytes, size=size, size_zh=size_zh)
        raise FileRefused(Problem.of(refused, source=source))
    return st.st_size


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, checked before reading; FileRefused otherwise."""
    check_file(path, max_bytes)
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise FileRefused(Problem.of(cannot_read(exc), source=str(path))) from None
    if len(data) > max_bytes:
        raise FileRefused(Problem.of(msg("files.grew", limit=max_bytes), source=str(path)))
    return data


def read_input_file(path: Path, max_bytes: int) -> bytes:
    """:func:`read_bounded` for data files: a refusal is an :class:`InputError`."""
    try:
        return read_bounded(path, max_bytes)
    except FileRefused as exc:
        raise InputError(exc.problem) from None
