"""Counties are independent, so the batch path can run per partition (Dask, Spark, or plain chunks) as long as a
county is never split: the per-partition results, put together, must equal one pass over the whole table.

These are the recipes of docs/performance.md ("Beyond one machine"), run for real.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qbalance

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
SRC = Path(__file__).resolve().parent.parent / "src"
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


def _documented_dask_recipe() -> str:
    """The Dask code block of docs/performance.md, exactly as a reader copies it."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "performance.md").read_text(encoding="utf-8")
    section = text[text.index("### Dask") : text.index("### Spark")]
    return section[
        section.index("```python\n") + len("```python\n") : section.index("\n```", section.index("```python"))
    ]


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_the_documented_dask_recipe_on_a_local_cluster_equals_one_pass(
    nation: Any, single_pass: Any, tmp_path: Path
) -> None:
    """The recipe runs as written — processes on a dask.distributed LocalCluster, a shuffled frame whose first rows
    end in the middle of a county — and gives what one pass over the whole table gives."""
    dd = pytest.importorskip("dask.dataframe")
    pytest.importorskip("distributed")
    pytest.importorskip("pyarrow")
    data = tmp_path / "nation"
    dd.from_pandas(nation, npartitions=5, sort=False).to_parquet(data)  # files that cut across counties
    recipe = _documented_dask_recipe()
    assert 'dd.read_parquet("nation/")' in recipe and 'result.to_parquet("counties.parquet")' in recipe
    assert "ddf.head(0)" in recipe and "LocalCluster" in recipe
    script = tmp_path / "recipe.py"
    script.write_text(recipe, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    run = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = pd.read_parquet(tmp_path / "counties.parquet").reset_index(drop=True)
    _assert_same(out, single_pass, rtol=1e-12)  # the shuffle reorders schools within a county


def test_a_table_with_no_rows_gives_every_column_and_no_rows() -> None:
    empty = _empty_counties("cn-moe-2017")
    counties, schools = qbalance.evaluate_many(pd.DataFrame(make_nation.make_nation(3, 1, 0)).iloc[:0]).to_pandas()
    assert len(counties) == 0 and len(schools) == 0
    assert list(counties.columns) == list(empty.columns)
    assert list(counties.dtypes) == list(evaluate_partition(pd.DataFrame(make_nation.make_nation(30, 2, 1))).dtypes)
