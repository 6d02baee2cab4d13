"""Pack tests (``qbalance-pack-test/1``): the runner, change paths, tolerances, coverage, ``qbalance test``, pytest.

Everything runs against a tiny pack written below (``PACK``), not the shipped packs, so the numbers stay fixed.
Hand calculations for the base county (``BASE``): two primary schools of 1000 students each, 42 teachers above the
required qualification (42 / 1000 = 4.2 per 100 students, exactly the primary threshold of R1) and 2 000 000 yuan of
equipment (2 000 000 / 1000 = 2000 yuan per student, exactly the primary threshold of R6). Both schools are equal,
so every CV is 0 and every school meets both indicators. County facts: teachers earn 100 000 ≥ civil servants'
95 000 (G8 passes), no falsified data (V6 passes), IT coverage 0.8 < target 1 (progress item P1 fails, but its area
is not required, so the verdict is pass).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
import time
from importlib.metadata import entry_points
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from qbalance import PackError
from qbalance._workflow.packtest import (
    Approx,
    CaseResult,
    Expect,
    add_test_command,
    coverage,
    coverage_gaps,
    discover,
    is_test_file,
    load_test_file,
    parse_change_path,
    run_case,
    sniff,
)
from qbalance._workflow.packtest.compare_report import _compare_report
from qbalance._workflow.packtest.fields import _COMPOSITE_FIELDS, _CV_FIELDS, _SCHOOL_FIELDS, _VALUE_FIELDS

pytest_plugins = ["pytester"]

PACK = """\
format: qbalance-pack/1
id: xx-test-pack
version: "1.0.0"
effective: 2020-01-01
title: {zh: 测试规则包, en: test pack}
sources:
  test: {title: {zh: 测试来源}}
parameters:
  cv_limit: {by: section, value: {primary: 0.50, junior: 0.45}}
inputs:
  students: {level: section, unit: student, integer: true, label: {zh: 在校学生数}}
  teachers.above_qualified: {level: section, unit: teacher, integer: true, label: {zh: 高于规定学历教师数}}
  facilities.equipment_value: {level: school, unit: yuan, label: {zh: 教学仪器设备值}}
  teacher_salary_avg: {level: county, unit: yuan, label: {zh: 教师平均工资}}
  civil_servant_salary_avg: {level: county, unit: yuan, label: {zh: 公务员平均工资}}
  falsified_data: {level: county, type: flag, label: {zh: 弄虚作假}}
  it_share: {level: county, max: 1, label: {zh: 信息化覆盖率}}
indicators:
  R1:
    label: {zh: 每百名学生拥有高于规定学历教师数}
    expression: teachers.above_qualified / students
    unit: teacher / (100 student)
    threshold: {primary: 4.2, junior: 5.3}
  R6:
    label: {zh: 生均教学仪器设备值}
    expression: facilities.equipment_value / students
    unit: yuan / student
    threshold: {primary: 2000, junior: 2500}
areas:
  resource: {label: {zh: 资源配置}, order: 1}
  government: {label: {zh: 政府保障程度}, order: 2}
  veto: {label: {zh: 一票否决}, order: 3, veto: true}
  progress: {label: {zh: 规划进展}, order: 4, required: false}
items:
  resource_schools:
    area: resource
    kind: k_of_n
    label: {zh: "每校至少1项达标,余项不低于85%"}
    indicators: [R1, R6]
    k: 1
    floor: 0.85
  resource_balance:
    area: resource
    kind: cv_limit
    label: {zh: 校际差异系数}
    indicators: [R1, R6]
    limit: params.cv_limit
  G8_salary:
    area: government
    kind: county
    label: {zh: 教师工资不低于公务员}
    require: teacher_salary_avg >= civil_servant_salary_avg
  V6_falsified_data:
    area: veto
    kind: county
    label: {zh: 弄虚作假}
    require: not falsified_data
  P1_it:
    area: progress
    kind: progress
    label: {zh: 信息化覆盖}
    value: it_share
    target: 1
"""

COMPOSITE_ITEM = """\
  resource_composite:
    area: resource
    kind: composite_cv
    label: {zh: 综合差异系数}
    indicators: [R1, R6]
    limit: 0.3
"""

BASE = """\
format: qbalance-county/1
code: "990001"
name: 测试县
facts: {teacher_salary_avg: 100000, civil_servant_salary_avg: 95000, falsified_data: false, it_share: 0.8}
schools:
  - id: "001"
    name: 学校001
    type: primary
    ownership: public
    location: urban
    sections:
      primary: {students: 1000, teachers: {full_time: 60, above_qualified: 42}}
    facilities: {equipment_value: 2000000}
  - id: "002"
    name: 学校002
    type: primary
    ownership: public
    location: rural
    sections:
      primary: {students: 1000, teachers: {full_time: 60, above_qualified: 42}}
    facilities: {equipment_value: 2000000}
