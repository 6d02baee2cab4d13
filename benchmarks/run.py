"""Benchmark qbalance against its limit — the same job written by hand (``hand_kernel.py``) — in interleaved rounds.

    python benchmarks/make_nation.py            # once: benchmarks/data/nation.parquet (200,000 schools)
    python benchmarks/run.py                    # ratios against their targets, scaling to 2M rows, agreement
    python benchmarks/run.py --scale-max 20000000   # the scaling table up to 20M rows (generated once, ~3 min)
    python benchmarks/run.py --quick            # a small nation and small sizes: a smoke run (the tests run it)

Every line is a ratio of medians of interleaved rounds (A, B, A, B …: both sides see the same load of a shared
machine), printed with its target and PASS or MISS:

* engine — ``Standard.run`` on the engine table already built, against :func:`hand_kernel.kernel` (and the other
  items' statuses) on the hand kernel's prepared arrays: the same rows, in memory, nothing read or checked;
* end to end from an Arrow table — ``evaluate_many(table, "cn-moe-2017")`` and its result tables (``counties()``,
  ``schools()``), against the hand kernel's rules, :func:`hand_kernel.prepare` (every check), kernel and tables;
* CLI Parquet → Parquet — ``qbalance evaluate-batch IN -o OUT -f parquet`` against ``python hand_kernel.py IN -o
  OUT``, each a whole new process;
* one county — ``qbalance.evaluate(demo_path())`` per call in a warm process (an absolute target);
* ``qbalance evaluate --demo`` as a whole process against ``python -c "import numpy"``.

The pandas and pure-Python references (the resource area only) are timed as context, not judged. Agreement (exit
status 1 if any value differs): qbalance and the hand kernel on every column of both result tables (numbers to 1e-9
relative, 1e-12 absolute; text exactly); qbalance and both references on every value they compute.

The scaling table evaluates a generated nation of 200k, 2M (and with ``--scale-max``, 20M) section rows end to end
from an Arrow table, each size in a child process: the median time, µs per row, and the peak memory of the
evaluation — the child's resident set high-water mark (Linux ``VmHWM``, reset through ``/proc/self/clear_refs``
after the input is read), less its resident set before. Judged: µs per row flat within 20% from the smallest to
the largest size, and at most 0.5 MiB per 1,000 rows.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path.insert(0, str(HERE))

hand_kernel = importlib.import_module("hand_kernel")
make_nation = importlib.import_module("make_nation")
reference_python = importlib.import_module("reference_python")

SECTIONS = ("primary", "junior")
INDICATORS = reference_python.INDICATORS
REL_TOL = 1e-9
TARGETS = {"engine": 1.5, "end_to_end": 2.0, "cli": 1.2, "county_ms": 10.0, "demo": 2.5}
FLAT, MIB_PER_1000 = 1.20, 0.5
SCALE_SIZES = (200_000, 2_000_000, 20_000_000)
QUICK_SIZES = (2_000, 20_000)


# -- timing --------------------------------------------------------------------------------------------------------


def interleaved(fns: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    """Run every function once per round, in turn (A, B, A, B …); the wall times of each."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def _med(xs: list[float]) -> float:
    return statistics.median(xs)


def _judge(ratio: float, target: float) -> str:
    return "PASS" if ratio <= target else "MISS"


def _ratio_line(what: str, a: list[float], b: list[float], target: float, unit: float = 1e3) -> tuple[str, bool]:
    ma, mb = _med(a), _med(b)
    ratio = ma / mb
    u = "ms" if unit == 1e3 else "s"
    line = (
        f"{_judge(ratio, target)}  {what:<44} {ma * unit:9.1f} {u} vs {mb * unit:8.1f} {u}   "
        f"{ratio:5.2f}× (target ≤ {target:g}×)"
    )
    return line, ratio <= target


_PYCACHE = Path(tempfile.gettempdir()) / "qbalance-bench-pycache"


