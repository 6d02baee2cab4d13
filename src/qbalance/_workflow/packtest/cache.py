"""The packs a pack-test run evaluates with, loaded once each (:class:`StandardCache`); a module-wide cache serves
callers that do not bring their own."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..._base.errors import PackError
from .model import TestFile

if TYPE_CHECKING:
    from ..._api.standard import Standard


class StandardCache:
    """Loads each pack once per (pack, as_of) with :func:`qbalance.load_standard`; remembers invalid packs too.

    A pack file's modification time and size are part of the key, so an edited pack is reloaded; for a pack named
    by id, the search path (``QBALANCE_STANDARDS_PATH``) is.
    """

    def __init__(self) -> None:
        self._items: dict[tuple[object, ...], Standard | PackError] = {}

    def get(self, test_file: TestFile) -> Standard:
        """The loaded pack of ``test_file``; raises :class:`~qbalance.PackError` if it is invalid."""
        key: tuple[object, ...] = (test_file.pack, test_file.as_of)
        if test_file.pack_is_path:
            try:
                st = os.stat(test_file.pack)
                key = (*key, st.st_mtime_ns, st.st_size)
            except OSError:
                pass
        else:  # an id is looked up on the search path, which the environment can change
            key = (*key, os.environ.get("QBALANCE_STANDARDS_PATH", ""))
        hit = self._items.get(key)
        if hit is None:
            from ..._api.standard import load_standard  # here, so that reading test files stays cheap

            try:
                hit = load_standard(test_file.pack, as_of=test_file.as_of)
            except PackError as exc:
                hit = exc
            self._items[key] = hit
        if isinstance(hit, PackError):
            raise PackError(hit.problems)
        return hit


_DEFAULT_CACHE = StandardCache()
