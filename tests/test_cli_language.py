"""The command line speaks Chinese unless asked for English: its --help, argparse's own words and errors, every
message it prints, the pack documents and the reports. English with ``--lang en`` anywhere on the command line or
with ``QBALANCE_LANG=en``; ``--lang`` wins over the environment.

Expected texts are the catalogue's sentences as written in cli.yaml, scenario.yaml and packdoc.yaml (read there, not
produced by the code under test)."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import county, school
from qbalance._cli.lang import argparse_message, chosen_language, env_language, wrap
from qbalance._cli.main import build_parser, main

pytest_plugins = ["pytester"]
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(autouse=True)
def _no_language_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QBALANCE_LANG", raising=False)


def _exits(argv: list[str], capsys: pytest.CaptureFixture[str], code: int = 0) -> tuple[str, str]:
    """Run a command that ends through argparse (--help, a usage error); its (stdout, stderr)."""
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == code
    captured = capsys.readouterr()
    return captured.out, captured.err


# -- choosing the language -----------------------------------------------------------------------------------------


def test_the_language_is_chosen_before_parsing() -> None:
    assert chosen_language([], {}) == "zh"
    assert chosen_language(["evaluate", "--demo", "--lang", "en"], {}) == "en"
    assert chosen_language(["--lang=en", "plan"], {}) == "en"
    assert chosen_language(["--lang", "en", "--lang", "zh"], {}) == "zh"  # the last one, as argparse reads it
    assert chosen_language(["--lang", "fr"], {}) == "zh"  # left for the parser to refuse
    assert chosen_language(["--", "--lang", "en"], {}) == "zh"  # after -- it is not an option
    assert chosen_language([], {"QBALANCE_LANG": "en"}) == "en"
    assert chosen_language(["--lang", "zh"], {"QBALANCE_LANG": "en"}) == "zh"  # the command line wins
    assert env_language({"QBALANCE_LANG": "en_US.UTF-8"}) == "en"
    assert env_language({"QBALANCE_LANG": " ZH "}) == "zh"
    assert env_language({"QBALANCE_LANG": "fr"}) is None and env_language({}) is None


def test_the_environment_chooses_english_and_lang_overrides_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QBALANCE_LANG", "en")
    assert main(["evaluate", "--demo"]) == 1
    assert "Verdict: FAIL" in capsys.readouterr().out
    assert main(["evaluate", "--demo", "--lang", "zh"]) == 1
    assert "结论: 未通过" in capsys.readouterr().out
    out, _ = _exits(["plan", "--help"], capsys)
    assert out.startswith("usage: qbalance plan") and not CJK.search(out)


def test_an_unknown_language_in_the_environment_is_said_and_chinese_is_used(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QBALANCE_LANG", "fr")
    assert main(["evaluate", "--demo"]) == 1
    captured = capsys.readouterr()
    assert "环境变量 QBALANCE_LANG=fr 不是可用的语言(zh 或 en)，仍使用中文" in captured.err
    assert "结论: 未通过" in captured.out


# -- --help ----------------------------------------------------------------------------------------------------------


def test_help_is_chinese_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = _exits(["--help"], capsys)
    assert out.startswith("用法：qbalance")
    for line in ("位置参数", "选项", "显示本帮助信息并退出", "评估一个县的数据文件(或内置示例县)", "整改方案"):
        assert line in out, line
    out, _ = _exits(["evaluate", "-h"], capsys)
    assert out.startswith("用法：qbalance evaluate") and "评估内置的虚构示例县" in out and "QBALANCE_LANG=en" in out
    out, _ = _exits(["test", "--help"], capsys)  # the pack tests' own command, too
    assert "运行标准测试" in out and "只输出未通过的用例和汇总" in out


def test_help_is_english_with_lang_en_anywhere(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--lang", "en", "--help"], ["evaluate", "--help", "--lang", "en"], ["test", "-h", "--lang=en"]):
        out, _ = _exits(argv, capsys)
        assert out.startswith("usage: qbalance") and not CJK.search(out), argv
    out, _ = _exits(["evaluate", "--help", "--lang", "en"], capsys)
    assert "evaluate the built-in synthetic demo county" in out and "show this help message and exit" in out


def _helps(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("qbalance",)) -> Iterator[tuple[str, Any]]:
    """(where, help text) of a parser's description, of every option and argument, and of every subcommand."""
    yield " ".join(path), parser.description
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for line in action._choices_actions:
                yield " ".join([*path, line.dest, "(in the command list)"]), line.help
            for name, sub in action.choices.items():
                yield from _helps(sub, (*path, name))
        else:
            yield " ".join([*path, *(action.option_strings or [action.dest])]), action.help


