"""The Excel data-entry template: written from the pack, filled, read back cell by cell, evaluated."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import qbalance
from conftest import county, school
from qbalance._base.optional import MissingExtra
from qbalance._data.workbook import load_workbook_county, problems_table, read_workbook
from qbalance._workflow.template import layout, write_template

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def demo_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "demo.xlsx"
    write_template("cn-moe-2017", path, county=qbalance.demo_path())
    return path


def _edit(src: Path, dst: Path, edits: dict[str, dict[str, Any]]) -> Path:
    wb = openpyxl.load_workbook(src)
    for sheet, cells in edits.items():
        for ref, value in cells.items():
            wb[sheet][ref] = value
    wb.save(dst)
    return dst


def _col(ws: Any, key: str) -> str:
    """The column letter of a machine key (hidden row 2)."""
    for cell in ws[2]:
        if cell.value == key:
            return str(cell.column_letter)
    raise KeyError(key)


# -- (a) round trip --------------------------------------------------------------------------------------------


def test_filled_template_gives_the_same_report_as_the_yaml_demo(demo_xlsx: Path) -> None:
    from_yaml = qbalance.evaluate(qbalance.demo_path())
    from_xlsx = qbalance.evaluate(demo_xlsx)
    assert from_xlsx.provenance.input_digest == from_yaml.provenance.input_digest
    assert from_xlsx.to_json() == from_yaml.to_json()


def test_prefill_from_a_county_model_round_trips_exactly(tmp_path: Path) -> None:
    # A County model has lost the written units ("356.03 万元" is 3560299.9999999995 yuan); numbers the .xlsx
    # writer would round are written as exact text with their unit.
    model = read_workbook(write_template("cn-moe-2017", tmp_path / "a.xlsx", county=qbalance.demo_path()))
    path = write_template("cn-moe-2017", tmp_path / "b.xlsx", county=model)
    assert qbalance.evaluate(path).to_json() == qbalance.evaluate(qbalance.demo_path()).to_json()


def test_english_template_round_trips(tmp_path: Path) -> None:
    path = write_template("cn-moe-2017", tmp_path / "en.xlsx", county=qbalance.demo_path(), lang="en")
    wb = openpyxl.load_workbook(path)
    assert {"Instructions", "County", "Schools", "Sections"} <= set(wb.sheetnames)
    assert wb["Schools"]["C3"].value == "primary"
    assert qbalance.evaluate(path).to_json() == qbalance.evaluate(qbalance.demo_path()).to_json()


def test_standard_evaluate_and_read_county_accept_xlsx(demo_xlsx: Path, national: qbalance.Standard) -> None:
    assert national.evaluate(demo_xlsx).verdict == qbalance.evaluate(qbalance.demo_path()).verdict
    assert read_workbook(demo_xlsx).code == "999901"


def test_csv_and_dataframe_go_through_the_columnar_path(tmp_path: Path) -> None:
    from qbalance._api.evaluate import as_county
    from qbalance._data.columns import county_to_columns

    cols = county_to_columns(as_county(qbalance.demo_path())[0])
    want = qbalance.evaluate(qbalance.demo_path())
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(cols)
    assert qbalance.evaluate(frame).provenance.input_digest == want.provenance.input_digest
    frame.to_csv(tmp_path / "demo.csv", index=False)
    got = qbalance.evaluate(tmp_path / "demo.csv")
    assert got.provenance.input_digest == want.provenance.input_digest
    assert got.verdict == want.verdict


def test_a_table_of_two_counties_is_refused_by_evaluate() -> None:
    pd = pytest.importorskip("pandas")
    from qbalance._api.evaluate import as_county
    from qbalance._data.columns import county_to_columns

    cols = county_to_columns(as_county(qbalance.demo_path())[0])
    frame = pd.DataFrame(cols)
    two = pd.concat([frame, frame.assign(county_code="999902")])
    with pytest.raises(qbalance.InputError, match="2 counties"):
        qbalance.evaluate(two)


# -- the template itself -----------------------------------------------------------------------------------------


def test_template_sheets_headers_keys_and_drop_downs(tmp_path: Path) -> None:
    path = write_template("cn-moe-2017", tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:5] == ["说明", "县级指标", "学校", "学段", "教师名册"]
    assert wb["_qbalance"].sheet_state == "hidden" and wb["_lists"].sheet_state == "hidden"
    schools = wb["学校"]
    headers = [c.value for c in schools[1]]
    assert "教学及辅助用房面积 (m²)" in headers
    assert "教学仪器设备值 (元)" in headers
    assert [c.value for c in schools[2]][:5] == ["id", "name", "type", "ownership", "location"]
    assert schools.row_dimensions[2].hidden
    assert schools.freeze_panes == "A3"
    assert schools["A3"].number_format == "@"
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in schools.data_validations.dataValidation}
    assert "C3" in lists  # school type
    type_list = lists["C3"].split("!")[1].replace("$", "").split(":")
    values = [c.value for row in wb["_lists"][type_list[0] : type_list[1]] for c in row]
    assert values[:3] == ["小学", "初中", "九年一贯制学校"]
    instructions = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "cn-moe-2017" in instructions and "sha256:" in instructions
    sections = [c.value for c in wb["学段"][2]]
    assert sections[:3] == ["school_id", "section", "students"]
    county_keys = [wb["县级指标"].cell(r, 1).value for r in range(3, wb["县级指标"].max_row + 1)]
    assert county_keys[:2] == ["code", "name"] and "layout_planning" in county_keys


def test_layout_covers_every_declared_input(national: qbalance.Standard) -> None:
    lay = layout(national)
    keys = {c.key for c in lay.county + lay.schools + lay.sections}
    assert set(national.pack.inputs) <= keys
    assert "moral_education_rating.evidence" in keys  # evidence columns where the pack declares evidence


# -- (b) every bad cell at once ----------------------------------------------------------------------------------


def test_bad_cells_are_all_reported_with_their_cells_and_nothing_is_evaluated(
    demo_xlsx: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    students = _col(wb["学段"], "students")
    full_time = _col(wb["学段"], "teachers.full_time")
    area = _col(wb["学校"], "facilities.teaching_aux_area")
    bad = _edit(
        demo_xlsx,
        tmp_path / "bad.xlsx",
        {
            "学段": {f"{students}3": "很多", f"{full_time}4": -3},
            "学校": {"C4": "中专", "A5": "9999010001", f"{area}6": "2 万元"},
        },
    )
    ran = []
    monkeypatch.setattr(qbalance.Standard, "run", lambda self, table: ran.append(1))
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(bad)
    assert not ran
    where = {p.location: p for p in info.value.problems}
    assert f"学段!{students}3" in where and where[f"学段!{students}3"].value == "很多"
    assert where[f"学段!{full_time}4"].value == -3 and "negative" in where[f"学段!{full_time}4"].message
    assert where["学校!C4"].value == "中专" and where["学校!C4"].school_id == "9999010002"
    assert "duplicate school id" in where["学校!A5"].message
    assert "万元" in where[f"学校!{area}6"].message
    p = where["学校!C4"]
    assert (p.sheet, p.row, p.column) == ("学校", 4, "C")
    table = problems_table(info.value)
    assert "学校!C4" in table and "中专" in table and table.splitlines()[0].split()[:2] == ["位置", "学校"]
    assert info.value.table_text("en").startswith("where")


def test_pack_checks_of_facts_are_located_at_their_cells(demo_xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    rating = _col(wb["学校"], "moral_education_rating")
    rows = {wb["县级指标"].cell(r, 1).value: r for r in range(3, wb["县级指标"].max_row + 1)}
    bad = _edit(
        demo_xlsx,
        tmp_path / "facts.xlsx",
        {"学校": {f"{rating}3": "很好"}, "县级指标": {f"D{rows['falsified_data']}": "也许"}},
    )
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(bad)
    locs = {p.location: p.message for p in info.value.problems}
    assert "not a rating" in locs[f"学校!{rating}3"]
    assert "是 or 否" in locs[f"县级指标!D{rows['falsified_data']}"]


def test_missing_required_column_and_unknown_column(demo_xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    ws = wb["学段"]
    students = _col(ws, "students")
    for cell in ws[students]:
        cell.value = None
    extra = ws.max_column + 1
    ws.cell(1, extra, "备注")
    ws.cell(3, extra, "新校区")
    wb.save(tmp_path / "cols.xlsx")
    with pytest.raises(qbalance.InputError) as info:
        read_workbook(tmp_path / "cols.xlsx")
    messages = [p.render() for p in info.value.problems]
    assert any("required column is missing" in m and "students" in m for m in messages)
    assert any("'备注' is not a field" in m for m in messages)


def test_a_row_without_id_is_an_error_not_skipped(demo_xlsx: Path, tmp_path: Path) -> None:
    bad = _edit(demo_xlsx, tmp_path / "noid.xlsx", {"学段": {"A3": None}})
    with pytest.raises(qbalance.InputError) as info:
        read_workbook(bad)
    assert any(p.location == "学段!A3" and "missing" in p.message for p in info.value.problems)


def test_a_formula_without_a_computed_value_is_an_error(demo_xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    students = _col(wb["学段"], "students")
    bad = _edit(demo_xlsx, tmp_path / "formula.xlsx", {"学段": {f"{students}3": "=100+200"}})
    with pytest.raises(qbalance.InputError) as info:
        read_workbook(bad)
    (p,) = info.value.problems
    assert p.location == f"学段!{students}3" and "formula" in p.message


def test_a_section_of_an_unknown_school_names_its_row(demo_xlsx: Path, tmp_path: Path) -> None:
    bad = _edit(demo_xlsx, tmp_path / "orphan.xlsx", {"学段": {"A3": "0000000000"}})
    with pytest.raises(qbalance.InputError) as info:
        read_workbook(bad)
    assert any(p.location == "学段!A3" and "unknown school id" in p.message for p in info.value.problems)


# -- (c) ids are text ----------------------------------------------------------------------------------------------


def _zero_county() -> dict[str, Any]:
    return county(school("0012345678"), school("0012345679", location="rural"), code="053001")


def test_leading_zero_ids_survive(tmp_path: Path, national: qbalance.Standard) -> None:
    path = write_template(national, tmp_path / "zeros.xlsx", county=_zero_county())
    ws = openpyxl.load_workbook(path)["学校"]
    assert ws["A3"].value == "0012345678" and ws["A3"].number_format == "@"
    got = read_workbook(path)
    assert [s.id for s in got.schools] == ["0012345678", "0012345679"]
    assert got.code == "053001"
    assert qbalance.evaluate(path).to_json() == national.evaluate(_zero_county()).to_json()


def test_numeric_ids_are_accepted_only_when_exact(tmp_path: Path, national: qbalance.Standard) -> None:
    data = county(school("5301020001"), school("5301020002"))
    path = write_template(national, tmp_path / "n.xlsx", county=data)
    ok = _edit(path, tmp_path / "ok.xlsx", {"学校": {"A3": 5301020001}, "学段": {"A3": 5301020001}})
    assert [s.id for s in read_workbook(ok).schools] == ["5301020001", "5301020002"]
    for cell, value, message in (("A3", 5301020001.5, "decimal"), ("A4", 12345, "leading zeros"), ("A4", True, "text")):
        bad = _edit(path, tmp_path / "bad.xlsx", {"学校": {cell: value}})
        with pytest.raises(qbalance.InputError) as info:
            read_workbook(bad)
        where = {p.location: p.message for p in info.value.problems}
        assert message in where[f"学校!{cell}"]


# -- (d) openpyxl missing ------------------------------------------------------------------------------------------


def test_missing_openpyxl_gives_a_one_line_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(MissingExtra) as info:
        write_template("cn-moe-2017", tmp_path / "x.xlsx")
    assert str(info.value) == 'openpyxl is needed for this: pip install "qbalance-edu[excel]"'
    with pytest.raises(MissingExtra, match=r"qbalance-edu\[excel\]"):
        load_workbook_county(tmp_path / "x.xlsx")


def test_unknown_suffix_names_the_accepted_types(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("a")
    with pytest.raises(qbalance.InputError, match=r"\.xlsx"):
        qbalance.evaluate(tmp_path / "x.txt")


def test_checks_across_fields_are_located_at_their_cells(demo_xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    col = _col(wb["学段"], "teachers.above_qualified")
    bad = _edit(demo_xlsx, tmp_path / "cross.xlsx", {"学段": {f"{col}3": 500}, "县级指标": {"D3": 53001}})
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(bad)
    where = {p.location: p.message for p in info.value.problems}
    assert "exceed full-time" in where[f"学段!{col}3"]
    assert "leading zeros" in where["县级指标!D3"]  # a county code typed as a number with fewer than 6 digits
