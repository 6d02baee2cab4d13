"""County figures computed from what the county gave instead of typed: the record of each, and putting it in the table.

Two kinds of records become county facts here (a third kind, a fact the pack computes from other facts, such as the
junior retention rate from the cohort counts, is computed by the engine: ``inputs.X.computed``):

* the **social-recognition survey** — a response file or tally (:mod:`.survey`) named in the county facts
  (``satisfaction_rate: {survey: 问卷.csv}``, resolved against the county file's directory) or given by the caller
  (``qbalance.evaluate(county, survey="问卷.csv")``);
* the **teacher roster**'s county totals (certificate holders, rotated teachers — :mod:`.roster_totals`), counted
  while a workbook's roster sheet is read.

A typed value is never overwritten silently: for the survey the typed value is used (an override) and a warning
says when it differs from the computed one; a roster total that disagrees with a typed one is an input error, as
for the section counts of a roster. Each computation leaves a :class:`ComputedFact` in the table's metadata of its
county (``table.meta[i]["computed"]``), which the report shows (typed or computed, and how).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .._base.documents import Loaded
from .._base.errors import InputError, Problem
from .._base.messages import Msg, msg
from .._packs.schema import Label, Pack, Survey
from .survey import SurveyResult, read_responses, survey_rate, tally_mapping, tally_rows
from .table import Table

__all__ = [
    "META_KEY",
    "ComputedFact",
    "RosterTotal",
    "SurveyRequest",
    "apply_survey",
    "computed_facts",
    "count_survey",
    "inline_survey",
    "names_survey",
    "put_in_table",
    "record_facts",
    "take_survey_reference",
]

META_KEY = "computed"
"""The key of a county's metadata (``table.meta[i]``) that holds its :class:`ComputedFact` records."""
SURVEY_SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class RosterTotal:
    """How a county total was counted from a teacher roster: the teachers in the roster and the pack's condition."""

    teachers: int
    where: str | None
    label: Label | None = None


@dataclass(frozen=True)
class ComputedFact:
    """A county input computed from records the county gave (``method``: ``survey`` or ``roster``).

    ``computed`` is the computed value in the input's base unit (None when it cannot be computed); ``origin`` is
    ``computed`` when the items read it, ``typed`` when a value the county typed was used instead (``typed``), and
    ``missing`` when there is neither."""

    input: str
    method: str
    computed: float | None
    source: str | None
    label: Label | None = None
    origin: str = "computed"
    typed: float | None = None
    survey: SurveyResult | None = None
    roster: RosterTotal | None = None
    warnings: list[Msg] = field(default_factory=list)


@dataclass(frozen=True)
class SurveyRequest:
    """A survey to count for a county: a response-file path, a tally mapping or rows. ``base`` is the directory of
    the county file that named it (its path must stay inside it), None when the caller gave it directly."""

    ref: Any
    base: Path | None = None
    where: str | None = None
    """Where the county file names it (for messages): ``line 12, column 3``."""


def computed_facts(table: Table, county: int) -> list[ComputedFact]:
    """The computation records of county number ``county`` of a table (empty when there are none)."""
    meta = table.meta[county] if county < len(table.meta) else {}
    records = meta.get(META_KEY, [])
    return [r for r in records if isinstance(r, ComputedFact)]


def record_facts(table: Table, county: int, records: Sequence[ComputedFact]) -> None:
    """Keep computation records (e.g. the roster totals of a workbook) with the county's table; their warnings join
    the table's, each once (the totals of one roster share theirs)."""
    if not records or county >= len(table.meta):
        return
    table.meta[county].setdefault(META_KEY, []).extend(records)
    seen: set[str] = set()
    for record in records:
        for m in record.warnings:
            if m.text("en") in seen:
                continue
            seen.add(m.text("en"))
            where = {"source": record.source, "field": f"facts.{record.input}", "extra": {"county": county}}
            table.warnings.append(Problem.of(m, **where))


# ---------------------------------------------------------------- the survey named in a county file


def names_survey(raw: Any) -> bool:
    """Whether a county file's raw data names a survey in its county facts (``{X: {survey: ...}}``)."""
    facts = raw.get("facts") if isinstance(raw, dict) else None
    return isinstance(facts, dict) and any(isinstance(v, dict) and "survey" in v for v in facts.values())


def take_survey_reference(raw: Any, pack: Pack, source: str, doc: Loaded | None) -> tuple[Any, SurveyRequest | None]:
    """A county file's raw data without its survey reference (``facts: {X: {survey: ...}}``), and the request.

    The fact is left as missing (with its evidence note, if any) until the survey is counted into the table. A
    reference to a fact the pack does not compute from a survey is an input error at its line."""
    facts = raw.get("facts") if isinstance(raw, dict) else None
    if not isinstance(facts, dict):
        return raw, None
    refs = [k for k, v in facts.items() if isinstance(v, dict) and "survey" in v]
    if not refs:
        return raw, None
    problems: list[Problem] = []
    for key in refs:
        where = doc.where(("facts", key)) if doc is not None else None
        bad = _reference_problem(key, facts[key], pack)
        if bad is not None:
            problems.append(Problem.of(bad, source=source, location=where, path=f"county.facts.{key}", value=None))
    if problems:
        raise InputError(problems)
    key = refs[0]
    entry = facts[key]
    evidence = entry.get("evidence")
    cleaned = {**facts, key: {"value": None, "evidence": evidence} if evidence is not None else None}
    where = doc.where(("facts", key, "survey")) if doc is not None else None
    base = Path(source).resolve().parent if doc is not None else Path.cwd()
    return {**raw, "facts": cleaned}, SurveyRequest(entry["survey"], base, where)


