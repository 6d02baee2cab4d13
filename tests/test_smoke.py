"""The quick start works: the demo county evaluates and the public API is exactly the documented one."""

from __future__ import annotations

import qbalance

DOCUMENTED_API = {
    "BatchResult",
    "County",
    "Facilities",
    "InputError",
    "PackError",
    "Problem",
    "QbalanceError",
    "Report",
    "School",
    "Section",
    "Standard",
    "TeacherCounts",
    "UnitError",
    "__version__",
    "demo_path",
    "evaluate",
    "load_standard",
    "plan",
    "Plan",
    "evaluate_many",
    "ureg",
    "weighted_cv",
}


def test_public_api_is_exactly_the_documented_names() -> None:
    assert set(qbalance.__all__) == DOCUMENTED_API
    for name in qbalance.__all__:
        assert hasattr(qbalance, name)


def test_demo_county_evaluates_with_instructive_failures() -> None:
    report = qbalance.evaluate(qbalance.demo_path())
    assert report.county.synthetic is True
    assert report.verdict == "fail"
    failing = {s.school_id for s in report.schools if s.result == "fail"}
    assert failing == {"9999010024", "9999010035", "9999010057"}
