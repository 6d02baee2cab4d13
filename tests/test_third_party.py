"""A third party's rule pack, end to end: written as an overlay with its own pack tests, found on
``QBALANCE_STANDARDS_PATH`` or through a ``qbalance.standards`` entry point, linted, and tested with ``qbalance test``.

The overlay is the example of docs/writing-packs.md (raise satisfaction to 90%, add an after-school item, retire the
national homework item in favour of a stricter one), so these tests also keep that page honest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import qbalance
from conftest import county, school
from qbalance._cli.main import main
from qbalance._packs.catalogue import ENV_VAR, list_packs

PACK = """\
format: qbalance-pack/1
id: {pid}
version: "1.0.0"
effective: 2025-03-01
extends: cn-moe-2017
title:
  zh: 示例省县域义务教育优质均衡发展督导评估实施细则
  en: Example Province detailed rules for the evaluation of high-quality balanced compulsory education
issuer: {{zh: 示例省教育厅, en: Example Province Department of Education}}
document: 示教督〔2025〕1号

sources:
  xx-2025:
    title: {{zh: 示例省县域义务教育优质均衡发展督导评估实施细则, en: Example Province detailed rules}}
    document: 示教督〔2025〕1号
    date: 2025-03-01

changes:
  - set: parameters.satisfaction_min.value
    value: {satisfaction}
    cite: {{source: xx-2025, clause: 第十二条, text: 社会认可度达到90%以上}}
    reason: The province asks for 90% where the national standard asks for 85%.
  - retire: items.Q8_homework
    cite: {{source: xx-2025, clause: 第十一条第8项, text: "作业管理规范,学生课业负担评定为良好以上"}}
    reason: Replaced by X1_homework, which asks for a rating of good instead of qualified.

parameters:
  after_school_share_min:
    label: {{zh: 提供课后服务的学校比例下限, en: share of schools offering after-school services}}
    value: 0.95
    cite: {{source: xx-2025, clause: 第十一条第10项, text: 提供课后服务的学校达到95%以上}}

inputs:
  after_school_share:
    level: county
    max: 1
    label: {{zh: 提供课后服务的学校比例, en: share of schools offering after-school services}}

items:
  X1_homework:
    area: quality
    kind: county
    order: 8
    label: {{zh: 作业管理评定为良好以上, en: homework management rated good or better}}
    require: homework_burden >= "good"
    cite: {{source: xx-2025, clause: 第十一条第8项, text: "作业管理规范,学生课业负担评定为良好以上"}}
  X2_after_school:
    area: quality
    kind: county
    order: 10
    label: {{zh: 提供课后服务的学校达到95%以上, en: after-school services in at least 95% of schools}}
    require: after_school_share >= params.after_school_share_min
    cite: {{source: xx-2025, clause: 第十一条第10项, text: 提供课后服务的学校达到95%以上}}
"""

# The base county (conftest's ``county``) passes every national item; its satisfaction rate is 0.9 and its homework
# rating 合格 (qualified), and it has no after-school figure.
TESTS = """\
format: qbalance-pack-test/1
base: base-county.json
cases:
  - name: satisfaction of exactly 90% passes
    changes:
      - {path: facts.after_school_share, value: 0.97}
      - {path: facts.homework_burden, value: 良好}
    expect:
      verdict: pass
      areas: {quality: pass, recognition: pass}
      items: {S1_satisfaction: pass, X1_homework: pass, X2_after_school: pass}
      missing: []

  - name: satisfaction of 88% passes nationally but fails here
    changes:
      - {path: facts.satisfaction_rate, value: 0.88}
      - {path: facts.after_school_share, value: 0.97}
      - {path: facts.homework_burden, value: 良好}
    expect:
      verdict: fail
      items: {S1_satisfaction: fail}

  - name: homework rated qualified fails the provincial item
    changes:
      - {path: facts.after_school_share, value: 0.97}
    expect:
      items: {X1_homework: fail}

  - name: after-school services in exactly 95% of schools pass
    changes:
      - {path: facts.after_school_share, value: "95%"}
    expect:
      items: {X2_after_school: pass}

  - name: after-school services in 94% of schools fail
    changes:
      - {path: facts.after_school_share, value: 0.94}
    expect:
      items: {X2_after_school: fail}

  - name: without the after-school figure the verdict is incomplete
    changes:
      - {path: facts.homework_burden, value: 良好}
    expect:
      verdict: incomplete
      items: {X2_after_school: not_evaluated}
      missing: [X2_after_school]
