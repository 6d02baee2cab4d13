"""``benchmarks/run.py --quick`` runs and prints what it promises, so the benchmark cannot rot unnoticed.

No timing is asserted (speed is judged by the benchmark itself, on a quiet machine): only that every judged line is
printed with its target and PASS or MISS, that the scaling table has its rows, and that qbalance, the hand kernel
and both references agree on every value (the script exits 1 and prints DISAGREEMENT otherwise).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("pandas")

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

bench = importlib.import_module("run")


def test_quick_run_prints_every_ratio_the_scaling_table_and_agreement() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = bench.main(["--quick"])
    text = out.getvalue()
    assert status == 0, text
    assert "DISAGREEMENT" not in text
    assert "agreement: qbalance = hand kernel on every column of both result tables; = pandas = pure Python" in text
    judged = re.findall(r"^(PASS|MISS)  (.*)$", text, flags=re.M)
    names = [line for _, line in judged]
    for what, target in (
        ("engine, same rows in memory", "≤ 1.5×"),
        ("end to end from an Arrow table", "≤ 2×"),
        ("CLI Parquet → Parquet (whole process)", "≤ 1.2×"),
        ('evaluate --demo vs python -c "import numpy"', "≤ 2.5×"),
        ("one county, evaluate(demo_path()) warm", "≤ 10 ms"),
        ("µs per row from 2,000 to 20,000 rows", "within 20%"),
        ("memory of the evaluation", "≤ 0.5"),
    ):
        assert any(line.startswith(what) and target in line for line in names), (what, text)
    assert len(re.findall(r"^context  ", text, flags=re.M)) == 2
    floors = re.findall(r"^floor    (.*)$", text, flags=re.M)
    assert [f.split("  ")[0].split(":")[0] for f in floors] == [
        "importing numpy, pydantic and yaml alone",
        "… and qbalance's pydantic county models",
        "… and libyaml composing pack and county",
        "libyaml composing the demo file alone",
        "the hand kernel, same sizes",
        "the hand kernel, same sizes",
    ], text
    rows = re.findall(r"^\s+([\d,]+)\s+[\d.]+s\s+[\d.]+\s+\d+\s+[\d.]+\s+[\d.]+s", text, flags=re.M)
    assert len(rows) == 2, text  # 2,000 and 20,000 rows, both sides completed


def test_the_table_comparison_catches_a_difference() -> None:
    import pyarrow as pa

    q = {"a": [1.0, 2.0], "b": ["pass", "fail"]}
    assert bench.table_differences(q, pa.table(q)) == []
    assert bench.table_differences(q, pa.table({"a": [1.0, 2.0 + 1e-6], "b": ["pass", "fail"]})) == [
        "a: numbers differ"
    ]
    assert bench.table_differences(q, pa.table({"a": [1.0, 2.0], "b": ["pass", "pass"]})) == ["b: values differ"]
    assert bench.table_differences(q, pa.table({"b": ["pass", "fail"], "a": [1.0, 2.0]})) == [
        "column names or order differ: []"
    ]