"""

# Every case passes; together they give every required item a pass and a fail case (P1_it, whose area is not
# required, gets both too).
PASSING = """\
# Cases for the test pack.
format: qbalance-pack-test/1
base: base-county.yaml
cases:
  - name: baseline passes
    description: both schools exactly at every threshold; P1 fails but its area is not required
    expect:
      verdict: pass
      areas: {resource: pass, government: pass, veto: pass, progress: fail}
      items: {resource_schools: pass, resource_balance: pass, G8_salary: pass, V6_falsified_data: pass, P1_it: fail}
      vetoes: []
      missing: []
      indicators:
        # 84 teachers / 2000 students = 4.2 per 100; equal schools: std 0, CV 0
        R1: {primary: {county_value: 4.2, std: 0, cv: 0, schools: 2, students: 2000, limit: 0.5, result: pass}}
        R6: {primary: {county_value: 2000, cv: 0, cv_compared: 0, missing_schools: []}}
      schools:
        "001": {primary: pass}
        "002": {primary: {result: pass, met_count: 2, floor_ok: true, values: {R6: {value: 2000, ratio: 1, met: true}}}}
  - name: salary below civil servants fails G8
    changes:
      - {path: facts.teacher_salary_avg, value: 90000}   # 90 000 < 95 000
    expect:
      verdict: fail
      areas: {government: fail, resource: pass}
      items: {G8_salary: fail}
      vetoes: []
  - name: equipment of 100 万元 fails the first school
    changes:
      # 100 万元 = 1 000 000 yuan: 1000 per student = 50% of 2000, below the 85% floor
      - {path: "schools[0].facilities.equipment_value", value: "100 万元"}
    expect:
      verdict: fail
      items: {resource_schools: fail, resource_balance: pass}
      indicators:
        # mean = 3 000 000 / 2000 = 1500; std = sqrt((1000·500² + 1000·500²) / 2000) = 500; CV = 1/3
        R6: {primary: {county_value: 1500, std: 500, cv: {value: 0.3333, abs: 0.0001}, result: pass}}
      schools:
        "001": {primary: {result: fail, met_count: 1, floor_ok: false, values: {R6: {value: 1000, ratio: 0.5}}}}
        "002": {primary: pass}
  - name: exactly at the 85 percent floor passes
    changes:
      # school 002: 1 700 000 / 1000 = 1700 = 0.85 · 2000; R1 is met, so 1 of 2 met and the rest at the floor
      - {path: "schools[id=002].facilities.equipment_value", value: 1700000}
    expect:
      items: {resource_schools: pass}
      schools:
        "002":
          primary: {result: pass, met_count: 1, floor_ok: true, values: {R6: {value: 1700, met: false, ratio: 0.85}}}
  - name: just below the floor fails
    changes:
      - {path: "schools[id=002].facilities.equipment_value", value: 1699000}   # 1699 < 1700
    expect:
      items: {resource_schools: fail}
      schools: {"002": {primary: fail}}
  - name: CV above the limit fails the balance item
    changes:
      # 10 000 000 / 1000 = 10 000 per student against 2000: mean 6000, std 4000, CV = 2/3 > 0.5
      - {path: "schools[1].facilities.equipment_value", value: 10000000}
    expect:
      verdict: fail
      items: {resource_schools: pass, resource_balance: fail}
      indicators: {R6: {primary: {county_value: 6000, std: 4000, cv: {value: 0.6667, rel: 0.001}, result: fail}}}
  - name: falsified data is a veto
    changes:
      - {path: facts.falsified_data, value: true}
    expect:
      verdict: fail
      areas: {veto: fail}
      items: {V6_falsified_data: fail}
      vetoes: [V6_falsified_data]
  - name: full IT coverage meets the progress target
    changes:
      - {path: facts.it_share, value: 1}
    expect:
      items: {P1_it: pass}
      areas: {progress: pass}
  - name: missing equipment value makes the verdict incomplete
    changes:
      - {path: "schools[id=001].facilities.equipment_value", delete: true}
    expect:
      verdict: incomplete
      missing: [resource_schools, resource_balance]
      indicators: {R6: {primary: {cv: null, result: not_evaluated, missing_schools: ["001"]}}}
      schools: {"001": {primary: not_evaluated}}
  - name: a deleted veto fact is missing data
    changes:
      - {path: facts.falsified_data, delete: true}
    expect:
      verdict: incomplete
      items: {V6_falsified_data: not_evaluated}
      missing: [V6_falsified_data]
  - name: an amount in the wrong unit is an input error
    changes:
      - {path: "schools[0].facilities.equipment_value", value: "3 teacher"}
    expect: {error: InputError, error_contains: equipment_value}
"""

# Each case fails on purpose; FAILING_MESSAGES lists what each must report.
FAILING = """\
format: qbalance-pack-test/1
base: base-county.yaml
cases:
  - name: wrong verdict and item
    expect: {verdict: fail, items: {G8_salary: fail}}
  - name: wrong numbers
    expect:
      indicators: {R1: {primary: {schools: 3, cv: 0.1, result: fail}}}
  - name: wrong sets
    changes:
      - {path: facts.falsified_data, value: true}
    expect: {vetoes: [], missing: [G8_salary]}
  - name: wrong school
    expect: {schools: {"001": {primary: fail}, "009": {primary: pass}}}
  - name: error expected but none raised
    expect: {error: InputError}
