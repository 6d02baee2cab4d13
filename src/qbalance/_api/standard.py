"""The public face of a rule pack: :class:`Standard`, loaded once and used to evaluate any number of counties."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._data.models import County
from .._data.table import Table, build_table
from .._engine.evaluate import Results, evaluate_table
from .._packs.catalogue import find_pack
from .._packs.compile import CompiledPack, compile_pack
from .._packs.load import validate_pack
from .._packs.resolve import Resolved, resolve_pack
from .._packs.schema import Pack
from .._report.model import LabelOut, PackRef, Provenance, Report
from .._version import __version__

__all__ = ["Standard", "load_standard"]


class Standard:
    """A loaded, checked and compiled rule pack (e.g. ``cn-moe-2017``), ready to evaluate counties.

    Load one with :func:`load_standard`; it is immutable and can be reused for any number of counties.
    """

    def __init__(self, pack: Pack, compiled: CompiledPack, sha256: str, files: list[Path], chain: list[PackRef]):
        self.pack = pack
        self.compiled = compiled
        self.sha256 = sha256
        self.files = files
        self.chain = chain
        self.as_of: dt.date | None = None
        self.resolved: Resolved | None = None

    @property
    def id(self) -> str:
        return self.pack.id

    @property
    def version(self) -> str:
        return self.pack.version

    @property
    def title(self) -> str:
        return self.pack.title.zh

    @property
    def ref(self) -> PackRef:
        """This pack's identity as recorded in report provenance."""
        return PackRef(
            id=self.pack.id,
            version=self.pack.version,
            effective=self.pack.effective.isoformat(),
            document=self.pack.document,
            title=LabelOut(zh=self.pack.title.zh, en=self.pack.title.en),
            sha256=self.sha256,
        )

    def __repr__(self) -> str:
        return f"<Standard {self.id} {self.version} ({self.title})>"

    def table(self, counties: Sequence[County], sources: Sequence[str | None] | None = None) -> Table:
        """The engine's columnar table for ``counties`` under this pack (raises InputError on bad data)."""
        return build_table(counties, self.compiled, list(sources or [None] * len(counties)))

    def run(self, table: Table) -> Results:
        """Evaluate a prepared table (all counties in it at once)."""
        return evaluate_table(table, self.compiled)

    def provenance(self, digest: str, as_of: dt.date | None = None) -> Provenance:
        when = as_of or self.as_of
        return Provenance(
            qbalance_version=__version__,
            pack=self.ref,
            chain=self.chain,
            input_digest=digest,
            as_of=when.isoformat() if when else None,
        )

    def evaluate(self, data: Any) -> Report:
        """Evaluate one county (a path — YAML, JSON, .xlsx, one-county CSV/Parquet —, a dict, a :class:`County` or a
        one-county DataFrame) and return its report."""
        from .evaluate import evaluate_with

        return evaluate_with(self, data)


def load_standard(ref: str | Path | Standard = "cn-moe-2017", *, as_of: dt.date | str | None = None) -> Standard:
    """Load a rule pack by id (``cn-moe-2017``), ``id@version``, or path to a pack file or directory.

    Overlays are resolved along their ``extends`` chain. With ``as_of`` (a date or ISO string), the version of each
    standard in force on that day is chosen. Raises :class:`PackError` listing every problem if a pack is invalid,
    unsafe, or conflicts with another.
    """
    if isinstance(ref, Standard):
        return ref
    try:
        when = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    except ValueError as exc:
        raise ValueError(f"as_of {as_of!r} is not a date (YYYY-MM-DD): {exc}") from None
    path = find_pack(str(ref), when)
    resolved = resolve_pack(path, as_of=when, find=lambda r, d: find_pack(r, d, paths=False))
    pack = validate_pack(resolved.doc, resolved.locate)
    pack_dirs = [Path(f).resolve().parent for f in resolved.files]  # base pack first

    def rank(source: str | None) -> int:
        """Position in the extends chain of the pack whose directory holds ``source`` (fragments included)."""
        if source is None:
            return -1
        where = Path(source).resolve()
        return max((i for i, d in enumerate(pack_dirs) if d == where or d in where.parents), default=-1)

    compiled = compile_pack(pack, resolved.locate, rank)
    chain = [
        PackRef(
            id=c["id"],
            version=c["version"],
            effective=c["effective"],
            document=c.get("document") if isinstance(c.get("document"), str) else None,
            title=LabelOut(**c["title"]) if isinstance(c.get("title"), dict) else LabelOut(zh=c["id"]),
            sha256=c["sha256"],
        )
        for c in resolved.chain
    ]
    std = Standard(pack, compiled, resolved.chain[-1]["sha256"], resolved.files, chain)
    std.resolved = resolved
    std.as_of = when
    return std
