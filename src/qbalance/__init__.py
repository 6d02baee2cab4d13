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
    "BatchResult": "._batch",
    "County": "._models",
    "Facilities": "._models",
    "InputError": "._errors",
    "PackError": "._errors",
    "Plan": "._plan",
    "Problem": "._errors",
    "QbalanceError": "._errors",
    "Report": "._report",
    "School": "._models",
    "Section": "._models",
    "Standard": "._standard",
    "TeacherCounts": "._models",
    "UnitError": "._errors",
    "demo_path": "._api",
    "evaluate": "._api",
    "evaluate_many": "._batch",
    "load_standard": "._standard",
    "plan": "._api",
    "ureg": "._units",
    "weighted_cv": "._core",
}

__all__ = [
    "BatchResult",
    "County",
    "Facilities",
    "InputError",
    "PackError",
    "Plan",
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
    "evaluate_many",
    "load_standard",
    "plan",
    "ureg",
    "weighted_cv",
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
    from ._api import demo_path, evaluate, plan
    from ._batch import BatchResult, evaluate_many
    from ._core import weighted_cv
    from ._errors import InputError, PackError, Problem, QbalanceError, UnitError
    from ._models import County, Facilities, School, Section, TeacherCounts
    from ._plan import Plan
    from ._report import Report
    from ._standard import Standard, load_standard
    from ._units import ureg
