"""Overlays, dated versions, third-party packs, and the verdict rules of the complete national standard."""

from __future__ import annotations

import copy
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qbalance
from conftest import COUNTY_FACTS, county, school
from qbalance._cli.main import main
from qbalance._packs.catalogue import ENV_VAR, list_packs


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


OVERLAY_HEAD = """\
format: qbalance-pack/1
id: {pid}
version: "1.0.0"
effective: 2024-01-01
extends: cn-moe-2017
title: {{zh: 测试叠加, en: test overlay}}
sources:
  local: {{title: {{zh: 地方文件}}}}
"""


# -- the verdict of the complete national standard --------------------------------------------------------------


def test_complete_county_passes_every_area(national: qbalance.Standard) -> None:
    report = national.evaluate(county(school("A"), school("B", location="rural")))
    assert report.verdict == "pass"
    assert {a.id: a.status for a in report.areas} == {
        "resource": "pass",
        "government": "pass",
        "quality": "pass",
        "recognition": "pass",
        "veto": "pass",
    }
    assert len(report.items) == 33


def test_one_veto_finding_fails_a_county_that_meets_every_resource_indicator(national: qbalance.Standard) -> None:
    data = county(school("A"))
    data["facts"]["key_schools_or_classes"] = {"value": True, "evidence": "2024年城区第一中学设重点班2个"}
    report = national.evaluate(data)
    assert report.area_status("resource") == "pass"
    assert report.verdict == "fail"
    (veto,) = report.vetoes
    assert veto.item == "V3_key_schools"
    assert veto.label.zh == "存在重点学校或重点班"
    assert [e.evidence for e in veto.evidence] == ["2024年城区第一中学设重点班2个"]


def test_an_assessed_item_left_blank_is_incomplete_not_pass(national: qbalance.Standard) -> None:
    data = county(school("A"))
    del data["facts"]["homework_burden"]
    report = national.evaluate(data)
    assert report.item("Q8_homework").status == "not_evaluated"
    assert report.verdict == "incomplete"
    (missing,) = report.missing
    assert missing.item == "Q8_homework" and missing.what == ["homework_burden"]


def test_rating_scale_reads_chinese_and_english_ids(national: qbalance.Standard) -> None:
    data = county(school("A"))
    data["facts"]["layout_planning"] = "unqualified"
    assert national.evaluate(data).item("G01_layout").status == "fail"
    data["facts"]["layout_planning"] = "不合格"
    assert national.evaluate(data).item("G01_layout").status == "fail"
    data["facts"]["layout_planning"] = "很好"
    with pytest.raises(qbalance.InputError, match="not a rating on this scale"):
        national.evaluate(data)


def test_flags_are_strict(national: qbalance.Standard) -> None:
    data = county(school("A"))
    data["facts"]["falsified_data"] = "no"
    with pytest.raises(qbalance.InputError) as info:
        national.evaluate(data)
    (p,) = info.value.problems
    assert p.field == "facts.falsified_data" and p.value == "no" and "true or false" in p.message


def test_strict_below_for_the_monitoring_difference_rate(national: qbalance.Standard) -> None:
    # "低于0.15": 0.15 itself fails, 0.1499 passes.
    data = county(school("A"))
    data["facts"]["monitoring_difference_rate"] = 0.15
    assert national.evaluate(data).item("Q9_monitoring").status == "fail"
    data["facts"]["monitoring_difference_rate"] = 0.1499
    assert national.evaluate(data).item("Q9_monitoring").status == "pass"


# -- Wenshan: the same school under two packs --------------------------------------------------------------------


def _training_county(share: float) -> dict:
    s = school("A")
    s["facts"]["public_funds_budget"] = 1_000_000
    s["facts"]["training_spend"] = round(1_000_000 * share)
    data = county(s)
    data["facts"].update(
        {
            "campus_campaigns_per_year": 2,
            "edu_general_budget": "5.2 亿元",
            "edu_spend_per_student": 12_500,
            "new_schools_built": 9,
            "new_places_primary": 6000,
            "new_places_junior": 2500,
            "new_floor_area_primary": "8 万 m2" if False else 80_000,
            "new_floor_area_junior": 40_000,
            "oversized_schools_slimmed": 8,
        }
    )
    data["year"] = 2025
    return data


