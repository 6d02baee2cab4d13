"""docs/tutorial.md runs as written: every `$ qbalance …` line with its exit status, every Python block in order."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
from pathlib import Path

import pytest

from qbalance._cli.main import main

DOCS = Path(__file__).parents[1] / "docs"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
EXIT = re.compile(r"#\s*exit status (\d)\s*$")


def _steps(text: str) -> list[tuple[str, str, int | None]]:
    """("console", command, expected exit) and ("python", source, None), in document order."""
    steps: list[tuple[str, str, int | None]] = []
    for lang, body in BLOCK.findall(text):
        if lang == "console":
            for line in body.splitlines():
                if line.startswith("$ "):
                    m = EXIT.search(line)
                    command = EXIT.sub("", line[2:]).strip()
                    steps.append(("console", command, int(m.group(1)) if m else None))
        elif lang == "python":
            steps.append(("python", body, None))
    return steps


def _shown_output(body: str) -> list[str]:
    """The trailing ``# …`` comment lines of a block that prints: the output the tutorial shows."""
    if "print(" not in body:
        return []
    shown: list[str] = []
    for line in reversed(body.rstrip("\n").splitlines()):
        if not line.startswith("# "):
            break
        shown.insert(0, line[2:])
    return shown


def test_the_tutorial_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("openpyxl")
    pytest.importorskip("pandas")
    text = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    steps = _steps(text)
    assert sum(kind == "console" for kind, _, _ in steps) >= 8 and sum(kind == "python" for kind, _, _ in steps) >= 6
    shutil.copy(DOCS / "examples" / "wenshan-2026-scenario.yaml", tmp_path)  # "copy it next to your workbook"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "tutorial"}
    for kind, body, expected in steps:
        if kind == "console":
            argv = shlex.split(body)
            assert argv[0] == "qbalance", body
            assert expected is not None, f"no '# exit status N' on: {body}"
            assert main(argv[1:]) == expected, body
        else:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(body, "docs/tutorial.md", "exec"), namespace)  # our own documentation, not input
            shown = _shown_output(body)
            if shown:  # the output the tutorial shows after a print must be what it prints
                assert out.getvalue().splitlines()[-len(shown) :] == shown, body
    assert (tmp_path / "报告.html").is_file() and (tmp_path / "报告.xlsx").is_file()


def test_the_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import qbalance

    text = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Use it\n\n```python\n(.*?)```", text, re.S)
    assert block is not None
    shutil.copy(qbalance.demo_path(), tmp_path / "my-county.yaml")  # the README's placeholder file name
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.group(1), "README.md", "exec"), {"__name__": "readme"})  # our own documentation
    printed = out.getvalue()
    # the demo's failing schools and the plan's totals are what the example prints
    assert printed.startswith("fail\n") and "9999010035 [('R6', 1600.0, 2000.0, 107200.0)]" in printed
    assert "'facilities.equipment_value': 26800.0" in printed


def test_the_tutorial_and_readme_name_the_distribution_people_install() -> None:
    # qbalance on PyPI is another project: both say to install qbalance-edu (tests/test_install_name.py checks that no
    # document names the wrong one).
    tutorial = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert 'pip install "qbalance-edu[excel]"' in tutorial
    assert 'pip install "qbalance-edu[excel]"' in readme and "`qbalance-edu[frames]`" in readme
