"""Optional dependencies: import them only when a feature needs them, with a one-line message when missing that
says what to install (the distribution is ``qbalance-edu``: ``pip install "qbalance-edu[excel]"``)."""

from __future__ import annotations

import importlib
from typing import Any

from .errors import QbalanceError
from .messages import Msg, msg

__all__ = ["DISTRIBUTION", "MissingExtra", "require"]

DISTRIBUTION = "qbalance-edu"
"""The name qbalance is installed by (``pip install qbalance-edu``); ``qbalance`` on the package index is another
project. The import name and the command stay ``qbalance``."""


class MissingExtra(QbalanceError, ImportError):
    """A feature needs an optional package that is not installed; the message says which extra to install, in the
    current language when shown (``str``) and in English as the exception's argument."""

    def __init__(self, message: Msg) -> None:
        self.hint = message
        super().__init__(message.text("en"))

    def __str__(self) -> str:
        return self.hint.text()


def require(module: str, extra: str) -> Any:
    """Import ``module`` or raise :class:`MissingExtra` saying which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        raise MissingExtra(msg("optional.missing", module=top, distribution=DISTRIBUTION, extra=extra)) from None