"""
N_CASES = 6


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def make_pack(directory: Path, pid: str, *, satisfaction: float = 0.90) -> Path:
    """Write a third-party overlay pack with its own tests/ into ``directory/pid``; return the pack directory."""
    pack_dir = directory / pid
    _write(pack_dir / "pack.yaml", PACK.format(pid=pid, satisfaction=satisfaction))
    base = county(school("A"), school("B", location="rural"))
    _write(pack_dir / "tests" / "base-county.json", json.dumps(base, ensure_ascii=False, indent=1))
    _write(pack_dir / "tests" / "province.yaml", TESTS)
    return pack_dir


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of third-party packs named in QBALANCE_STANDARDS_PATH; returns the pack directory."""
    root = tmp_path / "my-standards"
    pack_dir = make_pack(root, "cn-tp-2025")
    monkeypatch.setenv(ENV_VAR, str(root))
    monkeypatch.chdir(tmp_path)
    return pack_dir


# -- (1) found on QBALANCE_STANDARDS_PATH -----------------------------------------------------------------------------


def test_pack_on_the_search_path_is_found_by_id(on_path: Path) -> None:
    entries = {e.id: e for e in list_packs()}
    assert entries["cn-tp-2025"].origin == ENV_VAR
    assert entries["cn-tp-2025"].path.resolve() == (on_path / "pack.yaml").resolve()
    assert entries["cn-tp-2025"].extends == "cn-moe-2017"
    std = qbalance.load_standard("cn-tp-2025")
    assert [c.id for c in std.chain] == ["cn-moe-2017", "cn-tp-2025"]
    assert std.pack.parameters["satisfaction_min"].value == 0.9
    assert "Q8_homework" not in std.pack.items  # retired
    assert {"X1_homework", "X2_after_school", "S1_satisfaction"} <= set(std.pack.items)


def test_the_report_says_which_document_set_a_changed_threshold(on_path: Path) -> None:
    base = json.loads((on_path / "tests" / "base-county.json").read_text(encoding="utf-8"))
    base["facts"]["after_school_share"] = 0.97
    report = qbalance.load_standard("cn-tp-2025").evaluate(base)
    (s1,) = [i for i in report.items if i.id == "S1_satisfaction"]
    (param,) = [p for p in s1.parameters if p.name == "satisfaction_min"]
    assert param.value == 0.9
    assert param.set_by is not None
    assert (param.set_by.pack, param.set_by.change, param.set_by.clause) == ("cn-tp-2025", "set", "第十二条")
    (q4,) = [i for i in report.items if i.id == "Q4_training_spend"]
    (share,) = [p for p in q4.parameters if p.name == "training_spend_share"]
    assert share.set_by is not None and share.set_by.pack == "cn-moe-2017"  # inherited, unchanged


# -- (2) lints clean --------------------------------------------------------------------------------------------------


