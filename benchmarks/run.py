"""Benchmark qbalance's batch path against two independent reference implementations, and check they agree.

    python benchmarks/make_nation.py            # once: benchmarks/data/nation.parquet (200,000 schools)
    python benchmarks/run.py                    # times, ratios, peak memory, agreement, PASS/MISS per target
    python benchmarks/run.py --quick            # small generated nation, for a smoke run

The table is loaded once; each implementation then gets it in its natural in-memory form (not timed): qbalance the
Arrow table (as ``evaluate_many`` accepts it), pandas a DataFrame, pure Python a list of row dicts. Timed (best of
``--repeat``, ``time.perf_counter``):

* qbalance: ``evaluate_many(table, "cn-moe-2017")`` end to end — loading the pack, validating every cell, building
  the engine table, evaluating every rule of the pack for every county — plus reading out the per-county and
  per-school result tables (``counties()``, ``schools()``);
* the pure-Python reference (``reference_python.py``) and the pandas reference (``reference_pandas.py``), which
  implement the resource rules only.

Agreement (exit status 1 if any): for every county, the resource area and its two items; for every county and
section, the section verdict and each indicator's CV, county value and CV result (floats to 1e-9 relative); for
every school section, the k-of-n result. Also timed, in fresh subprocesses (best of 5): loading and resolving every
shipped pack, and ``qbalance evaluate --demo -f json`` including interpreter start-up.
"""

from __future__ import annotations

import argparse
import gc
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_nation  # noqa: E402
import reference_python  # noqa: E402

SECTIONS = ("primary", "junior")
INDICATORS = reference_python.INDICATORS
REL_TOL = 1e-9
TARGET_END_TO_END_S = 1.0
TARGET_SPEEDUP_VS_PYTHON = 50.0
TARGET_PACKS_S = 0.200
TARGET_CLI_S = 0.5


# -- running -------------------------------------------------------------------------------------------------------


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs, and the result of the last run."""
    best = math.inf
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def peak_memory(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated (tracemalloc: Python objects and numpy buffers) while running ``fn`` once."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run_qbalance(table: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    import qbalance

    res = qbalance.evaluate_many(table, "cn-moe-2017")
    return res.counties(), res.schools()


def run_pandas(df: Any, rules: dict[str, Any]) -> Any:
    import reference_pandas

    return reference_pandas.evaluate(df, rules)


# -- agreement -----------------------------------------------------------------------------------------------------


def _all3(statuses: list[str]) -> str:
    return reference_python._all3(statuses)


def qbalance_common(counties: dict[str, Any], schools: dict[str, Any]) -> dict[str, Any]:
    """qbalance's batch tables in the dict form of ``reference_python.evaluate``."""
    rows: dict[tuple[str, str, str], str] = {}
    by_section: dict[tuple[str, str], list[str]] = {}
    for c, s, sec, st in zip(
        schools["county_code"].tolist(),
        schools["school_id"].tolist(),
        schools["section"].tolist(),
        schools["item.resource_schools"].tolist(),
        strict=True,
    ):
        rows[(c, s, sec)] = st
        by_section.setdefault((c, sec), []).append(st)
    sections: dict[tuple[str, str], dict[str, Any]] = {}
    codes = counties["county_code"].tolist()
    for sec in SECTIONS:
        cols = {
            (i, what): counties[f"{i}.{sec}.{what}"].tolist()
            for i in INDICATORS
            for what in ("cv", "county_value", "cv_result")
        }
        for k, c in enumerate(codes):
            entry: dict[str, Any] = {
                "cv": {i: cols[(i, "cv")][k] for i in INDICATORS},
                "mean": {i: cols[(i, "county_value")][k] for i in INDICATORS},
                "cv_result": {i: cols[(i, "cv_result")][k] for i in INDICATORS},
            }
            rows_status = _all3(by_section.get((c, sec), []))
            if rows_status == "not_applicable":
                entry["verdict"] = "not_applicable"
            else:
                entry["verdict"] = _all3([rows_status, *entry["cv_result"].values()])
            sections[(c, sec)] = entry
    out_counties = {
        c: {"schools": a, "balance": b, "area": v}
        for c, a, b, v in zip(
            codes,
            counties["item.resource_schools"].tolist(),
            counties["item.resource_balance"].tolist(),
            counties["area.resource"].tolist(),
            strict=True,
        )
    }
    return {"rows": rows, "sections": sections, "counties": out_counties}


_EMPTY_SECTION = {
    "verdict": "not_applicable",
    "cv": dict.fromkeys(INDICATORS, math.nan),
    "mean": dict.fromkeys(INDICATORS, math.nan),
    "cv_result": dict.fromkeys(INDICATORS, "not_applicable"),
}


def _same_float(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)


