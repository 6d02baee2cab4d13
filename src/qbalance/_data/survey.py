"""The social-recognition survey (社会认可度调查, 第九条): questionnaire answers counted into a satisfaction rate.

How answers count is the pack's ``survey:`` block, not this code: its respondent groups (学生、家长、教师、校长、
人大代表、政协委员、其他群众 in the national pack), the answers a questionnaire offers, which of them count as
satisfied and which are left out, pooled or weighted groups, and the minimum samples. A county gives the answers
as a response file — CSV (UTF-8) or Excel, one row a respondent with its group and answer, other columns ignored —,
as rows, or as a tally ``{group: {answer: respondents}}``. Every row is checked: a blank, unknown or non-text group
or answer is an error naming the file, the row and the value; nothing is silently dropped (wholly empty rows are
not respondents and are skipped).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._base.errors import InputError, Problem
from .._base.files import read_input_file
from .._base.messages import Msg, msg
from .._base.optional import require
from .._packs.schema import Label, Survey

__all__ = [
    "ANSWER_HEADERS",
    "GROUP_HEADERS",
    "MAX_RESPONSES",
    "GroupResult",
    "SurveyResult",
    "Tally",
    "read_responses",
    "survey_rate",
    "tally_mapping",
    "tally_rows",
]

MAX_SURVEY_BYTES = 100_000_000
MAX_RESPONSES = 2_000_000
"""More rows than any county's survey has (a county of a million residents asks about 1,500 people)."""
MAX_LISTED = 200
GROUP_HEADERS = ("group", "调查对象", "对象", "群体", "身份")
"""Headers accepted for the respondent-group column (the first one found is read)."""
ANSWER_HEADERS = ("answer", "满意度", "满意程度", "答案", "评价")
"""Headers accepted for the answer column."""


@dataclass(frozen=True)
class Tally:
    """Respondents per group and answer (ids of the pack's survey), and where they were read from."""

    counts: dict[str, dict[str, int]]
    source: str | None = None


@dataclass(frozen=True)
class GroupResult:
    """One respondent group: respondents, answers counted (``n``, the excluded ones left out), satisfied answers,
    the group's rate, its weight in the county rate, and whether it is below its minimum sample or share."""

    group: str
    label: Label
    respondents: int
    n: int
    satisfied: int
    rate: float | None
    weight: float | None
    min_sample: int | None
    short: bool


@dataclass(frozen=True)
class SurveyResult:
    """The county's satisfaction rate (None when it cannot be computed), its groups and what to warn about."""

    rate: float | None
    groups: list[GroupResult]
    respondents: int
    n: int
    satisfied: int
    weighting: str
    source: str | None
    warnings: list[Msg] = field(default_factory=list)


# ---------------------------------------------------------------- names


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _lookup(entries: Mapping[str, tuple[Label, Sequence[str]]]) -> dict[str, str]:
    """Every name a response may use (id, Chinese and English label, aliases) → the entry's id."""
    out: dict[str, str] = {}
    for key, (label, aliases) in entries.items():
        for name in (key, label.zh, label.en or "", *aliases):
            if name.strip():
                out[_norm(name)] = key
    return out


@dataclass(frozen=True)
class _Names:
    """The pack's groups and answers by every name a response file may use."""

    groups: dict[str, str]
    answers: dict[str, str]
    group_list: str
    answer_list: str

    @classmethod
    def of(cls, survey: Survey) -> _Names:
        groups = {g: (s.label, s.aliases) for g, s in survey.groups.items()}
        answers = {a: (s.label, s.aliases) for a, s in survey.answers.items()}
        return cls(
            _lookup(groups),
            _lookup(answers),
            "、".join(s.label.zh for s in survey.groups.values()),
            "、".join(s.label.zh for s in survey.answers.values()),
        )


# ---------------------------------------------------------------- rows


