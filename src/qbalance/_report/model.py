"""The typed evaluation report (``qbalance-report/1``): its parts and the fields every renderer reads.

A report is plain data: renderers (text, Markdown, HTML, Excel, DataFrames) only read it. It serialises to a
documented JSON schema (``qbalance schema report``) deterministically: the same input and pack give byte-identical
JSON. Missing numbers are ``null``; statuses are ``pass``, ``fail``, ``not_evaluated`` or ``not_applicable``.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["REPORT_FORMAT", "ReportData"]

REPORT_FORMAT: Final = "qbalance-report/1"

Status = Literal["pass", "fail", "not_evaluated", "not_applicable"]
Verdict = Literal["pass", "fail", "incomplete"]
Origin = Literal["typed", "computed", "missing"]

_CFG = ConfigDict(extra="forbid", frozen=True)


class LabelOut(BaseModel):
    """Bilingual text: Chinese first, English when the pack gives it."""

    model_config = _CFG
    zh: str
    en: str | None = None

    def text(self, lang: str = "zh") -> str:
        return self.en if lang == "en" and self.en else self.zh


class CiteOut(BaseModel):
    """The source of a rule: document, clause and the clause text it encodes."""

    model_config = _CFG
    source: str
    document: str | None = None
    title: LabelOut | None = None
    clause: str | None = None
    text: str | None = None
    note: str | None = None


class PackRef(BaseModel):
    """Which pack (and version) produced a report, with a hash of its resolved content."""

    model_config = _CFG
    id: str
    version: str
    effective: str
    document: str | None = None
    title: LabelOut
    sha256: str
    origin: str | None = Field(
        default=None, description="where the pack file was found: shipped, QBALANCE_STANDARDS_PATH, entry point, path"
    )
    file: str | None = Field(default=None, description="the pack file: relative to the shipped packs, else absolute")


class Provenance(BaseModel):
    """Everything needed to re-run the evaluation and get the same report."""

    model_config = _CFG
    qbalance_version: str
    pack: PackRef
    chain: list[PackRef] = Field(description="the pack and the packs it extends, base first")
    input_digest: str = Field(description="sha256 of the normalised county data (same for YAML, JSON or Excel)")
    as_of: str | None = None


class CountyOut(BaseModel):
    model_config = _CFG
    code: str
    name: str
    year: int | None = None
    synthetic: bool = False


class CvOut(BaseModel):
    """One indicator's between-school balance in one section."""

    model_config = _CFG
    section: str
    schools: int = Field(description="school sections counted")
    students: float | None
    county_value: float | None = Field(description="Σ resource / Σ students, in the indicator's unit")
    std: float | None = Field(description="student-weighted population standard deviation")
    cv: float | None = Field(description="coefficient of variation, unrounded")
    cv_compared: float | None = Field(description="the CV as compared with the limit (rounded if the pack says so)")
    limit: float | None
    result: Status
    missing_schools: list[str] = Field(default_factory=list)
    top_contributors: list[ContributorOut] = Field(
        default_factory=list, description="the school sections that pull the CV up most (largest variance shares)"
    )
    threshold_set_by: RuleOrigin | None = Field(
        default=None, description="which pack set this section's threshold, and its citation"
    )


class IndicatorOut(BaseModel):
    model_config = _CFG
    id: str
    label: LabelOut
    short: LabelOut | None = None
    unit: str
    unit_label: LabelOut | None = None
    compare: str
    threshold: dict[str, float]
    cite: CiteOut | None = None
    threshold_set_by: RuleOrigin | None = None
    sections: list[CvOut]


class ValueOut(BaseModel):
    model_config = _CFG
    indicator: str
    value: float | None
    threshold: float | None
    ratio: float | None = Field(description="value ÷ threshold")
    met: bool | None
    floor_ok: bool | None = Field(default=None, description="value ≥ floor × threshold")
    shortfall: float | None = Field(
        default=None, description="how much of `shortfall_input` (whole units, rounded up) reaches the threshold"
    )
    shortfall_input: str | None = Field(default=None, description="the input a shortfall is counted in")
    shortfall_unit: str | None = None
    tolerated: bool | None = Field(
        default=None, description="unmet but allowed: the one indicator (of 7) the k-of-n rule lets fall short"
    )