def _last_year(data: dict) -> dict:
    """The county's 2024 data, for W2 (两个只增不减): 5.0 亿元 and 12 100 yuan per student, both below 2025's."""
    before = copy.deepcopy(data)
    before["year"] = 2024
    before["facts"].update({"edu_general_budget": "5.0 亿元", "edu_spend_per_student": 12_100})
    return before


def test_training_spend_of_7_percent_passes_national_and_fails_wenshan() -> None:
    # Wenshan keeps the national Q4 (every school ≥ 5%) and adds its own city-wide rule W3 (三(三)8: training funds
    # ≥ 10% of the annual public-funds budget total), so its report shows both results.
    data = _training_county(0.07)  # 70 000 of 1 000 000: 7%
    national = qbalance.evaluate(data, "cn-moe-2017")
    wenshan = qbalance.evaluate(data, "cn-yn-wenshan-2024", previous=_last_year(data))
    assert national.item("Q4_training_spend").status == "pass"
    assert wenshan.item("Q4_training_spend").status == "pass"  # the national 5%, inherited unchanged
    assert wenshan.item("W3_training_funds").status == "fail"  # 70 000 < 10% of 1 000 000
    (param_n,) = national.item("Q4_training_spend").parameters
    (param_w,) = wenshan.item("Q4_training_spend").parameters
    assert (param_n.value, param_w.value) == (0.05, 0.05)
    assert param_w.set_by is not None
    assert (param_w.set_by.pack, param_w.set_by.document) == ("cn-moe-2017", "教督〔2017〕6号")
    (city,) = wenshan.item("W3_training_funds").parameters
    assert city.value == 0.10 and city.set_by is not None
    assert (city.set_by.pack, city.set_by.change, city.set_by.clause) == ("cn-yn-wenshan-2024", "define", "三(三)8")
    assert "10%" in (city.set_by.text or "")
    assert [p.id for p in wenshan.provenance.chain] == ["cn-moe-2017", "cn-yn-2022", "cn-yn-wenshan-2024"]
    assert wenshan.verdict == "fail" and national.verdict == "pass"


def test_wenshan_local_items_and_progress() -> None:
    data = _training_county(0.12)
    report = qbalance.evaluate(data, "cn-yn-wenshan-2024", previous=_last_year(data))
    assert report.verdict == "pass"
    assert report.item("W1_campus_surroundings").status == "pass"
    # progress: 6000 of 11 460 new primary places = 0.5236; not part of the verdict
    p2 = report.item("P2_places_primary")
    assert p2.progress == pytest.approx(6000 / 11460)
    assert p2.status == "fail"
    before = _last_year(data)
    data["facts"]["edu_spend_per_student"] = 12_000  # below last year's 12 100
    w2 = qbalance.evaluate(data, "cn-yn-wenshan-2024", previous=before).item("W2_funding_not_decreasing")
    assert w2.status == "fail"


# -- overlay mechanics -------------------------------------------------------------------------------------------


def test_overlay_must_use_changes_to_redefine_an_inherited_rule(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ov" / "pack.yaml",
        OVERLAY_HEAD.format(pid="xx-redefine")
        + """\
parameters:
  cv_limit: {value: 0.4, cite: {source: local}}
""",
    )
    with pytest.raises(qbalance.PackError) as info:
        qbalance.load_standard(path)
    text = str(info.value)
    assert "parameters.cv_limit is already defined by cn-moe-2017" in text
    assert "changes:" in text and "line 10" in text


