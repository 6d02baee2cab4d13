"""Unit text, read by qbalance's own small grammar before any of it reaches pint.

pint's own parser evaluates numbers and powers in unit text exactly, so a hostile unit (``m**4_000_000``,
``999999999**4_000_000``, ``m**4(99)``, ``m**4e9``) makes it compute enormous powers for minutes. Unit text in a pack
(``unit:``, a bracketed literal, an overlay change) and in a data cell (``"3.2 万元"``) is therefore tokenized and
parsed here, by this grammar and nothing else::

    expr     := term (("*" | "/" | whitespace) term)*
    term     := atom ("**" exponent)?
    exponent := "-"? one digit from 1 to 4
    atom     := NAME | NUMBER | "(" expr ")"

NAME is a unit the registry defines (``m``, ``yuan``, ``万元``, ``student``, ``%``); NUMBER is ASCII digits with an
optional decimal part, at most nine digits, and stands only where an atom may (``teacher / (100 student)``). Two
atoms side by side need whitespace or an operator between them; at most three powers and two levels of
parentheses. Anything else is a :class:`UnitError` naming the unit text. The parsed expression is then evaluated with
pint's unit objects one name at a time, so pint never parses more than a single registered name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .._base.errors import UnitError
from .._base.messages import msg
from .pint_import import pint

__all__ = ["MAX_UNIT_PARENS", "MAX_UNIT_POWERS", "MAX_UNIT_TOKENS", "read_unit"]

MAX_UNIT_POWERS = 3
MAX_UNIT_PARENS = 2
MAX_UNIT_TOKENS = 40
MAX_NUMBER_DIGITS = 9

_TOKEN = re.compile(
    r"(?P<space>[ \t]+)|(?P<power>\*\*)|(?P<op>[*/])|(?P<minus>-)|(?P<lpar>\()|(?P<rpar>\))"
    r"|(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<name>[^\W\d]\w*|%|‰)"
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    spaced: bool
    """Whitespace stood before this token."""


def _tokens(unit: str, text: str) -> list[_Token]:
    out: list[_Token] = []
    pos, spaced = 0, False
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise UnitError(msg("units.unexpected", unit=unit, char=text[pos]))
        kind = m.lastgroup or ""
        pos = m.end()
        if kind == "space":
            spaced = True
            continue
        out.append(_Token(kind, m.group(), spaced))
        spaced = False
        if len(out) > MAX_UNIT_TOKENS:
            raise UnitError(msg("units.too_long", unit=unit))
    return out


class _Parser:
    """Recursive descent over the tokens of one unit text, evaluating as it goes."""

    def __init__(self, unit: str, tokens: list[_Token], registry: pint.UnitRegistry[Any]) -> None:
        self.unit, self.tokens, self.registry = unit, tokens, registry
        self.pos = 0
        self.depth = 0
        self.powers = 0

    def error(self, detail: str, **args: Any) -> UnitError:
        """The error for this unit text; ``detail`` is a key under ``units.detail``."""
        return UnitError(msg("units.grammar", unit=self.unit, detail=msg(f"units.detail.{detail}", **args)))

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        tok = self.peek()
        if tok is None:
            raise self.error("ends_early")
        self.pos += 1
        return tok

    def expr(self) -> Any:
        value = self.term()
        while (tok := self.peek()) is not None and tok.kind != "rpar":
            if tok.kind == "op":
                self.take()
                right = self.term()
                if tok.text == "/" and not isinstance(right, pint.Quantity) and right == 0:
                    raise self.error("division_by_zero")
                value = value * right if tok.text == "*" else value / right
            elif tok.spaced and tok.kind in ("name", "number", "lpar"):
                value = value * self.term()  # "100 student": a product written with a space
            else:
                raise self.error("spacing", token=tok.text)
        return value

    def term(self) -> Any:
        value = self.atom()
        tok = self.peek()
        if tok is not None and tok.kind == "power":
            self.take()
            self.powers += 1
            if self.powers > MAX_UNIT_POWERS:
                raise self.error("too_many_powers")
            value = value ** self.exponent()
        return value

    def exponent(self) -> int:
        sign = 1
        tok = self.take()
        if tok.kind == "minus" and not tok.spaced:
            sign, tok = -1, self.take()
        if tok.kind != "number" or tok.text not in ("1", "2", "3", "4"):
            raise self.error("small_powers")
        after = self.peek()
        if after is not None and not after.spaced and after.kind in ("name", "number", "lpar", "power"):
            raise self.error("small_powers")
        return sign * int(tok.text)

    def atom(self) -> Any:
        tok = self.take()
        if tok.kind == "lpar":
            self.depth += 1
            if self.depth > MAX_UNIT_PARENS:
                raise self.error("parens_deep")
            value = self.expr()
            if self.take().kind != "rpar":
                raise self.error("unbalanced")
            self.depth -= 1
            return value
        if tok.kind == "number":
            if len(tok.text.replace(".", "")) > MAX_NUMBER_DIGITS:
                raise self.error("number_too_long")
            return float(tok.text)
        if tok.kind == "name":
            return self.name(tok.text)
        raise self.error("unexpected", token=tok.text)

    def name(self, text: str) -> Any:
        try:
            known = text in self.registry
        except Exception:  # pint raises several kinds for names it cannot read; all mean "not a unit"
            known = False
        if not known:
            raise UnitError(msg("units.unknown", unit=self.unit, name=text))
        return self.registry.Quantity(1.0, self.registry.Unit(text))


def read_unit(unit: str, text: str, registry: pint.UnitRegistry[Any]) -> Any:
    """The quantity ``1 unit`` for cleaned unit ``text`` (``unit`` is the text as written, for messages)."""
    tokens = _tokens(unit, text)
    if not tokens:
        raise UnitError(msg("units.not_a_unit", unit=unit))
    parser = _Parser(unit, tokens, registry)
    value = parser.expr()
    if parser.pos != len(tokens):
        raise parser.error("unbalanced")
    return value
