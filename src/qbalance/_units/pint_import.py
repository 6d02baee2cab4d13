"""pint, imported without its Dask integration: import it from here (``from .pint_import import pint``).

pint imports all of ``dask`` at start when Dask is installed (0.1–0.2 s of every command), and qbalance's units never
meet a Dask array. While pint is first imported, ``dask`` is marked absent (``sys.modules["dask"] = None``, which
:func:`importlib.util.find_spec` reads as "not installed"); the mark is removed at once. Dask itself is unaffected
(``import dask`` works as before); only pint's Dask support is off in a process where qbalance imported pint first.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["pint"]

_modules: Any = sys.modules
_hide_dask = "pint" not in sys.modules and "dask" not in sys.modules
if _hide_dask:
    _modules["dask"] = None
try:
    import pint
finally:
    if _hide_dask and "dask" in sys.modules and sys.modules["dask"] is None:
        del _modules["dask"]
