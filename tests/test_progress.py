"""Progress towards targets judged on a date: met, on track, behind, overdue, or not yet (with the reason).

The rule (docs/history.md §6): a target is *met* when its value reaches it; otherwise, after the deadline it is
*overdue*; before, it is *on track* when the value is at least the value expected by the date judged and *behind*
otherwise. The expected value is the latest milestone due, or without milestones the straight line from the
baseline (its value at the end of the baseline year) to the target at the deadline. Every expected value below is
worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

import qbalance
from qbalance._cli.main import main
from qbalance._report.tracking import judge
from test_lookback import WENSHAN, demo_year

D = dt.date
DEADLINE = D(2026, 12, 31)


# -- the rule, on numbers ----------------------------------------------------------------------------------------


def test_straight_line_from_the_baseline_to_the_deadline() -> None:
    # baseline 0 at 2024-12-31, target 16 at 2026-12-31: 730 days. On 2025-12-31, 365 of 730 days have passed:
    # 0.5 × 16 = 8 expected. 8 is on track (equal passes), 7.99 behind.
    on = judge(8, 16, as_of=D(2025, 12, 31), deadline=DEADLINE, baseline=(2024, 0))
    assert (on.status, on.expected, on.elapsed) == ("on_track", 8, 0.5)
    assert judge(7.99, 16, as_of=D(2025, 12, 31), deadline=DEADLINE, baseline=(2024, 0)).status == "behind"
    # on 2025-06-30: 181 days of 730 → 16 × 181 / 730 = 3.9671…; 4 is on track
    mid = judge(4, 16, as_of=D(2025, 6, 30), deadline=DEADLINE, baseline=(2024, 0))
    assert mid.status == "on_track" and mid.expected == pytest.approx(16 * 181 / 730)
    # from a baseline of 2 (not 0): 2 + (16 − 2) × 0.5 = 9 expected at the end of 2025
    assert judge(8.5, 16, as_of=D(2025, 12, 31), deadline=DEADLINE, baseline=(2024, 2)).expected == 9


def test_met_overdue_and_on_the_deadline_day() -> None:
    # on the deadline itself the whole target is due (expected 16): 15 is behind; a day later it is overdue
    assert judge(15, 16, as_of=DEADLINE, deadline=DEADLINE, baseline=(2024, 0)).status == "behind"
    assert judge(15, 16, as_of=D(2027, 1, 1), deadline=DEADLINE, baseline=(2024, 0)).status == "overdue"
    # a target reached is met, before or after the deadline, with or without a baseline or a deadline
    assert judge(16, 16, as_of=D(2030, 1, 1), deadline=DEADLINE).status == "met"
    assert judge(17, 16, as_of=None, deadline=None).status == "met"


def test_milestones_set_the_pace_when_given() -> None:
    milestones = [(2025, 6.0), (2026, 16.0)]
    # 2025-06-30: no milestone is due yet (2025's is due on 2025-12-31): the baseline's 2 is expected
    early = judge(2, 16, as_of=D(2025, 6, 30), deadline=DEADLINE, baseline=(2024, 2), milestones=milestones)
    assert (early.status, early.expected) == ("on_track", 2)
    # 2025-12-31: 2025's milestone of 6 is due: 5 is behind, 6 on track (no straight line is drawn)
    due = judge(5, 16, as_of=D(2025, 12, 31), deadline=DEADLINE, baseline=(2024, 2), milestones=milestones)
    assert (due.status, due.expected, due.elapsed) == ("behind", 6, None)
    assert judge(6, 16, as_of=D(2025, 12, 31), deadline=DEADLINE, milestones=milestones).status == "on_track"


def test_no_pace_without_a_deadline_a_baseline_or_a_date() -> None:
    assert judge(3, 16, as_of=D(2025, 12, 31), deadline=None).reason == "lookback.progress.no_deadline"
    no_base = judge(3, 16, as_of=D(2025, 12, 31), deadline=DEADLINE)
    assert (no_base.status, no_base.reason) == ("not_yet", "lookback.progress.no_baseline")
    assert judge(3, 16, as_of=None, deadline=DEADLINE, baseline=(2024, 0)).reason == "lookback.progress.no_date"


# -- Wenshan's 2026 building targets over three stored years -----------------------------------------------------


def _year(year: int, built: int, places: int, slimmed: int = 0) -> dict[str, Any]:
    data = demo_year(year, "5.0 亿元", 12_100 + 100 * (year - 2024))
    data["facts"].update(
        {"new_schools_built": built, "new_places_primary": places, "oversized_schools_slimmed": slimmed}
    )
    return data


@pytest.fixture(scope="module")
def three_years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2024 (the baseline: nothing built yet), 2025 (5 schools, 6,000 primary places), 2026 (16 schools, 10,000)."""
    db = tmp_path_factory.mktemp("progress") / "history.sqlite"
    with qbalance.History(db) as h:
        h.add(_year(2024, 0, 0), standard=WENSHAN)
        h.add(_year(2025, 5, 6_000), standard=WENSHAN)
        h.add(_year(2026, 16, 10_000), standard=WENSHAN)
    return db


