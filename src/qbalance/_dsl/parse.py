"""Tokenizer and recursive-descent parser for the rule-pack expression language.

The language is deliberately tiny: numbers (optionally with a unit in brackets, ``96 [m**2]``), strings, true/false,
dotted names (``teachers.above_qualified``, ``params.cv_limit``), arithmetic ``+ - * /``, comparisons, ``and / or /
not``, ``in [..]`` and calls of allow-listed functions. Pack text is never handed to eval, exec, compile or
``ast.parse``; it is scanned character by character here, with bounds on length, node count and nesting depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "Binary",
    "Call",
    "Compare",
    "DslSyntaxError",
    "InList",
    "Literal",
    "Logic",
    "Name",
    "Node",
    "Not",
    "Number",
    "Text",
    "Unary",
    "parse",
]

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_DEPTH = 24
MAX_ARGS = 16


class DslSyntaxError(ValueError):
    """An expression could not be parsed; ``column`` is 1-based within the expression text."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        where = f" (at column {column})" if column is not None else ""
        super().__init__(f"{message}{where}")


@dataclass(frozen=True)
class Number:
    value: float
    unit: str | None
    pos: int


@dataclass(frozen=True)
class Text:
    value: str
    pos: int


@dataclass(frozen=True)
class Literal:
    value: bool
    pos: int


@dataclass(frozen=True)
class Name:
    path: str
    pos: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node
    pos: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class InList:
    operand: Node
    options: tuple[str, ...]
    negated: bool
    pos: int


@dataclass(frozen=True)
class Logic:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True)
class Not:
    operand: Node
    pos: int


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Node, ...]
    pos: int