def _process(cmd: list[str]) -> Callable[[], None]:
    """A command run as a new process, with the bytecode of every module it imports cached (in a directory of its
    own, ``PYTHONPYCACHEPREFIX``), as an installed package has it: with ``PYTHONDONTWRITEBYTECODE`` set, as on some
    machines, qbalance run from the source tree would otherwise compile its modules again at every start while
    numpy, installed by pip, starts from bytecode — a difference of installation, not of qbalance."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(_PYCACHE)

    def run() -> None:
        proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
        if proc.returncode not in (0, 1, 3):
            raise RuntimeError(f"{cmd[:4]} failed ({proc.returncode}): {proc.stderr.decode()[-800:]}")

    return run


QBALANCE_MAIN = "import sys\nfrom qbalance._cli.main import main\nsys.exit(main(sys.argv[1:]))"


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


# -- qbalance against the hand kernel --------------------------------------------------------------------------------


def table_differences(q: dict[str, Any], h: Any) -> list[str]:
    """Every column of qbalance's result table ``q`` that differs from the hand kernel's Arrow table ``h``: names
    and order, lengths, text exactly, numbers to 1e-9 relative and 1e-12 absolute (summation order)."""
    import numpy as np

    out = []
    if list(q) != h.column_names:
        out.append(f"column names or order differ: {sorted(set(q) ^ set(h.column_names))}")
    for name in q:
        if name not in h.column_names:
            continue
        a, b = np.asarray(q[name]), np.asarray(h.column(name).to_numpy(zero_copy_only=False))
        if a.shape != b.shape:
            out.append(f"{name}: {a.shape[0]:,} vs {b.shape[0]:,} rows")
        elif a.dtype.kind == "f" or b.dtype.kind == "f":
            if not np.allclose(a.astype(float), b.astype(float), rtol=REL_TOL, atol=1e-12, equal_nan=True):
                out.append(f"{name}: numbers differ")
        elif a.tolist() != b.tolist():
            out.append(f"{name}: values differ")
    return out


def hand_job(table: Any) -> Any:
    """The hand kernel's whole job from an Arrow table: rules, prepare (every check), kernel, result tables."""
    rules = hand_kernel.load_rules()
    prepared = hand_kernel.prepare(table)
    return hand_kernel.tables(prepared, hand_kernel.kernel(prepared.x, rules), rules)


def qbalance_job(table: Any) -> Any:
    import qbalance

    res = qbalance.evaluate_many(table, "cn-moe-2017")
    return res.counties(), res.schools()


def measure_core(table: Any, rounds: int) -> tuple[list[str], list[str], Any]:
    """Engine and end-to-end ratios; the disagreements of qbalance and the hand kernel; qbalance's result."""
    import qbalance

    std = qbalance.load_standard("cn-moe-2017")
    rules = hand_kernel.load_rules()
    res = qbalance.evaluate_many(table, std)
    x = hand_kernel.prepare(table).x
    gc.collect()
    t = interleaved(
        {
            "qb": lambda: std.run(res.table),
            "hand": lambda: (hand_kernel.kernel(x, rules), hand_kernel._other_items(x, rules)),
        },
        rounds,
    )
    lines = [_ratio_line("engine, same rows in memory", t["qb"], t["hand"], TARGETS["engine"])[0]]
    t = interleaved({"qb": lambda: qbalance_job(table), "hand": lambda: hand_job(table)}, rounds)
    lines.append(_ratio_line("end to end from an Arrow table", t["qb"], t["hand"], TARGETS["end_to_end"])[0])
    hc, hs = hand_job(table)
    problems = table_differences(res.counties(), hc) + table_differences(res.schools(), hs)
    return lines, problems, res


