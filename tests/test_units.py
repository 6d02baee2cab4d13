"""Tests of ``qbalance._units.registry``: reading quantities with units, conversion factors and dimensions.

Expected conversions are worked out by hand from the definitions in STANDARDS/units.txt (1 万元 = 10000 元,
1 亩 = 10000/15 m², 1 公顷 = 10000 m², 1 % = 0.01).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import qbalance
from qbalance._units.registry import canonical_factor, dims_of, format_dims, parse_quantity

# A child process that may hang or grow: its address space is capped at 2 GiB (POSIX only).
CHILD_PRELUDE = """
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (2**31, 2**31))
except (ImportError, ValueError, OSError):
    pass
"""

# -- plain numbers and strings with units -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (4500, "m**2", 4500.0),  # plain numbers are already in the field's canonical unit
        (4500.5, "m**2", 4500.5),
        (7, "万元", 7.0),  # even when that unit is 万元: no conversion of plain numbers
        (0, "student", 0.0),
        (-3, "m", -3.0),
    ],
)
def test_plain_numbers_are_taken_in_the_canonical_unit(value: float, unit: str, expected: float) -> None:
    result = parse_quantity(value, unit)
    assert result == expected
    assert isinstance(result, float)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("3.2 万元", "yuan", 3.2 * 10_000),  # 32000 yuan
        ("3.2万元", "yuan", 32_000.0),  # no space
        ("1.5 万元", "万元", 1.5),  # same unit: factor 1
        ("2 亩", "m**2", 2 * 10_000 / 15),  # 1333.33 m²
        ("1 公顷", "亩", 15.0),  # 10000 m² / (10000/15 m²) = 15 亩
        ("4500 m²", "m**2", 4500.0),
        ("4500 m^2", "m**2", 4500.0),
        ("4500 m**2", "m**2", 4500.0),
        ("4500平方米", "m**2", 4500.0),
        ("4500 sqm", "m**2", 4500.0),
        ("85%", "1", 0.85),
        ("85 %", "1", 0.85),
        ("3 km", "m", 3000.0),
        ("120 学生", "student", 120.0),
        ("1.2e3 元", "yuan", 1200.0),
        ("-5 m", "m", -5.0),
        ("+5 m", "m", 5.0),
        (" 12 m ", "m", 12.0),  # surrounding whitespace
        ("2 teacher / (100 student)", "teacher / student", 0.02),
        ("27 class", "class_", 27.0),  # the counting unit of classes, as the county format documents it
        ("27 班", "class_", 27.0),
        ("1200 人", "student", 1200.0),  # 人 and 个 as the template's headers write them: by the field's own unit
        ("66 人", "teacher", 66.0),
        ("27 个", "class_", 27.0),
    ],
)
def test_strings_with_units_are_converted(text: str, unit: str, expected: float) -> None:
    assert parse_quantity(text, unit) == pytest.approx(expected, rel=1e-12)


def test_mu_is_one_fifteenth_of_a_hectare() -> None:
    # By hand: 1 亩 = 10000/15 m² = 666.666… m², so 2 亩 = 1333.33 m² to two places.
    assert round(parse_quantity("2 亩", "m**2"), 2) == 1333.33


def test_wrong_dimension_names_both_units() -> None:
    with pytest.raises(qbalance.UnitError) as info:
        parse_quantity("3 teacher", "m**2")
    message = str(info.value)
    assert "teacher" in message and "m²" in message  # the field's unit as people write it
    assert "[teacher]" in message and "[length]" in message


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("3 万元", "m**2"),  # currency vs area
        ("2 亩", "m"),  # area vs length
        ("85%", "student"),  # dimensionless vs student
        ("10 student", "teacher"),
    ],
)
def test_wrong_dimension_is_refused(text: str, unit: str) -> None:
    with pytest.raises(qbalance.UnitError, match="but this field is in"):
        parse_quantity(text, unit)


def test_unit_error_is_a_value_error_and_a_qbalance_error() -> None:
    with pytest.raises(ValueError):
        parse_quantity("3 teacher", "m**2")
    with pytest.raises(qbalance.QbalanceError):
        parse_quantity("3 teacher", "m**2")


@pytest.mark.parametrize(
    "value",
    [
        "4500",  # a string number without a unit: ambiguous, refused
        " 4500 ",
        True,
        False,
        float("nan"),
        float("inf"),
        float("-inf"),
        None,
        [4500],
        {"value": 4500},
        b"4500 m2",
        "abc",
        "",
        "m2",  # a unit without a number
        "nan m2",
        "inf m2",
        "1e400 m2",  # overflows to infinity
        "4500 furlongs",  # unknown unit
        "4,50 m2",  # a comma that does not group digits in threes (4,500 m2 is read as 4500)
    ],
)
def test_unreadable_values_are_refused(value: object) -> None:
    with pytest.raises(qbalance.UnitError):
        parse_quantity(value, "m**2")


def test_plain_string_allowed_when_asked() -> None:
    assert parse_quantity("4500", "m**2", allow_plain_string=True) == 4500.0
    assert parse_quantity("4500 m2", "m**2", allow_plain_string=True) == 4500.0


def test_unknown_field_unit_is_refused() -> None:
    with pytest.raises(qbalance.UnitError, match="furlong"):
        parse_quantity("1 m", "furlong")


# -- no code execution through unit text ---------------------------------------------------------------------------

HOSTILE = [
    "__import__('os')",
    "1 __import__('os').system('id')",
    "1 m; import os",
    "1 m2 import os",
    "1 __import__",
    "1 os.system",
    "1 eval",
    "1 exec('1')",
    "1 open('/etc/passwd')",
    "1 m\n__import__('os')",
    "1 ().__class__",
    "1 [m]",
    "1 {m}",
    "1 m|id",
    "1 m`id`",
    "1 m$HOME",
    "1 lambda: 0",
    "1 1/0",
    "1 " + "m*" * 150 + "m",  # longer than the 200-character bound on unit text
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_unit_text_is_refused_without_running_anything(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(os, "system", lambda *a, **k: calls.append("os.system") or 0)
    monkeypatch.setattr(os, "popen", lambda *a, **k: calls.append("os.popen"))
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: calls.append("Popen"))
    with pytest.raises(qbalance.UnitError):
        parse_quantity(text, "m**2")
    assert calls == []


def refusals_in_child(texts: list[str], timeout: float = 3.0) -> list[tuple[str, float]]:
    """parse_quantity(text, "1") for each text in a child process, so that a hang cannot stall the test run.

    Returns (outcome, seconds) per text; outcome is "refused" (UnitError), "accepted" or another exception's name.
    """
    code = textwrap.dedent(
        f"""
        import time
        import qbalance
        from qbalance._units.registry import parse_quantity
        for text in {texts!r}:
            start = time.perf_counter()
            try:
                parse_quantity(text, "1")
                outcome = "accepted"
            except qbalance.UnitError:
                outcome = "refused"
            except Exception as exc:
                outcome = type(exc).__name__
            print(outcome, time.perf_counter() - start, flush=True)
        """
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD_PRELUDE + code], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within {timeout} s")
    rows = [line.split() for line in out.stdout.splitlines()]
    assert len(rows) == len(texts), out.stdout + out.stderr
    return [(word, float(seconds)) for word, seconds in rows]


def test_power_towers_and_overflowing_units_are_refused_quickly() -> None:
    """pint evaluates integer powers exactly (9**9**9 has 370 million digits): such unit text must be refused,
    and units whose factor does not fit a float (1000**999) refused as UnitError, not OverflowError."""
    texts = ["1 9**9**9", "1 9**9**9**9", "1 2**2000", "1 10**400", "1 km**999", "1 m**99999999", "1 1234567890123 m"]
    results = refusals_in_child(texts)
    assert [word for word, _ in results] == ["refused"] * len(texts)
    assert all(seconds < 2.0 for _, seconds in results)


def test_overflowing_factor_is_a_unit_error() -> None:
    # 1000**999 m does not fit a float; the error must be a UnitError (checked in-process: it is refused at once).
    with pytest.raises(qbalance.UnitError):
        canonical_factor("km**999")
    with pytest.raises(qbalance.UnitError):
        parse_quantity("1 km**999", "km**999")


def test_power_guard_cannot_be_bypassed() -> None:
    nested = "(" * 19 + "2**4" + ")**4" * 19  # 99 characters: 2**(4**19)
    texts = ["1 2 ** 4 ** 4 ** 4", "1 2^4 ^4 ^4", "1 " + nested]
    results = refusals_in_child(texts)
    assert [word for word, _ in results] == ["refused"] * len(texts)
    assert all(seconds < 2.0 for _, seconds in results)


# -- canonical_factor / dims_of -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("teacher / (100 student)", 0.01),  # 1 teacher per 100 students = 0.01 teacher per student
        ("teacher/(100*student)", 0.01),
        ("万元", 10_000.0),
        ("亿元", 100_000_000.0),
        ("千元", 1000.0),
        ("元", 1.0),
        ("亩", 10_000 / 15),
        ("公顷", 10_000.0),
        ("m²", 1.0),
        ("平方米", 1.0),
        ("km", 1000.0),
        ("cm", 0.01),
        ("%", 0.01),
        ("‰", 0.001),
        ("1", 1.0),
        ("", 1.0),
        ("万元 / (100 student)", 100.0),  # 10000 yuan / 100 students = 100 yuan per student
        ("m² / student", 1.0),
    ],
)
def test_canonical_factor(unit: str, expected: float) -> None:
    assert canonical_factor(unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("teacher / (100 student)", {"[teacher]": 1, "[student]": -1}),
        ("m² / student", {"[length]": 2, "[student]": -1}),
        ("平方米/学生", {"[length]": 2, "[student]": -1}),
        ("万元", {"[currency]": 1}),
        ("亩", {"[length]": 2}),
        ("room", {"[room]": 1}),
        ("%", {}),
        ("1", {}),
    ],
)
def test_dims_of(unit: str, expected: dict[str, int]) -> None:
    assert dims_of(unit) == expected


def test_equal_dimensions_for_different_spellings() -> None:
    assert dims_of("m**2") == dims_of("m²") == dims_of("m^2") == dims_of("亩") == dims_of("平方米")
    assert dims_of("万元") == dims_of("yuan") == dims_of("元")
    assert dims_of("m") != dims_of("m**2")


def test_format_dims() -> None:
    assert format_dims(dims_of("1")) == "dimensionless"
    text = format_dims(dims_of("m**2 / student"))
    assert "[length]" in text and "[student]" in text


@pytest.mark.parametrize("unit", ["furlong", "m; import os", "__import__('os')", "x" * 201])
def test_bad_unit_expressions_are_refused(unit: str) -> None:
    with pytest.raises(qbalance.UnitError):
        dims_of(unit)
    with pytest.raises(qbalance.UnitError):
        canonical_factor(unit)


def test_registry_is_the_public_one() -> None:
    # 1 万元 in yuan through the public registry: 10000 (by definition).
    assert qbalance.ureg.Quantity(1, "万元").to("yuan").magnitude == pytest.approx(10_000)


def test_a_counting_word_only_counts_what_its_field_counts() -> None:
    # 人 is students in a students field and teachers in a teachers field, and nothing in an area field
    with pytest.raises(qbalance.UnitError, match="unknown unit '人'"):
        parse_quantity("66 人", "m**2")
