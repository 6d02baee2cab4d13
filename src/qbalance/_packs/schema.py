"""The rule-pack document format (``qbalance-pack/1``), as pydantic models.

A pack is data: metadata and citations, parameters, declared inputs, derived values, indicators, scopes, the
apportionment of shared facilities, evaluation areas, and items (the checks). Expressions are strings in the small
language of :mod:`qbalance._dsl_parse`; they are compiled separately. Every model forbids unknown keys so a typo in a
pack is an error, never an ignored rule.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

__all__ = [
    "Apportionment",
    "Area",
    "Baseline",
    "Change",
    "Cite",
    "ComputedInput",
    "Derived",
    "Exclusion",
    "Indicator",
    "InputDecl",
    "Item",
    "Label",
    "Milestone",
    "Pack",
    "Parameter",
    "Roster",
    "RosterCount",
    "RosterField",
    "Rounding",
    "Scale",
    "Scope",
    "Source",
    "Survey",
    "SurveyAnswer",
    "SurveyGroup",
]

PACK_FORMAT = "qbalance-pack/1"
ID_RE = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
INPUT_RE = r"^[a-z][a-z0-9_]{0,47}(\.[a-z][a-z0-9_]{0,47}){0,3}$"
PACK_ID_RE = r"^[a-z][a-z0-9-]{1,63}$"

_CFG = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)

Id = Annotated[str, Field(pattern=ID_RE)]
InputName = Annotated[str, Field(pattern=INPUT_RE)]
ShortText = Annotated[str, Field(max_length=400)]
LongText = Annotated[str, Field(max_length=4000)]
DescText = Annotated[str, Field(max_length=4000)]
Expr = Annotated[str, Field(min_length=1, max_length=2000)]
Level = Literal["county", "school", "section"]
SectionKey = Literal["primary", "junior"]


Finite = Annotated[float, Field(allow_inf_nan=False)]
"""A number in a pack: .inf and .nan are refused (a limit or threshold of infinity would silently pass or fail)."""


class Label(BaseModel):
    """Human-facing text: Chinese first, English available."""

    model_config = _CFG
    zh: DescText
    en: DescText | None = None

    def text(self, lang: str = "zh") -> str:
        """The label in ``lang`` (zh or en), falling back to Chinese."""
        if lang == "en" and self.en:
            return self.en
        return self.zh


class Cite(BaseModel):
    """Where a rule comes from: a source document and the clause whose text it encodes."""

    model_config = _CFG
    source: Id
    clause: ShortText | None = None
    text: LongText | None = None
    note: LongText | None = None


class Source(BaseModel):
    """A citable document (a national measure, a provincial rule, a city plan, a statistics manual)."""

    model_config = _CFG
    title: Label
    document: ShortText | None = None
    issuer: Label | None = None
    date: dt.date | None = None
    url: ShortText | None = None
    note: LongText | None = None


class Parameter(BaseModel):
    """A number the rules use. ``by`` keys it by a category (``section``, ``school_type``...)."""

    model_config = _CFG
    label: Label | None = None
    unit: ShortText = "1"
    value: Finite | StrictBool | dict[str, Finite]
    by: Literal["section", "school_type", "ownership", "location"] | None = None
    default: Finite | None = None
    cite: Cite | None = None
    note: LongText | None = None

    @model_validator(mode="after")
    def _keyed(self) -> Parameter:
        if isinstance(self.value, dict) and self.by is None:
            raise ValueError("a parameter with a value per key needs 'by' (section, school_type, ...)")
        if not isinstance(self.value, dict) and self.by is not None:
            raise ValueError("'by' needs a value per key, e.g. value: {primary: 0.5, junior: 0.45}")
        return self


class Scale(BaseModel):
    """An ordered rating scale, lowest first (e.g. 不合格 < 合格 < 良好 < 优秀)."""

    model_config = _CFG
    levels: list[Id] = Field(min_length=2, max_length=20)
    labels: dict[str, Label] = Field(default_factory=dict)


class ComputedInput(BaseModel):
    """How a number input is computed from other inputs when the county does not give it (``inputs.X.computed``).

    A value the county gives (typed) is used as it is; where it is missing, the engine uses ``expression`` (an
    expression of the pack language at the input's level, in the input's unit). A computed value outside the
    input's ``min``/``max`` is treated as missing (counts that give a rate above 100% are wrong counts)."""

    model_config = _CFG
    expression: Expr
    label: Label | None = None
    cite: Cite | None = None
    note: LongText | None = None


