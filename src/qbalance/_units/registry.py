"""The package's single pint registry, and the helpers that read quantities from input.

Units are checked once (when a pack loads and when data is read) and then erased: the numeric core runs on bare
float64 arrays in each field's canonical unit. Definitions live in ``units.txt`` beside this module (data, not code).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from .._base.errors import UnitError
from .._base.messages import Dimension, Unit, msg
from .grammar import read_unit
from .pint_import import pint

__all__ = ["Dims", "canonical_factor", "dims_of", "format_dims", "parse_quantity", "ureg"]

Dims = Any  # pint.util.UnitsContainer, kept loose for typing


def _make_registry() -> pint.UnitRegistry[Any]:
    text = resources.files("qbalance._units").joinpath("units.txt").read_text(encoding="utf-8")
    registry: pint.UnitRegistry[Any] = pint.UnitRegistry(None, cache_folder=None, autoconvert_offset_to_baseunit=False)
    registry.load_definitions(text.splitlines())
    return registry


ureg: pint.UnitRegistry[Any] = _make_registry()
"""The one unit registry of qbalance: metre, yuan (元, 万元), 亩, and counting units (student, teacher, room, class)."""

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
def _unit_quantity(unit: str) -> pint.Quantity[Any]:
    """The quantity '1 unit' for a unit expression such as ``teacher / (100 student)`` (cached)."""
    if len(unit) > _MAX_UNIT_TEXT or not _UNIT_CHARS.match(unit):
        raise UnitError(msg("units.not_a_unit", unit=unit))
    text = _clean_unit(unit).strip()
    if text in ("", "1"):
        return ureg.Quantity(1.0)
    q = read_unit(unit, text, ureg)  # qbalance's own grammar: pint only ever sees single registered names
    if not isinstance(q, ureg.Quantity):
        q = ureg.Quantity(float(q))
    return q


def dims_of(unit: str) -> Dims:
    """The dimensionality of a unit expression, e.g. ``[length]**2 / [student]`` for ``m² / student``."""
    return _unit_quantity(unit).dimensionality


@lru_cache(maxsize=1024)
def canonical_factor(unit: str) -> float:
    """How many base units one ``unit`` is: 10000 for 万元, 0.01 for ``teacher / (100 student)`` (cached: a unit
    error is raised again on every call, never cached)."""
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
    "3.2 万元" convert with one factor (OverflowError and ZeroDivisionError pass through, uncached)."""
    return float((_unit_quantity(given) / _unit_quantity(unit)).to_base_units().magnitude)


def format_dims(dims: Dims) -> str:
    """A readable dimensionality such as ``[length] ** 2 / [student]`` (``dimensionless`` if empty)."""
    text = str(dims)
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
        source = _unit_quantity(unit_text)
    except UnitError as exc:
        raise UnitError(msg("units.cannot_read", value=value, detail=exc.msg or str(exc))) from None
    target = _unit_quantity(unit)
    canonical_factor(unit_text)  # refuses out-of-range factors
    if source.dimensionality != target.dimensionality:
        raise UnitError(
            msg(
                "units.wrong_dimension",
                value=value,
                given=unit_text,
                given_dims=Dimension(format_dims(source.dimensionality)),
                unit=Unit(unit),
                unit_dims=Dimension(format_dims(target.dimensionality)),
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