def _reference_problem(key: str, entry: Mapping[str, Any], pack: Pack) -> Msg | None:
    """Why a county fact's survey reference cannot be counted, or None when it can."""
    if pack.survey is None:
        return msg("compute.survey_not_in_pack", pack=pack.id)
    if key != pack.survey.input:
        return msg("compute.survey_wrong_fact", pack=pack.id, expected=pack.survey.input)
    if set(entry) - {"survey", "evidence"}:
        return msg("compute.survey_keys")
    return None


def _survey_path(ref: str | Path, request: SurveyRequest, source: str | None) -> Path:
    """The response file a request names. A path written in a county file must stay inside its directory (a county
    file received from elsewhere must not make qbalance read, and quote in its messages, other files)."""
    path = Path(ref)
    if path.suffix.lower() not in SURVEY_SUFFIXES:
        raise InputError(Problem.of(msg("compute.survey_suffix"), source=source, location=request.where))
    if request.base is None:
        return path
    outside = Problem.of(msg("compute.survey_path_outside"), source=source, location=request.where, value=str(ref))
    if path.is_absolute() or ".." in path.parts or ":" in str(ref):
        raise InputError(outside)
    full = request.base / path
    if not full.exists():
        raise InputError(Problem.of(msg("compute.survey_no_file"), source=str(full), location=None))
    real, base = full.resolve(), request.base.resolve()
    if base not in real.parents:
        raise InputError(outside)
    return full


def count_survey(request: SurveyRequest, survey: Survey, source: str | None) -> SurveyResult:
    """Count a request's answers (file, tally or rows) by the pack's survey definition."""
    ref = request.ref
    if isinstance(ref, (str, Path)):
        tally = read_responses(_survey_path(ref, request, source), survey)
    elif isinstance(ref, Mapping):
        tally = tally_mapping(ref, survey, source=source)
    elif isinstance(ref, Sequence) and all(isinstance(r, Mapping) for r in ref):
        tally = tally_rows(ref, survey, source="<rows>")
    else:
        raise InputError(Problem.of(msg("compute.survey_reference"), source=source, location=request.where))
    return survey_rate(tally, survey)


def apply_survey(table: Table, county: int, request: SurveyRequest, pack: Pack, source: str | None) -> None:
    """Count the survey into the table's county input (where the county did not type it) and record how."""
    if pack.survey is None:
        raise InputError(Problem.of(msg("compute.survey_not_in_pack", pack=pack.id), source=source))
    result = count_survey(request, pack.survey, source)
    name = pack.survey.input
    decl = pack.inputs.get(name)
    label = decl.label if decl is not None else None
    record = ComputedFact(name, "survey", result.rate, result.source or source, label, survey=result)
    put_in_table(table, county, record, list(result.warnings), _share)


def inline_survey(raw: Any, pack: Pack, source: str, doc: Loaded | None) -> Any:
    """A county file's raw data with its survey reference replaced by the counted rate (for the operations whose
    form is a county model, such as scenarios): ``{value: rate, evidence: how it was counted}``."""
    cleaned, request = take_survey_reference(raw, pack, source, doc)
    if request is None or pack.survey is None:
        return raw
    result = count_survey(request, pack.survey, source)
    note = msg("compute.survey_evidence", n=result.n, source=result.source or "-").text()
    old = cleaned["facts"][pack.survey.input]
    evidence = old.get("evidence") if isinstance(old, dict) else None
    value = {"value": result.rate, "evidence": f"{evidence}; {note}" if evidence else note}
    return {**cleaned, "facts": {**cleaned["facts"], pack.survey.input: value}}


# ---------------------------------------------------------------- into the table


def _share(v: float) -> str:
    return f"{v:.2%}"


def put_in_table(
    table: Table, county: int, record: ComputedFact, warnings: list[Msg], shown: Callable[[float], str] = _share
) -> ComputedFact:
    """Put a computed value into the county's column where the county typed none; a typed value stays (and a
    warning says when it differs). The record, completed with its origin, is kept in the county's metadata and its
    warnings join the table's."""
    columns = table.levels["county"].columns
    if record.input not in columns:
        columns[record.input] = np.full(table.levels["county"].n, np.nan)
    column = columns[record.input]
    typed = float(column[county])
    value = record.computed
    if math.isnan(typed):
        if value is not None:
            column[county] = value
        done = replace(record, origin="computed" if value is not None else "missing")
    else:
        done = replace(record, origin="typed", typed=typed)
        if value is not None and not math.isclose(typed, value, rel_tol=1e-9, abs_tol=1e-12):
            zh = record.label.zh if record.label is not None else record.input
            en = (record.label.en or zh) if record.label is not None else record.input
            warnings.append(
                msg("compute.typed_differs", field=zh, field_en=en, typed=shown(typed), computed=shown(value))
            )
    done = replace(done, warnings=warnings)
    record_facts(table, county, [done])
    return done