class InputDecl(BaseModel):
    """An input field the pack reads: its level, type, unit and labels (used for validation and templates)."""

    model_config = _CFG
    level: Level
    type: Literal["number", "flag", "rating", "category"] = "number"
    unit: ShortText = "1"
    label: Label
    description: Label | None = None
    integer: StrictBool = False
    min: Finite | None = 0.0
    max: Finite | None = None
    scale: Id | None = None
    categories: list[Id] | None = None
    evidence: StrictBool = False
    """Whether an inspector's evidence note may accompany the value (``{value: 良好, evidence: ...}``)."""
    computed: ComputedInput | None = None
    """How the value is computed from other inputs when the county does not give it."""

    @model_validator(mode="after")
    def _shape(self) -> InputDecl:
        if self.type == "rating" and not self.scale:
            raise ValueError("a rating input needs 'scale' (the id of a scale in 'scales')")
        if self.type == "category" and not self.categories:
            raise ValueError("a category input needs 'categories'")
        if self.computed is not None and self.type != "number":
            raise ValueError("only a number input can be computed ('computed')")
        return self


class Derived(BaseModel):
    """A named value computed from inputs, reusable in other expressions."""

    model_config = _CFG
    level: Level
    expression: Expr
    unit: ShortText = "1"
    label: Label | None = None


class Indicator(BaseModel):
    """A per-school-section value compared with a threshold (e.g. teachers above the required qualification)."""

    model_config = _CFG
    label: Label
    short: Label | None = None
    expression: Expr
    unit: ShortText
    unit_label: Label | None = None
    threshold: dict[SectionKey, Finite] | Finite | None = None
    compare: Literal[">=", "<="] = ">="
    scope: Id | None = None
    weight: Expr = "students"
    addition: Expr | None = None
    """How the plan closes a gap: the input a shortfall is counted in (e.g. ``facilities.equipment_value``)."""
    cite: Cite | None = None


class Exclusion(BaseModel):
    """A reason a school or section is left out of a scope, with the rule that says so."""

    model_config = _CFG
    level: Literal["school", "section"] = "school"
    when: Expr
    reason: Label
    cite: Cite | None = None


class Scope(BaseModel):
    """Which schools a group of rules counts (e.g. the resource indicators leave out small teaching points)."""

    model_config = _CFG
    label: Label
    exclude: dict[Id, Exclusion] = Field(default_factory=dict)