def differences(a: dict[str, Any], b: dict[str, Any], names: tuple[str, str], limit: int = 10) -> list[str]:
    """Every disagreement between two results (the first ``limit`` described); [] if they agree."""
    out: list[str] = []
    na, nb = names
    for key in sorted(set(a["counties"]) | set(b["counties"])):
        ca, cb = a["counties"].get(key), b["counties"].get(key)
        if ca != cb:
            out.append(f"county {key}: {na} {ca} vs {nb} {cb}")
    for key in sorted(set(a["sections"]) | set(b["sections"])):
        sa, sb = a["sections"].get(key, _EMPTY_SECTION), b["sections"].get(key, _EMPTY_SECTION)
        if sa["verdict"] != sb["verdict"]:
            out.append(f"{key} verdict: {na} {sa['verdict']} vs {nb} {sb['verdict']}")
        for i in INDICATORS:
            if sa["cv_result"][i] != sb["cv_result"][i]:
                out.append(f"{key} {i} CV result: {na} {sa['cv_result'][i]} vs {nb} {sb['cv_result'][i]}")
            for what in ("cv", "mean"):
                if not _same_float(float(sa[what][i]), float(sb[what][i])):
                    out.append(f"{key} {i} {what}: {na} {sa[what][i]!r} vs {nb} {sb[what][i]!r}")
    for key in sorted(set(a["rows"]) | set(b["rows"])):
        ra, rb = a["rows"].get(key, "not_applicable"), b["rows"].get(key, "not_applicable")
        if ra != rb:
            out.append(f"school section {key}: {na} {ra} vs {nb} {rb}")
    if len(out) > limit:
        out = [*out[:limit], f"... and {len(out) - limit} more"]
    return out


def summary(common: dict[str, Any]) -> str:
    area = [c["area"] for c in common["counties"].values()]
    secs = [s["verdict"] for s in common["sections"].values()]
    cv_fail = sum(1 for s in common["sections"].values() if "fail" in s["cv_result"].values())
    return (
        f"resource area: {area.count('pass')} pass / {area.count('fail')} fail / "
        f"{area.count('not_evaluated')} not evaluated of {len(area)} counties; "
        f"county sections: {secs.count('pass')} pass / {secs.count('fail')} fail "
        f"({cv_fail} with a CV over the limit)"
    )


# -- start-up timings ----------------------------------------------------------------------------------------------

_PACKS_SNIPPET = """
import time
t0 = time.perf_counter()
import qbalance
from qbalance._packs.catalogue import list_packs
import qbalance._api.standard, qbalance._report.model  # the modules load_standard needs
t1 = time.perf_counter()
ids = [e.id for e in list_packs()]
for pack_id in ids:
    qbalance.load_standard(pack_id)
t2 = time.perf_counter()
print(t2 - t1, t2 - t0, len(ids))
"""


def time_packs(repeat: int = 5) -> tuple[float, float, int]:
    """Finding, loading, resolving and compiling every shipped pack in a fresh interpreter: the time after the
    package's imports, and the time including them (interpreter start-up excluded)."""
    best, best_total, n = math.inf, math.inf, 0
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _PACKS_SNIPPET], capture_output=True, text=True, check=True)
        t, total, n_text = out.stdout.split()
        best, best_total, n = min(best, float(t)), min(best_total, float(total)), int(n_text)
    return best, best_total, n


def time_cli(repeat: int = 5) -> float:
    """``qbalance evaluate --demo -f json`` as a user runs it: a new process, interpreter start-up included."""
    exe = Path(sys.executable).parent / "qbalance"
    cmd = [str(exe)] if exe.exists() else [shutil.which("qbalance") or "qbalance"]
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run([*cmd, "evaluate", "--demo", "-f", "json"], capture_output=True, check=False)
        best = min(best, time.perf_counter() - t0)
        if proc.returncode not in (0, 1, 3):
            raise RuntimeError(f"qbalance evaluate --demo failed ({proc.returncode}): {proc.stderr.decode()[:500]}")
    return best


