"""The practical limit: the job qbalance does on the national table, written by hand with numpy and pyarrow.

No framework, no qbalance import: what a competent engineer would write to evaluate the resource area of cn-moe-2017
(教督〔2017〕6号 第六条) for every county of one Parquet table, with the same checks of the input that qbalance makes.
The benchmark (``run.py``) measures qbalance against this, and checks that both give the same value everywhere.

The job, in three timed steps:

* :func:`prepare` — read and validate every cell the job needs from an Arrow table: the keys (county code, school
  id, section) present; the categories (section, school type, ownership, location; the Chinese words qbalance
  accepts too) known; rows regrouped by county, school and section when the input is not grouped; no section twice
  in a school; no two school ids that differ only by full-width or invisible characters; school-level values (type,
  ownership, location, the five facilities) the same on every row of a school; students given, finite, whole, not
  negative, not above 50,000; teacher counts and facilities finite, not negative, whole where they count something,
  within the plausibility bounds; teacher sub-counts not above the full-time teachers; the sections each school type
  needs and allows; school and county names without control characters. Every problem is collected (row as written,
  column, value, what is wrong) and raised together. The warnings qbalance gives (sections without students,
  senior-section data that is not read, sections with students but no full-time teachers) are counted, with
  examples. Columns are read as numbers or text as Arrow typed them: a text column of numbers with units (a CSV)
  is not handled here.
* :func:`kernel` — the resource area on the prepared arrays: apportionment of a school's shared facilities to its
  sections by weighted students (senior part included); the scope (no students, special-education schools, teaching
  points under 50 compulsory students, private schools if the pack says so); the seven indicators; k of n (6 of 7)
  with the 85% floor, three-valued (missing values give "not evaluated", never a pass); the student-weighted
  population CV per county and section against its limit; the two items and the area per county.
* :func:`tables` — the result tables qbalance writes (``counties``, ``schools``: the same columns, names and values),
  as Arrow tables. The other 31 items of the pack have no data in the national table (none of their inputs is a
  column of it): the county items are not evaluated; the per-school items are not evaluated for the schools they
  apply to (their ``where`` conditions are written out here) and not applicable elsewhere; the school-size item
  (第七条第4项) needs only the students, so it is evaluated. A table that has a column of any of those other inputs
  is refused (:class:`Unsupported`): this kernel is not a rule engine.

Rule parameters (thresholds, k, the floor, CV limits, tolerance, weights, scope switches, the school-size limits,
the small-school funding line) are read from ``standards/cn-moe-2017/pack.yaml``; the formulas are written out here.

    python benchmarks/hand_kernel.py benchmarks/data/nation.parquet -o /tmp/hand   # the "hand CLI"
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

__all__ = [
    "NEEDED",
    "Invalid",
    "KernelInput",
    "Prepared",
    "Resource",
    "Rules",
    "Unsupported",
    "cli",
    "kernel",
    "load_rules",
    "prepare",
    "read_parquet",
    "tables",
]

PACK_PATH = Path(__file__).resolve().parent.parent / "standards" / "cn-moe-2017" / "pack.yaml"
INDICATORS = ("R1", "R2", "R3", "R4", "R5", "R6", "R7")
SECTIONS = ("primary", "junior", "senior")
SCHOOL_TYPES = (
    "primary",
    "junior",
    "nine_year",
    "twelve_year",
    "complete_middle",
    "teaching_point",
    "special_education",
)
OWNERSHIPS = ("public", "private")
LOCATIONS = ("urban", "town", "rural")
# the Chinese words qbalance reads for the same categories
SECTION_ZH = {"小学": "primary", "初中": "junior", "高中": "senior"}
SCHOOL_TYPE_ZH = {
    "小学": "primary",
    "初中": "junior",
    "初级中学": "junior",
    "九年一贯制": "nine_year",
    "九年一贯制学校": "nine_year",
    "十二年一贯制": "twelve_year",
    "十二年一贯制学校": "twelve_year",
    "完全中学": "complete_middle",
    "教学点": "teaching_point",
    "特殊教育学校": "special_education",
}
OWNERSHIP_ZH = {"公办": "public", "民办": "private"}
LOCATION_ZH = {"城区": "urban", "镇区": "town", "乡村": "rural", "农村": "rural"}
# sections each school type must have / may have (teaching points and special-education schools: any compulsory one)
MUST = {
    "primary": {"primary"},
    "junior": {"junior"},
    "nine_year": {"primary", "junior"},
    "twelve_year": {"primary", "junior", "senior"},
    "complete_middle": {"junior", "senior"},
    "teaching_point": set(),
    "special_education": set(),
}
MAY = {**MUST, "teaching_point": {"primary", "junior"}, "special_education": {"primary", "junior"}}
MAX_SECTION_STUDENTS = 50_000
TP, SPECIAL, PRIMARY_TYPE = SCHOOL_TYPES.index("teaching_point"), SCHOOL_TYPES.index("special_education"), 0
RURAL, PRIVATE = LOCATIONS.index("rural"), OWNERSHIPS.index("private")

TEACHERS = ("teachers.above_qualified", "teachers.backbone", "teachers.pe_art")
FACILITIES = (
    "facilities.teaching_aux_area",
    "facilities.indoor_gym_area",
    "facilities.sports_ground_area",
    "facilities.equipment_value",
    "facilities.multimedia_classrooms",
)
TEXT = ("county_code", "county_name", "school_id", "school_name", "school_type", "ownership", "location", "section")
NEEDED = (*TEXT, "students", "teachers.full_time", *TEACHERS, *FACILITIES)
"""The columns the job reads (the national table has exactly these)."""
# plausibility bounds (the same as qbalance's for these units) and whether the field counts whole things
BOUND = {"teachers": 10_000.0, "teaching_aux": 2e6, "indoor_gym": 2e6, "sports": 2e6, "equipment": 1e10, "rooms": 1e4}
WHOLE = {*TEACHERS, "teachers.full_time", "facilities.multimedia_classrooms"}
LIMIT = {
    "teachers.full_time": BOUND["teachers"],
    **dict.fromkeys(TEACHERS, BOUND["teachers"]),
    "facilities.teaching_aux_area": BOUND["teaching_aux"],
    "facilities.indoor_gym_area": BOUND["indoor_gym"],
    "facilities.sports_ground_area": BOUND["sports"],
    "facilities.equipment_value": BOUND["equipment"],
    "facilities.multimedia_classrooms": BOUND["rooms"],
}
# inputs of the pack's other items: a table with one of these needs a rule engine, not this kernel
OTHER_INPUTS = (
    "classes",
    "max_class_size",
    "music_rooms",
    "art_rooms",
    "music_room_smallest_area",
    "art_room_smallest_area",
    "public_funds_budget",
    "training_spend",
    "has_charter",
    "information_management",
    "moral_education_rating",
    "boarding",
)
NAME_FORBIDDEN = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
STATUS = ("not_evaluated", "pass", "fail", "not_applicable")
NE, PASS, FAIL, NA = 0, 1, 2, 3
MAX_LISTED = 10_000


class Invalid(ValueError):
    """The table has bad cells: every problem, as (input row or None, column, value, what is wrong)."""

    def __init__(self, problems: list[tuple[int | None, str, Any, str]], total: int) -> None:
        self.problems = problems
        self.total = total
        shown = "\n".join(f"  row {r}, {c} = {v!r}: {m}" for r, c, v, m in problems[:20])
        super().__init__(f"{total} problem(s) in the table:\n{shown}")


class Unsupported(ValueError):
    """The table needs more than this kernel does (another pack's inputs, numbers written as text)."""


# -- rules ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """The parameters of the job, read from the pack file."""

    thresholds: np.ndarray
    """(7, 2): threshold of each indicator for primary and junior, in the indicator's unit."""
    per_100: np.ndarray
    """(7,): 100.0 for the per-100-student indicators, else 1.0."""
    k: int
    floor: float
    cv_limit: np.ndarray
    """(2,): the CV limit of primary and junior."""
    cv_decimals: int | None
    tol: float
    tp_min: float
    exclude_private: bool
    gym_in_floor: float
    gym_in_sports: float
    weights: np.ndarray
    """(school type, section): the apportionment weight."""
    school_size: np.ndarray
    """(school type,): the school-size limit, NaN for types it does not apply to."""
    funded_as: float


def load_rules(pack_path: str | Path = PACK_PATH) -> Rules:
    """Read the parameters from the pack file (libyaml when available)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(pack_path, encoding="utf-8") as fh:
        doc = yaml.load(fh, Loader=loader)
    params = {name: p["value"] for name, p in doc["parameters"].items()}
    items = doc["items"]
    k_item = next(it for it in items.values() if it.get("kind") == "k_of_n" and it.get("area") == "resource")
    cv_item = next(it for it in items.values() if it.get("kind") == "cv_limit" and it.get("area") == "resource")

    def param(ref: Any) -> Any:
        return params[ref[len("params.") :]] if isinstance(ref, str) and ref.startswith("params.") else ref

    weights_doc = doc["apportionment"]["weights"]
    default = weights_doc["default"]
    weights = np.array(
        [[float(weights_doc.get(t, default).get(s, default.get(s, 1.0))) for s in SECTIONS] for t in SCHOOL_TYPES]
    )
    limit = dict(param(cv_item["limit"]))
    size = params["school_size_limit"]
    return Rules(
        thresholds=np.array([[doc["indicators"][i]["threshold"][s] for s in SECTIONS[:2]] for i in INDICATORS], float),
        per_100=np.array([100.0 if "100 student" in doc["indicators"][i]["unit"] else 1.0 for i in INDICATORS]),
        k=int(param(k_item["k"])),
        floor=float(param(k_item["floor"])),
        cv_limit=np.array([limit["primary"], limit["junior"]], float),
        cv_decimals=(cv_item.get("rounding") or {}).get("decimals"),
        tol=float(params["comparison_tolerance"]),
        tp_min=float(params["teaching_point_min_students"]),
        exclude_private=bool(params["exclude_private_schools"]),
        gym_in_floor=float(params["indoor_gym_in_floor_area"]),
        gym_in_sports=float(params["indoor_gym_in_sports_area"]),
        weights=weights,
        school_size=np.array([float(size.get(t, np.nan)) for t in SCHOOL_TYPES]),
        funded_as=float(params["funded_as_students"]),
    )


# -- reading and validating ----------------------------------------------------------------------------------------


def read_parquet(path: str | Path) -> pa.Table:
    """The columns the job needs (and the names of the others, to refuse what it cannot do), nothing else."""
    f = pq.ParquetFile(path)
    names = f.schema_arrow.names
    other = [c for c in names if c in OTHER_INPUTS]
    if other:
        raise Unsupported(f"columns of other items of the pack: {', '.join(other)}")
    return f.read(columns=[c for c in NEEDED if c in names])


class _Problems:
    """Collects problems: (working row, column, value, message); rows are mapped back to the input on raising."""

    def __init__(self) -> None:
        self.items: list[tuple[int | None, str, Any, str]] = []
        self.total = 0
        self.order: np.ndarray | None = None

    def rows(self, rows: np.ndarray, column: str, values: Any, message: str) -> None:
        """One problem per row of ``rows`` (working rows), showing the cell of ``values`` (an array or one value)."""
        self.total += int(rows.size)
        for r in rows[: max(0, MAX_LISTED - len(self.items))].tolist():
            v = values[r] if isinstance(values, np.ndarray) else values
            self.items.append((r, column, v.item() if isinstance(v, np.generic) else v, message))

    def table(self, column: str, message: str) -> None:
        self.total += 1
        self.items.append((None, column, None, message))

    def raise_if_any(self) -> None:
        if self.total:
            order = self.order
            listed = [
                (None if r is None else int(order[r] if order is not None else r) + 2, c, v, m)
                for r, c, v, m in self.items
            ]
            raise Invalid(listed, self.total)


@dataclass
class KernelInput:
    """The arrays the kernel reads: one row per primary or junior section, one per school, one per county."""

    n_county: int
    sec_school: np.ndarray
    """School of each section row (int64), rows grouped by school."""
    sec: np.ndarray
    """0 primary, 1 junior (int8)."""
    students: np.ndarray
    teachers: np.ndarray
    """(3, rows): above-qualified, backbone, PE and art teachers."""
    school_county: np.ndarray
    school_type: np.ndarray
    ownership: np.ndarray
    location: np.ndarray
    facilities: np.ndarray
    """(5, schools): floor area, indoor gym, sports ground, equipment value, multimedia classrooms."""
    senior: np.ndarray
    """Senior students of each school (apportionment only)."""


@dataclass
class Prepared:
    """A validated table: the kernel's arrays, the names and ids for the result tables, and the warnings."""

    x: KernelInput
    county_codes: pa.Array
    county_names: pa.Array
    school_ids: pa.Array
    school_names: pa.Array
    warnings: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    """Warning → (how many, the first few places)."""


def _text(col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """A text column as codes (int64, -1 for a missing or blank cell) into its distinct stripped values, in order of
    first appearance. The words are cleaned once per distinct value, not per cell."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    enc = arr.dictionary_encode()
    words, idx = enc.dictionary, enc.indices
    clean = pc.utf8_trim_whitespace(words)
    if idx.null_count == 0 and clean.equals(words) and not pc.any(pc.equal(words, "")).as_py():
        return idx.to_numpy().astype(np.int64), words  # the usual case: clean text, nothing missing
    cells = clean.take(idx)
    cells = pc.if_else(pc.equal(cells, ""), pa.scalar(None, pa.string()), cells)
    enc = cells.dictionary_encode()
    return enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary


def _category(
    col: Any, name: str, domain: tuple[str, ...], zh: dict[str, str], probs: _Problems
) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a category column (-1 missing); unknown words are reported. Also returns the missing mask."""
    codes, words = _text(col)
    lookup = {w: i for i, w in enumerate(domain)} | {k: domain.index(v) for k, v in zh.items()}
    mapped = np.array([lookup.get(w, -2) for w in words.to_pylist()] + [-1], dtype=np.int64)
    out = mapped[codes]
    bad = np.flatnonzero(out == -2)
    if bad.size:
        probs.rows(bad, name, np.asarray([*words.to_pylist(), None], dtype=object)[codes], f"not one of {domain}")
    return out, codes < 0


def _numbers(table: pa.Table, name: str, probs: _Problems) -> np.ndarray:
    """A numeric column as float64 (NaN where missing); non-finite cells are reported."""
    col = table.column(name)
    if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)):
        raise Unsupported(f"{name} is {col.type}, not numbers (numbers with units, a CSV: not handled here)")
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_integer(col.type):
        if arr.null_count:
            return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)
        return arr.to_numpy().astype(np.float64)
    v = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)
    bad = np.flatnonzero(np.isinf(v))
    if bad.size:
        probs.rows(bad, name, v, "not a finite number")
        v[bad] = np.nan
    return v