def _tracking(report: qbalance.Report, item: str) -> Any:
    t = report.item(item).tracking
    assert t is not None
    return t


def test_2025_at_the_end_of_the_data_year(three_years: Path) -> None:
    with qbalance.History(three_years) as h:
        report = h.report("999901", 2025)
    assert report is not None
    p1 = _tracking(report, "P1_new_schools")
    # baseline: the first stored year, 2024, with 0 built; 2025-12-31 is half way to 2026-12-31: 8 expected, 5 built
    assert (p1.baseline.year, p1.baseline.value, p1.baseline.rule) == (2024, 0, "first_stored")
    assert (p1.status, p1.expected, p1.as_of, p1.as_of_from) == ("behind", 8, "2025-12-31", "data_year")
    assert [(p.year, p.value) for p in p1.series] == [(2024, 0), (2025, 5)]
    assert p1.deadline.date == "2026-12-31" and p1.deadline.cite.text.startswith("到2026年")
    # primary places: 11,460 × 0.5 = 5,730 expected, 6,000 reached: on track
    p2 = _tracking(report, "P2_places_primary")
    assert (p2.status, p2.expected) == ("on_track", 5_730)
    # the finding says it too, in both languages
    finding = report.item("P1_new_schools").finding
    assert finding is not None and "进度滞后" in finding.zh and "按期应达到8" in finding.zh and "behind" in finding.en


def test_as_of_judges_progress_on_that_date(three_years: Path) -> None:
    data = _year(2025, 5, 6_000)
    # 2025-06-30: 181 of 730 days: 16 × 181 / 730 = 3.97 schools expected; 5 built: on track
    early = qbalance.evaluate(data, WENSHAN, history=three_years, as_of="2025-06-30")
    p1 = _tracking(early, "P1_new_schools")
    assert p1.status == "on_track" and p1.expected == pytest.approx(16 * 181 / 730)
    assert (p1.as_of, p1.as_of_from) == ("2025-06-30", "given")
    assert early.provenance.as_of == "2025-06-30"  # the same date also chose the pack's version


