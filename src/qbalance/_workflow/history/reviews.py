"""The staged reviews of a county (自评 → 市级 → 州级复评 → 省级 → 国家认定): each with its date, outcome and the
stored record whose report it used, so a county can show which data each review saw.

The stages and the plan's words for each come from ``review-stages.yaml`` beside this module (quoted from the
Wenshan plan, 四、实施步骤); ``basic_balance`` records the earlier certification of basic balance, which eligibility
rules may count the years from. A stage is named by its id or by the names people use (州级复评, 复评 …), an outcome
by ``pass``/``fail``/``pending`` or 通过/未通过/待定.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from ..._base.messages import msg, text
from ..._report.model import LabelOut
from .database import HistoryError
from .ledger_rows import Outcome, ReviewRow, Stage

__all__ = ["OUTCOMES", "ReviewOut", "StageInfo", "outcome_of", "review_out", "stage_of", "stages"]

OUTCOMES: Final[dict[str, Outcome]] = {
    "pass": "pass",
    "通过": "pass",
    "fail": "fail",
    "未通过": "fail",
    "不通过": "fail",
    "pending": "pending",
    "待定": "pending",
}


class StageInfo(BaseModel):
    """A stage of review: its order, the names a user may type and the plan's words for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Stage
    order: int
    names: list[str]
    document: str
    clause: str | None = None
    text: str | None = None
    note: str | None = None


@cache
def stages() -> dict[str, StageInfo]:
    """The stages of review by id, in order (read once from ``review-stages.yaml``)."""
    import yaml  # the package's own data, as the message catalogue

    raw = yaml.safe_load(
        resources.files("qbalance._workflow.history").joinpath("review-stages.yaml").read_text(encoding="utf-8")
    )
    out = {sid: StageInfo(id=sid, document=raw["document"], **spec) for sid, spec in raw["stages"].items()}
    return dict(sorted(out.items(), key=lambda kv: kv[1].order))


def stage_of(name: str) -> Stage:
    """The stage a user named (its id or any of its names); :class:`HistoryError` listing the stages otherwise."""
    wanted = name.strip().lower()
    for sid, info in stages().items():
        if wanted == sid or wanted in (n.lower() for n in info.names):
            return info.id
    choices = "、".join(f"{info.names[0]}({sid})" for sid, info in stages().items())
    raise HistoryError(msg("reviews.unknown_stage", stage=name, choices=choices))


def outcome_of(name: str) -> Outcome:
    """The outcome a user named; :class:`HistoryError` otherwise."""
    found = OUTCOMES.get(name.strip().lower())
    if found is None:
        raise HistoryError(msg("reviews.unknown_outcome", outcome=name))
    return found


class ReviewOut(BaseModel):
    """A stored review as listed: the row, its stage's label, and the record it used (year, verdict, current)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: int
    county_code: str
    stage: Stage
    stage_label: LabelOut
    held_on: dt.date
    outcome: Outcome
    record_id: int | None = None
    record_year: int | None = None
    record_verdict: str | None = None
    record_current: bool | None = Field(default=None, description="False when the record was replaced since")
    body: str | None = None
    note: str | None = None
    added_at: str


def review_out(row: ReviewRow, record: Any | None) -> ReviewOut:
    """A review row with its stage's label and its record's year, verdict and whether it is still current."""
    key = f"ledger.stage.{row.stage}"
    return ReviewOut(
        id=row.id,
        county_code=row.county_code,
        stage=row.stage,
        stage_label=LabelOut(zh=text(key, "zh"), en=text(key, "en")),
        held_on=row.date,
        outcome=row.outcome,
        record_id=row.record_id,
        record_year=record.year if record is not None else None,
        record_verdict=record.verdict if record is not None else None,
        record_current=record.current if record is not None else None,
        body=row.body,
        note=row.note,
        added_at=row.added_at,
    )
