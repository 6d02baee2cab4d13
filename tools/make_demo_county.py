"""Generate the synthetic demo county shipped with qbalance (src/qbalance/data/demo-county.yaml).

The county is SYNTHETIC: names, codes and numbers are invented, shaped like a real county (about 60 schools across
urban, town and rural areas, nine-year schools, a complete middle school, teaching points above and below 50
students, a special-education school). A few schools fail in instructive ways, documented in each school's `note`.
Deterministic: the same script gives the same file. Run:  python tools/make_demo_county.py
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import yaml

OUT = Path(__file__).resolve().parents[1] / "src" / "qbalance" / "data" / "demo-county.yaml"
THR = {
    "primary": {"R1": 4.2, "R2": 1.0, "R3": 0.9, "R4": 4.5, "R5": 7.5, "R6": 2000, "R7": 2.3},
    "junior": {"R1": 5.3, "R2": 1.0, "R3": 0.9, "R4": 5.8, "R5": 10.2, "R6": 2500, "R7": 2.4},
}
WEIGHT = {"primary": 1.0, "junior": 1.1, "senior": 1.32}
rng = np.random.default_rng(20241128)

TOWNS = ["东城", "西城", "南关", "北山", "河口", "石桥", "青龙", "白马", "龙潭", "平坝", "新街", "马鞍"]
VILLAGES = [
    "大寨",
    "小河",
    "松林",
    "岩脚",
    "坪子",
    "水井",
    "竹园",
    "梨树",
    "杉木",
    "桃源",
    "核桃",
    "箐口",
    "田坝",
    "凉水",
    "麻栗",
    "团结",
    "红岩",
    "新寨",
    "营盘",
    "老街",
    "木厂",
    "龙井",
    "三岔",
    "花椒",
]


def ratios(base: tuple[float, float]) -> dict[str, float]:
    return {k: float(rng.uniform(*base)) for k in THR["primary"]}


def school(
    sid: str,
    name: str,
    stype: str,
    location: str,
    sections: dict[str, int],
    r: dict[str, dict[str, float]],
    ownership: str = "public",
    note: str | None = None,
    boarding: bool | None = None,
) -> dict:
    """Build one school; r[section][indicator] = value ÷ threshold wanted for that section."""
    secs: dict[str, dict] = {}
    for sec, students in sections.items():
        if sec == "senior":
            secs[sec] = {"students": students}
            continue
        t = THR[sec]
        rr = r[sec]
        full_time = math.ceil(students / (19 if sec == "primary" else 13.5)) + 1
        above = min(full_time, math.ceil(t["R1"] * rr["R1"] * students / 100))
        backbone = min(full_time, math.ceil(t["R2"] * rr["R2"] * students / 100))
        pe_art = min(full_time, math.ceil(t["R3"] * rr["R3"] * students / 100))
        size = 45 if sec == "primary" else 50
        classes = max(1, math.ceil(students / (size - 4)))
        secs[sec] = {
            "students": students,
            "classes": classes,
            "teachers": {"full_time": full_time, "above_qualified": above, "backbone": backbone, "pe_art": pe_art},
        }
    weighted = sum(WEIGHT[s] * p for s, p in sections.items())
    fac = {}
    for key, ind, unit in (
        ("teaching_aux_area", "R4", 1),
        ("sports_ground_area", "R5", 1),
        ("equipment_value", "R6", 1),
        ("multimedia_classrooms", "R7", 100),
    ):
        # The shared total that gives each evaluated section at least its wanted value after apportionment:
        # value_s = F * w_s / Σ w·P  →  F = max_s (wanted_s * Σ w·P / w_s)
        need = max(THR[s][ind] * r[s][ind] * weighted / WEIGHT[s] / unit for s in sections if s != "senior")
        if key == "multimedia_classrooms":
            fac[key] = max(1, math.ceil(need))
        elif key == "equipment_value":
            fac[key] = f"{math.ceil(need / 100) / 100:.2f} 万元"
        else:
            fac[key] = float(math.ceil(need))
    total = sum(p for s, p in sections.items() if s != "senior")
    gym = 0.0 if total < 300 else float(round(total * 0.35))
    fac["indoor_gym_area"] = gym
    # the indoor gym is counted in the sports area (pack default), so take it out of the outdoor ground; the
    # statistics report it inside the teaching and auxiliary floor area, which the pack then subtracts it from
    fac["sports_ground_area"] = max(0.0, fac["sports_ground_area"] - gym)
    fac["teaching_aux_area"] = fac["teaching_aux_area"] + gym
    # facts for the government-guarantee and quality items
    classes_total = sum(v["classes"] for k, v in secs.items() if k != "senior")
    special = stype == "special_education"
    for sec, body in secs.items():
        if sec == "senior":
            continue
        size = 45 if sec == "primary" else 50
        body["facts"] = {
            "max_class_size": min(size, math.ceil(body["students"] / body["classes"]) + int(rng.integers(0, 4)))
        }
    norm = {"primary": 720, "junior": 940, "senior": 1100}
    budget = sum(norm[k] * max(p, 0) for k, p in sections.items())
    if stype in ("primary", "teaching_point") and location == "rural" and total < 100:
        budget = norm["primary"] * 100  # funded as if it had 100 students
    if special:
        budget = 6500 * total
    rooms = max(1, math.ceil(classes_total / 12))
    facts = {
        "music_rooms": rooms,
        "art_rooms": rooms,
        "music_room_smallest_area": float(rng.integers(96, 130)),
        "art_room_smallest_area": float(rng.integers(90, 120)),
        "public_funds_budget": f"{budget / 10000:.2f} 万元",
        "training_spend": f"{budget * float(rng.uniform(0.06, 0.12)) / 10000:.2f} 万元",
        "has_charter": True,
        "information_management": True,
        "moral_education_rating": "优秀" if rng.uniform() < 0.3 else "良好",
    }
    out = {"id": sid, "name": name, "type": stype, "ownership": ownership, "location": location}
    if boarding is not None:
        out["boarding"] = boarding
    out["sections"] = secs
    out["facilities"] = fac
    out["facts"] = facts
    if note:
        out["note"] = note
    return out


def good(lo: float = 1.08, hi: float = 1.6) -> dict[str, float]:
    return ratios((lo, hi))


def build() -> dict:
    schools: list[dict] = []
    n = 0

    def nid() -> str:
        nonlocal n
        n += 1
        return f"99990100{n:02d}"

    # urban primary schools (one oversized)
    for i in range(6):
        students = int(rng.integers(1500, 2000)) if i else 2380
        r = {"primary": good(1.1, 1.7)}
        note = None
        if i == 0:
            r["primary"]["R4"] = 0.9
            note = "城区大校额:生均教学及辅助用房为标准的90%,7项中6项达标且余项高于85%,该项仍达标(示例)"
        schools.append(school(nid(), f"示例城区第{i + 1}小学", "primary", "urban", {"primary": students}, r, note=note))
    schools.append(
        school(
            nid(),
            "示例城区实验小学(民办)",
            "primary",
            "urban",
            {"primary": 960},
            {"primary": good(1.1, 1.5)},
            ownership="private",
        )
    )
    # urban junior schools: rich in backbone teachers (pulls the junior R2 CV up)
    for i in range(3):
        r = {"junior": good(1.1, 1.5)}
        r["junior"]["R2"] = float(rng.uniform(3.0, 3.6))
        schools.append(
            school(nid(), f"示例城区第{i + 1}中学", "junior", "urban", {"junior": int(rng.integers(1200, 1900))}, r)
        )
    # urban nine-year schools
    for i in range(2):
        r = {"primary": good(1.1, 1.5), "junior": good(1.1, 1.5)}
        r["junior"]["R2"] = float(rng.uniform(2.8, 3.4))
        schools.append(
            school(
                nid(),
                f"示例城区第{i + 1}九年一贯制学校",
                "nine_year",
                "urban",
                {"primary": int(rng.integers(900, 1300)), "junior": int(rng.integers(600, 900))},
                r,
            )
        )
    # complete middle school (junior part evaluated; senior students apportion shared facilities)
    r = {"junior": good(1.1, 1.4)}
    r["junior"]["R2"] = 3.2
    schools.append(
        school(
            nid(),
            "示例县第一中学(完全中学)",
            "complete_middle",
            "urban",
            {"junior": 1450, "senior": 1820},
            r,
            note="完全中学:初中部与高中部按1:1.2折算分摊校舍、场地与设备",
        )
    )
    # town schools
    for i in range(8):
        r = {"primary": good(1.05, 1.45)}
        students = int(rng.integers(400, 1200))
        note = None
        if i == 3:
            r["primary"] = {k: 1.0 for k in THR["primary"]}
            students = 1000
            note = "各项指标恰好等于标准值(如1000名学生、42名高学历教师=4.2):达到即为达标(示例)"
        schools.append(
            school(nid(), f"示例{TOWNS[i]}镇中心小学", "primary", "town", {"primary": students}, r, note=note)
        )
    for i in range(5):
        r = {"junior": good(1.05, 1.4)}
        r["junior"]["R2"] = float(rng.uniform(1.0, 1.3))
        note = None
        if i == 2:
            r["junior"]["R2"] = 0.92
            r["junior"]["R3"] = 0.88
            note = "骨干教师与体艺教师两项未达标(均高于85%),7项中仅5项达标:不达标(示例)"
        schools.append(
            school(
                nid(),
                f"示例{TOWNS[i + 8 if i + 8 < len(TOWNS) else i]}镇中学",
                "junior",
                "town",
                {"junior": int(rng.integers(500, 1500))},
                r,
                note=note,
                boarding=True,
            )
        )
    for i in range(4):
        r = {"primary": good(1.05, 1.4), "junior": good(1.05, 1.4)}
        r["junior"]["R2"] = float(rng.uniform(1.0, 1.25))
        schools.append(
            school(
                nid(),
                f"示例{TOWNS[(i + 4) % len(TOWNS)]}镇九年一贯制学校",
                "nine_year",
                "town",
                {"primary": int(rng.integers(300, 700)), "junior": int(rng.integers(250, 600))},
                r,
                boarding=True,
            )
        )
    # rural primary schools
    for i in range(18):
        r = {"primary": good(1.02, 1.35)}
        note = None
        if i == 4:
            r["primary"]["R6"] = 0.8
            note = "生均教学仪器设备值仅为标准的80%,低于85%的下限:不达标(示例)"
        if i == 9:
            r["primary"]["R5"] = 0.88
            note = "生均体育运动场馆面积为标准的88%:7项中6项达标,余项不低于85%,达标(示例)"
        schools.append(
            school(
                nid(),
                f"示例{VILLAGES[i]}小学",
                "primary",
                "rural",
                {"primary": int(rng.integers(100, 480))},
                r,
                note=note,
            )
        )
    # rural nine-year schools
    for i in range(6):
        r = {"primary": good(1.02, 1.3), "junior": good(1.02, 1.3)}
        r["junior"]["R2"] = float(rng.uniform(1.0, 1.15))
        schools.append(
            school(
                nid(),
                f"示例{VILLAGES[i + 18]}九年一贯制学校",
                "nine_year",
                "rural",
                {"primary": int(rng.integers(200, 450)), "junior": int(rng.integers(150, 400))},
                r,
                boarding=True,
            )
        )
    # teaching points: five with 50 or more students (counted), three below 50 (left out)
    for i, students in enumerate([96, 74, 63, 58, 50, 45, 28, 12]):
        r = {"primary": good(1.02, 1.4)}
        note = None
        if students == 63:
            r["primary"]["R7"] = 0.5  # one room for 63 students: 1.59 per 100, 69% of 2.3
            note = "教学点网络多媒体教室不足(标准的70%):不达标(示例)"
        if students == 50:
            note = "恰好50名学生的教学点纳入计算(不足50人才排除)"
        if students < 50:
            note = "学生数不足50人的教学点,不纳入资源配置指标计算"
        schools.append(
            school(nid(), f"示例{VILLAGES[i]}村教学点", "teaching_point", "rural", {"primary": students}, r, note=note)
        )
    # special-education school (left out of the resource indicators)
    schools.append(
        school(
            nid(),
            "示例县特殊教育学校",
            "special_education",
            "urban",
            {"primary": 86, "junior": 41},
            {"primary": good(1.0, 1.2), "junior": good(1.0, 1.2)},
            note="特殊教育学校不纳入资源配置指标计算",
        )
    )
    # instructive failures outside the resource area
    big = schools[0]  # the oversized urban primary school (2380 students > 2000)
    big["sections"]["primary"]["facts"]["max_class_size"] = 52  # a class above 45
    schools[14]["facts"]["training_spend"] = (
        f"{float(schools[14]['facts']['public_funds_budget'].split()[0]) * 0.04:.2f} 万元"
    )
    # notes are documentation of the synthetic data, not input
    for s in schools:
        s.pop("note", None)
    full_time = sum(
        sec.get("teachers", {}).get("full_time", 0)
        for s in schools
        for k, sec in s["sections"].items()
        if k != "senior"
    )
    facts = {
        "public_funds_norm_primary": 720,
        "layout_planning": {"value": "良好", "evidence": "县域学校布局规划(2021—2025)经县政府批准并公开(示例)"},
        "unified_building_standard": True,
        "unified_staffing_standard": True,
        "unified_funding_baseline": True,
        "unified_equipment_standard": True,
        "teacher_salary_avg": "9.86 万元",
        "civil_servant_salary_avg": "9.72 万元",
        "performance_pay_fully_approved": True,
        "training_360h_completion_rate": 1.0,
        "staffing_allocation": "合格",
        "rotation_eligible_teachers": 1620,
        "rotation_teachers": 178,
        "rotation_backbone_teachers": 41,
        "teachers_with_certificate": full_time,
        "nearby_enrolment_rate_primary": 1.0,
        "nearby_enrolment_rate_junior": "97.2%",
        "quality_quota_share": "55%",
        "quota_tilted_to_rural": True,
        "left_behind_care": "良好",
        "migrant_public_share": "91.3%",
        "junior_retention_rate": "97.1%",
        "disabled_enrolment_rate": "96.4%",
        "it_application": "良好",
        "curriculum_delivery": "良好",
        "homework_burden": "合格",
        "monitoring_level3_met": True,
        "monitoring_difference_rate": 0.12,
        "satisfaction_rate": "91.2%",
        "exam_based_admission": False,
        "illegal_school_choice": False,
        "key_schools_or_classes": False,
        "unfilled_posts_or_contract_teachers": False,
        "major_incident": False,
        "falsified_data": False,
    }
    return {
        "format": "qbalance-county/1",
        "code": "999901",
        "name": "示例县(合成数据)",
        "year": 2024,
        "synthetic": True,
        "note": (
            "SYNTHETIC demo data generated by tools/make_demo_county.py; not a real county. 合成示例数据,非真实县。"
        ),
        "facts": facts,
        "schools": schools,
    }


def main() -> None:
    data = build()
    header = (
        "# qbalance demo county — SYNTHETIC DATA (合成示例数据), generated by tools/make_demo_county.py.\n"
        "# Codes starting 9999 are not real. Some schools fail on purpose; see docs/demo-county.md.\n"
    )
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
    OUT.write_text(header + text, encoding="utf-8")
    print(f"wrote {OUT} ({len(data['schools'])} schools)")


if __name__ == "__main__":
    main()
