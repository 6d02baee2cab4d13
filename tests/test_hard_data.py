"""Hard data: every awkward value is either an InputError naming the school, the field and the value, or an explicit
warning in the report; a number is never changed silently. docs/input-format.md ("Hard data") lists each case.

Each case runs through the file/dict path (``qbalance.evaluate``) and, where the columnar format can express it,
through the columnar path (``qbalance.evaluate_many``), which must reach the same conclusion.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import qbalance
from conftest import county, school
from qbalance._data.columns import county_to_columns
from qbalance._data.models import PLAUSIBLE_MAX, County

# --------------------------------------------------------------------------------------------------------------------
# helpers


def _errors(data: Any) -> list[qbalance.Problem]:
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(data)
    return info.value.problems


def _one_error(data: Any) -> qbalance.Problem:
    problems = _errors(data)
    assert len(problems) == 1, [p.render() for p in problems]
    return problems[0]


def _columns(data: dict[str, Any]) -> dict[str, list[Any]]:
    return county_to_columns(County.model_validate(data))


def _column_errors(cols: dict[str, list[Any]]) -> list[qbalance.Problem]:
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate_many(cols)
    return info.value.problems


def _with_cell(cols: dict[str, list[Any]], column: str, row: int, value: Any) -> dict[str, list[Any]]:
    out = {k: list(v) for k, v in cols.items()}
    out.setdefault(column, [None] * len(out["school_id"]))
    out[column][row] = value
    return out


def _write_yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "county.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _yaml_of(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _two_schools() -> dict[str, Any]:
    return county(school("A"), school("B"))


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``schools[0].<dotted path>`` set to ``value``."""
    out = copy.deepcopy(data)
    cur = out["schools"][0]
    *parents, last = path.split(".")
    for p in parents:
        cur = cur[p]
    cur[last] = value
    return out


# --------------------------------------------------------------------------------------------------------------------
# negative, non-finite and absurd numbers

NUMERIC_CASES: list[tuple[str, Any, str]] = [
    # (field under schools[0], bad value, part of the message)
    ("sections.primary.students", -5, "must not be negative"),
    ("sections.primary.teachers.full_time", -1, "must not be negative"),
    ("facilities.multimedia_classrooms", -2, "must not be negative"),
    ("facilities.teaching_aux_area", -4500, "must not be negative"),
    ("facilities.teaching_aux_area", math.nan, "not a finite number"),
    ("facilities.teaching_aux_area", math.inf, "not a finite number"),
    ("facilities.teaching_aux_area", -math.inf, "not a finite number"),
    ("sections.primary.students", math.nan, "not a finite number"),
    ("facilities.teaching_aux_area", 1e15, "implausibly large"),
    ("facilities.teaching_aux_area", "1e15 m²", "implausibly large"),
    ("facilities.sports_ground_area", "3 万元", "万元"),  # money where an area belongs
    ("facilities.equipment_value", "4500 m2", "m2"),  # area where money belongs
    ("facilities.teaching_aux_area", "4,50 m²", "thousands separator"),  # never 450 or 4.5
    ("facilities.teaching_aux_area", "4500", "has no unit"),  # a string without a unit is not guessed
    ("facilities.teaching_aux_area", True, "boolean"),
    ("sections.primary.students", 100.5, "whole number"),
    ("sections.primary.students", 60_000, "implausible enrolment"),
]


@pytest.mark.parametrize(("field", "value", "message"), NUMERIC_CASES)
def test_bad_numbers_name_school_field_and_value(field: str, value: Any, message: str) -> None:
    problem = _one_error(_set(_two_schools(), field, value))
    assert problem.school_id == "A"
    assert problem.field == field
    if isinstance(value, float) and math.isnan(value):
        assert isinstance(problem.value, float) and math.isnan(problem.value)
    else:
        assert problem.value == value
    assert message in problem.message
    assert "school A" in problem.render() and field in problem.render()


