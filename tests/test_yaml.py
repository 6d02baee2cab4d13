"""Tests of the safe, bounded YAML/JSON loader ``qbalance._base.documents``.

The loader must read plain scalars by the YAML 1.2 core schema (no YAML 1.1 surprises), refuse anything that could
construct objects or explode in size, and remember where each value was so errors can point at a line.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qbalance
from qbalance._base.documents import DATA_LIMITS, PACK_LIMITS, Limits, Loaded, YamlRefused, load_json, load_yaml

# A child process that may hang or grow: its address space is capped at 2 GiB (POSIX only).
CHILD_PRELUDE = """
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (2**31, 2**31))
except (ImportError, ValueError, OSError):
    pass
"""


def load(text: str, limits: Limits = PACK_LIMITS) -> object:
    return load_yaml(text, "test.yaml", limits).data


def refusal(text: str, limits: Limits = PACK_LIMITS) -> qbalance.Problem:
    with pytest.raises(YamlRefused) as info:
        load_yaml(text, "test.yaml", limits)
    problem = info.value.problem
    assert isinstance(problem, qbalance.Problem)
    assert problem.source == "test.yaml"
    return problem


def billion_laughs(levels: int) -> str:
    """The classic alias bomb: each level is a list of ten aliases of the previous one (10**levels leaves)."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


# -- scalars: YAML 1.2 core schema, no 1.1 surprises ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        # YAML 1.1 booleans stay text
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("off", "off"),
        ("No", "No"),
        ("YES", "YES"),
        ("y", "y"),
        ("n", "n"),
        # codes with leading zeros stay text (1.1 would read octal 0123 = 83)
        ("0123", "0123"),
        ("053201", "053201"),
        ("-0123", "-0123"),
        ("00.5", "00.5"),
        # dates and times stay text (1.1 would build datetime.date / sexagesimal 12:30 = 750)
        ("2017-04-19", "2017-04-19"),
        ("12:30", "12:30"),
        # other 1.1-only number forms stay text
        ("0o17", "0o17"),
        ("0x1F", "0x1F"),
        ("1_000", "1_000"),
        # the 1.2 core schema values
        ("true", True),
        ("false", False),
        ("True", True),
        ("FALSE", False),
        ("null", None),
        ("~", None),
        ("12", 12),
        ("-7", -7),
        ("+5", 5),
        ("0", 0),
        ("1.5", 1.5),
        ("0.5", 0.5),
        (".5", 0.5),
        ("1e5", 100_000.0),
        ("-2.5E-3", -0.0025),
        (".inf", math.inf),
        ("-.inf", -math.inf),
        ("+.Inf", math.inf),
        ("hello", "hello"),
        ("学校", "学校"),
    ],
)
def test_plain_scalars_follow_the_core_schema(scalar: str, expected: object) -> None:
    value = load(f"v: {scalar}\n")["v"]  # type: ignore[index]
    assert value == expected
    assert type(value) is type(expected)


def test_nan_parses_as_float() -> None:
    for spelling in (".nan", ".NaN", ".NAN"):
        value = load(f"v: {spelling}\n")["v"]  # type: ignore[index]
        assert isinstance(value, float) and math.isnan(value)


def test_empty_value_is_null_and_empty_document_is_none() -> None:
    assert load("v:\n") == {"v": None}
    assert load_yaml("", "empty.yaml").data is None
    assert load_yaml("# only a comment\n", "c.yaml").data is None


def test_quoted_and_block_scalars_stay_text() -> None:
    data = load("a: '12'\nb: \"true\"\nc: 'no'\nd: |\n  line\ne: >\n  folded\n")
    assert data == {"a": "12", "b": "true", "c": "no", "d": "line\n", "e": "folded\n"}


def test_keys_are_always_text() -> None:
    # 'no:' would be False and '01:' the integer 1 under YAML 1.1; keys stay exactly as written.
    assert load("no: 1\n01: 2\n3: 3\ntrue: 4\n") == {"no": 1, "01": 2, "3": 3, "true": 4}


def test_nested_structures_and_bytes_input() -> None:
    text = "学校:\n  - id: '001'\n    students: 1000\n  - id: '002'\n    students: 0\n"
    expected = {"学校": [{"id": "001", "students": 1000}, {"id": "002", "students": 0}]}
    assert load(text) == expected
    assert load_yaml(text.encode("utf-8"), "b.yaml").data == expected


