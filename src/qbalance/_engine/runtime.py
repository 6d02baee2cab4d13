"""The runtime that compiled pack expressions run against: a table's columns, the pack's parameters, a memo of
computed names, and the movement of values between levels (down to sections, up by aggregation, apportioned shares).

A previous-year value (``previous.x``) is ``x`` computed the same way over the previous year's table — by a runtime
of its own, so inputs, computed inputs, derived values and indicators all read alike — and carried to the rows of
this year's table (a county to itself, a school to the school with the same id, a section to the same section);
missing where there is no such row, or no previous year at all.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._data.previous import PreviousData
from .._data.table import Table
from .._dsl.compile import Compiled
from .._kernels.numeric import all_missing, apportion_shares, constant_column, group_reduce
from .._packs.compile import CompiledPack
from .._packs.lookback import base_name, is_previous

__all__ = ["Runtime"]


class Runtime:
    """Implements the DSL runtime protocol over a table, with a memo of computed names."""

    def __init__(self, table: Table, cp: CompiledPack, previous: PreviousData | None = None) -> None:
        self.table = table
        self.cp = cp
        self.previous = previous
        self._before: Runtime | None = None
        self.tol = cp.tolerance
        self.cache: dict[str, np.ndarray] = {}
        self._missing: dict[str, bool] = {}
        sec = table.levels["section"]
        school_of = table.ancestor("school", "section")
        stype = table.levels["school"].columns["school_type"].astype(np.int64)
        sec_code = sec.columns["section"].astype(np.int64)
        weights = cp.apportion_weights
        row_w = weights[stype[school_of], sec_code] if sec.n else np.zeros(0)
        senior_w = weights[stype, 2] * table.levels["school"].columns["senior_students"]
        self.shares = apportion_shares(sec.columns["students"], row_w, school_of, senior_w)

    def level_of(self, name: str) -> str:
        sym = self.cp.table.symbols.get(name)
        if sym is None:
            raise KeyError(name)
        return sym.level

    def full(self, c: Compiled, level: str) -> np.ndarray:
        n = self.table.levels[level].n
        if c.missing is not None and c.missing(self):  # every input it needs is missing everywhere
            return constant_column(n)
        v = np.asarray(c.fn(self), dtype=np.float64)
        if v.ndim == 0:
            return constant_column(n, float(v))
        return v

    def value(self, name: str) -> np.ndarray:
        cached = self.cache.get(name)
        if cached is not None:
            return cached
        if is_previous(name):
            before = self.before()
            out = self._carried(before.value(base_name(name)) if before is not None else None, self.level_of(name))
        elif name in self.cp.derived:
            c = self.cp.derived[name]
            out = self.full(c, self.level_of(name))
        elif name in self.cp.indicators:
            out = self.full(self.cp.indicators[name].value, "section")
        else:
            out = self.table.levels[self.level_of(name)].columns[name]
            if name in self.cp.fallbacks:
                out = np.where(np.isnan(out), self.usable(name), out)  # a typed value is used as it is
        self.cache[name] = out
        return out

    def missing_everywhere(self, name: str) -> bool:
        """Whether ``name`` is missing on every row (an input no county gave; a derived value or indicator whose
        inputs are), decided once per name. Names read from the previous year and inputs the pack can compute are
        never taken as missing here: they are computed."""
        known = self._missing.get(name)
        if known is None:
            if is_previous(name) or name in self.cp.fallbacks:
                known = False
            elif name in self.cp.derived:
                c = self.cp.derived[name]
                known = c.missing is not None and c.missing(self)
            elif name in self.cp.indicators:
                c = self.cp.indicators[name].value
                known = c.missing is not None and c.missing(self)
            else:
                known = all_missing(self.table.levels[self.level_of(name)].columns[name])
            self._missing[name] = known
        return known

    def before(self) -> Runtime | None:
        """The runtime of the previous year's table (None when no county's previous year is known)."""
        if self._before is None and self.previous is not None and self.previous.table is not None:
            self._before = Runtime(self.previous.table, self.cp)
        return self._before

    def _carried(self, values: np.ndarray | None, level: str) -> np.ndarray:
        """Previous-year ``values`` (rows of the previous table at ``level``) on the rows of this table."""
        out = np.full(self.table.levels[level].n, np.nan)
        if values is None or self.previous is None:
            return out
        idx = self.previous.rows[level]
        known = idx >= 0
        out[known] = values[idx[known]]
        return out

    def computed(self, name: str) -> np.ndarray:
        """The value of an input computed by the pack (``inputs.X.computed``) on every row, typed or not, as the
        expression gives it (in base units, like the table's columns; NaN or ±inf where it cannot be computed)."""
        key = f"{name}\x00computed"
        cached = self.cache.get(key)
        if cached is None:
            decl = self.cp.pack.inputs[name]
            cached = self.cache[key] = self.full(self.cp.fallbacks[name], decl.level)
        return cached

    def usable(self, name: str) -> np.ndarray:
        """:meth:`computed`, with NaN where it is not finite or falls outside the input's declared range (counts
        that give a rate above 100% are wrong counts, never a pass)."""
        decl = self.cp.pack.inputs[name]
        out = self.computed(name)
        factor = self.cp.input_factors.get(name, 1.0)
        low = -np.inf if decl.min is None else decl.min * factor
        high = np.inf if decl.max is None else decl.max * factor
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(out) & (out >= low) & (out <= high), out, np.nan)

    def param(self, name: str) -> Any:
        sym = self.cp.table.params[name]
        if sym.by is None:
            return sym.value
        table = self.cp.param_tables[name]
        codes = self.value(sym.by)
        out = np.full(codes.shape, np.nan)
        ok = ~np.isnan(codes)
        out[ok] = table[codes[ok].astype(np.int64)]
        return out

    def down(self, values: np.ndarray, src: str, dst: str) -> np.ndarray:
        out: np.ndarray = np.asarray(values)[self.table.ancestor(src, dst)]
        return out

    def share(self, name: str, dst: str) -> np.ndarray:
        if is_previous(name):  # the previous year's section share of the previous year's school amount
            before = self.before()
            out = self._carried(before.share(base_name(name), "section") if before else None, "section")
            return out if dst == "section" else self.down(out, "section", dst)
        whole = self.value(name)
        out = whole[self.table.ancestor("school", "section")] * self.shares
        return out if dst == "section" else self.down(out, "section", dst)

    def up(self, values: np.ndarray, src: str, dst: str, op: str) -> np.ndarray:
        return group_reduce(values, self.table.ancestor(dst, src), self.table.levels[dst].n, op)
