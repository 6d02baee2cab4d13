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
    "AddResources": "._workflow.scenario",
    "BatchResult": "._api.batch",
    "CloseSchool": "._workflow.scenario",
    "Comparison": "._report.compare",
    "County": "._data.models",
    "Facilities": "._data.models",
    "History": "._workflow.history.store",
    "HistoryError": "._workflow.history.database",
    "InputError": "._base.errors",
    "LedgerData": "._report.ledger_model",
    "MoveStudents": "._workflow.scenario",
    "OpenSchool": "._workflow.scenario",
    "PackError": "._base.errors",
    "Plan": "._report.plan",
    "Problem": "._base.errors",
    "QbalanceError": "._base.errors",
    "Report": "._report.report",
    "Scenario": "._workflow.scenario",
    "School": "._data.models",
    "Section": "._data.models",
    "SetFact": "._workflow.scenario",
    "SplitSchool": "._workflow.scenario",
    "Standard": "._api.standard",
    "TeacherCounts": "._data.models",
    "TrendsData": "._report.ledger_model",
    "UnitError": "._base.errors",
    "aggregate_roster": "._data.roster",
    "apply_scenario": "._workflow.scenario",
    "compare_reports": "._report.compare",
    "demo_path": "._api.evaluate",
    "evaluate": "._workflow.looking_back",
    "evaluate_many": "._api.batch",
    "evaluate_scenario": "._workflow.scenario_eval",
    "load_county": "._api.evaluate",
    "load_scenario": "._workflow.scenario",
    "load_standard": "._api.standard",
    "plan": "._workflow.plan",
    "read_workbook": "._data.workbook",
    "ureg": "._units.registry",
    "weighted_cv": "._kernels.numeric",
    "write_template": "._workflow.template",
}

__all__ = [
    "AddResources",
    "BatchResult",
    "CloseSchool",
    "Comparison",
    "County",
    "Facilities",
    "History",
    "HistoryError",
    "InputError",
    "LedgerData",
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
    "TrendsData",
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
    from ._api.batch import BatchResult, evaluate_many
    from ._api.evaluate import demo_path, load_county
    from ._api.standard import Standard, load_standard
    from ._base.errors import InputError, PackError, Problem, QbalanceError, UnitError
    from ._data.models import County, Facilities, School, Section, TeacherCounts
    from ._data.roster import aggregate_roster
    from ._data.workbook import read_workbook
    from ._kernels.numeric import weighted_cv
    from ._report.compare import Comparison, compare_reports
    from ._report.ledger_model import LedgerData, TrendsData
    from ._report.plan import Plan
    from ._report.report import Report
    from ._units.registry import ureg
    from ._workflow.history.database import HistoryError
    from ._workflow.history.store import History
    from ._workflow.looking_back import evaluate
    from ._workflow.plan import plan
    from ._workflow.scenario import (
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
    from ._workflow.scenario_eval import evaluate_scenario
    from ._workflow.template import write_template
