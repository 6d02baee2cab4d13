"""Say in one sentence what is wrong with a rule that failed, and by how much — for one school, section or county.

A pack's rule is an expression (``school_sum(students) <= params.school_size_limit``); when it fails for a row, this
module finds the parts that fail (the conjuncts of an ``and``; of an ``or``, the side that is not a mere guard
such as ``music_rooms == 0``) and words each comparison from its own values: the subject (the input compared, with
its label and unit), the value, what is required and the gap. ``music_rooms * params.classes_per_special_room >=
school_sum(classes)`` becomes 音乐专用教室数2间，按班级数36个班需3间，差1间 — the requirement solved for the input,
whole rooms rounded up.

The values come from the engine's own arithmetic: each part is compiled with the pack's symbol table and evaluated
over the results' table (in canonical units, then shown in the input's declared unit), memoised per results, so a
sentence never disagrees with the status it explains. The sentences are catalogue templates
(``report.finding.*``), rendered in Chinese and English at once into a :class:`~.model.LabelOut`.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._base.messages import field_label, text, unit_text
from .._dsl.compile import DslTypeError, compile_expression
from .._dsl.parse import Binary, Call, Compare, InList, Literal, Logic, Name, Node, Not, Number, Text, Unary, parse
from .._engine.evaluate import Results
from .._engine.runtime import Runtime
from .._packs.lookback import base_name, is_previous
from .._packs.schema import Label, Pack
from .._units.registry import canonical_factor
from .labels import paren, quantity, sep
from .model import LabelOut

__all__ = [
    "Joined",
    "Probe",
    "Qty",
    "Row",
    "Say",
    "Who",
    "explain_rule",
    "fmt_amount",
    "label_of",
    "name_label",
    "probe_of",
]

_AGGREGATE_OPS = ("sum", "min", "max")
_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}
_OP_KEY = {">=": "ge", ">": "gt", "<=": "le", "<": "lt", "==": "eq", "!=": "ne"}


# -- words in two languages -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """A catalogue sentence with its arguments, rendered in either language; arguments may themselves be
    :class:`Say`, :class:`Qty`, labels or plain text."""

    key: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The sentence in ``lang``."""
        return text(self.key, lang, **{k: _arg(v, lang) for k, v in self.args.items()})


@dataclass(frozen=True)
class Joined:
    """Sentences joined by the language's clause separator (；)."""

    parts: Sequence[Any]
    kind: str = "clause"

    def text(self, lang: str) -> str:
        """The parts in ``lang``, separated."""
        return sep(self.kind, lang).join(_arg(p, lang) for p in self.parts)


@dataclass(frozen=True)
class Who:
    """Whom a sentence is about: a school, or a school's section (示例城区第1小学（小学）); shown before the
    sentence, followed by a colon in English."""

    school: str
    section: Any = None

    def text(self, lang: str) -> str:
        """The school (and section) in ``lang``."""
        name = self.school + (paren(_arg(self.section, lang), lang) if self.section is not None else "")
        return name + (sep("colon", lang) if lang == "en" else "")


def _arg(value: Any, lang: str) -> str:
    """A sentence argument in ``lang``: anything with a ``text(lang)`` method, or its plain text."""
    show = getattr(value, "text", None)
    return str(show(lang)) if callable(show) else str(value)


def label_of(say: Any) -> LabelOut:
    """A sentence as the report's bilingual label."""
    return LabelOut(zh=_arg(say, "zh"), en=_arg(say, "en"))


def fmt_amount(v: float, digits: int | None = None) -> str:
    """A number as people read it: thousands separators, whole numbers without decimals, others with two (three
    below 1), trailing zeros dropped; ``digits`` fixes the decimals."""
    if digits is not None:
        return f"{v:,.{digits}f}"
    if abs(v - round(v)) < 1e-9 * max(1.0, abs(v)):
        return f"{round(v):,}"
    places = 2 if abs(v) >= 1 else 3
    shown = f"{v:,.{places}f}".rstrip("0").rstrip(".")
    return shown if shown not in ("0", "-0") else f"{v:.2g}"


