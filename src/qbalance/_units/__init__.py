"""The one pint unit registry (built from ``units.txt``, data not code) and the reading of quantities with units into
canonical float values; dimensions and conversion factors for the pack compiler.

May import: ``_base``. Internal: the public API is what ``qbalance`` exports.

pint is imported here without its Dask integration: pint imports all of ``dask`` at start when Dask is installed
(0.1–0.2 s of every command), and qbalance's units never meet a Dask array. While pint is first imported,
``dask`` is marked absent (``sys.modules["dask"] = None``, which :func:`importlib.util.find_spec` reads as "not
installed"); the mark is removed at once. Dask itself is unaffected (``import dask`` works as before); only pint's
Dask support is off in a process where qbalance imported pint first.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any


def _import_pint_without_dask() -> None:
    if "pint" in sys.modules or "dask" in sys.modules:
        return
    modules: Any = sys.modules
    modules["dask"] = None
    try:
        importlib.import_module("pint")
    finally:
        if "dask" in sys.modules and sys.modules["dask"] is None:
            del modules["dask"]


_import_pint_without_dask()
