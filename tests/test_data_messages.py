"""What the data readers say, in Chinese by default and in English on request: file refusals, the pack's facts
(named by the pack's label), the columnar reader's cells, roster cells, and the warnings carried into the report.

The Chinese texts are checked against the catalogue's sentences as written there (the expected strings below are
typed by hand from ``src/qbalance/_base/catalogue/*.yaml``); the English ones are the texts programs and older
tests read, kept word for word.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import qbalance
from conftest import county, school
from qbalance._base.documents import DATA_LIMITS, YamlRefused, load_json, load_yaml
from qbalance._base.messages import language
from qbalance._data.columns import county_to_columns
from qbalance._data.intake import read_input
from qbalance._data.models import County
from qbalance._data.roster import roster_rows


def _problems(call: Any, *args: Any, **kwargs: Any) -> list[qbalance.Problem]:
    with pytest.raises(qbalance.InputError) as info:
        call(*args, **kwargs)
    return info.value.problems


def _columns(data: dict[str, Any]) -> dict[str, list[Any]]:
    return county_to_columns(County.model_validate(data))


def _warnings(data: Any, standard: qbalance.Standard) -> list[qbalance.Problem]:
    return read_input(data, standard).table.warnings


# ---------------------------------------------------------------- files


@pytest.mark.zh
def test_file_refusals_speak_chinese_by_default(tmp_path: Path) -> None:
    (missing,) = _problems(qbalance.load_county, tmp_path / "nowhere.yaml")
    assert missing.text() == "无法读取文件：文件不存在"
    assert missing.message == "cannot read file: No such file or directory" and missing.key == "files.cannot_read"
    (folder,) = _problems(qbalance.load_county, _mkdir(tmp_path / "dir.yaml"))
    assert folder.text() == "无法读取文件：这是一个文件夹，不是文件"
    odd = tmp_path / "county.txt"
    odd.write_text("x", encoding="utf-8")
    (suffix,) = _problems(qbalance.load_county, odd)
    assert (
        suffix.text() == "无法识别的文件类型“.txt”：请使用 .yaml、.yml、.json、.xlsx 或 .csv 文件（见 qbalance --help）"
    )
    assert (
        suffix.text("en") == "unknown file type '.txt': use .yaml, .yml, .json, .xlsx or .csv (see `qbalance --help`)"
    )


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.zh
def test_yaml_and_json_refusals_name_the_place_in_chinese() -> None:
    with pytest.raises(YamlRefused) as info:
        load_yaml("a: 1\nb: 2\na: 3\n", "x.yaml")
    problem = info.value.problem
    # the first 'a' is at line 1, column 1; the repeated one at line 3, column 1
    assert problem.text() == "键“a”重复（首次出现在第1行第1列）"
    assert problem.render() == "x.yaml:第3行第1列: 键“a”重复（首次出现在第1行第1列）"
    assert problem.message == "duplicate key 'a' (first at line 1, column 1)"
    with pytest.raises(YamlRefused) as info:
        load_yaml("a: !!python/object:os.system x\n", "x.yaml")
    assert info.value.problem.text() == "不允许使用 YAML 标签 tag:yaml.org,2002:python/object:os.system"
    with pytest.raises(YamlRefused) as info:  # a standard tag that changes a plain value: quote it instead
        load_yaml("a: !!float 3\n", "x.yaml")
    assert info.value.problem.text() == "不允许使用 YAML 标签 tag:yaml.org,2002:float（请改为给值加引号）"
    with pytest.raises(YamlRefused) as info:
        load_json('{"a": NaN}', "x.json", DATA_LIMITS)
    assert info.value.problem.text() == "不是有效的 JSON：NaN 不是有效的 JSON 值"
    assert info.value.problem.message == "not valid JSON: NaN is not valid JSON"


@pytest.mark.skipif(os.name != "posix", reason="a FIFO is a POSIX file")
@pytest.mark.zh
def test_a_pipe_is_refused_in_chinese(tmp_path: Path) -> None:
    fifo = tmp_path / "county.yaml"
    os.mkfifo(fifo)
    (problem,) = _problems(qbalance.load_county, fifo)
    assert problem.text() == "无法读取文件：不是普通文件（而是管道、套接字或设备）"


# ---------------------------------------------------------------- the pack's facts


@pytest.mark.zh
def test_a_bad_fact_is_named_by_the_packs_label_in_either_language() -> None:
    data = county(school("A"), school("B"))
    data["facts"]["quality_quota_share"] = 1.5  # a share: at most 1
    data["schools"][1]["facts"]["moral_education_rating"] = "很好"  # not a level of the rating scale
    share, rating = _problems(qbalance.evaluate, data)
    assert share.field == "facts.quality_quota_share" and share.label is not None
    assert share.field_text("zh") == f"{share.label['zh']} [facts.quality_quota_share]"
    assert share.text() == "不能大于1（比例写作 0.85 或“85%”）"
    assert share.message == "must be at most 1 (a share is written 0.85 or '85%')"
    assert rating.school_id == "B" and rating.label is not None
    assert rating.text().startswith("不是该评价等级中的值：请填写") and "良好" in rating.text()
    assert rating.message.startswith("not a rating on this scale: use one of")
    assert f"字段 {rating.label['zh']} [facts.moral_education_rating]" in rating.render()
    assert f"field {rating.label['en']} [facts.moral_education_rating]" in rating.render("en")


@pytest.mark.zh
def test_the_same_fact_problem_reads_the_same_from_a_table() -> None:
    data = county(school("A"), school("B"))
    data["facts"]["quality_quota_share"] = 1.5
    (from_file,) = _problems(qbalance.evaluate, data)
    cols = _columns(data)
    (from_table,) = _problems(qbalance.evaluate_many, cols)
    assert from_table.text() == from_file.text() == "不能大于1（比例写作 0.85 或“85%”）"
    assert from_table.label == from_file.label
    assert from_table.render().startswith("第2行，字段 ")  # the first data row, after the header


@pytest.mark.zh
def test_warnings_speak_chinese_and_guess_what_was_meant(national: qbalance.Standard) -> None:
    data = county(school("A"), school("B"))
    data["schools"][1]["facts"]["music_room"] = 2  # a slip for music_rooms
    data["facts"]["music_rooms"] = 2  # a school-level input written at county level
    data["schools"][0]["sections"]["primary"]["students"] = 0
    warnings = {w.field: w for w in _warnings(data, national)}
    label = national.pack.inputs["music_rooms"].label.zh
    assert warnings["facts.music_room"].text() == (
        f"数据项“music_room”不是标准 cn-moe-2017 在学校级的输入项，未使用；是否应为“music_rooms”（{label}）？"
    )
    assert warnings["facts.music_room"].message == (
        "fact 'music_room' is not an input of pack cn-moe-2017 at school level; it is not used; "
        "did you mean 'music_rooms'?"
    )
    assert warnings["facts.music_rooms"].text() == (
        f"数据项“music_rooms”（{label}）是标准 cn-moe-2017 的学校级输入项，不应写在县级；此处的值未使用"
    )
    assert warnings["sections.primary.students"].text() == "该学段没有在校学生：不参与任何生均指标的计算"
    assert warnings["sections.primary.students"].message == (
        "section has no students: it is left out of every per-student indicator"
    )


@pytest.mark.zh
def test_ignored_senior_data_is_listed_by_label_in_chinese_and_by_key_in_english(national: qbalance.Standard) -> None:
    sections = {
        "primary": {"students": 600, "teachers": {"full_time": 40}},
        "junior": {"students": 400, "teachers": {"full_time": 40}},
        "senior": {"students": 300, "classes": 6, "teachers": {"full_time": 30}},
    }
    data = county(school("T", "twelve_year", sections=sections), school("B"))
    expected_zh = (
        "已忽略：高中学段的数据（班级数、专任教师数）不用于义务教育指标；高中只读取在校学生数，用于分摊共用设施"
    )
    expected_en = (
        "ignored: senior section data (classes, teachers.full_time) is not used by compulsory-education "
        "indicators; only the senior students are read, to apportion shared facilities"
    )
    (from_file,) = [w for w in _warnings(data, national) if w.field == "sections.senior"]
    (from_table,) = [w for w in _warnings(_frame(data), national) if w.field == "sections.senior"]
    for w in (from_file, from_table):
        assert (w.text(), w.message) == (expected_zh, expected_en)


def _frame(data: dict[str, Any]) -> Any:
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(_columns(data))


# ---------------------------------------------------------------- the columnar reader


@pytest.mark.zh
def test_table_cells_are_reported_in_chinese() -> None:
    cols = _columns(county(school("A"), school("B")))
    cols["location"][1] = "城关"
    cols["students"][0] = -3
    cols["boarding"] = ["maybe", None]
    problems = _problems(qbalance.evaluate_many, cols)
    by_field = {p.field: p for p in problems}
    assert by_field["location"].text() == "应为以下之一：城区、镇区、乡村"
    assert by_field["location"].message.startswith("not one of urban, town, rural (or ")
    assert by_field["students"].text() == "不能为负数" and by_field["students"].message == "must not be negative"
    assert by_field["boarding"].text() == "请填写 true 或 false"
    assert (
        by_field["boarding"].render() == "第2行，学校 A，字段 寄宿制学校 [boarding]，值 'maybe': 请填写 true 或 false"
    )


def test_an_unknown_column_gets_a_did_you_mean_in_english() -> None:
    cols = _columns(county(school("A"), school("B")))
    cols["facilities.teaching_aux_aera"] = [1, 2]
    result = qbalance.evaluate_many(cols)
    (warning,) = [w for w in result.table.warnings if w.field == "facilities.teaching_aux_aera"]
    assert warning.message == (
        "column 'facilities.teaching_aux_aera' is not an input of pack cn-moe-2017; it is not used; "
        "did you mean 'facilities.teaching_aux_area'?"
    )


@pytest.mark.zh
def test_an_unknown_column_gets_a_did_you_mean_in_chinese() -> None:
    cols = _columns(county(school("A"), school("B")))
    cols["facilities.teaching_aux_aera"] = [1, 2]
    cols["remarks"] = ["x", "y"]  # nothing like any input: no guess
    warnings = {w.field: w for w in qbalance.evaluate_many(cols).table.warnings}
    assert warnings["facilities.teaching_aux_aera"].text() == (
        "列“facilities.teaching_aux_aera”不是标准 cn-moe-2017 的输入项，未使用；"
        "是否应为“facilities.teaching_aux_area”？"
    )
    assert warnings["remarks"].text() == "列“remarks”不是标准 cn-moe-2017 的输入项，未使用"


@pytest.mark.zh
def test_a_csv_saved_in_gbk_is_refused_with_how_to_save_it(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("county_code,学校\n1,第一小学\n".encode("gbk"))
    (problem,) = _problems(qbalance.evaluate_many, path)
    # "county_code," is 12 bytes; 学校 in GBK (D1 A7 D0 A3) happen to be valid UTF-8 pairs, then the newline
    # (byte 16) and "1," (17, 18): 第 (B5 DA) starts with a continuation byte, at byte 19
    assert problem.text().startswith("不是 UTF-8 编码的文本（第19字节）：请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”")
    assert problem.message.startswith("not UTF-8 text (byte 19)")


# ---------------------------------------------------------------- rosters


@pytest.mark.zh
def test_roster_cells_are_reported_in_chinese(national: qbalance.Standard) -> None:
    rows = [
        {"school_id": "A", "section": "大学", "qualification": "bachelor", "backbone": "none", "subject": "pe"},
        {"school_id": "A", "section": "小学", "qualification": "博士后", "backbone": "none", "subject": "pe"},
        {"school_id": "A", "section": "小学", "qualificaton": "x", "backbone": "none", "subject": "pe"},
    ]
    problems = _problems(roster_rows, rows, national)
    texts = [p.text() for p in problems]
    assert "不是学段：请填写小学、初中或高中" in texts
    assert "教师名册中有未知的列“qualificaton”；是否应为“qualification”？" in texts
    not_one = next(p for p in problems if p.key == "roster.not_one_of")
    assert not_one.text().startswith("应为以下之一：") and not_one.message.startswith("not one of ")
    assert not_one.label is not None and not_one.field_text() == f"{not_one.label['zh']} [qualification]"
    with language("en"):
        assert "unknown roster column 'qualificaton'; did you mean 'qualification'?" in [
            str(p.text()) for p in problems
        ]