@pytest.mark.parametrize(
    ("scalar", "message"),
    [(".nan", "not a finite number"), (".inf", "not a finite number"), ("-.inf", "not a finite number")],
)
def test_yaml_nan_and_infinity_are_refused_with_their_line(tmp_path: Path, scalar: str, message: str) -> None:
    text = _yaml_of(_two_schools()).replace("teaching_aux_area: 4500", f"teaching_aux_area: {scalar}", 1)
    problem = _one_error(_write_yaml(tmp_path, text))
    assert (problem.school_id, problem.field) == ("A", "facilities.teaching_aux_area")
    assert message in problem.message
    line = next(i for i, t in enumerate(text.splitlines(), 1) if f"teaching_aux_area: {scalar}" in t)
    assert problem.location is not None and problem.location.startswith(f"line {line},")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_refused(tmp_path: Path, constant: str) -> None:
    text = json.dumps(_two_schools(), ensure_ascii=False).replace('"teaching_aux_area": 4500', f'"x": {constant}', 1)
    path = tmp_path / "county.json"
    path.write_text(text, encoding="utf-8")
    problem = _one_error(path)
    assert problem.source == str(path)
    assert constant in problem.message and "not valid JSON" in problem.message


def test_nan_in_facts_is_refused() -> None:
    data = _set(_two_schools(), "facts.music_rooms", math.nan)
    problem = _one_error(data)
    assert problem.school_id == "A" and problem.field == "facts"
    assert "music_rooms" in problem.message and "finite" in problem.message


def test_plausibility_bounds_are_documented() -> None:
    text = Path(__file__).resolve().parents[1].joinpath("docs", "input-format.md").read_text(encoding="utf-8")
    assert "## 16. Hard data" in text
    assert f"{PLAUSIBLE_MAX['m**2']:,.0f}" in text  # the area bound is stated in the docs


# --- the columnar path reaches the same conclusions


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("students", -5, "must not be negative"),
        ("teachers.full_time", -1, "must be at least 0"),
        ("facilities.multimedia_classrooms", -2, "must be at least 0"),
        ("facilities.teaching_aux_area", -4500, "must be at least 0"),
        ("facilities.teaching_aux_area", math.inf, "not a finite number"),
        ("facilities.teaching_aux_area", -math.inf, "not a finite number"),
        ("facilities.sports_ground_area", "3 万元", "万元"),
        ("facilities.teaching_aux_area", "4,50 m²", "thousands separator"),
        ("students", 100.5, "whole number"),
        ("students", 60_000, "implausible enrolment"),
    ],
)
def test_columnar_bad_numbers_name_school_field_and_value(column: str, value: Any, message: str) -> None:
    cols = _with_cell(_columns(_two_schools()), column, 0, value)
    problems = [p for p in _column_errors(cols) if "exceeds full-time" not in p.message]
    assert len(problems) == 1, [p.render() for p in problems]
    (problem,) = problems
    assert (problem.school_id, problem.field, problem.location) == ("A", column, "row 2")
    assert message in problem.message


def test_columnar_boolean_among_numbers_is_refused() -> None:
    cols = _with_cell(_columns(_two_schools()), "facilities.teaching_aux_area", 0, True)
    (problem,) = _column_errors(cols)
    assert (problem.school_id, problem.field, problem.value) == ("A", "facilities.teaching_aux_area", True)


def test_columnar_boolean_column_is_refused() -> None:
    cols = _columns(_two_schools())
    cols["facilities.teaching_aux_area"] = [True] * len(cols["school_id"])
    problems = _column_errors(cols)
    assert {(p.school_id, p.field) for p in problems} == {
        ("A", "facilities.teaching_aux_area"),
        ("B", "facilities.teaching_aux_area"),
    }


def test_columnar_absurd_area_is_refused() -> None:
    cols = _with_cell(_columns(_two_schools()), "facilities.teaching_aux_area", 0, 1e15)
    (problem,) = _column_errors(cols)
    assert "implausibly large" in problem.message


