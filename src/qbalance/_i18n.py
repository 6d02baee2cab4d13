"""Human-facing words for renderers: Chinese first, English available. Identifiers stay English everywhere."""

from __future__ import annotations

from ._models import CATEGORY_LABELS

__all__ = ["STATUS", "VERDICT", "WORDS", "category", "word"]

VERDICT = {
    "pass": ("通过", "PASS"),
    "fail": ("未通过", "FAIL"),
    "incomplete": ("数据不全,无法认定", "INCOMPLETE"),
}
STATUS = {
    "pass": ("达标", "pass"),
    "fail": ("未达标", "fail"),
    "not_evaluated": ("未评估(缺数据)", "not evaluated"),
    "not_applicable": ("不适用", "n/a"),
}
WORDS = {
    "title": ("评估报告", "evaluation report"),
    "county": ("县(市、区)", "County"),
    "standard": ("评估标准", "Standard"),
    "verdict": ("结论", "Verdict"),
    "areas": ("评估领域", "Areas"),
    "items": ("评估项目", "Items"),
    "indicators": ("指标与校际差异系数", "Indicators and between-school CVs"),
    "schools": ("各校达标情况", "Schools"),
    "excluded": ("未纳入计算的学校", "Schools left out"),
    "warnings": ("数据提示", "Warnings"),
    "vetoes": ("一票否决事项", "Veto findings"),
    "missing": ("缺失数据", "Missing data"),
    "indicator": ("指标", "Indicator"),
    "section": ("学段", "Section"),
    "school": ("学校", "School"),
    "students": ("学生数", "Students"),
    "schools_n": ("校数", "Schools"),
    "county_value": ("县域值", "County value"),
    "threshold": ("标准", "Threshold"),
    "cv": ("差异系数", "CV"),
    "limit": ("上限", "Limit"),
    "result": ("结果", "Result"),
    "met": ("达标项", "Met"),
    "shortfalls": ("未达标指标(值/标准)", "Unmet (value/threshold)"),
    "reason": ("原因", "Reason"),
    "synthetic": ("(合成示例数据)", "(synthetic demo data)"),
    "input_digest": ("数据摘要", "Input digest"),
    "pack_hash": ("标准摘要", "Pack hash"),
    "item": ("项目", "Item"),
    "status": ("状态", "Status"),
    "area": ("领域", "Area"),
    "version": ("版本", "version"),
    "below_floor": ("低于下限", "below floor"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def word(key: str, lang: str = "zh") -> str:
    """A fixed word or heading in ``lang``."""
    return _pick(WORDS[key], lang)


def category(field: str, value: str, lang: str = "zh") -> str:
    """The label of a category value (school type, location, section...)."""
    pair = CATEGORY_LABELS.get(field, {}).get(value)
    return _pick(pair, lang) if pair else value
