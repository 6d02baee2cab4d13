"""The 2012 basic-balance pack (cn-moe-2012-basic): eight student-weighted CVs and their mean, the composite.

Every expected number is computed in the test itself, by hand (shown in comments) or with an independent weighted-CV
function written here with exact fractions, never by calling qbalance's own CV kernel.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

import qbalance
from conftest import county as _county
from conftest import school
from qbalance._cli.main import main

PACK = "cn-moe-2012-basic"
ITEM = "composite_balance"
INDICATORS = (
    "B1_floor_area",
    "B2_sports_area",
    "B3_equipment",
    "B4_computers",
    "B5_books",
    "B6_teacher_ratio",
    "B7_above_qualified",
    "B8_mid_title",
)


# The three county facts of the other certification conditions (教督〔2012〕3号): the schools meet the provincial
# standard, the county government scored at least 85, public satisfaction is at least 85%. All pass here, so the
# verdict of these tests follows the composite CV.
FACTS_2012 = {
    "schools_meet_provincial_standard": True,
    "government_score": 90,
    "public_satisfaction_rate": 0.9,
}


def county(*schools: dict, **extra: object) -> dict:
    """The shared test county, with the 2012 county facts added (all passing)."""
    data = _county(*schools, **extra)
    data["facts"].update(FACTS_2012)
    return data


@pytest.fixture(scope="module")
def basic() -> qbalance.Standard:
    return qbalance.load_standard(PACK)


def test_the_pack_is_the_2012_interim_measures(basic: qbalance.Standard) -> None:
    assert basic.pack.title.text("zh") == "县域义务教育均衡发展督导评估暂行办法"
    assert basic.pack.document == "教督〔2012〕3号"
    # four certification conditions, each its own area: none of them alone decides the verdict
    assert {i.area for i in basic.pack.items.values()} == {"school_standard", "basic", "government", "satisfaction"}


@pytest.mark.parametrize(
    ("fact", "value", "expected"),
    [
        ("government_score", 80, "fail"),  # a good CV does not certify a county whose government scored 80
        ("government_score", 85, "pass"),  # 85分以上 includes 85
        ("government_score", None, "incomplete"),  # missing is never a pass
        ("public_satisfaction_rate", 0.85, "pass"),
        ("public_satisfaction_rate", 0.8499, "fail"),
        ("schools_meet_provincial_standard", False, "fail"),
    ],
)
def test_a_good_composite_cv_alone_does_not_certify(
    basic: qbalance.Standard, fact: str, value: object, expected: str
) -> None:
    (p1, p1_sec, p1_fac), (p2, p2_sec, p2_fac), _ = PRIMARY
    data = county(
        school(p1, sections={"primary": p1_sec}, facilities=p1_fac),
        school(p2, sections={"primary": p2_sec}, facilities=p2_fac),
    )
    if value is None:
        del data["facts"][fact]
    else:
        data["facts"][fact] = value
    report = basic.evaluate(data)
    assert report.item(ITEM).status == "pass"  # the composite CV is good in every case
    assert report.verdict == expected


def _sec(students: int, full_time: int, above: int, mid: int) -> dict:
    return {
        "students": students,
        "teachers": {"full_time": full_time, "above_qualified": above, "mid_title": mid},
    }


def _fac(aux: float, gym: float, ground: float, equip: float, computers: int, books: int) -> dict:
    return {
        "teaching_aux_area": aux,
        "indoor_gym_area": gym,
        "sports_ground_area": ground,
        "equipment_value": equip,
        "computers": computers,
        "books": books,
    }


def _per_student(sec: dict, fac: dict) -> dict[str, Fraction]:
    """The eight indicator values of a single-section school, computed here from the raw numbers (no apportionment).

    The indoor gym is taken out of the floor area and added to the sports area (the pack's defaults: gym in floor
    area 0, in sports area 1). Values are per student; the pack shows some per 100 students, which does not change
    a CV.
    """
    p = Fraction(sec["students"])
    t = sec["teachers"]
    return {
        "B1_floor_area": (Fraction(fac["teaching_aux_area"]) - Fraction(fac["indoor_gym_area"])) / p,
        "B2_sports_area": (Fraction(fac["sports_ground_area"]) + Fraction(fac["indoor_gym_area"])) / p,
        "B3_equipment": Fraction(fac["equipment_value"]) / p,
        "B4_computers": Fraction(fac["computers"]) / p,
        "B5_books": Fraction(fac["books"]) / p,
        "B6_teacher_ratio": Fraction(t["full_time"]) / p,
        "B7_above_qualified": Fraction(t["above_qualified"]) / p,
        "B8_mid_title": Fraction(t["mid_title"]) / p,
    }


def _weighted_cv(values: list[Fraction], weights: list[int]) -> float:
    """STANDARDS.md §2 by hand: X̄ = ΣPX/ΣP, S² = ΣP(X−X̄)²/ΣP (divisor ΣP), CV = S/X̄. Exact until the square root."""
    total = sum(weights)
    mean = sum(Fraction(w) * x for w, x in zip(weights, values, strict=True)) / total
    var = sum(Fraction(w) * (x - mean) ** 2 for w, x in zip(weights, values, strict=True)) / total
    return math.sqrt(var) / float(mean)


def _composite(report: qbalance.Report, section: str):
    (comp,) = [c for c in report.item(ITEM).composite if c.section == section]
    return comp


def _cv(report: qbalance.Report, indicator: str, section: str):
    (cv,) = [s for s in report.indicator(indicator).sections if s.section == section]
    return cv


# ---------------------------------------------------------------------------------------------------------------------
# (1) The composite is the arithmetic mean of the eight weighted CVs, in each section.

PRIMARY = [
    # id, section, facilities: deliberately uneven, with an indoor gym, so every indicator has its own CV.
    ("P1", _sec(600, 33, 30, 12), _fac(3000, 300, 4200, 1_500_000, 40, 12_000)),
    ("P2", _sec(250, 16, 13, 7), _fac(1500, 0, 2500, 450_000, 12, 6_000)),
    ("P3", _sec(1200, 62, 51, 30), _fac(5400, 600, 7800, 3_300_000, 110, 30_000)),
]
JUNIOR = [
    ("J1", _sec(900, 70, 63, 40), _fac(6300, 500, 9000, 2_700_000, 95, 27_000)),
    ("J2", _sec(400, 29, 24, 11), _fac(2000, 0, 3600, 800_000, 30, 9_200)),
]


def test_composite_is_the_mean_of_the_eight_weighted_cvs(basic: qbalance.Standard) -> None:
    schools = [school(sid, "primary", sections={"primary": sec}, facilities=fac) for sid, sec, fac in PRIMARY]
    schools += [school(sid, "junior", sections={"junior": sec}, facilities=fac) for sid, sec, fac in JUNIOR]
    report = basic.evaluate(county(*schools))

    for section, rows in (("primary", PRIMARY), ("junior", JUNIOR)):
        weights = [sec["students"] for _, sec, _ in rows]
        values = [_per_student(sec, fac) for _, sec, fac in rows]
        expected = {iid: _weighted_cv([v[iid] for v in values], weights) for iid in INDICATORS}
        for iid in INDICATORS:
            got = _cv(report, iid, section)
            assert got.schools == len(rows)
            assert got.cv == pytest.approx(expected[iid], rel=1e-12), (section, iid)
            assert expected[iid] > 0  # every indicator really varies, so a dropped one would show
        composite = _composite(report, section)
        assert composite.cv == pytest.approx(sum(expected.values()) / 8, rel=1e-12)
        # and the composite is the mean of the per-indicator CVs the report itself shows
        shown = [_cv(report, iid, section).cv for iid in INDICATORS]
        assert composite.cv == pytest.approx(sum(shown) / 8, rel=1e-12)
        assert composite.cv_compared == composite.cv  # no rounding: the unrounded composite is compared
        assert composite.limit == {"primary": 0.65, "junior": 0.55}[section]
        assert composite.result == "pass"  # these schools are far from the limits (checked just below)
        assert composite.cv < 0.2
    assert report.item(ITEM).status == "pass"
    assert report.verdict == "pass"
    # Units as declared: B4 is per 100 students. County computers / students, by hand: (40+12+110)/2050 × 100.
    assert _cv(report, "B4_computers", "primary").county_value == pytest.approx(162 / 2050 * 100, rel=1e-12)
    # B6 is full-time teachers per 100 students: (33+16+62)/2050 × 100.
    assert _cv(report, "B6_teacher_ratio", "primary").county_value == pytest.approx(111 / 2050 * 100, rel=1e-12)


# ---------------------------------------------------------------------------------------------------------------------
# (2) Pass just under the limit, fail just over it.
#
# Two schools of 100 students each. School A has `a` units of everything, school B `b` units (per 100 students:
# a teachers of each kind, a computers, 100·a m² of floor and sports area, 10 000·a yuan, 100·a books), so each of the
# eight CVs is the same. With equal weights the CV of two values is |b − a| / (b + a) (mean (a+b)/2, S = |b−a|/2).
#   primary: a = 7, b = 33 → CV = 26/40 = 0.65, the primary limit;
#   junior:  a = 9, b = 31 → CV = 22/40 = 0.55, the junior limit.
# Then only school B's books move: B has 100·b + d books, so its books CV is (b − a + d/100) / (b + a + d/100) and
# composite = (7 · limit + books CV) / 8. d = ±1 is a change of about ±1.1e-5 in the composite; d = 0 is exactly at
# the limit, which passes ("≤").


def _pair(section: str, a: int, b: int, d_books: int) -> dict:
    """Two single-section schools (type primary or junior, like the section) with 100 students each."""

    def one(sid: str, n: int, extra_books: int) -> dict:
        return school(
            sid,
            section,
            sections={section: _sec(100, n, n, n)},
            facilities=_fac(100 * n, 0, 100 * n, 10_000 * n, n, 100 * n + extra_books),
        )

    return county(one("A", a, 0), one("B", b, d_books))


@pytest.mark.parametrize(
    ("section", "a", "b", "d_books", "expected"),
    [
        ("primary", 7, 33, -1, "pass"),  # books CV 25.99/39.99 = 0.6499125 → composite 0.6499891 ≤ 0.65
        ("primary", 7, 33, 0, "pass"),  # composite exactly 0.65: at the limit passes
        ("primary", 7, 33, 1, "fail"),  # books CV 26.01/40.01 = 0.6500875 → composite 0.6500109 > 0.65
        ("junior", 9, 31, -1, "pass"),  # books CV 21.99/39.99 = 0.5498875 → composite 0.5499859 ≤ 0.55
        ("junior", 9, 31, 0, "pass"),  # composite exactly 0.55
        ("junior", 9, 31, 1, "fail"),  # books CV 22.01/40.01 = 0.5501125 → composite 0.5500141 > 0.55
    ],
)
def test_composite_limit_pass_just_under_fail_just_over(
    basic: qbalance.Standard, section: str, a: int, b: int, d_books: int, expected: str
) -> None:
    limit = Fraction(b - a, b + a)
    books_cv = Fraction(100 * (b - a) + d_books, 100 * (b + a) + d_books)
    by_hand = (7 * limit + books_cv) / 8
    report = basic.evaluate(_pair(section, a, b, d_books))
    composite = _composite(report, section)
    assert composite.cv == pytest.approx(float(by_hand), rel=1e-12)
    assert composite.limit == float(limit)
    assert composite.result == expected
    assert report.item(ITEM).status == expected
    assert report.verdict == expected
    # the other section has no schools: not applicable, and it does not block the verdict
    other = "junior" if section == "primary" else "primary"
    assert _composite(report, other).result == "not_applicable"


# ---------------------------------------------------------------------------------------------------------------------
# (3) Scope: private schools, every teaching point (even one with 80 students) and special-education schools are out.


def test_private_schools_and_all_teaching_points_are_excluded(
    basic: qbalance.Standard, national: qbalance.Standard
) -> None:
    (p1, p1_sec, p1_fac), (p2, p2_sec, p2_fac), _ = PRIMARY
    counted = [
        school(p1, sections={"primary": p1_sec}, facilities=p1_fac),
        school(p2, sections={"primary": p2_sec}, facilities=p2_fac),
    ]
    # Wildly different values: if any of these were counted, every CV would change.
    private = school(
        "PR",
        ownership="private",
        sections={"primary": _sec(500, 80, 80, 80)},
        facilities=_fac(50_000, 0, 50_000, 9_000_000, 900, 200_000),
    )
    point = school(
        "TP80",
        "teaching_point",
        location="rural",
        sections={"primary": _sec(80, 2, 1, 0)},
        facilities=_fac(120, 0, 200, 20_000, 1, 300),
    )
    special = school(
        "SE",
        "special_education",
        sections={"primary": _sec(60, 20, 18, 10)},
        facilities=_fac(3000, 200, 2000, 900_000, 40, 5000),
    )
    report = basic.evaluate(county(*counted, private, point, special))
    excluded = {(e.school_id, e.reason_id) for e in report.excluded}
    assert excluded == {("PR", "private"), ("TP80", "teaching_point"), ("SE", "special_education")}
    for iid in INDICATORS:
        cv = _cv(report, iid, "primary")
        assert cv.schools == 2
        assert cv.students == 600 + 250
    # Same composite as a county of the two counted schools alone, and equal to the hand calculation.
    alone = basic.evaluate(county(*counted))
    values = [_per_student(p1_sec, p1_fac), _per_student(p2_sec, p2_fac)]
    by_hand = sum(_weighted_cv([v[i] for v in values], [600, 250]) for i in INDICATORS) / 8
    assert _composite(report, "primary").cv == pytest.approx(by_hand, rel=1e-12)
    assert _composite(alone, "primary").cv == pytest.approx(by_hand, rel=1e-12)
    # Contrast: the 2017 pack counts private schools and teaching points of 50 or more students.
    national_excluded = {
        (e.school_id, e.reason_id) for e in national.evaluate(county(*counted, private, point, special)).excluded
    }
    assert national_excluded == {("SE", "special_education")}


# ---------------------------------------------------------------------------------------------------------------------
# (4) Apportionment of shared computers and books by weighted students.


def test_nine_year_school_computers_and_books_are_apportioned_1_to_1_1(basic: qbalance.Standard) -> None:
    # A = 500 primary, B = 400 junior students; weights 1 : 1.1. Primary share = 500 / (500 + 1.1·400) = 500/940,
    # junior share = 440/940.
    # Computers 94: primary 94·500/940 = 50 → 50/500·100 = 10 per 100 students; junior 94·440/940 = 44 → 11 per 100.
    # Books 18 800: primary 18 800·500/940 = 10 000 → 20 per student; junior 8 800 → 22 per student.
    # (Unapportioned, each section would get all 94 computers: 18.8 and 23.5 per 100 — the double count.)
    nine = school(
        "N",
        "nine_year",
        sections={"primary": _sec(500, 28, 25, 10), "junior": _sec(400, 30, 26, 12)},
        facilities=_fac(4700, 0, 9400, 2_350_000, 94, 18_800),
    )
    report = basic.evaluate(county(nine))
    # One school per section, so the county value of each section is that section's value.
    assert _cv(report, "B4_computers", "primary").county_value == pytest.approx(10.0, rel=1e-12)
    assert _cv(report, "B4_computers", "junior").county_value == pytest.approx(11.0, rel=1e-12)
    assert _cv(report, "B5_books", "primary").county_value == pytest.approx(20.0, rel=1e-12)
    assert _cv(report, "B5_books", "junior").county_value == pytest.approx(22.0, rel=1e-12)
    # Not double counted: the shares add back to the whole school.
    assert 10.0 * 500 / 100 + 11.0 * 400 / 100 == 94
    # Floor area uses the same split: 4700·500/940/500 = 5 m² primary, 4700·440/940/400 = 5.5 m² junior.
    assert _cv(report, "B1_floor_area", "primary").county_value == pytest.approx(5.0, rel=1e-12)
    assert _cv(report, "B1_floor_area", "junior").county_value == pytest.approx(5.5, rel=1e-12)
    # Teachers are by section, never split: 30 full-time junior teachers for 400 students = 7.5 per 100.
    assert _cv(report, "B6_teacher_ratio", "junior").county_value == pytest.approx(7.5, rel=1e-12)


def test_complete_middle_school_books_use_1_to_1_2(basic: qbalance.Standard) -> None:
    # Junior 1000, senior 1000 students, weights 1 : 1.2: junior share = 1000 / (1000 + 1200) = 1000/2200.
    # Books 22 000 → junior 10 000 → 10 per student; computers 110 → junior 50 → 5 per 100 students.
    cm = school(
        "C",
        "complete_middle",
        sections={"junior": _sec(1000, 70, 60, 30), "senior": {"students": 1000}},
        facilities=_fac(12_760, 0, 22_440, 5_500_000, 110, 22_000),
    )
    report = basic.evaluate(county(cm))
    assert _cv(report, "B5_books", "junior").county_value == pytest.approx(10.0, rel=1e-12)
    assert _cv(report, "B4_computers", "junior").county_value == pytest.approx(5.0, rel=1e-12)


# ---------------------------------------------------------------------------------------------------------------------
# (5) Missing data is never a pass.


def test_missing_books_leave_the_composite_not_evaluated(basic: qbalance.Standard) -> None:
    (p1, p1_sec, p1_fac), (p2, p2_sec, p2_fac), _ = PRIMARY
    no_books = dict(p2_fac)
    del no_books["books"]
    report = basic.evaluate(
        county(
            school(p1, sections={"primary": p1_sec}, facilities=p1_fac),
            school(p2, sections={"primary": p2_sec}, facilities=no_books),
        )
    )
    books = _cv(report, "B5_books", "primary")
    assert books.cv is None
    assert books.missing_schools == [p2]
    assert _cv(report, "B4_computers", "primary").cv is not None  # the other indicators are still computed
    composite = _composite(report, "primary")
    assert composite.cv is None
    assert composite.result == "not_evaluated"
    assert report.item(ITEM).status == "not_evaluated"
    assert report.verdict == "incomplete"
    assert {m.item for m in report.missing} == {ITEM}


def test_demo_county_is_incomplete_without_computers_books_and_titles(basic: qbalance.Standard) -> None:
    # The demo county has no computers, books or mid-title counts: the 2012 pack cannot decide, so "incomplete".
    report = basic.evaluate(qbalance.demo_path())
    assert report.verdict == "incomplete"
    assert report.item(ITEM).status == "not_evaluated"
    for iid in ("B4_computers", "B5_books", "B8_mid_title"):
        assert all(s.cv is None for s in report.indicator(iid).sections)


def test_pack_lints_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "lint", PACK, "--lang", "en"]) == 0
    assert "0 warning(s)" in capsys.readouterr().out


def test_known_cvs_can_prove_a_composite_fails_even_with_one_missing(basic: qbalance.Standard) -> None:
    # Schools A (2 units per student everywhere) and B (38): every CV is (38-2)/(38+2) = 0.9 (by hand, as above:
    # two equal-size schools with values a and b have CV (b-a)/(b+a)). With books missing at B, the seven known CVs
    # already give a composite of at least 7·0.9/8 = 0.7875 > 0.65, whatever the books CV: a proven fail.
    data = _pair("primary", 2, 38, 0)
    del data["schools"][1]["facilities"]["books"]
    report = basic.evaluate(data)
    assert _cv(report, "B5_books", "primary").result == "not_evaluated"  # the missing CV is flagged, not hidden
    composite = _composite(report, "primary")
    assert composite.cv is None
    assert composite.result == "fail"
    assert report.verdict == "fail"
    # and with a closer pair (7 and 33 → 0.65 each) the seven known CVs give 7·0.65/8 = 0.56875 ≤ 0.65: undecided
    data = _pair("primary", 7, 33, 0)
    del data["schools"][1]["facilities"]["books"]
    assert _composite(basic.evaluate(data), "primary").result == "not_evaluated"
