"""The package's single pint registry, and the helpers that read quantities from input.

Units are checked once (when a pack loads and when data is read) and then erased: the numeric core runs on bare
float64 arrays in each field's canonical unit. Definitions live in ``units.txt`` beside this module (data, not code).

pint is imported only when a unit is not in ``units.json``: the factor and dimension of every unit the shipped packs,
data model and common data cells write, computed by pint from ``units.txt`` (``python tools/build_units.py``) and used
only while the SHA-256 it records matches ``units.txt`` — importing pint is some 0.1–0.2 s of every command's start.
Tests check every entry against pint.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .._base.derived_json import digest, load_if_current
from .._base.errors import UnitError
from .._base.messages import Dimension, Unit, msg
from .dims import Dims

__all__ = ["Dims", "canonical_factor", "dims_of", "format_dims", "known_units", "parse_quantity", "units_digest"]

_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _registry() -> Any:
    """The one unit registry of qbalance: metre, yuan (元, 万元), 亩, and counting units (student, teacher, room,
    class) — made, and pint imported, on first use."""
    from .pint_import import pint

    text = (_HERE / "units.txt").read_text(encoding="utf-8")
    registry: Any = pint.UnitRegistry(None, cache_folder=None, autoconvert_offset_to_baseunit=False)
    registry.load_definitions(text.splitlines())
    return registry


def __getattr__(name: str) -> Any:
    if name == "ureg":  # the public pint registry (qbalance.ureg), made when asked for
        return _registry()
    raise AttributeError(name)


@lru_cache(maxsize=1)
def known_units() -> dict[str, tuple[float, Dims]]:
    """Unit text → (factor to base units, dimension), from ``units.json`` when it was made from this ``units.txt``;
    empty otherwise (every unit then goes to pint)."""
    data = load_if_current(_HERE / "units.json", units_digest())
    if data is None:
        return {}
    return {str(k): (float(f), Dims((str(d), e) for d, e in dims)) for k, (f, dims) in data["units"].items()}


def units_digest() -> str:
    """The digest of ``units.txt`` that ``units.json`` records."""
    return digest([("units.txt", (_HERE / "units.txt").read_bytes())])


_MAX_UNIT_TEXT = 200
# A number (ASCII digits only: '٣' is not 3): digits grouped in threes by commas ("4,500.5"), or plain digits;
# then the unit text.
_NUMBER_UNIT = re.compile(
    r"^\s*([-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9,])(?:\.[0-9]*)?|[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
    r"\s*(.*?)\s*$",
    re.S,
)
_UNIT_CHARS = re.compile(r"^[\w\s/*^().²³%‰·×㎡-]*$", re.UNICODE)


def _clean_unit(text: str) -> str:
    text = text.replace("·", "*").replace("×", "*").replace("²", "**2").replace("³", "**3")
    return text.replace("㎡", "m**2").replace("^", "**")


@lru_cache(maxsize=512)
def _unit_quantity(unit: str) -> Any:
    """The pint quantity '1 unit' for a unit expression such as ``teacher / (100 student)`` (cached)."""
    from .grammar import read_unit

    if len(unit) > _MAX_UNIT_TEXT or not _UNIT_CHARS.match(unit):
        raise UnitError(msg("units.not_a_unit", unit=unit))
    ureg = _registry()
    text = _clean_unit(unit).strip()
    if text in ("", "1"):
        return ureg.Quantity(1.0)
    q = read_unit(unit, text, ureg)  # qbalance's own grammar: pint only ever sees single registered names
    if not isinstance(q, ureg.Quantity):
        q = ureg.Quantity(float(q))
    return q


@lru_cache(maxsize=1024)
def dims_of(unit: str) -> Dims:
    """The dimensionality of a unit expression, e.g. ``[length]**2 / [student]`` for ``m² / student``."""
    known = known_units().get(unit)
    return known[1] if known is not None else Dims.of(_unit_quantity(unit).dimensionality)


@lru_cache(maxsize=1024)
def canonical_factor(unit: str) -> float:
    """How many base units one ``unit`` is: 10000 for 万元, 0.01 for ``teacher / (100 student)`` (cached: a unit
    error is raised again on every call, never cached)."""
    known = known_units().get(unit)
    if known is not None:
        return known[0]
    try:
        factor = float(_unit_quantity(unit).to_base_units().magnitude)
    except (OverflowError, ZeroDivisionError):
        raise UnitError(msg("units.out_of_range", unit=unit)) from None
    if not math.isfinite(factor) or factor == 0:
        raise UnitError(msg("units.out_of_range", unit=unit))
    return factor


@lru_cache(maxsize=1024)
def _conversion_factor(given: str, unit: str) -> float:
    """How many ``unit`` one ``given`` is (the same dimension), once per pair of units: a nation's cells of
    "3.2 万元" convert with one factor (OverflowError and ZeroDivisionError pass through, uncached). Into a base unit
    that is the given unit's own factor (pint's own division, checked by the tests); otherwise pint divides."""
    table = known_units()
    if given in table and unit in table and table[unit][0] == 1.0:
        return table[given][0]
    return float((_unit_quantity(given) / _unit_quantity(unit)).to_base_units().magnitude)


def format_dims(dims: Dims) -> str:
    """A readable dimensionality such as ``[length] ** 2 / [student]`` (``dimensionless`` if empty)."""
    text = str(dims)  # pint's formatter, pint imported only for this text
    return text if text else "dimensionless"


_CONTEXT_WORDS = {
    ("人", "student"): "student",
    ("名", "student"): "student",
    ("人", "teacher"): "teacher",
    ("名", "teacher"): "teacher",
    ("个", "class_"): "class_",
    ("个", "room"): "room",
    ("台", "device"): "device",
}
"""Counting words that name a unit only by context (人 counts students or teachers, 个 classes or rooms): accepted
for a field of exactly that unit, as the data-entry template's headers write them ("在校学生数 (人)")."""