@dataclass(frozen=True)
class Qty:
    """A number with its unit, as a sentence shows it (2,380人 / 2,380 students; 5% for a share)."""

    value: float
    unit: str = "1"
    pct: bool = False
    digits: int | None = None
    unit_label: Any = None
    """The unit's own label (a pack's 人/百生), shown instead of the unit's catalogue word."""
    points: bool = False
    """A difference of two percentages: shown in percentage points (5个百分点)."""

    def text(self, lang: str) -> str:
        """The quantity in ``lang``."""
        if self.pct or self.points:
            shown = f"{self.value * 100:.1f}".rstrip("0").rstrip(".")
            return text("report.points", lang, n=shown) if self.points else shown + "%"
        number = fmt_amount(self.value, self.digits)
        if self.unit_label is not None:
            return quantity(number, _arg(self.unit_label, lang), lang)
        if self.unit in ("1", ""):
            return number
        unit = unit_text(self.unit, lang)
        if lang == "en" and abs(self.value) == 1 and unit.endswith("s") and " " not in unit:
            unit = unit[:-1]
        return quantity(number, unit, lang)


# -- evaluating parts of a rule ---------------------------------------------------------------------------------------


def unparse(node: Node) -> str:
    """The expression text of ``node`` (fully parenthesised), as the parser reads it back."""
    if isinstance(node, Number):
        return repr(node.value) + (f" [{node.unit}]" if node.unit else "")
    if isinstance(node, Text):
        return '"' + node.value + '"'
    if isinstance(node, Literal):
        return "true" if node.value else "false"
    if isinstance(node, Name):
        return node.path
    if isinstance(node, Unary):
        return f"({node.op}{unparse(node.operand)})"
    if isinstance(node, (Binary, Compare, Logic)):
        return f"({unparse(node.left)} {node.op} {unparse(node.right)})"
    if isinstance(node, Not):
        return f"(not {unparse(node.operand)})"
    if isinstance(node, InList):
        options = ", ".join('"' + o + '"' for o in node.options)
        return f"({unparse(node.operand)} {'not in' if node.negated else 'in'} [{options}])"
    return f"{node.func}({', '.join(unparse(a) for a in node.args)})"


class Probe:
    """Evaluates parts of a pack's rules over the results' table with the engine's runtime, each part compiled and
    computed once (for all rows) and kept for the next sentence."""

    def __init__(self, results: Results) -> None:
        self.results = results
        self._runtime: Runtime | None = None
        self._cache: dict[tuple[str, str], np.ndarray | None] = {}

    def column(self, node: Node, level: str) -> np.ndarray | None:
        """The values of ``node`` for every row of ``level`` (canonical units); None if it is not a value alone."""
        key = (unparse(node), level)
        if key not in self._cache:
            self._cache[key] = self._compute(key[0], level)
        return self._cache[key]

    def _compute(self, expression: str, level: str) -> np.ndarray | None:
        """Compile and evaluate one part; None when it cannot stand alone (a bare text, a mismatched level)."""
        cp = self.results.pack
        try:
            compiled = compile_expression(expression, cp.table, level=level)
        except (DslTypeError, ValueError):
            return None
        if self._runtime is None:
            self._runtime = Runtime(self.results.table, cp, self.results.previous)
        return self._runtime.full(compiled, level)

    def at(self, node: Node, level: str, row: int) -> float | None:
        """The value of ``node`` at one row; None when it cannot be evaluated or is missing."""
        col = self.column(node, level)
        if col is None:
            return None
        v = float(col[row])
        return v if math.isfinite(v) else None


_PROBES: dict[int, Probe] = {}


def probe_of(results: Results) -> Probe:
    """The probe of ``results`` (one per results object, released with it)."""
    key = id(results)
    probe = _PROBES.get(key)
    if probe is None or probe.results is not results:
        probe = Probe(results)
        _PROBES[key] = probe
        weakref.finalize(results, _PROBES.pop, key, None)
    return probe


# -- the parts of a rule that fail ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """Where a rule is explained: its level and row, who it is about (None: the county), and the pack."""

    probe: Probe
    pack: Pack
    level: str
    row: int
    who: Any = None

    def value(self, node: Node) -> float | None:
        """The value of ``node`` at this row (canonical units)."""
        return self.probe.at(node, self.level, self.row)


def _failing_parts(node: Node, row: Row) -> list[Node]:
    """The parts of a failing rule that fail: the false conjuncts of an ``and``, the non-guard sides of a false
    ``or`` (a guard such as ``music_rooms == 0`` explains nothing), the rule itself otherwise."""
    if isinstance(node, Logic) and node.op == "and":
        parts = [side for side in (node.left, node.right) if row.value(side) == 0.0]
        return [leaf for side in parts for leaf in _failing_parts(side, row)]
    if isinstance(node, Logic) and node.op == "or":
        sides = [node.left, node.right]
        meaningful = [s for s in sides if not _is_guard(s)] or sides
        return [leaf for side in meaningful for leaf in _failing_parts(side, row)]
    return [node]