def _check_range(v: np.ndarray, name: str, probs: _Problems, whole: bool, limit: float) -> None:
    """Not negative, whole (for counts), not above the plausibility bound."""
    with np.errstate(invalid="ignore"):
        neg = np.flatnonzero(v < 0)
        if neg.size:
            probs.rows(neg, name, v, "negative")
        if whole:
            frac = np.flatnonzero(np.floor(v) != v)  # NaN != NaN: missing cells are skipped below
            frac = frac[~np.isnan(v[frac])]
            if frac.size:
                probs.rows(frac, name, v, "not a whole number")
        high = np.flatnonzero(v > limit)
        if high.size:
            probs.rows(high, name, v, f"implausible (over {limit:,.0f})")


def _one_per_school(v: np.ndarray, starts: np.ndarray, name: str, probs: _Problems) -> np.ndarray:
    """The value of a school-level column for each school; rows of a school that disagree are reported."""
    lo = np.fmin.reduceat(v, starts)
    hi = np.fmax.reduceat(v, starts)
    clash = np.flatnonzero(lo != hi)
    clash = clash[~np.isnan(lo[clash])]
    if clash.size:
        probs.rows(starts[clash], name, None, "rows of the school disagree")
    return lo


def _lookalike_ids(ids: pa.Array, probs: _Problems, starts: np.ndarray) -> None:
    """Two schools whose ids differ only by full-width or invisible characters are one id to a reader: the later one
    is reported. Plain printable ASCII ids cannot collide so, and a table of plain ids costs one check."""
    if pc.all(pc.string_is_ascii(ids)).as_py() is not False and pc.all(pc.utf8_is_printable(ids)).as_py() is not False:
        return
    texts = ids.to_pylist()
    plain = [t.isascii() and t.isprintable() for t in texts]
    first = {t: i for i, t in reversed(list(enumerate(texts))) if plain[i]}
    invisible = {"Cf", "Cc", "Zl", "Zp"}
    for i, t in enumerate(texts):
        if plain[i]:
            continue
        normal = unicodedata.normalize("NFKC", t)
        key = "".join(ch for ch in normal if unicodedata.category(ch) not in invisible).strip()
        if first.setdefault(key, i) != i:
            probs.rows(starts[i : i + 1], "school_id", t, "the same id as another school, to a reader")


