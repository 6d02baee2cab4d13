"""The name people install is ``qbalance-edu``: ``qbalance`` on PyPI is an unrelated quantum-computing library, so no
document, README line, docstring or message may tell anyone to install ``qbalance`` or ``qbalance[...]``. The import
name and the command stay ``qbalance``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qbalance._base.messages import catalogue, language
from qbalance._base.optional import DISTRIBUTION, MissingExtra, require

ROOT = Path(__file__).resolve().parents[1]

WRONG = [
    # an extra of the bare name: qbalance[excel], 'qbalance[all]' (qbalance-edu[excel] is right)
    re.compile(r"(?<![\w./-])qbalance\["),
    # pip install qbalance, pip install -U "qbalance", pip install 'qbalance>=0.1'
    re.compile(r"pip3?\s+install\s+(?:-\S+\s+)*[\"']?qbalance(?![\w-])"),
    # a requirement on the bare name: "qbalance>=0.1", qbalance==0.1
    re.compile(r"(?<![\w./-])qbalance\s*(?:>=|==|~=|<=|!=|<|>)\s*\d"),
]


def _wrong_lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if any(p.search(line) for p in WRONG)]


def test_the_patterns_catch_what_they_should_and_only_that() -> None:
    wrong = [
        "pip install 'qbalance[excel]'",
        'pip install "qbalance[all]"',
        "pip install qbalance",
        "pip install -U qbalance",
        'dependencies = ["qbalance>=0.1"]',
        "needs qbalance[frames]",
    ]
    right = [
        'pip install "qbalance-edu[excel]"',
        "pip install qbalance-edu",
        'pip install ".[excel]"',
        'dependencies = ["qbalance-edu>=0.1"]',
        "pip install qbalance-standards-xx",
        "import qbalance",
        "qbalance evaluate --demo",
        "qbalance._base.optional",
    ]
    assert [line for line in wrong if not _wrong_lines(line)] == []
    assert [line for line in right if _wrong_lines(line)] == []


def _files() -> list[Path]:
    docs = sorted((ROOT / "docs").glob("*.md"))
    src = sorted((ROOT / "src").rglob("*.py")) + sorted((ROOT / "src").rglob("*.yaml"))
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *docs, *src]


def test_no_document_or_message_tells_users_to_install_the_wrong_project() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line}"
        for path in _files()
        for n, line in _wrong_lines(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_no_catalogue_message_names_the_wrong_project_in_either_language() -> None:
    rendered = [
        (key, lang, entry[lang])
        for key, entry in catalogue().items()
        for lang in ("zh", "en")
        if _wrong_lines(entry[lang])
    ]
    assert rendered == []


def test_the_distribution_is_qbalance_edu_and_the_command_qbalance() -> None:
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^name = "qbalance-edu"$', project, re.M) and DISTRIBUTION == "qbalance-edu"
    assert re.search(r'^qbalance = "qbalance\._cli\.main:main"$', project, re.M)  # the command keeps its name
    assert (ROOT / "src" / "qbalance" / "__init__.py").is_file()  # and so does the import name


@pytest.mark.zh
def test_the_missing_extra_hint_names_qbalance_edu_in_both_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "openpyxl", None)  # import now raises ImportError
    with pytest.raises(MissingExtra) as info:
        require("openpyxl", "excel")
    assert str(info.value) == '需要先安装 openpyxl 才能使用这项功能：pip install "qbalance-edu[excel]"'
    with language("en"):
        assert str(info.value) == 'openpyxl is needed for this: pip install "qbalance-edu[excel]"'
    assert info.value.args == ('openpyxl is needed for this: pip install "qbalance-edu[excel]"',)
