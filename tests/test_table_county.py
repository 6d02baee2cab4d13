"""A one-county table (CSV, DataFrame) loaded as a county: plans and scenarios work on tables, with the same results."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

import qbalance
from qbalance._cli.main import main
from qbalance._data.columns import county_to_columns


def _demo_csv(path: Path) -> Path:
    """The demo county written as a long CSV, the way a database export looks (text cells, true/false, blanks)."""
    cols = county_to_columns(qbalance.load_county(qbalance.demo_path()))
    keys = list(cols)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(keys)
        for i in range(len(cols["school_id"])):
            row = []
            for k in keys:
                v = cols[k][i]
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    v = ""
                elif isinstance(v, bool):
                    v = "true" if v else "false"
                row.append(v)
            writer.writerow(row)
    return path


def test_a_county_loaded_from_a_table_evaluates_exactly_like_the_county_file(tmp_path: Path) -> None:
    # Independent reference: the YAML demo itself. Table → county → report must be byte-identical to it (the input
    # digest is computed from the normalised data, so it is equal too).
    path = _demo_csv(tmp_path / "demo.csv")
    reference = qbalance.evaluate(qbalance.demo_path()).to_json()
    assert qbalance.evaluate(path).to_json() == reference
    assert qbalance.evaluate(qbalance.load_county(path)).to_json() == reference


def test_plan_and_scenario_work_on_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _demo_csv(tmp_path / "demo.csv")
    assert qbalance.plan(path).totals == qbalance.plan(qbalance.demo_path()).totals
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)  # every cell text, blanks as ""
    assert qbalance.plan(frame).totals == qbalance.plan(qbalance.demo_path()).totals
    scenario = Path(__file__).parents[1] / "docs" / "examples" / "wenshan-2026-scenario.yaml"
    assert main(["scenario", str(path), str(scenario)]) == 0
    assert "未通过 → 通过" in capsys.readouterr().out


def test_a_bad_cell_is_named_by_row_and_column_before_anything_is_built(tmp_path: Path) -> None:
    path = _demo_csv(tmp_path / "demo.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[3].split(",")
    cells[header.index("students")] = "-5"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(qbalance.InputError) as info:
        qbalance.load_county(path)
    (problem,) = info.value.problems
    assert problem.location == "row 4" and problem.field == "students" and "negative" in problem.message


def test_a_table_of_several_counties_is_not_one_county() -> None:
    pd = pytest.importorskip("pandas")
    cols = county_to_columns(qbalance.load_county(qbalance.demo_path()))
    # schools alternate between two county codes (a dict of columns would be read as a county file, so a DataFrame)
    first = {sid: i for i, sid in reversed(list(enumerate(cols["school_id"])))}
    cols["county_code"] = ["999901" if first[sid] % 2 else "999902" for sid in cols["school_id"]]
    with pytest.raises(qbalance.InputError, match="holds 2 counties"):
        qbalance.load_county(pd.DataFrame(cols))
