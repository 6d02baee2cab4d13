"""The message catalogue: every sentence a person reads, by key, in Chinese (the default) and English.

Code names a message by its key and gives its arguments (``msg("data.negative", unit="m²")``); the sentences live in
the YAML files of ``catalogue/`` beside this module — data, not code, like the unit definitions — one file per area
(``data.yaml``, ``cli.yaml`` …), each key with a ``zh`` and an ``en`` template in :meth:`str.format` syntax. The
catalogue is read once, on first use, with the package's safe YAML loader.

The language of a rendering is an argument (``lang="en"``) or, when not given, the current language: Chinese unless
the caller chose otherwise for a block of work (:func:`language`), as the command line does for ``--lang en``.
Field names are shown by their Chinese (or English) label (:func:`field_label`), with the key in brackets where an
engineer needs it.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .derived_json import digest, dumps, load_if_current

__all__ = [
    "LANGS",
    "Category",
    "Dimension",
    "Field",
    "Msg",
    "Unit",
    "catalogue",
    "current_language",
    "field_label",
    "language",
    "msg",
    "pick",
    "place",
    "text",
    "unit_text",
]

LANGS = ("zh", "en")
_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("qbalance_language", default="zh")
_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


def current_language() -> str:
    """The language renderings use when none is given: ``zh`` unless set by :func:`language`."""
    return _LANG.get()


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """Use ``lang`` (``zh`` or ``en``) as the default language inside the block."""
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
    token = _LANG.set(lang)
    try:
        yield
    finally:
        _LANG.reset(token)


def pick(pair: tuple[str, str] | Mapping[str, str], lang: str | None = None) -> str:
    """The text of a (zh, en) pair or ``{zh:, en:}`` label in ``lang`` (the current language by default)."""
    lang = lang or current_language()
    if isinstance(pair, Mapping):
        return str(pair.get(lang) or pair.get("zh") or "")
    return pair[1] if lang == "en" else pair[0]


def _safe_yaml(text: str) -> Any:
    """One YAML document read by PyYAML's *safe* loader only — libyaml's ``CSafeLoader`` when PyYAML has it (ten
    times faster than the pure-Python ``SafeLoader``; the catalogue is read at every command's start), else
    ``SafeLoader``: what ``yaml.safe_load`` does, with the faster safe loader. No tag can construct an object."""
    import yaml  # the catalogue is the package's own data; tests check every key and template is text

    safe = yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader
    loader = safe(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message: key → ``{"zh": template, "en": template}``, from the package's ``catalogue/*.yaml``.

    The YAML is parsed from ``catalogue.json`` when that file was made from exactly these YAML files (the SHA-256
    of their names and bytes matches; ``python tools/build_catalogue.py`` writes it): reading JSON takes a
    millisecond, parsing the YAML some 50 ms of every command's start. A stale or missing JSON is never used."""
    files = _catalogue_files()
    data = load_if_current(_HERE / "catalogue.json", digest(files))
    if data is not None:
        return {str(k): {lang: str(v[lang]) for lang in LANGS} for k, v in data["messages"].items()}
    return parse_catalogue(files)


_HERE = Path(__file__).resolve().parent


def _catalogue_files() -> list[tuple[str, bytes]]:
    entries = sorted((e for e in (_HERE / "catalogue").iterdir() if e.name.endswith(".yaml")), key=lambda e: e.name)
    return [(e.name, e.read_bytes()) for e in entries]


def parse_catalogue(files: list[tuple[str, bytes]] | None = None) -> dict[str, dict[str, str]]:
    """The catalogue parsed from its YAML files (all of them by default)."""
    out: dict[str, dict[str, str]] = {}
    for _name, raw in files if files is not None else _catalogue_files():
        data = _safe_yaml(raw.decode("utf-8")) or {}
        for key, pair in data.items():
            if key in out:
                raise RuntimeError(f"message {key!r} is defined twice in the catalogue")
            out[key] = {lang: str(pair[lang]) for lang in LANGS}
    return out


def compiled_catalogue() -> str:
    """The text of ``catalogue.json``: the parsed catalogue and the digest of the YAML it was made from."""
    files = _catalogue_files()
    return dumps(digest(files), messages=parse_catalogue(files))


class _Args(dict[str, Any]):
    """Format arguments: a missing one shows as ``{name}`` instead of failing (a message never raises)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(key: str, lang: str | None = None, /, **args: Any) -> str:
    """The message ``key`` in ``lang`` (the current language by default) with its arguments filled in. Arguments
    that are :class:`Unit` or :class:`Field` render in the same language."""
    entry = catalogue().get(key)
    if entry is None:
        return key + (" " + repr(args) if args else "")
    lang = lang if lang in LANGS else current_language()
    with language(lang):
        return string.Formatter().vformat(entry[lang], (), _Args(args))


@dataclass(frozen=True)
class Unit:
    """A unit as a message argument: ``m**2`` shows as 平方米 in Chinese, m² in English."""

    unit: str

    def __format__(self, spec: str) -> str:
        return format(unit_text(self.unit), spec)

    def __str__(self) -> str:
        return unit_text(self.unit)


@dataclass(frozen=True)
class Field:
    """A field as a message argument: shown by its label in the message's language."""

    name: str

    def __format__(self, spec: str) -> str:
        return format(field_label(self.name), spec)

    def __str__(self) -> str:
        return field_label(self.name)


@dataclass(frozen=True)
class Category:
    """A category value as a message argument: ``nine_year`` shows as 九年一贯制学校 in Chinese."""

    kind: str
    value: str

    def __format__(self, spec: str) -> str:
        from .vocabulary import CATEGORY_LABELS

        pair = CATEGORY_LABELS.get(self.kind, {}).get(self.value)
        return format(pick(pair) if pair else self.value, spec)

    def __str__(self) -> str:
        return format(self, "")


@dataclass(frozen=True)
class Dimension:
    """A dimensionality as a message argument: ``[length] ** 2`` shows as 面积 in Chinese (as written when unknown)."""

    dims: str

    def __format__(self, spec: str) -> str:
        key = f"dims.{_unit_slug(self.dims)}"
        shown = text(key) if key in catalogue() and current_language() != "en" else self.dims
        return format(shown, spec)

    def __str__(self) -> str:
        return format(self, "")


def _unit_slug(unit: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", unit.strip().lower()).strip("_")


def unit_text(unit: str, lang: str | None = None) -> str:
    """A unit as people write it: 平方米 / m², 元/生 / yuan per student; as written (``²`` for ``**2``) otherwise."""
    key = f"unit.{_unit_slug(unit)}"
    if key in catalogue():
        return text(key, lang)
    return unit.replace("**2", "²").replace("**3", "³").replace("class_", "class")


@dataclass(frozen=True)
class Msg:
    """A message by key with its arguments; rendered in either language when shown."""

    key: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (the current language by default)."""
        return text(self.key, lang, **self.args)

    def __str__(self) -> str:
        return self.text()


_ROW = re.compile(r"^row (\d+)$")
_LINE = re.compile(r"^line (\d+), column (\d+)")


def place(location: str | None, lang: str | None = None) -> str | None:
    """A location as the reader says it: ``row 7`` is 第7行, ``line 3, column 5`` 第3行第5列 in Chinese."""
    if location is None:
        return None
    if m := _ROW.match(location):
        return text("problem.row", lang, row=m.group(1))
    if m := _LINE.match(location):  # also "line 4, column 5, changes[0] (add_resources)"
        return text("problem.line", lang, line=m.group(1), column=m.group(2)) + location[m.end() :]
    return location


def msg(key: str, /, **args: Any) -> Msg:
    """A message of the catalogue, by key (checked in tests: every key used in the code is in the catalogue)."""
    return Msg(key, args)


def field_label(name: str | None, lang: str | None = None, extra: Mapping[str, Any] | None = None) -> str:
    """A field as people name it: its label in ``lang`` (教学及辅助用房面积), or the key itself when there is none.

    ``name`` is a dotted key as problems carry it (``facilities.teaching_aux_area``,
    ``sections.primary.teachers.backbone``, ``facts.layout_planning``). ``extra`` gives labels the pack declares
    (``{"layout_planning": {"zh": ..., "en": ...}}``). A section field is named with its section (小学 …).
    """
    if not name:
        return ""
    parts = name.split(".")
    section = ""
    if len(parts) >= 3 and parts[0] == "sections":
        from .vocabulary import SECTION_ZH

        section, parts = SECTION_ZH.get(parts[1], parts[1]), parts[2:]
    if parts and parts[0] == "facts" and len(parts) > 1:
        parts = parts[1:]
    key = ".".join(parts)
    if extra and key in extra and extra[key]:
        label = pick(extra[key], lang)
    elif f"field.{key}" in catalogue():
        label = text(f"field.{key}", lang)
    else:
        label = key
    if section and f"field.section.{section}" in catalogue():
        joined = "field.in_section" if not label.isascii() else "field.in_section_spaced"
        return text(joined, lang, section=text(f"field.section.{section}", lang), field=label)
    return label
