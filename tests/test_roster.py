"""Teacher rosters: one row per teacher, counted into teacher counts by the pack's own definitions."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

import qbalance
from conftest import county, school
from qbalance._data.roster import aggregate_roster, read_roster_csv, roster_rows
from qbalance._packs.roster_rules import check_roster


def T(sid: str, section: str, qualification: str, backbone: str = "none", subject: str = "chinese", **kw: Any) -> dict:
    return {
        "school_id": sid,
        "section": section,
        "qualification": qualification,
        "backbone": backbone,
        "subject": subject,
        **kw,
    }


# A nine-year school "A" and a primary school "B", counted by hand:
#   A primary: 4 teachers; above_qualified = associate, bachelor, master = 3 (secondary is not); backbone county +
#              national = 2 (school-level is not); pe_art pe + music = 2
#   A junior:  3 teachers; above_qualified = bachelor only = 1 (associate is NOT enough in junior); backbone city = 1;
#              pe_art art = 1
#   B primary: 1 teacher (Chinese names in the cells): associate → above_qualified 1, 省级 → backbone 1, 数学 → 0
ROSTER = [
    T("A", "primary", "associate", "county", "pe"),
    T("A", "primary", "bachelor", "school", "music"),
    T("A", "primary", "master", "national", "chinese"),
    T("A", "primary", "secondary", "none", "mathematics"),
    T("A", "junior", "associate", "city", "art"),
    T("A", "junior", "bachelor", "none", "physics"),
    T("A", "junior", "secondary", "none", "chinese"),
    T("B", "小学", "专科", "省级", "数学"),
]
# Titles are left blank in this roster, so the intermediate-title count cannot be known: None, never 0.
HAND = {
    ("A", "primary"): {"full_time": 4, "above_qualified": 3, "backbone": 2, "pe_art": 2, "mid_title": None},
    ("A", "junior"): {"full_time": 3, "above_qualified": 1, "backbone": 1, "pe_art": 1, "mid_title": None},
    ("B", "primary"): {"full_time": 1, "above_qualified": 1, "backbone": 1, "pe_art": 0, "mid_title": None},
}


def test_counts_match_a_hand_count_including_the_section_dependent_definition(national: qbalance.Standard) -> None:
    assert aggregate_roster(ROSTER, national) == HAND


def test_a_blank_cell_is_unknown_unless_the_pack_says_what_it_means(national: qbalance.Standard) -> None:
    # One of three primary teachers has a blank qualification: whether the section has 1 or 2 teachers above the
    # required qualification cannot be known, so the count is None (missing), not 1. A blank backbone level is
    # "none" because the national pack declares `blank: none` for that column.
    rows = [T("A", "primary", "bachelor", "county"), T("A", "primary", "secondary"), T("A", "primary", "", "")]
    counts = aggregate_roster(rows, national)[("A", "primary")]
    assert counts["above_qualified"] is None
    assert counts["backbone"] == 1 and counts["full_time"] == 3


def test_titles_give_the_mid_title_count(national: qbalance.Standard) -> None:
    rows = [T("A", "junior", "bachelor", title=t) for t in ("none", "junior", "intermediate", "副高级", "senior")]
    assert aggregate_roster(rows, national)[("A", "junior")]["mid_title"] == 3


def test_unknown_school_or_section_is_an_error_naming_the_row(national: qbalance.Standard) -> None:
    rows = [*ROSTER, T("Z", "primary", "bachelor"), T("B", "junior", "bachelor")]
    with pytest.raises(qbalance.InputError) as info:
        aggregate_roster(rows, national, schools={"A": ["primary", "junior"], "B": ["primary"]})
    got = {(p.location, p.field) for p in info.value.problems}
    assert got == {("row 10", "school_id"), ("row 11", "section")}
    assert any("unknown school id" in p.message for p in info.value.problems)


def test_bad_cells_are_all_reported(national: qbalance.Standard) -> None:
    rows = [
        T("A", "kindergarten", "bachelor"),
        T("A", "primary", "phd"),
        {"school_id": "A", "section": "primary", "qualification": "bachelor", "certificate": "maybe"},
        {"school_id": "A", "section": "primary", "salary": 9000},
    ]
    with pytest.raises(qbalance.InputError) as info:
        roster_rows(rows, national)
    got = {(p.location, p.field) for p in info.value.problems}
    assert got == {("row 2", "section"), ("row 3", "qualification"), ("row 4", "certificate"), ("row 5", "salary")}


def test_roster_csv(tmp_path: Path, national: qbalance.Standard) -> None:
    path = tmp_path / "roster.csv"
    lines = ["school_id,section,qualification,backbone,subject"]
    lines += [f"{r['school_id']},{r['section']},{r['qualification']},{r['backbone']},{r['subject']}" for r in ROSTER]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert aggregate_roster(read_roster_csv(path, national), national) == HAND


# -- definitions are pack data --------------------------------------------------------------------------------------


OVERLAY = """\
format: qbalance-pack/1
id: test-roster-overlay
version: "1.0.0"
effective: 2024-01-01
extends: cn-moe-2017
title: {zh: 名册定义叠加, en: roster definition overlay}
sources:
  local: {title: {zh: 某省实施细则}}
