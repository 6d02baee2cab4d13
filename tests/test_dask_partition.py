"""Counties are independent, so the batch path can run per partition (Dask, Spark, or plain chunks) as long as a
county is never split: the per-partition results, put together, must equal one pass over the whole table.

These are the recipes of docs/performance.md ("Beyond one machine"), run for real.
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

pd = pytest.importorskip("pandas")


def evaluate_partition(part: Any, standard: str = "cn-moe-2017") -> Any:
    """One partition (whole counties) → its per-county result rows, as a DataFrame."""
    if len(part) == 0:
        return _empty_counties(standard)
    counties, _ = qbalance.evaluate_many(part, standard).to_pandas()
    return counties


def _empty_counties(standard: str) -> Any:
    one = pd.DataFrame(make_nation.make_nation(3, 1, 0))
    counties, _ = qbalance.evaluate_many(one, standard).to_pandas()
    return counties.iloc[:0]


def _assert_same(a: Any, b: Any, rtol: float = 0.0) -> None:
    """Same rows (in any order) and values; floats exactly, or to ``rtol`` when the rows of a county were reordered
    (sums of the same numbers in another order can differ in the last bit)."""
    a = a.sort_values("county_code").reset_index(drop=True)
    b = b.sort_values("county_code").reset_index(drop=True)
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind == "f":
            y = y.astype(np.float64)
            same = np.array_equal(x, y, equal_nan=True) if rtol == 0 else np.allclose(x, y, rtol, 0, equal_nan=True)
            assert same, col
        else:
            assert x.tolist() == y.tolist(), col


@pytest.fixture(scope="module")
def nation() -> Any:
    return pd.DataFrame(make_nation.make_nation(1200, 16, 8))


@pytest.fixture(scope="module")
def single_pass(nation: Any) -> Any:
    counties, _ = qbalance.evaluate_many(nation).to_pandas()
    return counties


@pytest.mark.parametrize("k", [1, 3, 7])
def test_pandas_chunks_by_county_equal_one_pass(nation: Any, single_pass: Any, k: int) -> None:
    """What any engine does: split by county into k chunks, evaluate each, concatenate."""
    codes = nation["county_code"].unique()
    chunk_of = {c: i % k for i, c in enumerate(codes)}
    parts = [g for _, g in nation.groupby(nation["county_code"].map(chunk_of), sort=False)]
    combined = pd.concat([evaluate_partition(p) for p in parts], ignore_index=True)
    _assert_same(combined, single_pass)


def test_school_rows_of_a_chunk_equal_one_pass(nation: Any) -> None:
    _, all_schools = qbalance.evaluate_many(nation).to_pandas()
    first = nation["county_code"].unique()[:4]
    _, part_schools = qbalance.evaluate_many(nation[nation["county_code"].isin(first)]).to_pandas()
    expected = all_schools[all_schools["county_code"].isin(first)].reset_index(drop=True)
    for col in expected.columns:
        x, y = expected[col].to_numpy(), part_schools[col].to_numpy()
        assert np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else x.tolist() == y.tolist(), col


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside dask, with pandas 3
def test_dask_map_partitions_by_county_equals_one_pass(nation: Any, single_pass: Any, tmp_path: Path) -> None:
    dd = pytest.importorskip("dask.dataframe")
    pytest.importorskip("pyarrow")
    path = tmp_path / "nation"
    # written in several files that do not follow county boundaries, as a real extract would be
    dd.from_pandas(nation, npartitions=5, sort=False).to_parquet(path)
    ddf = dd.read_parquet(path)
    ddf = ddf.shuffle(on="county_code", npartitions=4)  # every county's rows in exactly one partition
    out = ddf.map_partitions(evaluate_partition, meta=_empty_counties("cn-moe-2017")).compute()
    _assert_same(out, single_pass, rtol=1e-12)  # the shuffle reorders schools within a county


def test_rows_in_any_order_give_the_same_counties(nation: Any, single_pass: Any) -> None:
    """An extract need not be sorted: counties and schools may be interleaved (a repartitioned table is)."""
    shuffled = nation.sample(frac=1.0, random_state=3)
    counties, _ = qbalance.evaluate_many(shuffled).to_pandas()
    _assert_same(counties, single_pass, rtol=1e-12)
