"""Where the previous year and the years before come from, for rules that look back (``previous.x``) and targets
followed through the years: a history store, or the previous year's data given as a file (or any form of county
data).

The store is anything that answers :class:`YearStore` — :class:`qbalance._workflow.history.History` does; this
layer only reads through that interface (the history itself belongs to the layer above). :func:`previous_year`
finds each county's previous data year (its ``year`` − 1) and tables it under the same pack, through the same
validated path as any county data, so previous values are columns like any other; :func:`stored_series` reads the
values of the pack's progress items in the years stored before the data year.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .._base.errors import InputError, Problem
from .._base.messages import Msg, msg, text
from .._data.models import County
from .._data.previous import PreviousData, PreviousOf, align_previous
from .._data.table import Table
from .._packs.compile import CompiledPack

if TYPE_CHECKING:  # the report layer is imported when stored series are read, not for a batch
    from .._data.intake import Intake  # and the readers of county files when one is read
    from .._report.model import SeriesPointOut
    from .._report.report import Report

__all__ = ["EmptyStore", "StoredRecord", "YearStore", "previous_year", "stored_series"]


class _Pack(Protocol):
    """What is needed of the pack (a :class:`~.standard.Standard`): its rules, and its way in for county data."""

    @property
    def compiled(self) -> CompiledPack: ...
    def read(self, data: Any) -> Intake: ...
    def table(self, counties: Sequence[County], sources: Sequence[str | None] | None = None) -> Table: ...


class StoredRecord(Protocol):
    """A stored county-year of a history: its record number, year and data digest."""

    @property
    def id(self) -> int: ...
    @property
    def year(self) -> int: ...
    @property
    def input_digest(self) -> str: ...


class YearStore(Protocol):
    """What evaluation reads from a history of county-years (a :class:`~qbalance._workflow.history.History`)."""

    @property
    def path(self) -> Path: ...
    def record(self, county: str, year: int) -> StoredRecord | None: ...
    def county_of(self, record: Any) -> County: ...
    def reports(self, county: str) -> Sequence[tuple[StoredRecord, Report]]: ...


class EmptyStore:
    """A history that holds nothing yet (a database about to be created): every previous year is "not stored"."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, county: str, year: int) -> StoredRecord | None:
        return None

    def county_of(self, record: Any) -> County:
        raise LookupError(record)  # never reached: there is no record to read

    def reports(self, county: str) -> Sequence[tuple[StoredRecord, Report]]:
        return []


def _year(table: Table, county: int, year: int | None) -> int | None:
    """The data year of county ``county`` of ``table``: ``year`` when given, else the year its data state."""
    if year is not None:
        return year
    meta = table.meta[county] if county < len(table.meta) else {}
    stated = meta.get("year")
    return int(stated) if stated is not None else None


def _year_needed(table: Table, counties: Sequence[int], source: str | None) -> InputError:
    """The counties whose data state no year, which a look-back needs."""
    return InputError(
        [
            Problem.of(
                msg("lookback.year_needed", county=table.county_codes[c]), source=source, path="year", field="year"
            )
            for c in counties
        ]
    )


def previous_year(
    std: _Pack,
    table: Table,
    *,
    history: YearStore | None = None,
    previous: Any = None,
    year: int | None = None,
    source: str | None = None,
) -> PreviousData | None:
    """The previous data year of every county of ``table`` (None when no rule of the pack looks back).

    From ``previous`` (the previous year's data of a one-county table, in any form county data take), else from
    ``history`` (each county's record of its year − 1). A county whose previous year is not found has none, with the
    reason. ``year`` overrides the year the data state (one county); a look-back with a source needs the data year:
    its absence is an :class:`InputError` naming the county (``source``: where the data came from)."""
    if not std.compiled.lookback_items:
        return None
    n = table.levels["county"].n
    years = [_year(table, c, year) for c in range(n)]
    if previous is None and history is None:
        of = [PreviousOf(y - 1 if y else None, False, "none", _not_given(y)) for y in years]
        return PreviousData(None, align_previous(table, None, [-1] * n), of)
    unknown = [c for c in range(n) if years[c] is None]
    if unknown:
        raise _year_needed(table, unknown, source)
    if previous is not None:
        return _from_data(std, table, previous, years)
    assert history is not None
    return _from_history(std, table, history, years)