changes:
  - set: roster.counts.above_qualified.where
    value: "qualification in ['bachelor', 'master', 'doctor']"
    cite: {source: local, text: 小学教师高于规定学历按本科及以上计}
  - set: roster.counts.backbone.where
    value: "backbone in ['school', 'county', 'city', 'province', 'national']"
    cite: {source: local, text: 校级及以上骨干教师}
"""


def test_an_overlay_changes_a_definition_without_code(tmp_path: Path, national: qbalance.Standard) -> None:
    path = tmp_path / "overlay" / "pack.yaml"
    path.parent.mkdir()
    path.write_text(OVERLAY, encoding="utf-8")
    local = qbalance.load_standard(path)
    counts = aggregate_roster(ROSTER, local)
    # primary: associate no longer counts (3 → 2); backbone: the school-level teacher now counts (2 → 3)
    assert counts[("A", "primary")]["above_qualified"] == 2
    assert counts[("A", "primary")]["backbone"] == 3
    assert counts[("B", "primary")]["above_qualified"] == 0
    assert counts[("A", "junior")] == HAND[("A", "junior")]
    assert aggregate_roster(ROSTER, national) == HAND  # the national pack is unchanged


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("grade in ['a']", "unknown roster field grade"),
        ("qualification in ['phd']", "'phd' not a category of 'qualification'"),
        ("qualification == 'phd'", "'phd' is not a category"),
        ("qualification > 'bachelor'", "== or != only"),
        ("qualification", "not a condition"),
        ("qualification in [", "expression"),
    ],
)
def test_bad_definitions_are_pack_errors(tmp_path: Path, where: str, message: str) -> None:
    text = OVERLAY.split("changes:")[0] + textwrap.dedent(
        f"""\
        changes:
          - set: roster.counts.above_qualified.where
            value: "{where}"
            cite: {{source: local}}
        """
    )
    path = tmp_path / "bad" / "pack.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(qbalance.PackError, match=message):
        qbalance.load_standard(path)


def test_the_national_definitions_are_sound_and_cited(national: qbalance.Standard) -> None:
    roster = national.pack.roster
    assert roster is not None and check_roster(roster) == []
    assert set(roster.counts) == {"full_time", "above_qualified", "backbone", "pe_art", "mid_title"}
    for name in ("above_qualified", "backbone", "pe_art"):
        assert roster.counts[name].cite is not None
    assert "专科" in (roster.counts["above_qualified"].cite.text or "")


# -- a roster in the workbook -----------------------------------------------------------------------------------------


openpyxl = pytest.importorskip("openpyxl")


def _workbook(tmp_path: Path, national: qbalance.Standard, roster: list[dict], keep_counts: bool = False) -> Path:
    from qbalance._workflow.template import write_template

    data = county(
        school(
            "0001",
            "nine_year",
            sections={
                "primary": {"students": 200, "teachers": {"full_time": 4, "above_qualified": 3}},
                "junior": {"students": 100, "teachers": {}},
            },
        ),
        school("0002"),
    )
    path = write_template(national, tmp_path / "r.xlsx", county=data)
    wb = openpyxl.load_workbook(path)
    ws = wb["教师名册"]
    keys = [c.value for c in ws[2]]
    for i, row in enumerate(roster):
        for key, value in row.items():
            ws.cell(3 + i, keys.index(key) + 1, value)
    if not keep_counts:
        sec = wb["学段"]
        skeys = [c.value for c in sec[2]]
        col = skeys.index("teachers.above_qualified") + 1
        sec.cell(3, col, 5)  # disagrees with the roster's 3
    wb.save(path)
    return path


def _rows() -> list[dict]:
    out = []
    for r in ROSTER[:7]:
        row = {k: v for k, v in r.items() if k != "school_id"}
        out.append({"school_id": "0001", **row})
    return out


def test_roster_sheet_replaces_teacher_counts(tmp_path: Path, national: qbalance.Standard) -> None:
    from qbalance._data.workbook import read_workbook

    path = _workbook(tmp_path, national, _rows(), keep_counts=True)
    got = read_workbook(path, national)
    nine = got.schools[0]
    assert nine.sections["primary"].teachers.model_dump() == HAND[("A", "primary")]
    assert nine.sections["junior"].teachers.model_dump() == HAND[("A", "junior")]
    assert got.schools[1].sections["primary"].teachers.full_time == 60  # no roster rows: the sheet's counts stay
    report = qbalance.evaluate(path, national)
    assert report.verdict in ("pass", "fail", "incomplete")


def test_roster_disagreeing_with_a_typed_count_is_an_error_at_that_cell(
    tmp_path: Path, national: qbalance.Standard
) -> None:
    from qbalance._data.workbook import read_workbook

    path = _workbook(tmp_path, national, _rows())
    with pytest.raises(qbalance.InputError) as info:
        read_workbook(path, national)
    (p,) = info.value.problems
    assert p.sheet == "学段" and p.row == 3 and p.value == 5 and "roster" in p.message


def test_roster_rows_with_bad_cells_name_their_cells(tmp_path: Path, national: qbalance.Standard) -> None:
    from qbalance._data.workbook import read_workbook

    rows = [*_rows(), {"school_id": "9999", "section": "小学", "qualification": "本科"}]
    rows[0]["qualification"] = "博士后"
    path = _workbook(tmp_path, national, rows, keep_counts=True)
    with pytest.raises(qbalance.InputError) as info:
        read_workbook(path, national)
    locs = {p.location: p.message for p in info.value.problems}
    assert "not one of" in locs["教师名册!E3"]
    assert "unknown school id" in locs["教师名册!A10"]


def test_a_roster_needs_the_standard(tmp_path: Path, national: qbalance.Standard) -> None:
    from qbalance._data.workbook import read_workbook

    path = _workbook(tmp_path, national, _rows(), keep_counts=True)
    with pytest.raises(qbalance.InputError, match="standard's definitions"):
        read_workbook(path)


def test_a_typed_count_supplies_what_the_roster_cannot_count(tmp_path: Path, national: qbalance.Standard) -> None:
    # One teacher's qualification is blank, so the roster cannot count the section's teachers above the required
    # qualification (None); the 学段 sheet's typed 3 is then the number used, while the counts the roster can make
    # (backbone, PE/art) still come from it.
    from qbalance._data.workbook import read_workbook

    rows = _rows()
    rows[0]["qualification"] = None
    path = _workbook(tmp_path, national, rows, keep_counts=True)
    wb = openpyxl.load_workbook(path)
    sec = wb["学段"]
    keys = [c.value for c in sec[2]]
    sec.cell(3, keys.index("teachers.above_qualified") + 1, 3)
    wb.save(path)
    primary = read_workbook(path, national).schools[0].sections["primary"].teachers
    assert primary.above_qualified == 3
    assert primary.backbone == HAND[("A", "primary")]["backbone"]
