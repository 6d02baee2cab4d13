"""How much of an input closes a gap: the slope of each indicator with respect to the input a plan would add to.

Slopes come from the pack's own compiled expressions, evaluated once with the input raised by one unit, so the
shortfall of every indicator (apportionment and all) is computed the way the indicator itself is. Indicators in
qbalance's packs are linear in their addition input; that is checked (a second step must change the value by the
same amount), and a non-linear indicator gets no shortfall rather than a wrong one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .._data.table import Level, Table
from .._packs.compile import CompiledPack
from .runtime import Runtime

__all__ = ["Slopes", "indicator_slopes", "needed_addition"]


@dataclass(frozen=True)
class Slopes:
    """For one indicator: the input that closes its gaps, its level, unit, and the change of the indicator (in its
    declared unit) per unit of that input, per section row."""

    indicator: str
    input: str
    level: str
    unit: str
    integer: bool
    per_unit: np.ndarray


def _with_column(table: Table, level: str, name: str, values: np.ndarray) -> Table:
    lv = table.levels[level]
    cols = dict(lv.columns)
    cols[name] = values
    levels = dict(table.levels)
    levels[level] = Level(lv.n, lv.parent_index, cols)
    return replace(table, levels=levels, _anc=dict(table._anc))


def indicator_slopes(table: Table, cp: CompiledPack, indicator: str) -> Slopes | None:
    """Slopes of ``indicator`` with respect to its ``addition`` input, or None if it has none or is not linear."""
    ind = cp.indicators[indicator]
    name = ind.spec.addition
    if name is None or name not in cp.pack.inputs:
        return None
    decl = cp.pack.inputs[name]
    factor = cp.input_factors.get(name, 1.0)
    base_col = table.levels[decl.level].columns[name]

    def value_with(delta: float) -> np.ndarray:
        t = _with_column(table, decl.level, name, base_col + delta * factor)
        rt = Runtime(t, cp)
        return rt.full(ind.value, "section") / ind.factor

    v0, v1, v2 = value_with(0.0), value_with(1.0), value_with(2.0)
    s1, s2 = v1 - v0, v2 - v1
    with np.errstate(invalid="ignore"):
        linear = np.isclose(s1, s2, rtol=1e-6, atol=1e-12) | np.isnan(s1)
    if not bool(np.all(linear)):
        return None
    return Slopes(indicator, name, decl.level, decl.unit, decl.integer, s1)


def needed_addition(gap: float, slope: float, integer: bool) -> float | None:
    """Units of input that raise an indicator by ``gap`` (declared units), rounded up; None if it cannot."""
    if not math.isfinite(gap) or not math.isfinite(slope) or slope <= 0:
        return None
    if gap <= 0:
        return 0.0
    amount = gap / slope
    # whole units, rounded up; a hair of floating-point excess is not a missing unit
    return float(math.ceil(amount - 1e-9 * max(1.0, amount)))
