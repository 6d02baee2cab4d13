"""How a county's data and a report are stored: UTF-8 JSON, its sha256 and size, compressed with zlib; and how they
are read back from an untrusted file: size checked before reading, decompression bounded, hash verified, and the
JSON validated by the same pydantic models as any input.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from pydantic import ValidationError

from ..._base.documents import DATA_LIMITS
from ..._base.messages import Msg, msg
from .database import HistoryError

if TYPE_CHECKING:  # imported when a document is decoded: listing records needs neither (nor pint)
    from ..._data.models import County
    from ..._report.report import Report

__all__ = [
    "COUNTY_FORMAT",
    "MAX_COUNTY_BYTES",
    "MAX_REPORT_BYTES",
    "Blob",
    "decode_county",
    "decode_report",
    "encode_county",
    "encode_report",
    "inflate",
    "sha256_text",
]

COUNTY_FORMAT: Final = "qbalance-county/1"
MAX_COUNTY_BYTES: Final = DATA_LIMITS.max_bytes
"""The largest county JSON read back (uncompressed): the size limit of a county file."""
MAX_REPORT_BYTES: Final = 512_000_000
"""The largest report JSON read back (uncompressed)."""
_LEVEL: Final = 6


@dataclass(frozen=True)
class Blob:
    """A document as stored: compressed bytes, the sha256 (``sha256:<hex>``) and size of the uncompressed UTF-8 JSON."""

    data: bytes
    sha256: str
    size: int


def sha256_text(data: bytes) -> str:
    """``sha256:<hex>``, the form every hash in the database (and in reports) takes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _blob(text: str) -> Blob:
    raw = text.encode("utf-8")
    return Blob(zlib.compress(raw, _LEVEL), sha256_text(raw), len(raw))


def encode_county(county: County) -> Blob:
    """The county as stored: its model's JSON (every value in canonical units), compressed."""
    return _blob(county.model_dump_json())


def encode_report(report: Report) -> Blob:
    """The report as stored: its JSON without indentation (``show --format json`` indents it again), compressed."""
    return _blob(report.to_json(indent=None))


def _inflate(data: bytes, limit: int, what: Msg) -> bytes | None:
    """The decompressed bytes, or None when they would be more than ``limit`` (decompression stops there)."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, limit + 1)
        if len(out) > limit or d.unconsumed_tail:
            return None
        out += d.flush()
    except zlib.error as exc:
        raise HistoryError(msg("history.damaged_value", what=what, detail=str(exc))) from None
    if len(out) > limit:
        return None
    if not d.eof or d.unused_data:
        raise HistoryError(msg("history.damaged_value", what=what, detail=msg("history.detail.incomplete")))
    return out


def inflate(data: bytes, limit: int, what: Msg) -> bytes:
    """The decompressed bytes of ``data``, refusing (``HistoryError``) more than ``limit`` bytes of output, a
    truncated stream or trailing bytes; a zip bomb is stopped after ``limit`` bytes, not expanded."""
    out = _inflate(data, limit, what)
    if out is None:
        raise HistoryError(msg("history.too_large", what=what, limit=str(limit)))
    return out


def _checked(data: bytes, sha256: str, size: int, limit: int, what: Msg) -> bytes:
    """The stored bytes, decompressed no further than their recorded size (itself within ``limit``) and checked
    against their recorded sha256."""
    if size > limit:
        raise HistoryError(msg("history.too_large", what=what, limit=str(limit)))
    raw = _inflate(data, size, what)
    if raw is None or len(raw) != size or sha256_text(raw) != sha256:
        raise HistoryError(msg("history.damaged_value", what=what, detail=msg("history.detail.hash")))
    return raw


def decode_county(data: bytes, sha256: str, size: int, what: Msg) -> County:
    """The stored county, verified and validated (a tampered or damaged value is a ``HistoryError``)."""
    from ..._data.models import County

    raw = _checked(data, sha256, size, MAX_COUNTY_BYTES, what)
    try:
        return County.model_validate_json(raw)
    except (ValidationError, ValueError) as exc:
        raise HistoryError(msg("history.damaged_value", what=what, detail=_first_error(exc))) from None


def decode_report(data: bytes, sha256: str, size: int, what: Msg) -> Report:
    """The stored report, verified and validated against the report model (which admits ``qbalance-report/1``
    only)."""
    from ..._report.report import Report

    raw = _checked(data, sha256, size, MAX_REPORT_BYTES, what)
    try:
        report = Report.model_validate_json(raw)
    except (ValidationError, ValueError) as exc:
        raise HistoryError(msg("history.damaged_value", what=what, detail=_first_error(exc))) from None
    return report


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        if errors:
            first = errors[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            return f"{where}: {first.get('msg', '')}"[:300]
    return str(exc)[:300]