def _not_given(year: int | None) -> Msg:
    """Why a county has no previous year when none was given: no source, or not even a data year."""
    return msg("lookback.not_given", year=year - 1) if year is not None else msg("lookback.no_year")


def _from_data(std: _Pack, table: Table, previous: Any, years: list[int | None]) -> PreviousData:
    """The previous year from data given for it: the same county (by code), of the year before (when it says)."""
    if table.levels["county"].n != 1:
        raise InputError(Problem.of(msg("lookback.previous_one_county")))
    intake = std.read(previous)
    before, code = intake.table, table.county_codes[0]
    want = years[0]
    assert want is not None
    problems = []
    if before.county_codes[0] != code:
        problems.append(msg("lookback.previous_other_county", code=before.county_codes[0], expected=code))
    stated = before.meta[0].get("year") if before.meta else None
    if stated is not None and int(stated) != want - 1:
        problems.append(msg("lookback.previous_wrong_year", stated=stated, year=want, expected=want - 1))
    if problems:
        raise InputError(
            [Problem.of(p, source=intake.source, path="year" if "year" in p.key else "code") for p in problems]
        )
    of = PreviousOf(want - 1, True, "file", source=intake.source, input_digest=before.digest(0))
    return PreviousData(before, align_previous(table, before, [0]), [of])


def _from_history(std: _Pack, table: Table, history: YearStore, years: list[int | None]) -> PreviousData:
    """The previous year of every county from the history: its record of the year before, tabled under the pack."""
    counties: list[County] = []
    sources: list[str] = []
    county_of: list[int] = []
    of: list[PreviousOf] = []
    where = str(history.path)
    for c, code in enumerate(table.county_codes):
        want = years[c]
        assert want is not None
        record = history.record(code, want - 1)
        if record is None:
            county_of.append(-1)
            of.append(PreviousOf(want - 1, False, "history", msg("lookback.not_stored", year=want - 1), where))
            continue
        county_of.append(len(counties))
        counties.append(history.county_of(record))
        sources.append(text("lookback.history_source", path=where, id=record.id, year=want - 1))
        of.append(PreviousOf(want - 1, True, "history", None, where, record.id, record.input_digest))
    before = std.table(counties, sources) if counties else None
    return PreviousData(before, align_previous(table, before, county_of), of)


def previous_of_table(std: _Pack, table: Table, before: Table, source: str | None) -> PreviousData | None:
    """The previous year of every county of a batch, from the previous year's table (``before``, tabled under the
    same pack): each county by its code, each school by its id. A county the previous table lacks has none, with the
    reason; None when no rule of the pack looks back."""
    if not std.compiled.lookback_items:
        return None
    index = {code: i for i, code in enumerate(before.county_codes)}
    county_of: list[int] = []
    of: list[PreviousOf] = []
    for c, code in enumerate(table.county_codes):
        year = _year(table, c, None)
        i = index.get(code, -1)
        county_of.append(i)
        if i < 0:
            reason = msg("lookback.not_in_previous_table", code=code, source=source or "")
            of.append(PreviousOf(year - 1 if year else None, False, "file", reason, source))
        else:
            of.append(PreviousOf(year - 1 if year else None, True, "file", None, source, None, before.digest(i)))
    return PreviousData(before, align_previous(table, before, county_of), of)


def stored_series(
    std: _Pack, code: str, year: int | None, history: YearStore | None
) -> dict[str, list[SeriesPointOut]] | None:
    """Per progress item of the pack, its values in the years ``history`` holds for county ``code`` before
    ``year``, by year (the values the stored reports give for the item's id); None without a history."""
    if history is None:
        return None
    ids = [i for i, ci in std.compiled.items.items() if ci.spec.kind == "progress"]
    from .._report.model import SeriesPointOut

    out: dict[str, list[SeriesPointOut]] = {i: [] for i in ids}
    if not ids or year is None:
        return out
    for record, report in history.reports(code):
        if record.year >= year:
            continue
        values = {item.id: item.value for item in report.items}
        for i in ids:
            out[i].append(SeriesPointOut(year=record.year, value=values.get(i), record=record.id))
    return out
