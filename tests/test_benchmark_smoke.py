"""The benchmark's generator and its two reference implementations, at a tiny size: they must agree with qbalance.

No timing here. This keeps ``benchmarks/reference_python.py`` and ``benchmarks/reference_pandas.py`` honest in CI:
if qbalance, the pack or a reference drifts, the national benchmark would report a disagreement, and so does this.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qbalance

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import make_nation  # noqa: E402
import reference_python  # noqa: E402
import run as bench  # noqa: E402


def _rows(cols: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    names = list(cols)
    lists = [cols[k].tolist() for k in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*lists, strict=True)]


def _qbalance(data: Any) -> dict[str, Any]:
    res = qbalance.evaluate_many(data, "cn-moe-2017")
    return bench.qbalance_common(res.counties(), res.schools())


@pytest.mark.parametrize(("schools", "counties", "seed"), [(300, 5, 1), (1500, 20, 2), (2000, 12, 3)])
def test_qbalance_and_both_references_agree(schools: int, counties: int, seed: int) -> None:
    pd = pytest.importorskip("pandas")
    import reference_pandas

    cols = make_nation.make_nation(schools, counties, seed)
    rules = reference_python.load_rules()
    q = _qbalance(cols)
    py = reference_python.evaluate(_rows(cols), rules)
    pdr = reference_pandas.to_common(reference_pandas.evaluate(pd.DataFrame(cols), rules))
    assert bench.differences(q, py, ("qbalance", "python")) == []
    assert bench.differences(q, pdr, ("qbalance", "pandas")) == []
    assert len(q["counties"]) == counties
    assert len({k[:2] for k in q["rows"]}) == schools


def test_the_generated_nation_has_passing_and_failing_counties_of_both_kinds() -> None:
    cols = make_nation.make_nation(6000, 60, 11)
    q = _qbalance(cols)
    areas = [c["area"] for c in q["counties"].values()]
    assert areas.count("pass") > 0 and areas.count("fail") > 0
    statuses = {(c["schools"], c["balance"]) for c in q["counties"].values()}
    assert ("fail", "pass") in statuses  # a school misses 6-of-7 or the 85% floor
    assert any(b == "fail" for _, b in statuses)  # a CV over the limit
    rows = list(q["rows"].values())
    assert "not_applicable" in rows  # special education, small teaching points, empty sections


def test_generator_is_deterministic_and_valid() -> None:
    a = make_nation.make_nation(400, 6, 5)
    b = make_nation.make_nation(400, 6, 5)
    assert list(a) == list(b) == list(make_nation.COLUMNS)
    for k in a:
        assert a[k].tolist() == b[k].tolist() or np.array_equal(a[k], b[k], equal_nan=True)
    c = make_nation.make_nation(400, 6, 6)
    assert not np.array_equal(a["students"], c["students"])
    assert set(a["school_type"].tolist()) <= set(make_nation.SCHOOL_TYPES)
    res = qbalance.evaluate_many(a)  # no InputError: every generated value is valid
    assert len(res.county_codes) == 6


def test_written_csv_and_parquet_give_the_same_results(tmp_path: Path) -> None:
    cols = make_nation.make_nation(300, 5, 4)
    direct = _qbalance(cols)
    csv_path = make_nation.write_table(cols, tmp_path / "n.csv")
    assert bench.differences(direct, _qbalance(csv_path), ("dict", "csv")) == []
    pytest.importorskip("pyarrow")
    pq_path = make_nation.write_table(cols, tmp_path / "n.parquet")
    assert bench.differences(direct, _qbalance(pq_path), ("dict", "parquet")) == []


def test_the_comparison_catches_a_disagreement() -> None:
    cols = make_nation.make_nation(300, 5, 1)
    q = _qbalance(cols)
    py = reference_python.evaluate(_rows(cols), reference_python.load_rules())
    county, section = next(k for k, v in py["sections"].items() if v["verdict"] != "not_applicable")
    py["sections"][(county, section)]["cv"]["R3"] *= 1 + 1e-6
    found = bench.differences(q, py, ("qbalance", "python"))
    assert len(found) == 1 and "R3 cv" in found[0]


def test_reference_reads_its_parameters_from_the_pack() -> None:
    rules = reference_python.load_rules()
    assert rules["k"] == 6 and rules["floor"] == 0.85
    assert rules["cv_limit"] == {"primary": 0.5, "junior": 0.45}
    assert rules["thresholds"]["R6"] == {"primary": 2000, "junior": 2500}
    assert rules["per_100"] == {"R1": True, "R2": True, "R3": True, "R4": False, "R5": False, "R6": False, "R7": True}
    assert rules["weights"]["default"]["junior"] == 1.1
    assert "facilities.multimedia_classrooms" in rules["apportioned"]
