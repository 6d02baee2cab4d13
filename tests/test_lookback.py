"""Rules that look back (``previous.x``): the previous data year read from a history database or a file.

The Wenshan item W2 (两个只增不减, 五(二)) needs this year's general-budget education spending and spending per
student each at least last year's. The tests build a three-year history of the demo county (2024 baseline, 2025,
2026) in a temporary SQLite database, the later years made from the demo data by editing two funding figures, and
check by hand that W2 compares each year with the one before: equal passes, lower fails, a missing year is "not
evaluated" and the report names the year. A small county that passes everything else shows the exit statuses.
"""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

import qbalance
from conftest import county, school
from qbalance._base.documents import Limits, load_yaml
from qbalance._cli.main import main

WENSHAN = "cn-yn-wenshan-2024"
W2 = "W2_funding_not_decreasing"


@pytest.fixture(scope="module")
def wenshan() -> qbalance.Standard:
    return qbalance.load_standard(WENSHAN)


def demo_year(year: int, budget: str, per_student: float) -> dict[str, Any]:
    """The demo county as the data of ``year``, with the two funding figures W2 compares (read with qbalance's own
    YAML reader, so the file means what it means to qbalance)."""
    limits = Limits(max_bytes=10_000_000, max_depth=40, max_nodes=500_000, max_scalar_chars=100_000)
    data = copy.deepcopy(load_yaml(qbalance.demo_path().read_bytes(), "demo", limits).data)
    data["year"] = year
    data["facts"].update({"edu_general_budget": budget, "edu_spend_per_student": per_student})
    return data


def small_year(year: int | None, budget: str = "5.2 亿元", per_student: float = 12_500) -> dict[str, Any]:
    """A one-school county that passes every other Wenshan item (as tests/test_overlays.py's), for exit statuses."""
    s = school("A")
    s["facts"].update({"public_funds_budget": 1_000_000, "training_spend": 120_000})  # 12%: above 5% and 10%
    data = county(s)
    data["facts"].update(
        {
            "campus_campaigns_per_year": 2,
            "edu_general_budget": budget,
            "edu_spend_per_student": per_student,
            "new_schools_built": 9,
            "oversized_schools_slimmed": 8,
        }
    )
    if year is not None:
        data["year"] = year
    return data


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _inputs(report: qbalance.Report, item: str) -> dict[str, Any]:
    return {i.input: i.value for i in report.item(item).inputs}


# -- the three-year history of the demo county -------------------------------------------------------------------