def test_every_command_and_option_has_help_in_both_languages() -> None:
    zh, en = dict(_helps(build_parser("zh"))), dict(_helps(build_parser("en")))
    assert zh.keys() == en.keys()
    assert len(zh) > 80  # eight commands and the four of `standards`, with their options
    for where, words in zh.items():
        assert isinstance(words, str) and CJK.search(words), f"{where}: no Chinese help: {words!r}"
        english = en[where]
        assert isinstance(english, str) and english.strip() and not CJK.search(english), f"{where}: {english!r}"
        assert "%" not in words.replace("%%", "") and "%" not in english.replace("%%", "")  # argparse %-formats


def test_chinese_help_is_wrapped_by_its_width_on_screen() -> None:
    # 12 Chinese characters take 24 columns: at 10 columns, 5 to a line (by hand); a closing mark never starts one.
    assert wrap("一二三四五六七八九十一二", 10) == ["一二三四五", "六七八九十", "一二"]
    assert wrap("一二三四五，六", 10) == ["一二三四五，", "六"]
    assert wrap("用 --output 写出", 12) == ["用 --output", "写出"]  # 11 columns; the space and 写 would make 14


# -- argparse's errors -------------------------------------------------------------------------------------------------


def test_usage_errors_are_chinese_by_default_and_english_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    _, err = _exits(["evaluate", "--format", "pdf"], capsys, 2)
    assert err.startswith("用法：qbalance evaluate")
    assert "qbalance evaluate：参数错误：参数 --format/-f：无效的选项 'pdf'(可选：" in err
    _, err = _exits(["evaluate-batch"], capsys, 2)
    assert "缺少必需的参数：input, --output/-o" in err
    _, err = _exits(["schema", "report", "--bogus"], capsys, 2)
    assert "qbalance：参数错误：无法识别的参数：--bogus" in err
    _, err = _exits(["plan", "--cost"], capsys, 2)
    assert "参数 --cost：需要一个值" in err
    _, err = _exits(["evaluate", "--format", "pdf", "--lang", "en"], capsys, 2)
    assert err.startswith("usage: qbalance evaluate")
    assert "qbalance evaluate: error: argument --format/-f: invalid choice: 'pdf'" in err
    assert argparse_message("a message argparse may add one day") == "a message argparse may add one day"


# -- what the commands print -------------------------------------------------------------------------------------------


