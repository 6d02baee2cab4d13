"""qbalance: county compulsory-education balance standards (县域义务教育优质均衡发展) as checkable rules.

The public API is exactly what this module exports; everything in underscore modules is private.

>>> import qbalance
>>> report = qbalance.evaluate(qbalance.demo_path())          # the synthetic demo county, national standard
>>> report.verdict in ("pass", "fail", "incomplete")
True
"""

from ._api import demo_path, evaluate
from ._core import weighted_cv
from ._errors import InputError, PackError, Problem, QbalanceError, UnitError
from ._models import County, Facilities, School, Section, TeacherCounts
from ._report import Report
from ._standard import Standard, load_standard
from ._units import ureg
from ._version import __version__

__all__ = [
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
    "ureg",
    "weighted_cv",
]
