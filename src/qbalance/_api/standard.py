"""The public face of a rule pack: :class:`Standard`, loaded once and used to evaluate any number of counties."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._base.errors import PackError, Problem
from .._base.messages import msg
from .._data.previous import PreviousData
from .._data.table import Table, build_table
from .._engine.evaluate import Results, evaluate_table
from .._packs.catalogue import find_pack, origin_of
from .._packs.compile import CompiledPack
from .._packs.loading import LoadedPack, load_pack, parse_as_of
from .._packs.resolve import Resolved
from .._packs.schema import Pack
from .._version import __version__
from .lookback import YearStore, previous_year, stored_series

if TYPE_CHECKING:  # the report layer is imported when a report is built, not to evaluate a batch into tables
    from .._data.intake import Intake  # the readers of county files, when one is read
    from .._data.models import County
    from .._report.model import PackRef, Provenance, SeriesPointOut
    from .._report.report import Report

__all__ = ["Standard", "load_standard"]


class Standard:
    """A loaded, checked and compiled rule pack (e.g. ``cn-moe-2017``), ready to evaluate counties.

    Load one with :func:`load_standard`; it is immutable and can be reused for any number of counties.
    """

    def __init__(self, loaded: LoadedPack):
        self.loaded = loaded
        self.pack: Pack = loaded.pack
        self.compiled: CompiledPack = loaded.compiled
        self.sha256 = loaded.sha256
        self.files = loaded.files
        self.as_of: dt.date | None = loaded.as_of
        self.resolved: Resolved | None = loaded.resolved

    @functools.cached_property
    def chain(self) -> list[PackRef]:
        """The packs of the ``extends`` chain, base first, as report provenance records them (made when first asked
        for: evaluating a batch into tables needs no report model)."""
        return [_pack_ref(c) for c in self.loaded.chain]

    @property
    def id(self) -> str:
        return self.pack.id

    def on(self, as_of: dt.date | None) -> Standard:
        """This standard judged on ``as_of`` (the date progress is judged on, and the provenance's date): itself when
        no date or its own is given; a copy when every pack of its chain is in force that day; else
        :class:`PackError` — the version in force may be another, so load the pack again with the date."""
        if as_of is None or as_of == self.as_of:
            return self
        for c in self.loaded.chain:
            start, end = c.get("effective"), c.get("expires")
            if (start is not None and _day(start) > as_of) or (end is not None and as_of >= _day(end)):
                raise PackError(Problem.of(msg("packs.not_in_force", pack=str(c["id"]), date=as_of.isoformat())))
        if self.chain[-1].origin != "path" and find_pack(self.id, as_of) != Path(self.loaded.chain[-1]["file"]):
            raise PackError(Problem.of(msg("packs.other_version", pack=self.id, date=as_of.isoformat())))
        return Standard(dataclasses.replace(self.loaded, as_of=as_of))

    @property
    def version(self) -> str:
        return self.pack.version

    @property
    def title(self) -> str:
        return self.pack.title.zh

    @property
    def ref(self) -> PackRef:
        """This pack's identity as recorded in report provenance, with where it was found."""
        from .._report.model import LabelOut, PackRef

        return PackRef(
            id=self.pack.id,
            version=self.pack.version,
            effective=self.pack.effective.isoformat(),
            document=self.pack.document,
            title=LabelOut(zh=self.pack.title.zh, en=self.pack.title.en),
            sha256=self.sha256,
            origin=self.chain[-1].origin,
            file=self.chain[-1].file,
        )

    def __repr__(self) -> str:
        return f"<Standard {self.id} {self.version} ({self.title})>"

    def read(self, data: Any, *, survey: Any = None, roster: Any = None) -> Intake:
        """One county's validated table under this pack, from any form of data (raises InputError); ``survey``: its
        social-recognition survey (a response file, a tally or rows), counted by the pack's ``survey:``;
        ``roster``: its teacher roster (a CSV file or rows), counted by the pack's ``roster:``."""
        from .._data.intake import read_input

        return read_input(data, self, survey=survey, roster=roster)

    def table(self, counties: Sequence[County], sources: Sequence[str | None] | None = None) -> Table:
        """The engine's columnar table for ``counties`` under this pack (raises InputError on bad data)."""
        return build_table(counties, self.compiled, list(sources or [None] * len(counties)))

    def run(self, table: Table, previous: PreviousData | None = None) -> Results:
        """Evaluate a prepared table (all counties in it at once); ``previous``: their previous data year, for the
        rules that look back (:func:`~.lookback.previous_year`)."""
        return evaluate_table(table, self.compiled, previous)

    def report(
        self,
        results: Results,
        county: int = 0,
        *,
        stored: dict[str, list[SeriesPointOut]] | None = None,
        data_year: int | None = None,
    ) -> Report:
        """The report of county number ``county`` of evaluated results (``stored``: its progress items' values in
        the years a history holds, :func:`~.lookback.stored_series`; ``data_year``: its year, when its data state
        none)."""
        origins = self.resolved.origins if self.resolved is not None else {}
        from .._report.build import build_report

        provenance = self.provenance(results.table.digest(county))
        return build_report(results, county, provenance, None, origins, stored=stored, data_year=data_year)

    def provenance(self, digest: str, as_of: dt.date | None = None) -> Provenance:
        from .._report.model import Provenance

        when = as_of or self.as_of
        return Provenance(
            qbalance_version=__version__,
            pack=self.ref,
            chain=self.chain,
            input_digest=digest,
            as_of=when.isoformat() if when else None,
        )

    def evaluate(
        self,
        data: Any,
        *,
        survey: Any = None,
        roster: Any = None,
        history: YearStore | None = None,
        previous: Any = None,
        year: int | None = None,
    ) -> Report:
        """Evaluate one county (a path — YAML, JSON, .xlsx, one-county CSV/Parquet —, a dict, a :class:`County` or a
        one-county DataFrame) and return its report. ``survey``: the county's social-recognition survey — a response
        file (.csv/.xlsx, one row a respondent), a tally ``{group: {answer: n}}`` or rows — counted into the
        satisfaction rate where the county does not type it. ``roster``: its teacher roster (a CSV file or rows),
        counted into the teacher counts and the county totals (certificates, rotation) by the pack's definitions.

        ``history``: a history store (a ``History``) — the previous year's stored data for the rules that look back
        (``previous.x``), and the stored years' values of the progress items. ``previous``: the previous year's data
        (any form ``data`` takes) instead of the store's. Looking back needs the data year (``year`` when the data do
        not state it). Progress is judged on the standard's ``as_of`` date, else at the end of the data year."""
        intake = self.read(data, survey=survey, roster=roster)
        return self.report_looking_back(
            intake.table, history=history, previous=previous, year=year, source=intake.source
        )

    def report_looking_back(
        self,
        table: Table,
        *,
        history: YearStore | None = None,
        previous: Any = None,
        year: int | None = None,
        source: str | None = None,
    ) -> Report:
        """The report of a one-county table, its rules that look back reading the previous year from ``history``
        or ``previous`` and its progress items the years stored in ``history`` (see :meth:`evaluate`; ``source``:
        where the data came from, for errors)."""
        before = previous_year(self, table, history=history, previous=previous, year=year, source=source)
        stated = table.meta[0].get("year") if table.meta else None
        stored = stored_series(self, table.county_codes[0], year if year is not None else stated, history)
        return self.report(self.run(table, before), stored=stored, data_year=year)


def _pack_ref(c: dict[str, Any]) -> PackRef:
    from .._report.model import LabelOut, PackRef

    origin, file = origin_of(Path(c["file"]))
    return PackRef(
        id=c["id"],
        version=c["version"],
        effective=c["effective"],
        document=c.get("document") if isinstance(c.get("document"), str) else None,
        title=LabelOut(**c["title"]) if isinstance(c.get("title"), dict) else LabelOut(zh=c["id"]),
        sha256=c["sha256"],
        origin=origin,
        file=file,
    )


def _day(value: Any) -> dt.date:
    """A date of a pack chain entry (a date, or ISO text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def load_standard(ref: str | Path | Standard = "cn-moe-2017", *, as_of: dt.date | str | None = None) -> Standard:
    """Load a rule pack by id (``cn-moe-2017``), ``id@version``, or path to a pack file or directory.

    Overlays are resolved along their ``extends`` chain. With ``as_of`` (a date or ISO string), the version of each
    standard in force on that day is chosen. Raises :class:`PackError` listing every problem if a pack is invalid,
    unsafe, or conflicts with another.
    """
    if isinstance(ref, Standard):
        return ref.on(parse_as_of(as_of))
    return Standard(load_pack(ref, parse_as_of(as_of)))
