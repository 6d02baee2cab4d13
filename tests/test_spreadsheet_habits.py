"""What spreadsheets write is read as the user meant it: numbers with thousands separators (``5,600``) in tables and
county files, and a 序号 (row number) column, which is accepted and ignored.

The independent check throughout: the same county written with plain numbers (and without the 序号 column) gives
the same normalised table, so the same input digest — every value read identically.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

import qbalance
from conftest import county, school
from qbalance._data.columns import county_to_columns
from qbalance._data.habits import grouped_number
from qbalance._data.intake import read_input
from qbalance._data.models import County
from qbalance._data.table_county import county_from_table


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("5,600", 5600.0),
        ("1,234,567.5", 1234567.5),
        ("-5,600", -5600.0),
        (" 12,345 ", 12345.0),
        ("999,999", 999999.0),
    ],
)
def test_valid_grouping_reads_as_the_number(text: str, number: float) -> None:
    assert grouped_number(text) == number


@pytest.mark.parametrize("text", ["5,60", "12,3456", "1,23,456", ",600", "5,600,", "5600", "5,600.5.5", "5,600 m²", ""])
def test_anything_else_is_not_a_grouped_number(text: str) -> None:
    assert grouped_number(text) is None


def _data() -> dict[str, Any]:
    return county(school("A"), school("B"))


def _columns(data: dict[str, Any]) -> dict[str, list[Any]]:
    return county_to_columns(County.model_validate(data))


def _write_csv(cols: dict[str, list[Any]], path: Path) -> Path:
    names = list(cols)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i in range(len(cols[names[0]])):
            w.writerow(["" if cols[n][i] is None else cols[n][i] for n in names])
    return path


def _digest(data: Any, national: qbalance.Standard) -> str:
    return read_input(data, national).table.digest(0)


def _with_grouped_cells(cols: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The plain county's columns with three cells written as a spreadsheet shows them: 4,500 m², 7,500 m² and
    2,000,000 yuan of equipment (school A's values, see conftest.school), and 1,000 students."""
    out = {k: list(v) for k, v in cols.items()}
    out["facilities.teaching_aux_area"][0] = "4,500"
    out["facilities.sports_ground_area"][0] = "7,500"
    out["facilities.equipment_value"][0] = "2,000,000"
    out["students"][0] = "1,000"
    out["public_funds_budget"][0] = "720,000"  # a school fact of the pack, in yuan
    return out


def test_a_csv_with_thousands_separators_reads_the_same_numbers(tmp_path: Path, national: qbalance.Standard) -> None:
    plain = _columns(_data())
    assert plain["facilities.teaching_aux_area"][0] == 4500  # the values the grouped cells must read as
    assert plain["facilities.equipment_value"][0] == 2_000_000 and plain["students"][0] == 1000
    grouped = _write_csv(_with_grouped_cells(plain), tmp_path / "grouped.csv")
    assert '"4,500"' in grouped.read_text(encoding="utf-8")  # quoted in the CSV, as spreadsheets export it
    assert _digest(grouped, national) == _digest(_write_csv(plain, tmp_path / "plain.csv"), national)


def test_a_dataframe_with_thousands_separators_reads_the_same_numbers(national: qbalance.Standard) -> None:
    pd = pytest.importorskip("pandas")
    plain = _columns(_data())
    grouped = _with_grouped_cells(plain)
    grouped["facilities.teaching_aux_area"][1] = "1,234,567.5"
    plain["facilities.teaching_aux_area"][1] = 1234567.5
    assert _digest(pd.DataFrame(grouped), national) == _digest(pd.DataFrame(plain), national)


def test_a_bad_grouping_in_a_table_is_an_error_naming_the_cell(national: qbalance.Standard) -> None:
    cols = _columns(_data())
    cols["facilities.teaching_aux_area"][1] = "5,60"
    cols["public_funds_budget"][0] = "72,00"
    with pytest.raises(qbalance.InputError) as info:
        read_input(_frame_or_dict(cols), national)
    found = {(p.location, p.school_id, p.field, p.value, p.key) for p in info.value.problems}
    # row 2 is the first data row (school A), row 3 the second (school B)
    assert found == {
        ("row 3", "B", "facilities.teaching_aux_area", "5,60", "units.bad_separator"),
        ("row 2", "A", "public_funds_budget", "72,00", "units.bad_separator"),
    }
    (area,) = [p for p in info.value.problems if p.school_id == "B"]
    assert area.message == (
        "cannot read '5,60': a thousands separator must group digits in threes (4,500 or 4500), and a decimal point "
        "is written '.'"
    )


