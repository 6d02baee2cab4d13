"""The report's part on the previous data year: which year the rules that look back read, whether it was found
and where (``previous``), and — when it was not — the sentence the items that look back say instead of a result
(2024 年的数据不在历史库中)."""

from __future__ import annotations

from .._base.messages import Msg, msg, text
from .._data.previous import PreviousOf
from .._packs.lookback import base_name
from .._packs.schema import Label
from .county_view import CountyView
from .model import LabelOut, PreviousOut

__all__ = ["lookback_reason", "previous_label", "previous_section"]


def _label(said: Msg) -> LabelOut:
    return LabelOut(zh=said.text("zh"), en=said.text("en"))


def _of(view: CountyView) -> PreviousOf | None:
    """What is known of the county's previous year (None: no previous year was looked for)."""
    prev = view.results.previous
    return prev.of[view.county] if prev is not None and view.county < len(prev.of) else None


def previous_section(view: CountyView) -> PreviousOut | None:
    """The previous data year the county's look-back items read (None when no item of the pack looks back)."""
    items = [i for i in view.cp.items if i in view.cp.lookback_items]
    if not items:
        return None
    of = _of(view)
    if of is None:
        return PreviousOut(year=None, found=False, kind="none", reason=lookback_reason(view), items=items)
    return PreviousOut(
        year=of.year,
        found=of.found,
        kind=of.kind,
        source=of.source,
        record=of.record,
        input_digest=of.input_digest,
        reason=lookback_reason(view),
        items=items,
    )


def lookback_reason(view: CountyView) -> LabelOut | None:
    """Why the county's look-back items are not evaluated (None when its previous year was found)."""
    of = _of(view)
    if of is not None and of.found:
        return None
    return _label(of.reason if of is not None and of.reason is not None else msg("lookback.not_given_any"))


def previous_label(label: Label | None, name: str) -> LabelOut:
    """The label of a previous-year value ``name``: its name's label (``label``), marked as the previous year's."""
    zh = label.zh if label is not None else base_name(name)
    en = (label.en or label.zh) if label is not None else base_name(name)
    return LabelOut(
        zh=text("lookback.previous_label", "zh", label=zh), en=text("lookback.previous_label", "en", label=en)
    )