"""

FAILING_MESSAGES = {
    "wrong verdict and item": ["verdict: expected fail, got pass", "items.G8_salary: expected fail, got pass"],
    "wrong numbers": [
        "indicators.R1.primary.schools: expected 3, got 2 (difference -1)",
        "indicators.R1.primary.cv: expected 0.1, got 0 (difference -0.1)",
        "indicators.R1.primary.result: expected fail, got pass",
    ],
    "wrong sets": [
        "vetoes: expected [], got [V6_falsified_data] (unexpected V6_falsified_data)",
        "missing: expected [G8_salary], got [] (lacking G8_salary)",
    ],
    "wrong school": [
        "schools.001.primary: expected fail, got pass",
        "schools.009.primary: expected a k-of-n result, got none (no such school section, or it is excluded)",
    ],
    "error expected but none raised": ["error: expected InputError, got a report (verdict pass)"],
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def make_pack(root: Path, *, extra_items: str = "") -> Path:
    """Write the test pack and its base county under ``root/mypack``; return the pack directory."""
    pack_dir = root / "mypack"
    write(pack_dir / "pack.yaml", PACK + extra_items)
    write(pack_dir / "tests" / "base-county.yaml", BASE)
    return pack_dir


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    return make_pack(tmp_path)


def run_file(path: Path) -> dict[str, CaseResult]:
    tf = load_test_file(path)
    return {case.name: run_case(tf, case) for case in tf.cases}


def one_case(pack_dir: Path, case_yaml: str, *, name: str = "t.yaml") -> CaseResult:
    """Run a file of one case (``case_yaml`` is the case mapping, indented as a list item)."""
    text = "format: qbalance-pack-test/1\nbase: base-county.yaml\ncases:\n" + textwrap.dedent(case_yaml)
    (result,) = run_file(write(pack_dir / "tests" / name, text)).values()
    return result


def problems_of(exc: pytest.ExceptionInfo[PackError]) -> str:
    return "\n".join(p.render() for p in exc.value.problems)


# -- recognising test files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("format: qbalance-pack-test/1\ncases: []\n", True),
        ("# a comment\n\n---\n  format: 'qbalance-pack-test/1'  # trailing\n", True),
        ('\ufeffformat: "qbalance-pack-test/1"\n', True),
        ("format: qbalance-county/1\n", False),
        ("cases: []\nformat: qbalance-pack-test/1\n", False),  # the first significant line decides
        ("format: qbalance-pack-test/10\n", False),
        ("# only comments\n", False),
    ],
)
def test_sniff_reads_the_first_significant_line(head: str, expected: bool) -> None:
    assert sniff(head.encode("utf-8")) is expected


def test_is_test_file_checks_suffix_and_reads_only_the_head(tmp_path: Path) -> None:
    ok = write(tmp_path / "a.yml", "format: qbalance-pack-test/1\n")
    assert is_test_file(ok)
    assert not is_test_file(write(tmp_path / "a.txt", "format: qbalance-pack-test/1\n"))
    # 3000 bytes of comments push the format line beyond the 2 KB that are read.
    assert not is_test_file(write(tmp_path / "late.yaml", "#" * 3000 + "\nformat: qbalance-pack-test/1\n"))
    assert not is_test_file(tmp_path / "missing.yaml")


# -- running cases ---------------------------------------------------------------------------------------------------


def test_passing_cases_pass(pack_dir: Path) -> None:
    results = run_file(write(pack_dir / "tests" / "cases.yaml", PASSING))
    assert len(results) == 11
    failed = {name: r.failures for name, r in results.items() if not r.passed}
    assert failed == {}
    assert all(r.error is None and r.pack_id == "xx-test-pack" for r in results.values())
    assert results["baseline passes"].report is not None
    assert results["baseline passes"].report.verdict == "pass"
    assert results["an amount in the wrong unit is an input error"].report is None


def test_failing_cases_say_what_was_expected_and_what_came(pack_dir: Path) -> None:
    results = run_file(write(pack_dir / "tests" / "failing.yaml", FAILING))
    assert {name: r.failures for name, r in results.items()} == FAILING_MESSAGES
    assert not any(r.passed for r in results.values())
    assert all(r.error is None for r in results.values())  # failures, not invalid cases


def test_input_error_message_must_contain_the_text(pack_dir: Path) -> None:
    r = one_case(
        pack_dir,
        """\
        - name: bad unit
          changes: [{path: "schools[0].facilities.equipment_value", value: "3 teacher"}]
          expect: {error: InputError, error_contains: sports_area}
        """,
    )
    assert not r.passed
    (failure,) = r.failures
    assert failure.startswith("error: expected InputError containing 'sports_area', got InputError:")
    assert "equipment_value" in failure


def test_an_unexpected_input_error_is_a_failure(pack_dir: Path) -> None:
    r = one_case(
        pack_dir,
        """\
        - name: bad unit
          changes: [{path: "schools[0].facilities.equipment_value", value: "3 teacher"}]
          expect: {verdict: pass}
        """,
    )
    assert not r.passed and r.error is None
    assert r.failures[0].startswith("evaluation raised InputError:")


# -- numbers and tolerances ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cv", "passes"),
    [
        # CV of R6 with 1000 and 2000 yuan per student (equal weights) is exactly 1/3 = 0.333333...
        ("0.3333333333333333", True),  # plain number: within rel 1e-9
        ("0.3333", False),  # plain number: 6.7e-5 away is far beyond rel 1e-9
        ("{value: 0.3333, abs: 0.0001}", True),  # |1/3 - 0.3333| = 3.3e-5 <= 1e-4
        ("{value: 0.3333, abs: 0.00001}", False),  # 3.3e-5 > 1e-5
        ("{value: 0.33, rel: 0.02}", True),  # 0.0033 / 0.3333 = 1% <= 2%
        ("{value: 0.33, rel: 0.005}", False),  # 1% > 0.5%
        ("null", False),  # the report has a number: null does not match
    ],
)
def test_number_tolerances(pack_dir: Path, cv: str, passes: bool) -> None:
    r = one_case(
        pack_dir,
        f"""\
        - name: cv
          changes: [{{path: "schools[0].facilities.equipment_value", value: 1000000}}]
          expect: {{indicators: {{R6: {{primary: {{cv: {cv}}}}}}}}}
        """,
    )
    assert r.passed is passes, r.failures
    if not passes:
        assert r.failures[0].startswith("indicators.R6.primary.cv: expected ")
        assert "got 0.3333333333333333" in r.failures[0]


def test_a_missing_number_never_matches(pack_dir: Path) -> None:
    r = one_case(
        pack_dir,
        """\
        - name: cv of missing data
          changes: [{path: "schools[0].facilities.equipment_value", delete: true}]
          expect: {indicators: {R6: {primary: {cv: 0, county_value: {value: 2000, abs: 1000000}}}}}
        """,
    )
    assert r.failures == [
        "indicators.R6.primary.cv: expected 0, got null",
        "indicators.R6.primary.county_value: expected 2000 (± 1000000), got null",
    ]


def test_approx_wording() -> None:
    assert str(Approx(0.5)) == "0.5"
    assert str(Approx(0.12, abs=0.001, rel=0.0, explicit=True)) == "0.12 (± 0.001)"
    assert str(Approx(0.12, abs=0.0, rel=0.01, explicit=True)) == "0.12 (± 0.01 relative)"
    assert Approx(1.0).matches(1.0 + 1e-10) and not Approx(1.0).matches(1.0 + 1e-8)
    assert Approx(0.0).matches(1e-13) and not Approx(0.0).matches(1e-11)  # abs_tol 1e-12 near zero


# -- change paths ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("facts.teacher_salary_avg", (("key", "facts"), ("key", "teacher_salary_avg"))),
        (
            "schools[0].facilities.equipment_value",
            (("key", "schools"), ("index", 0), ("key", "facilities"), ("key", "equipment_value")),
        ),
        (
            "schools[id=001].facts.has_charter",
            (("key", "schools"), ("id", "001"), ("key", "facts"), ("key", "has_charter")),
        ),
        ('facts["survey.rate"]', (("key", "facts"), ("key", "survey.rate"))),
        ("schools[12][3]", (("key", "schools"), ("index", 12), ("index", 3))),
    ],
)
def test_change_path_grammar(path: str, steps: tuple[tuple[str, object], ...]) -> None:
    assert parse_change_path(path) == steps


@pytest.mark.parametrize(
    "path", ["", "facts.", ".facts", "facts..x", "schools[", "schools[x]", "schools.[0]", "[0].x", "a b", "schools[-1]"]
)
def test_bad_change_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match=r"change path|empty"):
        parse_change_path(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            '{path: "schools[0].facilites.equipment_value", value: 1}',
            "'facilites' is not a field here (schools[0]); did you mean 'facilities'?",
        ),
        ('{path: "schools[id=999].facts.x", value: 1}', "schools has no element with id '999'"),
        ('{path: "schools[5].name", value: x}', "schools has 2 element(s); there is no [5]"),
        ("{path: facts.teacher_salary_avge, value: 1}", "'teacher_salary_avge' is not an input of the pack (facts)"),
        ("{path: facts.nothing_here, delete: true}", "cannot delete 'nothing_here': facts has no such key"),
        ("{path: name.first, value: x}", "name is not a mapping, so it has no key 'first'"),
        ('{path: "facts[0]", value: x}', "facts is not a list, so [0] selects nothing"),
    ],
)
def test_unknown_change_paths_are_errors_naming_the_case(pack_dir: Path, change: str, message: str) -> None:
    r = one_case(pack_dir, f"- name: edit\n  changes: [{change}]\n  expect: {{verdict: pass}}\n")
    assert not r.passed
    assert r.error is not None and r.failures == [r.error]
    assert "case 'edit': change path" in r.error
    assert message in r.error
    assert "t.yaml:line 5" in r.error  # the file and the line of the change


def test_changes_apply_in_order_to_a_copy_and_create_known_mappings(pack_dir: Path) -> None:
    # The inline base has no facts at all: the changes create the mapping (facts is a county field) and its keys
    # (each an input of the pack). A later change overrides an earlier one; a whole school can be replaced.
    no_facts = "".join(line for line in BASE.splitlines(keepends=True) if not line.startswith("facts:"))
    text = f"""\