def _is_guard(node: Node) -> bool:
    """An equality with a literal (``music_rooms == 0``): the condition under which the rest does not apply."""
    return isinstance(node, Compare) and node.op in ("==", "!=") and _constant(node.right) and not _constant(node.left)


def _constant(node: Node) -> bool:
    """True for a literal, a parameter or arithmetic of them (no input of the data)."""
    if isinstance(node, (Number, Literal, Text)):
        return True
    if isinstance(node, Name):
        return node.path.startswith("params.")
    if isinstance(node, Unary):
        return _constant(node.operand)
    if isinstance(node, Binary):
        return _constant(node.left) and _constant(node.right)
    return False


def explain_rule(expression: str, row: Row) -> Any | None:
    """One sentence (a :class:`Say` or :class:`Joined`) saying why ``expression`` fails at ``row``; None when no
    part of it can be worded (the caller then names the rule)."""
    try:
        node = parse(expression)
    except ValueError:
        return None
    said: list[Any] = []
    for part in _failing_parts(node, row):
        words = _explain_part(part, row if not said else replace(row, who=None))  # name the school once
        if words is not None:
            said.append(words)
    if not said:
        return None
    return said[0] if len(said) == 1 else Joined(said)


def _explain_part(node: Node, row: Row) -> Any | None:
    """One failing part in words: a comparison, a yes/no input that is no (or yes under ``not``)."""
    if isinstance(node, Compare):
        if isinstance(node.left, Text) or isinstance(node.right, Text):
            return _rating(node, row)
        return _comparison(node, row)
    if isinstance(node, Name) and not node.path.startswith("params."):
        return Say("report.finding.flag_no", {"who": _who(row), "subject": name_label(row.pack, node.path)})
    if isinstance(node, Not) and isinstance(node.operand, Name):
        return Say("report.finding.flag_yes", {"who": _who(row), "subject": name_label(row.pack, node.operand.path)})
    return None


def _who(row: Row) -> Any:
    return row.who if row.who is not None else ""


# -- names, labels and units ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lbl:
    """A pack label (or a field label) shown in either language."""

    label: Label | None
    name: str

    def text(self, lang: str) -> str:
        return self.label.text(lang) if self.label is not None else field_label(self.name, lang)


def name_label(pack: Pack, name: str) -> _Lbl:
    """The label of an input, derived value or indicator, for sentences (a previous-year value: its name's label,
    marked as the previous year's)."""
    if is_previous(name):
        own = name_label(pack, base_name(name))
        texts = {lang: text("lookback.previous_label", lang, label=own.text(lang)) for lang in ("zh", "en")}
        return _Lbl(Label(zh=texts["zh"], en=texts["en"]), name)
    if name in pack.inputs:
        return _Lbl(pack.inputs[name].label, name)
    if name in pack.derived and pack.derived[name].label is not None:
        return _Lbl(pack.derived[name].label, name)
    if name in pack.indicators:
        ind = pack.indicators[name]
        return _Lbl(ind.short or ind.label, name)
    return _Lbl(None, name)


def _name_of(node: Node) -> str | None:
    """The input a name-like part reads: ``x`` or ``school_sum(x)`` (a sum, min or max of it); else None."""
    if isinstance(node, Name) and not node.path.startswith("params."):
        return node.path
    if isinstance(node, Call) and len(node.args) == 1 and node.func.rsplit("_", 1)[-1] in _AGGREGATE_OPS:
        return _name_of(node.args[0])
    return None


@dataclass(frozen=True)
class _Unit:
    """How a value is shown: its unit, the factor from canonical units, whole numbers or not, as a share or not."""

    unit: str = "1"
    factor: float = 1.0
    integer: bool = False
    pct: bool = False

    def qty(self, canonical: float) -> Qty:
        return Qty(canonical / self.factor, self.unit, self.pct)


def _unit_of_name(pack: Pack, name: str) -> _Unit:
    """The declared unit of an input (or derived value, or indicator; a previous-year value: its name's)."""
    name = base_name(name)
    decl = pack.inputs.get(name)
    if decl is not None:
        share = decl.unit == "1" and decl.max == 1
        return _Unit(decl.unit, canonical_factor(decl.unit), decl.integer, share)
    unit = pack.derived[name].unit if name in pack.derived else None
    unit = pack.indicators[name].unit if unit is None and name in pack.indicators else unit
    return _Unit(unit, canonical_factor(unit)) if unit else _Unit()


