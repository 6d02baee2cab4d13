"""Safe, bounded, YAML-1.2-style loading with source positions.

PyYAML's C composer builds the node graph (no construction, no tags executed); we construct plain Python values
ourselves so that we can (1) resolve plain scalars by the YAML 1.2 core schema, so ``no`` stays the string "no" and
``0123`` stays the string "0123" instead of a boolean or an octal number, (2) refuse explicit tags, merge keys and
duplicate keys, (3) bound depth and alias expansion ("billion laughs"), and (4) remember the line of every value for
error messages.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, InvalidValue, Problem
from .files import read_input_file
from .messages import Msg, msg

__all__ = ["Limits", "Loaded", "load_document", "load_json", "load_yaml"]

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER: Any = yaml.resolver.Resolver()
_PLAIN = "tag:qbalance,2026:plain"
"""The tag the composer gives a plain scalar without a tag: :func:`_plain` reads it YAML-1.2-style."""
_MERGE = "tag:yaml.org,2002:merge"


def _resolve(loader: Any, kind: Any, value: Any, implicit: Any) -> Any:
    """The composer's tag for an untagged node: plain scalars get :data:`_PLAIN` (``<<`` the merge tag, refused
    later), so that they are read by :func:`_plain` alone — YAML 1.1 resolution (a dozen regular expressions per
    value) would be wasted on them; other nodes as PyYAML resolves them."""
    if kind is yaml.ScalarNode and implicit[0]:
        return _MERGE if value == "<<" else _PLAIN
    return _BaseLoader.resolve(loader, kind, value, implicit)


_Loader: Any = type("_Loader", (_BaseLoader,), {"resolve": _resolve})
"""The safe composer (libyaml's when PyYAML has it) with :func:`_resolve`."""


_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]")
_INF = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"}
_NINF = {"-.inf", "-.Inf", "-.INF"}
_NAN = {".nan", ".NaN", ".NAN"}
_STD_TAGS = {
    _PLAIN,
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:value",
}


@dataclass(frozen=True)
class Limits:
    """Bounds on what a document may contain; a document beyond any bound is refused, not truncated."""

    max_bytes: int = 2_000_000
    max_depth: int = 40
    max_nodes: int = 200_000
    """Counted after alias expansion, so a 'billion laughs' document fails fast."""
    max_scalar_chars: int = 100_000


PACK_LIMITS = Limits(max_nodes=100_000)
DATA_LIMITS = Limits(max_bytes=200_000_000, max_depth=40, max_nodes=50_000_000)


@dataclass
class Loaded:
    """A loaded document and the source position of each value, keyed by its path tuple."""

    data: Any
    source: str
    positions: dict[tuple[str | int, ...], Any] = field(default_factory=dict)
    """The position of each value: its text (``line 3, column 7``, ``Sheet!C7``), or the YAML mark it is made from
    when asked for (:meth:`where`) — a document's thousands of positions are rarely all read."""
    written: dict[tuple[str | int, ...], str] = field(default_factory=dict)
    """The text of integers not written in their plain form (``+123``, ``-0``), by path: they are read as numbers,
    and an identifier written so can be refused instead of silently becoming ``123`` or ``0``."""

    def where(self, path: tuple[str | int, ...]) -> str | None:
        """The position of ``path`` or of its nearest ancestor that has one."""
        p = tuple(path)
        while True:
            if p in self.positions:
                pos = self.positions[p]
                return pos if isinstance(pos, str) else _pos_text(pos)
            if not p:
                return None
            p = p[:-1]


class _Refused(Exception):
    def __init__(self, message: Msg, location: str | None) -> None:
        super().__init__(message.text("en"))
        self.message = message
        self.location = location


def _pos(node: Any) -> str:
    return _pos_text(node.start_mark)


def _pos_text(mark: Any) -> str:
    """A YAML mark as the position messages show (1-based)."""
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _line_column(node: Any) -> dict[str, int]:
    mark = node.start_mark
    return {"line": mark.line + 1, "column": mark.column + 1}


class _JsonInt(int):
    """An integer of a JSON document not written in its plain form (``-0``), until its path is recorded."""

    text: str


def _json_int(text: str) -> int:
    number = int(text)
    if str(number) == text:
        return number
    out = _JsonInt(number)
    out.text = text
    return out