Node = Number | Text | Literal | Name | Unary | Binary | Compare | InList | Logic | Not | Call

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<string>"[^"\\\n]*"|'[^'\\\n]*')
  | (?P<unit>\[[^\[\]\n]{1,80}\])
  | (?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\)|,)
    """,
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false"}
_FORBIDDEN_WORDS = {"lambda", "import", "exec", "eval", "for", "if", "else", "while", "def", "class", "is"}


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int  # 1-based column


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    i = 0
    n = len(text)
    while i < n:
        m = _TOKEN.match(text, i)
        if not m or m.end() == i:
            ch = text[i]
            hint = ""
            if ch in "[]":
                hint = " (a unit in brackets must follow a number, e.g. 96 [m**2])"
            elif ch in "_.":
                hint = ""
            elif ch.isdigit():
                hint = " (numbers are written with the digits 0-9)"
            elif ch in "{}:;=!@#$%^&|~`?\\":
                hint = " (only + - * / comparisons, and/or/not, in [...] and function calls are allowed)"
            raise DslSyntaxError(f"unexpected character {ch!r}{hint}", i + 1)
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(_Tok(kind, m.group(), i + 1))
        i = m.end()
    tokens.append(_Tok("end", "", n + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.i = 0
        self.nodes = 0
        self.depth = 0

    # -- helpers -------------------------------------------------------------------------------------------------
    def peek(self) -> _Tok:
        return self.tokens[self.i]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        tok = self.peek()
        if tok.kind != kind:
            return False
        return text is None or tok.text == text

    def at_word(self, word: str) -> bool:
        return self.at("name", word)

    def expect(self, kind: str, text: str) -> _Tok:
        tok = self.peek()
        if tok.kind != kind or tok.text != text:
            shown = tok.text or "end of expression"
            raise DslSyntaxError(f"expected {text!r}, found {shown!r}", tok.pos)
        return self.take()

    def count(self, pos: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise DslSyntaxError(f"expression too large (more than {MAX_NODES} parts)", pos)

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise DslSyntaxError(f"expression nested deeper than {MAX_DEPTH} levels", pos)

    def leave(self) -> None:
        self.depth -= 1

    # -- grammar -------------------------------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise DslSyntaxError(f"unexpected {tok.text!r} after a complete expression", tok.pos)
        return node

    def expr(self) -> Node:
        self.enter(self.peek().pos)
        try:
            return self.or_expr()
        finally:
            self.leave()

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.at_word("or"):
            tok = self.take()
            self.count(tok.pos)
            node = Logic("or", node, self.and_expr(), tok.pos)
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.at_word("and"):
            tok = self.take()
            self.count(tok.pos)
            node = Logic("and", node, self.not_expr(), tok.pos)
        return node

    def not_expr(self) -> Node:
        if self.at_word("not"):
            tok = self.take()
            self.count(tok.pos)
            self.enter(tok.pos)
            try:
                return Not(self.not_expr(), tok.pos)
            finally:
                self.leave()
        return self.comparison()

    def comparison(self) -> Node:
        left = self.additive()
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("<", "<=", ">", ">=", "==", "!="):
            self.take()
            self.count(tok.pos)
            right = self.additive()
            nxt = self.peek()
            if nxt.kind == "op" and nxt.text in ("<", "<=", ">", ">=", "==", "!="):
                raise DslSyntaxError("chained comparisons are not allowed; join them with 'and'", nxt.pos)
            return Compare(tok.text, left, right, tok.pos)
        negated = False
        if self.at_word("not") and self.tokens[self.i + 1].kind == "name" and self.tokens[self.i + 1].text == "in":
            self.take()
            negated = True
        if self.at_word("in"):
            tok = self.take()
            self.count(tok.pos)
            return InList(left, self.string_list(), negated, tok.pos)
        if negated:
            raise DslSyntaxError("expected 'in' after 'not'", self.peek().pos)
        return left

    def string_list(self) -> tuple[str, ...]:
        tok = self.peek()
        if tok.kind != "unit":  # the tokenizer sees "[...]" as one bracketed token
            raise DslSyntaxError('expected a list of strings in brackets after \'in\', e.g. in ["a", "b"]', tok.pos)
        self.take()
        inner = tok.text[1:-1]
        items = [p.strip() for p in inner.split(",")]
        out: list[str] = []
        for item in items:
            if len(item) >= 2 and item[0] == item[-1] and item[0] in "\"'":
                out.append(item[1:-1])
            else:
                raise DslSyntaxError(f"list items must be quoted strings, found {item!r}", tok.pos)
        if not out:
            raise DslSyntaxError("empty list after 'in'", tok.pos)
        return tuple(out)

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.at("op", "+") or self.at("op", "-"):
            tok = self.take()
            self.count(tok.pos)
            node = Binary(tok.text, node, self.multiplicative(), tok.pos)
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while self.at("op", "*") or self.at("op", "/"):
            tok = self.take()
            self.count(tok.pos)
            if self.at("op", "*"):
                raise DslSyntaxError("the power operator is not allowed", tok.pos)
            node = Binary(tok.text, node, self.unary(), tok.pos)
        return node

    def unary(self) -> Node:
        if self.at("op", "-") or self.at("op", "+"):
            tok = self.take()
            self.count(tok.pos)
            self.enter(tok.pos)
            try:
                operand = self.unary()
            finally:
                self.leave()
            return operand if tok.text == "+" else Unary("-", operand, tok.pos)
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        self.count(tok.pos)
        if tok.kind == "number":
            self.take()
            unit = None
            if self.at("unit"):
                unit = self.take().text[1:-1].strip()
            return Number(float(tok.text), unit, tok.pos)
        if tok.kind == "string":
            self.take()
            return Text(tok.text[1:-1], tok.pos)
        if tok.kind == "name":
            word = tok.text
            if word in ("true", "false"):
                self.take()
                return Literal(word == "true", tok.pos)
            if word in _KEYWORDS:
                raise DslSyntaxError(f"unexpected keyword {word!r}", tok.pos)
            if word in _FORBIDDEN_WORDS:
                raise DslSyntaxError(f"{word!r} is not part of the expression language", tok.pos)
            for part in word.split("."):
                if part.startswith("_"):
                    raise DslSyntaxError(f"names may not start with an underscore: {word!r}", tok.pos)
            self.take()
            if self.at("op", "("):
                if "." in word:
                    raise DslSyntaxError(f"{word!r} cannot be called: only built-in functions can", tok.pos)
                self.take()
                args: list[Node] = []
                self.enter(tok.pos)
                try:
                    if not self.at("op", ")"):
                        args.append(self.expr())
                        while self.at("op", ","):
                            self.take()
                            args.append(self.expr())
                            if len(args) > MAX_ARGS:
                                raise DslSyntaxError(f"more than {MAX_ARGS} arguments", tok.pos)
                    self.expect("op", ")")
                finally:
                    self.leave()
                return Call(word, tuple(args), tok.pos)
            return Name(word, tok.pos)
        if tok.kind == "op" and tok.text == "(":
            self.take()
            node = self.expr()
            self.expect("op", ")")
            return node
        if tok.kind == "unit":
            raise DslSyntaxError("a unit in brackets must follow a number, e.g. 96 [m**2]", tok.pos)
        if tok.kind == "end":
            raise DslSyntaxError("expression ends too early", tok.pos)
        raise DslSyntaxError(f"unexpected {tok.text!r}", tok.pos)


def parse(text: str) -> Node:
    """Parse one expression into an AST; raises :class:`DslSyntaxError` on anything outside the language."""
    if not isinstance(text, str):
        raise DslSyntaxError(f"an expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise DslSyntaxError(f"expression longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise DslSyntaxError("empty expression")
    return _Parser(text).parse()