class Apportionment(BaseModel):
    """How shared facilities of multi-section schools are split: weighted students per section."""

    model_config = _CFG
    weights: dict[str, dict[Literal["primary", "junior", "senior"], Finite]]
    fields: list[InputName]
    cite: Cite | None = None
    note: LongText | None = None

    @field_validator("weights")
    @classmethod
    def _default_present(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        if "default" not in value:
            raise ValueError("apportionment weights need a 'default' entry")
        for key, table in value.items():
            for section, weight in table.items():
                if not weight > 0:
                    raise ValueError(f"weight of {section} in {key} must be positive")
        return value


class Area(BaseModel):
    """One of the evaluation areas (资源配置, 政府保障程度, 教育质量, 社会认可度) or the veto list."""

    model_config = _CFG
    label: Label
    order: int = 0
    required: StrictBool = True
    veto: StrictBool = False
    cite: Cite | None = None


class Rounding(BaseModel):
    """How a coefficient of variation is rounded before it is compared (the report keeps the unrounded value)."""

    model_config = _CFG
    decimals: int | None = Field(default=None, ge=0, le=9)
    mode: Literal["half_up", "half_even"] = "half_up"


DataYear = Annotated[int, Field(ge=1990, le=2100, strict=True)]
"""A data year, as a county file states it (``year: 2024``)."""


class Baseline(BaseModel):
    """Where a progress target starts from: a year and the value then.

    ``year: 2024, value: 0`` — given by the source (``cite`` says where); ``year: 2024`` without a value — the value
    stored for that year in the history; ``year: first_stored`` — the first year stored in the history (with a known
    value). The value is in the item's ``unit``."""

    model_config = _CFG
    year: DataYear | Literal["first_stored"]
    value: Finite | None = None
    cite: Cite | None = None
    note: LongText | None = None

    @model_validator(mode="after")
    def _given_or_stored(self) -> Baseline:
        if self.value is not None and self.year == "first_stored":
            raise ValueError("a baseline value belongs to a year: give 'year: 2024' with it, not first_stored")
        if self.value is not None and self.cite is None:
            raise ValueError("a baseline value needs 'cite': the source that gives it")
        return self


class Milestone(BaseModel):
    """A yearly milestone of a progress target: the value due by the end of ``year`` (in the item's unit)."""

    model_config = _CFG
    year: DataYear
    value: Finite
    cite: Cite


class Item(BaseModel):
    """A check that passes or fails. ``kind`` says how it is evaluated; the other fields depend on the kind."""

    model_config = _CFG
    area: Id
    kind: Literal["k_of_n", "cv_limit", "composite_cv", "every", "county", "progress"]
    label: Label
    cite: Cite | None = None
    order: int = 0
    # k_of_n, cv_limit, composite_cv
    indicators: list[Id] | None = None
    k: Finite | Expr | None = None
    floor: Finite | Expr | None = None
    limit: Finite | Expr | dict[SectionKey, Finite] | None = None
    rounding: Rounding | None = None
    # every, county
    level: Literal["school", "section"] | None = None
    scope: Id | None = None
    where: Expr | None = None
    require: Expr | None = None
    evidence: list[InputName] | None = None
    # progress
    value: Expr | None = None
    target: Finite | Expr | None = None
    unit: ShortText | None = None
    deadline: dt.date | None = None
    deadline_cite: Cite | None = None
    """The text of the source that sets the deadline (e.g. 到2026年): required with ``deadline``, with ``text``."""
    baseline: Baseline | None = None
    milestones: list[Milestone] | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Item:
        need: dict[str, tuple[str, ...]] = {
            "k_of_n": ("indicators", "k", "floor"),
            "cv_limit": ("indicators", "limit"),
            "composite_cv": ("indicators", "limit"),
            "every": ("level", "require"),
            "county": ("require",),
            "progress": ("value", "target"),
        }
        allowed: dict[str, tuple[str, ...]] = {
            "k_of_n": ("indicators", "k", "floor"),
            "cv_limit": ("indicators", "limit", "rounding"),
            "composite_cv": ("indicators", "limit", "rounding"),
            "every": ("level", "scope", "where", "require", "evidence"),
            "county": ("require", "evidence"),
            "progress": ("value", "target", "unit", "deadline", "deadline_cite", "baseline", "milestones"),
        }
        optional: tuple[str, ...] = ("indicators", "k", "floor", "limit", "rounding", "level", "scope", "where")
        optional += ("require", "evidence", "value", "target", "unit", "deadline", "deadline_cite", "baseline")
        optional += ("milestones",)
        missing = [f for f in need[self.kind] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"an item of kind {self.kind!r} needs {', '.join(missing)}")
        extra = [f for f in optional if getattr(self, f) is not None and f not in allowed[self.kind]]
        if extra:
            raise ValueError(f"an item of kind {self.kind!r} does not use {', '.join(extra)}")
        if self.deadline_cite is not None and self.deadline is None:
            raise ValueError("'deadline_cite' cites a deadline: give 'deadline' too")
        if self.deadline is not None and (self.deadline_cite is None or not self.deadline_cite.text):
            raise ValueError(
                "a deadline needs 'deadline_cite' quoting the text of the source that sets it (e.g. 到2026年): "
                "a pack never sets a deadline its source does not give"
            )
        years = [m.year for m in self.milestones or ()]
        if years != sorted(set(years)):
            raise ValueError("milestones are listed by year, each year once")
        return self


class Change(BaseModel):
    """One explicit change an overlay makes to the pack it extends, citing its own source."""

    model_config = _CFG
    set: ShortText | None = None
    add: ShortText | None = None
    retire: ShortText | None = None
    value: Any = None
    cite: Cite
    reason: LongText | None = None

    @model_validator(mode="after")
    def _one_op(self) -> Change:
        ops = [op for op in ("set", "add", "retire") if getattr(self, op) is not None]
        if len(ops) != 1:
            raise ValueError("a change has exactly one of 'set', 'add' or 'retire'")
        if ops[0] in ("set", "add") and self.value is None:
            raise ValueError(f"'{ops[0]}' needs a 'value'")
        if ops[0] == "retire" and self.value is not None:
            raise ValueError("'retire' takes no 'value'")
        return self

    @property
    def op(self) -> str:
        return "set" if self.set is not None else "add" if self.add is not None else "retire"

    @property
    def target(self) -> str:
        return self.set or self.add or self.retire or ""


ROSTER_COUNTS = ("full_time", "above_qualified", "backbone", "pe_art", "mid_title")
"""Teacher counts a roster can produce: the fields of the county format's ``teachers`` mapping."""


class RosterField(BaseModel):
    """A column of the teacher roster (教师名册): a category with Chinese names, a yes/no flag, or free text."""

    model_config = _CFG
    label: Label
    type: Literal["category", "flag", "text"] = "category"
    categories: list[Id] | None = None
    labels: dict[Id, Label] = Field(default_factory=dict)
    """Chinese (and English) names of the categories, accepted when the roster is read."""
    required: StrictBool = False
    blank: Id | None = None
    """What a blank cell means (one of the categories), e.g. ``none`` for the backbone level; without it a blank cell
    is unknown, and a count that reads it is unknown for the section."""
    description: Label | None = None

    @model_validator(mode="after")
    def _shape(self) -> RosterField:
        if self.type == "category" and not self.categories:
            raise ValueError("a category roster field needs 'categories'")
        if self.blank is not None and (self.type != "category" or self.blank not in (self.categories or ())):
            raise ValueError("'blank' names one of the field's categories")
        if self.type != "category" and (self.categories or self.labels):
            raise ValueError("only a category roster field has 'categories' and 'labels'")
        unknown = sorted(set(self.labels) - set(self.categories or ()))
        if unknown:
            raise ValueError(f"labels for unknown categories: {', '.join(unknown)}")
        return self


class RosterCount(BaseModel):
    """How one teacher count is made from the roster: the rows ``where`` holds (every row when omitted)."""

    model_config = _CFG
    where: Expr | None = None
    label: Label | None = None
    cite: Cite | None = None
    note: LongText | None = None


class SurveyGroup(BaseModel):
    """A respondent group (学生, 家长 …): its names as questionnaires write them, its weight and minimum sample."""

    model_config = _CFG
    label: Label
    aliases: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=20)
    """Other names accepted in a response file (e.g. 学生家长 for 家长)."""
    weight: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    min_sample: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    min_share: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    """The smallest share of all counted answers the group should give (e.g. parents at least half)."""
    cite: Cite | None = None