def _unit_of_constant(pack: Pack, node: Node) -> _Unit | None:
    """The unit a parameter or a literal with a unit declares; None for a bare number or arithmetic."""
    if isinstance(node, Name) and node.path.startswith("params."):
        spec = pack.parameters.get(node.path.removeprefix("params."))
        return _Unit(spec.unit, canonical_factor(spec.unit)) if spec is not None else None
    if isinstance(node, Number) and node.unit:
        return _Unit(node.unit, canonical_factor(node.unit))
    return None


# -- comparisons in words ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sides:
    """A comparison written with its subject (a name-like part) on the left: ``coef × subject op right``."""

    subject: Node | None
    coef: Node | None
    divide: bool
    left: Node
    op: str
    right: Node


def _sides(node: Compare) -> _Sides:
    """The comparison turned so the side with the data is on the left, and that side split into a name-like
    subject and a constant coefficient when it is ``x``, ``k × x``, ``x × k`` or ``x ÷ k``."""
    left, op, right = node.left, node.op, node.right
    if _constant(left) and not _constant(right):
        left, op, right = right, _FLIP[op], left
    if _name_of(left) is not None:
        return _Sides(left, None, False, left, op, right)
    if isinstance(left, Binary) and left.op in ("*", "/"):
        if _name_of(left.left) is not None and _constant(left.right):
            return _Sides(left.left, left.right, left.op == "/", left, op, right)
        if left.op == "*" and _name_of(left.right) is not None and _constant(left.left):
            return _Sides(left.right, left.left, False, left, op, right)
    return _Sides(None, None, False, left, op, right)


def _comparison(node: Compare, row: Row) -> Any | None:
    """A numeric comparison in words: the subject's value, what is required (solved for the subject) and the gap."""
    sides = _sides(node)
    lv, rv = row.value(sides.left), row.value(sides.right)
    if lv is None or rv is None:
        return None
    if sides.subject is None:
        return _generic(sides, row, lv, rv)
    name = _name_of(sides.subject)
    sv = row.value(sides.subject)
    coef = row.value(sides.coef) if sides.coef is not None else 1.0
    if name is None or sv is None or coef is None or coef <= 0:
        return _generic(sides, row, lv, rv)
    coef = 1.0 / coef if sides.divide else coef
    unit = _unit_of_name(row.pack, name)
    value, required = sv / unit.factor, _whole(rv / coef / unit.factor, sides.op, unit.integer)
    args: dict[str, Any] = {"who": _who(row), "subject": name_label(row.pack, name), "value": unit.qty(sv)}
    below = sides.op in (">=", ">")
    gap = required - value if below else value - required
    if sides.op in ("==", "!=") or not gap > 0:
        return _generic(sides, row, lv, rv)
    args["required" if below else "limit"] = Qty(required, unit.unit, unit.pct)
    args["gap" if below else "excess"] = Qty(gap, unit.unit, points=unit.pct)
    return _with_basis(sides, row, args, below)


def _whole(required: float, op: str, integer: bool) -> float:
    """The required amount of a whole-number input: at least the next whole number (or at most the one below)."""
    if not integer:
        return required
    eps = 1e-9 * max(1.0, abs(required))
    if op == ">=":
        return float(math.ceil(required - eps))
    if op == ">":
        return float(math.floor(required + eps) + 1)
    if op == "<=":
        return float(math.floor(required + eps))
    if op == "<":
        return float(math.ceil(required - eps) - 1)
    return required


def _with_basis(sides: _Sides, row: Row, args: dict[str, Any], below: bool) -> Say:
    """The sentence for a solved comparison, by what the requirement rests on: a fixed number, another input
    (按班级数36个班需3间), or a share of another input (年度公用经费预算681,800元的5%)."""
    right = sides.right
    basis_name = _name_of(right)
    if basis_name is not None:
        args.update(_basis(row, right, basis_name))
        if sides.coef is not None:
            return Say("report.finding.lower_basis" if below else "report.finding.upper_basis", args)
        return Say("report.finding.lower_name" if below else "report.finding.upper_name", args)
    share = _share(right)
    if share is not None:
        k, of = share
        kv, ov, of_name = row.value(k), row.value(of), _name_of(of)
        if kv is not None and ov is not None and of_name is not None:
            args.update(_basis(row, of, of_name))
            args["share"] = _constant_qty(row, k, kv)
            return Say("report.finding.lower_share" if below else "report.finding.upper_share", args)
    return Say("report.finding.lower" if below else "report.finding.upper", args)


