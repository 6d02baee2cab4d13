"""Partitioned evaluation on a dask.distributed LocalCluster against one pass in one process, on the same file.

    python benchmarks/dask_speedup.py benchmarks/data/nation.parquet --workers 2 --partitions 8

Timed (median of ``--rounds``, interleaved): one process reading the file and running ``evaluate_many`` + the county
table; and the cluster (started beforehand, as a service would have it) reading the same file, shuffling it by
county (every county in one partition), evaluating each partition and collecting the county rows — and the same
without the shuffle when the file is already split by county (its row groups written per block of whole counties,
as a pipeline that writes partitioned data has it). Checks that the county tables are equal.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def evaluate_partition(part: Any) -> Any:
    import qbalance

    counties, _ = qbalance.evaluate_many(part, "cn-moe-2017").to_pandas()
    return counties


def single(path: str) -> Any:
    import pyarrow.parquet as pq

    import qbalance

    counties, _ = qbalance.evaluate_many(pq.ParquetFile(path).read(), "cn-moe-2017").to_pandas()
    return counties


def by_county_file(path: str, out: Path, parts: int) -> Path:
    """The same table, rows grouped by county, written in ``parts`` files of whole counties."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read()
    codes = table.column("county_code").unique()
    out.mkdir(parents=True, exist_ok=True)
    for k in range(parts):
        chosen = codes.take(list(range(k, len(codes), parts)))
        pq.write_table(table.filter(pc.is_in(table.column("county_code"), chosen)), out / f"part-{k:03d}.parquet")
    return out


def _same(a: Any, b: Any) -> bool:
    """Same columns, rows and values: text exactly, numbers to 1e-12 relative (a shuffle reorders the schools of a
    county, which can move a sum in its last bit)."""
    import numpy as np

    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            if not np.allclose(x.astype(float), y.astype(float), rtol=1e-12, atol=0, equal_nan=True):
                return False
        elif x.tolist() != y.tolist():
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    meta = evaluate_partition(dd.read_parquet(args.input).head(0))
    with (
        tempfile.TemporaryDirectory() as tmp,
        LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        split = by_county_file(args.input, Path(tmp) / "split", args.partitions)

        def shuffled() -> Any:
            ddf = dd.read_parquet(args.input).shuffle(on="county_code", npartitions=args.partitions)
            return ddf.map_partitions(evaluate_partition, meta=meta).compute()

        def presplit() -> Any:
            ddf = dd.read_parquet(str(split))  # one partition per file: whole counties
            return ddf.map_partitions(evaluate_partition, meta=meta).compute()

        client.run(lambda: __import__("qbalance").load_standard("cn-moe-2017"))  # warm workers
        shuffled(), presplit()
        times: dict[str, list[float]] = {"one process": [], "cluster, shuffle": [], "cluster, pre-split": []}
        results: dict[str, Any] = {}
        for _ in range(args.rounds):
            for name, fn in (
                ("one process", lambda: single(args.input)),
                ("cluster, shuffle", shuffled),
                ("cluster, pre-split", presplit),
            ):
                t0 = time.perf_counter()
                results[name] = fn()
                times[name].append(time.perf_counter() - t0)
    base = statistics.median(times["one process"])
    ref = results["one process"].sort_values("county_code").reset_index(drop=True)
    for name, ts in times.items():
        m = statistics.median(ts)
        same = _same(results[name].sort_values("county_code").reset_index(drop=True), ref)
        print(f"{name:<22} {m:7.2f} s   speed-up {base / m:4.2f}×   counties equal to one pass: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