@dataclass
class _Counter:
    """Counts checked rows into a tally and collects the problems of bad ones (the first ``MAX_LISTED``)."""

    names: _Names
    source: str | None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unlisted: int = 0
    rows: int = 0

    def add(self, group: Any, answer: Any, where: tuple[str | None, str | None]) -> None:
        """Count one respondent (``where``: the location of its group cell and of its answer cell)."""
        gid = self.match(group, self.names.groups, "group", where[0])
        aid = self.match(answer, self.names.answers, "answer", where[1])
        self.rows += 1
        if gid is not None and aid is not None:
            per = self.counts.setdefault(gid, {})
            per[aid] = per.get(aid, 0) + 1

    def match(self, raw: Any, table: Mapping[str, str], column: str, loc: str | None) -> str | None:
        """The id a group or answer cell names; None (and a problem) when it is blank, not text or unknown."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            self.bad(msg(f"compute.survey_blank_{column}"), column, loc, None)
            return None
        if not isinstance(raw, str):
            self.bad(msg("compute.survey_not_text"), column, loc, raw)
            return None
        found = table.get(_norm(raw))
        if found is None:
            names = self.names.group_list if column == "group" else self.names.answer_list
            self.bad(msg(f"compute.survey_unknown_{column}", names=names), column, loc, raw)
        return found

    def bad(self, message: Msg, column: str, loc: str | None, value: Any) -> None:
        """Record the problem of one bad cell (the first ``MAX_LISTED``; the others are counted)."""
        if len(self.problems) < MAX_LISTED:
            self.problems.append(Problem.of(message, source=self.source, location=loc, field=column, value=value))
        else:
            self.unlisted += 1

    def tally(self) -> Tally:
        """The counted tally; InputError with every problem found (and how many more were not listed)."""
        if self.problems:
            extra = [Problem.of(msg("data.more_problems", n=self.unlisted), source=self.source)]
            raise InputError(self.problems + (extra if self.unlisted else []))
        if self.rows == 0:
            raise InputError(Problem.of(msg("compute.survey_no_rows"), source=self.source))
        return Tally(self.counts, self.source)


def tally_rows(rows: Iterable[Mapping[str, Any]], survey: Survey, source: str | None = None) -> Tally:
    """Count respondent rows (mappings with ``group`` and ``answer``, or the Chinese headers); other keys ignored."""
    counter = _Counter(_Names.of(survey), source)
    for i, row in enumerate(rows):
        if i >= MAX_RESPONSES:
            raise InputError(Problem.of(msg("compute.survey_too_many", max=MAX_RESPONSES), source=source))
        group = next((row[h] for h in GROUP_HEADERS if h in row), None)
        answer = next((row[h] for h in ANSWER_HEADERS if h in row), None)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row.values()):
            continue  # an empty row is not a respondent
        loc = f"row {i + 2}"  # counted as in a CSV file with a header row
        counter.add(group, answer, (loc, loc))
    return counter.tally()


def tally_mapping(data: Mapping[Any, Any], survey: Survey, source: str | None = None) -> Tally:
    """Count a tally written by hand: ``{group: {answer: respondents}}`` with the pack's names of both."""
    names = _Names.of(survey)
    counter = _Counter(names, source)
    for gkey, answers in data.items():
        where = f"survey.{gkey}"
        gid = counter.match(gkey, names.groups, "group", where)
        if not isinstance(answers, Mapping):
            counter.bad(msg("compute.survey_tally_group"), "group", where, None)
            continue
        for akey, n in answers.items():
            aid = counter.match(akey, names.answers, "answer", f"{where}.{akey}")
            if isinstance(n, bool) or not isinstance(n, int) or n < 0 or n > MAX_RESPONSES:
                counter.bad(msg("compute.survey_count"), "answer", f"{where}.{akey}", n)
                continue
            counter.rows += n
            if gid is not None and aid is not None:
                per = counter.counts.setdefault(gid, {})
                per[aid] = per.get(aid, 0) + n
    return counter.tally()


# ---------------------------------------------------------------- files


