"""The units table (``_units/units.json``) that spares a command pint's import: every entry is what pint computes
from ``units.txt`` (factor to the last bit, dimension with its text), a stale table is never used, and the pint-free
dimension algebra (:class:`Dims`) multiplies, divides, compares and prints as pint's ``UnitsContainer`` does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbalance._units import registry
from qbalance._units.dims import Dims
from qbalance._units.pint_import import pint

UNITS = Path(registry.__file__).resolve().parent


def test_every_entry_of_the_shipped_table_is_what_pint_computes() -> None:
    """When this fails after editing units.txt or a pack, run ``python tools/build_units.py``."""
    data = json.loads((UNITS / "units.json").read_text(encoding="utf-8"))
    table = registry.known_units()
    assert len(table) == len(data["units"]) > 30  # the table is in use: its digest matches units.txt
    for unit, (factor, dims) in table.items():
        q = registry._unit_quantity(unit)
        assert factor == float(q.to_base_units().magnitude), unit
        assert dims == Dims.of(q.dimensionality) and str(dims) == str(q.dimensionality), unit
        assert list(dims.items()) == [(str(k), v) for k, v in q.dimensionality.items()], unit  # pint's order


def test_the_shipped_packs_units_are_all_in_the_table() -> None:
    import qbalance

    for pack in ("cn-moe-2017", "cn-moe-2012-basic", "cn-yn-2022", "cn-yn-wenshan-2024"):
        units = {d.unit for d in qbalance.load_standard(pack).pack.inputs.values() if d.unit}
        assert units <= set(registry.known_units()), pack


def test_a_table_made_from_other_definitions_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(UNITS / "units.json", tmp_path / "units.json")
    text = (UNITS / "units.txt").read_text(encoding="utf-8")
    (tmp_path / "units.txt").write_text(text.replace("mu = 10000 / 15", "mu = 10000 / 16"), encoding="utf-8")
    monkeypatch.setattr(registry, "_HERE", tmp_path)
    assert registry.known_units.__wrapped__() == {}
    (tmp_path / "units.txt").write_text(text, encoding="utf-8")
    assert registry.known_units.__wrapped__()["亩"][0] == 10000 / 15


DIMS = ["[length]", "[student]", "[teacher]", "[currency]", "[room]"]
containers = st.dictionaries(st.sampled_from(DIMS), st.integers(-3, 3).filter(bool), max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(containers, st.booleans()), min_size=1, max_size=5))
def test_dims_algebra_is_pints(steps: list[tuple[dict[str, int], bool]]) -> None:
    """A chain of products and quotients gives the same dimension, in the same order, with the same text."""
    first = steps[0][0]
    ours, theirs = Dims(first.items()), pint.util.UnitsContainer(first)
    for d, multiply in steps[1:]:
        ours = ours * Dims(d.items()) if multiply else ours / Dims(d.items())
        theirs = theirs * pint.util.UnitsContainer(d) if multiply else theirs / pint.util.UnitsContainer(d)
    assert ours == Dims.of(theirs) and ours == dict(theirs.items())
    assert list(ours.items()) == list(theirs.items())
    assert str(ours) == str(theirs) and registry.format_dims(ours) == (str(theirs) or "dimensionless")


def test_conversions_into_a_base_unit_from_the_table_are_pints() -> None:
    """A data cell in one unit read into a field's base unit ("3.2 万元" into yuan) converts by the given unit's
    factor from the table: for every such pair of the table, that is pint's own quotient to the last bit."""
    table = registry.known_units()
    pairs = [(g, u) for g in table for u in table if table[u][0] == 1.0 and table[g][1] == table[u][1]]
    assert len(pairs) > 30
    for cell_unit, unit in pairs:
        quotient = (registry._unit_quantity(cell_unit) / registry._unit_quantity(unit)).to_base_units().magnitude
        assert registry._conversion_factor(cell_unit, unit) == float(quotient), (cell_unit, unit)