def test_set_add_retire_with_origins(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ov" / "pack.yaml",
        OVERLAY_HEAD.format(pid="xx-changes")
        + """\
changes:
  - set: parameters.cv_limit.value.junior
    value: 0.40
    cite: {source: local, clause: 第3条}
  - add: parameters.k_required.note
    value: unchanged
    cite: {source: local}
  - retire: items.V2_school_choice
    cite: {source: local, clause: 第9条}
    reason: not applicable here
""",
    )
    std = qbalance.load_standard(path)
    assert std.pack.parameters["cv_limit"].value == {"primary": 0.50, "junior": 0.40}
    assert "V2_school_choice" not in std.pack.items
    assert std.resolved is not None
    origin = std.resolved.origins["parameters.cv_limit.value.junior"]
    assert (origin.pack, origin.op, origin.location) == ("xx-changes", "set", "line 10, column 5")
    assert std.resolved.retired == ["items.V2_school_choice"]
    report = std.evaluate(county(school("A")))
    r1 = report.indicator("R1")
    assert [(s.section, s.limit, s.result) for s in r1.sections] == [
        ("primary", 0.50, "pass"),
        ("junior", 0.40, "not_applicable"),  # no junior schools in this county
    ]


def test_two_changes_to_the_same_rule_at_one_level_conflict_naming_both_files(tmp_path: Path) -> None:
    _write(
        tmp_path / "ov" / "a.yaml",
        """\
changes:
  - set: parameters.training_spend_share.value
    value: 0.08
    cite: {source: local, clause: A}
""",
    )
    _write(
        tmp_path / "ov" / "b.yaml",
        """\
changes:
  - set: parameters.training_spend_share
    value: {value: 0.09}
    cite: {source: local, clause: B}
""",
    )
    path = _write(tmp_path / "ov" / "pack.yaml", OVERLAY_HEAD.format(pid="xx-conflict") + "include: [a.yaml, b.yaml]\n")
    with pytest.raises(qbalance.PackError) as info:
        qbalance.load_standard(path)
    (problem,) = info.value.problems
    assert "conflict at the same level" in problem.message
    assert str(tmp_path / "ov" / "a.yaml") in problem.message and str(tmp_path / "ov" / "b.yaml") in problem.message


def test_a_lower_level_overrides_a_higher_one_without_conflict(tmp_path: Path, monkeypatch) -> None:
    # province sets 0.08; city (extending the province) sets 0.10: an exception to the province's rule, not a conflict.
    root = tmp_path / "packs"
    _write(
        root / "prov" / "pack.yaml",
        OVERLAY_HEAD.format(pid="xx-province")
        + """\
changes:
  - set: parameters.training_spend_share.value
    value: 0.08
    cite: {source: local}
""",
    )
    _write(
        root / "city" / "pack.yaml",
        OVERLAY_HEAD.format(pid="xx-city")
        .replace("extends: cn-moe-2017", "extends: xx-province")
        .replace("  local:", "  city:")
        + """\
changes:
  - set: parameters.training_spend_share.value
    value: 0.10
    cite: {source: city}
""",
    )
    monkeypatch.setenv(ENV_VAR, str(root))
    std = qbalance.load_standard("xx-city")
    assert std.pack.parameters["training_spend_share"].value == 0.10
    assert [c.id for c in std.chain] == ["cn-moe-2017", "xx-province", "xx-city"]


def test_include_cannot_escape_the_pack_directory(tmp_path: Path) -> None:
    _write(tmp_path / "secret.yaml", "changes: []\n")
    path = _write(tmp_path / "ov" / "pack.yaml", OVERLAY_HEAD.format(pid="xx-escape") + "include: [../secret.yaml]\n")
    with pytest.raises(qbalance.PackError, match="outside the pack's directory"):
        qbalance.load_standard(path)
    path = _write(tmp_path / "ov2" / "pack.yaml", OVERLAY_HEAD.format(pid="xx-abs") + "include: [/etc/passwd]\n")
    with pytest.raises(qbalance.PackError, match="relative path inside"):
        qbalance.load_standard(path)