format: qbalance-pack-test/1
base_county:
{textwrap.indent(no_facts, "  ")}
cases:
  - name: facts created by changes
    changes:
      - {{path: facts.teacher_salary_avg, value: 1}}
      - {{path: facts.teacher_salary_avg, value: 100000}}
      - {{path: facts.civil_servant_salary_avg, value: 95000}}
      - {{path: facts.falsified_data, value: false}}
      - {{path: facts.it_share, value: 0.8}}
      - path: "schools[0]"
        value: {{id: "003", name: 学校003, type: primary, ownership: public, location: town,
                 sections: {{primary: {{students: 1000, teachers: {{above_qualified: 42}}}}}},
                 facilities: {{equipment_value: 2000000}}}}
    expect: {{verdict: pass, schools: {{"003": {{primary: pass}}}}}}
  - name: the base is untouched by the previous case
    changes:
      - {{path: facts.falsified_data, value: true}}
    expect: {{verdict: fail, items: {{V6_falsified_data: fail, G8_salary: not_evaluated}}}}
"""
    results = run_file(write(pack_dir / "tests" / "inline.yaml", text))
    assert {n: r.failures for n, r in results.items()} == {
        "facts created by changes": [],
        "the base is untouched by the previous case": [],
    }


def test_case_county_replaces_the_base(pack_dir: Path) -> None:
    # An inline county of one school exactly at every threshold (see the module docstring).
    r = one_case(
        pack_dir,
        """\
        - name: one school
          county:
            code: "990002"
            name: 单校县
            facts: {teacher_salary_avg: 1, civil_servant_salary_avg: 2, falsified_data: false, it_share: 1}
            schools:
              - {id: A, name: 甲, type: primary, ownership: public, location: urban,
                 sections: {primary: {students: 1000, teachers: {above_qualified: 42}}},
                 facilities: {equipment_value: 2000000}}
          expect:
            verdict: fail   # 1 < 2: G8 fails
            items: {G8_salary: fail, resource_schools: pass}
            indicators: {R6: {primary: {schools: 1, county_value: 2000}}}
        """,
    )
    assert r.passed, r.failures


# -- checking the test file itself -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("expect: {itmes: {G8_salary: pass}}", "unknown expectation key 'itmes'; did you mean 'items'?"),
        ("expect: {indicators: {R1: {primary: {cvv: 0}}}}", "unknown indicator field key 'cvv'; did you mean 'cv'?"),
        ("expect: {indicators: {R1: {primary: {cv: {value: 0, tol: 1}}}}}", "unknown tolerance key 'tol'"),
        ("expect: {indicators: {R1: {primary: {cv: {value: 0}}}}}", "give a tolerance"),
        ("expect: {indicators: {R1: {senior: {cv: 0}}}}", "unknown section 'senior'"),
        ("expect: {schools: {'001': {primary: {reslt: pass}}}}", "unknown school field key 'reslt'"),
        ("expect: {schools: {'001': {primary: {values: {R1: {valu: 1}}}}}}", "unknown value field key 'valu'"),
        ("expect: {items: {G8_salary: passed}}", "item status must be one of pass, fail, not_evaluated"),
        ("expect: {areas: {resource: not_applicable}}", "area status must be one of pass, fail, not_evaluated"),
        ("expect: {verdict: ok}", "verdict must be one of pass, fail, incomplete"),
        ("expect: {vetoes: V6_falsified_data}", "vetoes must be a list of ids"),
        ("expect: {indicators: {R1: {primary: {cv: .nan}}}}", "expected a finite number"),
        ("expect: {error: ValueError}", "error must be one of InputError"),
        ("expect: {error_contains: x}", "error_contains needs 'error: InputError'"),
        ("expect: {error: InputError, verdict: fail}", "a case that expects an error has no report to check"),
        ("expect: {}", "expect is empty"),
        ("expct: {verdict: pass}", "unknown case key 'expct'"),
        ("changes: [{path: facts.x, value: 1, delete: true}]\n  expect: {verdict: pass}", "not both"),
        ("changes: [{path: facts.x}]\n  expect: {verdict: pass}", "needs 'value'"),
        ("changes: [{path: facts.x, vale: 1}]\n  expect: {verdict: pass}", "unknown change key 'vale'"),
        ("changes: [{path: 'facts..x', value: 1}]\n  expect: {verdict: pass}", "unexpected '.'"),
    ],
)
def test_unknown_or_malformed_expectations_are_errors_with_a_line(pack_dir: Path, snippet: str, message: str) -> None:
    path = write(
        pack_dir / "tests" / "bad.yaml",
        f"format: qbalance-pack-test/1\nbase: base-county.yaml\ncases:\n- name: x\n  {snippet}\n",
    )
    with pytest.raises(PackError) as exc:
        load_test_file(path)
    text = problems_of(exc)
    assert message in text
    assert f"{path}:line " in text  # names the file and the line


HEAD = "format: qbalance-pack-test/1\nbase: base-county.yaml\n"
ONE = "cases: [{name: x, expect: {verdict: pass}}]"


@pytest.mark.parametrize(
    ("top", "message"),
    [
        ("format: qbalance-pack-test/2\n" + ONE, "format must be"),
        ("format: qbalance-pack-test/1\ncase: []", "unknown top-level key 'case'"),
        ("format: qbalance-pack-test/1\ncases: []", "'cases' must be a non-empty list"),
        ("format: qbalance-pack-test/1\n" + ONE, "has no county"),
        (HEAD + "as_of: soon\n" + ONE, "as_of must be a date"),
        (
            HEAD + "cases: [{name: x, expect: {verdict: pass}}, {name: x, expect: {verdict: pass}}]",
            "duplicate case name",
        ),
        (HEAD + "cases: [{name: 'a::b', expect: {verdict: pass}}]", "without '::'"),
        (HEAD + "base_county: {}\n" + ONE, "not both"),
        ("format: qbalance-pack-test/1\nbase: x.txt\n" + ONE, "must be .yaml, .yml or .json"),
        ("format: qbalance-pack-test/1\nbase: !!python/object:os.system x\ncases: []", "is not allowed"),
        ("- just a list", "must be a YAML mapping"),
    ],
)
def test_malformed_test_files_are_refused(pack_dir: Path, top: str, message: str) -> None:
    path = write(pack_dir / "tests" / "bad.yaml", top + "\n")
    with pytest.raises(PackError) as exc:
        load_test_file(path)
    assert message in problems_of(exc)


def test_ids_the_pack_does_not_have_are_errors(pack_dir: Path) -> None:
    r = one_case(
        pack_dir,
        """\
        - name: typos in ids
          expect:
            items: {G8_salry: pass}
            areas: {goverment: pass}
            indicators: {R9: {primary: {cv: 0}}}
            vetoes: [V7]
            schools: {"001": {primary: {values: {R2: {met: true}}}}}
        """,
    )
    assert not r.passed and r.error is not None
    assert "pack xx-test-pack has no item 'G8_salry'; did you mean 'G8_salary'?" in r.error
    assert "pack xx-test-pack has no area 'goverment'; did you mean 'government'?" in r.error
    assert "has no indicator 'R9'" in r.error
    assert "has no item 'V7'" in r.error
    assert "has no indicator 'R2'" in r.error
    assert r.error.count("t.yaml:line ") == 5


def test_yaml_is_loaded_safely_and_bounded(pack_dir: Path) -> None:
    # A "billion laughs" base county: 9 levels of 10 aliases expand to 10⁹ values; the loader refuses it at its
    # node bound instead of expanding it.
    lines = ['a0: &a0 "x"'] + [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 10)]
    write(pack_dir / "tests" / "laughs.yaml", "\n".join(lines) + "\n")
    path = write(
        pack_dir / "tests" / "t.yaml",
        "format: qbalance-pack-test/1\nbase: laughs.yaml\ncases: [{name: x, expect: {verdict: pass}}]\n",
    )
    start = time.perf_counter()
    with pytest.raises(PackError) as exc:
        load_test_file(path)
    assert time.perf_counter() - start < 10
    assert "base county is not readable" in problems_of(exc) and "too large" in problems_of(exc)


# -- paths stay inside the pack directory ----------------------------------------------------------------------------


def test_base_outside_the_pack_directory_is_refused(pack_dir: Path) -> None:
    write(pack_dir.parent / "outside.yaml", BASE)
    for base, message in [
        ("../../outside.yaml", "outside the pack directory"),
        (str(pack_dir.parent / "outside.yaml"), "not an absolute path"),
    ]:
        path = write(
            pack_dir / "tests" / "t.yaml",
            f"format: qbalance-pack-test/1\n\nbase: {base}\ncases: [{{name: x, expect: {{verdict: pass}}}}]\n",
        )
        with pytest.raises(PackError) as exc:
            load_test_file(path)
        text = problems_of(exc)
        assert message in text
        assert f"{path}:line 3" in text


def test_a_symlink_out_of_the_pack_directory_is_refused(pack_dir: Path) -> None:
    target = write(pack_dir.parent / "secret.yaml", BASE)
    link = pack_dir / "tests" / "link.yaml"
    try:
        link.symlink_to(target)
    except OSError:  # pragma: no cover - platforms without symlinks
        pytest.skip("symlinks not available")
    path = write(
        pack_dir / "tests" / "t.yaml",
        "format: qbalance-pack-test/1\nbase: link.yaml\ncases: [{name: x, expect: {verdict: pass}}]\n",
    )
    with pytest.raises(PackError) as exc:
        load_test_file(path)
    assert "outside the pack directory" in problems_of(exc)


def test_pack_paths_may_use_dotdot_inside_but_not_escape(pack_dir: Path) -> None:
    inside = write(
        pack_dir / "tests" / "t.yaml",
        "format: qbalance-pack-test/1\npack: ../pack.yaml\nbase: ./sub/../base-county.yaml\n"
        "cases: [{name: x, expect: {verdict: pass}}]\n",
    )
    tf = load_test_file(inside)
    assert tf.pack_is_path and Path(tf.pack) == (pack_dir / "pack.yaml").resolve()
    assert run_case(tf, tf.cases[0]).passed
    other = make_pack(pack_dir.parent / "elsewhere")
    escape = write(
        pack_dir / "tests" / "t.yaml",
        f"format: qbalance-pack-test/1\npack: ../../elsewhere/{other.name}\nbase: base-county.yaml\n"
        "cases: [{name: x, expect: {verdict: pass}}]\n",
    )
    with pytest.raises(PackError) as exc:
        load_test_file(escape)
    assert "pack '../../elsewhere/mypack' resolves to" in problems_of(exc)
    assert "outside the pack directory" in problems_of(exc)


def test_without_pack_the_file_must_sit_in_a_pack_tests_directory(tmp_path: Path) -> None:
    path = write(tmp_path / "loose" / "t.yaml", "format: qbalance-pack-test/1\ncases: [{name: x, expect: {}}]\n")
    with pytest.raises(PackError) as exc:
        load_test_file(path)
    assert "no pack to test" in problems_of(exc)


def test_pack_by_id_and_as_of(pack_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QBALANCE_STANDARDS_PATH", str(pack_dir.parent))
    by_id = write(
        pack_dir / "tests" / "id.yaml",
        "format: qbalance-pack-test/1\npack: xx-test-pack\nbase: base-county.yaml\n"
        "cases: [{name: by id, expect: {verdict: pass}}]\n",
    )
    assert [r.passed for r in run_file(by_id).values()] == [True]
    path = write(
        pack_dir / "tests" / "id.yaml",
        "format: qbalance-pack-test/1\npack: xx-test-pack\nas_of: 2019-12-31\nbase: base-county.yaml\n"
        "cases: [{name: before it was issued, expect: {verdict: pass}}]\n",
    )
    tf = load_test_file(path)
    assert (tf.pack, tf.pack_is_path, str(tf.as_of)) == ("xx-test-pack", False, "2019-12-31")
    r = run_case(tf, tf.cases[0])
    assert not r.passed and r.error is not None
    assert "no version of pack 'xx-test-pack' is in force on 2019-12-31" in r.error


def test_an_invalid_pack_is_an_error_of_every_case(pack_dir: Path) -> None:
    write(pack_dir / "pack.yaml", PACK.replace("kind: k_of_n", "kind: k_of_m"))
    results = run_file(write(pack_dir / "tests" / "cases.yaml", PASSING))
    assert all(r.error is not None and "pack " in r.error and "is invalid" in r.error for r in results.values())


# -- composite CV items ----------------------------------------------------------------------------------------------


def test_composite_expectations(tmp_path: Path) -> None:
    # Composite CV = mean of the R1 and R6 CVs. With 1000 and 2000 yuan per student: (0 + 1/3) / 2 = 1/6 <= 0.3.
    pack_dir = make_pack(tmp_path, extra_items=COMPOSITE_ITEM)
    r = one_case(
        pack_dir,
        """\
        - name: composite
          changes: [{path: "schools[0].facilities.equipment_value", value: 1000000}]
          expect:
            items: {resource_composite: pass}
            composite: {resource_composite: {primary: {cv: {value: 0.16667, abs: 0.00001}, limit: 0.3, result: pass}}}
        """,
    )
    assert r.passed, r.failures
    wrong = one_case(
        pack_dir, "- name: c\n  expect: {composite: {resource_balance: {primary: {cv: 0}}}}\n", name="c.yaml"
    )
    assert wrong.error is not None and "item 'resource_balance' is of kind cv_limit, not composite_cv" in wrong.error


def test_composite_without_report_support_is_an_unsupported_expectation() -> None:
    # A report whose items have no ``composite`` attribute (an older qbalance) cannot check composite expectations.
    report: Any = SimpleNamespace(
        verdict="pass", areas=[], vetoes=[], missing=[], indicators=[], schools=[], items=[SimpleNamespace(id="X")]
    )
    failures: list[str] = []
    unsupported: list[str] = []
    _compare_report(Expect(composite={"X": {"primary": {"cv": Approx(0.1)}}}), report, failures, unsupported)
    assert failures == []
    assert unsupported == [
        "composite expectations are not supported by this qbalance: its report gives no composite results "
        "for items (item 'X')"
    ]


def test_field_tables_match_the_report_models() -> None:
    from qbalance._report.model import CompositeOut, CvOut, SchoolSectionOut, ValueOut

    # threshold_set_by is an origin record, not a number or a status a pack test states
    assert set(_CV_FIELDS) == set(CvOut.model_fields) - {"section", "threshold_set_by"}
    assert set(_COMPOSITE_FIELDS) == set(CompositeOut.model_fields) - {"section"}
    assert set(_SCHOOL_FIELDS) <= set(SchoolSectionOut.model_fields)
    assert set(_VALUE_FIELDS) <= set(ValueOut.model_fields)


# -- discovery -------------------------------------------------------------------------------------------------------


def test_discover_by_id_directory_pack_file_and_test_file(pack_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = write(pack_dir / "tests" / "cases.yaml", PASSING)
    more = write(pack_dir / "tests" / "more.yml", FAILING)
    write(pack_dir / "tests" / "notes.yaml", "format: something-else\n")
    expected = [cases, more]  # sorted; base-county.yaml and notes.yaml are not pack tests
    monkeypatch.setenv("QBALANCE_STANDARDS_PATH", str(pack_dir.parent))
    assert discover(["xx-test-pack"]) == expected
    assert discover([pack_dir]) == expected
    assert discover([pack_dir / "pack.yaml"]) == expected
    assert discover([more]) == [more]
    assert discover([pack_dir.parent]) == expected  # a plain directory: every test file below it
    assert discover([more, pack_dir]) == [more, cases]  # no duplicates, first mention wins
    everything = discover()
    assert cases in everything and more in everything
    with pytest.raises(PackError, match="no pack 'no-such-pack'"):
        discover(["no-such-pack"])
    with pytest.raises(PackError, match="not a pack test file"):
        discover([pack_dir / "tests" / "notes.yaml"])


# -- coverage --------------------------------------------------------------------------------------------------------


def test_coverage_of_the_passing_file(pack_dir: Path) -> None:
    tf = load_test_file(write(pack_dir / "tests" / "cases.yaml", PASSING))
    results = [run_case(tf, c) for c in tf.cases]
    assert coverage([tf], results) == {
        "xx-test-pack": {
            "resource_schools": {"pass", "fail"},
            "resource_balance": {"pass", "fail"},
            "G8_salary": {"pass", "fail"},
            "V6_falsified_data": {"pass", "fail", "not_evaluated"},
            "P1_it": {"pass", "fail"},
        }
    }
    assert coverage_gaps([tf], results) == []


def test_coverage_counts_only_passing_cases_and_relaxes_optional_areas(pack_dir: Path) -> None:
    path = write(
        pack_dir / "tests" / "few.yaml",
        """\
        format: qbalance-pack-test/1
        base: base-county.yaml
        cases:
          - name: passes
            expect: {items: {resource_schools: pass, G8_salary: pass}}
          - name: fails on purpose, so it covers nothing
            expect: {items: {resource_balance: fail, G8_salary: fail}}
        """,
    )
    tf = load_test_file(path)
    results = [run_case(tf, c) for c in tf.cases]
    assert [r.passed for r in results] == [True, False]
    assert coverage([tf], results)["xx-test-pack"] == {
        "resource_schools": {"pass"},
        "resource_balance": set(),
        "G8_salary": {"pass"},
        "V6_falsified_data": set(),
        "P1_it": set(),
    }
    gaps = {(g.item_id, g.lacking) for g in coverage_gaps([tf], results)}
    assert gaps == {
        ("resource_schools", ("fail",)),
        ("resource_balance", ("pass", "fail")),
        ("G8_salary", ("fail",)),
        ("V6_falsified_data", ("pass", "fail")),
        ("P1_it", ("any",)),  # progress area is not required: one case of any status is enough
    }
    texts = sorted(str(g) for g in coverage_gaps([tf], results))
    assert "xx-test-pack: resource_balance lacks a pass and a fail case" in texts
    assert "xx-test-pack: P1_it has no case (its area is not required, so one case is enough)" in texts


# -- the command line ------------------------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="qbalance")
    sub = parser.add_subparsers(dest="command", required=True)
    add_test_command(sub)
    args = parser.parse_args(["test", *argv])
    code = args.func(args)
    assert isinstance(code, int)
    return code


def test_cli_passes_fails_and_reports_coverage(
    pack_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(pack_dir.parent)
    write(pack_dir / "tests" / "cases.yaml", PASSING)
    assert run_cli(["mypack", "--require-coverage"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "PASS mypack/tests/cases.yaml::baseline passes"
    assert out[-2:] == ["11 passed, 0 failed (11 cases in 1 file)", "coverage: every item has the cases it needs"]

    write(pack_dir / "tests" / "failing.yaml", FAILING)
    assert run_cli(["mypack", "-q"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert not any(line.startswith("PASS") for line in out)  # -q: failures and the summary only
    i = out.index("FAIL mypack/tests/failing.yaml::wrong verdict and item")
    assert out[i + 1 : i + 3] == [
        "    verdict: expected fail, got pass",
        "    items.G8_salary: expected fail, got pass",
    ]
    assert out[-1] == "11 passed, 5 failed (16 cases in 2 files)"


def test_cli_coverage_gaps_fail(
    pack_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(pack_dir.parent)
    write(pack_dir / "tests" / "one.yaml", "format: qbalance-pack-test/1\nbase: base-county.yaml\n"
          "cases: [{name: baseline, expect: {items: {resource_schools: pass, resource_balance: pass, G8_salary: pass,"
          " V6_falsified_data: pass, P1_it: fail}}}]\n")  # fmt: skip
    assert run_cli(["mypack"]) == 0  # coverage is only enforced on request
    capsys.readouterr()
    assert run_cli(["mypack", "--require-coverage"]) == 1
    out = capsys.readouterr().out
    assert "coverage: 4 items lack cases:" in out
    assert "    xx-test-pack: G8_salary lacks a fail case" in out
    assert "P1_it" not in out.split("coverage:")[1]  # one case is enough outside required areas


def test_cli_invalid_files_and_packs_exit_2(
    pack_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(pack_dir.parent)
    write(pack_dir / "tests" / "cases.yaml", PASSING)
    bad = write(pack_dir / "tests" / "typo.yaml", "format: qbalance-pack-test/1\nbase: base-county.yaml\n"
                "cases: [{name: x, expect: {itmes: {}}}]\n")  # fmt: skip
    assert run_cli(["mypack"]) == 2
    out = capsys.readouterr().out
    assert "ERROR mypack/tests/typo.yaml" in out and "unknown expectation key 'itmes'" in out
    assert "11 passed, 0 failed, 1 invalid (11 cases in 2 files)" in out
    bad.unlink()

    one_case(pack_dir, "- name: unknown item\n  expect: {items: {G99: pass}}\n")
    capsys.readouterr()
    assert run_cli(["mypack/tests/t.yaml"]) == 2
    assert "ERROR mypack/tests/t.yaml::unknown item" in capsys.readouterr().out

    write(pack_dir / "pack.yaml", "format: qbalance-pack/1\nid: xx-test-pack\n")
    assert run_cli(["mypack"]) == 2
    assert "is invalid" in capsys.readouterr().out

    assert run_cli(["no-such-pack"]) == 2
    assert "ERROR no pack 'no-such-pack' found" in capsys.readouterr().out


def test_cli_with_no_tests_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "p" / "pack.yaml", PACK)
    assert run_cli([str(tmp_path / "p")]) == 1
    assert "no pack tests found" in capsys.readouterr().out


# -- the pytest plugin -----------------------------------------------------------------------------------------------


def plugin_args() -> list[str]:
    """``-p qbalance._cli.pytest_plugin`` unless the ``pytest11`` entry point already loads it."""
    if any(ep.value == "qbalance._cli.pytest_plugin" for ep in entry_points(group="pytest11")):
        return []
    return ["-p", "qbalance._cli.pytest_plugin"]


def test_pytest_collects_and_runs_each_case(pytester: pytest.Pytester) -> None:
    pack_dir = make_pack(pytester.path)
    write(pack_dir / "tests" / "cases.yaml", PASSING)
    write(pack_dir / "tests" / "failing.yaml", FAILING)
    write(pytester.path / "config.yaml", "some: other yaml\n")  # not a pack test: not collected
    result = pytester.runpytest("-v", *plugin_args())
    result.assert_outcomes(passed=11, failed=5)
    result.stdout.fnmatch_lines(
        [
            "mypack/tests/cases.yaml::baseline passes PASSED*",
            "mypack/tests/failing.yaml::wrong verdict and item FAILED*",
        ]
    )
    # repr_failure lists the failures; the first is what the short summary shows.
    result.stdout.fnmatch_lines(
        [
            "verdict: expected fail, got pass",
            "items.G8_salary: expected fail, got pass",
            "pack test case 'wrong verdict and item' (failing.yaml, line 4) failed (2 unmet expectation(s))",
        ]
    )
    result.stdout.fnmatch_lines(["FAILED mypack/tests/failing.yaml::wrong verdict and item - verdict: expected*"])


def test_pytest_selects_a_case_by_node_id(pytester: pytest.Pytester) -> None:
    pack_dir = make_pack(pytester.path)
    write(pack_dir / "tests" / "cases.yaml", PASSING)
    result = pytester.runpytest("mypack/tests/cases.yaml::falsified data is a veto", *plugin_args())
    result.assert_outcomes(passed=1)


def test_pytest_reports_an_invalid_file_as_a_collection_error(pytester: pytest.Pytester) -> None:
    pack_dir = make_pack(pytester.path)
    write(pack_dir / "tests" / "cases.yaml", PASSING)
    write(pack_dir / "tests" / "typo.yaml", "format: qbalance-pack-test/1\nbase: base-county.yaml\n"
          "cases: [{name: x, expect: {itmes: {}}}]\n")  # fmt: skip
    result = pytester.runpytest("--continue-on-collection-errors", *plugin_args())
    result.assert_outcomes(passed=11, errors=1)
    result.stdout.fnmatch_lines(["*invalid pack test file*typo.yaml*", "*unknown expectation key 'itmes'*"])


def test_importing_the_plugin_imports_nothing_else() -> None:
    # The plugin is loaded in every pytest run once installed: it must not pull in the engine by itself. (Note that
    # ``import qbalance`` itself is measured separately: the package __init__ imports the engine.)
    code = (
        "import sys, pytest, qbalance\n"
        "before = set(sys.modules)\n"
        "import qbalance._cli.pytest_plugin\n"
        "print(sorted(set(sys.modules) - before))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    # the plugin's module and its layer package (whose __init__ holds only a docstring), nothing else
    assert out.stdout.strip() == "['qbalance._cli', 'qbalance._cli.pytest_plugin']"


def test_the_worked_example_in_the_docs_passes(tmp_path: Path) -> None:
    # docs/pack-tests.md §1 tests the national pack on a copy of the demo county; run it exactly as printed.
    import qbalance
    from qbalance._packs.catalogue import find_pack

    docs = Path(__file__).resolve().parent.parent / "docs" / "pack-tests.md"
    example = docs.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    pack_dir = tmp_path / "cn-xx"
    write(pack_dir / "pack.yaml", find_pack("cn-moe-2017").read_text(encoding="utf-8"))
    write(pack_dir / "tests" / "demo-county.yaml", qbalance.demo_path().read_text(encoding="utf-8"))
    results = run_file(write(pack_dir / "tests" / "salary-and-veto.yaml", example))
    assert len(results) == 5
    assert {name: r.failures for name, r in results.items() if not r.passed} == {}


def test_every_shipped_pack_passes_its_own_tests_with_full_coverage_through_the_cli() -> None:
    # The same cases pytest collects from standards/ (testpaths), run here through the `qbalance test` runner: each
    # item of each shipped pack has a passing and a failing case.
    from qbalance._cli.main import main

    standards = Path(__file__).parents[1] / "standards"
    for pack in ("cn-moe-2017", "cn-yn-wenshan-2024", "cn-moe-2012-basic"):
        assert main(["test", "-q", "--require-coverage", str(standards / pack)]) == 0, pack