def test_2026_met_behind_overdue_and_no_deadline(three_years: Path) -> None:
    data = _year(2026, 16, 10_000)
    report = qbalance.evaluate(data, WENSHAN, history=three_years)  # as of 2026-12-31, the deadline
    assert _tracking(report, "P1_new_schools").status == "met"  # 16 of 16
    p2 = _tracking(report, "P2_places_primary")
    assert (p2.status, p2.expected) == ("behind", 11_460)  # 10,000 < 11,460, the deadline not yet passed
    assert [(p.year, p.value) for p in p2.series] == [(2024, 0), (2025, 6_000), (2026, 10_000)]
    late = qbalance.evaluate(data, WENSHAN, history=three_years, as_of="2027-01-01")
    assert _tracking(late, "P2_places_primary").status == "overdue"
    assert _tracking(late, "P1_new_schools").status == "met"
    p6 = _tracking(report, "P6_slim_oversized")  # 三(一)2 gives no date: no deadline, so no pace
    assert p6.status == "not_yet" and p6.deadline is None
    assert p6.reason is not None and p6.reason.zh == "方案未规定完成期限，无法判断是否按期"
    p1a = _tracking(report, "P1a_primary_urban_new")  # not in the demo data: no status, never a pass
    assert p1a.status is None and report.item("P1a_primary_urban_new").status == "not_evaluated"


def test_a_loaded_standard_is_judged_on_the_date_given(three_years: Path) -> None:
    """A ``Standard`` already loaded, given with ``as_of``, is judged on that date (not silently on its own): the
    same 2026 data as above, overdue on 2027-01-01. A date on which the pack is not in force (Wenshan takes effect on
    2024-08-15) is refused, never ignored."""
    std = qbalance.load_standard(WENSHAN)
    assert qbalance.load_standard(std) is std
    late = qbalance.evaluate(_year(2026, 16, 10_000), std, history=three_years, as_of="2027-01-01")
    assert _tracking(late, "P2_places_primary").status == "overdue"
    assert late.provenance.as_of == "2027-01-01"
    with pytest.raises(qbalance.PackError, match="2024-06-30"):
        qbalance.load_standard(std, as_of="2024-06-30")


def test_without_a_history_a_stored_baseline_cannot_be_read() -> None:
    report = qbalance.evaluate(_year(2025, 5, 6_000), WENSHAN)
    p1 = _tracking(report, "P1_new_schools")
    assert p1.status == "not_yet" and p1.series == []
    assert p1.reason is not None and "--history" in p1.reason.zh