def measure_processes(path: Path, rounds: int) -> list[str]:
    """The CLI on the nation, against the hand CLI; ``qbalance evaluate --demo`` against importing numpy."""
    py = sys.executable
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        cli = _process([py, "-c", QBALANCE_MAIN, "evaluate-batch", str(path), "-o", f"{tmp}/q", "-f", "parquet"])
        hand = _process([py, str(HERE / "hand_kernel.py"), str(path), "-o", f"{tmp}/h"])
        demo = _process([py, "-c", QBALANCE_MAIN, "evaluate", "--demo"])
        demo()  # a first run writes the bytecode every later run starts from (see _process)
        t = interleaved({"qb": cli, "hand": hand}, rounds)
    lines.append(_ratio_line("CLI Parquet → Parquet (whole process)", t["qb"], t["hand"], TARGETS["cli"], 1)[0])
    libraries = _process([py, "-c", "import numpy, pydantic, yaml"])
    models = _process([py, "-c", "import numpy, pydantic, yaml, qbalance._data.models"])
    starts = {"qb": demo, "numpy": _process([py, "-c", "import numpy"]), "libs": libraries, "models": models}
    t = interleaved(starts, max(rounds, 5))
    what = 'evaluate --demo vs python -c "import numpy"'
    lines.append(_ratio_line(what, t["qb"], t["numpy"], TARGETS["demo"])[0])
    lines.append(_floor_line("importing numpy, pydantic and yaml alone", t["libs"], t["numpy"], "libraries only"))
    lines.append(_floor_line("… and qbalance's pydantic county models", t["models"], t["numpy"], "no pack, no county"))
    composing = _compose_ms()
    with_yaml = [x + composing / 1e3 for x in t["models"]]
    lines.append(_floor_line("… and libyaml composing pack and county", with_yaml, t["numpy"], "nothing checked yet"))
    return lines


def _compose_ms() -> float:
    """What libyaml takes to compose the files ``evaluate --demo`` reads — the national pack and the demo county —
    warm, in this process (the least of 20 tries each: a lower bound of what a new process spends on them)."""
    import yaml

    import qbalance

    total = 0.0
    for path in (*qbalance.load_standard("cn-moe-2017").files, qbalance.demo_path()):
        raw = Path(path).read_bytes()
        tries = []
        for _ in range(20):
            t0 = time.perf_counter()
            yaml.compose(raw, Loader=yaml.CSafeLoader)
            tries.append(time.perf_counter() - t0)
        total += min(tries) * 1e3
    return total


def _floor_line(what: str, a: list[float], b: list[float], note: str) -> str:
    """Context for a judged line: what the libraries qbalance stands on cost by themselves, and with the models every
    county is validated by (the mission's pydantic models) built — before any pack is read or county evaluated."""
    ma, mb = _med(a), _med(b)
    return f"floor    {what:<44} {ma * 1e3:9.1f} ms vs {mb * 1e3:8.1f} ms   {ma / mb:5.2f}× ({note})"


def measure_county(calls: int) -> str:
    """``evaluate(path)`` of the demo county, per call, in a warm process (the median of ``calls``)."""
    import yaml

    import qbalance

    demo = qbalance.demo_path()
    raw = demo.read_bytes()
    qbalance.evaluate(demo)
    t = interleaved(
        {"county": lambda: qbalance.evaluate(demo), "yaml": lambda: yaml.compose(raw, Loader=yaml.CSafeLoader)}, calls
    )
    per, floor = _med(t["county"]) * 1e3, _med(t["yaml"]) * 1e3
    target = TARGETS["county_ms"]
    what, parse = "one county, evaluate(demo_path()) warm", "libyaml composing the demo file alone"
    return (
        f"{_judge(per, target)}  {what:<44} {per:9.1f} ms per call (target ≤ {target:g} ms)\n"
        f"floor    {parse:<44} {floor:9.1f} ms per call (no values made, nothing checked)"
    )