class ContributorOut(BaseModel):
    """A school section's share of the weighted variance behind a CV (Σ of shares is 1)."""

    model_config = _CFG
    school_id: str
    school_name: str
    value: float
    share: float = Field(description="Pᵢ(Xᵢ − X̄)² ÷ Σ Pⱼ(Xⱼ − X̄)²")
    side: Literal["below", "above"]


class SchoolSectionOut(BaseModel):
    """One school section's resource values against its thresholds, and the k-of-n result."""

    model_config = _CFG
    school_id: str
    school_name: str
    section: str
    school_type: str
    location: str
    students: float
    values: list[ValueOut]
    met_count: int
    required: float | None
    floor_ok: bool | None
    result: Status
    missing: list[str] = Field(default_factory=list)
    finding: LabelOut | None = Field(
        default=None, description="what is wrong, in one sentence, when the school section fails or cannot be decided"
    )


class ExcludedOut(BaseModel):
    model_config = _CFG
    school_id: str
    school_name: str
    section: str
    scope: str
    reason_id: str
    reason: LabelOut


class RowOut(BaseModel):
    """A school or section an item looked at that did not pass, with the values it read."""

    model_config = _CFG
    school_id: str
    school_name: str
    section: str | None = None
    result: Status
    values: dict[str, float | str | None] = Field(default_factory=dict)
    finding: LabelOut | None = Field(
        default=None,
        description="what is wrong at this school or section, in one sentence (e.g. over the size limit by how much)",
    )


class EvidenceOut(BaseModel):
    model_config = _CFG
    input: str
    label: LabelOut | None = None
    value: float | str | bool | None
    evidence: str | None = None


class RuleOrigin(BaseModel):
    """Which pack set a rule's value, and the document and clause it cites."""

    model_config = _CFG
    pack: str
    version: str
    change: str = Field(description="define (written in that pack), or set/add when an overlay changed it")
    source: str | None = None
    document: str | None = None
    clause: str | None = None
    text: str | None = None


class ParamOut(BaseModel):
    """A parameter an item used: its value (per key when keyed) and where that value comes from."""

    model_config = _CFG
    name: str
    label: LabelOut | None = None
    unit: str
    value: float | bool | dict[str, float]
    set_by: RuleOrigin | None = None


class CompositeOut(BaseModel):
    """A composite CV (mean of several indicators' CVs) in one section, as the 2012 standard compares it."""

    model_config = _CFG
    section: str
    cv: float | None
    cv_compared: float | None
    limit: float | None
    result: Status


ProgressStatus = Literal["met", "on_track", "behind", "overdue", "not_yet"]


class SeriesPointOut(BaseModel):
    """A progress item's value in one data year: from a stored report of the history, or this report's own."""

    model_config = _CFG
    year: int
    value: float | None = Field(description="the tracked value that year, in the item's unit (null: not known)")
    record: int | None = Field(default=None, description="the history record it was read from (null: this report)")


class BaselineOut(BaseModel):
    """Where a progress target starts from."""

    model_config = _CFG
    year: int | None = Field(description="the baseline year (null: not known)")
    value: float | None = Field(description="the value in the baseline year, in the item's unit (null: not known)")
    origin: Literal["pack", "history"] = Field(
        description="pack: the year and value the source gives; history: the value stored for the year"
    )
    rule: Literal["given", "year", "first_stored"] = Field(
        description="given: year and value in the pack; year: the stored value of a year the pack names; "
        "first_stored: the first year stored in the history"
    )
    cite: CiteOut | None = None
    note: str | None = None


class DeadlineOut(BaseModel):
    """When a target is due, and the text that says so."""

    model_config = _CFG
    date: str = Field(description="ISO date")
    cite: CiteOut | None = Field(default=None, description="the deadline's own citation, else the item's")


class MilestoneOut(BaseModel):
    """A yearly milestone: the value due by the end of ``year``."""

    model_config = _CFG
    year: int
    value: float
    cite: CiteOut | None = None


