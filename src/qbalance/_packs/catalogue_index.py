"""The catalogue headers of the packs shipped with qbalance, read ahead of time into ``catalogue_index.json`` and
keyed by the SHA-256 of each pack file's bytes.

Choosing a pack needs the header (id, version, dates, titles, ``extends``) of every pack in the catalogue; parsing
each shipped pack's whole YAML for it took about 60 ms of every command's start. The index answers only for a file
whose bytes are exactly those it was made from: an edited pack, or any pack not shipped, has another digest and is
parsed as before. ``python tools/build_pack_index.py`` writes the index; tests/test_catalogue_index.py fails while
it is stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from .._base.derived_json import digest, dumps

__all__ = ["INDEX_PATH", "header_of", "index_text", "known_header"]

INDEX_PATH = Path(__file__).resolve().parent / "catalogue_index.json"

Header = dict[str, "str | None"]
"""A pack's catalogue header: ``id``, ``version``, ``effective``, ``expires`` (ISO dates, None when missing or not a
date), ``title_zh``, ``title_en``, ``extends``."""


def header_of(doc: dict[str, Any]) -> Header | None:
    """The catalogue header of a parsed pack document; None when it has no text id or no version."""
    pid, version = doc.get("id"), doc.get("version")
    if not isinstance(pid, str) or not isinstance(version, (str, int, float)):
        return None
    title = doc.get("title") if isinstance(doc.get("title"), dict) else {}
    assert isinstance(title, dict)
    title_en, extends = title.get("en"), doc.get("extends")
    return {
        "id": pid,
        "version": str(version),
        "effective": _iso_date(doc.get("effective")),
        "expires": _iso_date(doc.get("expires")),
        "title_zh": str(title.get("zh", pid)),
        "title_en": title_en if isinstance(title_en, str) else None,
        "extends": extends if isinstance(extends, str) else None,
    }


def _iso_date(raw: Any) -> str | None:
    """A header date as ISO text: a YAML date or ISO date text; None when missing or not a date."""
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(str(raw)).isoformat()
    except ValueError:
        return None


def known_header(raw: bytes) -> Header | None:
    """The header recorded for a pack file with exactly these bytes, or None when the index has none for them."""
    return _index().get(hashlib.sha256(raw).hexdigest())


_TEXT_KEYS = ("id", "version", "title_zh")
_OPTIONAL_KEYS = ("effective", "expires", "title_en", "extends")


@cache
def _index() -> dict[str, Header]:
    """The recorded headers by file digest, read once per process. A missing or unreadable index file, or an entry
    not of a header's form, answers nothing: those packs are parsed."""
    try:
        data = json.loads(INDEX_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    headers = data.get("headers") if isinstance(data, dict) else None
    if not isinstance(headers, dict):
        return {}
    return {sha256: header for sha256, header in headers.items() if _is_header(header)}


def _is_header(value: Any) -> bool:
    """Whether a recorded value has exactly a header's keys: text id, version and Chinese title; text or null else."""
    return (
        isinstance(value, dict)
        and set(value) == {*_TEXT_KEYS, *_OPTIONAL_KEYS}
        and all(isinstance(value[k], str) for k in _TEXT_KEYS)
        and all(value[k] is None or isinstance(value[k], str) for k in _OPTIONAL_KEYS)
    )


def index_text(packs: Iterable[tuple[str, bytes, Header | None]]) -> str:
    """The index file's text for the shipped packs given as (name, bytes, header): each header under its file's
    digest, with the digest of every file recorded (a pack without a header is not indexed)."""
    packs = sorted(packs, key=lambda p: p[0])
    headers = {hashlib.sha256(raw).hexdigest(): header for _, raw, header in packs if header is not None}
    return dumps(digest((name, raw) for name, raw, _ in packs), headers=headers)
