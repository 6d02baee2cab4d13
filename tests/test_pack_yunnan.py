"""The Yunnan provincial level (cn-yn-2022) and the chain national → Yunnan → Wenshan.

Neither Yunnan text (the provincial plan 云政办发〔2022〕49号, the evaluation measures
《云南省县域义务教育优质均衡发展督导评估办法》) could be found, so the level encodes no provincial rule: it names its
documents, says what was read of them and where, and adds a note to the citation of each national area saying that the
province's requirements are not encoded.
These tests check what the pack tests cannot: that the new level changes no rule (so no national threshold is
silently replaced, and no report attributes a national threshold to Yunnan), that every change it makes is one of those
five notes and cites its source, that the Wenshan city plan now sits below it with all its own rules as before, and
that the docs list what is not sourced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import qbalance

ROOT = Path(__file__).resolve().parents[1]
YUNNAN = "cn-yn-2022"
WENSHAN = "cn-yn-wenshan-2024"
NATIONAL = "cn-moe-2017"
AREAS = ["resource", "government", "quality", "recognition", "veto"]
RULE_BLOCKS = ["sections", "scales", "parameters", "inputs", "derived", "indicators", "scopes", "apportionment",
               "roster", "items"]  # fmt: skip


@pytest.fixture(scope="module")
def yunnan() -> qbalance.Standard:
    return qbalance.load_standard(YUNNAN)


@pytest.fixture(scope="module")
def wenshan() -> qbalance.Standard:
    return qbalance.load_standard(WENSHAN)


@pytest.fixture(scope="module")
def national_pack() -> qbalance.Standard:
    return qbalance.load_standard(NATIONAL)


def _without_area_notes(std: qbalance.Standard) -> dict[str, Any]:
    areas: dict[str, Any] = std.pack.model_dump()["areas"]
    for area in areas.values():
        if area.get("cite"):
            area["cite"].pop("note", None)
    return areas


def test_the_chain_is_national_then_yunnan_then_wenshan(yunnan: qbalance.Standard, wenshan: qbalance.Standard) -> None:
    assert [c.id for c in yunnan.chain] == [NATIONAL, YUNNAN]
    assert yunnan.pack.extends == NATIONAL
    assert [c.id for c in wenshan.chain] == [NATIONAL, YUNNAN, WENSHAN]
    assert wenshan.pack.extends == YUNNAN


def test_the_yunnan_level_changes_no_rule(yunnan: qbalance.Standard, national_pack: qbalance.Standard) -> None:
    national, provincial = national_pack.pack.model_dump(), yunnan.pack.model_dump()
    for block in RULE_BLOCKS:
        assert provincial[block] == national[block], block
    assert _without_area_notes(yunnan) == _without_area_notes(national_pack)
    assert yunnan.resolved is not None and yunnan.resolved.retired == []


def test_its_only_changes_are_the_five_cited_area_notes(yunnan: qbalance.Standard) -> None:
    assert yunnan.resolved is not None
    changes = {path: o for path, o in yunnan.resolved.origins.items() if o.op != "define"}
    assert sorted(changes) == sorted(f"areas.{a}.cite.note" for a in AREAS)
    for path, origin in changes.items():
        assert (origin.pack, origin.op) == (YUNNAN, "add"), path  # add: the national citation had no note to replace
        assert origin.cite is not None and origin.cite["source"] == "yn-measures", path
        assert origin.reason is not None and "Documentation only" in origin.reason, path
    for area in AREAS:
        cite = yunnan.pack.areas[area].cite
        assert cite is not None and cite.source == "moe-2017"  # the area still cites the national clause
        assert cite.note is not None and cite.note.startswith("Yunnan (cn-yn-2022)") and "not encoded" in cite.note


def test_the_sources_say_what_was_read_and_what_was_not(yunnan: qbalance.Standard) -> None:
    pack = yunnan.pack
    assert pack.document == "云政办发〔2022〕49号"
    assert pack.issuer is not None and pack.issuer.text("zh") == "云南省人民政府办公厅"
    assert "原文未获得" in pack.title.text("zh")
    assert pack.description is not None
    description = pack.description.text("en") or ""
    assert "https://www.nujiang.gov.cn/xxgk/015279331/info/2022-211369.html" in description
    assert "was not found either" in description  # 云政教督办〔2018〕10号
    own = {sid: s for sid, s in pack.sources.items() if sid not in qbalance.load_standard(NATIONAL).pack.sources}
    assert list(own) == ["yn-measures"]
    measures = own["yn-measures"]
    assert measures.title.text("zh") == "云南省县域义务教育优质均衡发展督导评估办法"
    assert measures.document is None and measures.date is None  # neither was read: none is written
    note = measures.note or ""
    assert note.startswith("TEXT NOT FOUND")
    # the places the titles were read, quoted as read
    assert "各学校对照《云南省县域义务教育优质均衡发展督导评估办法》的各项评估内容和标准进行自检自查" in note
    assert "云政教督办〔2018〕10 号" in note
    assert "https://www.nujiang.gov.cn/xxgk/015279331/info/2022-211369.html" in note
    assert "确保到2032年底,贡山县、兰坪县实现义务教育优质均衡发展目标" in note


def test_the_effective_date_is_the_bound_that_was_read() -> None:
    # The plan's date of issue was not read; the Nujiang plan of 2022-10-10 cites it, so it was issued by then.
    import datetime as dt

    assert str(qbalance.load_standard(YUNNAN).pack.effective) == "2022-10-10"
    with pytest.raises(qbalance.PackError, match="in force"):
        qbalance.load_standard(YUNNAN, as_of=dt.date(2022, 10, 9))
    assert [c.id for c in qbalance.load_standard(WENSHAN, as_of=dt.date(2024, 8, 15)).chain] == [
        NATIONAL,
        YUNNAN,
        WENSHAN,
    ]


def test_wenshan_keeps_every_rule_and_changes_none(wenshan: qbalance.Standard, yunnan: qbalance.Standard) -> None:
    assert wenshan.resolved is not None
    own_changes = [p for p, o in wenshan.resolved.origins.items() if o.op != "define" and o.pack == WENSHAN]
    assert own_changes == []
    inherited_changes = {p for p, o in wenshan.resolved.origins.items() if o.op != "define"}
    assert inherited_changes == {f"areas.{a}.cite.note" for a in AREAS}  # the Yunnan notes, nothing else
    for block in ("parameters", "inputs", "indicators", "scopes", "items"):
        mine = getattr(wenshan.pack, block)
        for key, value in getattr(yunnan.pack, block).items():
            assert mine[key] == value, f"{block}.{key}"
    assert set(wenshan.pack.items) - set(yunnan.pack.items) == {
        "W1_campus_surroundings", "W2_funding_not_decreasing", "W3_training_funds", "P1_new_schools",
        "P1a_primary_urban_new", "P1b_primary_urban_expanded", "P1c_primary_town_expanded", "P1d_junior_urban_new",
        "P1e_junior_town_expanded", "P2_places_primary", "P3_places_junior", "P4_floor_primary", "P5_floor_junior",
        "P6_slim_oversized",
    }  # fmt: skip


def test_reports_give_the_national_results_and_name_the_national_pack_for_each_threshold() -> None:
    # The same county under the three levels: every national item has the same status, and each threshold is still
    # set by cn-moe-2017 (the Yunnan level sets none, so a report never attributes a national threshold to Yunnan).
    county = ROOT / "standards" / "cn-yn-wenshan-2024" / "tests" / "base-county.yaml"
    reports = {ref: qbalance.evaluate(county, ref) for ref in (NATIONAL, YUNNAN, WENSHAN)}
    national_ids = list(qbalance.load_standard(NATIONAL).pack.items)
    for ref, report in reports.items():
        assert [report.item(i).status for i in national_ids] == [reports[NATIONAL].item(i).status for i in national_ids]
        for iid in national_ids:
            for p in report.item(iid).parameters:
                assert p.set_by is not None and (p.set_by.pack, p.set_by.change) == (NATIONAL, "define"), (ref, iid)
    assert [c.id for c in reports[YUNNAN].provenance.chain] == [NATIONAL, YUNNAN]
    assert [c.id for c in reports[WENSHAN].provenance.chain] == [NATIONAL, YUNNAN, WENSHAN]
    assert reports[YUNNAN].verdict == reports[NATIONAL].verdict == "pass"


def test_every_pack_lints_strictly_and_the_yunnan_tests_cover_every_item(capsys: pytest.CaptureFixture[str]) -> None:
    from qbalance._cli.main import main

    for pack in (NATIONAL, YUNNAN, WENSHAN, "cn-moe-2012-basic"):
        assert main(["standards", "lint", "--strict", pack, "--lang", "en"]) == 0, pack
    out = capsys.readouterr().out
    assert f"{YUNNAN} 1.0.0: valid ({NATIONAL} 1.0.0 → {YUNNAN} 1.0.0; 33 items, 7 indicators); 0 warning(s)" in out
    assert f"({NATIONAL} 1.0.0 → {YUNNAN} 1.0.0 → {WENSHAN} 1.0.0; 47 items, 7 indicators)" in out
    for pack in (YUNNAN, WENSHAN):
        assert main(["test", "-q", "--require-coverage", str(ROOT / "standards" / pack)]) == 0, pack


def test_the_doc_and_the_resolved_pack_show_the_notes_and_who_added_them(capsys: pytest.CaptureFixture[str]) -> None:
    from qbalance._cli.main import main

    assert main(["standards", "show", WENSHAN, "--resolved", "--lang", "en"]) == 0
    shown = capsys.readouterr().out
    for area in AREAS:
        assert f"# areas.{area}.cite.note: add by {YUNNAN} 1.0.0" in shown
    assert "set by" not in shown  # no inherited rule is replaced at any level
    assert main(["standards", "doc", WENSHAN]) == 0
    doc = capsys.readouterr().out
    assert f"`{NATIONAL}` 1.0.0 → `{YUNNAN}` 1.0.0 → `{WENSHAN}` 1.0.0" in doc
    assert doc.count("*说明: Yunnan (cn-yn-2022): the provincial measures") == len(AREAS)
    assert "`yn-measures`: 云南省县域义务教育优质均衡发展督导评估办法 — TEXT NOT FOUND." in doc


def test_packs_shipped_describes_the_yunnan_level_and_what_is_not_sourced() -> None:
    text = (ROOT / "docs" / "packs-shipped.md").read_text(encoding="utf-8")
    section = text.split("## cn-yn-2022", 1)[1].split("\n## ", 1)[0]
    for needle in (
        "云政办发〔2022〕49号",
        "云南省县域义务教育优质均衡发展督导评估办法",
        "云政教督办〔2018〕10号",
        "https://www.nujiang.gov.cn/xxgk/015279331/info/2022-211369.html",
        "not found",
        "national → Yunnan → Wenshan",
    ):
        assert needle in section, needle
    assert "extends `cn-yn-2022`" in text.split("## cn-yn-wenshan-2024", 1)[1].split("\n## ", 1)[0]
    missing = [i for i in qbalance.load_standard(YUNNAN).pack.items if f"`{i}`" not in text]
    assert missing == []