class TrackingOut(BaseModel):
    """A progress item judged on a date: met, on track, behind, overdue or not yet met, with the road it is judged
    on (baseline, milestones, deadline) and the series of its yearly values."""

    model_config = _CFG
    status: ProgressStatus | None = Field(
        description="met: the target is reached; overdue: not reached after the deadline; on_track / behind: before "
        "the deadline, at least / less than the value expected by as_of; not_yet: not reached, and no deadline (or "
        "no baseline to judge the pace by); null: the value is not known"
    )
    as_of: str | None = Field(description="the date judged (ISO): the as_of given, else 31 December of the data year")
    as_of_from: Literal["given", "data_year"] | None = None
    baseline: BaselineOut | None = None
    deadline: DeadlineOut | None = None
    milestones: list[MilestoneOut] = Field(default_factory=list)
    expected: float | None = Field(
        default=None, description="the value expected by as_of (on track when the value is at least this)"
    )
    elapsed: float | None = Field(
        default=None, description="share of the time from the end of the baseline year to the deadline elapsed"
    )
    series: list[SeriesPointOut] = Field(default_factory=list, description="yearly values, by year")
    reason: LabelOut | None = Field(default=None, description="why the pace could not be judged (not_yet)")


class ItemOut(BaseModel):
    model_config = _CFG
    id: str
    area: str
    kind: str
    label: LabelOut
    status: Status
    cite: CiteOut | None = None
    inputs: list[EvidenceOut] = Field(default_factory=list, description="county-level values the item read")
    rows: list[RowOut] = Field(default_factory=list, description="schools or sections that failed or lack data")
    missing: list[str] = Field(default_factory=list)
    progress: float | None = Field(default=None, description="value ÷ target, for progress items")
    value: float | None = Field(default=None, description="the tracked value, for progress items")
    target: float | None = Field(default=None, description="the target, for progress items")
    composite: list[CompositeOut] = Field(default_factory=list, description="per-section composite CVs")
    parameters: list[ParamOut] = Field(default_factory=list, description="parameters the item used, with origins")
    finding: LabelOut | None = Field(
        default=None, description="what is wrong, in one sentence, for an item that fails or cannot be decided"
    )
    tracking: TrackingOut | None = Field(
        default=None, description="progress items: the target judged on a date, with its baseline and series"
    )
    looks_back: bool = Field(default=False, description="the item reads the previous year's values (previous.x)")


class AreaOut(BaseModel):
    model_config = _CFG
    id: str
    label: LabelOut
    status: Status
    required: bool
    veto: bool
    items: list[str]


class VetoOut(BaseModel):
    model_config = _CFG
    item: str
    label: LabelOut
    evidence: list[EvidenceOut] = Field(default_factory=list)


class MissingOut(BaseModel):
    model_config = _CFG
    item: str
    label: LabelOut
    what: list[str]
    reason: LabelOut | None = Field(
        default=None,
        description="why, beyond the data named: the previous year is not known (2024 年的数据不在历史库中)",
    )


class PreviousOut(BaseModel):
    """The previous data year the rules that look back (``previous.x``) read."""

    model_config = _CFG
    year: int | None = Field(description="the year looked for (the data year − 1; null when no data year is stated)")
    found: bool
    kind: Literal["history", "file", "none"] = Field(
        description="history: a record of a history database; file: data given for that year; none: neither given"
    )
    source: str | None = Field(default=None, description="the history database or the file")
    record: int | None = Field(default=None, description="the history record read")
    input_digest: str | None = Field(default=None, description="the digest of that year's data")
    reason: LabelOut | None = Field(default=None, description="why the year was not found")
    items: list[str] = Field(default_factory=list, description="the items that look back")


class WarningOut(BaseModel):
    model_config = _CFG
    message: str
    school_id: str | None = None
    field: str | None = None
    value: float | str | None = None
    message_zh: str | None = Field(default=None, description="the warning in Chinese (what the renderers show)")
    field_label: dict[str, str] | None = Field(default=None, description="the field's label, zh and en")

    def text(self, lang: str = "zh") -> str:
        """The warning in ``lang``: Chinese when the report has it, English otherwise."""
        return self.message_zh if lang != "en" and self.message_zh else self.message

    def field_text(self, lang: str = "zh") -> str:
        """The field by its label, the key in brackets (or the key alone when there is no label)."""
        if self.field is None:
            return ""
        label = (self.field_label or {}).get("en" if lang == "en" else "zh")
        return f"{label} [{self.field}]" if label and label != self.field else self.field


