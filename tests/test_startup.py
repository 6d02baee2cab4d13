"""What a command imports at start (issue 13): no pint at all for the shipped packs and data (their units come from
``units.json``); pint, when a unit needs it, without Dask — pint imports all of ``dask`` when it is installed,
0.1–0.2 s — and Dask still importable afterwards. Checked in fresh interpreters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

SCRIPT = """
import importlib.util, sys
import qbalance
report = qbalance.evaluate(qbalance.demo_path())
print("pint" in sys.modules, report.verdict is not None)
qbalance.ureg  # the public pint registry: pint imported now
print("dask" in sys.modules, "pint" in sys.modules)
if importlib.util.find_spec("dask") is not None:
    import dask  # still importable: only pint's Dask support was left out
    print("dask" in sys.modules)
else:
    print(True)
"""


def test_evaluating_a_county_imports_no_pint_and_pint_comes_without_dask() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["False", "True", "False", "True", "True"], out.stderr


LAYERS = """
import sys
from qbalance._cli.main import main
code = main(sys.argv[1:])
layers = ("qbalance._report.model", "qbalance._report.build")
layers += ("qbalance._workflow.history", "qbalance._workflow.packtest", "pandas", "qbalance._data.intake")
print(code, *(name in sys.modules for name in layers))
"""


def test_a_batch_into_tables_imports_no_report_history_or_pack_test_layer(tmp_path: Path) -> None:
    """``evaluate-batch`` writes tables: it builds neither the report models nor reports, and the parsers (and modules)
    of the other commands are not made, nor the readers of county files; it reads and writes Parquet without importing
    pandas. ``evaluate`` builds a report but needs no history or pack-test module. Checked in fresh interpreters (the
    expected lists: which of the layers each command imports)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    data = tmp_path / "nation.csv"
    make_nation = [sys.executable, str(SRC.parent / "benchmarks" / "make_nation.py"), "--schools", "60"]
    subprocess.run([*make_nation, "--counties", "2", "-o", str(data)], env=env, check=True, capture_output=True)
    batch = [sys.executable, "-c", LAYERS, "evaluate-batch", str(data), "-o", str(tmp_path / "out")]
    out = subprocess.run(batch, capture_output=True, text=True, env=env, check=False)
    assert out.stdout.split()[-6:] == ["False"] * 6, out.stdout + out.stderr
    nation = tmp_path / "nation.parquet"  # read and written through buffers: pyarrow imports pandas on to_numpy
    subprocess.run([*make_nation, "--counties", "2", "-o", str(nation)], env=env, check=True, capture_output=True)
    parquet = [sys.executable, "-c", LAYERS, "evaluate-batch", str(nation), "-o", str(tmp_path / "o2"), "-f", "parquet"]
    out = subprocess.run(parquet, capture_output=True, text=True, env=env, check=False)
    assert out.stdout.split()[-2:] == ["False", "False"], out.stdout + out.stderr
    demo = subprocess.run(
        [sys.executable, "-c", LAYERS, "evaluate", "--demo"], capture_output=True, text=True, env=env, check=False
    )
    assert demo.stdout.split()[-6:] == ["True", "True", "False", "False", "False", "True"], demo.stderr


EVALUATE = """
import sys
from qbalance._cli import lang
from qbalance._cli.main import main
code = main(sys.argv[1:])
unused = ("qbalance._report.plan_model", "qbalance._report.ledger_model", "qbalance._data.workbook")
patterns = (lang._cjk.cache_info().currsize, lang._token.cache_info().currsize)
print(code, *(name in sys.modules for name in unused), *patterns)
"""


def test_evaluating_a_county_file_makes_no_plan_ledger_or_workbook_models_and_no_help_patterns() -> None:
    """``evaluate --demo`` prints a report: it imports neither the plan's nor the ledger's models nor the workbook
    reader (a YAML file records no pack), and compiles no help-wrapping pattern (no help is printed); ``--plan``
    then does build the plan's models. Checked in fresh interpreters."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    run = [sys.executable, "-c", EVALUATE, "evaluate", "--demo"]
    out = subprocess.run(run, capture_output=True, text=True, env=env, check=False)
    assert out.stdout.split()[-6:] == ["1", "False", "False", "False", "0", "0"], out.stdout[-500:] + out.stderr
    out = subprocess.run([*run, "--plan"], capture_output=True, text=True, env=env, check=False)
    assert out.stdout.split()[-5:-3] == ["True", "False"], out.stdout[-500:] + out.stderr
