"""qbalance: county compulsory-education balance standards (县域义务教育优质均衡发展) as checkable rules.

The public API is exactly what this module exports; everything in underscore modules is private. Names are
loaded on first use (PEP 562), so ``import qbalance`` stays cheap for tools that only need part of it.

>>> import qbalance
>>> report = qbalance.evaluate(qbalance.demo_path())          # the synthetic demo county, national standard
>>> report.verdict in ("pass", "fail", "incomplete")
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

_EXPORTS: dict[str, str] = {
    "AddResources": "._scenario",
    "BatchResult": "._batch",
    "CloseSchool": "._scenario",
    "Comparison": "._compare",
    "County": "._models",
    "Facilities": "._models",
    "InputError": "._errors",
    "MoveStudents": "._scenario",
    "OpenSchool": "._scenario",
    "PackError": "._errors",
    "Plan": "._plan",
    "Problem": "._errors",
    "QbalanceError": "._errors",
    "Report": "._report",
    "Scenario": "._scenario",
    "School": "._models",
    "Section": "._models",
    "SetFact": "._scenario",
    "SplitSchool": "._scenario",
    "Standard": "._standard",
    "TeacherCounts": "._models",
    "UnitError": "._errors",
    "aggregate_roster": "._roster",
    "apply_scenario": "._scenario",
    "compare_reports": "._compare",
    "demo_path": "._api",
    "evaluate": "._api",
    "evaluate_many": "._batch",
    "evaluate_scenario": "._compare",
    "load_county": "._api",
    "load_scenario": "._scenario",
    "load_standard": "._standard",
    "plan": "._api",
    "read_workbook": "._excel_read",
    "ureg": "._units",
    "weighted_cv": "._core",
    "write_template": "._excel_template",
}

__all__ = [
    "AddResources",
    "BatchResult",
    "CloseSchool",
    "Comparison",
    "County",
    "Facilities",
    "InputError",
    "MoveStudents",
    "OpenSchool",
    "PackError",
    "Plan",
    "Problem",
    "QbalanceError",
    "Report",
    "Scenario",
    "School",
    "Section",
    "SetFact",
    "SplitSchool",
    "Standard",
    "TeacherCounts",
    "UnitError",
    "__version__",
    "aggregate_roster",
    "apply_scenario",
    "compare_reports",
    "demo_path",
    "evaluate",
    "evaluate_many",
    "evaluate_scenario",
    "load_county",
    "load_scenario",
    "load_standard",
    "plan",
    "read_workbook",
    "ureg",
    "weighted_cv",
    "write_template",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qbalance' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from ._api import demo_path, evaluate, load_county, plan
    from ._batch import BatchResult, evaluate_many
    from ._compare import Comparison, compare_reports, evaluate_scenario
    from ._core import weighted_cv
    from ._errors import InputError, PackError, Problem, QbalanceError, UnitError
    from ._excel_read import read_workbook
    from ._excel_template import write_template
    from ._models import County, Facilities, School, Section, TeacherCounts
    from ._plan import Plan
    from ._report import Report
    from ._roster import aggregate_roster
    from ._scenario import (
        AddResources,
        CloseSchool,
        MoveStudents,
        OpenSchool,
        Scenario,
        SetFact,
        SplitSchool,
        apply_scenario,
        load_scenario,
    )
    from ._standard import Standard, load_standard
    from ._units import ureg