# -- main ----------------------------------------------------------------------------------------------------------


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def _line(ok: bool, text: str) -> str:
    return f"{'PASS' if ok else 'MISS'}  {text}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark qbalance.evaluate_many against pure-Python and pandas")
    ap.add_argument("--input", default=str(HERE / "data" / "nation.parquet"), help="table from make_nation.py")
    ap.add_argument("--schools", type=int, help="generate a nation of this many schools instead of --input")
    ap.add_argument("--counties", type=int, help="counties of the generated nation")
    ap.add_argument("--quick", action="store_true", help="small generated nation (5,000 schools), smoke run")
    ap.add_argument("--repeat", type=int, default=5, help="runs per implementation; the best is reported")
    ap.add_argument("--python-repeat", type=int, default=2, help="runs of the (slow) pure-Python reference")
    ap.add_argument("--no-memory", action="store_true", help="skip the (slower) tracemalloc peak-memory runs")
    ap.add_argument("--no-startup", action="store_true", help="skip the pack-loading and CLI subprocess timings")
    args = ap.parse_args(argv)

    import pyarrow as pa
    import pyarrow.parquet as pq

    if args.quick and args.schools is None:
        args.schools, args.counties = 5_000, args.counties or 70
    if args.schools is not None:
        counties = args.counties or max(
            1, round(args.schools * make_nation.DEFAULT_COUNTIES / make_nation.DEFAULT_SCHOOLS)
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = make_nation.write_table(make_nation.make_nation(args.schools, counties), Path(tmp) / "n.parquet")
            table = pq.read_table(path)
        source = f"generated: {args.schools:,} schools in {counties:,} counties"
    else:
        path = Path(args.input)
        if not path.exists():
            print(f"{path} not found: run  python benchmarks/make_nation.py  first (or use --quick)", file=sys.stderr)
            return 2
        table = pq.read_table(path)
        source = str(path)
    assert isinstance(table, pa.Table)
    df = table.to_pandas()
    rules = reference_python.load_rules()
    codes, ids = table.column("county_code").to_pylist(), table.column("school_id").to_pylist()
    n_schools = len(set(zip(codes, ids, strict=True)))
    n_counties = len(set(table.column("county_code").to_pylist()))
    print(f"input: {source} — {n_schools:,} schools, {table.num_rows:,} section rows, {n_counties:,} counties")

    import qbalance

    qbalance.load_standard("cn-moe-2017")  # warm the imports, as in any long-running process
    gc.collect()
    gc.freeze()  # the inputs are long-lived: keep the collector from re-scanning them during the timed runs
    t_qb, (qc, qs) = best_of(lambda: run_qbalance(table), args.repeat)
    std = qbalance.load_standard("cn-moe-2017")
    t_core, _ = best_of(lambda: qbalance.evaluate_many(table, std), args.repeat)
    t_pd, pd_out = best_of(lambda: run_pandas(df, rules), args.repeat)
    t_rows, rows = best_of(table.to_pylist, args.python_repeat)  # what pure Python needs first: rows from the table
    gc.collect()
    gc.freeze()
    t_py, py_out = best_of(lambda: reference_python.evaluate(rows, rules), args.python_repeat)

    print()
    print(
        f"qbalance.evaluate_many, end to end     {t_qb * 1e3:9.1f} ms   (pack loaded beforehand: {t_core * 1e3:.1f} ms)"
    )
    print(f"pandas reference (groupby)             {t_pd * 1e3:9.1f} ms   qbalance is {t_pd / t_qb:5.1f}× faster")
    print(f"pure-Python reference (dicts, loops)   {t_py * 1e3:9.1f} ms   qbalance is {t_py / t_qb:5.1f}× faster")
    print(
        f"  … with the table turned into rows     {(t_py + t_rows) * 1e3:9.1f} ms   qbalance is "
        f"{(t_py + t_rows) / t_qb:5.1f}× faster (same input as qbalance)"
    )

    if not args.no_memory:
        m_qb = peak_memory(lambda: run_qbalance(table))
        m_pd = peak_memory(lambda: run_pandas(df, rules))
        m_py = peak_memory(lambda: reference_python.evaluate(rows, rules))
        print(f"peak memory allocated (tracemalloc): qbalance {_mb(m_qb)}, pandas {_mb(m_pd)}, pure Python {_mb(m_py)}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    print(f"peak resident set of this process (all three, inputs included): {_mb(rss)}")

    import reference_pandas

    q_common = qbalance_common(qc, qs)
    pd_common = reference_pandas.to_common(pd_out)
    print()
    print(summary(q_common))
    problems = differences(q_common, py_out, ("qbalance", "python")) + differences(
        q_common, pd_common, ("qbalance", "pandas")
    )
    n_checks = len(q_common["counties"]) * 3 + len(q_common["sections"]) * (1 + 3 * len(INDICATORS))
    n_checks += len(q_common["rows"])
    if problems:
        print("DISAGREEMENT:")
        for p in problems:
            print("  " + p)
    else:
        print(f"agreement: qbalance = pure Python = pandas on all {n_checks:,} compared values")

    print()
    results = [
        _line(
            t_qb <= TARGET_END_TO_END_S, f"end to end, {n_schools:,} schools ≤ {TARGET_END_TO_END_S:g} s: {t_qb:.3f} s"
        ),
        _line(
            t_py / t_qb >= TARGET_SPEEDUP_VS_PYTHON,
            f"≥ {TARGET_SPEEDUP_VS_PYTHON:g}× faster than pure Python: {t_py / t_qb:.1f}×",
        ),
    ]
    if not args.no_startup:
        t_packs, t_packs_imports, n_packs = time_packs()
        t_cli = time_cli()
        results.append(
            _line(
                t_packs <= TARGET_PACKS_S,
                f"load + resolve all {n_packs} shipped packs ≤ {TARGET_PACKS_S * 1e3:g} ms: {t_packs * 1e3:.0f} ms "
                f"(with the package's imports in a fresh interpreter: {t_packs_imports * 1e3:.0f} ms)",
            )
        )
        results.append(
            _line(t_cli <= TARGET_CLI_S, f"qbalance evaluate --demo -f json ≤ {TARGET_CLI_S:g} s: {t_cli:.3f} s")
        )
    results.append(_line(not problems, "all three implementations agree"))
    if args.schools is not None and args.schools < make_nation.DEFAULT_SCHOOLS:
        results.append("note: not the national size; the time targets are for 200,000 schools")
    for line in results:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