class SurveyAnswer(BaseModel):
    """An answer a questionnaire offers (满意, 比较满意 …), with the names accepted in a response file."""

    model_config = _CFG
    label: Label
    aliases: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=20)
    cite: Cite | None = None


class Survey(BaseModel):
    """The social-recognition survey (社会认可度调查): how questionnaire answers become the satisfaction rate.

    One respondent answers once; ``groups`` are the respondent groups the standard names, ``answers`` the answers
    a questionnaire offers, ``satisfied`` those that count as satisfied and ``excluded`` those left out of the
    rate altogether (e.g. 不了解). With ``weighting: pooled`` the rate is Σ satisfied ÷ Σ counted over all groups;
    with ``weighting: weighted`` it is Σ weightᵍ × rateᵍ over the groups (weights adding up to 1). A group below
    its ``min_sample`` (or below ``min_share`` of the respondents), or a survey below ``min_total``, is a warning.
    """

    model_config = _CFG
    input: InputName
    """The county input the survey computes (its value when the county does not type it)."""
    label: Label | None = None
    groups: dict[Id, SurveyGroup] = Field(min_length=1, max_length=30)
    answers: dict[Id, SurveyAnswer] = Field(min_length=2, max_length=20)
    satisfied: list[Id] = Field(min_length=1, max_length=20)
    excluded: list[Id] = Field(default_factory=list, max_length=20)
    weighting: Literal["pooled", "weighted"] = "pooled"
    min_sample: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    """The smallest number of counted answers each group should have (a group may set its own)."""
    min_total: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    """The smallest number of counted answers of the whole survey."""
    cite: Cite | None = None
    note: LongText | None = None

    @model_validator(mode="after")
    def _shape(self) -> Survey:
        unknown = [a for a in (*self.satisfied, *self.excluded) if a not in self.answers]
        if unknown:
            raise ValueError(f"'satisfied' and 'excluded' name answers: {', '.join(unknown)} not among 'answers'")
        both = sorted(set(self.satisfied) & set(self.excluded))
        if both:
            raise ValueError(f"an answer is either satisfied or excluded, not both: {', '.join(both)}")
        weights = {g: spec.weight for g, spec in self.groups.items()}
        if self.weighting == "weighted":
            unweighted = [g for g, w in weights.items() if w is None]
            if unweighted:
                raise ValueError(f"weighting: weighted needs a weight for every group: {', '.join(unweighted)}")
            total = sum(w or 0.0 for w in weights.values())
            if abs(total - 1.0) > 1e-9:
                raise ValueError(f"group weights add up to {total:g}, not 1")
        elif any(w is not None for w in weights.values()):
            raise ValueError("group weights are read only with 'weighting: weighted' (pooled answers have none)")
        _unique_names("groups", {g: (spec.label, spec.aliases) for g, spec in self.groups.items()})
        _unique_names("answers", {a: (spec.label, spec.aliases) for a, spec in self.answers.items()})
        return self


