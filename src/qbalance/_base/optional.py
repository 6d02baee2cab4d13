"""Optional dependencies: import them only when a feature needs them, with a one-line message when missing."""

from __future__ import annotations

import importlib
from typing import Any

from .errors import QbalanceError

__all__ = ["MissingExtra", "require"]


class MissingExtra(QbalanceError, ImportError):
    """A feature needs an optional package that is not installed."""


def require(module: str, extra: str) -> Any:
    """Import ``module`` or raise :class:`MissingExtra` saying which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        raise MissingExtra(f"{top} is needed for this: pip install 'qbalance[{extra}]'") from None