def read_responses(path: Path, survey: Survey) -> Tally:
    """Read a response file (.csv in UTF-8, or .xlsx): a header row, then one row a respondent."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, survey)
    if suffix == ".xlsx":
        return _read_xlsx(path, survey)
    raise InputError(Problem.of(msg("compute.survey_suffix"), source=str(path)))


def _header_index(header: Sequence[Any], source: str, where: str) -> tuple[int, int]:
    """The positions of the group and answer columns in a header row; InputError naming a missing one."""
    cells = [_norm(h) if isinstance(h, str) else "" for h in header]
    found: list[int] = []
    problems: list[Problem] = []
    for headers, zh, en in ((GROUP_HEADERS, "调查对象", "group"), (ANSWER_HEADERS, "满意度", "answer")):
        pos = next((cells.index(_norm(h)) for h in headers if _norm(h) in cells), -1)
        if pos < 0:
            message = msg("compute.survey_no_column", column=zh, column_en=en, names=", ".join(headers))
            problems.append(Problem.of(message, source=source, location=where))
        found.append(pos)
    if problems:
        raise InputError(problems)
    return found[0], found[1]


def _read_csv(path: Path, survey: Survey) -> Tally:
    source = str(path)
    raw = read_input_file(path, MAX_SURVEY_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(Problem.of(msg("compute.survey_encoding"), source=source)) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _count_table(enumerate(reader, start=1), survey, source, lambda r, c: f"row {r}")
    except csv.Error as exc:
        raise InputError(Problem.of(msg("compute.survey_bad_csv", detail=str(exc)), source=source)) from None


def _read_xlsx(path: Path, survey: Survey) -> Tally:
    from .workbook_archive import check_workbook

    openpyxl = require("openpyxl", "excel")
    source = str(path)
    if not path.exists():
        raise InputError(Problem.of(msg("compute.survey_no_file"), source=source))
    check_workbook(path)  # sizes checked, declared and actual, before openpyxl parses anything
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or non-xlsx file
        raise InputError(Problem.of(msg("compute.survey_bad_xlsx", detail=str(exc)), source=source)) from None
    try:
        ws = wb.worksheets[0]
        letter = openpyxl.utils.get_column_letter
        rows = enumerate(ws.iter_rows(values_only=True), start=1)
        return _count_table(rows, survey, source, lambda r, c: f"{ws.title}!{letter(c + 1)}{r}")
    finally:
        wb.close()


def _count_table(
    rows: Iterator[tuple[int, Sequence[Any]]], survey: Survey, source: str, where: Callable[[int, int], str]
) -> Tally:
    """Count the rows of a table whose first row is the header; ``where(row, column)`` names a cell."""
    first = next(rows, None)
    if first is None:
        raise InputError(Problem.of(msg("compute.survey_no_rows"), source=source))
    g, a = _header_index(list(first[1]), source, where(first[0], 0))
    counter = _Counter(_Names.of(survey), source)
    for number, row in rows:
        if number > MAX_RESPONSES + 1:
            raise InputError(Problem.of(msg("compute.survey_too_many", max=MAX_RESPONSES), source=source))
        cells = list(row)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue  # an empty row is not a respondent
        group = cells[g] if g < len(cells) else None
        answer = cells[a] if a < len(cells) else None
        counter.add(group, answer, (where(number, g), where(number, a)))
    return counter.tally()


# ---------------------------------------------------------------- the rate


def survey_rate(tally: Tally, survey: Survey) -> SurveyResult:
    """The satisfaction rate of a tally by the pack's survey definition, with each group's breakdown and the
    warnings about small samples. Pooled: Σ satisfied ÷ Σ counted. Weighted: Σ weightᵍ × (satisfiedᵍ ÷ countedᵍ)."""
    rows = []
    for gid, spec in survey.groups.items():
        answers = tally.counts.get(gid, {})
        respondents = sum(answers.values())
        n = respondents - sum(k for a, k in answers.items() if a in survey.excluded)
        satisfied = sum(k for a, k in answers.items() if a in survey.satisfied)
        rows.append((gid, spec, respondents, n, satisfied))
    total_n = sum(r[3] for r in rows)
    total_sat = sum(r[4] for r in rows)
    warnings: list[Msg] = []
    if survey.weighting == "weighted":
        rate: float | None = sum((spec.weight or 0.0) * (sat / n) for _, spec, _, n, sat in rows if n)
        for _, spec, _, n, _ in rows:
            if not n and spec.weight:
                rate = None
                warnings.append(_group_msg("compute.survey_unweighted_group", spec.label, weight=f"{spec.weight:g}"))
    else:
        rate = total_sat / total_n if total_n else None
    groups = [_group_result(survey, total_n, warnings, *r) for r in rows]
    if survey.min_total is not None and total_n < survey.min_total:
        warnings.append(msg("compute.survey_below_total", n=total_n, min=survey.min_total))
    return SurveyResult(
        rate=rate,
        groups=groups,
        respondents=sum(r[2] for r in rows),
        n=total_n,
        satisfied=total_sat,
        weighting=survey.weighting,
        source=tally.source,
        warnings=warnings,
    )


def _group_result(
    survey: Survey, total_n: int, warnings: list[Msg], gid: str, spec: Any, respondents: int, n: int, satisfied: int
) -> GroupResult:
    """One group's row of the breakdown; a warning when it is below its minimum sample or share."""
    least = spec.min_sample if spec.min_sample is not None else survey.min_sample
    short = least is not None and n < least
    if short:
        warnings.append(_group_msg("compute.survey_below_min", spec.label, n=n, min=least))
    share = n / total_n if total_n else 0.0
    if spec.min_share is not None and share < spec.min_share:
        short = True
        warnings.append(
            _group_msg(
                "compute.survey_below_share", spec.label, share=f"{share:.1%}", min_share=f"{spec.min_share:.0%}"
            )
        )
    weight = spec.weight if survey.weighting == "weighted" else (share if total_n else None)
    return GroupResult(
        group=gid,
        label=spec.label,
        respondents=respondents,
        n=n,
        satisfied=satisfied,
        rate=satisfied / n if n else None,
        weight=weight,
        min_sample=least,
        short=short,
    )


def _group_msg(key: str, label: Label, **args: Any) -> Msg:
    return msg(key, group=label.zh, group_en=label.en or label.zh, **args)