def _unique_names(what: str, names: dict[str, tuple[Label, list[str]]]) -> None:
    """Every name a response file may use (id, Chinese and English label, aliases) names one entry only."""
    seen: dict[str, str] = {}
    for key, (label, aliases) in names.items():
        for name in {key, label.zh, *([label.en] if label.en else []), *aliases}:
            other = seen.setdefault(name.strip().lower(), key)
            if other != key:
                raise ValueError(f"{what}: the name {name!r} would mean both {other!r} and {key!r}")


class Roster(BaseModel):
    """The teacher roster (one row per full-time teacher) and the pack's definitions of the counts made from it.

    ``where`` conditions are expressions of the pack language over the roster fields and ``section``
    (``qualification in ['bachelor', 'master'] or (section == 'primary' and qualification == 'associate')``).
    """

    model_config = _CFG
    label: Label | None = None
    fields: dict[Id, RosterField]
    counts: dict[Literal["full_time", "above_qualified", "backbone", "pe_art", "mid_title"], RosterCount]
    totals: dict[InputName, RosterCount] = Field(default_factory=dict, max_length=50)
    """County inputs counted over the whole roster (the teachers of every school ``where`` holds), e.g. the
    certificate holders of G12; a county that gives a roster has them counted instead of typed."""
    cite: Cite | None = None
    note: LongText | None = None

    @field_validator("fields")
    @classmethod
    def _reserved(cls, value: dict[str, RosterField]) -> dict[str, RosterField]:
        for name in ("school_id", "section", "teacher_id", "name"):
            if name in value:
                raise ValueError(f"{name!r} is a built-in roster column; choose another field name")
        return value