def test_problems_and_errors_print_in_chinese_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = county(school("A"))
    bad["schools"][0]["sections"]["primary"]["students"] = -5
    path = tmp_path / "county.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    assert main(["evaluate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "qbalance：输入数据有 1 处问题：" in err
    assert "学校 A" in err and "小学在校学生数" in err and "不能为负数" in err
    assert main(["evaluate"]) == 2
    assert "qbalance evaluate：请给出一个县级数据文件或 --demo(二者只能选一)" in capsys.readouterr().err
    assert main(["evaluate", "--demo", "-f", "xlsx"]) == 2
    assert "--format xlsx 需要用 --output 指定要写出的 .xlsx 文件" in capsys.readouterr().err
    assert main(["plan", "--demo", "--cost", "teachers.backbone"]) == 2
    assert "应写成“投入项=数字”" in capsys.readouterr().err
    target = tmp_path / "no-such-dir" / "r.json"
    assert main(["evaluate", "--demo", "-o", str(target)]) == 2
    assert f"qbalance：无法读写 {target}：文件或文件夹不存在" in capsys.readouterr().err
    assert main(["standards", "show", "cn-moe-2017", "--as-of", "2020-13-01"]) == 2
    assert "不是日期(应写成 YYYY-MM-DD" in capsys.readouterr().err

    from qbalance._api.standard import Standard

    def broken(self: Any, table: Any, *more: Any) -> Any:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(Standard, "run", broken)
    monkeypatch.delenv("QBALANCE_DEBUG", raising=False)
    assert main(["evaluate", "--demo"]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "qbalance：内部错误(RuntimeError" in err and "不是评估结论" in err


def test_a_template_says_what_it_wrote_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("openpyxl")
    out = tmp_path / "t.xlsx"
    assert main(["template", "--standard", "cn-moe-2012-basic", "--prefill", "demo", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"qbalance：已写出 {out}(cn-moe-2012-basic " in err
    assert "警告：以下数据不是 cn-moe-2012-basic 的输入项，模板中没有它们的列：facts." in err


def test_scenario_problems_print_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: s\nlabel_zh: 试验\nchanges:\n"
        "  - {kind: 增加资源, school: '9999010001', section: primary, teachers: {backbone: -500}}\n"
        "  - {kind: teleport}\n",
        encoding="utf-8",
    )
    assert main(["scenario", "--demo", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "未知的变更类型(可用：增加资源" in err
    scenario.write_text(
        "name: s\nlabel_zh: 试验\nchanges:\n"
        "  - {kind: 转移学生, from_school: '9999010001', to_school: 'X', section: 初中, students: 5}\n",
        encoding="utf-8",
    )
    assert main(["scenario", "--demo", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "学校标识码不存在(to_school)" in err
    assert "该校没有初中学段(现有：小学)" in err


def test_lint_and_the_pack_document_in_chinese_and_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "xx" / "pack.yaml"
    pack.parent.mkdir()
    pack.write_text(
        'format: qbalance-pack/1\nid: xx-lint\nversion: "1.0.0"\neffective: 2024-01-01\nextends: cn-moe-2017\n'
        "title: {zh: 测试叠加, en: test overlay}\nsources:\n  local: {title: {zh: 地方文件}}\n"
        "inputs:\n  unused_fact: {level: county, label: {zh: 没用的}}\n",
        encoding="utf-8",
    )
    assert main(["standards", "lint", str(pack)]) == 0
    out = capsys.readouterr().out
    assert "警告：" in out and "数据项 'unused_fact' 已声明，但没有规则使用它" in out
    assert "依据文件 'local' 从未被引用" in out and "条警告" in out
    assert main(["standards", "lint", str(pack), "--lang", "en"]) == 0
    assert "warning: " in capsys.readouterr().out
    assert main(["standards", "doc", "cn-moe-2017"]) == 0
    doc = capsys.readouterr().out
    for words in (
        "## 参数",
        "| 参数 | 取值 | 单位 | 来源 |",
        "## 数据项",
        "| 字段 | 层级 | 类型 | 单位 | 含义 |",
        "## 资源配置指标",
    ):
        assert words in doc, words
    assert "| `students` | 学段 | 数值 |" in doc and "规则：差异系数 ≤ `" in doc
    assert main(["standards", "doc", "cn-moe-2017", "--lang", "en"]) == 0
    doc = capsys.readouterr().out
    assert "## Parameters" in doc and "## Inputs" in doc and "| `students` | section | number |" in doc
    assert main(["standards", "show", "cn-yn-wenshan-2024", "--resolved"]) == 0
    assert "# W3_training_funds: 由 cn-yn-wenshan-2024 1.0.0" in capsys.readouterr().out


def test_the_report_is_in_the_chosen_language_in_every_format(tmp_path: Path) -> None:
    for lang, marker in (("zh", 'lang="zh'), ("en", 'lang="en"')):
        page = tmp_path / f"r-{lang}.html"
        argv = ["evaluate", "--demo", "-o", str(page)] + (["--lang", "en"] if lang == "en" else [])
        assert main(argv) == 1
        assert marker in page.read_text(encoding="utf-8")
    assert main(["plan", "--demo", "-o", str(tmp_path / "p.txt")]) == 0
    assert "整改方案" in (tmp_path / "p.txt").read_text(encoding="utf-8")


def test_the_plan_and_batch_hooks_reach_the_functions_they_feed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Options other commands will add go through _plan_options / _batch_options: whatever they return is passed on.
    from qbalance._cli import batch as batch_cli
    from qbalance._cli import main as cli
    from qbalance._workflow import plan as plan_module

    given = argparse.Namespace(on_error="skip", lang="en", previous="2025.csv", previous_counties=None)
    assert cli._batch_options(given) == {
        "on_error": "skip",
        "lang": "en",
        "previous_path": "2025.csv",
        "previous_counties_path": None,
    }
    assert cli._plan_options(argparse.Namespace(margin=0.02)) == {"margin": 0.02}
    seen: list[dict[str, Any]] = []
    real = plan_module.make_plan

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(dict(kwargs))
        return real(*args, **{k: v for k, v in kwargs.items() if k != "marker"})

    monkeypatch.setattr(plan_module, "make_plan", spy)
    monkeypatch.setattr(cli, "_plan_options", lambda args: {"marker": args.lang})
    assert main(["plan", "--demo", "-o", str(tmp_path / "p.txt")]) == 0
    assert main(["evaluate", "--demo", "--plan", "-f", "md", "-o", str(tmp_path / "r.md"), "--lang", "en"]) == 1
    assert [kw["marker"] for kw in seen] == ["zh", "en"]
    assert seen[0]["costs"] == {}

    batch_calls: list[dict[str, Any]] = []
    monkeypatch.setattr(batch_cli, "run_batch", lambda *a, **kw: batch_calls.append(kw) or 0)
    monkeypatch.setattr(cli, "_batch_options", lambda args: {"marker": args.format})
    assert main(["evaluate-batch", "in.csv", "-o", str(tmp_path), "-f", "parquet"]) == 0
    assert batch_calls[0]["marker"] == "parquet"


def test_the_pytest_plugin_speaks_the_language_qbalance_lang_names(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_packtest import FAILING, PASSING, make_pack, plugin_args, write

    pack_dir = make_pack(pytester.path)
    write(pack_dir / "tests" / "cases.yaml", PASSING)
    write(pack_dir / "tests" / "failing.yaml", FAILING)
    monkeypatch.setenv("QBALANCE_LANG", "zh")
    result = pytester.runpytest(*plugin_args())
    result.stdout.fnmatch_lines(["标准测试用例 'wrong verdict and item'(failing.yaml，第4行)未通过(2 项预期未满足)"])


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["evaluate", "--demo"], "evaluate"),
        (["--lang", "en", "evaluate-batch", "x.csv"], "evaluate-batch"),
        (["--lang=en", "plan"], "plan"),
        (["--help"], None),  # the command list: the full parser
        ([], None),
        (["evalute", "--demo"], None),  # a typo: the full parser names the commands
        (["--la", "en", "evaluate"], None),  # an abbreviated option: argparse reads it, not the look-ahead
        (["en"], None),
    ],
)
def test_the_command_to_build_alone_is_read_only_when_plain(arguments: list[str], expected: str | None) -> None:
    from qbalance._cli.main import _named_command

    assert _named_command(arguments) == expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_command_built_alone_has_the_same_help_as_in_the_full_parser(lang: str) -> None:
    """Running one command builds its parser alone; its help, options and defaults are those of the full parser's
    (compared command by command, help text and every option's destination and default)."""
    from qbalance._base.messages import language
    from qbalance._cli.main import _COMMANDS, build_parser

    def command(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        found: argparse.ArgumentParser = sub.choices[name]
        return found

    with language(lang):
        full = build_parser(lang)
        for name in _COMMANDS:
            alone = build_parser(lang, only=name)
            a, b = command(full, name), command(alone, name)
            assert a.format_help() == b.format_help()
            assert [(x.dest, x.default) for x in a._actions] == [(x.dest, x.default) for x in b._actions]