def test_columnar_nan_is_a_missing_value_not_a_number() -> None:
    """In a table NaN is how pandas writes an empty cell: it means "missing", and the report says so."""
    cols = _with_cell(_columns(_two_schools()), "facilities.teaching_aux_area", 0, math.nan)
    result = qbalance.evaluate_many(cols)
    report = result.report(result.county_codes[0])
    assert any("teaching_aux_area" in what for m in report.missing for what in m.what)
    # a required value that is NaN is an error, not a zero
    cols = _with_cell(_columns(_two_schools()), "students", 0, math.nan)
    (problem,) = _column_errors(cols)
    assert (problem.school_id, problem.field) == ("A", "students") and "required" in problem.message


def test_dataframe_input_gives_the_same_errors() -> None:
    pd = pytest.importorskip("pandas")
    cols = _columns(_two_schools())
    frame = pd.DataFrame(cols)
    frame.loc[0, "students"] = -5
    frame["facilities.teaching_aux_area"] = frame["facilities.teaching_aux_area"].astype(float)
    frame.loc[1, "facilities.teaching_aux_area"] = float("inf")
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate_many(frame)
    got = {(p.school_id, p.field) for p in info.value.problems}
    assert got == {("A", "students"), ("B", "facilities.teaching_aux_area")}


# --------------------------------------------------------------------------------------------------------------------
# thousands separators and unit spellings


def test_thousands_separators_and_square_metre_sign_are_read_exactly() -> None:
    base = qbalance.evaluate(_two_schools()).to_dict()
    for written in ("4,500 m²", "4,500.0 m²", "4500 ㎡", "4,500 ㎡", "4500 平方米"):
        report = qbalance.evaluate(_set(_two_schools(), "facilities.teaching_aux_area", written)).to_dict()
        assert report["schools"] == base["schools"], written


def test_columnar_thousands_separators_are_read_exactly() -> None:
    cols = _columns(_two_schools())
    plain = qbalance.evaluate_many(cols).report("990001").to_dict()
    written = qbalance.evaluate_many(_with_cell(cols, "facilities.teaching_aux_area", 0, "4,500 ㎡"))
    assert written.report("990001").to_dict()["schools"] == plain["schools"]


# --------------------------------------------------------------------------------------------------------------------
# counts that are possible but suspicious: warnings in the report


def test_zero_students_is_a_warning_and_the_section_is_left_out() -> None:
    data = _set(_two_schools(), "sections.primary.students", 0)
    data["schools"][0]["sections"]["primary"]["teachers"] = {"full_time": 0}
    report = qbalance.evaluate(data)
    warned = {(w.school_id, w.field) for w in report.warnings}
    assert ("A", "sections.primary.students") in warned
    cols = _with_cell(_columns(data), "students", 0, 0)
    result = qbalance.evaluate_many(cols)
    assert ("A", "sections.primary.students") in {(w.school_id, w.field) for w in result.report("990001").warnings}


def test_students_without_teachers_is_a_warning_in_both_paths() -> None:
    data = _set(_two_schools(), "sections.primary.teachers", {"full_time": 0})
    report = qbalance.evaluate(data)
    (warning,) = [w for w in report.warnings if w.field == "sections.primary.teachers.full_time"]
    assert warning.school_id == "A" and "no full-time teachers" in warning.message
    result = qbalance.evaluate_many(_columns(data))
    assert any(
        w.school_id == "A" and w.field == "sections.primary.teachers.full_time"
        for w in result.report("990001").warnings
    )


def test_sub_counts_above_full_time_teachers_are_errors_in_both_paths() -> None:
    data = _set(_two_schools(), "sections.primary.teachers.backbone", 61)
    problem = _one_error(data)
    assert (problem.school_id, problem.field, problem.value) == ("A", "sections.primary.teachers.backbone", 61)
    cols = _with_cell(_columns(_two_schools()), "teachers.backbone", 0, 61)
    (cproblem,) = _column_errors(cols)
    assert (cproblem.school_id, cproblem.field) == ("A", "teachers.backbone")