def test_pack_lints_clean(on_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "lint", "--strict", "cn-tp-2025", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "cn-tp-2025 1.0.0: valid (cn-moe-2017 1.0.0 → cn-tp-2025 1.0.0; 34 items, 7 indicators)" in out
    assert "0 warning(s)" in out


def test_retiring_without_a_replacement_is_a_lint_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack_dir = make_pack(tmp_path, "cn-tp-lint")
    text = (pack_dir / "pack.yaml").read_text(encoding="utf-8")
    head, _, _ = text.partition("\nitems:\n")  # drop X1_homework (and X2): homework_burden is now unused
    (pack_dir / "pack.yaml").write_text(head + "\n", encoding="utf-8")
    assert main(["standards", "lint", str(pack_dir), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "input 'homework_burden' is declared but no rule uses it" in out
    assert main(["standards", "lint", "--strict", str(pack_dir)]) == 1


# -- (3) its pack tests run and pass with the CLI runner ---------------------------------------------------------------


def test_pack_tests_pass_with_qbalance_test(on_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "cn-tp-2025", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert f"{N_CASES} passed, 0 failed ({N_CASES} cases in 1 file)" in out
    assert "PASS my-standards/cn-tp-2025/tests/province.yaml::satisfaction of 88% passes nationally but fails" in out


def test_pack_tests_catch_a_wrong_threshold(on_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The same tests against a pack that forgot the provincial 90% (still the national 85%) must fail.
    (on_path / "pack.yaml").write_text(PACK.format(pid="cn-tp-2025", satisfaction=0.85), encoding="utf-8")
    assert main(["test", "-q", "cn-tp-2025", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "FAIL my-standards/cn-tp-2025/tests/province.yaml::satisfaction of 88% passes nationally but fails" in out
    assert "items.S1_satisfaction: expected fail, got pass" in out
    assert f"{N_CASES - 1} passed, 1 failed" in out


def test_coverage_of_an_overlay_counts_the_items_it_inherits(on_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The cases cover the overlay's own items but not, e.g., a failing G01: --require-coverage says so.
    assert main(["test", "-q", "--require-coverage", "cn-tp-2025", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "cn-tp-2025: G01_layout lacks a pass and a fail case" in out
    assert "cn-tp-2025: X2_after_school lacks" not in out
    assert "cn-tp-2025: S1_satisfaction lacks" not in out


def test_pack_tests_pass_in_a_fresh_process(on_path: Path) -> None:
    # The real command line, in a new interpreter that finds the pack only through the environment variable.
    code = "import sys; from qbalance._cli.main import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, ENV_VAR: str(on_path.parent)}
    done = subprocess.run(
        [sys.executable, "-c", code, "test", "cn-tp-2025", "--lang", "en"],
        capture_output=True,
        text=True,
        env=env,
        cwd=on_path.parent.parent,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{N_CASES} passed, 0 failed" in done.stdout


# -- (4) published as a package, found through its entry point ---------------------------------------------------------


def make_site(tmp_path: Path) -> Path:
    """An installed distribution, as pip would leave it: a package with packs inside, and its dist-info."""
    site = tmp_path / "site"
    make_pack(site / "qb_tp_standards" / "standards", "cn-tp-ep-2025")
    _write(site / "qb_tp_standards" / "__init__.py", "raise RuntimeError('pack discovery must not import me')\n")
    dist = site / "qb_tp_standards-1.0.0.dist-info"
    _write(dist / "METADATA", "Metadata-Version: 2.1\nName: qb-tp-standards\nVersion: 1.0.0\n")
    _write(dist / "entry_points.txt", "[qbalance.standards]\ntp = qb_tp_standards:standards\n")
    return site


def test_pack_published_through_an_entry_point_is_found_linted_and_tested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    site = make_site(tmp_path)
    monkeypatch.syspath_prepend(str(site))  # importlib.metadata finds the dist-info on sys.path
    monkeypatch.chdir(tmp_path)
    entries = {e.id: e for e in list_packs()}
    assert entries["cn-tp-ep-2025"].origin == "entry point tp"
    assert (
        entries["cn-tp-ep-2025"].path.resolve()
        == (site / "qb_tp_standards" / "standards" / "cn-tp-ep-2025" / "pack.yaml").resolve()
    )
    assert [c.id for c in qbalance.load_standard("cn-tp-ep-2025").chain] == ["cn-moe-2017", "cn-tp-ep-2025"]
    assert main(["standards", "lint", "--strict", "cn-tp-ep-2025"]) == 0
    assert main(["test", "cn-tp-ep-2025", "--lang", "en"]) == 0
    assert f"{N_CASES} passed, 0 failed" in capsys.readouterr().out
    assert "qb_tp_standards" not in sys.modules  # found and run without importing the package


def test_entry_point_pack_in_a_fresh_process(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])
    code = "import sys; from qbalance._cli.main import main; sys.exit(main(sys.argv[1:]))"
    listed = subprocess.run(
        [sys.executable, "-c", code, "standards", "list", "--lang", "en"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    line = next(ln for ln in listed.stdout.splitlines() if ln.startswith("cn-tp-ep-2025 "))
    assert "extends cn-moe-2017" in line and line.endswith("[entry point tp]")


def test_a_pack_on_the_search_path_shadows_the_same_id_from_an_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    local = tmp_path / "local"
    make_pack(local, "cn-tp-ep-2025", satisfaction=0.92)
    monkeypatch.setenv(ENV_VAR, str(local))
    std = qbalance.load_standard("cn-tp-ep-2025")
    assert std.pack.parameters["satisfaction_min"].value == 0.92
