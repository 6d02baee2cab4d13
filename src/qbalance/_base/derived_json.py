"""Package data derived ahead of time into JSON (the message catalogue, the units table), trusted only while the
SHA-256 it records is the digest of the sources it was made from: a stale or missing file is never used, and the
sources are read instead. Reading the JSON spares a command's start the slow way (parsing YAML, importing pint)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["digest", "dumps", "load_if_current"]


def digest(parts: Iterable[tuple[str, bytes]]) -> str:
    """The SHA-256 of named byte strings (names, lengths and bytes, in the order given)."""
    h = hashlib.sha256()
    for name, data in parts:
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def load_if_current(path: Path, sha256: str) -> dict[str, Any] | None:
    """The JSON object at ``path`` when it records ``sha256``; None when the file is missing or stale."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) and data.get("sha256") == sha256 else None


def dumps(sha256: str, **payload: Any) -> str:
    """The text of a derived JSON file: the digest of its sources and its payload (stable: keys sorted)."""
    return json.dumps({"sha256": sha256, **payload}, ensure_ascii=False, indent=0, sort_keys=True) + "\n"