def test_senior_section_data_of_a_twelve_year_school_is_reported_as_ignored() -> None:
    sections = {
        "primary": {"students": 600, "teachers": {"full_time": 40}},
        "junior": {"students": 400, "teachers": {"full_time": 40}},
        "senior": {"students": 300, "classes": 6, "teachers": {"full_time": 30}, "facts": {"max_class_size": 50}},
    }
    report = qbalance.evaluate(county(school("T", "twelve_year", sections=sections), school("B")))
    (warning,) = [w for w in report.warnings if w.field == "sections.senior"]
    assert warning.school_id == "T"
    assert warning.message.startswith("ignored: senior section data")
    assert "classes" in warning.message and "teachers.full_time" in warning.message
    assert "facts.max_class_size" in warning.message
    # senior students alone (needed to apportion shared facilities) give no warning
    sections["senior"] = {"students": 300}
    report = qbalance.evaluate(county(school("T", "twelve_year", sections=sections), school("B")))
    assert not [w for w in report.warnings if w.field == "sections.senior"]


def test_section_fact_warnings_name_the_section() -> None:
    data = _set(_two_schools(), "sections.primary.facts.unheard_of", 3)
    (warning,) = [w for w in qbalance.evaluate(data).warnings if "unheard_of" in w.message]
    assert warning.school_id == "A"
    assert warning.field == "sections.primary.facts.unheard_of"
    assert "primary section" in warning.message


def test_dimensionless_bounds_do_not_print_unit_one() -> None:
    data = _two_schools()
    data["facts"]["training_360h_completion_rate"] = 1.5
    problem = _one_error(data)
    assert problem.field == "facts.training_360h_completion_rate"
    assert "must be at most 1" in problem.message
    assert "1 1" not in problem.message


# --------------------------------------------------------------------------------------------------------------------
# ids, duplicates and structure


def test_duplicate_school_ids_are_reported_with_lines_together_with_field_errors(tmp_path: Path) -> None:
    data = county(school("A"), school("A"), school("B"), school("C", "nine_year"))
    data["schools"][2]["sections"]["primary"]["students"] = -1  # a field error elsewhere
    text = _yaml_of(data)
    problems = _errors(_write_yaml(tmp_path, text))
    by_kind = {(p.school_id, p.field): p for p in problems}
    assert set(by_kind) == {("A", "id"), ("B", "sections.primary.students"), ("C", "sections")}
    dup = by_kind[("A", "id")]
    assert "duplicate school id" in dup.message and "schools[0]" in dup.message
    second_id_line = [i for i, t in enumerate(text.splitlines(), 1) if t.strip() == "- id: A"][1]
    assert dup.location is not None and dup.location.startswith(f"line {second_id_line},")
    assert "nine_year school needs a junior section" in by_kind[("C", "sections")].message


def test_columnar_duplicate_school_and_section_is_an_error() -> None:
    cols = _with_cell(_columns(_two_schools()), "school_id", 1, "A")  # B's primary row becomes a second A primary
    problems = _column_errors(cols)
    assert any(p.school_id == "A" and "duplicate school id" in p.message for p in problems)


def test_a_section_given_twice_through_a_chinese_synonym_is_an_error() -> None:
    data = _two_schools()
    data["schools"][0]["sections"]["小学"] = {"students": 10}
    problem = _one_error(data)
    assert problem.school_id == "A"
    assert problem.field == "sections.小学"
    assert "'primary'" in problem.message and "'小学'" in problem.message


def test_a_county_needs_at_least_one_school() -> None:
    data = _two_schools()
    data["schools"] = []
    problem = _one_error(data)
    assert problem.field == "schools" and "at least one school" in problem.message


def test_ids_with_leading_zeros_stay_text(tmp_path: Path) -> None:
    text = _yaml_of(county(school("X1"), school("X2"))).replace("id: X1", "id: 0101").replace("id: X2", "id: 0102")
    assert "id: 0101\n" in text  # unquoted in the file
    report = qbalance.evaluate(_write_yaml(tmp_path, text))
    assert sorted({s.school_id for s in report.schools}) == ["0101", "0102"]


def test_numeric_ids_without_leading_zeros_are_text_and_float_ids_are_refused(tmp_path: Path) -> None:
    text = _yaml_of(county(school("X1"), school("X2"))).replace("id: X1", "id: 101").replace("id: X2", "id: 1.5")
    problem = _one_error(_write_yaml(tmp_path, text))
    assert problem.field == "id" and problem.value == 1.5 and "quote it" in problem.message