def test_every_renderer_shows_status_and_expected_value(three_years: Path, tmp_path: Path) -> None:
    report = qbalance.evaluate(_year(2025, 5, 6_000), WENSHAN, history=three_years)
    text = report.to_text("zh")
    assert "规划目标进度" in text and "状态" in text and "进度滞后" in text and "按期推进" in text
    assert "按数据年份末(2025-12-31)判断进度" in text
    assert "behind" in report.to_text("en") and "on track" in report.to_text("en")
    md = report.to_markdown("zh")
    assert "| 新建、改扩建城区中小学幼儿园16所 | **进度滞后** | 5 / 16 | 8 | 2024 年：0 | 2026-12-31 |" in md
    html = report.to_html("zh")
    assert "进度滞后" in html and "按期推进" in html and "尚未达成" in html
    data = json.loads(report.to_json())
    p1 = next(i for i in data["items"] if i["id"] == "P1_new_schools")
    assert (p1["tracking"]["status"], p1["tracking"]["expected"]) == ("behind", 8)
    items = report.to_frame()["items"].set_index("item")
    assert items.loc["P1_new_schools", "progress_status"] == "behind"
    assert items.loc["P1_new_schools", "progress_status_label"] == "进度滞后"
    assert items.loc["P1_new_schools", "expected"] == 8
    openpyxl = pytest.importorskip("openpyxl")
    report.to_excel(tmp_path / "r.xlsx", "zh")
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["目标进度"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    p1_row = next(r for r in rows if r[0] == "新建、改扩建城区中小学幼儿园16所")
    assert p1_row[1:5] == ["进度滞后", 5, 16, 8]


def test_cli_as_of_for_evaluate_and_history_add(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite"
    # (the Wenshan plan is in force from 2024-08-15: an earlier --as-of would find no version of it to use)
    for year, built, places, as_of in ((2024, 0, 0, "2024-12-31"), (2025, 5, 6_000, "2025-06-30")):
        path = tmp_path / f"{year}.json"
        path.write_text(json.dumps(_year(year, built, places), ensure_ascii=False), encoding="utf-8")
        assert main(["history", "add", str(path), "-s", WENSHAN, "--db", str(db), "--as-of", as_of]) == 0
    capsys.readouterr()
    assert main(["history", "show", "--county", "999901", "--year", "2025", "-f", "json", "--db", str(db)]) == 0
    p1 = next(i for i in json.loads(capsys.readouterr().out)["items"] if i["id"] == "P1_new_schools")
    assert p1["tracking"]["as_of"] == "2025-06-30" and p1["tracking"]["status"] == "on_track"  # 5 ≥ 3.97
    late = tmp_path / "2026.json"
    late.write_text(json.dumps(_year(2026, 12, 9_000), ensure_ascii=False), encoding="utf-8")
    assert (
        main(["evaluate", str(late), "-s", WENSHAN, "--history", str(db), "--as-of", "2027-03-01", "-f", "json"]) == 1
    )
    p1 = next(i for i in json.loads(capsys.readouterr().out)["items"] if i["id"] == "P1_new_schools")
    assert p1["tracking"]["status"] == "overdue"  # 12 < 16 after 2026-12-31


# -- the pack: baselines, milestones, deadlines only with their citation ----------------------------------------

PACK = """\
format: qbalance-pack/1
id: xx-progress
version: "1.0.0"
effective: 2024-01-01
extends: cn-moe-2017
title: {{zh: 测试, en: test}}
sources:
  local: {{title: {{zh: 地方文件}}}}
inputs:
  built: {{level: county, integer: true, label: {{zh: 已建}}}}
areas:
  local: {{label: {{zh: 地方}}, order: 9, required: false, cite: {{source: local}}}}
items:
  T1:
    area: local
    kind: progress
    order: 1
    label: {{zh: 建10所}}
    value: built
    target: 10
{extra}
    cite: {{source: local, text: 建10所}}
"""


def _pack(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "xx" / "pack.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PACK.format(extra=textwrap.indent(textwrap.dedent(extra), "    ")), encoding="utf-8")
    return path


DEADLINE_TEXT = """\
deadline: 2026-12-31
deadline_cite: {source: local, text: 到2026年}
"""


def _county(year: int, built: int) -> dict[str, Any]:
    from conftest import county, school

    data = county(school("A"), year=year)
    data["facts"]["built"] = built
    return data


def test_a_baseline_given_by_the_source_needs_no_history(tmp_path: Path) -> None:
    std = qbalance.load_standard(
        _pack(tmp_path, DEADLINE_TEXT + "baseline: {year: 2024, value: 2, cite: {source: local, text: 已建2所}}")
    )
    t = _tracking(std.evaluate(_county(2025, 6)), "T1")
    # 2 + (10 − 2) × 0.5 = 6 expected at the end of 2025; 6 built: on track
    assert (t.baseline.origin, t.baseline.rule, t.baseline.value) == ("pack", "given", 2)
    assert (t.status, t.expected) == ("on_track", 6)


def test_a_first_stored_baseline_needs_the_history(tmp_path: Path) -> None:
    std = qbalance.load_standard(_pack(tmp_path, DEADLINE_TEXT + "baseline: {year: first_stored}"))
    alone = _tracking(std.evaluate(_county(2025, 6)), "T1")
    assert alone.status == "not_yet" and alone.reason is not None and "--history" in alone.reason.en
    with qbalance.History(tmp_path / "h.sqlite") as h:
        h.add(_county(2024, 4), standard=std)
        t = _tracking(std.evaluate(_county(2025, 6), history=h), "T1")
    # from 4 at the end of 2024: 4 + (10 − 4) × 0.5 = 7 expected; 6 built: behind
    assert (t.baseline.year, t.baseline.value, t.baseline.origin) == (2024, 4, "history")
    assert (t.status, t.expected) == ("behind", 7)


def test_milestones_of_a_pack(tmp_path: Path) -> None:
    extra = DEADLINE_TEXT + textwrap.dedent(
        """\
        baseline: {year: 2024, value: 0, cite: {source: local, text: 尚未建}}
        milestones:
          - {year: 2025, value: 3, cite: {source: local, text: 2025年建3所}}
          - {year: 2026, value: 10, cite: {source: local, text: 2026年建成}}
        """
    )
    std = qbalance.load_standard(_pack(tmp_path, extra))
    t = _tracking(std.evaluate(_county(2025, 3)), "T1")  # 2025's milestone of 3 is due: 3 on track
    assert (t.status, t.expected) == ("on_track", 3) and [m.value for m in t.milestones] == [3, 10]
    assert _tracking(std.evaluate(_county(2025, 2)), "T1").status == "behind"
    # the pack's document shows the whole road: the deadline's text, the baseline and each milestone
    from qbalance._workflow.pack_doc import render_markdown

    doc = render_markdown(std, "zh")
    for line in ("- 基线：2024 年 0 ", "- 年度节点：2025 年底达到 3 ", "- 年度节点：2026 年底达到 10 "):
        assert line in doc
    assert "- 期限依据：" in doc


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ("deadline: 2026-12-31", "deadline_cite"),
        ("deadline: 2026-12-31\ndeadline_cite: {source: local}", "deadline_cite"),
        ("baseline: {year: 2024, value: 2}", "needs 'cite'"),
        (
            DEADLINE_TEXT + "milestones: [{year: 2027, value: 3, cite: {source: local}}]",
            "milestone 2027 is after the deadline",
        ),
    ],
)
def test_a_deadline_needs_its_citation_and_the_road_must_make_sense(tmp_path: Path, extra: str, says: str) -> None:
    with pytest.raises(qbalance.PackError) as info:
        qbalance.load_standard(_pack(tmp_path, extra))
    assert says in str(info.value) and "items.T1" in str(info.value)


def test_wenshan_tracks_the_2026_building_targets_with_the_seeds_breakdown() -> None:
    pack = qbalance.load_standard(WENSHAN).pack
    # 三(二)3: 到2026年,新建、改扩建城区中小学幼儿园16所 … 小学 … 新增校舍面积15.94万平方米,
    # 新增学位11460个。初中 … 新增校舍面积9.85万平方米,新增学位5000个
    # — primary 11,460 places and 159,400 m², junior 5,000 places and 98,500 m².
    targets = {i: (pack.items[i].target, pack.items[i].unit) for i in pack.items if i.startswith("P")}
    assert targets["P2_places_primary"] == (11460, "student")
    assert targets["P3_places_junior"] == (5000, "student")
    assert targets["P4_floor_primary"] == (159400, "m**2")
    assert targets["P5_floor_junior"] == (98500, "m**2")
    assert targets["P1_new_schools"][0] == 16
    parts = ("P1a_primary_urban_new", "P1b_primary_urban_expanded", "P1c_primary_town_expanded")
    parts += ("P1d_junior_urban_new", "P1e_junior_town_expanded")
    assert sum(float(pack.items[p].target or 0) for p in parts) == 17  # 6 + 1 + 5 + 2 + 3: not 16, and noted
    note = pack.items["P1_new_schools"].cite.note if pack.items["P1_new_schools"].cite else ""
    assert "adds up to 17" in (note or "")
    for item_id in ("P1_new_schools", *parts, "P2_places_primary", "P3_places_junior", "P4_floor_primary"):
        item = pack.items[item_id]
        assert item.deadline == D(2026, 12, 31) and item.deadline_cite is not None
        assert (item.deadline_cite.text or "").startswith("到2026年")
    assert pack.items["P6_slim_oversized"].deadline is None  # 三(一)2 gives no date