def test_anchors_and_aliases_within_limits_are_expanded() -> None:
    assert load("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


# -- positions ----------------------------------------------------------------------------------------------------


def test_positions_point_at_each_value() -> None:
    text = "a:\n  b: 5\n  c:\n    - 1\n    - 7\nd: x\n"
    loaded = load_yaml(text, "p.yaml")
    assert isinstance(loaded, Loaded)
    assert loaded.source == "p.yaml"
    # by counting lines/columns (1-based) in the text above
    assert loaded.where(("a", "b")) == "line 2, column 6"
    assert loaded.where(("a", "c", 0)) == "line 4, column 7"
    assert loaded.where(("a", "c", 1)) == "line 5, column 7"
    assert loaded.where(("d",)) == "line 6, column 4"
    assert set(loaded.positions) >= {("a", "b"), ("a", "c", 0), ("a", "c", 1), ("d",)}


def test_where_falls_back_to_the_nearest_ancestor() -> None:
    loaded = load_yaml("a:\n  b: 5\n", "p.yaml")
    assert loaded.where(("a", "b", "missing", 3)) == "line 2, column 6"
    assert loaded.where(("a", "b")) == "line 2, column 6"
    assert Loaded({}, "x").where(("q",)) is None


# -- refusals -----------------------------------------------------------------------------------------------------


def test_duplicate_keys_are_refused_with_both_positions() -> None:
    problem = refusal("a: 1\na: 2\n")
    assert problem.location == "line 2, column 1"
    assert "duplicate key 'a'" in problem.message
    assert "line 1, column 1" in problem.message  # where the first one was


def test_duplicate_keys_in_nested_mapping() -> None:
    problem = refusal("s:\n  x: 1\n  y: 2\n  x: 3\n")
    assert problem.location == "line 4, column 3"


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("a: 1\nb: !!python/object/apply:os.system ['id']\n", "line 2, column 4"),
        ("a: !!python/name:os.system\n", "line 1, column 4"),
        ("a: !!python/object:collections.OrderedDict {}\n", "line 1, column 4"),
        ("a: !!python/object/new:type [x]\n", "line 1, column 4"),
        ("a: !foo bar\n", "line 1, column 4"),
        ("a: !foo [1]\n", "line 1, column 4"),
        ("a: !foo {b: 1}\n", "line 1, column 4"),
        ("a: !!binary aGVsbG8=\n", "line 1, column 4"),
        ("a: !!set {x}\n", "line 1, column 4"),
        ("a: !!omap [x: 1]\n", "line 1, column 4"),
        ("!foo k: 1\n", "line 1, column 1"),
        ("!<tag:example.com,2000:app/x> a: 1\n", "line 1, column 1"),
    ],
)
def test_explicit_tags_are_refused(text: str, location: str) -> None:
    problem = refusal(text)
    assert "tag" in problem.message
    assert problem.location == location


def test_tags_are_refused_without_running_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: calls.append(a))
    refusal("a: !!python/object/apply:os.system ['touch /tmp/qbalance-pwned']\n")
    refusal("a: !!python/object/apply:subprocess.Popen [['id']]\n")
    assert calls == []


def test_explicit_str_tag_is_honoured_or_refused() -> None:
    try:
        value = load("a: !!str 123\n")["a"]  # type: ignore[index]
    except YamlRefused:
        return  # refusing explicit tags altogether is also acceptable
    assert value == "123"


def test_merge_keys_are_refused() -> None:
    problem = refusal("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n")
    assert problem.location == "line 3, column 3"
    assert "merge" in problem.message


def test_quoted_merge_like_key_is_plain_text() -> None:
    assert load('"<<": 1\n') == {"<<": 1}


def test_plain_scalars_are_read_once_by_the_yaml_1_2_rules() -> None:
    """The composer leaves plain scalars untyped (no YAML 1.1 resolution) and :func:`_plain` reads them; an explicit
    tag on a plain scalar is still checked against what the value is (by YAML's own resolver): ``!!int 5`` agrees,
    ``!!float 5`` does not; a plain ``<<`` as a value is the merge tag, refused as before."""
    assert load("a: !!int 5\nb: no\nc: 0123\nd: 1e3\ne: ~\nf: 2024-01-01\ng: =\nh: .inf\n") == {
        "a": 5,
        "b": "no",
        "c": "0123",
        "d": 1000.0,
        "e": None,
        "f": "2024-01-01",
        "g": "=",
        "h": float("inf"),
    }
    assert "tag:yaml.org,2002:float" in refusal("a: !!float 5\n").message
    assert "merge" in refusal("a: <<\n").message


