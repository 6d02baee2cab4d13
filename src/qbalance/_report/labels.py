"""Human-facing words for renderers: Chinese first, English available. Identifiers stay English everywhere."""

from __future__ import annotations

from .._base.vocabulary import CATEGORY_LABELS

__all__ = [
    "PLAN_REASON",
    "STATUS",
    "UNITS",
    "VERDICT",
    "WORDS",
    "category",
    "input_label",
    "status_word",
    "unit_word",
    "veto_word",
    "word",
]

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
    # reports (Markdown, HTML, Excel)
    "summary": ("概要", "Summary"),
    "problems": ("问题清单", "Problem list"),
    "plan": ("整改方案", "Rectification plan"),
    "charts": ("各校指标值与标准", "School values against thresholds"),
    "cv_chart": ("校际差异系数与上限", "Between-school CVs against their limits"),
    "school_id": ("学校代码", "School ID"),
    "school_name": ("学校名称", "School name"),
    "value": ("指标值", "Value"),
    "ratio": ("达成比例", "Share of threshold"),
    "shortfall": ("缺口", "Shortfall"),
    "unit": ("单位", "Unit"),
    "addition": ("需增加", "To add"),
    "tolerated": ("按规则容许", "Tolerated"),
    "tolerated_note": (
        "“按规则容许”:该校已达到至少{k}项指标,此项不低于标准的{floor},按“{k}/{n}”规则不影响该校达标。",
        "“Tolerated”: the school meets at least {k} indicators and this one is at least {floor} of its threshold, "
        "so the {k}-of-{n} rule lets it fall short.",
    ),
    "school_result": ("学校结果", "School result"),
    "met_of": ("达标项数", "Met"),
    "floor_line": ("下限", "floor"),
    "threshold_line": ("标准线", "threshold"),
    "county_mean": ("县域均值", "county value"),
    "top_contributors": ("拉高差异系数的学校", "Schools pulling the CV up"),
    "share": ("方差占比", "share of variance"),
    "cv_compared": ("比较值", "Compared"),
    "std": ("标准差", "Std. dev."),
    "composite": ("综合差异系数", "Composite CV"),
    "source": ("依据", "Source"),
    "details": ("未达标项目明细", "Details of items not passed"),
    "other_problems": ("学校层面其他未达标项目", "Other items not met at schools"),
    "detail": ("说明", "Detail"),
    "input": ("投入项", "Input"),
    "amount": ("数量", "Amount"),
    "total": ("合计", "Total"),
    "plan_totals": ("全县合计", "County totals"),
    "plan_schools": ("各校需增加", "Additions per school"),
    "plan_cv": ("整改前后差异系数", "CVs before and after the plan"),
    "cv_before": ("整改前", "Before"),
    "cv_after": ("整改后", "After"),
    "verdict_before": ("整改前结论", "Verdict before"),
    "verdict_after": ("整改后结论(方案只涉及资源配置项目)", "Verdict after the plan (it covers resource items only)"),
    "whole_school": ("全校(共用设施)", "whole school (shared)"),
    "items_after": ("整改后项目状态", "Items after the plan"),
    "not_planned": ("方案无法弥补的缺口", "Gaps the plan cannot close"),
    "plan_mismatch": ("整改方案与报告不是同一个县", "the plan is for a different county than the report"),
    "failing_items": ("未通过的项目", "Items not passed"),
    "none": ("无", "none"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "scope": ("范围", "Scope"),
    "field": ("字段", "Field"),
    "message": ("提示", "Message"),
    "key": ("项目", "Key"),
    "code": ("代码", "Code"),
    "year": ("年度", "Year"),
    "pack": ("标准包", "Pack"),
    "no_data": ("无数据", "no data"),
    "chart_desc": (
        "{indicator}({section}):{n}所学校的指标值,按从低到高排列;虚线为标准{threshold},点线为下限{floor}。",
        "{indicator} ({section}): {n} schools' values, lowest first; dashed line: threshold {threshold}; "
        "dotted line: floor {floor}.",
    ),
    "chart_caption": ("{section}:{n}所学校,其中{unmet}所未达标", "{section}: {n} schools, {unmet} below the threshold"),
    "chart_caption_plain": ("{section}:{n}所学校", "{section}: {n} schools"),
    "legend_met": ("达标", "met"),
    "legend_tolerated": ("未达标(容许)", "unmet (tolerated)"),
    "legend_unmet": ("未达标", "unmet"),
    "legend_below_floor": ("低于下限", "below floor"),
    "generated_by": ("由 qbalance 生成", "generated by qbalance"),
    "kind": ("类型", "Kind"),
    "count": ("数量", "Count"),
}

VETO_STATUS = {"pass": ("未发现", "not found"), "fail": ("存在(否决)", "FOUND (veto)")}

PLAN_REASON = {
    "threshold": ("达到标准", "reach the threshold"),
    "floor": ("达到下限(容许项)", "reach the floor (tolerated indicator)"),
    "balance": ("降低差异系数", "lower the CV"),
}

UNITS = {
    "teacher": ("人", "teachers"),
    "room": ("间", "rooms"),
    "m**2": ("平方米", "m²"),
    "yuan": ("元", "yuan"),
    "student": ("人", "students"),
    "device": ("台", "devices"),
    "book": ("册", "books"),
    "class": ("个", "classes"),
    "class_": ("个", "classes"),
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


def status_word(status: str, lang: str = "zh") -> str:
    """The label of a status (pass, fail, not_evaluated, not_applicable) or verdict."""
    pair = STATUS.get(status) or VERDICT.get(status)
    return _pick(pair, lang) if pair else status


def veto_word(status: str, lang: str = "zh") -> str:
    """A veto item 'passes' when the finding is absent; say so plainly."""
    pair = VETO_STATUS.get(status)
    return _pick(pair, lang) if pair else status_word(status, lang)


_SINGULAR = {"teachers": "teacher", "rooms": "room", "students": "student", "devices": "device", "books": "book",
             "classes": "class"}  # fmt: skip


def unit_word(unit: str | None, lang: str = "zh", amount: float | None = None) -> str:
    """A counting or physical unit as a person writes it (人, 间, 平方米, 元...); unknown units as given. In English,
    an ``amount`` of exactly 1 takes the singular (1 teacher, 2 teachers)."""
    if not unit:
        return ""
    pair = UNITS.get(unit)
    if not pair:
        return unit
    text = _pick(pair, lang)
    return _SINGULAR.get(text, text) if lang == "en" and amount == 1 else text


def input_label(name: str | None, lang: str = "zh") -> str:
    """The label of a standard input (``teachers.backbone``, ``facilities.equipment_value``); others as given."""
    if not name:
        return ""
    from pydantic import BaseModel

    from .._data.models import Facilities, TeacherCounts

    group, _, field = name.partition(".")
    models: dict[str, type[BaseModel]] = {"teachers": TeacherCounts, "facilities": Facilities}
    model = models.get(group)
    info = model.model_fields.get(field) if model is not None else None
    if info is None:
        return name
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    zh = extra.get("label_zh")
    if lang == "en":
        return info.description or name
    return zh if isinstance(zh, str) else name
