"""The domain's fixed words: school types, ownerships, locations and sections, with the Chinese names users write.

Shared by the models that read county data, the pack compiler that checks category comparisons, and the renderers
that label results. Data only: no behaviour.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "ALLOWED_SECTIONS",
    "CATEGORY_LABELS",
    "LOCATIONS",
    "LOCATION_ZH",
    "MAX_SECTION_STUDENTS",
    "OWNERSHIPS",
    "OWNERSHIP_ZH",
    "SCHOOL_TYPES",
    "SCHOOL_TYPE_ZH",
    "SECTIONS",
    "SECTION_ZH",
    "Location",
    "Ownership",
    "SchoolType",
    "SectionName",
]

SchoolType = Literal[
    "primary", "junior", "nine_year", "twelve_year", "complete_middle", "teaching_point", "special_education"
]
Ownership = Literal["public", "private"]
Location = Literal["urban", "town", "rural"]
SectionName = Literal["primary", "junior", "senior"]

SCHOOL_TYPES: tuple[str, ...] = (
    "primary",
    "junior",
    "nine_year",
    "twelve_year",
    "complete_middle",
    "teaching_point",
    "special_education",
)
OWNERSHIPS: tuple[str, ...] = ("public", "private")
LOCATIONS: tuple[str, ...] = ("urban", "town", "rural")
SECTIONS: tuple[str, ...] = ("primary", "junior")
"""The compulsory-education sections evaluated; a ``senior`` section is read only to apportion shared facilities."""

# Chinese names accepted for categories (the documented synonyms; anything else is an error).
SCHOOL_TYPE_ZH = {
    "小学": "primary",
    "初中": "junior",
    "初级中学": "junior",
    "九年一贯制": "nine_year",
    "九年一贯制学校": "nine_year",
    "十二年一贯制": "twelve_year",
    "十二年一贯制学校": "twelve_year",
    "完全中学": "complete_middle",
    "教学点": "teaching_point",
    "特殊教育学校": "special_education",
    "特教学校": "special_education",
}
OWNERSHIP_ZH = {"公办": "public", "民办": "private"}
LOCATION_ZH = {"城区": "urban", "镇区": "town", "乡村": "rural", "农村": "rural"}
SECTION_ZH = {"小学": "primary", "初中": "junior", "高中": "senior"}

CATEGORY_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "school_type": {
        "primary": ("小学", "primary school"),
        "junior": ("初中", "junior secondary school"),
        "nine_year": ("九年一贯制学校", "nine-year school"),
        "twelve_year": ("十二年一贯制学校", "twelve-year school"),
        "complete_middle": ("完全中学", "complete middle school"),
        "teaching_point": ("教学点", "teaching point"),
        "special_education": ("特殊教育学校", "special-education school"),
    },
    "ownership": {"public": ("公办", "public"), "private": ("民办", "private")},
    "location": {"urban": ("城区", "urban"), "town": ("镇区", "town"), "rural": ("乡村", "rural")},
    "section": {"primary": ("小学", "primary"), "junior": ("初中", "junior"), "senior": ("高中", "senior")},
}


MAX_SECTION_STUDENTS = 50_000
"""More students than this in one section is refused as implausible (the largest Chinese schools stay far below)."""

ALLOWED_SECTIONS: dict[str, tuple[set[str], set[str]]] = {
    # school type: (sections it must have, sections it may have)
    "primary": ({"primary"}, {"primary"}),
    "junior": ({"junior"}, {"junior"}),
    "nine_year": ({"primary", "junior"}, {"primary", "junior"}),
    "twelve_year": ({"primary", "junior", "senior"}, {"primary", "junior", "senior"}),
    "complete_middle": ({"junior", "senior"}, {"junior", "senior"}),
    "teaching_point": (set(), {"primary", "junior"}),
    "special_education": (set(), {"primary", "junior"}),
}