def test_unknown_fields_are_errors_with_a_suggestion() -> None:
    data = _set(_two_schools(), "facilities.teaching_aux_aera", 4500)
    problem = _one_error(data)
    assert (problem.school_id, problem.field, problem.value) == ("A", "facilities.teaching_aux_aera", 4500)
    assert "unknown field" in problem.message and "did you mean 'teaching_aux_area'" in problem.message
    data = _set(_two_schools(), "sections.primary.teachers.ful_time", 3)
    assert "did you mean 'full_time'" in _one_error(data).message
    data = _set(_two_schools(), "zzz", 3)  # nothing close: no suggestion
    problem = _one_error(data)
    assert "unknown field" in problem.message and "did you mean" not in problem.message


def test_columnar_unknown_columns_are_warnings_naming_the_column() -> None:
    cols = _columns(_two_schools())
    cols["facilities.teaching_aux_aera"] = [1] * len(cols["school_id"])
    report = qbalance.evaluate_many(cols).report("990001")
    assert any(w.field == "facilities.teaching_aux_aera" and "not used" in w.message for w in report.warnings)


# --------------------------------------------------------------------------------------------------------------------
# YAML 1.1 booleans


@pytest.mark.parametrize("word", ["no", "yes", "on", "off", "y", "n", "No", "YES"])
def test_yaml11_booleans_never_become_false_or_true(tmp_path: Path, word: str) -> None:
    data = _two_schools()
    data["schools"][0]["boarding"] = "PLACEHOLDER"
    text = _yaml_of(data).replace("boarding: PLACEHOLDER", f"boarding: {word}")
    problem = _one_error(_write_yaml(tmp_path, text))
    assert (problem.school_id, problem.field, problem.value) == ("A", "boarding", word)
    assert problem.location is not None and problem.location.startswith("line ")
    # a yes/no fact declared by the pack as a flag is refused too (pack facts are checked once the fields are valid)
    data = _two_schools()
    data["schools"][0]["facts"]["has_charter"] = "PLACEHOLDER"
    text = _yaml_of(data).replace("has_charter: PLACEHOLDER", f"has_charter: {word}")
    problem = _one_error(_write_yaml(tmp_path, text))
    assert (problem.school_id, problem.field, problem.value) == ("A", "facts.has_charter", word)
    assert "write true or false" in problem.message


@pytest.mark.parametrize("word", ["no", "yes", "是", "否", "1"])
def test_columnar_yes_no_words_are_refused(word: str) -> None:
    cols = _with_cell(_columns(_two_schools()), "boarding", 0, word)
    (problem,) = _column_errors(cols)
    assert (problem.school_id, problem.field, problem.value) == ("A", "boarding", word)


# --------------------------------------------------------------------------------------------------------------------
# the two paths agree


def _summary(problems: list[qbalance.Problem]) -> set[tuple[str | None, str]]:
    return {(p.school_id, (p.field or "").rsplit(".", 1)[-1]) for p in problems}


@pytest.mark.parametrize(
    ("field", "column", "value"),
    [
        ("sections.primary.students", "students", -5),
        ("sections.primary.students", "students", 2.5),
        ("facilities.teaching_aux_area", "facilities.teaching_aux_area", "3 万元"),
        ("facilities.teaching_aux_area", "facilities.teaching_aux_area", "4,50 m²"),
        ("facilities.teaching_aux_area", "facilities.teaching_aux_area", math.inf),
        ("boarding", "boarding", "no"),
        ("facts.has_charter", "has_charter", "yes"),
    ],
)
def test_dict_and_columnar_paths_report_the_same_problem(field: str, column: str, value: Any) -> None:
    dict_problems = _errors(_set(_two_schools(), field, value))
    cols = _with_cell(_columns(_two_schools()), column, 0, value)
    column_problems = [p for p in _column_errors(cols) if "disagree" not in p.message]
    assert _summary(dict_problems) == _summary(column_problems)


# --------------------------------------------------------------------------------------------------------------------
# the JSON schema of the county format accepts what the models accept


def _county_schema() -> dict[str, Any]:
    schema = County.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


