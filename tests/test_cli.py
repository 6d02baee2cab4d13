"""The command line: exit statuses, formats, schema output, and its language (Chinese unless --lang en or
QBALANCE_LANG=en; tests that read English output ask for it)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import county, school
from qbalance._cli.main import main


@pytest.fixture(autouse=True)
def _no_language_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line reads QBALANCE_LANG; these tests say what they want."""
    monkeypatch.delenv("QBALANCE_LANG", raising=False)


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "county.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_exit_status_pass_fail_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(_write(tmp_path, county(school("A"))))]) == 0
    bad = school(
        "B",
        facilities={
            "teaching_aux_area": 10,
            "indoor_gym_area": 0,
            "sports_ground_area": 10,
            "equipment_value": 10,
            "multimedia_classrooms": 0,
        },
    )
    assert main(["evaluate", str(_write(tmp_path, county(school("A"), bad)))]) == 1
    broken = county(school("A"))
    broken["schools"][0]["facilities"]["equipment_value"] = "3 teacher"
    assert main(["evaluate", str(_write(tmp_path, broken)), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "school A" in err and "facilities.equipment_value" in err and "3 teacher" in err


def test_incomplete_exit_status(tmp_path: Path) -> None:
    s = school("A")
    del s["facilities"]["equipment_value"]
    assert main(["evaluate", str(_write(tmp_path, county(s)))]) == 3


def test_json_output_validates_against_printed_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    code = main(["evaluate", "--demo", "--format", "json", "-o", str(out)])
    assert code == 1  # the demo county fails on purpose
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["format"] == "qbalance-report/1"
    capsys.readouterr()
    assert main(["schema", "report"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, schema)


def test_text_output_is_chinese_by_default_and_english_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    main(["evaluate", "--demo"])
    zh = capsys.readouterr().out
    assert "结论: 未通过" in zh and "差异系数" in zh
    main(["evaluate", "--demo", "--lang", "en"])
    en = capsys.readouterr().out
    assert "Verdict: FAIL" in en and "CV" in en


def test_standards_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "list", "--format", "json"]) == 0
    ids = {row["id"] for row in json.loads(capsys.readouterr().out)}
    assert "cn-moe-2017" in ids


def test_unknown_pack_is_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--demo", "--standard", "no-such-pack", "--lang", "en"]) == 2
    assert "no pack 'no-such-pack'" in capsys.readouterr().err


def test_plan_command_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--demo"]) == 0
    text = capsys.readouterr().out
    assert "整改方案" in text and "一校一策" in text
    # 9999010035 needs (1700 − 1600) × 268 = 26 800 yuan of equipment to reach the 85% floor (by hand)
    assert "26,800" in text
    out = tmp_path / "plan.json"
    assert main(["plan", "--demo", "-f", "json", "-o", str(out), "--lang", "en"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "qbalance-plan/1"
    assert data["items_after"] == {"resource_schools": "pass", "resource_balance": "pass"}


def test_plan_command_rejects_bad_costs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--demo", "--cost", "teachers.backbone", "--lang", "en"]) == 2
    assert "expected INPUT=NUMBER" in capsys.readouterr().err


def test_evaluate_writes_markdown_html_and_excel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--demo", "-f", "md"]) == 1
    assert "问题清单" in capsys.readouterr().out
    html = tmp_path / "r.html"
    assert main(["evaluate", "--demo", "-f", "html", "--plan", "-o", str(html), "--lang", "en"]) == 1
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and 'lang="en"' in page
    assert main(["evaluate", "--demo", "-f", "xlsx"]) == 2  # a workbook needs a file
    assert "--output" in capsys.readouterr().err
    xlsx = tmp_path / "r.xlsx"
    assert main(["evaluate", "--demo", "-f", "xlsx", "--plan", "-o", str(xlsx)]) == 1
    openpyxl = pytest.importorskip("openpyxl")
    assert "问题清单" in openpyxl.load_workbook(xlsx).sheetnames


def test_scenario_command_compares_before_and_after(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = Path(__file__).parents[1] / "docs" / "examples" / "wenshan-2026-scenario.yaml"
    # the example scenario closes every gap of the demo county (tests/test_scenario.py checks the items one by one)
    assert main(["scenario", "--demo", str(scenario)]) == 0
    out = capsys.readouterr().out
    assert "未通过 → 通过" in out and "resource_balance" in out
    assert main(["scenario", "--demo"]) == 2


def test_template_round_trip_and_problem_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("openpyxl")
    demo_xlsx = tmp_path / "demo.xlsx"
    assert main(["template", "-o", str(demo_xlsx), "--prefill", "demo"]) == 0
    assert main(["evaluate", str(demo_xlsx), "-f", "json", "-o", str(tmp_path / "a.json")]) == 1
    assert main(["evaluate", "--demo", "-f", "json", "-o", str(tmp_path / "b.json")]) == 1
    # the workbook gives byte for byte the report of the YAML demo (same normalised data, same input digest)
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    empty = tmp_path / "empty.xlsx"
    assert main(["template", "-o", str(empty)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(empty), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "县级指标!" in err and "a county needs at least one school" in err


def test_the_output_format_follows_the_file_name_unless_given(tmp_path: Path) -> None:
    for name, start in (("r.html", b"<!DOCTYPE html>"), ("r.json", b"{"), ("r.md", b"# "), ("r.txt", "县域".encode())):
        assert main(["evaluate", "--demo", "-o", str(tmp_path / name)]) == 1
        assert (tmp_path / name).read_bytes().startswith(start), name
    assert main(["evaluate", "--demo", "-f", "json", "-o", str(tmp_path / "x.html")]) == 1
    assert (tmp_path / "x.html").read_bytes().startswith(b"{")  # an explicit --format wins


def test_a_csv_that_is_not_utf8_is_an_input_error_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        "county_code,school_id,school_name,section,students\n530000,1,示例小学,primary,400\n".encode("gbk")
    )
    assert main(["evaluate", str(path), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "gbk.csv" in err and "not UTF-8" in err


def test_prefilling_a_template_says_which_facts_the_pack_has_no_column_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("openpyxl")
    # The 2012 basic standard declares none of the 2017 county facts of the demo (e.g. teacher_salary_avg): they are
    # not in the workbook, and the command says so rather than dropping them silently.
    assert (
        main(
            [
                "template",
                "--standard",
                "cn-moe-2012-basic",
                "--prefill",
                "demo",
                "-o",
                str(tmp_path / "t.xlsx"),
                "--lang",
                "en",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "warning: not inputs of cn-moe-2012-basic" in err and "facts.teacher_salary_avg" in err


@pytest.mark.parametrize("what", ["plan", "scenario"])
def test_schema_of_the_plan_and_of_a_scenario(what: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", what]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    if what == "plan":  # the demo's plan validates against the printed schema
        assert main(["plan", "--demo", "-f", "json", "-o", str(tmp_path / "p.json")]) == 0
        jsonschema.validate(json.loads((tmp_path / "p.json").read_text(encoding="utf-8")), schema)
    else:  # so does the Wenshan-shaped example scenario
        import yaml

        example = Path(__file__).parents[1] / "docs" / "examples" / "wenshan-2026-scenario.yaml"
        jsonschema.validate(yaml.safe_load(example.read_text(encoding="utf-8")), schema)


def test_an_output_file_that_cannot_be_written_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = str(tmp_path / "no-such-dir" / "r.json")
    for argv in (["evaluate", "--demo", "-o", target], ["plan", "--demo", "-o", target]):
        assert main([*argv, "--lang", "en"]) == 2  # not 1, which would read as "evaluated and fails"
        assert "cannot access" in capsys.readouterr().err


@pytest.mark.parametrize(
    "cost", ["teachers.backbone=-5", "teachers.backbone=nan", "teachers.backbone=inf", "foo.bar=1"]
)
def test_plan_refuses_nonsense_costs(cost: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--demo", "--cost", cost]) == 2
    assert "--cost" in capsys.readouterr().err
