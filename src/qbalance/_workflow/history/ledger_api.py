""":class:`LedgerMethods` — what :class:`~.store.History` offers beyond storing years: the rectification ledger
(整改台账), the staged reviews and eligibility to apply, and the county's trends. Kept apart from :mod:`.store`, which
mixes it in, so each module has one job; the work itself is in :mod:`.ledger_sync`, :mod:`.ledger_workbook`,
:mod:`.reviews`, :mod:`.eligibility` and :mod:`.trends`.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..._base.messages import msg
from ..._base.text import name_problem
from .database import HistoryError, guard, transaction
from .ledger_rows import MAX_UNIT, insert_review, select_reviews
from .ledger_sync import edit_entry, ledger_view, sync_ledger
from .records import MAX_NOTE, Record
from .reviews import ReviewOut, outcome_of, review_out, stage_of

if TYPE_CHECKING:
    from ..._api.standard import Standard
    from ..._data.models import County
    from ..._report.ledger_model import LedgerData, TrendsData
    from ..._report.report import Report
    from .eligibility import EligibilityOut
    from .ledger_workbook import Imported

__all__ = ["LedgerMethods"]

_UNSET: Any = object()


def _date(value: dt.date | str | None, default: dt.date | None = None) -> dt.date:
    """A date given as a date or ISO text (``2025-09-01``); ``default`` (today) when None."""
    if value is None:
        return default or dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise HistoryError(msg("ledger.bad_date", value=str(value))) from None


class LedgerMethods:
    """The ledger, reviews and trends of a history database (mixed into :class:`~.store.History`)."""

    if TYPE_CHECKING:
        path: Path
        readonly: bool
        _conn: sqlite3.Connection
        _clock: Callable[[], str]

        def records(self, county: str | None = None, *, include_superseded: bool = False) -> list[Record]: ...
        def record(self, county: str, year: int) -> Record | None: ...
        def record_by_id(self, record_id: int) -> Record | None: ...
        def reports(self, county: str) -> list[tuple[Record, Report]]: ...
        def county_of(self, record: Record | int) -> County: ...

    # -- the ledger ---------------------------------------------------------------------------------------------------

    def _series(self, county: str) -> list[tuple[Record, Report]]:
        series = self.reports(str(county))
        if not series:
            raise HistoryError(msg("ledger.no_county", county=county))
        return series

    def ledger(
        self,
        county: str,
        *,
        as_of: dt.date | str | None = None,
        through: int | None = None,
        plan: bool = True,
        standard: str | Path | Standard | None = None,
    ) -> LedgerData:
        """The county's rectification ledger (整改台账), brought up to date with its stored years (and written, unless
        the database is open read-only): statuses as of ``as_of`` (default today). ``through`` shows it as the years
        up to that one saw it. ``plan``: propose actions from the rectification plan of the latest year, under
        ``standard`` (default: the pack that judged it)."""
        day = _date(as_of)
        series = self._series(county)
        done = sync_ledger(
            self._conn,
            self.path,
            series,
            as_of=day,
            now=self._clock(),
            county_of=self.county_of,
            standard=standard,
            plan=plan,
            write=not self.readonly,
        )
        if through is None:
            return done
        view = ledger_view(self._conn, self.path, series, as_of=day, through=through)
        return view.model_copy(update={"notes": done.notes})

    def edit_ledger(
        self,
        county: str,
        seq: int,
        *,
        action: str | None = _UNSET,
        responsible: str | None = _UNSET,
        deadline: dt.date | str | None = _UNSET,
        note: str | None = _UNSET,
    ) -> None:
        """Write the county office's fields of entry ``seq`` (序号): the action (整改措施, which then replaces the
        plan's proposal), the responsible unit (责任单位), the deadline (完成时限) and a note. None or an empty
        text clears a field; a field not given is left as it is."""
        values = {"action": action, "responsible": responsible, "note": note}
        fields: dict[str, Any] = {k: v for k, v in values.items() if v is not _UNSET}
        if deadline is not _UNSET:
            fields["deadline"] = None if deadline in (None, "") else _date(deadline)
        self.ledger(county, plan=False)  # numbered from the stored years first, so every problem has its entry
        edit_entry(self._conn, self.path, str(county), int(seq), fields, self._clock())

    def export_ledger(
        self,
        target: str | os.PathLike[str],
        county: str,
        *,
        as_of: dt.date | str | None = None,
        lang: str = "zh",
        plan: bool = True,
        standard: str | Path | Standard | None = None,
    ) -> LedgerData:
        """Write the ledger as an Excel workbook (问题清单 and 整改台账 sheets, the ``excel`` extra); returns it."""
        from ..._report.ledger_excel import render_ledger_xlsx

        ledger = self.ledger(county, as_of=as_of, plan=plan, standard=standard)
        render_ledger_xlsx(ledger, target, lang)
        return ledger

    def import_ledger(self, source: str | os.PathLike[str]) -> Imported:
        """Read the editable columns (整改措施, 责任单位, 完成时限, 备注) of an exported ledger workbook back into the
        database, all or nothing: every problem of the workbook is reported at once (``InputError``, by cell)."""
        from .ledger_workbook import apply_import, read_ledger_workbook

        edits = read_ledger_workbook(Path(source))
        return apply_import(self._conn, self.path, edits, self._clock(), source=str(source))

    # -- reviews --------------------------------------------------------------------------------------------------

    def add_review(
        self,
        county: str,
        stage: str,
        held_on: dt.date | str,
        outcome: str,
        *,
        record: int | None = None,
        year: int | None = None,
        body: str | None = None,
        note: str | None = None,
    ) -> ReviewOut:
        """Record a review (自评, 市级, 州级复评, 省级, 国家认定, or the earlier basic-balance certification) held on
        ``held_on`` with its outcome (pass/fail/pending, 通过/未通过/待定) and the stored record whose report it
        used: ``record`` by id, or the current record of ``year``; by default the latest year stored on or before
        the review's year (none for ``basic_balance``)."""
        county, sid, day = str(county), stage_of(stage), _date(held_on)
        used = self._review_record(county, sid, day, record, year)
        for what, value, limit in (("body", body, MAX_UNIT), ("note", note, MAX_NOTE)):
            _check_text(what, value, limit)
        values = {
            "county_code": county,
            "stage": sid,
            "held_on": day.isoformat(),
            "outcome": outcome_of(outcome),
            "record_id": used.id if used is not None else None,
            "body": (body or "").strip() or None,
            "note": (note or "").strip() or None,
            "added_at": self._clock(),
        }
        with transaction(self._conn, self.path):
            review_id = insert_review(self._conn, values)
        return next(r for r in self.reviews(county) if r.id == review_id)

    def _review_record(
        self, county: str, stage: str, day: dt.date, record: int | None, year: int | None
    ) -> Record | None:
        """The record a review used: the one named, the current one of ``year``, or the latest stored by then."""
        if record is not None:
            found = self.record_by_id(record)
            if found is None or found.county_code != county:
                raise HistoryError(msg("reviews.no_record", county=county, id=record))
            return found
        if year is not None:
            found = self.record(county, year)
            if found is None:
                raise HistoryError(msg("history.no_record", county=county, year=year))
            return found
        if stage == "basic_balance":
            return None
        earlier = [r for r in self.records(county) if r.year <= day.year]
        if not earlier:
            raise HistoryError(msg("reviews.record_needed", county=county, year=day.year))
        return earlier[-1]

    def reviews(self, county: str | None = None) -> list[ReviewOut]:
        """The recorded reviews (of one county, or all), by county and date, each with the record it used."""
        with guard(self.path):
            rows = select_reviews(self._conn, None if county is None else str(county))
        return [review_out(r, self.record_by_id(r.record_id) if r.record_id else None) for r in rows]

    def eligibility(
        self,
        county: str,
        stage: str,
        *,
        standard: str | Path | Standard | None = None,
        as_of: dt.date | str | None = None,
    ) -> EligibilityOut:
        """Whether the county may apply for ``stage`` on ``as_of`` (default today), by the conditions of
        ``standard`` (default: the pack of the county's latest stored year), checked against the stored years and
        the recorded reviews."""
        from ..._api.standard import load_standard
        from .eligibility import check_eligibility

        county, sid, day = str(county), stage_of(stage), _date(as_of)
        records = self.records(county)
        if standard is None and not records:
            raise HistoryError(msg("ledger.no_county", county=county))
        std = load_standard(standard if standard is not None else records[-1].pack_id)
        with guard(self.path):
            rows = select_reviews(self._conn, county)
        pack = std.pack
        return check_eligibility(
            county,
            sid,
            pack.eligibility,
            pack.sources,
            records=records,
            reviews=rows,
            as_of=day,
            pack=f"{std.id} {std.version}",
        )

    # -- trends ---------------------------------------------------------------------------------------------------

    def trends(self, county: str, as_of: dt.date | str | None = None) -> TrendsData:
        """Every CV and target of the county over its stored years against its limit, and what changed since the
        year before the last (``qbalance progress``). Each target's progress status is the latest year's, judged
        again on ``as_of`` when given, else as judged when that year was stored."""
        from .trends import build_trends

        return build_trends(self._series(county), None if as_of is None else _date(as_of))


def _check_text(what: str, value: str | None, limit: int) -> None:
    if value is None:
        return
    if len(value) > limit:
        raise HistoryError(msg("ledger.text_too_long", field=what, limit=limit))
    problem = name_problem(value)
    if problem is not None:
        raise HistoryError(msg("ledger.text_invalid", field=what, detail=problem))
