"""Fuzzing the untrusted inputs: pack files (YAML text, bytes, expressions) and county files.

Whatever a pack or a county file contains, loading it either succeeds or raises the package's own error
(:class:`qbalance.PackError` for packs, :class:`qbalance.InputError` for county data) naming the file and, where
there is one, the place. No other exception escapes and nothing hangs. The expression escape corpus (numexpr,
asteval, simpleeval) and the fuzzing of the bare parser/compiler live in ``test_dsl_security.py``; here the
expressions go through the whole pack loader.

Bounded: Hypothesis runs at most 200 examples per test (fewer for the tests that load a whole pack) with no
per-example deadline; the file runs in well under 30 s.
"""

from __future__ import annotations

import json
import os
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qbalance
from conftest import county, school

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_PACK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NATIONAL = Path(__file__).resolve().parents[1] / "standards" / "cn-moe-2017" / "pack.yaml"

OVERLAY = """\
format: qbalance-pack/1
id: xx-fuzz
version: "1.0.0"
effective: 2024-01-01
extends: cn-moe-2017
title: {zh: 模糊测试, en: fuzz overlay}
sources:
  local: {title: {zh: 地方文件}}
"""


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _load_pack(path: Path) -> qbalance.PackError | None:
    """Load a pack; return its PackError (checked to name the file), None on success; anything else fails."""
    try:
        qbalance.load_standard(path)
    except qbalance.PackError as exc:
        assert exc.problems, "a PackError lists its problems"
        assert all(isinstance(p.message, str) and p.message for p in exc.problems)
        return exc
    return None


def _set_expression(expression: str) -> str:
    return (
        OVERLAY
        + "changes:\n"
        + f"  - {{set: indicators.R4.expression, value: {_yaml_str(expression)}, cite: {{source: local}}}}\n"
    )


def _yaml_str(text: str) -> str:
    return yaml.safe_dump(text, default_style='"', width=10**9).strip().removesuffix("...").strip()


# -- expressions through the whole pack loader -------------------------------------------------------------------

PACK_TOKENS = [
    "students",
    "teachers.full_time",
    "teachers.backbone",
    "facilities.teaching_aux_area",
    "facilities.indoor_gym_area",
    "classes",
    "section",
    "params.cv_limit",
    "params.nope",
    "unknown",
    "__class__",
    "__import__",
    "().__class__",
    "0",
    "1",
    "4.2",
    "1e308",
    "1e999",
    "[m**2]",
    "[m**2 / student]",
    "[student]",
    "[万元]",
    "[m; x]",
    "'primary'",
    '"junior"',
    "+",
    "-",
    "*",
    "/",
    "**",
    "(",
    ")",
    ",",
    "<",
    ">=",
    "==",
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "min",
    "max",
    "where",
    "coalesce",
    "is_missing",
    "school_sum",
    "county_sum",
    "lambda",
    "eval",
    "open",
    "getattr",
    "if",
    "else",
    ";",
    ":",
    "=",
    ".",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "#",
    "\n",
]


@FUZZ_PACK
@given(st.lists(st.sampled_from(PACK_TOKENS), min_size=1, max_size=20))
def test_fuzz_pack_expression_token_soup(workdir: Path, tokens: list[str]) -> None:
    path = _write(workdir / "expr" / "pack.yaml", _set_expression(" ".join(tokens)))
    exc = _load_pack(path)
    if exc is not None:
        assert any(p.source == str(path) for p in exc.problems) or "R4" in str(exc), str(exc)


_LEAVES = [
    "students",
    "teachers.full_time",
    "facilities.teaching_aux_area",
    "classes",
    "1",
    "0",
    "100",
    "2 [m**2]",
    "'primary'",
    "true",
    "params.cv_limit",
]


@FUZZ_PACK
@given(
    st.recursive(
        st.sampled_from(_LEAVES),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "<", ">=", "==", "and", "or"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(
                st.sampled_from(["min", "max", "abs", "ceil", "is_missing", "school_sum", "county_sum"]), inner
            ).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"where({t[0]}, {t[1]}, {t[2]})"),
            inner.map(lambda s: f"not {s}"),
            inner.map(lambda s: f"-{s}"),
        ),
        max_leaves=10,
    )
)
def test_fuzz_pack_expression_random_ast(workdir: Path, text: str) -> None:
    path = _write(workdir / "ast" / "pack.yaml", _set_expression(text))
    _load_pack(path)


def test_valid_expression_through_the_fuzz_overlay_loads(workdir: Path) -> None:
    """Guards against a fuzz harness that passes only because every overlay is refused."""
    path = _write(workdir / "ok" / "pack.yaml", _set_expression("facilities.teaching_aux_area / students"))
    assert _load_pack(path) is None


# -- random pack documents and bytes -----------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["qbalance-pack/1", "cn-moe-2017", "2024-01-01", "1.0.0", "m**2", "students", "x +"]),
)
_KEYS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "format",
            "id",
            "version",
            "effective",
            "extends",
            "include",
            "title",
            "zh",
            "sources",
            "parameters",
            "inputs",
            "indicators",
            "items",
            "areas",
            "scopes",
            "changes",
            "expression",
            "unit",
            "level",
            "set",
            "value",
            "cite",
        ]
    ),
)
_DOCS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=5)),
    max_leaves=25,
)