def test_w2_is_computed_from_the_history_year_by_year(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    with qbalance.History(db) as h:
        # 2024, the baseline: nothing before it is stored, so W2 cannot be judged — not evaluated, never passed.
        first = h.add(demo_year(2024, "5.0 亿元", 12_100), standard=WENSHAN).report
        assert first is not None
        w2 = first.item(W2)
        assert w2.status == "not_evaluated" and w2.looks_back
        assert w2.finding is not None
        assert (w2.finding.zh, w2.finding.en) == ("2023 年的数据不在历史库中", "no stored data for 2023")
        assert first.previous is not None and (first.previous.year, first.previous.found) == (2023, False)
        # 2025: the same 5.0 亿元 (500,000,000 = 500,000,000: equal passes) and 12,500 ≥ 12,100 per student.
        second = h.add(demo_year(2025, "5.0 亿元", 12_500), standard=WENSHAN)
        assert second.report is not None and second.report.item(W2).status == "pass"
        seen = _inputs(second.report, W2)
        assert seen["previous.edu_general_budget"] == 500_000_000 and seen["edu_general_budget"] == 500_000_000
        assert (seen["previous.edu_spend_per_student"], seen["edu_spend_per_student"]) == (12_100, 12_500)
        # 2026: spending rises to 5.2 亿元 but per student falls to 12,400 < 2025's 12,500: fails.
        third = h.add(demo_year(2026, "5.2 亿元", 12_400), standard=WENSHAN).report
        assert third is not None and third.item(W2).status == "fail"
        assert _inputs(third, W2)["previous.edu_spend_per_student"] == 12_500  # 2025's, not 2024's 12,100
        prev = third.previous
        assert prev is not None and prev.found and (prev.year, prev.kind) == (2025, "history")
        assert prev.record == second.record.id and prev.input_digest == second.record.input_digest
        # what was stored is what the history gives back
        stored = h.report("999901", 2025)
        assert stored is not None and stored.item(W2).status == "pass"


def test_the_history_by_path_is_read_and_left_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    with qbalance.History(db) as h:
        h.add(demo_year(2024, "5.0 亿元", 12_100), standard=WENSHAN)
    before = db.read_bytes()
    report = qbalance.evaluate(demo_year(2025, "4.9 亿元", 12_500), WENSHAN, history=db)
    assert report.item(W2).status == "fail"  # 490,000,000 < 500,000,000
    assert db.read_bytes() == before  # evaluation only reads the history
    with pytest.raises(qbalance.QbalanceError):
        qbalance.evaluate(demo_year(2025, "4.9 亿元", 12_500), WENSHAN, history=tmp_path / "absent.sqlite")
    assert not (tmp_path / "absent.sqlite").exists()


def test_a_year_missing_from_the_history_is_named(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    with qbalance.History(db) as h:
        h.add(demo_year(2023, "4.8 亿元", 11_900), standard=WENSHAN)  # 2023 stored, 2024 not
        report = qbalance.evaluate(demo_year(2025, "5.0 亿元", 12_500), WENSHAN, history=h)
    w2 = report.item(W2)
    assert w2.status == "not_evaluated"
    assert w2.finding is not None and w2.finding.zh == "2024 年的数据不在历史库中"
    assert w2.finding.en == "no stored data for 2024"
    (missing,) = [m for m in report.missing if m.item == W2]
    assert missing.reason is not None and missing.reason.zh == "2024 年的数据不在历史库中"
    assert "2024 年的数据不在历史库中" in report.to_text("zh")
    assert "no stored data for 2024" in report.to_text("en")
    assert "2024 年的数据不在历史库中" in report.to_markdown("zh")
    assert "no stored data for 2024" in report.to_html("en")


# -- the previous year from a file -------------------------------------------------------------------------------


def test_the_previous_year_from_a_file(tmp_path: Path, wenshan: qbalance.Standard) -> None:
    last = _write(tmp_path / "2024.json", small_year(2024, "5.0 亿元", 12_100))
    report = wenshan.evaluate(small_year(2025), previous=last)
    assert report.item(W2).status == "pass" and report.verdict == "pass"  # 5.2 ≥ 5.0 亿元, 12,500 ≥ 12,100
    assert report.previous is not None and report.previous.kind == "file"
    assert report.previous.source is not None and report.previous.source.endswith("2024.json")
    lower = wenshan.evaluate(small_year(2025, per_student=12_099), previous=last)  # 12,099 < 12,100
    assert lower.item(W2).status == "fail" and lower.verdict == "fail"


def test_a_previous_file_of_another_year_or_county_is_refused(wenshan: qbalance.Standard) -> None:
    with pytest.raises(qbalance.InputError) as info:
        wenshan.evaluate(small_year(2025), previous=small_year(2023))
    assert "the previous year's data state the year 2023, but the year before 2025 is 2024" in str(info.value)
    other = small_year(2024)
    other["code"] = "990002"
    with pytest.raises(qbalance.InputError) as info:
        wenshan.evaluate(small_year(2025), previous=other)
    assert "county 990002" in str(info.value) and "990001" in str(info.value)


def test_without_a_previous_year_w2_is_not_evaluated_and_says_how_to_give_it(wenshan: qbalance.Standard) -> None:
    report = wenshan.evaluate(small_year(2025))
    assert report.item(W2).status == "not_evaluated" and report.verdict == "incomplete"
    finding = report.item(W2).finding
    assert finding is not None and "2024" in finding.zh and "--history" in finding.zh and "--previous" in finding.en


def test_looking_back_needs_the_data_year(wenshan: qbalance.Standard) -> None:
    with pytest.raises(qbalance.InputError) as info:
        wenshan.evaluate(small_year(None), previous=small_year(None, "5.0 亿元"))
    assert "990001" in str(info.value) and "year" in str(info.value)
    given = wenshan.evaluate(small_year(None), previous=small_year(None, "5.0 亿元", 12_100), year=2025)
    assert given.item(W2).status == "pass"


# -- the command line ---------------------------------------------------------------------------------------------


def test_cli_evaluate_with_previous_and_history_exit_statuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    y24 = _write(tmp_path / "2024.json", small_year(2024, "5.0 亿元", 12_100))
    y25 = _write(tmp_path / "2025.json", small_year(2025))
    low = _write(tmp_path / "2025-low.json", small_year(2025, "4.9 亿元"))
    assert main(["evaluate", str(y25), "-s", WENSHAN, "--previous", str(y24)]) == 0
    assert main(["evaluate", str(low), "-s", WENSHAN, "--previous", str(y24)]) == 1  # 4.9 < 5.0 亿元
    assert main(["evaluate", str(y25), "-s", WENSHAN]) == 3  # no previous year: incomplete
    assert main(["evaluate", str(y25), "-s", WENSHAN, "--history", str(tmp_path / "none.sqlite")]) == 2
    capsys.readouterr()
    db = tmp_path / "h.sqlite"
    assert main(["history", "add", str(y24), "-s", WENSHAN, "--db", str(db)]) == 0
    assert main(["history", "add", str(y25), "-s", WENSHAN, "--db", str(db)]) == 0  # looks back at 2024 itself
    capsys.readouterr()
    assert main(["history", "show", "--county", "990001", "--year", "2025", "-f", "json", "--db", str(db)]) == 0
    stored = json.loads(capsys.readouterr().out)
    assert {i["id"]: i["status"] for i in stored["items"]}[W2] == "pass"
    assert stored["previous"]["kind"] == "history" and stored["previous"]["year"] == 2024
    assert main(["evaluate", str(low), "-s", WENSHAN, "--history", str(db), "-f", "json"]) == 1
    capsys.readouterr()
    y27 = _write(tmp_path / "2027.json", small_year(2027))
    assert main(["evaluate", str(y27), "-s", WENSHAN, "--history", str(db), "--lang", "zh"]) == 3
    assert "2026 年的数据不在历史库中" in capsys.readouterr().out


def test_history_add_of_bad_data_leaves_no_database(tmp_path: Path) -> None:
    bad = small_year(2024)
    bad["schools"][0]["sections"]["primary"]["students"] = -1
    db = tmp_path / "h.sqlite"
    assert main(["history", "add", str(_write(tmp_path / "bad.json", bad)), "-s", WENSHAN, "--db", str(db)]) == 2
    assert not db.exists()


# -- the pack: previous.x is checked like every other name --------------------------------------------------------

PACK = """\
format: qbalance-pack/1
id: xx-lookback
version: "1.0.0"
effective: 2024-01-01
extends: cn-moe-2017
title: {{zh: 测试, en: test}}
sources:
  local: {{title: {{zh: 地方文件}}}}
inputs:
  spend: {{level: county, unit: yuan, label: {{zh: 支出}}}}
  per_student: {{level: county, unit: yuan / student, label: {{zh: 生均支出}}}}
{extra_inputs}
areas:
  local: {{label: {{zh: 地方}}, order: 9, required: false, cite: {{source: local}}}}
{derived}
items:
  X1:
    area: local
    kind: county
    order: 1
    label: {{zh: 不减}}
    require: {require}
    cite: {{source: local}}
"""


def _pack(tmp_path: Path, require: str, *, extra_inputs: str = "", derived: str = "") -> Path:
    path = tmp_path / "xx" / "pack.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PACK.format(require=require, extra_inputs=extra_inputs, derived=derived), encoding="utf-8")
    return path


def test_a_wrong_unit_against_a_previous_value_is_a_pack_error_naming_the_item(tmp_path: Path) -> None:
    with pytest.raises(qbalance.PackError) as info:
        qbalance.load_standard(_pack(tmp_path, "spend >= previous.per_student"))
    text = str(info.value)
    assert "items.X1.require" in text and "previous.per_student" in text
    assert "[currency]" in text or "yuan" in text  # both dimensions are named


def test_an_unknown_previous_name_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(qbalance.PackError) as info:
        qbalance.load_standard(_pack(tmp_path, "spend >= previous.spent"))
    assert "items.X1.require" in str(info.value) and "previous.spend" in str(info.value)


def test_an_input_may_not_take_the_previous_name(tmp_path: Path) -> None:
    extra = "  previous: {level: county, unit: yuan, label: {zh: 上年}}"
    with pytest.raises(qbalance.PackError) as info:
        qbalance.load_standard(_pack(tmp_path, "spend >= 0 [yuan]", extra_inputs=extra))
    assert "inputs.previous" in str(info.value)


def test_a_derived_value_that_looks_back_makes_its_items_look_back(tmp_path: Path) -> None:
    derived = textwrap.dedent(
        """\
        derived:
          growth: {level: county, unit: yuan, expression: spend - previous.spend, label: {zh: 增长}}
        """
    )
    std = qbalance.load_standard(_pack(tmp_path, "growth >= 0 [yuan]", derived=derived))
    assert std.compiled.lookback_items == frozenset({"X1"})
    this = small_year(2025)
    this["facts"].update({"spend": 100, "per_student": 1})
    before = small_year(2024)
    before["facts"].update({"spend": 120, "per_student": 1})
    assert std.evaluate(this, previous=before).item("X1").status == "fail"  # 100 − 120 = −20 < 0
    before["facts"]["spend"] = 100
    assert std.evaluate(this, previous=before).item("X1").status == "pass"  # 100 − 100 = 0 ≥ 0: equal passes
    assert std.evaluate(this).item("X1").status == "not_evaluated"
    # growth reads the previous year itself, so it has no previous-year value of its own
    with pytest.raises(qbalance.PackError) as info:
        qbalance.load_standard(_pack(tmp_path, "growth >= previous.growth", derived=derived))
    assert "growth reads the previous year itself" in str(info.value)


SCHOOL_PACK = """\
format: qbalance-pack/1
id: xx-schools-back
version: "1.0.0"
effective: 2024-01-01
extends: cn-moe-2017
title: {zh: 测试, en: test}
sources:
  local: {title: {zh: 地方文件}}
areas:
  local: {label: {zh: 地方}, order: 9, required: false, cite: {source: local}}
items:
  X2:
    area: local
    kind: every
    level: section
    order: 1
    label: {zh: 在校生不减}
    require: students >= previous.students
    cite: {source: local}
"""


def test_a_school_is_compared_with_itself_and_a_new_school_has_no_previous_year(tmp_path: Path) -> None:
    path = tmp_path / "xx" / "pack.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(SCHOOL_PACK, encoding="utf-8")
    std = qbalance.load_standard(path)
    this = county(school("A"), school("B"), year=2025)  # 1,000 primary students each
    before = county(school("A"), year=2024)  # B did not exist in 2024
    before["schools"][0]["sections"]["primary"]["students"] = 900
    item = std.evaluate(this, previous=before).item("X2")
    # A: 1,000 ≥ 900 passes; B has no 2024 row, so its comparison is missing: the item is not decided, never passed
    assert item.status == "not_evaluated"
    assert [r.school_id for r in item.rows] == ["B"]
    before["schools"][0]["sections"]["primary"]["students"] = 1_001  # A fell from 1,001 to 1,000: A fails
    failed = std.evaluate(this, previous=before).item("X2")
    assert failed.status == "fail" and {r.school_id: r.result for r in failed.rows} == {
        "A": "fail",
        "B": "not_evaluated",
    }


# -- a batch of counties, with the previous year's table -------------------------------------------------------------


def _batch(budgets: dict[str, float], per_student: dict[str, float]) -> dict[str, list[Any]]:
    """One table of the counties of ``budgets`` (two schools each), their funding figures as county columns."""
    from qbalance._data.columns import county_to_columns
    from qbalance._data.models import County

    parts = []
    for code, budget in budgets.items():
        data = county(school("A" + code[-1]), school("B" + code[-1]), code=code, name=f"县{code[-1]}")
        data["facts"].update({"edu_general_budget": budget, "edu_spend_per_student": per_student[code]})
        parts.append(county_to_columns(County.model_validate(data)))
    names = list(dict.fromkeys(k for p in parts for k in p))
    return {k: [v for p in parts for v in p.get(k, [None] * len(p["school_id"]))] for k in names}


def test_a_batch_compares_each_county_with_its_row_of_the_previous_table(tmp_path: Path) -> None:
    """By hand: county 990001 keeps both figures (equal passes), 990002 spends less per student (fails), 990003 is not
    in last year's table (not evaluated, the reason naming the county); the same through the command line."""
    now = _batch({"990001": 5e8, "990002": 5e8, "990003": 5e8}, {"990001": 12_000, "990002": 11_900, "990003": 1})
    before = _batch({"990001": 5e8, "990002": 4e8}, {"990001": 12_000, "990002": 12_000})
    result = qbalance.evaluate_many(now, WENSHAN, previous=before)
    w2 = dict(zip(result.county_codes, result.counties()[f"item.{W2}"], strict=True))
    assert w2 == {"990001": "pass", "990002": "fail", "990003": "not_evaluated"}
    report = result.report("990003")
    assert report.previous is not None and not report.previous.found
    assert report.previous.reason is not None and "990003" in report.previous.reason.zh
    without = qbalance.evaluate_many(now, WENSHAN)  # no previous table: never a pass
    assert set(without.counties()[f"item.{W2}"]) == {"not_evaluated"}
    pd = pytest.importorskip("pandas")
    pd.DataFrame(now).to_csv(tmp_path / "2026.csv", index=False)
    pd.DataFrame(before).to_csv(tmp_path / "2025.csv", index=False)
    argv = ["evaluate-batch", str(tmp_path / "2026.csv"), "-o", str(tmp_path / "out"), "-s", WENSHAN]
    assert main([*argv, "--previous", str(tmp_path / "2025.csv")]) in (1, 3)
    written = pd.read_csv(tmp_path / "out" / "counties.csv", dtype=str)
    assert dict(zip(written["county_code"], written[f"item.{W2}"], strict=True)) == w2