def _group(table: pa.Table, probs: _Problems) -> tuple[np.ndarray, Any]:
    """Key every row (county, school, section); the order that groups the rows; the keys and their words."""
    cc, cc_words = _text(table.column("county_code"))
    sid, sid_words = _text(table.column("school_id"))
    sec, _ = _category(table.column("section"), "section", SECTIONS, SECTION_ZH, probs)
    for codes, name in ((cc, "county_code"), (sid, "school_id"), (sec, "section")):
        missing = np.flatnonzero(codes == -1)
        if missing.size:
            probs.rows(missing, name, None, "missing")
    probs.raise_if_any()
    # a school is a (county, id) pair, numbered in order of first appearance
    pair = pa.array(cc * max(len(sid_words), 1) + sid).dictionary_encode()
    school_rank = pair.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    key = (cc * len(pair.dictionary) + school_rank) * 3 + sec
    if key.size and bool(np.any(key[1:] < key[:-1])):
        order = np.argsort(key, kind="stable")
    else:
        order = None
    return (order if order is not None else np.arange(0)), (cc, cc_words, sid, sid_words, sec, key)


def prepare(table: pa.Table) -> Prepared:
    """Validate the table and build the kernel's arrays; raises :class:`Invalid` listing every problem."""
    probs = _Problems()
    for c in ("county_code", "school_id", "school_type", "ownership", "location", "section", "students"):
        if c not in table.column_names:
            probs.table(c, "required column missing")
    if table.num_rows == 0:
        probs.table("", "no rows")
    probs.raise_if_any()
    if any(c in table.column_names for c in OTHER_INPUTS):
        raise Unsupported("the table has inputs of other items of the pack")
    order, (cc, cc_words, sid, sid_words, sec, key) = _group(table, probs)
    if order.size:
        table = table.take(pa.array(order))
        cc, sid, sec, key = cc[order], sid[order], sec[order], key[order]
        probs.order = order
    n = table.num_rows
    school_key = key // 3
    new_school = np.empty(n, dtype=bool)
    new_school[0] = True
    np.not_equal(school_key[1:], school_key[:-1], out=new_school[1:])
    starts = np.flatnonzero(new_school)
    school_of = np.cumsum(new_school) - 1
    dup = np.flatnonzero(np.r_[False, key[1:] == key[:-1]])
    if dup.size:
        probs.rows(dup, "section", None, "the school has this section twice")
    county_of_school = cc[starts]
    school_ids = sid_words.take(pa.array(sid[starts]))
    _lookalike_ids(school_ids, probs, starts)

    # school columns: known, given, the same on every row of the school
    school: dict[str, np.ndarray] = {}
    for name, domain, zh in (
        ("school_type", SCHOOL_TYPES, SCHOOL_TYPE_ZH),
        ("ownership", OWNERSHIPS, OWNERSHIP_ZH),
        ("location", LOCATIONS, LOCATION_ZH),
    ):
        codes, _missing = _category(table.column(name), name, domain, zh, probs)
        v = np.where(codes >= 0, codes, np.nan) if (codes < 0).any() else codes.astype(np.float64)
        per = _one_per_school(v, starts, name, probs)
        absent = np.flatnonzero(np.isnan(per))
        if absent.size:
            written = np.bincount(school_of[codes != -1], minlength=starts.size)
            absent = absent[written[absent] == 0]  # a bad word was reported above
            probs.rows(starts[absent], name, None, "missing")
        school[name] = np.nan_to_num(per, nan=-1).astype(np.int8)

    # students
    students = _numbers(table, "students", probs)
    miss = np.flatnonzero(np.isnan(students))
    if miss.size:
        probs.rows(miss, "students", None, "students are required")
    _check_range(students, "students", probs, True, MAX_SECTION_STUDENTS)

    # sections each school type needs and allows
    has = np.zeros((starts.size, 3), dtype=bool)
    has[school_of, sec] = True
    stype = school["school_type"]
    for ti, tname in enumerate(SCHOOL_TYPES):
        of_type = stype == ti
        for si, sname in enumerate(SECTIONS):
            if sname in MUST[tname]:
                lack = np.flatnonzero(of_type & ~has[:, si])
                if lack.size:
                    probs.rows(starts[lack], "section", None, f"a {tname} school needs a {sname} section")
            if sname not in MAY[tname]:
                extra = np.flatnonzero(of_type & has[:, si])
                if extra.size:
                    probs.rows(starts[extra], "section", sname, f"a {tname} school has no {sname} section")

    # teachers (section values) and facilities (school values)
    numbers: dict[str, np.ndarray] = {}
    for name in ("teachers.full_time", *TEACHERS, *FACILITIES):
        v = _numbers(table, name, probs) if name in table.column_names else np.full(n, np.nan)
        _check_range(v, name, probs, name in WHOLE, LIMIT[name])
        numbers[name] = v
    ft = numbers["teachers.full_time"]
    for name in TEACHERS:
        over = np.flatnonzero(numbers[name] > ft)
        if over.size:
            probs.rows(over, name, numbers[name], "more than the full-time teachers")
    facilities = np.empty((len(FACILITIES), starts.size))
    for j, name in enumerate(FACILITIES):
        facilities[j] = _one_per_school(numbers[name], starts, name, probs)

    # names: no control characters (school names are read from the first row of each school)
    county_first = np.flatnonzero(np.r_[True, cc[1:] != cc[:-1]])
    names = {"school_name": (starts, school_ids), "county_name": (None, cc_words.take(pa.array(cc[county_first])))}
    shown: dict[str, pa.Array] = {}
    for name, (rows, fallback) in names.items():
        if name not in table.column_names:
            shown[name] = fallback
            continue
        col = table.column(name).combine_chunks()
        checked = col if rows is None else col.take(pa.array(rows))
        bad = pc.match_substring_regex(checked, NAME_FORBIDDEN).fill_null(False)
        if pc.any(bad).as_py():
            where = np.flatnonzero(bad.to_numpy(zero_copy_only=False))
            probs.rows(where if rows is None else rows[where], name, None, "control characters in a name")
        first = checked if rows is not None else col.take(pa.array(county_first))
        first = pc.utf8_trim_whitespace(first)
        shown[name] = pc.if_else(pc.fill_null(pc.not_equal(first, ""), False), first, fallback)
    probs.raise_if_any()

    # the arrays of the kernel: primary and junior rows; senior students per school
    senior_rows = sec == 2
    senior = np.zeros(starts.size)
    senior[school_of[senior_rows]] = students[senior_rows]
    keep = ~senior_rows
    x = KernelInput(
        n_county=len(cc_words),
        sec_school=school_of[keep],
        sec=sec[keep].astype(np.int8),
        students=students[keep],
        teachers=np.stack([numbers[t][keep] for t in TEACHERS]),
        school_county=county_of_school,
        school_type=stype,
        ownership=school["ownership"],
        location=school["location"],
        facilities=facilities,
        senior=senior,
    )
    prepared = Prepared(x, cc_words, shown["county_name"], school_ids, shown["school_name"])
    _warnings(prepared, numbers, students, sec, senior_rows, sid, sid_words)
    return prepared


