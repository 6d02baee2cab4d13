"""``qbalance check WORKBOOK``: a copy of the user's own workbook with every problem cell filled red and commented,
a 问题清单 sheet in front, exit status 0 (clean) or 2 (problems), never 1."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

import qbalance
from qbalance._cli.check_command import add_check_command
from qbalance._data.workbook_layout import FILLS
from qbalance._workflow.template import write_template
from qbalance._workflow.workbook_check import check_workbook_file, default_output

openpyxl = pytest.importorskip("openpyxl")

RED = FILLS["problem"]


@pytest.fixture(scope="module")
def demo_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("check") / "demo.xlsx"
    write_template("cn-moe-2017", path, county=qbalance.demo_path())
    return path


def _col(ws: Any, key: str) -> str:
    """The column letter of a machine key (hidden row 2)."""
    return str(next(c.column_letter for c in ws[2] if c.value == key))


def _run(*argv: str) -> int:
    """``qbalance check ARGV`` through a parser built with :func:`add_check_command` (as ``build_parser`` does)."""
    parser = argparse.ArgumentParser(prog="qbalance")
    add_check_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["check", *argv])
    code: int = args.func(args)
    return code


def _bad_copy(demo_xlsx: Path, tmp_path: Path) -> tuple[Path, dict[tuple[str, str], str]]:
    """The demo workbook with four bad cells and the user's own formatting; the bad cells and what each holds."""
    wb = openpyxl.load_workbook(demo_xlsx)
    sec, sch = wb["学段"], wb["学校"]
    students, full_time = _col(sec, "students"), _col(sec, "teachers.full_time")
    bad = {
        ("学段", f"{students}3"): "很多",
        ("学段", f"{full_time}4"): -3,
        ("学段", "B5"): "别的学校",  # a name that is not the schools sheet's
        ("学校", "C4"): "中专",
    }
    for (sheet, ref), value in bad.items():
        wb[sheet][ref] = value
    # the user's own formatting and notes, on clean cells and on a bad one
    sch["B3"].font = openpyxl.styles.Font(bold=True, color="1F4E79")
    sch["B3"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFF2CC")
    sch["B4"].comment = openpyxl.comments.Comment("校名待核实", "张老师")
    sec[f"{full_time}4"].comment = openpyxl.comments.Comment("上报数", "张老师")
    sec["Z1"] = "=SUM(D3:D10)"  # a formula of theirs
    path = tmp_path / "县数据.xlsx"
    wb.save(path)
    return path, {k: str(v) for k, v in bad.items()}


def _cells(path: Path) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Every cell of every sheet: value, fill, font, number format, comment."""
    wb = openpyxl.load_workbook(path)
    out: dict[tuple[str, str], tuple[Any, ...]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                comment = (c.comment.text, c.comment.author) if c.comment else None
                fill = (c.fill.fill_type, c.fill.fgColor.rgb)
                font = (c.font.b, c.font.color.rgb if c.font.color is not None else None)
                out[(ws.title, c.coordinate)] = (c.value, fill, font, c.number_format, comment)
    return out


@pytest.mark.zh
def test_problem_cells_are_red_and_commented_and_clean_cells_untouched(demo_xlsx: Path, tmp_path: Path) -> None:
    path, bad = _bad_copy(demo_xlsx, tmp_path)
    before = path.read_bytes()
    assert _run(str(path)) == 2
    assert path.read_bytes() == before  # the user's workbook itself is never changed
    out = default_output(path)
    assert out == tmp_path / "县数据-问题标注.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "问题清单" and wb.active.title == "问题清单"
    assert wb.sheetnames[1:] == openpyxl.load_workbook(path).sheetnames
    for sheet, ref in bad:
        cell = wb[sheet][ref]
        assert (cell.fill.fill_type, cell.fill.fgColor.rgb[-6:]) == ("solid", RED), (sheet, ref)
        assert cell.comment is not None and cell.comment.author == "qbalance", (sheet, ref)
    sec = wb["学段"]
    students, full_time = _col(sec, "students"), _col(sec, "teachers.full_time")
    # what each comment says, in Chinese: the catalogue's texts, written out by hand
    # the user's own note is kept, after ours, with its author
    assert sec[f"{full_time}4"].comment.text == "不能为负数\n\n—— 张老师\n上报数"
    assert "很多" in sec[f"{students}3"].comment.text
    assert sec["B5"].comment.text == (
        "学校名称“别的学校”与“学校”表中该标识码的学校名称“示例城区第3小学”不一致：请核对标识码或名称"
    )
    assert "应为以下之一" in wb["学校"]["C4"].comment.text
    # every other cell is exactly as the user left it: values, formulas, fills, fonts, formats, comments
    original, marked = _cells(path), _cells(out)
    marked = {k: v for k, v in marked.items() if k[0] != "问题清单"}
    changed = {k for k in original.keys() | marked.keys() if original.get(k) != marked.get(k)}
    assert changed == set(bad)
    assert marked[("学段", "Z1")][0] == "=SUM(D3:D10)"
    assert marked[("学校", "B4")][4] == ("校名待核实", "张老师")


@pytest.mark.zh
def test_the_problem_sheet_lists_every_problem_with_a_link_to_its_cell(demo_xlsx: Path, tmp_path: Path) -> None:
    path, bad = _bad_copy(demo_xlsx, tmp_path)
    result = check_workbook_file(path, tmp_path / "marked.xlsx")
    assert not result.ok and result.output == tmp_path / "marked.xlsx" and result.standard == "cn-moe-2017 1.0.0"
    ws = openpyxl.load_workbook(result.output)["问题清单"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("位置", "学校", "字段", "值", "问题")
    assert len(rows) - 1 == len(result.problems) == len(bad)
    assert {r[0] for r in rows[1:]} == {f"{sheet}!{ref}" for sheet, ref in bad}
    by_place = {r[0]: r for r in rows[1:]}
    assert by_place["学校!C4"][1:4] == ("9999010002", "学校类型", "中专")
    links = {ws.cell(i, 1).value: ws.cell(i, 1).hyperlink.location for i in range(2, ws.max_row + 1)}
    assert links["学校!C4"] == "'学校'!C4"


@pytest.mark.zh
def test_a_problem_without_a_cell_goes_on_the_problem_sheet(demo_xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo_xlsx)
    del wb["学段"]
    wb.save(tmp_path / "no-sections.xlsx")
    result = check_workbook_file(tmp_path / "no-sections.xlsx", tmp_path / "marked.xlsx")
    (p,) = result.problems
    assert p.key == "workbook.sheet_missing" and p.row is None
    marked = openpyxl.load_workbook(tmp_path / "marked.xlsx")
    rows = list(marked["问题清单"].iter_rows(min_row=2, values_only=True))
    assert rows == [("学段", None, None, None, p.text("zh"))]
    assert "缺少工作表“学段”" in p.text("zh")
    data_sheets = [ws for ws in marked.worksheets if ws.title not in ("问题清单", "说明")]  # 说明 shows the red swatch
    red = [c for ws in data_sheets for row in ws.iter_rows() for c in row if c.fill.fgColor.rgb[-6:] == RED]
    assert red == [] and [ws.title for ws in data_sheets][:2] == ["县级指标", "学校"]


def test_english_comments_and_sheet_with_lang_en(demo_xlsx: Path, tmp_path: Path) -> None:
    path, _ = _bad_copy(demo_xlsx, tmp_path)
    assert _run(str(path), "--lang", "en", "-o", str(tmp_path / "en.xlsx")) == 2
    wb = openpyxl.load_workbook(tmp_path / "en.xlsx")
    assert wb.sheetnames[0] == "Problems"
    assert [c.value for c in wb["Problems"][1]] == ["where", "school", "field", "value", "problem"]
    full_time = _col(wb["学段"], "teachers.full_time")
    assert wb["学段"][f"{full_time}4"].comment.text.startswith("must not be negative")


def test_a_clean_workbook_exits_0_and_writes_nothing(
    demo_xlsx: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never.xlsx"
    assert _run(str(demo_xlsx), "-o", str(out)) == 0
    assert not out.exists()
    assert "未发现问题" in capsys.readouterr().out


@pytest.mark.zh
def test_the_output_never_overwrites_the_workbook(
    demo_xlsx: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = _bad_copy(demo_xlsx, tmp_path)
    before = path.read_bytes()
    assert _run(str(path), "-o", str(path)) == 2
    assert path.read_bytes() == before
    assert "不能覆盖原文件" in capsys.readouterr().err


@pytest.mark.zh
def test_an_xls_file_gets_the_save_as_steps_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "县数据.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    assert _run(str(path)) == 2
    out = capsys.readouterr().out
    assert "县数据.xls" in out and "另存为" in out and "Excel 工作簿(*.xlsx)" in out
    assert not default_output(path).exists()


@pytest.mark.zh
def test_the_recorded_pack_is_used_unless_another_is_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    basic = write_template("cn-moe-2012-basic", tmp_path / "basic.xlsx", county=qbalance.demo_path())
    result = check_workbook_file(basic)
    assert result.ok and result.standard == "cn-moe-2012-basic 1.0.0" and result.warnings == []
    other = check_workbook_file(basic, standard="cn-moe-2017")
    assert other.standard == "cn-moe-2017 1.0.0"
    (w,) = other.warnings
    assert w.key == "workbook.pack_differs"
    _run(str(basic), "--standard", "cn-moe-2017")
    err = capsys.readouterr().err
    assert "提示：本工作簿是按“cn-moe-2012-basic 1.0.0”生成的模板" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["missing.xlsx"],
        ["county.yaml"],
        ["bad.xlsx", "--standard", "no-such-pack"],
        ["bad.xlsx", "-o", "no/such/folder/x.xlsx"],
    ],
)
def test_check_never_exits_1(demo_xlsx: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    _bad_copy(demo_xlsx, tmp_path)[0].rename(tmp_path / "bad.xlsx")
    (tmp_path / "county.yaml").write_text(qbalance.demo_path().read_text(encoding="utf-8"), encoding="utf-8")
    assert _run(*argv) == 2
    assert not (tmp_path / "no").exists()  # no folder made for an output that cannot be written


@pytest.mark.zh
def test_a_marked_copy_corrected_and_checked_again_shows_only_what_is_still_wrong(
    demo_xlsx: Path, tmp_path: Path
) -> None:
    path, bad = _bad_copy(demo_xlsx, tmp_path)
    first = check_workbook_file(path, tmp_path / "marked.xlsx")
    assert first.output is not None
    wb = openpyxl.load_workbook(first.output)
    sec = wb["学段"]
    full_time = _col(sec, "teachers.full_time")
    right = openpyxl.load_workbook(demo_xlsx)["学段"][f"{full_time}4"].value
    sec[f"{full_time}4"] = right  # corrected in the marked copy; the other three stay wrong
    wb.save(tmp_path / "corrected.xlsx")
    again = check_workbook_file(tmp_path / "corrected.xlsx", tmp_path / "again.xlsx")
    assert len(again.problems) == len(bad) - 1
    out = openpyxl.load_workbook(tmp_path / "again.xlsx")
    fixed = out["学段"][f"{full_time}4"]
    assert fixed.fill.fill_type is None  # no longer red
    assert (fixed.comment.text, fixed.comment.author) == ("上报数", "张老师")  # the user's own note given back
    assert out.sheetnames.count("问题清单") == 1 and out.sheetnames[0] == "问题清单"
    assert len(list(out["问题清单"].iter_rows(min_row=2))) == len(bad) - 1
    red = {
        (ws.title, c.coordinate)
        for ws in out.worksheets
        if ws.title not in ("问题清单", "说明")
        for row in ws.iter_rows()
        for c in row
        if c.fill.fill_type == "solid" and c.fill.fgColor.rgb[-6:] == RED
    }
    assert red == set(bad) - {("学段", f"{full_time}4")}


def test_a_sheet_of_the_users_own_named_like_the_problem_sheet_is_kept(demo_xlsx: Path, tmp_path: Path) -> None:
    path, _ = _bad_copy(demo_xlsx, tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("问题清单")["A1"] = "我自己的笔记"
    wb.save(path)
    result = check_workbook_file(path, tmp_path / "marked.xlsx")
    assert result.output is not None
    out = openpyxl.load_workbook(result.output)
    assert out.sheetnames[0] == "问题清单 (2)" and out["问题清单"]["A1"].value == "我自己的笔记"
