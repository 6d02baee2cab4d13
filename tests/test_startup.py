"""What a command imports at start (issue 13): pint without Dask — pint imports all of ``dask`` when it is installed,
0.1–0.2 s of every command — and Dask still importable afterwards. Checked in a fresh interpreter."""

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
print("dask" in sys.modules, "pint" in sys.modules, report.verdict is not None)
if importlib.util.find_spec("dask") is not None:
    import dask  # still importable: only pint's Dask support was left out
    print("dask" in sys.modules)
else:
    print(True)
"""


def test_evaluating_a_county_does_not_import_dask_and_dask_still_imports() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["False", "True", "True", "True"], out.stderr