def _warnings(
    p: Prepared,
    numbers: dict[str, np.ndarray],
    students: np.ndarray,
    sec: np.ndarray,
    senior_rows: np.ndarray,
    sid: np.ndarray,
    sid_words: pa.Array,
) -> None:
    """The warnings qbalance gives on this table, counted, with the first five places as examples."""
    ft = numbers["teachers.full_time"]
    senior_data = np.zeros(senior_rows.size, dtype=bool)
    for name in ("teachers.full_time", *TEACHERS):
        senior_data |= ~np.isnan(numbers[name])
    compulsory = ~senior_rows
    for what, rows in (
        ("section has no students", np.flatnonzero(compulsory & (students == 0))),
        ("senior-section data is not read", np.flatnonzero(senior_rows & senior_data)),
        ("section has students but no full-time teachers", np.flatnonzero(compulsory & (ft == 0) & (students > 0))),
    ):
        if rows.size:
            examples = sid_words.take(pa.array(sid[rows[:5]])).to_pylist()
            places = [f"{e} {SECTIONS[s]}" for e, s in zip(examples, sec[rows[:5]], strict=True)]
            p.warnings[what] = (int(rows.size), places)


# -- the kernel ----------------------------------------------------------------------------------------------------


@dataclass
class Resource:
    """The resource area: per section row, per county and section (2 × county + section), and per county."""

    share: np.ndarray
    in_scope: np.ndarray
    values: np.ndarray
    """(7, rows): the indicator values, in their units (NaN where they cannot be computed)."""
    threshold: np.ndarray
    """(7, rows)."""
    met: np.ndarray
    """(7, rows): 1 met, 0 not, NaN unknown."""
    row: np.ndarray
    """k of n per section row: 1 pass, 0 fail, NaN not evaluated (out of scope rows too: see in_scope)."""
    mean: np.ndarray
    """(7, 2 × counties): the county value (Σ P·X / Σ P)."""
    cv: np.ndarray
    cv_compared: np.ndarray
    cv_result: np.ndarray
    """(7, 2 × counties): 1 pass, 0 fail, NaN not evaluated; count 0: not applicable."""
    count: np.ndarray
    """(2 × counties): section rows counted."""
    schools_item: np.ndarray
    balance_item: np.ndarray
    area: np.ndarray