@FUZZ
@given(st.dictionaries(_KEYS, _DOCS, max_size=8))
def test_fuzz_random_pack_documents(workdir: Path, doc: dict[str, Any]) -> None:
    path = _write(workdir / "doc" / "pack.yaml", yaml.safe_dump(doc, allow_unicode=True))
    exc = _load_pack(path)
    assert exc is not None  # a random document is never a valid pack


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_pack_bytes(workdir: Path, raw: bytes) -> None:
    path = _write(workdir / "bytes" / "pack.yaml", raw)
    exc = _load_pack(path)
    assert exc is not None
    assert all(p.source in (str(path), None) for p in exc.problems)


@FUZZ
@given(st.text(alphabet="abc:-[]{}&*!|>'\"#%@`,?\n ~0.", max_size=120))
def test_fuzz_yaml_syntax_soup(workdir: Path, text: str) -> None:
    path = _write(workdir / "soup" / "pack.yaml", text)
    assert _load_pack(path) is not None


_NATIONAL_LINES = NATIONAL.read_text(encoding="utf-8").splitlines(keepends=True)


@FUZZ_PACK
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["delete", "duplicate", "swap", "dedent", "truncate"]),
            st.integers(0, len(_NATIONAL_LINES) - 1),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_fuzz_mutated_national_pack(workdir: Path, mutations: list[tuple[str, int]]) -> None:
    """Damaged copies of the real pack: deleted, duplicated, swapped, dedented or truncated lines."""
    lines = list(_NATIONAL_LINES)
    for op, i in mutations:
        i = min(i, len(lines) - 1)
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip(" ")
        elif op == "truncate":
            lines[i] = lines[i][: len(lines[i]) // 2] + "\n"
    path = _write(workdir / "mutant" / "pack.yaml", "".join(lines).replace("id: cn-moe-2017", "id: xx-mutant", 1))
    _load_pack(path)


# -- county files: random documents and bytes give InputError only ---------------------------------------------


def _evaluate_county(std: qbalance.Standard, path: Path) -> None:
    try:
        std.evaluate(path)
    except qbalance.InputError as exc:
        assert exc.problems
        assert all(p.source in (str(path), "<dict>", None) for p in exc.problems)


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_county_bytes(national: qbalance.Standard, workdir: Path, raw: bytes) -> None:
    _evaluate_county(national, _write(workdir / "county.yaml", raw))


@FUZZ
@given(st.dictionaries(_KEYS | st.sampled_from(["code", "name", "schools", "facts"]), _DOCS, max_size=6))
def test_fuzz_random_county_documents(national: qbalance.Standard, workdir: Path, doc: dict[str, Any]) -> None:
    _evaluate_county(national, _write(workdir / "county.json", json.dumps(doc, default=str)))


_COUNTY_VALUES = st.one_of(
    _SCALARS,
    st.sampled_from(["4,500 m²", "4,50 m²", "3 万元", "2 亩", "1e15 m²", "85%", "-1", ".nan", "no", "小学", "高中"]),
)


@FUZZ
@given(
    st.sampled_from(
        [
            ("facilities", "teaching_aux_area"),
            ("facilities", "equipment_value"),
            ("facilities", "multimedia_classrooms"),
            ("sections", "primary", "students"),
            ("sections", "primary", "teachers", "full_time"),
            ("sections", "primary", "facts", "max_class_size"),
            ("facts", "music_rooms"),
            ("facts", "has_charter"),
            ("type",),
            ("boarding",),
            ("id",),
        ]
    ),
    _COUNTY_VALUES,
)
def test_fuzz_one_county_value(national: qbalance.Standard, path: tuple[str, ...], value: Any) -> None:
    """Any value in any field: a report, or an InputError naming that school."""
    data = county(school("A"), school("B"))
    cur = data["schools"][0]
    for key in path[:-1]:
        cur = cur[key]
    cur[path[-1]] = value
    try:
        national.evaluate(data)
    except qbalance.InputError as exc:
        assert exc.problems
        named = {"A", "(schools[0])", str(value).strip()}
        assert any(p.school_id in named for p in exc.problems), str(exc)


# -- the YAML loader's bounds, seen through the pack loader ------------------------------------------------------


def _refused(path: Path, message: str, *, with_location: bool = True, seconds: float = 5.0) -> qbalance.PackError:
    start = time.perf_counter()
    exc = _load_pack(path)
    assert time.perf_counter() - start < seconds
    assert exc is not None, "expected a PackError"
    (problem,) = exc.problems
    assert problem.source == str(path)
    assert message in problem.message, problem.message
    if with_location:
        assert problem.location is not None and problem.location.startswith("line "), problem
    return exc


def test_billion_laughs_pack_is_refused_with_file_and_place(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    path = _write(tmp_path / "laughs" / "pack.yaml", "\n".join(lines) + "\n")
    _refused(path, "document too large")


def test_deeply_nested_pack_is_refused_with_file_and_place(tmp_path: Path) -> None:
    path = _write(tmp_path / "deep" / "pack.yaml", "a: " + "[" * 60 + "]" * 60 + "\n")
    _refused(path, "nested deeper than")
    path = _write(tmp_path / "deeper" / "pack.yaml", "a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    exc = _load_pack(path)
    assert exc is not None and exc.problems[0].source == str(path)


def test_huge_scalar_in_a_pack_is_refused_with_file_and_place(tmp_path: Path) -> None:
    path = _write(tmp_path / "huge" / "pack.yaml", "title: '" + "x" * 150_000 + "'\n")
    _refused(path, "longer than")


def test_oversize_pack_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = _write(tmp_path / "big" / "pack.yaml", "# " + "x" * 2_100_000 + "\n")
    _refused(path, "larger than", with_location=False)


def test_python_tags_in_a_pack_are_refused_with_file_and_place(tmp_path: Path) -> None:
    path = _write(tmp_path / "tag" / "pack.yaml", "id: !!python/object/apply:os.system ['echo pwned']\n")
    _refused(path, "tag")


# -- include and extends must stay inside the pack directory and the catalogue -----------------------------------


def _overlay_with(tmp_path: Path, name: str, extra: str) -> Path:
    return _write(tmp_path / name / "pack.yaml", OVERLAY.replace("xx-fuzz", f"xx-{name}") + textwrap.dedent(extra))


@pytest.mark.parametrize(
    ("include", "message"),
    [
        ("../outside.yaml", "outside the pack's directory"),
        ("sub/../../outside.yaml", "outside the pack's directory"),
        ("/etc/passwd", "relative path inside"),
        ("C:/Windows/win.ini", "relative path inside"),
        ("\\\\server\\share\\x.yaml", "relative path inside"),
        ("", "relative path inside"),
    ],
)
def test_include_escapes_are_refused(tmp_path: Path, include: str, message: str) -> None:
    _write(tmp_path / "outside.yaml", "parameters: {}\n")
    path = _overlay_with(tmp_path, "inc", f"include: [{_yaml_str(include)}]\n")
    exc = _load_pack(path)
    assert exc is not None
    assert any(message in p.message and p.source == str(path) and p.location for p in exc.problems), str(exc)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks_leading_outside_the_pack_are_refused(tmp_path: Path) -> None:
    outside = _write(tmp_path / "outside" / "frag.yaml", "parameters: {}\n")
    pack_dir = tmp_path / "sym"
    pack_dir.mkdir()
    try:
        (pack_dir / "frag.yaml").symlink_to(outside)
        (pack_dir / "dir").symlink_to(outside.parent, target_is_directory=True)
    except OSError:  # pragma: no cover - e.g. Windows without the privilege
        pytest.skip("cannot create symlinks here")
    for include in ("frag.yaml", "dir/frag.yaml"):
        path = _write(pack_dir / "pack.yaml", OVERLAY.replace("xx-fuzz", "xx-sym") + f"include: [{include}]\n")
        exc = _load_pack(path)
        assert exc is not None
        assert any("outside the pack's directory" in p.message for p in exc.problems), str(exc)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_symlink_inside_the_pack_is_allowed(tmp_path: Path) -> None:
    _write(tmp_path / "in" / "real" / "frag.yaml", "parameters:\n  xx_extra: {value: 1, cite: {source: local}}\n")
    try:
        (tmp_path / "in" / "link.yaml").symlink_to(tmp_path / "in" / "real" / "frag.yaml")
    except OSError:  # pragma: no cover
        pytest.skip("cannot create symlinks here")
    path = _write(tmp_path / "in" / "pack.yaml", OVERLAY.replace("xx-fuzz", "xx-in") + "include: [link.yaml]\n")
    exc = _load_pack(path)
    assert exc is None or not any("outside" in p.message for p in exc.problems), str(exc)


@pytest.mark.parametrize("extends", ["../cn-moe-2017", "/etc/passwd", "cn-moe-2017/pack.yaml", "pack.yaml", "a\\b"])
def test_extends_with_a_path_is_refused(tmp_path: Path, extends: str) -> None:
    path = _write(
        tmp_path / "ext" / "pack.yaml", OVERLAY.replace("extends: cn-moe-2017", f"extends: {_yaml_str(extends)}")
    )
    exc = _load_pack(path)
    assert exc is not None
    assert any("names a pack id" in p.message and p.location for p in exc.problems), str(exc)


def test_extends_does_not_reach_a_directory_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = NATIONAL.read_text(encoding="utf-8").replace("id: cn-moe-2017", "id: evil-base", 1)
    _write(tmp_path / "evil" / "pack.yaml", evil)
    path = _write(tmp_path / "packs" / "ov" / "pack.yaml", OVERLAY.replace("extends: cn-moe-2017", "extends: evil"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(qbalance.PackError, match="no pack 'evil' found"):
        qbalance.load_standard(path)