def test_extends_cycle_and_unknown_targets(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "packs"
    for a, b in (("xx-a", "xx-b"), ("xx-b", "xx-a")):
        _write(root / a / "pack.yaml", OVERLAY_HEAD.format(pid=a).replace("extends: cn-moe-2017", f"extends: {b}"))
    monkeypatch.setenv(ENV_VAR, str(root))
    with pytest.raises(qbalance.PackError, match="cycle"):
        qbalance.load_standard("xx-a")
    path = _write(
        tmp_path / "ov" / "pack.yaml",
        OVERLAY_HEAD.format(pid="xx-unknown")
        + "changes:\n  - {set: items.NOPE.require, value: 'true', cite: {source: local}}\n",
    )
    with pytest.raises(qbalance.PackError, match="no such rule"):
        qbalance.load_standard(path)


def test_unit_mismatch_is_a_load_error_naming_file_and_indicator(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ov" / "pack.yaml",
        OVERLAY_HEAD.format(pid="xx-units")
        + """\
changes:
  - set: indicators.R6.unit
    value: m**2 / student
    cite: {source: local}
""",
    )
    with pytest.raises(qbalance.PackError) as info:
        qbalance.load_standard(path)
    (p,) = info.value.problems
    assert p.path == "indicators.R6.unit"
    assert p.source == str(path) and p.location == "line 11, column 12"
    assert "[currency] / [student]" in p.message and "[length] ** 2 / [student]" in p.message


# -- dated versions and third-party packs -------------------------------------------------------------------------


def test_as_of_selects_the_version_in_force(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "packs"
    base = (
        'format: qbalance-pack/1\nid: xx-dated\nversion: "{v}"\neffective: {eff}\n{exp}'
        "title: {{zh: 版本{v}}}\nextends: cn-moe-2017\nsources: {{s: {{title: {{zh: 文}}}}}}\n"
        "changes:\n  - {{set: parameters.satisfaction_min.value, value: {val}, cite: {{source: s}}}}\n"
    )
    _write(root / "v1" / "pack.yaml", base.format(v="1.0", eff="2020-01-01", exp="expires: 2023-01-01\n", val=0.8))
    _write(root / "v2" / "pack.yaml", base.format(v="2.0", eff="2023-01-01", exp="", val=0.9))
    monkeypatch.setenv(ENV_VAR, str(root))
    assert qbalance.load_standard("xx-dated").version == "2.0"
    assert qbalance.load_standard("xx-dated", as_of="2021-06-30").version == "1.0"
    assert qbalance.load_standard("xx-dated", as_of="2023-01-01").version == "2.0"
    assert qbalance.load_standard("xx-dated@1.0").pack.parameters["satisfaction_min"].value == 0.8
    with pytest.raises(qbalance.PackError, match="in force"):
        qbalance.load_standard("xx-dated", as_of="2019-01-01")
    assert main(
        [
            "evaluate",
            "--demo",
            "--standard",
            "xx-dated",
            "--as-of",
            "2021-06-30",
            "-f",
            "json",
            "-o",
            str(tmp_path / "r.json"),
        ]
    ) in (0, 1, 3)
    assert '"as_of": "2021-06-30"' in (tmp_path / "r.json").read_text(encoding="utf-8")


def test_pack_published_as_a_package_is_found_through_its_entry_point(tmp_path: Path, monkeypatch) -> None:
    site = tmp_path / "site"
    _write(
        site / "qb_pack_demo" / "standards" / "xx-pip" / "pack.yaml",
        OVERLAY_HEAD.format(pid="xx-pip"),
    )
    _write(site / "qb_pack_demo" / "__init__.py", "raise RuntimeError('pack discovery must not import the package')\n")
    dist = site / "qb_pack_demo-1.0.dist-info"
    _write(dist / "METADATA", "Metadata-Version: 2.1\nName: qb-pack-demo\nVersion: 1.0\n")
    _write(dist / "entry_points.txt", "[qbalance.standards]\ndemo = qb_pack_demo:standards\n")
    monkeypatch.syspath_prepend(str(site))
    entries = {e.id: e for e in list_packs()}
    assert entries["xx-pip"].origin == "entry point demo"
    std = qbalance.load_standard("xx-pip")
    assert [c.id for c in std.chain] == ["cn-moe-2017", "xx-pip"]
    assert "qb_pack_demo" not in sys.modules
    assert main(["standards", "lint", "xx-pip"]) == 0


def test_lint_reports_unused_rules_and_unapportioned_amounts(tmp_path: Path, capsys) -> None:
    path = _write(
        tmp_path / "ov" / "pack.yaml",
        OVERLAY_HEAD.format(pid="xx-lint")
        + """\
inputs:
  facilities.library_area: {level: school, unit: m**2, label: {zh: 图书馆面积}}
  unused_fact: {level: county, label: {zh: 没用的}}
indicators:
  L1:
    label: {zh: 生均图书馆面积}
    expression: facilities.library_area / students
    unit: m**2 / student
    threshold: {primary: 0.1, junior: 0.1}
    cite: {source: local}
""",
    )
    assert main(["standards", "lint", str(path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "'unused_fact' is declared but no rule uses it" in out
    assert "'facilities.library_area' is a school-level amount used per section without apportionment" in out
    assert main(["standards", "lint", str(path), "--strict"]) == 1


def test_show_resolved_and_doc(capsys) -> None:
    assert main(["standards", "show", "cn-yn-wenshan-2024", "--resolved", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "# W3_training_funds: defined by cn-yn-wenshan-2024" in out
    assert "set by cn-yn-wenshan-2024" not in out  # the city changes no national rule
    assert main(["standards", "doc", "cn-yn-wenshan-2024"]) == 0
    doc = capsys.readouterr().out
    # both rules are shown, each beside its own clause: the national 5% and the city's 10%
    assert "`params.training_spend_share` = 0.05 (cn-moe-2017; 教督〔2017〕6号 第八条第4项)" in doc
    assert (
        "`params.city_training_spend_share` = 0.1 (cn-yn-wenshan-2024; 文山市推进义务教育优质均衡发展实施方案 三(三)8)"
        in doc
    )
    assert "> 完善教师全员培训体系,按照不低于年度公用经费预算总额的10%安排教师培训经费" in doc
    assert "> 全县所有学校按照不低于学校年度公用经费预算总额的5%安排教师培训经费" in doc


def test_county_facts_fixture_covers_every_county_input(national: qbalance.Standard) -> None:
    county_inputs = {n for n, d in national.pack.inputs.items() if d.level == "county"}
    assert county_inputs == set(COUNTY_FACTS)


def test_an_overlay_states_its_own_identity(tmp_path: Path) -> None:
    # Without its own id and version the overlay would publish its reports under the national pack's name.
    text = OVERLAY_HEAD.format(pid="cn-xx-2025").replace('version: "1.0.0"\n', "").replace("id: cn-xx-2025\n", "")
    path = _write(tmp_path / "xx" / "pack.yaml", text)
    with pytest.raises(qbalance.PackError, match="states its own id, version"):
        qbalance.load_standard(path)


def test_more_than_500_changes_in_one_file_is_refused(tmp_path: Path) -> None:
    change = "  - {set: parameters.floor_ratio.value, value: 0.85, cite: {source: local}}\n"
    path = _write(tmp_path / "xx" / "pack.yaml", OVERLAY_HEAD.format(pid="cn-xx-2025") + "changes:\n" + change * 501)
    with pytest.raises(qbalance.PackError, match="more than 500 changes"):
        qbalance.load_standard(path)


def test_a_k_of_n_item_over_an_upper_limit_indicator_is_refused(tmp_path: Path) -> None:
    # The 85% floor means "at least 85% of the requirement"; for a ceiling (compare '<=') it has no defined meaning,
    # so the pack is refused at load rather than evaluated with a floor that silently means something else.
    from qbalance._packs.catalogue import shipped_dir

    national = (shipped_dir() / "cn-moe-2017" / "pack.yaml").read_text(encoding="utf-8")
    line = "    expression: teachers.above_qualified / students\n"
    assert national.count(line) == 1
    text = national.replace("id: cn-moe-2017", "id: cn-xx-ceiling", 1).replace(line, line + '    compare: "<="\n')
    path = tmp_path / "xx" / "pack.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(qbalance.PackError, match="a k_of_n floor is defined only for '>='"):
        qbalance.load_standard(path)


def test_the_literate_document_shows_retired_rules_and_roster_definitions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = OVERLAY_HEAD.format(pid="cn-xx-2025") + textwrap.dedent(
        """\
        changes:
          - retire: items.Q8_homework
            cite: {source: local, clause: 第三条}
            reason: 本地另行考核
        """
    )
    path = _write(tmp_path / "xx" / "pack.yaml", text)
    assert main(["standards", "doc", str(path)]) == 0
    doc = capsys.readouterr().out
    assert "## 叠加包废止的规则" in doc
    assert "- `items.Q8_homework` — cn-xx-2025 1.0.0; 地方文件 第三条: 本地另行考核" in doc
    # the national roster definitions are inherited and shown, with what an empty cell means
    assert "## 教师名册统计口径" in doc and "`backbone` → `none`" in doc


def test_non_finite_numbers_in_a_pack_are_refused(tmp_path: Path) -> None:
    # A CV limit of .inf would pass every county and a threshold of .nan would leave every school unevaluated:
    # both are load errors naming the place.
    text = OVERLAY_HEAD.format(pid="cn-xx-2025") + textwrap.dedent(
        """\
        changes:
          - {set: parameters.cv_limit.value, value: {primary: .inf, junior: 0.45}, cite: {source: local}}
          - {set: indicators.R1.threshold, value: {primary: .nan, junior: 5.3}, cite: {source: local}}
        """
    )
    path = _write(tmp_path / "xx" / "pack.yaml", text)
    with pytest.raises(qbalance.PackError) as info:
        qbalance.load_standard(path)
    finite = {p.path for p in info.value.problems if "finite" in p.message}
    assert finite == {"parameters.cv_limit.value.primary", "indicators.R1.threshold.primary"}


def test_a_per_section_threshold_change_is_credited_to_that_section_only(tmp_path: Path) -> None:
    # The overlay raises only the primary R6 threshold (2000 → 2500 yuan); junior's 2500 is still the national rule.
    text = OVERLAY_HEAD.format(pid="cn-xx-2025") + textwrap.dedent(
        """\
        changes:
          - {set: indicators.R6.threshold.primary, value: 2500, cite: {source: local, clause: 第二条}}
        """
    )
    path = _write(tmp_path / "xx" / "pack.yaml", text)
    report = qbalance.evaluate(county(school("A"), school("B")), path)
    by_section = {cv.section: cv.threshold_set_by for cv in report.indicator("R6").sections}
    assert by_section["primary"] is not None and by_section["primary"].pack == "cn-xx-2025"
    assert by_section["primary"].clause == "第二条"
    assert by_section["junior"] is not None and by_section["junior"].pack == "cn-moe-2017"


def test_a_unit_mismatch_made_by_an_overlay_is_reported_at_the_overlays_change(tmp_path: Path) -> None:
    # The overlay replaces R4's expression with yuan per student; R4 is declared in m² per student by the national
    # pack. The error points at the overlay's line (the cause) and names where the unit is declared.
    text = OVERLAY_HEAD.format(pid="cn-xx-2025") + textwrap.dedent(
        """\
        changes:
          - {set: indicators.R4.expression, value: facilities.equipment_value / students, cite: {source: local}}
        """
    )
    path = _write(tmp_path / "xx" / "pack.yaml", text)
    with pytest.raises(qbalance.PackError) as info:
        qbalance.load_standard(path)
    (problem,) = info.value.problems
    assert problem.source == str(path) and problem.path == "indicators.R4.expression"
    assert "cn-moe-2017" in problem.message and "declared unit 'm**2 / student'" in problem.message


_PARSED = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=30,
)


def _containers(value: object) -> list[object]:
    """Every mapping and list inside ``value`` (itself included)."""
    if isinstance(value, dict):
        return [value, *(c for v in value.values() for c in _containers(v))]
    if isinstance(value, list):
        return [value, *(c for v in value for c in _containers(v))]
    return []


@given(_PARSED)
@settings(max_examples=200, deadline=None)
def test_resolving_copies_parsed_data_as_deepcopy_does(value: object) -> None:
    """The resolver's copy of parsed pack data equals ``copy.deepcopy``'s and shares no mapping or list with it."""
    from qbalance._packs.resolve import _copied

    copied = _copied(value)
    assert copied == copy.deepcopy(value)
    assert not {id(c) for c in _containers(copied)} & {id(c) for c in _containers(value)}
