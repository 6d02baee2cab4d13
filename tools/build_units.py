"""Write src/qbalance/_units/units.json: the factor and dimension, computed by pint from units.txt, of every unit the
shipped packs, the data model and common data cells write (run after editing units.txt or adding a pack).

    python tools/build_units.py

qbalance reads a unit from this table instead of importing pint (0.1–0.2 s of a command's start) only while the
SHA-256 it records matches units.txt; any other unit goes to pint. tests/test_units_table.py checks every entry
against pint, and that the table is current.
"""

from __future__ import annotations

from pathlib import Path

import qbalance
from qbalance._base.derived_json import dumps
from qbalance._units import registry

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "qbalance" / "_units" / "units.json"

# units written in data cells ("3.2 万元", "2 亩", "4500 m²") and in the templates' headers
CELL_UNITS = [
    *("元", "万元", "千元", "亿元", "yuan", "CNY", "亩", "m²", "m**2", "平方米", "㎡", "m2", "公顷", "ha"),
    *("km", "公里", "米", "m", "cm", "间", "台", "册", "student", "teacher", "room", "class_", "device", "book"),
    *("%", "‰", "学时", "小时", "h", "项", "次", "1"),
]


def used_units() -> set[str]:
    """Every unit text qbalance asks about while it loads each shipped pack and evaluates the demo county with it."""
    seen: set[str] = set(CELL_UNITS)
    real_dims, real_factor = registry.dims_of, registry.canonical_factor

    def dims_of(unit: str) -> registry.Dims:
        seen.add(unit)
        return real_dims(unit)

    def canonical_factor(unit: str) -> float:
        seen.add(unit)
        return real_factor(unit)

    import qbalance._dsl.compile as dsl
    import qbalance._packs.compile as packs

    for module in (registry, dsl, packs):
        module.dims_of = dims_of  # type: ignore[attr-defined]
        module.canonical_factor = canonical_factor  # type: ignore[attr-defined]
    for pack in ("cn-moe-2017", "cn-moe-2012-basic", "cn-yn-2022", "cn-yn-wenshan-2024"):
        std = qbalance.load_standard(pack)
        for decl in std.pack.inputs.values():
            if decl.unit:
                seen.add(decl.unit)
        std.evaluate(qbalance.demo_path())
    return {u for u in seen if isinstance(u, str)}


def build() -> str:
    units = {}
    for unit in sorted(used_units()):
        try:
            q = registry._unit_quantity(unit)
            factor = float(q.to_base_units().magnitude)
        except Exception:  # not a unit (a word only a field's context reads, e.g. 人): left to the reader
            continue
        dims = [[str(k), v] for k, v in q.dimensionality.items()]
        units[unit] = [factor, dims]
    return dumps(registry.units_digest(), units=units)


if __name__ == "__main__":
    OUT.write_text(build(), encoding="utf-8")
    print(f"wrote {OUT}")