def _kleene_all(status: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """Three-valued AND per group: 0 if any 0, else NaN if any NaN, else 1 (1 for an empty group)."""
    fails = np.bincount(groups, weights=status == 0.0, minlength=n) > 0
    unknown = np.bincount(groups, weights=np.isnan(status), minlength=n) > 0
    return np.where(fails, 0.0, np.where(unknown, np.nan, 1.0))


def _round_half_up(x: np.ndarray, decimals: int | None) -> np.ndarray:
    if decimals is None:
        return x
    scale = 10.0**decimals
    y = np.round(x * scale, 6)
    return np.sign(y) * np.floor(np.abs(y) + 0.5) / scale


def kernel(x: KernelInput, r: Rules) -> Resource:
    """The resource area of every county at once."""
    school, sec, p = x.sec_school, x.sec, x.students
    n, n_school, n_groups = p.size, x.school_type.size, 2 * x.n_county
    stype = x.school_type[school]
    with np.errstate(invalid="ignore", divide="ignore"):
        # apportionment by weighted students (the senior part of a school takes its share too)
        wp = r.weights[stype, sec] * p
        total = np.bincount(school, weights=wp, minlength=n_school)
        total += r.weights[x.school_type, 2] * x.senior
        share = wp / total[school]
        # scope
        compulsory = np.bincount(school, weights=p, minlength=n_school)
        out = (x.school_type == SPECIAL) | ((x.school_type == TP) & (compulsory < r.tp_min))
        if r.exclude_private:
            out |= x.ownership == PRIVATE
        in_scope = (p > 0) & ~out[school]
        # the seven indicators: per student (or per 100), facilities apportioned
        inv = np.divide(1.0, p, out=np.full(n, np.nan), where=p != 0)
        per = share * inv
        fac = x.facilities
        v = np.empty((7, n))
        for i in range(3):
            np.multiply(x.teachers[i], inv, out=v[i])
        v[3] = (fac[0] - (1.0 - r.gym_in_floor) * fac[1])[school]
        v[4] = (fac[2] + r.gym_in_sports * fac[1])[school]
        v[5] = fac[3][school]
        v[6] = fac[4][school]
        v[3:] *= per
        v *= r.per_100[:, None]
        # k of n with the floor: values within the relative tolerance of a limit count as equal to it
        thr = r.thresholds[:, sec]
        lo = r.thresholds * (1.0 - r.tol)
        met_b = v >= lo[:, sec]
        unknown = np.isnan(v)
        n_met = met_b.sum(axis=0)
        n_unknown = unknown.sum(axis=0)
        below = (v < (r.floor * lo)[:, sec]).any(axis=0)
        fail = (n_met + n_unknown < r.k) | below
        row = np.where(fail, 0.0, np.where((n_unknown == 0) & (n_met >= r.k), 1.0, np.nan))
        met = np.where(unknown, np.nan, met_b)
        # student-weighted population CV per county and section
        rows = np.flatnonzero(in_scope)
        g = x.school_county[school[rows]] * 2 + sec[rows]
        pw = p[rows]
        vin = v[:, rows]
        count = np.bincount(g, minlength=n_groups).astype(np.float64)
        wsum = np.bincount(g, weights=pw, minlength=n_groups)
        mean = np.empty((7, n_groups))
        var = np.empty((7, n_groups))
        for i in range(7):
            mean[i] = np.bincount(g, weights=pw * vin[i], minlength=n_groups) / wsum
            d = vin[i] - mean[i][g]
            var[i] = np.bincount(g, weights=pw * d * d, minlength=n_groups) / wsum
        cv = np.sqrt(var) / mean
        cv[:, count == 0] = np.nan
        mean[:, count == 0] = np.nan
        cv[mean == 0] = np.nan
        compared = _round_half_up(cv, r.cv_decimals)
        limit = r.cv_limit[np.arange(n_groups) % 2]
        ok = (compared <= limit) | (np.abs(compared - limit) <= r.tol * np.maximum(np.abs(compared), limit))
        cv_result = np.where(np.isnan(cv), np.nan, ok.astype(np.float64))
    # the items and the area of each county
    county_rows = x.school_county[school[rows]]
    has_rows = np.bincount(county_rows, minlength=x.n_county) > 0
    schools_item = np.where(has_rows, _kleene_all(row[rows], county_rows, x.n_county), np.nan)
    applicable = np.broadcast_to(count > 0, cv_result.shape)
    judged = cv_result[applicable]
    balance_item = _kleene_all(judged, (np.nonzero(applicable)[1] // 2), x.n_county)
    area = _kleene_all(np.concatenate([schools_item, balance_item]), np.tile(np.arange(x.n_county), 2), x.n_county)
    return Resource(
        share, in_scope, v, thr, met, row, mean, cv, compared, cv_result, count, schools_item, balance_item, area
    )


# -- the result tables ---------------------------------------------------------------------------------------------

_WORDS = pa.array(STATUS)


_VERDICT_WORDS = pa.array(("incomplete", "pass", "fail"))


def _status(s: np.ndarray, not_applicable: np.ndarray | None = None, words: pa.Array = _WORDS) -> pa.Array:
    """1 → pass, 0 → fail, NaN → not_evaluated; not_applicable where the mask says so."""
    code = (s == 1.0).view(np.int8) + 2 * (s == 0.0).view(np.int8)
    if not_applicable is not None:
        code[not_applicable] = NA
    return words.take(pa.array(code))


_COUNTY_ITEMS = (
    "G01_layout",
    "G02_unified_standards",
    "G03_music_art_rooms",
    "G04_school_size",
    "G05_class_size",
    "G06_small_school_funding",
    "G07_special_ed_funding",
    "G08_salary",
    "G09_training_hours",
    "G10_staffing",
    "G11_rotation",
    "G12_certificates",
    "G13_nearby_enrolment",
    "G14_quality_quota",
    "G15_left_behind_migrant",
    "Q1_retention",
    "Q2_disabled_enrolment",
    "Q3_charter_it",
    "Q4_training_spend",
    "Q5_it_use",
    "Q6_moral_education",
    "Q7_curriculum",
    "Q8_homework",
    "Q9_monitoring",
    "S1_satisfaction",
    "V1_exam_admission",
    "V2_school_choice",
    "V3_key_schools",
    "V4_unfilled_posts",
    "V5_major_incident",
    "V6_falsified_data",
)


def _other_items(x: KernelInput, r: Rules) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """The other items of the pack on a table with no data for them: each item's status per county (NaN, 0 or 1),
    which counties have a school (section) it applies to, and the class-size item's applicability per section row.
    Only the school-size item (第七条第4项) is evaluated: it needs the students alone."""
    nc, stype = x.n_county, x.school_type
    ordinary = stype <= 4  # primary, junior, nine-year, twelve-year, complete middle
    compulsory = np.bincount(x.sec_school, weights=x.students, minlength=stype.size)
    with np.errstate(invalid="ignore"):
        limit = r.school_size[stype]
        size_ok = (compulsory <= limit) | (np.abs(compulsory - limit) <= r.tol * np.maximum(compulsory, limit))
    small = (compulsory < r.funded_as * (1.0 - r.tol)) & (
        (stype == TP) | ((stype == PRIMARY_TYPE) & (x.location == RURAL))
    )
    class_rows = (x.students > 0) & (stype[x.sec_school] != SPECIAL)
    school_items = {
        "G03_music_art_rooms": (ordinary, None),
        "G04_school_size": (ordinary, size_ok.astype(np.float64)),
        "G06_small_school_funding": (small, None),
        "G07_special_ed_funding": (stype == SPECIAL, None),
        "Q3_charter_it": (np.ones(stype.size, dtype=bool), None),
        "Q4_training_spend": (np.ones(stype.size, dtype=bool), None),
        "Q6_moral_education": (np.ones(stype.size, dtype=bool), None),
    }
    status = {k: np.full(nc, np.nan) for k in _COUNTY_ITEMS}
    subject: dict[str, np.ndarray] = {}
    for item, (applies, value) in school_items.items():
        groups = x.school_county[applies]
        row = value[applies] if value is not None else np.full(groups.size, np.nan)
        status[item] = _kleene_all(row, groups, nc)
        subject[item] = np.bincount(groups, minlength=nc) > 0
    groups = x.school_county[x.sec_school[class_rows]]
    status["G05_class_size"] = _kleene_all(np.full(groups.size, np.nan), groups, nc)
    subject["G05_class_size"] = np.bincount(groups, minlength=nc) > 0
    return status, subject, class_rows


_AREA_LETTERS = {"government": "G", "quality": "Q", "recognition": "S", "veto": "V"}


def tables(p: Prepared, res: Resource, r: Rules) -> tuple[pa.Table, pa.Table]:
    """The counties and schools tables qbalance writes, with the same columns, names and values."""
    x, nc = p.x, p.x.n_county
    other, subject, class_rows = _other_items(x, r)
    c: dict[str, Any] = {"county_code": p.county_codes, "county_name": p.county_names}
    area_of = {
        "government": [k for k in _COUNTY_ITEMS if k[0] == "G"],
        "quality": [k for k in _COUNTY_ITEMS if k[0] == "Q"],
    }
    area_of |= {"recognition": ["S1_satisfaction"], "veto": [k for k in _COUNTY_ITEMS if k[0] == "V"]}
    areas = {"resource": res.area}
    for area, members in area_of.items():
        areas[area] = _kleene_all(np.concatenate([other[m] for m in members]), np.tile(np.arange(nc), len(members)), nc)
    verdict = _kleene_all(np.concatenate(list(areas.values())), np.tile(np.arange(nc), len(areas)), nc)
    c["verdict"] = _status(verdict, words=_VERDICT_WORDS)
    for area, status in areas.items():
        c[f"area.{area}"] = _status(status)
    c["item.resource_schools"] = _status(res.schools_item)
    c["item.resource_balance"] = _status(res.balance_item, ~(res.count.reshape(nc, 2) > 0).any(axis=1))
    for item in _COUNTY_ITEMS:
        c[f"item.{item}"] = _status(other[item], ~subject[item] if item in subject else None)
    for i, ind in enumerate(INDICATORS):
        for s, section in enumerate(SECTIONS[:2]):
            c[f"{ind}.{section}.county_value"] = res.mean[i, s::2]
            c[f"{ind}.{section}.cv"] = res.cv[i, s::2]
            c[f"{ind}.{section}.cv_compared"] = res.cv_compared[i, s::2]
            c[f"{ind}.{section}.cv_result"] = _status(res.cv_result[i, s::2], res.count[s::2] == 0)
    school = x.sec_school
    s: dict[str, Any] = {
        "county_code": p.county_codes.take(pa.array(x.school_county[school])),
        "school_id": p.school_ids.take(pa.array(school)),
        "school_name": p.school_names.take(pa.array(school)),
        "section": pa.array(SECTIONS[:2]).take(pa.array(x.sec)),
        "students": x.students,
        "in_scope.resource": res.in_scope,
    }
    for i, ind in enumerate(INDICATORS):
        s[f"{ind}.value"] = res.values[i]
        s[f"{ind}.threshold"] = res.threshold[i]
        s[f"{ind}.met"] = _status(res.met[i])
    s["item.resource_schools"] = _status(res.row, ~res.in_scope)
    s["item.G05_class_size"] = _status(np.full(x.students.size, np.nan), ~class_rows)
    return pa.table(c), pa.table(s)


# -- the "hand CLI" ------------------------------------------------------------------------------------------------


def cli(argv: list[str] | None = None) -> int:
    """Parquet in, the two result tables out as Parquet: the fastest sensible way, no framework."""
    ap = argparse.ArgumentParser(description="the hand-written kernel of the national benchmark, as a command")
    ap.add_argument("input", help="the national table (.parquet)")
    ap.add_argument("-o", "--output", required=True, help="directory for counties.parquet and schools.parquet")
    args = ap.parse_args(argv)
    rules = load_rules()
    try:
        prepared = prepare(read_parquet(args.input))
    except (Invalid, Unsupported) as exc:
        print(exc, file=sys.stderr)
        return 2
    res = kernel(prepared.x, rules)
    counties, schools = tables(prepared, res, rules)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(counties, out / "counties.parquet")
    pq.write_table(schools, out / "schools.parquet")
    for what, (count, examples) in prepared.warnings.items():
        print(f"warning: {what}: {count:,} (e.g. {', '.join(examples)})", file=sys.stderr)
    area = res.area
    print(f"{nc_text(area)} counties; resource area: {int((area == 1).sum()):,} pass, {int((area == 0).sum()):,} fail")
    return 1 if bool((area == 0).any()) else 0


def nc_text(area: np.ndarray) -> str:
    return f"{area.size:,}"


if __name__ == "__main__":
    sys.exit(cli())
