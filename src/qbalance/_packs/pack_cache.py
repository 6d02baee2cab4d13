"""A process-wide cache of loaded packs, safe against edits: a pack is parsed, resolved and compiled once, and
again whenever any file it could have read has changed.

The key is the pack file found for the reference and the ``as_of`` date. An entry holds the fingerprint of every
file the pack could have read — each YAML file under the directory of every pack of its ``extends`` chain
(fragments included): path, modification time, size and SHA-256 of the bytes; a file that is not a regular file,
or is larger than any pack may be, is never opened, its time and size stand for it — and the pack file each
``extends`` reference was found at. A later load re-takes the fingerprint and re-finds each ``extends`` reference;
anything different (an edited, added or removed file, a newer version of a base pack in the catalogue) loads the
pack anew. The pack's own directory is fingerprinted before loading too: a pack edited while it was being loaded
is not cached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["PackCache", "fingerprint"]

T = TypeVar("T")
_SUFFIXES = (".yaml", ".yml")
_MAX_ENTRIES = 64
_MAX_HASHED = 16 * 1024 * 1024

Fingerprint = tuple[tuple[str, int, int, str], ...]
Finder = Callable[[str, "dt.date | None"], Path]


def fingerprint(directories: list[Path]) -> Fingerprint:
    """Path, mtime (ns), size and SHA-256 of every YAML file under ``directories``, in a stable order."""
    out = []
    for d in dict.fromkeys(directories):
        for root, dirs, files in os.walk(d):
            dirs.sort()
            for name in sorted(files):
                if not name.endswith(_SUFFIXES):
                    continue
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                    digest = ""  # not a regular file (a FIFO), or too large for a pack: never opened here
                    if stat.S_ISREG(st.st_mode) and st.st_size <= _MAX_HASHED:
                        with open(path, "rb") as fh:
                            digest = hashlib.sha256(fh.read()).hexdigest()
                except OSError:
                    continue
                out.append((path, st.st_mtime_ns, st.st_size, digest))
    return tuple(out)


@dataclass(frozen=True)
class _Entry(Generic[T]):
    value: T
    directories: list[Path]
    prints: Fingerprint
    found: tuple[tuple[str, dt.date | None, Path], ...]


def _under(prints: Fingerprint, directory: Path) -> Fingerprint:
    prefix = str(directory) + os.sep
    return tuple(p for p in prints if p[0].startswith(prefix))


class PackCache(Generic[T]):
    """Loaded packs by (pack file, as_of); an entry is used only while nothing it was read from has changed."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Path, dt.date | None], _Entry[T]] = {}
        self._lock = threading.Lock()

    def get(
        self,
        path: Path,
        as_of: dt.date | None,
        find: Finder,
        load: Callable[[Finder], tuple[T, list[Path]]],
    ) -> T:
        """The pack at ``path``: cached if unchanged, else ``load(recording_find)`` → (pack, files of its chain)."""
        key = (path.resolve(), as_of)
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and self._fresh(entry, find):
            return entry.value
        before = fingerprint([key[0].parent])
        found: list[tuple[str, dt.date | None, Path]] = []

        def recording(ref: str, when: dt.date | None) -> Path:
            p = find(ref, when)
            found.append((ref, when, p))
            return p

        value, files = load(recording)
        directories = [Path(f).resolve().parent for f in files]
        prints = fingerprint(directories)
        if _under(before, key[0].parent) != _under(prints, key[0].parent):
            return value  # edited while being loaded: not cached
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = _Entry(value, directories, prints, tuple(found))
        return value

    @staticmethod
    def _fresh(entry: _Entry[T], find: Finder) -> bool:
        if fingerprint(entry.directories) != entry.prints:
            return False
        try:
            return all(find(ref, when) == p for ref, when, p in entry.found)
        except Exception:  # the catalogue changed so that a base pack is not found: load anew, which reports it
            return False

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