class SurveyGroupOut(BaseModel):
    """One respondent group of the social-recognition survey (社会认可度调查): its answers and its part of the rate."""

    model_config = _CFG
    group: str = Field(description="the group's id in the pack's survey (students, parents ...)")
    label: LabelOut
    respondents: int = Field(description="answers given by the group, the excluded ones (e.g. 不了解) included")
    n: int = Field(description="answers counted: respondents less the answers the pack leaves out")
    satisfied: int = Field(description="answers counted as satisfied (满意, 比较满意 in the national pack)")
    rate: float | None = Field(description="satisfied ÷ n (null when n is 0)")
    weight: float | None = Field(
        description="the group's weight in the county rate: the pack's weight (weighted), else its share of n (pooled)"
    )
    min_sample: int | None = Field(default=None, description="the smallest n the pack asks of the group")
    below_minimum: bool = Field(default=False, description="n is below min_sample, or the share below min_share")


class ComputedOut(BaseModel):
    """A county figure qbalance can compute instead of the county typing it, and which it was: the survey's
    satisfaction rate, a total counted from the teacher roster, or an input the pack computes from other inputs
    (the junior retention rate from the cohort counts)."""

    model_config = _CFG
    input: str = Field(description="the county input (fact) the items read")
    label: LabelOut | None = None
    method: Literal["survey", "roster", "expression"] = Field(description="how the figure can be computed")
    origin: Origin = Field(
        description="typed: the county's value was used (it overrides a computed one); computed: qbalance's; "
        "missing: neither"
    )
    value: float | None = Field(description="the value the items read, in the input's unit")
    typed: float | None = Field(default=None, description="the value the county typed, if any")
    computed: float | None = Field(default=None, description="the computed value, if it could be computed")
    unit: str = "1"
    source: str | None = Field(default=None, description="the response file or workbook the figure was counted from")
    expression: str | None = Field(default=None, description="the pack's formula (method expression)")
    inputs: list[EvidenceOut] = Field(default_factory=list, description="the values the formula read")
    respondents: int | None = Field(default=None, description="survey: answers given, excluded ones included")
    n: int | None = Field(default=None, description="survey: answers counted")
    satisfied: int | None = Field(default=None, description="survey: answers counted as satisfied")
    weighting: str | None = Field(default=None, description="survey: pooled or weighted")
    groups: list[SurveyGroupOut] = Field(default_factory=list, description="survey: the breakdown by group")
    teachers: int | None = Field(default=None, description="roster: the teachers (rows) of the roster")
    where: str | None = Field(default=None, description="roster: the pack's condition a counted teacher meets")
    cite: CiteOut | None = None


class ReportData(BaseModel):
    """The fields of a report and the accessors that only read them; :class:`Report` adds the renderers."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    format: Literal["qbalance-report/1"] = REPORT_FORMAT
    provenance: Provenance
    county: CountyOut
    verdict: Verdict
    areas: list[AreaOut]
    vetoes: list[VetoOut]
    missing: list[MissingOut]
    items: list[ItemOut]
    indicators: list[IndicatorOut]
    schools: list[SchoolSectionOut]
    excluded: list[ExcludedOut]
    warnings: list[WarningOut]
    computed: list[ComputedOut] = Field(
        default_factory=list,
        description="the county figures qbalance can compute (survey, roster totals, formulas), typed or computed",
    )
    previous: PreviousOut | None = Field(
        default=None, description="the previous data year read by the rules that look back (null: none looks back)"
    )

    @property
    def passed(self) -> bool:
        """True when the county passes (verdict ``pass``)."""
        return self.verdict == "pass"

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON (UTF-8 text, Chinese kept readable); deterministic for the same input and pack."""
        return self.model_dump_json(indent=indent, by_alias=True)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain Python data (what :meth:`to_json` writes)."""
        return self.model_dump(mode="json", by_alias=True)

    def area_status(self, area_id: str) -> Status:
        """The status of one evaluation area by id."""
        for area in self.areas:
            if area.id == area_id:
                return area.status
        raise KeyError(area_id)

    def item(self, item_id: str) -> ItemOut:
        """The result of one item by id."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def indicator(self, indicator_id: str) -> IndicatorOut:
        """One indicator's county values and CVs by id."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)