@pytest.mark.parametrize(
    "path",
    [
        Path(qbalance.demo_path()),
        Path(__file__).resolve().parents[1] / "docs" / "examples" / "small-county.yaml",
        Path(__file__).resolve().parents[1] / "docs" / "examples" / "small-county.json",
    ],
)
def test_county_schema_accepts_the_shipped_examples(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from qbalance._base.documents import DATA_LIMITS, load_json, load_yaml

    raw = path.read_bytes()
    data = (load_json if path.suffix == ".json" else load_yaml)(raw, str(path), DATA_LIMITS).data
    County.model_validate(data)
    errors = list(jsonschema.Draft202012Validator(_county_schema()).iter_errors(data))
    assert not errors, [e.message for e in errors[:5]]


def test_county_schema_accepts_units_and_chinese_names_and_refuses_typos() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = _two_schools()
    s = data["schools"][0]
    s.update(type="小学", ownership="公办", location="乡村", id=101)
    s["facilities"].update(teaching_aux_area="4,500 m²", equipment_value="200 万元", sports_ground_area="11.25 亩")
    s["sections"] = {"小学": s["sections"]["primary"]}
    County.model_validate(data)
    validator = jsonschema.Draft202012Validator(_county_schema())
    assert not list(validator.iter_errors(data))
    s["facilities"]["teaching_aux_aera"] = 1
    assert list(validator.iter_errors(data))
    data["schools"] = []
    assert list(validator.iter_errors({k: v for k, v in data.items()}))


# --------------------------------------------------------------------------------------------------------------------
# models built directly get the same checks


def test_models_built_in_python_are_checked_too() -> None:
    with pytest.raises(Exception) as info:
        County(
            code="1",
            name="x",
            schools=[
                qbalance.School(
                    id="A",
                    name="a",
                    type="primary",
                    ownership="public",
                    location="urban",
                    sections={"primary": qbalance.Section(students=10)},
                ),
                qbalance.School(
                    id="A",
                    name="b",
                    type="primary",
                    ownership="public",
                    location="urban",
                    sections={"primary": qbalance.Section(students=10)},
                ),
            ],
        )
    assert "duplicate school id" in str(info.value)


def test_cli_county_schema_accepts_the_demo_county(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from qbalance._base.documents import DATA_LIMITS, load_yaml
    from qbalance._cli.main import main

    out = tmp_path / "county.schema.json"
    assert main(["schema", "county", "--output", str(out)]) == 0
    schema = json.loads(out.read_text(encoding="utf-8"))
    demo = Path(qbalance.demo_path())
    data = load_yaml(demo.read_bytes(), str(demo), DATA_LIMITS).data
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(data))


def test_pack_fact_problems_carry_their_line(tmp_path: Path) -> None:
    # A fact the pack declares in yuan, written as an area: found in the second (pack) pass, and still located at
    # its line in the file (line 12 of this file, counted by hand).
    text = (
        "format: qbalance-county/1\n"  # 1
        'code: "530000"\n'  # 2
        "name: 行号示例县\n"  # 3
        "schools:\n"  # 4
        '  - id: "5300000001"\n'  # 5
        "    name: 示例小学\n"  # 6
        "    type: primary\n"  # 7
        "    ownership: public\n"  # 8
        "    location: urban\n"  # 9
        "    sections: {primary: {students: 400, teachers: {full_time: 24}}}\n"  # 10
        "    facts:\n"  # 11
        "      training_spend: 12 m²\n"  # 12
    )
    path = tmp_path / "county.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(path)
    [problem] = [p for p in info.value.problems if p.field == "facts.training_spend"]
    assert problem.school_id == "5300000001" and problem.value == "12 m²"
    assert problem.location is not None and problem.location.startswith("line 12,")


def test_model_and_pack_fact_problems_come_in_one_report(tmp_path: Path) -> None:
    # A negative student count (a model problem) and two bad pack facts in one file: all three are reported together,
    # each with its line, so a statistician fixes the file in one round.
    example = Path(__file__).parents[1] / "docs" / "examples" / "small-county.yaml"
    text = example.read_text(encoding="utf-8")
    for old, new in (
        ("homework_burden: 合格", "homework_burden: 很好"),
        ("satisfaction_rate: 91.2%", "satisfaction_rate: 191.2%"),
    ):
        assert old in text
        text = text.replace(old, new)
    text = text.replace("students: 1200", "students: -1", 1)
    path = tmp_path / "county.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(path)
    fields = {p.field for p in info.value.problems}
    assert {"sections.primary.students", "facts.homework_burden", "facts.satisfaction_rate"} <= fields
    assert all(p.location and p.location.startswith("line ") for p in info.value.problems)


def test_senior_section_data_is_warned_about_alike_on_both_paths() -> None:
    # Teachers and a class size given for the senior section of the demo's complete middle school are not read by
    # any compulsory-education indicator: both input paths say so with the same warning.
    from qbalance._data.columns import county_to_columns

    c = qbalance.load_county(qbalance.demo_path())
    school = next(s for s in c.schools if "senior" in s.sections)
    school.sections["senior"].teachers.full_time = 40
    school.sections["senior"].facts["max_class_size"] = 55

    def senior(report: qbalance.Report) -> list[tuple[str, str | None]]:
        return [(w.message, w.school_id) for w in report.warnings if w.message.startswith("ignored: senior")]

    single = senior(qbalance.evaluate(c))
    assert single == senior(qbalance.evaluate_many(county_to_columns(c)).report(c.code))
    assert len(single) == 1 and "teachers.full_time, facts.max_class_size" in single[0][0]
    assert single[0][1] == school.id


def test_a_bad_full_time_count_in_a_table_is_reported_once() -> None:
    # teachers.full_time is read for its own check and again for the sub-count check: one bad cell, one problem.
    from qbalance._data.columns import county_to_columns

    cols = county_to_columns(qbalance.load_county(qbalance.demo_path()))
    ft = np.array(cols["teachers.full_time"], dtype=object)
    ft[3] = "NaN"
    cols["teachers.full_time"] = ft
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate_many(cols)
    assert [p.field for p in info.value.problems] == ["teachers.full_time"]


def test_a_share_above_one_gets_the_same_message_on_both_paths() -> None:
    from qbalance._data.columns import county_to_columns

    county = qbalance.load_county(qbalance.demo_path())
    county.facts["satisfaction_rate"] = 1.5
    with pytest.raises(qbalance.InputError) as single:
        qbalance.evaluate(county)
    with pytest.raises(qbalance.InputError) as table:
        qbalance.evaluate_many(county_to_columns(county))
    expected = "must be at most 1 (a share is written 0.85 or '85%')"
    assert [p.message for p in single.value.problems] == [expected]
    assert {p.message for p in table.value.problems} == {expected}


def test_a_bad_county_value_repeated_on_every_row_is_reported_once_as_written() -> None:
    from qbalance._data.columns import county_to_columns

    cols = county_to_columns(qbalance.load_county(qbalance.demo_path()))
    n = len(cols["school_id"])
    cols["satisfaction_rate"] = ["191%"] * n
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate_many(cols)
    (problem,) = info.value.problems
    assert (problem.location, problem.school_id, problem.value) == ("row 2", None, "191%")
    assert problem.message == "must be at most 1 (a share is written 0.85 or '85%')"


def test_a_county_value_that_disagrees_names_the_row_that_differs_and_both_values() -> None:
    from qbalance._data.columns import county_to_columns

    cols = county_to_columns(qbalance.load_county(qbalance.demo_path()))
    burden = list(cols["homework_burden"])
    burden[6] = "不合格"  # row 8 of the file (header is row 1); every other row says 合格
    cols["homework_burden"] = burden
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate_many(cols)
    (problem,) = info.value.problems
    assert problem.location == "row 8" and problem.value == "不合格"
    assert "'合格' in row 2" in problem.message


def test_a_table_without_sections_names_its_file(tmp_path: Path) -> None:
    path = tmp_path / "hdr.csv"
    path.write_text("county_code,school_id,school_type\n1,2,小学\n", encoding="utf-8")
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(path)
    (problem,) = info.value.problems
    assert problem.source == str(path) and "no section column" in problem.message