def measure_references(table: Any, q_result: Any, rounds: int) -> tuple[list[str], list[str]]:
    """The pandas and pure-Python references (the resource area only), as context; their disagreements."""
    import reference_pandas

    rules = reference_python.load_rules()
    df = table.to_pandas()
    rows = table.to_pylist()
    t = interleaved(
        {
            "qb": lambda: qbalance_job(table),
            "pandas": lambda: reference_pandas.evaluate(df, rules),
            "python": lambda: reference_python.evaluate(rows, rules),
        },
        rounds,
    )
    q = _med(t["qb"])
    lines = [
        f"context  {name:<44} {_med(t[key]) * 1e3:9.1f} ms   qbalance end to end is {_med(t[key]) / q:5.2f}× faster"
        for key, name in (
            ("pandas", "pandas reference (resource area, groupby)"),
            ("python", "pure-Python reference (resource area, rows)"),
        )
    ]
    common = qbalance_common(q_result.counties(), q_result.schools())
    pd_common = reference_pandas.to_common(reference_pandas.evaluate(df, rules))
    py_common = reference_python.evaluate(rows, rules)
    problems = differences(common, py_common, ("qbalance", "python")) + differences(
        common, pd_common, ("qbalance", "pandas")
    )
    lines.append(summary(common))
    return lines, problems