def _frame_or_dict(cols: dict[str, list[Any]]) -> Any:
    try:
        import pandas as pd
    except ImportError:  # the same reader reads a dict of columns
        return cols
    return pd.DataFrame(cols)


def test_a_county_file_with_thousands_separators_reads_the_same_numbers(
    tmp_path: Path, national: qbalance.Standard
) -> None:
    plain = tmp_path / "plain.yaml"
    grouped = tmp_path / "grouped.yaml"
    import yaml

    text = yaml.safe_dump(_data(), allow_unicode=True, sort_keys=False)
    plain.write_text(text, encoding="utf-8")
    # unquoted, as typed or pasted from a spreadsheet: YAML reads 4,500 as the text "4,500"
    swapped = (
        text.replace("teaching_aux_area: 4500", "teaching_aux_area: 4,500", 1)
        .replace("students: 1000", "students: 1,000", 1)
        .replace("public_funds_budget: 720000", "public_funds_budget: 720,000", 1)
        .replace("teacher_salary_avg: 98600", "teacher_salary_avg: 98,600", 1)
    )
    assert swapped.count(",") == text.count(",") + 4
    grouped.write_text(swapped, encoding="utf-8")
    assert _digest(grouped, national) == _digest(plain, national)


def test_a_bad_grouping_in_a_county_file_is_an_error_at_its_line(tmp_path: Path, national: qbalance.Standard) -> None:
    import yaml

    text = yaml.safe_dump(_data(), allow_unicode=True, sort_keys=False)
    path = tmp_path / "bad.yaml"
    path.write_text(
        text.replace("teaching_aux_area: 4500", "teaching_aux_area: 45,00", 1).replace(
            "public_funds_budget: 720000", "public_funds_budget: 72,0000", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(qbalance.InputError) as info:
        read_input(path, national)
    lines = text.splitlines()
    area_line = next(i for i, ln in enumerate(lines) if "teaching_aux_area" in ln) + 1
    budget_line = next(i for i, ln in enumerate(lines) if "public_funds_budget" in ln) + 1
    found = {(p.school_id, p.field, p.value, (p.location or "").split(",")[0]) for p in info.value.problems}
    assert found == {
        ("A", "facilities.teaching_aux_area", "45,00", f"line {area_line}"),
        ("A", "facts.public_funds_budget", "72,0000", f"line {budget_line}"),
    }


def test_the_county_form_of_a_table_reads_grouped_numbers(national: qbalance.Standard) -> None:
    # plans and scenarios rewrite a table as a county file: the grouped cells must arrive as numbers
    data = county_from_table(_with_grouped_cells(_columns(_data())), national.compiled)
    first = data["schools"][0]
    assert first["facilities"]["teaching_aux_area"] == 4500.0
    assert first["facilities"]["equipment_value"] == 2_000_000.0
    assert first["sections"]["primary"]["students"] == 1000.0
    assert first["facts"]["public_funds_budget"] == 720_000.0


def test_a_row_number_column_is_accepted_and_ignored(tmp_path: Path, national: qbalance.Standard) -> None:
    plain = _columns(_data())
    numbered = {"序号": [1, 2], **plain}
    table = read_input(_write_csv(numbered, tmp_path / "numbered.csv"), national).table
    assert [w for w in table.warnings if w.field == "序号"] == []  # not "not an input of the pack"
    assert table.digest(0) == _digest(_write_csv(plain, tmp_path / "plain.csv"), national)
    # any other unknown column is still reported, so the 序号 exception hides nothing else
    numbered["备注"] = ["x", "y"]
    table = read_input(_write_csv(numbered, tmp_path / "remarks.csv"), national).table
    assert [w.field for w in table.warnings if w.key in ("columns.unused", "columns.unused_hint")] == ["备注"]
