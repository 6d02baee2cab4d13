"""Whether a county may apply for a stage of review, by the conditions its pack states (``eligibility:``), checked
against the history: the stored years and the recorded reviews.

Each rule is ``pass``, ``fail`` or ``incomplete`` — what the rule needs is not recorded (no stored year, no review of
the stage it counts from), which is never a pass — with one sentence saying what was found. A stage is eligible when
all its rules pass, not eligible when one fails, undecided otherwise; a stage the pack states no condition for says
so (nothing is invented: the national measures' own condition, years since basic-balance certification, was not
found in the texts read, so no shipped pack states it).

Years are counted by anniversary: a review passed on 2021-12-20 is three full years old on 2024-12-20 (on that day,
not the day before); from a 29 February the anniversary is 28 February.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from ..._base.messages import text
from ..._report.model import LabelOut
from .ledger_rows import ReviewRow
from .records import Record

if TYPE_CHECKING:
    from ..._packs.schema import EligibilityRule, Source

__all__ = ["EligibilityOut", "RuleOut", "check_eligibility", "years_after"]

Result = Literal["pass", "fail", "incomplete"]


class RuleOut(BaseModel):
    """One condition and what the history shows for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    stage: str
    kind: str
    label: LabelOut
    result: Result
    detail: LabelOut
    document: str | None = None
    clause: str | None = None
    text: str | None = None


class EligibilityOut(BaseModel):
    """Whether a county may apply for one stage of review, on a date, by the pack's conditions."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    county_code: str
    stage: str
    stage_label: LabelOut
    as_of: dt.date
    pack: str
    result: Literal["eligible", "not_eligible", "incomplete", "no_rule"]
    rules: list[RuleOut]


def years_after(day: dt.date, years: int) -> dt.date:
    """The anniversary ``years`` years after ``day`` (28 February for a 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _label(key: str, **args: Any) -> LabelOut:
    return LabelOut(zh=text(key, "zh", **args), en=text(key, "en", **args))


def _stage_label(stage: str) -> LabelOut:
    return _label(f"ledger.stage.{stage}")


def check_eligibility(
    county: str,
    stage: str,
    rules: Mapping[str, EligibilityRule],
    sources: Mapping[str, Source],
    *,
    records: Sequence[Record],
    reviews: Sequence[ReviewRow],
    as_of: dt.date,
    pack: str,
) -> EligibilityOut:
    """The pack's conditions for applying to ``stage``, each checked against the county's current ``records`` and
    its ``reviews`` as of ``as_of`` (a review after that date does not count)."""
    mine = {rid: r for rid, r in rules.items() if r.stage == stage}
    seen = [r for r in reviews if r.county_code == county and r.date <= as_of]
    years = [r for r in records if r.county_code == county and r.year <= as_of.year]
    out = [_rule(rid, rule, sources, years, seen, as_of) for rid, rule in mine.items()]
    results = {r.result for r in out}
    result: Literal["eligible", "not_eligible", "incomplete", "no_rule"] = (
        "no_rule"
        if not out
        else "not_eligible"
        if "fail" in results
        else "incomplete"
        if results != {"pass"}
        else "eligible"
    )
    return EligibilityOut(
        county_code=county,
        stage=stage,
        stage_label=_stage_label(stage),
        as_of=as_of,
        pack=pack,
        result=result,
        rules=out,
    )


def _rule(
    rid: str,
    rule: EligibilityRule,
    sources: Mapping[str, Source],
    records: Sequence[Record],
    reviews: Sequence[ReviewRow],
    as_of: dt.date,
) -> RuleOut:
    if rule.kind == "verdict_pass":
        result, detail = _verdict(records)
    else:
        assert rule.after is not None
        result, detail = _after_stage(rule.after, rule.years, reviews, as_of)
    src = sources.get(rule.cite.source)
    document = (src.document or src.title.zh) if src is not None else None
    return RuleOut(
        id=rid,
        stage=rule.stage,
        kind=rule.kind,
        label=LabelOut(zh=rule.label.zh, en=rule.label.en),
        result=result,
        detail=detail,
        document=document,
        clause=rule.cite.clause,
        text=rule.cite.text,
    )


def _verdict(records: Sequence[Record]) -> tuple[Result, LabelOut]:
    """The latest stored year's verdict."""
    if not records:
        return "incomplete", _label("eligibility.no_year")
    latest = max(records, key=lambda r: (r.year, r.id))
    verdict = _label(f"report.verdict.{latest.verdict}")
    detail = LabelOut(
        zh=text("eligibility.verdict", "zh", year=latest.year, verdict=verdict.zh, id=latest.id),
        en=text("eligibility.verdict", "en", year=latest.year, verdict=verdict.en, id=latest.id),
    )
    return ("pass" if latest.verdict == "pass" else "fail"), detail


def _after_stage(
    after: str, years: int | None, reviews: Sequence[ReviewRow], as_of: dt.date
) -> tuple[Result, LabelOut]:
    """A review of stage ``after`` passed (at least ``years`` full years before ``as_of``)."""
    of_stage = [r for r in reviews if r.stage == after]
    passed = [r for r in of_stage if r.outcome == "pass"]
    stage = _stage_label(after)
    if not passed:
        if not of_stage:
            return "incomplete", _both("eligibility.no_review", stage=stage)
        last = max(of_stage, key=lambda r: (r.date, r.id))
        outcome = _label(f"reviews.outcome.{last.outcome}")
        return ("fail" if last.outcome == "fail" else "incomplete"), _both(
            "eligibility.review_not_passed", stage=stage, date=last.held_on, outcome=outcome
        )
    first = min(passed, key=lambda r: (r.date, r.id))
    if years is None:
        return "pass", _both("eligibility.review_passed", stage=stage, date=first.held_on, id=first.id)
    due = years_after(first.date, years)
    key = "eligibility.years_met" if as_of >= due else "eligibility.years_short"
    args = {"stage": stage, "date": first.held_on, "years": years, "as_of": as_of.isoformat(), "due": due.isoformat()}
    return ("pass" if as_of >= due else "fail"), _both(key, **args)


def _both(key: str, **args: Any) -> LabelOut:
    """A sentence in both languages, labels among its arguments shown in the same language."""

    def show(lang: str) -> str:
        return text(key, lang, **{k: (v.text(lang) if isinstance(v, LabelOut) else v) for k, v in args.items()})

    return LabelOut(zh=show("zh"), en=show("en"))
