"""An independent, straightforward implementation of the cn-moe-2017 resource rules in pure Python.

Dicts and loops and the math module only (no numpy, no qbalance): a reference for the benchmark and for the tests.
The rule *parameters* are read from the pack file (``standards/cn-moe-2017/pack.yaml``) with ``yaml.safe_load``:
thresholds, per-100-student units, k of n, the floor ratio, the CV limits and rounding, the comparison tolerance,
the apportionment weights and fields, the scope parameters and the indoor-gym switches. The indicator *formulas* and
the meaning of the scope exclusions are written out here by hand, from STANDARDS.md §1.1-§3, independently of the
pack's expression language.

What is computed (STANDARDS.md §1.1-§3):

* apportionment: a school's shared facilities go to each section in proportion to weighted students
  (w_s × P_s / Σ w × P, senior part included; weights by school type, else the default weights);
* scope: a section row counts unless it has no students, belongs to a special-education school, to a teaching point
  with fewer than ``teaching_point_min_students`` compulsory students, or (if the pack says so) to a private school;
* per row: the seven indicator values; a row passes when at least k are met and every one is at least
  floor × threshold (values within the relative tolerance of a limit count as equal to it);
* per county and section: the student-weighted population CV of each indicator (X̄ = ΣPX/ΣP,
  S = sqrt(ΣP(X−X̄)²/ΣP), CV = S/X̄), compared with the section's limit;
* statuses are three-valued: "pass", "fail", and "not_evaluated" when a CV is undefined (zero mean);
  "not_applicable" when nothing is in scope.

The input is a list of row dicts in the long columnar format of ``make_nation.py`` (complete resource data, as the
generator writes it: this reference does not handle missing values).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

__all__ = ["INDICATORS", "PACK_PATH", "SECTIONS", "evaluate", "load_rules"]

PACK_PATH = Path(__file__).resolve().parent.parent / "standards" / "cn-moe-2017" / "pack.yaml"
INDICATORS = ("R1", "R2", "R3", "R4", "R5", "R6", "R7")
SECTIONS = ("primary", "junior")


def load_rules(pack_path: str | Path = PACK_PATH) -> dict[str, Any]:
    """The parameters of the resource rules, read from the pack file."""
    with open(pack_path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    params = {name: p["value"] for name, p in doc["parameters"].items()}
    items = doc["items"]
    k_item = next(it for it in items.values() if it.get("kind") == "k_of_n" and it.get("area") == "resource")
    cv_item = next(it for it in items.values() if it.get("kind") == "cv_limit" and it.get("area") == "resource")

    def param(ref: Any) -> Any:
        return params[ref[len("params.") :]] if isinstance(ref, str) and ref.startswith("params.") else ref

    rounding = cv_item.get("rounding") or {}
    return {
        "thresholds": {i: dict(doc["indicators"][i]["threshold"]) for i in INDICATORS},
        "per_100": {i: "100 student" in doc["indicators"][i]["unit"] for i in INDICATORS},
        "k": param(k_item["k"]),
        "floor": param(k_item["floor"]),
        "cv_limit": dict(param(cv_item["limit"])),
        "cv_decimals": rounding.get("decimals"),
        "tolerance": params["comparison_tolerance"],
        "teaching_point_min_students": params["teaching_point_min_students"],
        "exclude_private": bool(params["exclude_private_schools"]),
        "gym_in_floor": params["indoor_gym_in_floor_area"],
        "gym_in_sports": params["indoor_gym_in_sports_area"],
        "weights": {t: dict(w) for t, w in doc["apportionment"]["weights"].items()},
        "apportioned": set(doc["apportionment"]["fields"]),
    }


def at_least(a: float, b: float, tol: float) -> bool:
    """a ≥ b, where values within the relative tolerance count as equal."""
    return a >= b or abs(a - b) <= tol * max(abs(a), abs(b))


def at_most(a: float, b: float, tol: float) -> bool:
    return a <= b or abs(a - b) <= tol * max(abs(a), abs(b))


def _round_half_up(x: float, decimals: int | None) -> float:
    if decimals is None:
        return x
    scale = 10.0**decimals
    y = round(x * scale, 6)
    return math.copysign(math.floor(abs(y) + 0.5), y) / scale


def _all3(statuses: list[str]) -> str:
    """Three-valued AND of statuses (not_applicable ones are ignored)."""
    s = [x for x in statuses if x != "not_applicable"]
    if not s:
        return "not_applicable"
    if "fail" in s:
        return "fail"
    if "not_evaluated" in s:
        return "not_evaluated"
    return "pass"


def evaluate(rows: list[dict[str, Any]], rules: dict[str, Any] | None = None) -> dict[str, Any]:
    """Evaluate the resource rules for every county in ``rows``.

    Returns ``{"rows": {(county, school, section): status}, "sections": {(county, section): {...}},
    "counties": {county: {"schools": s, "balance": s, "area": s}}}``; a section entry has the per-section
    ``verdict`` and, per indicator, ``cv``, ``mean`` (the county value) and ``cv_result``.
    """
    r = rules if rules is not None else load_rules()
    tol = r["tolerance"]
    weights = r["weights"]
    default_w = weights["default"]

    # group the section rows by school
    schools: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["county_code"], row["school_id"])
        school = schools.get(key)
        if school is None:
            school = schools[key] = {"row": row, "sections": {}}
        school["sections"][row["section"]] = row

    row_status: dict[tuple[str, str, str], str] = {}
    section_status: dict[tuple[str, str], list[str]] = {}
    members: dict[tuple[str, str], list[tuple[float, dict[str, float]]]] = {}
    county_rows: dict[str, list[str]] = {}
    for (county, sid), school in schools.items():
        first = school["row"]
        stype = first["school_type"]
        county_rows.setdefault(county, [])
        table = weights.get(stype, default_w)
        sections = school["sections"]

        def weight(section: str, table: dict[str, float] = table) -> float:
            return float(table.get(section, default_w.get(section, 1.0)))

        total_weighted = sum(weight(sec) * float(row["students"]) for sec, row in sections.items())
        compulsory = sum(float(row["students"]) for sec, row in sections.items() if sec in SECTIONS)
        for sec in SECTIONS:
            row = sections.get(sec)
            if row is None:
                continue
            p = float(row["students"])
            excluded = (
                not p > 0
                or stype == "special_education"
                or (stype == "teaching_point" and compulsory < r["teaching_point_min_students"])
                or (first["ownership"] == "private" and r["exclude_private"])
            )
            if excluded:
                row_status[(county, sid, sec)] = "not_applicable"
                continue
            share = weight(sec) * p / total_weighted

            def amount(field: str, row: dict[str, Any] = row, share: float = share) -> float:
                v = float(row[field])
                return v * share if field in r["apportioned"] else v

            gym = amount("facilities.indoor_gym_area")
            raw = {
                "R1": amount("teachers.above_qualified"),
                "R2": amount("teachers.backbone"),
                "R3": amount("teachers.pe_art"),
                "R4": amount("facilities.teaching_aux_area") - (1 - r["gym_in_floor"]) * gym,
                "R5": amount("facilities.sports_ground_area") + r["gym_in_sports"] * gym,
                "R6": amount("facilities.equipment_value"),
                "R7": amount("facilities.multimedia_classrooms"),
            }
            values = {i: raw[i] / p * (100.0 if r["per_100"][i] else 1.0) for i in INDICATORS}
            met = 0
            floor_ok = True
            for i in INDICATORS:
                thr = r["thresholds"][i][sec]
                if at_least(values[i], thr, tol):
                    met += 1
                if not at_least(values[i], r["floor"] * thr, tol):
                    floor_ok = False
            status = "pass" if met >= r["k"] and floor_ok else "fail"
            row_status[(county, sid, sec)] = status
            county_rows[county].append(status)
            section_status.setdefault((county, sec), []).append(status)
            members.setdefault((county, sec), []).append((p, values))

    sections_out: dict[tuple[str, str], dict[str, Any]] = {}
    for county in county_rows:
        for sec in SECTIONS:
            group = members.get((county, sec), [])
            entry: dict[str, Any] = {"cv": {}, "mean": {}, "cv_result": {}}
            for i in INDICATORS:
                if not group:
                    entry["cv"][i] = entry["mean"][i] = math.nan
                    entry["cv_result"][i] = "not_applicable"
                    continue
                total = sum(p for p, _ in group)
                mean = sum(p * v[i] for p, v in group) / total
                var = sum(p * (v[i] - mean) ** 2 for p, v in group) / total
                cv = math.sqrt(var) / mean if mean != 0 else math.nan
                entry["mean"][i] = mean
                entry["cv"][i] = cv
                if math.isnan(cv):
                    entry["cv_result"][i] = "not_evaluated"
                else:
                    compared = _round_half_up(cv, r["cv_decimals"])
                    entry["cv_result"][i] = "pass" if at_most(compared, r["cv_limit"][sec], tol) else "fail"
            sec_rows = section_status.get((county, sec), [])
            entry["verdict"] = _all3([_all3(sec_rows), *entry["cv_result"].values()]) if group else "not_applicable"
            sections_out[(county, sec)] = entry

    counties: dict[str, dict[str, str]] = {}
    for county, statuses in county_rows.items():
        schools_item = _all3(statuses)
        schools_item = "not_evaluated" if schools_item == "not_applicable" else schools_item
        cv_statuses = [sections_out[(county, s)]["cv_result"][i] for s in SECTIONS for i in INDICATORS]
        balance = _all3(cv_statuses)
        balance = "pass" if balance == "not_applicable" else balance
        counties[county] = {"schools": schools_item, "balance": balance, "area": _all3([schools_item, balance])}
    return {"rows": row_status, "sections": sections_out, "counties": counties}