# -- scaling ---------------------------------------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(path: str, side: str, repeat: int) -> dict[str, Any]:
    """In a fresh process: read the table, run one side ``repeat`` times; times and the evaluation's peak memory."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read()
    if side == "qbalance":
        import qbalance

        qbalance.load_standard("cn-moe-2017")

    def fn() -> Any:
        return qbalance_job(table) if side == "qbalance" else hand_job(table)

    gc.collect()
    base = _status_kib("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark to the current resident set
        resettable = True
    except OSError:
        resettable = False
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    peak = _status_kib("VmHWM")
    return {"rows": table.num_rows, "times": times, "base_kib": base, "peak_kib": peak, "resettable": resettable}


def scale_file(rows: int, directory: Path) -> Path:
    path = directory / f"scale-{rows}.parquet"
    if not path.exists():
        print(f"  (generating {path} …)", flush=True)
        make_nation.write_large(rows, path)
    return path


def _run_child(path: Path, side: str, repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path), "--side", side]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([*cmd, "--repeat", str(repeat)], capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def scaling(sizes: list[int], directory: Path, repeat: int) -> list[str]:
    """The scaling table: per size, qbalance and the hand kernel each in a child process."""
    lines = [
        f"{'rows':>12} {'qbalance':>10} {'µs/row':>8} {'peak MiB':>9} {'MiB/1k rows':>11}   "
        f"{'hand':>9} {'µs/row':>7} {'peak MiB':>9}"
    ]
    per_row: list[float] = []
    per_k: list[float] = []
    hand_row: list[float] = []
    hand_k: list[float] = []
    for rows in sizes:
        path = scale_file(rows, directory)
        n = repeat if rows <= 2_000_000 else 1
        q, h = _run_child(path, "qbalance", n), _run_child(path, "hand", n)
        if "error" in q:
            lines.append(f"{rows:>12,} qbalance did not complete: {q['error']}")
            per_row.append(math.inf)
            continue
        tq = _med(q["times"])
        mq = (q["peak_kib"] - q["base_kib"]) / 1024
        per_row.append(tq / q["rows"] * 1e6)
        per_k.append(mq / q["rows"] * 1000)
        hand = "did not complete"
        if "error" not in h:
            th, mh = _med(h["times"]), (h["peak_kib"] - h["base_kib"]) / 1024
            hand_row.append(th / h["rows"] * 1e6)
            hand_k.append(mh / h["rows"] * 1000)
            hand = f"{th:8.2f}s {hand_row[-1]:7.2f} {mh:9.0f}"
        lines.append(f"{q['rows']:>12,} {tq:9.2f}s {per_row[-1]:8.2f} {mq:9.0f} {per_k[-1]:11.3f}   {hand}")
    return lines + _scale_verdicts(sizes, (per_row, per_k), (hand_row, hand_k) if len(hand_row) == len(sizes) else None)


def _scale_verdicts(
    sizes: list[int], qb: tuple[list[float], list[float]], hand: tuple[list[float], list[float]] | None
) -> list[str]:
    """The two judged scaling lines, each followed by the hand kernel's figure on the same sizes in the same run: the
    practical limit of the job on this machine (a target the hand kernel misses too is one the machine sets)."""
    (per_row, per_k), lines = qb, []
    if len(per_row) > 1:
        spread = per_row[-1] / per_row[0]
        ok = spread <= FLAT and 1 / spread <= FLAT
        lines.append(
            f"{'PASS' if ok else 'MISS'}  µs per row from {sizes[0]:,} to {sizes[-1]:,} rows: ×{spread:.2f} "
            f"(target within {FLAT - 1:.0%})"
        )
        if hand is not None:
            lines.append(f"floor    the hand kernel, same sizes: µs per row ×{hand[0][-1] / hand[0][0]:.2f}")
    if per_k:
        worst = max(per_k)
        lines.append(
            f"{'PASS' if worst <= MIB_PER_1000 else 'MISS'}  memory of the evaluation: at most {worst:.3f} MiB per "
            f"1,000 rows (target ≤ {MIB_PER_1000})"
        )
        if hand is not None:
            lines.append(f"floor    the hand kernel, same sizes: at most {max(hand[1]):.3f} MiB per 1,000 rows")
    return lines


# -- main ------------------------------------------------------------------------------------------------------------


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="qbalance against the hand-written kernel, in interleaved rounds")
    ap.add_argument("--input", default=str(HERE / "data" / "nation.parquet"), help="table from make_nation.py")
    ap.add_argument("--quick", action="store_true", help="a small nation and small sizes: a smoke run")
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds in memory (the CLI: two fewer)")
    ap.add_argument("--scale-max", type=int, default=2_000_000, help="largest size of the scaling table (rows)")
    ap.add_argument("--no-scale", action="store_true", help="skip the scaling table")
    ap.add_argument("--no-references", action="store_true", help="skip the pandas and pure-Python references")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--side", help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=3, help="runs per size in the scaling table (the median)")
    return ap.parse_args(argv)


def _nation_path(args: argparse.Namespace, tmp: Path) -> Path:
    if args.quick:
        return make_nation.write_table(make_nation.make_nation(1750, 25, 3), tmp / "quick.parquet")
    path = Path(args.input)
    if not path.exists():
        print(f"  (generating {path} …)", flush=True)
        make_nation.main(["-o", str(path)])
    return path


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.child:
        print(json.dumps(child(args.child, args.side, args.repeat)))
        return 0
    import pyarrow.parquet as pq

    rounds = 2 if args.quick else args.rounds
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = _nation_path(args, tmp)
        table = pq.ParquetFile(path).read()
        n_counties = len(set(table.column("county_code").to_pylist()))
        print(f"input: {path} — {table.num_rows:,} section rows, {n_counties:,} counties")
        print(f"machine: {os.cpu_count()} cores, load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"ratios: medians of {rounds} interleaved rounds (qbalance, hand kernel, qbalance, …)\n")
        lines, problems, res = measure_core(table, rounds)
        lines += measure_processes(path, max(1, rounds - 2))
        lines.append(measure_county(5 if args.quick else 50))
        for line in lines:
            print(line, flush=True)
        if not args.no_references:
            ref_lines, ref_problems = measure_references(table, res, 1 if args.quick else 3)
            problems += ref_problems
            print("\n".join(ref_lines))
        print()
        if problems:
            print("DISAGREEMENT:\n  " + "\n  ".join(problems[:20]))
        elif args.no_references:
            print("agreement: qbalance = hand kernel on every column of both result tables (references not run)")
        else:
            print("agreement: qbalance = hand kernel on every column of both result tables; = pandas = pure Python")
        if not args.no_scale:
            sizes = list(QUICK_SIZES) if args.quick else [s for s in SCALE_SIZES if s <= args.scale_max]
            directory = tmp if args.quick else HERE / "data"
            print("\nscaling (end to end from an Arrow table, child process per size; memory: VmHWM − VmRSS)")
            print("\n".join(scaling(sizes, directory, 1 if args.quick else args.repeat)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
