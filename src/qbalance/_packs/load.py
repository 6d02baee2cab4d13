"""Read a pack file safely and validate it against the pack schema, reporting every problem with its line."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._base.documents import PACK_LIMITS, Loaded, YamlRefused, load_yaml
from .._base.errors import PackError, Problem
from .._base.files import FileRefused, read_bounded
from .schema import Pack

__all__ = ["PackFile", "parse_pack_bytes", "read_pack_bytes", "read_pack_file", "validate_pack"]


@dataclass
class PackFile:
    """One pack file as read from disk: its path, raw document and source positions."""

    path: Path
    loaded: Loaded

    @property
    def doc(self) -> dict[str, Any]:
        data = self.loaded.data
        return data if isinstance(data, dict) else {}

    def locate(self, path: tuple[str | int, ...]) -> tuple[str | None, str | None]:
        return str(self.path), self.loaded.where(path)


def read_pack_file(path: Path) -> PackFile:
    """Load a pack file with the safe, bounded YAML loader; refuse anything that is not a mapping."""
    return parse_pack_bytes(path, read_pack_bytes(path))


def read_pack_bytes(path: Path) -> bytes:
    """The bytes of a pack file, its size checked before reading (FIFOs and devices refused): PackError if not."""
    try:
        return read_bounded(path, PACK_LIMITS.max_bytes)
    except FileRefused as exc:
        message = exc.problem.message.replace("file", "pack file", 1)
        raise PackError(dataclasses.replace(exc.problem, message=message)) from None


def parse_pack_bytes(path: Path, raw: bytes) -> PackFile:
    """A pack file's bytes (read from ``path``) through the safe, bounded YAML loader; a mapping, or PackError."""
    try:
        loaded = load_yaml(raw, str(path), PACK_LIMITS)
    except YamlRefused as exc:
        raise PackError(exc.problem) from None
    if not isinstance(loaded.data, dict):
        raise PackError(Problem("a pack file must be a YAML mapping (key: value)", source=str(path)))
    return PackFile(path, loaded)


def pydantic_problems(exc: ValidationError, locate: Any, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """Turn pydantic's errors into problems located in the source file."""
    out: list[Problem] = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        # drop pydantic's union/tag branch names (e.g. 'float', 'dict[str,float]') from the path
        clean: list[str | int] = [p for p in loc if not (isinstance(p, str) and ("[" in p or p in _TYPE_WORDS))]
        source, location = locate(tuple(clean))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown key {clean[-1]!r}"
        dotted = ".".join(str(p) for p in clean)
        value = err.get("input") if err["type"] != "extra_forbidden" else None
        if isinstance(value, (dict, list)):
            value = None
        out.append(Problem(message, source=source, location=location, path=dotted, value=value))
    return out


_TYPE_WORDS = {"float", "int", "str", "bool", "function-after", "function-before", "literal", "constrained-str"}


def validate_pack(doc: dict[str, Any], locate: Any) -> Pack:
    """Validate a (resolved) pack document; raise :class:`PackError` with every schema problem located."""
    try:
        return Pack.model_validate(doc)
    except ValidationError as exc:
        raise PackError(pydantic_problems(exc, locate)) from None