ReviewStage = Literal["self", "city", "prefecture", "province", "national"]
"""The stages of review a county goes through (自评, 市级, 州级复评, 省级, 国家认定)."""


class EligibilityRule(BaseModel):
    """A condition a county must meet before it applies for a stage of review, checked against the history's review
    records and stored years (``qbalance history review check``).

    ``kind``: ``verdict_pass`` — the latest stored year's evaluation passes; ``stage_passed`` — a review of stage
    ``after`` is recorded as passed; ``years_since_stage`` — a review of stage ``after`` (``basic_balance`` for the
    earlier national certification of basic balance) passed at least ``years`` full years before the date checked.
    """

    model_config = _CFG
    stage: ReviewStage
    kind: Literal["verdict_pass", "stage_passed", "years_since_stage"]
    after: Literal["basic_balance", "self", "city", "prefecture", "province", "national"] | None = None
    years: Annotated[int, Field(ge=1, le=50)] | None = None
    label: Label
    cite: Cite
    """Required: a condition for applying comes from a document, quoted."""
    note: LongText | None = None

    @model_validator(mode="after")
    def _shape(self) -> EligibilityRule:
        if self.kind == "verdict_pass" and (self.after is not None or self.years is not None):
            raise ValueError("kind verdict_pass takes neither 'after' nor 'years'")
        if self.kind != "verdict_pass" and self.after is None:
            raise ValueError(f"kind {self.kind} needs 'after': the stage that must have passed")
        if (self.kind == "years_since_stage") != (self.years is not None):
            raise ValueError("'years' is given with kind years_since_stage, and only with it")
        return self


class Pack(BaseModel):
    """A complete (resolved) rule pack, or an overlay before resolution."""

    model_config = _CFG
    format: Literal["qbalance-pack/1"]
    id: Annotated[str, Field(pattern=PACK_ID_RE)]
    version: Annotated[str, Field(pattern=r"^[0-9][0-9A-Za-z.+-]{0,31}$")]
    effective: dt.date
    expires: dt.date | None = None
    title: Label
    issuer: Label | None = None
    document: ShortText | None = None
    description: Label | None = None
    extends: Annotated[str, Field(max_length=100)] | None = None
    include: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    sources: dict[Id, Source] = Field(default_factory=dict)
    sections: list[SectionKey] = Field(default_factory=lambda: list[SectionKey](["primary", "junior"]))
    scales: dict[Id, Scale] = Field(default_factory=dict)
    parameters: dict[Id, Parameter] = Field(default_factory=dict)
    inputs: dict[InputName, InputDecl] = Field(default_factory=dict)
    derived: dict[Id, Derived] = Field(default_factory=dict)
    indicators: dict[Id, Indicator] = Field(default_factory=dict)
    scopes: dict[Id, Scope] = Field(default_factory=dict)
    apportionment: Apportionment | None = None
    roster: Roster | None = None
    survey: Survey | None = None
    areas: dict[Id, Area] = Field(default_factory=dict)
    items: dict[Id, Item] = Field(default_factory=dict)
    eligibility: dict[Id, EligibilityRule] = Field(default_factory=dict)
    """Conditions for applying to a stage of review (e.g. years since basic-balance certification), each cited."""
    changes: list[Change] = Field(default_factory=list, max_length=500)
    tests: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=200)

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not re.match(r"^[0-9]", value):
            raise ValueError("a version starts with a digit")
        return value
