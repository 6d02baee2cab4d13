"""Load a rule pack by reference: find it, resolve its ``extends`` chain and overlays, validate and compile it.

The result, :class:`LoadedPack`, is everything the data readers and the engine need from a pack. The public
:class:`~qbalance.Standard` wraps one; readers below the API (a workbook that names the pack it was made for) load
one directly. Every stage collects all of its problems and raises them together as :class:`PackError`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .catalogue import find_pack
from .compile import CompiledPack, compile_pack
from .load import validate_pack
from .pack_cache import Finder, PackCache
from .resolve import Resolved, resolve_pack
from .schema import Pack

__all__ = ["LoadedPack", "PackLike", "load_pack", "parse_as_of"]


class PackLike(Protocol):
    """Anything that carries a validated pack and its compiled form (a :class:`LoadedPack` or a Standard)."""

    @property
    def pack(self) -> Pack: ...
    @property
    def compiled(self) -> CompiledPack: ...


@dataclass(frozen=True)
class LoadedPack:
    """A resolved, validated and compiled pack, with the files it came from and its extends chain."""

    pack: Pack
    compiled: CompiledPack
    resolved: Resolved
    as_of: dt.date | None

    @property
    def sha256(self) -> str:
        """Hash of the effective pack (the last of the chain)."""
        return str(self.resolved.chain[-1]["sha256"])

    @property
    def files(self) -> list[Path]:
        return [Path(f) for f in self.resolved.files]

    @property
    def chain(self) -> list[dict[str, Any]]:
        """Identity of each pack of the chain, base first: id, version, effective, document, title, sha256."""
        return list(self.resolved.chain)


def parse_as_of(as_of: dt.date | str | None) -> dt.date | None:
    """A date from a date or an ISO ``YYYY-MM-DD`` string; ValueError naming the text otherwise."""
    try:
        return dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    except ValueError as exc:
        raise ValueError(f"as_of {as_of!r} is not a date (YYYY-MM-DD): {exc}") from None


_CACHE: PackCache[LoadedPack] = PackCache()


def load_pack(ref: str | Path, as_of: dt.date | None = None) -> LoadedPack:
    """Load the pack ``ref`` (an id, ``id@version`` or a path) as in force on ``as_of``: once per process, and again
    whenever a file it was read from changes (:mod:`.pack_cache`)."""
    path = find_pack(ref, as_of)

    def load(find: Finder) -> tuple[LoadedPack, list[Path]]:
        loaded = _load_pack(path, as_of, find)
        return loaded, loaded.files

    return _CACHE.get(path, as_of, lambda r, d: find_pack(r, d, paths=False), load)


def _load_pack(path: Path, as_of: dt.date | None, find: Finder) -> LoadedPack:
    """Resolve, validate and compile the pack file ``path`` (its ``extends`` references found through ``find``)."""
    resolved = resolve_pack(path, as_of=as_of, find=find)
    pack = validate_pack(resolved.doc, resolved.locate)
    pack_dirs = [Path(f).resolve().parent for f in resolved.files]  # base pack first

    def rank(source: str | None) -> int:
        """Position in the extends chain of the pack whose directory holds ``source`` (fragments included)."""
        if source is None:
            return -1
        where = Path(source).resolve()
        return max((i for i, d in enumerate(pack_dirs) if d == where or d in where.parents), default=-1)

    compiled = compile_pack(pack, resolved.locate, rank)
    return LoadedPack(pack, compiled, resolved, as_of)