def _basis(row: Row, node: Node, name: str) -> dict[str, Any]:
    """Another input as the basis of a requirement: its label and value (班级数, 36个班)."""
    value = row.value(node)
    shown: Any = _unit_of_name(row.pack, name).qty(value) if value is not None else "—"
    return {"basis_label": name_label(row.pack, name), "basis_value": shown}


def _share(node: Node) -> tuple[Node, Node] | None:
    """``k × x`` or ``x × k`` with a constant k and a name-like x, as (k, x); else None."""
    if isinstance(node, Binary) and node.op == "*":
        if _constant(node.left) and _name_of(node.right) is not None:
            return node.left, node.right
        if _constant(node.right) and _name_of(node.left) is not None:
            return node.right, node.left
    return None


def _constant_qty(row: Row, node: Node, canonical: float) -> Qty:
    """A parameter or literal as shown: a share of 1 or less as a percentage, else with its unit."""
    unit = _unit_of_constant(row.pack, node) or _Unit()
    if unit.unit in ("1", "") and 0 < canonical <= 1:
        return Qty(canonical, pct=True)
    return unit.qty(canonical)


def _generic(sides: _Sides, row: Row, lv: float, rv: float) -> Say:
    """A comparison that cannot be solved for one input: both sides' values and the comparison that fails."""
    unit = _unit_of_constant(row.pack, sides.right) or _Unit()
    name = sides.subject and _name_of(sides.subject)
    subject: Any = name_label(row.pack, name) if name else _describe(row.pack, sides.left)
    if name and sides.coef is None:
        unit = _unit_of_name(row.pack, name)
    args = {
        "who": _who(row),
        "subject": subject,
        "value": unit.qty(lv),
        "op": Say(f"report.finding.op.{_OP_KEY[sides.op]}"),
        "required": unit.qty(rv),
    }
    return Say("report.finding.compare", args)


@dataclass(frozen=True)
class _Described:
    """An expression of inputs shown by their labels (公用经费预算÷在校学生数)."""

    pack: Pack
    node: Node

    def text(self, lang: str) -> str:
        return _words(self.pack, self.node, lang)


def _describe(pack: Pack, node: Node) -> _Described:
    return _Described(pack, node)


def _words(pack: Pack, node: Node, lang: str) -> str:
    """An expression with every input named by its label and the operators as people write them."""
    name = _name_of(node)
    if name is not None:
        return name_label(pack, name).text(lang)
    if isinstance(node, Binary):
        op = {"*": "×", "/": "÷", "+": "+", "-": "−"}[node.op]
        return f"{_words(pack, node.left, lang)}{op}{_words(pack, node.right, lang)}"
    if isinstance(node, Name):
        spec = pack.parameters.get(node.path.removeprefix("params."))
        return spec.label.text(lang) if spec is not None and spec.label is not None else node.path
    if isinstance(node, Number):
        return fmt_amount(node.value)
    return unparse(node)


def _rating(node: Compare, row: Row) -> Any | None:
    """A rating compared with a level (layout_planning >= "qualified"): the rating given and the one required."""
    left, right, op = node.left, node.right, node.op
    if isinstance(left, Text):
        left, right, op = right, left, _FLIP[op]
    name = _name_of(left)
    if name is None or not isinstance(right, Text):
        return None
    code = row.value(left)
    sym = row.probe.results.pack.table.symbols.get(name)
    if code is None or sym is None or not (0 <= int(code) < len(sym.dtype.categories)):
        return None
    args = {
        "who": _who(row),
        "subject": name_label(row.pack, name),
        "value": _level_label(row.pack, name, sym.dtype.categories[int(code)]),
        "required": _level_label(row.pack, name, right.value),
    }
    return Say("report.finding.rating" if op in (">=", ">") else "report.finding.rating_eq", args)


def _level_label(pack: Pack, name: str, level: str) -> Any:
    """The label of a rating level (合格) from the input's scale, or the level as written."""
    decl = pack.inputs.get(name)
    scale = pack.scales.get(decl.scale) if decl is not None and decl.scale else None
    label = scale.labels.get(level) if scale is not None else None
    return _Lbl(label, level) if label is not None else level