def test_non_text_keys_are_refused() -> None:
    problem = refusal("? [1, 2]\n: 3\n")
    assert problem.location == "line 1, column 3"


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    # Depth: the root mapping is 0, each nested value one more. '{a: {a: {a: {a: 1}}}}' has its 1 at depth 4.
    limits = Limits(max_depth=3)
    assert load("{a: {a: {a: 1}}}", limits) == {"a": {"a": {"a": 1}}}
    problem = refusal("{a: {a: {a: {a: 1}}}}", limits)
    assert "deeper than 3" in problem.message
    assert problem.location is not None and problem.location.startswith("line 1, column")


def test_very_deep_nesting_is_refused_quickly() -> None:
    start = time.perf_counter()
    refusal("[" * 100_000 + "]" * 100_000)
    refusal("a:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(60)))
    assert time.perf_counter() - start < 2.0


def test_billion_laughs_is_refused_quickly() -> None:
    # 9 levels → 10**9 leaves after alias expansion from ~500 bytes of text.
    text = billion_laughs(9)
    assert len(text) < 600
    start = time.perf_counter()
    problem = refusal(text)
    assert time.perf_counter() - start < 2.0
    assert "after expanding aliases" in problem.message
    assert problem.location is not None and problem.location.startswith("line ")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_billion_laughs_in_utf16_is_refused_too(encoding: str) -> None:
    """The alias walk is skipped only for a document without both indicator bytes (``&`` and ``*``); in UTF-16 both
    are still there, each beside a zero byte, so the bomb is counted and refused as in UTF-8."""
    raw = "\ufeff".encode(encoding) + billion_laughs(9).encode(encoding)
    with pytest.raises(YamlRefused) as info:
        load_yaml(raw, "test.yaml")
    assert "after expanding aliases" in info.value.problem.message


def test_a_document_with_stars_but_no_anchor_reads_as_written() -> None:
    """``*`` in text (an expression) without any ``&``: no alias can exist, and the values are read as written."""
    assert load("expr: 'a * b'\nnote: x*y\nlist: [1, '*', 2]\n") == {
        "expr": "a * b",
        "note": "x*y",
        "list": [1, "*", 2],
    }


def test_node_limit_counts_expanded_aliases() -> None:
    # 3 levels = 1 root + 3 keys' values: a0 (1 + 10), a1 (1 + 10*11), a2 (1 + 10*111) = 1 + 11 + 111 + 1111 = 1234
    # nodes after expansion (keys are not counted): refused at 1000, accepted at 2000.
    text = billion_laughs(3)
    refusal(text, Limits(max_nodes=1000))
    data = load(text, Limits(max_nodes=2000))
    assert len(data["a2"]) == 10 and data["a2"][9][9] == ["lol"] * 10  # type: ignore[index]


def test_billion_laughs_is_refused_quickly_with_data_limits() -> None:
    # In a child process (bounded by a timeout) so that the expected hang cannot stall the test run.
    code = textwrap.dedent(
        f"""
        import time
        from qbalance._base.documents import DATA_LIMITS, YamlRefused, load_yaml
        text = {billion_laughs(9)!r}
        start = time.perf_counter()
        try:
            load_yaml(text, "county.yaml", DATA_LIMITS)
            print("accepted")
        except YamlRefused:
            print("refused", time.perf_counter() - start)
        """
    )
    assert DATA_LIMITS.max_nodes >= 1  # the limits object the county loader uses
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD_PRELUDE + code], capture_output=True, text=True, timeout=3.0, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the alias bomb was not refused within the time limit")
    word, _, seconds = out.stdout.strip().partition(" ")
    assert word == "refused", out.stdout + out.stderr
    assert float(seconds) < 2.0


def test_oversize_input_is_refused_before_parsing() -> None:
    limits = Limits(max_bytes=10)
    assert load("a: 123456\n", limits) == {"a": 123456}  # exactly 10 bytes is allowed
    problem = refusal("a: 1234567\n", limits)  # 11 bytes
    assert "larger than 10 bytes" in problem.message
    # the bound is on UTF-8 bytes, not characters: '学校' is 6 bytes, 'a: 学校\n' is 10 bytes, 'a: 学校校\n' 13
    assert load("a: 学校\n", limits) == {"a": "学校"}
    refusal("a: 学校校\n", limits)


