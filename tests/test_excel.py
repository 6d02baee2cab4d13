"""The Excel data-entry template: written from the pack, filled, read back cell by cell, evaluated."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import qbalance
from conftest import county, school
from qbalance._base.messages import language
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
    assert sections[:4] == ["school_id", "school_name", "section", "students"]
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


# -- (e) every message from the catalogue, Chinese by default --------------------------------------------------------


@pytest.mark.zh
def test_cell_problems_are_chinese_by_default_and_english_on_request(demo_xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    full_time = _col(wb["学段"], "teachers.full_time")
    boarding = _col(wb["学校"], "boarding")
    bad = _edit(
        demo_xlsx,
        tmp_path / "zh.xlsx",
        {"学段": {f"{full_time}4": -3, "A9": None}, "学校": {"A5": "9999010001", f"{boarding}3": "也许"}},
    )
    with pytest.raises(qbalance.InputError) as info:
        read_workbook(bad)
    where = {p.location: p for p in info.value.problems}
    assert all(p.key for p in info.value.problems)  # every problem names its catalogue message
    # the texts below are the catalogue's, written out by hand
    assert where["学校!A5"].text() == "学校标识码重复(另见第3行)"
    assert where["学校!A5"].text("en") == "duplicate school id (also row 3)" == where["学校!A5"].message
    assert where[f"学校!{boarding}3"].text() == "请填写“是”或“否”"
    assert where[f"学校!{boarding}3"].message == "write 是 or 否 (yes/no)"
    assert where["学段!A9"].text() == "缺少学校标识码(该行填写了其他内容)"
    assert where[f"学段!{full_time}4"].text() == "不能为负数"
    assert "学校标识码重复" in str(info.value)
    with language("en"):
        assert "duplicate school id" in str(info.value)


# -- (f) what spreadsheets produce ---------------------------------------------------------------------------------


def test_numbers_typed_as_text_with_thousands_separators_read_as_the_numbers(demo_xlsx: Path, tmp_path: Path) -> None:
    # The same numbers as the demo, typed as text the way a spreadsheet user writes them: the report is the demo's.
    wb = openpyxl.load_workbook(demo_xlsx)
    sch, sec = wb["学校"], wb["学段"]
    area = _col(sch, "facilities.sports_ground_area")
    value = _col(sch, "facilities.equipment_value")
    students = _col(sec, "students")
    edits: dict[str, dict[str, Any]] = {"学校": {}, "学段": {}}
    for r in range(3, sch.max_row + 1):
        v = sch[f"{area}{r}"].value
        if isinstance(v, (int, float)) and v >= 1000 and float(v).is_integer():
            edits["学校"][f"{area}{r}"] = f"{int(v):,}"  # 7500 → "7,500"
        e = sch[f"{value}{r}"].value
        if isinstance(e, (int, float)) and float(e).is_integer() and e >= 1000:
            edits["学校"][f"{value}{r}"] = f"{int(e):,} 元"  # 2000000 → "2,000,000 元"
    for r in range(3, sec.max_row + 1):
        n = sec[f"{students}{r}"].value
        if isinstance(n, int):
            edits["学段"][f"{students}{r}"] = f" {n:,} " if n >= 1000 else str(n)  # "1,000" with spaces; "850"
    assert len(edits["学校"]) > 10 and any("," in str(v) for v in edits["学段"].values())
    texts = _edit(demo_xlsx, tmp_path / "texts.xlsx", edits)
    assert qbalance.evaluate(texts).to_json() == qbalance.evaluate(qbalance.demo_path()).to_json()


@pytest.mark.parametrize("written", ["1,20", "12,34", "0,85", "5,6000", "1,234,56", "1.234,5"])
def test_separators_that_do_not_mark_groups_of_three_are_refused(demo_xlsx: Path, tmp_path: Path, written: str) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    students = _col(wb["学段"], "students")
    bad = _edit(demo_xlsx, tmp_path / "sep.xlsx", {"学段": {f"{students}3": written}})
    with pytest.raises(qbalance.InputError) as info:
        read_workbook(bad)
    (p,) = info.value.problems
    assert p.location == f"学段!{students}3" and p.key == "workbook.bad_thousands" and p.value == written
    assert "groups of three" in p.message and "千位分隔符" in p.text("zh")


def test_a_row_number_column_anywhere_is_ignored(demo_xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    for name, at, head in (("学校", 1, "序号"), ("学段", 4, "No.")):
        ws = wb[name]
        ws.insert_cols(at)  # a new column, blank in the hidden key row, as Excel inserts it
        ws.cell(1, at, head)
        for r in range(3, ws.max_row + 1):
            ws.cell(r, at, r - 2)
        for r in range(ws.max_row + 1, ws.max_row + 20):  # numbered rows people leave empty at the end
            ws.cell(r, at, r - 2)
    wb.save(tmp_path / "numbered.xlsx")
    assert qbalance.evaluate(tmp_path / "numbered.xlsx").to_json() == qbalance.evaluate(qbalance.demo_path()).to_json()


@pytest.mark.zh
@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("数据.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "Excel 97-2003"),
        ("数据.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "WPS 表格"),
        ("改了名.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "实际是旧版 Excel"),
    ],
)
def test_xls_and_wps_files_say_how_to_save_as_xlsx(tmp_path: Path, name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(qbalance.InputError) as info:
        read_workbook(path)
    (p,) = info.value.problems
    shown = str(info.value)
    assert name in shown and words in shown and "另存为" in shown and ".xlsx" in shown
    assert "Save As" in p.text("en") and name in p.text("en")


# -- (g) the template: number validation, school names on the sections sheet, colours explained ---------------


def _validations(ws: Any) -> dict[str, Any]:
    """First cell of each validated range → its data validation."""
    return {str(dv.sqref).split(":")[0].split()[0]: dv for dv in ws.data_validations.dataValidation}


def test_number_cells_are_validated_non_negative_and_whole_for_counts(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_template("cn-moe-2017", tmp_path / "t.xlsx"))
    sec, sch, cty = wb["学段"], wb["学校"], wb["县级指标"]
    # counts (students, teachers, classes, rooms): whole numbers from 0, refused when broken
    for ws, key in ((sec, "students"), (sec, "teachers.full_time"), (sec, "classes"), (sch, "music_rooms")):
        dv = _validations(ws)[f"{_col(ws, key)}3"]
        assert (dv.type, dv.operator, dv.formula1, dv.errorStyle) == ("whole", "greaterThanOrEqual", "0", "stop"), key
        assert dv.allow_blank and dv.showErrorMessage
    # areas and money: any number from 0; a warning only, since "96 万元" is accepted too
    for key in ("facilities.teaching_aux_area", "facilities.equipment_value"):
        dv = _validations(sch)[f"{_col(sch, key)}3"]
        assert (dv.type, dv.operator, dv.formula1, dv.errorStyle) == ("decimal", "greaterThanOrEqual", "0", "warning")
    assert str(_validations(sec)[f"{_col(sec, 'students')}3"].sqref).endswith(f"{_col(sec, 'students')}2003")
    rows = {cty.cell(r, 1).value: r for r in range(3, cty.max_row + 1)}
    county = _validations(cty)
    share = county[f"D{rows['satisfaction_rate']}"]  # a share: 0 to 1
    assert (share.type, share.operator, share.formula1, share.formula2) == ("decimal", "between", "0", "1")
    year = county[f"D{rows['year']}"]  # the county format's own bounds
    assert (year.type, year.formula1, year.formula2) == ("whole", "1990", "2100")
    assert county[f"D{rows['rotation_teachers']}"].type == "whole"
    assert f"D{rows['layout_planning']}" in county and county[f"D{rows['layout_planning']}"].type == "list"
    assert "A3" not in _validations(sch) and "B3" not in _validations(sch)  # ids and names are not numbers


@pytest.mark.zh
def test_validation_messages_follow_the_template_language(tmp_path: Path) -> None:
    zh = openpyxl.load_workbook(write_template("cn-moe-2017", tmp_path / "zh.xlsx"))["学段"]
    en = openpyxl.load_workbook(write_template("cn-moe-2017", tmp_path / "en.xlsx", lang="en"))["Sections"]
    col = _col(zh, "students")
    assert _validations(zh)[f"{col}3"].error == "请填写不小于 0 的整数(单位见表头)。"
    assert (
        _validations(en)[f"{_col(en, 'students')}3"].error
        == "Write a whole number, at least 0 (the unit is in the header)."
    )


def test_sections_sheet_carries_school_names_as_text_and_reads_them_back(demo_xlsx: Path) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    sch, sec = wb["学校"], wb["学段"]
    names = {sch[f"A{r}"].value: sch[f"B{r}"].value for r in range(3, sch.max_row + 1) if sch[f"A{r}"].value}
    assert [c.value for c in sec[2]][:3] == ["school_id", "school_name", "section"]
    assert sec["B1"].value == "学校名称"
    rows = [r for r in range(3, sec.max_row + 1) if sec[f"A{r}"].value is not None]
    assert len(rows) > len(names)  # nine-year schools have two sections
    for r in rows:
        assert sec[f"B{r}"].value == names[sec[f"A{r}"].value] and sec[f"B{r}"].data_type == "s"
    demo = qbalance.load_county(qbalance.demo_path())
    assert names == {s.id: s.name for s in demo.schools}


def test_a_school_name_that_differs_from_the_schools_sheet_names_both(demo_xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    right = wb["学段"]["B5"].value
    sid = wb["学段"]["A5"].value
    spaced = " ".join(wb["学段"]["B6"].value).replace("第", "第 ")  # spaces: still the same name
    bad = _edit(demo_xlsx, tmp_path / "names.xlsx", {"学段": {"B5": "第九中学", "B6": spaced}})
    with pytest.raises(qbalance.InputError) as info:
        read_workbook(bad)
    (p,) = info.value.problems
    assert (p.location, p.school_id, p.field, p.value) == ("学段!B5", sid, "school_name", "第九中学")
    assert "第九中学" in p.text("zh") and right in p.text("zh") and "学校" in p.text("zh")
    assert "'第九中学'" in p.message and repr(right) in p.message


def test_workbooks_without_the_school_name_column_still_read(demo_xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    wb["学段"].delete_cols(2)  # a template made before the column existed
    wb.save(tmp_path / "old.xlsx")
    assert qbalance.evaluate(tmp_path / "old.xlsx").to_json() == qbalance.evaluate(qbalance.demo_path()).to_json()


def test_instructions_explain_every_colour_the_template_uses(tmp_path: Path) -> None:
    from qbalance._data.workbook_layout import FILLS

    wb = openpyxl.load_workbook(write_template("cn-moe-2017", tmp_path / "t.xlsx"))
    used = {c.fill.fgColor.rgb[-6:] for c in wb["学校"][1]} | {wb["县级指标"]["E3"].fill.fgColor.rgb[-6:]}
    assert used == {FILLS["header"], FILLS["required"], FILLS["not_used"]}
    help_ws = wb["说明"]
    explained = {
        str(row[0].fill.fgColor.rgb)[-6:]: row[1].value
        for row in help_ws.iter_rows()
        if row[0].fill.fill_type == "solid" and row[1].value
    }
    assert set(explained) == used | {FILLS["problem"]}  # and the red of `qbalance check`
    assert "必填" in explained[FILLS["required"]] and "留空" in explained[FILLS["header"]]
    assert "不需要填写" in explained[FILLS["not_used"]] and "qbalance check" in explained[FILLS["problem"]]
    text = "\n".join(str(c.value) for row in help_ws.iter_rows() for c in row if c.value)
    assert "序号" in text and "另存为" in text and "qbalance check" in text


# -- (h) the pack a workbook was made for -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def basic_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "basic.xlsx"
    write_template("cn-moe-2012-basic", path, county=qbalance.demo_path())
    return path


def _set_meta(src: Path, dst: Path, key: str, value: str | None) -> Path:
    wb = openpyxl.load_workbook(src)
    ws = wb["_qbalance"]
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 1).value == key:
            ws.cell(r, 2).value = value
    wb.save(dst)
    return dst


def test_recorded_pack_is_the_pack_the_workbook_was_made_for(demo_xlsx: Path, basic_xlsx: Path, tmp_path: Path) -> None:
    from qbalance._data.workbook import recorded_pack

    assert recorded_pack(basic_xlsx) == "cn-moe-2012-basic"
    assert recorded_pack(str(demo_xlsx)) == "cn-moe-2017"
    assert recorded_pack(qbalance.demo_path()) is None  # not a workbook
    assert recorded_pack(tmp_path / "missing.xlsx") is None
    assert recorded_pack(_set_meta(demo_xlsx, tmp_path / "unknown.xlsx", "pack", "xx-not-installed")) is None
    wb = openpyxl.load_workbook(demo_xlsx)
    del wb["_qbalance"]
    wb.save(tmp_path / "no-record.xlsx")
    assert recorded_pack(tmp_path / "no-record.xlsx") is None
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    assert recorded_pack(tmp_path / "broken.xlsx") is None


@pytest.mark.zh
def test_a_workbook_read_under_another_pack_carries_a_warning(
    demo_xlsx: Path, basic_xlsx: Path, tmp_path: Path
) -> None:
    from qbalance._data.workbook import pack_mismatch

    _, _, cells = load_workbook_county(basic_xlsx, "cn-moe-2017")
    (w,) = cells.warnings
    assert w.key == "workbook.pack_differs" and w.source == str(basic_xlsx)
    assert w.text() == (
        "本工作簿是按“cn-moe-2012-basic 1.0.0”生成的模板，本次却按“cn-moe-2017 1.0.0”评估："
        "两个标准的填报项和要求可能不同，请确认所用标准无误"
    )
    assert load_workbook_county(demo_xlsx, "cn-moe-2017")[2].warnings == []
    assert load_workbook_county(demo_xlsx)[2].warnings == []  # no standard given: nothing to compare
    older = _set_meta(demo_xlsx, tmp_path / "older.xlsx", "version", "0.9.0")
    national = qbalance.load_standard("cn-moe-2017")
    v = pack_mismatch(older, national)
    assert v is not None and v.key == "workbook.pack_version_differs"
    assert v.text() == "本工作簿是按“cn-moe-2017”0.9.0版生成的模板，本次按1.0.0版评估：请确认所用版本无误"
    assert pack_mismatch(demo_xlsx, national) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_text_of_the_template_is_in_the_catalogue(tmp_path: Path, lang: str) -> None:
    # A key missing from the catalogue would show as the key itself ("workbook.help.x"): none does, in any cell or
    # in any of Excel's validation messages, in either language.
    wb = openpyxl.load_workbook(write_template("cn-moe-2017", tmp_path / "t.xlsx", lang=lang))
    texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    texts += [str(dv.error) for ws in wb.worksheets for dv in ws.data_validations.dataValidation if dv.error]
    assert len(texts) > 200
    assert [t for t in texts if "workbook." in t] == []


def test_a_workbook_stating_a_wrong_dimension_is_read_in_full(demo_xlsx: Path, tmp_path: Path) -> None:
    """Sheets are read with openpyxl's read-only reader, which trusts a sheet's stated dimension unless told not to:
    a workbook whose every sheet states ``A1`` (as some programs write) must give the same county as the original,
    every school and section included (the original's county is the independent reference)."""
    import re
    import zipfile

    wrong = tmp_path / "dimension.xlsx"
    with zipfile.ZipFile(demo_xlsx) as src, zipfile.ZipFile(wrong, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data, n = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
                assert n == 1, info.filename
            out.writestr(info, data)
    original = qbalance.load_county(demo_xlsx)
    assert len(original.schools) > 50
    assert qbalance.load_county(wrong) == original


def _with_part(src: Path, dst: Path, part_of: Any) -> Path:
    """A copy of a workbook with each sheet part's bytes passed through ``part_of(name, bytes)``."""
    import zipfile

    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w") as b:
        for info in a.infolist():
            data = a.read(info)
            b.writestr(info, part_of(info.filename, data) if info.filename.startswith("xl/worksheets/") else data)
    return dst


def _sheet_part(book: Path, title: str) -> str:
    """The zip part of the sheet titled ``title`` (by the workbook's own order of sheets)."""
    wb = openpyxl.load_workbook(book, read_only=True)
    index = wb.sheetnames.index(title)
    wb.close()
    return f"xl/worksheets/sheet{index + 1}.xml"


def test_a_broken_data_sheet_is_an_input_error_naming_it(demo_xlsx: Path, tmp_path: Path) -> None:
    """Sheets are parsed only when read (openpyxl's read-only reader): a data sheet cut in the middle of its XML is
    refused as broken XML at that sheet — never a crash (the archive check parses only sheets that may hold a
    formula). The command line exits 2 (invalid input), as for every unreadable workbook."""
    part = _sheet_part(demo_xlsx, "学校")
    broken = _with_part(demo_xlsx, tmp_path / "broken.xlsx", lambda name, d: d[: len(d) // 2] if name == part else d)
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(broken)
    (problem,) = info.value.problems
    assert problem.key == "files.workbook_broken_xml" and problem.sheet == "学校"
    assert problem.source == str(broken)
    from qbalance._cli.main import main

    assert main(["evaluate", str(broken)]) == 2


def test_a_broken_hidden_sheet_is_reported_when_the_data_are_read(demo_xlsx: Path, tmp_path: Path) -> None:
    """The hidden ``_qbalance`` sheet is read first to find the pack the workbook was made for; broken, it records
    no pack (the national one is used) and reading the data refuses it, naming it."""
    part = _sheet_part(demo_xlsx, "_qbalance")
    broken = _with_part(demo_xlsx, tmp_path / "meta.xlsx", lambda name, d: d[: len(d) // 2] if name == part else d)
    from qbalance._data.workbook import recorded_pack

    assert recorded_pack(broken) is None
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(broken)
    assert [(p.key, p.sheet) for p in info.value.problems] == [("files.workbook_broken_xml", "_qbalance")]
