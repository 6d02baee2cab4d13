"""The quick start works: the demo county evaluates and the public API is exactly the documented one."""

from __future__ import annotations

import json
from pathlib import Path

import qbalance

DOCUMENTED_API = {  # the table "The public API" in docs/design.md
    "AddResources",
    "BatchResult",
    "CloseSchool",
    "Comparison",
    "County",
    "Facilities",
    "History",
    "HistoryError",
    "InputError",
    "LedgerData",
    "MoveStudents",
    "OpenSchool",
    "PackError",
    "Plan",
    "Problem",
    "QbalanceError",
    "Report",
    "Scenario",
    "School",
    "Section",
    "SetFact",
    "SplitSchool",
    "Standard",
    "TeacherCounts",
    "TrendsData",
    "UnitError",
    "__version__",
    "aggregate_roster",
    "apply_scenario",
    "compare_reports",
    "demo_path",
    "evaluate",
    "evaluate_many",
    "evaluate_scenario",
    "load_county",
    "load_scenario",
    "load_standard",
    "plan",
    "read_workbook",
    "ureg",
    "weighted_cv",
    "write_template",
}


def test_public_api_is_exactly_the_documented_names() -> None:
    assert set(qbalance.__all__) == DOCUMENTED_API
    design = (Path(__file__).parents[1] / "docs" / "design.md").read_text(encoding="utf-8")
    table = design[design.index("## The public API") : design.index("## Libraries we build on")]
    assert {n for n in DOCUMENTED_API if f"`{n}" not in table} == set()
    for name in qbalance.__all__:
        assert hasattr(qbalance, name)


def test_demo_county_evaluates_with_instructive_failures() -> None:
    report = qbalance.evaluate(qbalance.demo_path())
    assert report.county.synthetic is True
    assert report.verdict == "fail"
    failing = {s.school_id for s in report.schools if s.result == "fail"}
    assert failing == {"9999010024", "9999010035", "9999010057"}


def test_python_m_qbalance_runs_the_command_line(tmp_path: Path) -> None:
    """``python -m qbalance`` is the ``qbalance`` command: the demo county's JSON report and exit status 1 (the demo
    county is built to fail), as the command line gives them run in this process."""
    import subprocess
    import sys

    from qbalance._cli.main import main

    done = subprocess.run(
        [sys.executable, "-m", "qbalance", "evaluate", "--demo", "-f", "json"], capture_output=True, check=False
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["verdict"] == "fail"
    assert main(["evaluate", "--demo", "-f", "json", "-o", str(tmp_path / "r.json")]) == 1
    here = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert here["items"] == json.loads(done.stdout)["items"]