def test_long_scalar_is_refused() -> None:
    problem = refusal("a: " + "x" * 101 + "\n", Limits(max_scalar_chars=100))
    assert "longer than 100" in problem.message
    assert problem.location == "line 1, column 4"


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("a: [1, 2\n", "line 2, column 1"),  # unclosed flow sequence: found at end of input
        ("a: 1\n b: 2\n", "line 2, column 3"),  # bad indentation
        ("a: 'unclosed\n", None),
        ("--- 1\n--- 2\n", "line 2, column 1"),  # two documents
        ("a: *nowhere\n", None),  # undefined alias
    ],
)
def test_invalid_yaml_is_refused(text: str, location: str | None) -> None:
    problem = refusal(text)
    assert problem.message.startswith("not valid YAML")
    if location is not None:
        assert problem.location == location


def test_refusal_renders_source_and_location() -> None:
    with pytest.raises(YamlRefused) as info:
        load_yaml("a: 1\na: 2\n", "pack.yaml")
    assert str(info.value).startswith("pack.yaml:line 2, column 1:")
    assert isinstance(info.value, ValueError)


# -- JSON ---------------------------------------------------------------------------------------------------------


def test_json_loads_plain_values() -> None:
    loaded = load_json('{"a": [1, 2.5, "x", true, null], "b": {"c": "053201"}}', "c.json")
    assert loaded.data == {"a": [1, 2.5, "x", True, None], "b": {"c": "053201"}}
    assert loaded.source == "c.json"


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', "[NaN]"])
def test_json_rejects_nan_and_infinity(text: str) -> None:
    with pytest.raises(YamlRefused, match="not valid JSON"):
        load_json(text, "c.json")


def test_json_rejects_duplicate_keys() -> None:
    with pytest.raises(YamlRefused, match="duplicate key 'a'"):
        load_json('{"b": {"a": 1, "a": 2}}', "c.json")


def test_json_bounds() -> None:
    with pytest.raises(YamlRefused, match="larger than 5 bytes"):
        load_json("[1, 2]", "c.json", Limits(max_bytes=5))
    with pytest.raises(YamlRefused, match="deeper than 3"):
        load_json("[[[[1]]]]", "c.json", Limits(max_depth=3))  # the 1 is at depth 4
    assert load_json("[[[1]]]", "c.json", Limits(max_depth=3)).data == [[[1]]]
    with pytest.raises(YamlRefused):
        load_json("[" * 200_000 + "]" * 200_000, "c.json")
    with pytest.raises(YamlRefused, match="not valid JSON"):
        load_json("{'a': 1}", "c.json")


def _rules_plain(text: str) -> object:
    """A plain scalar read rule by rule (the YAML 1.2 core schema, codes with a leading zero kept as text), with no
    shortcut: the reference for the loader's ``_plain``, which returns text at once when the first character
    cannot begin anything else."""
    import re

    if text in {"", "~", "null", "Null", "NULL"}:
        return None
    if text in {"true", "True", "TRUE"}:
        return True
    if text in {"false", "False", "FALSE"}:
        return False
    if re.match(r"^[-+]?0[0-9]", text):
        return text
    if re.match(r"^[-+]?(0|[1-9][0-9]*)$", text):
        return int(text)
    if re.match(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", text):
        return float(text)
    special = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, "+.inf": math.inf, "+.Inf": math.inf}
    special |= {"+.INF": math.inf, "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf}
    special |= {".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}
    return special.get(text, text)


_SCALARS = st.one_of(
    st.text(max_size=8),
    st.text(alphabet="-+.0123456789eEnNtTfF~ ", max_size=8),
    st.sampled_from(["null", "True", "FALSE", ".inf", "-.Inf", ".NaN", "0123", "+1", "-0", "1e5", "城区", "S0012"]),
)


@settings(max_examples=400, deadline=None)
@given(_SCALARS)
def test_plain_scalars_are_read_by_the_rules(text: str) -> None:
    from qbalance._base.documents import _plain

    got, want = _plain(text), _rules_plain(text)
    assert type(got) is type(want) and repr(got) == repr(want)
