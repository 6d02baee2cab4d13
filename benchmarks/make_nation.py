"""Generate a synthetic nation (default: 200,000 schools in 2,850 counties) as one columnar table.

SYNTHETIC DATA: county codes start with 99, which no real county has. The table is in the long columnar format
that :func:`qbalance.evaluate_many` reads (docs/input-format.md): one row per school section (``primary``,
``junior``, or ``senior`` for the senior part of a complete-middle or twelve-year school), school-level values
(type, ownership, location, facilities) repeated identically on every row of the school.

Only the inputs of the resource indicators (STANDARDS.md §1.1) are generated: students, full-time teachers, the three
teacher sub-counts, and the five shared facilities. County-level facts are left out on purpose, so the other areas
of cn-moe-2017 come out "not evaluated"; the benchmark compares the resource rules, which is what the reference
implementations implement.

Realism, roughly after national statistics: county sizes are skewed (a few with several hundred schools, many with
30-60); the mix is ~55% primary schools, ~17% teaching points (教学点, half of them under 50 students and so out of
scope), ~13% junior, ~9% nine-year, ~3% complete-middle, ~1% twelve-year and ~1% special-education schools; urban /
town / rural sizes differ; ~7% of schools are private. Each county has a resource level (how far above the
thresholds its schools sit) and a spread (how unequal its schools are); each school draws its seven indicator values
around ``threshold × county level`` with a shared school effect and per-indicator noise. Teacher counts and rooms are
whole numbers, so small schools are lumpy, as in real data. About half of the counties pass the resource area
(national seed: 1,477 of 2,850; 454 county sections have a CV over its limit).

Deterministic: the same ``--seed`` and sizes always give the same data.

    python benchmarks/make_nation.py                      # 200,000 schools → benchmarks/data/nation.parquet
    python benchmarks/make_nation.py --schools 300 --counties 5 -o /tmp/tiny.csv
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DEFAULT_COUNTIES", "DEFAULT_SCHOOLS", "make_nation", "write_large", "write_table"]

DEFAULT_SCHOOLS = 200_000
DEFAULT_COUNTIES = 2_850
DEFAULT_SEED = 20170419

SCHOOL_TYPES = (
    "primary",
    "teaching_point",
    "junior",
    "nine_year",
    "complete_middle",
    "twelve_year",
    "special_education",
)
TYPE_SHARE = (0.555, 0.17, 0.13, 0.095, 0.03, 0.01, 0.01)
LOCATIONS = ("urban", "town", "rural")
# probability of urban / town / rural by school type (teaching points are village schools)
LOCATION_SHARE = {
    "primary": (0.22, 0.33, 0.45),
    "teaching_point": (0.0, 0.05, 0.95),
    "junior": (0.30, 0.45, 0.25),
    "nine_year": (0.15, 0.35, 0.50),
    "complete_middle": (0.45, 0.45, 0.10),
    "twelve_year": (0.60, 0.35, 0.05),
    "special_education": (0.70, 0.30, 0.0),
}
# median section size by (section, location); lognormal spread 0.5 (0.6 for teaching points)
MEDIAN_STUDENTS = {
    "primary": {"urban": 1300, "town": 750, "rural": 260},
    "junior": {"urban": 1250, "town": 900, "rural": 420},
    "senior": {"urban": 1500, "town": 1100, "rural": 700},
}
SECTIONS_OF = {
    "primary": ("primary",),
    "teaching_point": ("primary",),
    "junior": ("junior",),
    "nine_year": ("primary", "junior"),
    "complete_middle": ("junior", "senior"),
    "twelve_year": ("primary", "junior", "senior"),
    "special_education": ("primary", "junior"),
}
# cn-moe-2017 thresholds (only used to place synthetic values around them; the rules read the pack)
THRESHOLD = {
    "primary": (4.2, 1.0, 0.9, 4.5, 7.5, 2000.0, 2.3),
    "junior": (5.3, 1.0, 0.9, 5.8, 10.2, 2500.0, 2.4),
}
WEIGHT = {"primary": 1.0, "junior": 1.1, "senior": 1.32}
STUDENTS_PER_TEACHER = {"primary": 16.5, "junior": 12.5, "senior": 12.0}

COLUMNS = (
    "county_code",
    "county_name",
    "school_id",
    "school_name",
    "school_type",
    "ownership",
    "location",
    "section",
    "students",
    "teachers.full_time",
    "teachers.above_qualified",
    "teachers.backbone",
    "teachers.pe_art",
    "facilities.teaching_aux_area",
    "facilities.indoor_gym_area",
    "facilities.sports_ground_area",
    "facilities.equipment_value",
    "facilities.multimedia_classrooms",
)


def make_nation(
    schools: int = DEFAULT_SCHOOLS, counties: int = DEFAULT_COUNTIES, seed: int = DEFAULT_SEED, first_county: int = 0
) -> dict[str, np.ndarray]:
    """The synthetic nation as long-format columns (numpy arrays; text columns are object arrays of str).

    ``first_county`` numbers the counties from there (codes ``99`` + the number), so that several parts of a large
    nation, each made with its own seed, have distinct counties and schools."""
    if counties < 1 or schools < counties:
        raise ValueError("need at least one county and at least one school per county")
    rng = np.random.default_rng(seed)

    # -- counties: size, resource level, spread --------------------------------------------------------------------
    min_per_county = min(3, schools // counties)
    size_w = rng.lognormal(0.0, 0.6, counties)
    per_county = rng.multinomial(schools - min_per_county * counties, size_w / size_w.sum()) + min_per_county
    level = rng.lognormal(np.log(1.55), 0.15, counties)  # typical school sits ~55% above the thresholds
    unequal = rng.random(counties) < 0.12  # counties with very unequal schools (the CV test fails)
    spread = np.where(unequal, rng.uniform(0.35, 0.65, counties), rng.uniform(0.04, 0.16, counties))  # log sd
    weak_tp = rng.random(counties) < 0.5  # counties whose small village schools are under-resourced

    county_of = np.repeat(np.arange(counties), per_county)
    n = schools
    stype = rng.choice(len(SCHOOL_TYPES), size=n, p=np.asarray(TYPE_SHARE) / sum(TYPE_SHARE))
    loc = np.empty(n, dtype=np.int64)
    for ti, tname in enumerate(SCHOOL_TYPES):
        rows = np.flatnonzero(stype == ti)
        loc[rows] = rng.choice(3, size=rows.size, p=LOCATION_SHARE[tname])
    private = (rng.random(n) < 0.075) & ~np.isin(stype, [1, 6])

    # school effect shared by the seven indicators, plus per-indicator noise
    school_eff = rng.normal(0.0, 1.0, n) * spread[county_of] * 0.8
    ind_noise = rng.normal(0.0, 1.0, (n, 7)) * (spread[county_of] * 0.5)[:, None]
    factor = level[county_of][:, None] * np.exp(school_eff[:, None] + ind_noise)
    factor[private] *= rng.lognormal(0.0, 0.15, (int(private.sum()), 7))
    small_village = (stype == 1) & weak_tp[county_of]
    factor[small_village] *= 0.8

    # -- sections ----------------------------------------------------------------------------------------------------
    sec_school: list[np.ndarray] = []
    sec_name: list[np.ndarray] = []
    sec_students: list[np.ndarray] = []
    for si, section in enumerate(("primary", "junior", "senior")):
        has = np.array([section in SECTIONS_OF[SCHOOL_TYPES[t]] for t in range(len(SCHOOL_TYPES))])[stype]
        rows = np.flatnonzero(has)
        med = np.array([MEDIAN_STUDENTS[section][LOCATIONS[k]] for k in range(3)])[loc[rows]].astype(np.float64)
        t = stype[rows]
        med = np.where(t == 1, 45.0, med)  # teaching points
        med = np.where(t == 6, 70.0 if section == "primary" else 45.0, med)  # special education
        med = np.where((t == 3) | (t == 5), med * 0.55, med)  # sections of nine/twelve-year schools are smaller
        sd = np.where(t == 1, 0.6, 0.5)
        p = np.rint(rng.lognormal(np.log(med), sd)).astype(np.int64)
        p = np.clip(p, 4, 4000)
        # a few sections report no students this year (kept: they must be left out, not divide by zero)
        p[(rng.random(rows.size) < 0.001) & (t != 1)] = 0
        sec_school.append(rows)
        sec_name.append(np.full(rows.size, si))
        sec_students.append(p)
    s_school = np.concatenate(sec_school)
    s_sec = np.concatenate(sec_name)
    s_students = np.concatenate(sec_students).astype(np.float64)
    order = np.lexsort((s_sec, s_school))
    s_school, s_sec, s_students = s_school[order], s_sec[order], s_students[order]
    m = s_school.size

    # -- teachers (per section, whole numbers) ------------------------------------------------------------------------
    sec_label = np.array(["primary", "junior", "senior"])[s_sec]
    comp = s_sec < 2
    thr = np.zeros((m, 7))
    thr[s_sec == 0] = THRESHOLD["primary"]
    thr[s_sec == 1] = THRESHOLD["junior"]
    f = factor[s_school]
    ratio = np.array([STUDENTS_PER_TEACHER[s] for s in ("primary", "junior", "senior")])[s_sec]
    full_time = np.rint(s_students / ratio * rng.lognormal(0.0, 0.08, m))
    teach = {}
    for k, name in enumerate(("above_qualified", "backbone", "pe_art")):
        teach[name] = np.where(comp, np.rint(thr[:, k] * f[:, k] * s_students / 100.0), np.nan)
    full_time = np.maximum.reduce([full_time, *(np.nan_to_num(v) for v in teach.values())])

    # -- facilities (per school, shared; sized on weighted students) --------------------------------------------------
    wp_sec = s_students * np.array([WEIGHT["primary"], WEIGHT["junior"], WEIGHT["senior"]])[s_sec]
    # a senior section is given junior-level facilities per weighted student
    thr_fac = np.where(
        s_sec[:, None] == 2,
        np.asarray(THRESHOLD["junior"]) / WEIGHT["junior"],
        thr / np.array([WEIGHT["primary"], WEIGHT["junior"], 1.0])[s_sec][:, None],
    )
    need = np.zeros((n, 4))
    for j, k in enumerate((3, 4, 5, 6)):
        need[:, j] = np.bincount(s_school, weights=thr_fac[:, k] * wp_sec, minlength=n)
    need *= factor[:, 3:7]
    floor_without_gym = np.round(need[:, 0], 1)
    gym_share = np.where(loc == 2, rng.uniform(0.0, 0.06, n), rng.uniform(0.03, 0.15, n))
    indoor_gym = np.round(floor_without_gym * gym_share, 1)
    # the statistics report the floor area with the gym inside (the pack takes it out of R4 and counts it in R5)
    teaching_aux = np.round(floor_without_gym + indoor_gym, 1)
    sports_ground = np.round(np.maximum(need[:, 1] - indoor_gym, 0.0), 1)
    equipment = np.round(need[:, 2], 2)
    multimedia = np.rint(need[:, 3] / 100.0)

    # -- text columns ----------------------------------------------------------------------------------------------
    numbers = range(first_county, first_county + counties)
    ccode = np.array([f"99{c:04d}" for c in numbers], dtype=object)
    cname = np.array([f"合成县{c:04d}" for c in numbers], dtype=object)
    seq = np.arange(n) - np.repeat(np.cumsum(per_county) - per_county, per_county)
    sid = np.array(
        [f"99{c + first_county:04d}{s:04d}" for c, s in zip(county_of.tolist(), seq.tolist(), strict=True)],
        dtype=object,
    )
    kind_zh = {
        "primary": "小学",
        "teaching_point": "教学点",
        "junior": "初中",
        "nine_year": "九年一贯制学校",
        "complete_middle": "完全中学",
        "twelve_year": "十二年一贯制学校",
        "special_education": "特殊教育学校",
    }
    sname = np.array(
        [f"合成{kind_zh[SCHOOL_TYPES[t]]}{s:04d}" for t, s in zip(stype.tolist(), seq.tolist(), strict=True)],
        dtype=object,
    )
    sc = county_of[s_school]
    cols: dict[str, np.ndarray] = {
        "county_code": ccode[sc],
        "county_name": cname[sc],
        "school_id": sid[s_school],
        "school_name": sname[s_school],
        "school_type": np.array(SCHOOL_TYPES, dtype=object)[stype[s_school]],
        "ownership": np.where(private[s_school], "private", "public").astype(object),
        "location": np.array(LOCATIONS, dtype=object)[loc[s_school]],
        "section": sec_label.astype(object),
        "students": s_students.astype(np.int64),
        "teachers.full_time": full_time,
        "teachers.above_qualified": teach["above_qualified"],
        "teachers.backbone": teach["backbone"],
        "teachers.pe_art": teach["pe_art"],
        "facilities.teaching_aux_area": teaching_aux[s_school],
        "facilities.indoor_gym_area": indoor_gym[s_school],
        "facilities.sports_ground_area": sports_ground[s_school],
        "facilities.equipment_value": equipment[s_school],
        "facilities.multimedia_classrooms": multimedia[s_school],
    }
    return cols


def write_table(cols: dict[str, np.ndarray], path: str | Path) -> Path:
    """Write the columns as Parquet (``.parquet``, needs pyarrow) or CSV (``.csv``, UTF-8, empty cell = missing)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.suffix.lower() in (".parquet", ".pq"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({k: _arrow_column(pa, v) for k, v in cols.items()})
        pq.write_table(table, p, compression="zstd")
    elif p.suffix.lower() == ".csv":
        import csv

        names = list(cols)
        lists = [_csv_cells(cols[k]) for k in names]
        with p.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(names)
            w.writerows(zip(*lists, strict=True))
    else:
        raise ValueError(f"write .parquet or .csv, not {p.suffix!r}")
    return p


def write_large(rows: int, path: str | Path, seed: int = DEFAULT_SEED, part_rows: int = 2_000_000) -> Path:
    """A nation of about ``rows`` section rows as Parquet, made in parts of at most ``part_rows`` rows (each part its
    own counties and seed, schools and counties in the national proportions), so that memory stays bounded whatever
    the size. Deterministic."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows_per_school = 230_848 / DEFAULT_SCHOOLS  # the national mix of sections
    schools = max(1, round(rows / rows_per_school))
    parts = max(1, math.ceil(rows / part_rows))
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    first_county = 0
    try:
        for k in range(parts):
            n = schools // parts + (1 if k < schools % parts else 0)
            counties = max(1, round(n * DEFAULT_COUNTIES / DEFAULT_SCHOOLS))
            cols = make_nation(n, counties, seed + k, first_county)
            table = pa.table({c: _arrow_column(pa, v) for c, v in cols.items()})
            if writer is None:
                writer = pq.ParquetWriter(p, table.schema, compression="zstd")
            writer.write_table(table)
            first_county += counties
    finally:
        if writer is not None:
            writer.close()
    return p


def _arrow_column(pa: Any, values: np.ndarray) -> Any:
    if values.dtype == object:
        return pa.array(values.tolist(), type=pa.string())
    if values.dtype.kind == "f" and np.all(np.isnan(values) | (values == np.rint(values))):
        # whole numbers (teacher counts, rooms) as nullable integers, as a statistics export would have them
        return pa.array(values, mask=np.isnan(values), type=pa.float64()).cast(pa.int64())
    return pa.array(values)


def _csv_cells(values: np.ndarray) -> list[str]:
    if values.dtype == object:
        return ["" if v is None else str(v) for v in values.tolist()]
    if values.dtype.kind in "iu":
        return [str(v) for v in values.tolist()]
    return ["" if v != v else (str(int(v)) if v == int(v) else repr(v)) for v in values.tolist()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--schools", type=int, default=DEFAULT_SCHOOLS)
    ap.add_argument("--counties", type=int, default=DEFAULT_COUNTIES)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--rows", type=int, help="about this many section rows (Parquet only), made in parts of 2M rows")
    ap.add_argument(
        "-o",
        "--output",
        default=str(Path(__file__).resolve().parent / "data" / "nation.parquet"),
        help="output file, .parquet or .csv (default: benchmarks/data/nation.parquet)",
    )
    args = ap.parse_args(argv)
    if args.rows is not None:
        path = write_large(args.rows, args.output, args.seed)
        print(f"wrote {path}: about {args.rows:,} section rows (seed {args.seed})")
        return 0
    cols = make_nation(args.schools, args.counties, args.seed)
    path = write_table(cols, args.output)
    n_rows = len(cols["school_id"])
    print(f"wrote {path}: {args.schools} schools, {n_rows} section rows, {args.counties} counties (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
