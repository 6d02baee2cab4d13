"""The command line's language, and argparse's own words in it.

The language is chosen before the parser is built, so that the ``--help`` texts themselves are in it: ``--lang en``
(or ``--lang=en``) anywhere on the command line, else the environment variable ``QBALANCE_LANG`` (``en``, ``zh``;
``en_US.UTF-8`` reads as ``en``), else Chinese. The parser class of this module shows argparse's fixed words (用法,
选项, 位置参数, the ``-h`` help) and its error messages (the arguments that are required, an invalid choice …) in
that language, from the message catalogue (``cli.yaml``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, NoReturn

from .._base.messages import LANGS, text

__all__ = ["LANG_ENV", "Formatter", "Parser", "argparse_message", "chosen_language", "env_language", "wrap"]

LANG_ENV = "QBALANCE_LANG"
"""The environment variable that chooses the language when ``--lang`` is not given."""


def env_language(environ: Mapping[str, str] | None = None) -> str | None:
    """The language ``QBALANCE_LANG`` names (``zh`` or ``en``; ``en_US.UTF-8`` reads as ``en``), or None when it is
    unset, empty or names another language."""
    value = (os.environ if environ is None else environ).get(LANG_ENV, "").strip().lower()
    head = re.split(r"[_.\-@]", value, maxsplit=1)[0]
    return head if head in LANGS else None


def chosen_language(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """The language of a run: the last valid ``--lang X`` / ``--lang=X`` before a ``--``, else ``QBALANCE_LANG``,
    else ``zh``. An invalid ``--lang`` value is left for the parser to refuse (in the language chosen otherwise)."""
    found: str | None = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        else:
            continue
        if value in LANGS:
            found = value
    return found or env_language(environ) or "zh"


_CJK_RANGES = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_NO_LINE_START = set("，。；：、）」』》〉！？")


@cache
def _cjk() -> re.Pattern[str]:
    """One CJK or full-width character. Compiled when help is first formatted: a class of these ranges takes about
    5 ms to compile, which every command's start would pay otherwise."""
    return re.compile(f"[{_CJK_RANGES}]")


@cache
def _token() -> re.Pattern[str]:
    """A wrapping token: one CJK character, a run of other non-space characters, or a space (compiled on first use,
    as :func:`_cjk`)."""
    return re.compile(rf"[{_CJK_RANGES}]|[^\s{_CJK_RANGES}]+| ")


def _width(s: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def wrap(paragraph: str, width: int) -> list[str]:
    """Lines of at most ``width`` display columns: Chinese breaks between any two characters (never before a closing
    punctuation mark), other text between words."""
    lines: list[str] = []
    line, used = "", 0
    for token in _token().findall(" ".join(paragraph.split())):
        size = _width(token)
        if token == " ":
            if line:
                line, used = line + " ", used + 1
            continue
        if used + size > width and line.strip() and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


class Formatter(argparse.HelpFormatter):
    """Help formatting with the usage line's prefix (用法 / usage) in the current language, and Chinese text wrapped
    by its display width (a Chinese character takes two columns of the terminal)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width) if _cjk().search(text) else super()._split_lines(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if not _cjk().search(text):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in wrap(text, width))

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, text("cli.argparse.usage") if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An argument parser whose fixed words and errors are in the current language (subcommands use it too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = text("cli.argparse.positionals")
        self._optionals.title = text("cli.argparse.options")
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=text("cli.argparse.help"))

    def error(self, message: str) -> NoReturn:
        """Print the usage and the error in the current language; exit with status 2 (invalid input)."""
        self.print_usage(sys.stderr)
        self.exit(2, text("cli.argparse.error", prog=self.prog, message=argparse_message(message)) + "\n")


def _argument(m: re.Match[str]) -> str:
    return text("cli.argparse.argument", argument=m["argument"], message=argparse_message(m["message"]))


def _keyed(key: str) -> Callable[[re.Match[str]], str]:
    return lambda m: text(key, **m.groupdict())


_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^argument (?P<argument>[^:]+): (?P<message>.*)$", re.S), _argument),
    (re.compile(r"^the following arguments are required: (?P<names>.*)$"), _keyed("cli.argparse.required")),
    (re.compile(r"^one of the arguments (?P<names>.*) is required$"), _keyed("cli.argparse.one_required")),
    (re.compile(r"^unrecognized arguments: (?P<names>.*)$"), _keyed("cli.argparse.unrecognized")),
    (re.compile(r"^invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)$"), _keyed("cli.argparse.choice")),
    (re.compile(r"^expected one argument$"), _keyed("cli.argparse.expected_one")),
    (re.compile(r"^expected at most one argument$"), _keyed("cli.argparse.expected_at_most_one")),
    (re.compile(r"^expected at least one argument$"), _keyed("cli.argparse.expected_at_least_one")),
    (re.compile(r"^invalid (?P<type>\S+) value: (?P<value>.*)$"), _keyed("cli.argparse.invalid_value")),
    (re.compile(r"^not allowed with argument (?P<other>.*)$"), _keyed("cli.argparse.not_allowed_with")),
    (re.compile(r"^ignored explicit argument (?P<value>.*)$"), _keyed("cli.argparse.ignored_explicit")),
    (re.compile(r"^ambiguous option: (?P<option>\S+) could match (?P<matches>.*)$"), _keyed("cli.argparse.ambiguous")),
]


def argparse_message(message: str) -> str:
    """One of argparse's error messages in the current language (as argparse wrote it when it is not one we know)."""
    for pattern, render in _MESSAGES:
        m = pattern.match(message)
        if m is not None:
            return render(m)
    return message
