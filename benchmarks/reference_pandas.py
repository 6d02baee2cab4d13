"""The cn-moe-2017 resource rules with pandas groupby: the same rules as ``reference_python.py``, vectorised.

Independent of qbalance (no qbalance import). Rule parameters come from the pack file through
:func:`reference_python.load_rules` (``yaml.safe_load``); the formulas are written out by hand, as there. This is
what a competent analyst would write with pandas: one frame of section rows, ``groupby(...).transform`` for the
per-school apportionment and scope, and ``groupby(["county_code", "section"])`` sums for the weighted CVs.

:func:`evaluate` returns three DataFrames (rows, county×section×indicator, counties); :func:`to_common` turns them
into the dict form of ``reference_python.evaluate`` for comparison (not part of the timed work).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

try:
    from reference_python import INDICATORS, SECTIONS, load_rules
except ImportError:  # imported as benchmarks.reference_pandas
    from .reference_python import INDICATORS, SECTIONS, load_rules

__all__ = ["evaluate", "to_common"]

TEACHERS = {"R1": "teachers.above_qualified", "R2": "teachers.backbone", "R3": "teachers.pe_art"}


def _at_least(a: Any, b: Any, tol: float) -> Any:
    return (a >= b) | ((a - b).abs() <= tol * np.maximum(a.abs(), np.abs(b)))


def _all3(frame: pd.DataFrame, by: list[str], col: str) -> pd.Series:
    """Three-valued AND of a status column within groups (not_applicable ignored; none left → not_applicable)."""
    s = frame[col]
    flags = pd.DataFrame(
        {
            "fail": s.eq("fail"),
            "unknown": s.eq("not_evaluated"),
            "known": s.ne("not_applicable"),
        }
    )
    for b in by:
        flags[b] = frame[b].to_numpy()
    g = flags.groupby(by, sort=False)[["fail", "unknown", "known"]].any()
    out = np.where(g["fail"], "fail", np.where(g["unknown"], "not_evaluated", "pass"))
    out = np.where(g["known"], out, "not_applicable")
    return pd.Series(out, index=g.index)


def evaluate(df: pd.DataFrame, rules: dict[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """Evaluate the resource rules for every county in ``df`` (long format, one row per school section)."""
    r = rules if rules is not None else load_rules()
    tol = r["tolerance"]
    weights = r["weights"]
    d = df[
        [
            "county_code",
            "school_id",
            "school_type",
            "ownership",
            "section",
            "students",
            *TEACHERS.values(),
            "facilities.teaching_aux_area",
            "facilities.indoor_gym_area",
            "facilities.sports_ground_area",
            "facilities.equipment_value",
            "facilities.multimedia_classrooms",
        ]
    ].copy()
    d["students"] = d["students"].astype("float64")

    # apportionment weights by (school type, section)
    wtab = pd.DataFrame(
        [
            (t, s, float(weights.get(t, weights["default"]).get(s, weights["default"].get(s, 1.0))))
            for t in d["school_type"].unique()
            for s in ("primary", "junior", "senior")
        ],
        columns=["school_type", "section", "w"],
    )
    d = d.merge(wtab, on=["school_type", "section"], how="left", sort=False)
    d["wp"] = d["w"] * d["students"]
    school = [d["county_code"], d["school_id"]]
    d["share"] = d["wp"] / d.groupby(school, sort=False)["wp"].transform("sum")
    compulsory = d["students"].where(d["section"].isin(SECTIONS), 0.0)
    d["compulsory"] = compulsory.groupby(school, sort=False).transform("sum")

    e = d[d["section"].isin(SECTIONS)].copy()
    in_scope = (
        (e["students"] > 0)
        & (e["school_type"] != "special_education")
        & ~((e["school_type"] == "teaching_point") & (e["compulsory"] < r["teaching_point_min_students"]))
    )
    if r["exclude_private"]:
        in_scope &= e["ownership"] != "private"

    def amount(field: str) -> pd.Series:
        return e[field] * e["share"] if field in r["apportioned"] else e[field]

    gym = amount("facilities.indoor_gym_area")
    raw = {i: amount(f) for i, f in TEACHERS.items()}
    raw["R4"] = amount("facilities.teaching_aux_area") - (1 - r["gym_in_floor"]) * gym
    raw["R5"] = amount("facilities.sports_ground_area") + r["gym_in_sports"] * gym
    raw["R6"] = amount("facilities.equipment_value")
    raw["R7"] = amount("facilities.multimedia_classrooms")
    met = pd.DataFrame(index=e.index)
    floor_ok = pd.DataFrame(index=e.index)
    for i in INDICATORS:
        e[i] = raw[i] / e["students"] * (100.0 if r["per_100"][i] else 1.0)
        thr = e["section"].map(r["thresholds"][i]).astype("float64")
        met[i] = _at_least(e[i], thr, tol)
        floor_ok[i] = _at_least(e[i], r["floor"] * thr, tol)
    ok = (met.sum(axis=1) >= r["k"]) & floor_ok.all(axis=1)
    e["status"] = np.where(in_scope, np.where(ok, "pass", "fail"), "not_applicable")

    # weighted population CV per county × section × indicator
    s = e[in_scope]
    keys = ["county_code", "section"]
    p = s["students"]
    sums = pd.DataFrame({"county_code": s["county_code"], "section": s["section"], "p": p})
    for i in INDICATORS:
        sums[f"px.{i}"] = p * s[i]
    g = sums.groupby(keys, sort=False)
    total = g["p"].sum()
    means = g[[f"px.{i}" for i in INDICATORS]].sum().div(total, axis=0)
    means.columns = list(INDICATORS)
    dev = pd.DataFrame({"county_code": s["county_code"], "section": s["section"]})
    m_rows = means.reindex(pd.MultiIndex.from_frame(s[keys]))
    for i in INDICATORS:
        dev[i] = p.to_numpy() * (s[i].to_numpy() - m_rows[i].to_numpy()) ** 2
    var = dev.groupby(keys, sort=False)[list(INDICATORS)].sum().div(total, axis=0)
    cv = np.sqrt(var) / means.where(means != 0)
    long = cv.stack().rename("cv").to_frame()
    long["mean"] = means.stack()
    long.index.names = ["county_code", "section", "indicator"]
    long = long.reset_index()
    limit = long["section"].map(r["cv_limit"]).astype("float64")
    compared = long["cv"]
    if r["cv_decimals"] is not None:
        scale = 10.0 ** r["cv_decimals"]
        compared = np.floor((compared * scale).round(6) + 0.5) / scale
    le = (compared <= limit) | ((compared - limit).abs() <= tol * np.maximum(compared.abs(), limit.abs()))
    long["cv_result"] = np.where(long["cv"].isna(), "not_evaluated", np.where(le, "pass", "fail"))

    # per county × section verdict, and per county items
    sec_rows = _all3(e, keys, "status").rename("rows")
    sec_cv = _all3(long, keys, "cv_result").rename("cvs")
    sec = pd.concat([sec_rows, sec_cv], axis=1).reset_index()
    sec["cvs"] = sec["cvs"].fillna("not_applicable")
    both = pd.concat(
        [
            sec[keys].assign(status=sec["rows"]),
            sec[keys].assign(status=sec["cvs"]),
        ]
    )
    verdict = _all3(both, keys, "status").rename("verdict").reset_index()

    counties = pd.DataFrame(index=pd.Index(d["county_code"].unique(), name="county_code"))
    schools_item = _all3(e, ["county_code"], "status").reindex(counties.index).fillna("not_applicable")
    counties["schools"] = schools_item.replace("not_applicable", "not_evaluated")
    balance = _all3(long, ["county_code"], "cv_result").reindex(counties.index).fillna("not_applicable")
    counties["balance"] = balance.replace("not_applicable", "pass")
    area = pd.concat(
        [
            counties["schools"].rename("status").reset_index(),
            counties["balance"].rename("status").reset_index(),
        ]
    )
    counties["area"] = _all3(area, ["county_code"], "status").reindex(counties.index)
    rows = e[["county_code", "school_id", "section", "status"]]
    return {"rows": rows, "indicators": long, "sections": verdict, "counties": counties.reset_index()}


def to_common(out: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The result in the dict form of ``reference_python.evaluate``."""
    rows = {
        (c, s, sec): st
        for c, s, sec, st in out["rows"][["county_code", "school_id", "section", "status"]].itertuples(index=False)
    }
    sections: dict[tuple[str, str], dict[str, Any]] = {}
    for c, sec, v in out["sections"][["county_code", "section", "verdict"]].itertuples(index=False):
        sections[(c, sec)] = {"verdict": v, "cv": {}, "mean": {}, "cv_result": {}}
    for c, sec, i, cv, mean, res in out["indicators"][
        ["county_code", "section", "indicator", "cv", "mean", "cv_result"]
    ].itertuples(index=False):
        entry = sections[(c, sec)]
        entry["cv"][i], entry["mean"][i], entry["cv_result"][i] = float(cv), float(mean), res
    counties = {
        c: {"schools": a, "balance": b, "area": v}
        for c, a, b, v in out["counties"][["county_code", "schools", "balance", "area"]].itertuples(index=False)
    }
    return {"rows": rows, "sections": sections, "counties": counties}