def parse_quantity(value: Any, unit: str, *, allow_plain_string: bool = False) -> float:
    """Read ``value`` as a magnitude in ``unit``.

    Plain numbers are taken to be in ``unit`` already (the field's canonical unit). Strings must carry a unit of the
    same dimension ("3.2 万元", "2 亩", "4500 m²") and are converted. NaN, infinity, booleans and unit-less strings
    are refused: nothing is coerced silently.
    """
    if isinstance(value, bool):
        raise UnitError(msg("units.boolean", unit=Unit(unit)))
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int with hundreds of digits
            raise UnitError(msg("units.number_too_large", digits=len(str(abs(value))))) from None
        if not math.isfinite(number):
            raise UnitError(msg("units.not_finite"))
        return number
    if not isinstance(value, str):
        raise UnitError(msg("units.not_a_number", kind=type(value).__name__))
    match = _NUMBER_UNIT.match(value)
    if not match:
        raise UnitError(msg("units.unreadable", value=value, unit=Unit(unit)))
    number_text, unit_text = match.group(1).replace(",", ""), match.group(2)
    if unit_text.startswith(","):
        raise UnitError(msg("units.bad_separator", value=value))
    if not unit_text:
        if allow_plain_string:
            return float(number_text)
        raise UnitError(msg("units.no_unit", value=value, unit=Unit(unit)))
    unit_text = _CONTEXT_WORDS.get((unit_text.strip(), unit.strip()), unit_text)
    try:
        source = dims_of(unit_text)
    except UnitError as exc:
        raise UnitError(msg("units.cannot_read", value=value, detail=exc.msg or str(exc))) from None
    target = dims_of(unit)
    canonical_factor(unit_text)  # refuses out-of-range factors
    if source != target:
        raise UnitError(
            msg(
                "units.wrong_dimension",
                value=value,
                given=unit_text,
                given_dims=Dimension(format_dims(source)),
                unit=Unit(unit),
                unit_dims=Dimension(format_dims(target)),
            )
        )
    try:
        factor = _conversion_factor(unit_text, unit)
    except (OverflowError, ZeroDivisionError):
        raise UnitError(msg("units.value_out_of_range", value=value)) from None
    number = float(number_text) * factor
    if not math.isfinite(number):
        raise UnitError(msg("units.too_large", value=value))
    return number