def _record_json_ints(value: Any, path: tuple[str | int, ...], written: dict[tuple[str | int, ...], str]) -> Any:
    """``value`` with every :class:`_JsonInt` made a plain int, its text recorded in ``written`` by path."""
    if isinstance(value, _JsonInt):
        written[path] = value.text
        return int(value)
    if isinstance(value, dict):
        return {k: _record_json_ints(v, (*path, k), written) for k, v in value.items()}
    if isinstance(value, list):
        return [_record_json_ints(v, (*path, i), written) for i, v in enumerate(value)]
    return value


_PLAIN_FIRST = frozenset("-+.0123456789nNtTfF~")
"""The first characters of every plain scalar that is not text (numbers, null, booleans, infinities, NaN)."""


def _plain(text: str) -> Any:
    if text and text[0] not in _PLAIN_FIRST:
        return text  # 城区, primary, S0012: text, whatever follows
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _LEADING_ZERO.match(text):
        return text  # codes such as 0123 or 053201 keep their zeros (YAML 1.1 would read octal, 1.2 an integer)
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    if text in _INF:
        return math.inf
    if text in _NINF:
        return -math.inf
    if text in _NAN:
        return math.nan
    return text


class _Builder:
    def __init__(self, limits: Limits, positions: dict[tuple[str | int, ...], str]) -> None:
        self.limits = limits
        self.positions = positions
        self.written: dict[tuple[str | int, ...], str] = {}
        self.nodes = 0

    def build(self, node: Any, path: tuple[str | int, ...], depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise _Refused(msg("files.too_many_values", limit=self.limits.max_nodes), _pos(node))
        if depth > self.limits.max_depth:
            raise _Refused(msg("files.too_deep", limit=self.limits.max_depth), _pos(node))
        if len(self.positions) < self.limits.max_nodes:
            self.positions.setdefault(path, node.start_mark)  # made text when asked for (Loaded.where)
        if isinstance(node, yaml.ScalarNode):
            if node.tag not in _STD_TAGS:
                raise _Refused(msg("files.yaml_tag", tag=node.tag), _pos(node))
            if len(node.value) > self.limits.max_scalar_chars:
                raise _Refused(msg("files.value_too_long", limit=self.limits.max_scalar_chars), _pos(node))
            if node.style in (None, ""):
                implicit = (
                    _PLAIN if node.tag == _PLAIN else _RESOLVER.resolve(yaml.ScalarNode, node.value, (True, False))
                )
                if node.tag != implicit:  # an explicit tag on a plain scalar
                    if node.tag == "tag:yaml.org,2002:str":
                        return node.value  # !!str 123 is the text "123"
                    raise _Refused(msg("files.yaml_tag_quote", tag=node.tag), _pos(node))
                value = _plain(node.value)
                if type(value) is int and str(value) != node.value:
                    self.written[path] = node.value
                return value
            if node.tag != "tag:yaml.org,2002:str" and node.style not in ("'", '"', "|", ">"):
                raise _Refused(msg("files.yaml_tag", tag=node.tag), _pos(node))
            return node.value
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise _Refused(msg("files.yaml_tag", tag=node.tag), _pos(node))
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                raise _Refused(msg("files.yaml_tag", tag=node.tag), _pos(node))
            return self.mapping(node, path, depth)
        raise _Refused(msg("files.yaml_node", node=type(node).__name__), None)

    def mapping(self, node: Any, path: tuple[str | int, ...], depth: int) -> dict[str, Any]:
        """A mapping node's keys (always text) and built values; merge keys, tags and duplicate keys refused."""
        out: dict[str, Any] = {}
        first_seen: dict[str, Any] = {}  # the key node of each key, for a duplicate's message
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(msg("files.key_not_text"), _pos(key_node))
            if key_node.tag == _MERGE:
                raise _Refused(msg("files.merge_key"), _pos(key_node))
            if key_node.tag not in _STD_TAGS:
                raise _Refused(msg("files.yaml_tag", tag=key_node.tag), _pos(key_node))
            key = key_node.value  # keys are always text: 'no:' stays "no", '01:' stays "01"
            if key in out:
                raise _Refused(msg("files.duplicate_key", key=key, **_line_column(first_seen[key])), _pos(key_node))
            first_seen[key] = key_node
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out


ALIAS_VALUES = 100_000
"""How many values aliases may add to a document beyond the values written in it."""


def _distinct_nodes(root: Any) -> int:
    """The number of distinct nodes of a composed YAML graph (an alias is a second reference to the same node)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
    return len(seen)


def _alias_bound(root: Any, raw: bytes) -> int:
    """How many values the document may expand to: its distinct nodes and :data:`ALIAS_VALUES` more. A document
    without the alias indicator ``*`` or without the anchor indicator ``&`` anywhere has no alias (an alias names an
    anchor written before it; the byte of either indicator is in its UTF-8 and its UTF-16 form), so every value is
    distinct and the walk is skipped."""
    if b"*" not in raw or b"&" not in raw:
        return len(raw) + ALIAS_VALUES  # more than its values: each takes at least one byte
    return _distinct_nodes(root) + ALIAS_VALUES


def load_yaml(text: str | bytes, source: str, limits: Limits = PACK_LIMITS) -> Loaded:
    """Load one YAML document safely; raises ``ValueError`` carrying a :class:`Problem` on any refusal."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > limits.max_bytes:
        raise YamlRefused(Problem.of(msg("files.too_large", limit=limits.max_bytes), source=source))
    positions: dict[tuple[str | int, ...], str] = {}
    try:
        root = yaml.compose(raw, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlRefused(Problem.of(msg("files.not_yaml", detail=problem), source=source, location=loc)) from None
    except RecursionError:
        raise YamlRefused(Problem.of(msg("files.nested"), source=source)) from None
    if root is None:
        return Loaded(None, source, positions)
    # Aliases may repeat what the document holds, but only by ALIAS_VALUES values in all: a "billion laughs"
    # document (a few KB, or 5 MB of aliases) is refused after that many values instead of expanded to millions.
    effective = Limits(
        max_bytes=limits.max_bytes,
        max_depth=limits.max_depth,
        max_nodes=min(limits.max_nodes, max(100_000, 2 * len(raw)), _alias_bound(root, raw)),
        max_scalar_chars=limits.max_scalar_chars,
    )
    builder = _Builder(effective, positions)
    try:
        data = builder.build(root, (), 0)
    except _Refused as exc:
        raise YamlRefused(Problem.of(exc.message, source=source, location=exc.location)) from None
    except RecursionError:
        raise YamlRefused(Problem.of(msg("files.nested"), source=source)) from None
    return Loaded(data, source, positions, builder.written)


def _no_constants(name: str) -> Any:
    raise InvalidValue(msg("files.json_constant", name=name))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidValue(msg("files.json_duplicate_key", key=key))
        out[key] = value
    return out


def load_json(text: str | bytes, source: str, limits: Limits = DATA_LIMITS) -> Loaded:
    """Load JSON strictly: no NaN/Infinity, no duplicate keys, bounded size and depth."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > limits.max_bytes:
        raise YamlRefused(Problem.of(msg("files.too_large", limit=limits.max_bytes), source=source))
    try:
        data = json.loads(raw, parse_constant=_no_constants, object_pairs_hook=_no_duplicates, parse_int=_json_int)
    except (ValueError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, InvalidValue) else str(exc)
        raise YamlRefused(Problem.of(msg("files.not_json", detail=detail), source=source)) from None
    depth = _depth(data, limits.max_depth)
    if depth > limits.max_depth:
        raise YamlRefused(Problem.of(msg("files.too_deep", limit=limits.max_depth), source=source))
    written: dict[tuple[str | int, ...], str] = {}
    return Loaded(_record_json_ints(data, (), written), source, {}, written)


def _depth(value: Any, cap: int) -> int:
    stack = [(value, 0)]
    deepest = 0
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > cap:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


class YamlRefused(ValueError):
    """A document was refused by the safe loader; ``problem`` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.render())
        self.problem = problem


def load_document(path: Path, limits: Limits, kinds: str | Msg) -> Loaded:
    """Read a .yaml/.yml/.json file with the safe loaders; every failure is an :class:`InputError` naming the file.

    ``kinds`` completes the message for an unknown suffix ("use .yaml, .yml or .json").
    """
    source = str(path)
    raw = read_input_file(path, limits.max_bytes)
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            return load_json(raw, source, limits)
        if suffix in (".yaml", ".yml"):
            return load_yaml(raw, source, limits)
    except YamlRefused as exc:
        raise InputError(exc.problem) from None
    raise InputError(Problem.of(msg("files.unknown_type", suffix=path.suffix, kinds=kinds), source=source))
