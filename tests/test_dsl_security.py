"""The expression language must not be a way to run code or exhaust resources.

An escape corpus gathered from published sandbox escapes of numexpr, asteval and simpleeval (and Python's own eval
tricks) must be rejected at parse/compile time with DslSyntaxError or DslTypeError, while eval/exec/compile,
imports of dangerous modules, os.system, subprocess and open are patched to record-and-raise, proving nothing ran.
A Hypothesis fuzz test checks that arbitrary text never escapes as any other exception.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbalance._dsl.compile import BOOL, NUMBER_1, DslTypeError, DType, ParamSym, Symbol, SymbolTable, compile_expression
from qbalance._dsl.parse import MAX_DEPTH, MAX_LENGTH, MAX_NODES, DslSyntaxError, parse
from qbalance._kernels.numeric import group_reduce
from qbalance._units.registry import dims_of

# A child process that may hang or grow: its address space is capped at 2 GiB (POSIX only).
CHILD_PRELUDE = """
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (2**31, 2**31))
except (ImportError, ValueError, OSError):
    pass
"""

FUZZ = settings(max_examples=200, deadline=None)

TABLE = SymbolTable(
    {"county": None, "school": "county", "section": "school"},
    {
        s.name: s
        for s in [
            Symbol("x", "section", NUMBER_1),
            Symbol("students", "section", DType("number", dims_of("student"))),
            Symbol("b", "section", BOOL),
            Symbol("c", "school", DType("category", categories=("a", "b"))),
            Symbol("area", "school", DType("number", dims_of("m**2")), apportioned=True),
            Symbol("os", "school", NUMBER_1),  # a harmless symbol named like a module
        ]
    },
    {"limit": ParamSym("limit", NUMBER_1, value=0.5)},
)
SIZES = {"county": 1, "school": 2, "section": 3}
INDEX = {
    ("school", "section"): np.array([0, 0, 1]),
    ("county", "section"): np.array([0, 0, 0]),
    ("county", "school"): np.array([0, 0]),
}


class Runtime:
    """2 schools, 3 sections (sections 0, 1 in school 0; section 2 in school 1)."""

    tol = 1e-9
    values: ClassVar[dict[str, np.ndarray]] = {
        "x": np.array([1.0, 2.0, np.nan]),
        "students": np.array([500.0, 400.0, 300.0]),
        "b": np.array([1.0, 0.0, np.nan]),
        "c": np.array([0.0, 1.0]),
        "area": np.array([9400.0, 3000.0]),
        "os": np.array([1.0, 2.0]),
    }

    def value(self, name: str) -> np.ndarray:
        return self.values[name]

    def param(self, name: str) -> Any:  # pragma: no cover - only unkeyed parameters here
        raise AssertionError(name)

    def down(self, values: np.ndarray, src: str, dst: str) -> np.ndarray:
        return np.asarray(values)[INDEX[(src, dst)]]

    def share(self, name: str, dst: str) -> np.ndarray:
        return self.down(self.values[name], "school", "section") * np.array([500 / 940, 440 / 940, 1.0])

    def up(self, values: np.ndarray, src: str, dst: str, op: str) -> np.ndarray:
        return group_reduce(values, INDEX[(dst, src)], SIZES[dst], op)


# -- the escape corpus ------------------------------------------------------------------------------------------------

ESCAPES = [
    # classic eval escapes (simpleeval / asteval issue trackers, CTF write-ups)
    "__import__('os').system('id')",
    "__import__",
    "().__class__.__bases__[0].__subclasses__()",
    "''.__class__.__mro__[1].__subclasses__()",
    "x.__class__",
    "x.__class__.__init__.__globals__",
    "b.__dict__",
    "min.__self__",
    "params.__class__",
    "params._limit",
    "_x",
    "__builtins__",
    "__builtins__.eval('1')",
    "getattr(x, '__class__')",
    "getattr(x,'y')",
    "setattr(x, 'y', 1)",
    "type(x)",
    "vars()",
    "globals()",
    "locals()",
    "dir()",
    "open('/etc/passwd')",
    "open('/etc/passwd').read()",
    "exec('1')",
    "eval('1')",
    "compile('1','','exec')",
    "breakpoint()",
    "input()",
    "print(1)",
    "help()",
    "chr(95)",
    "format(x, '')",
    "os.system(1)",
    "os.system('id')",
    "os.popen('id')",
    "subprocess.Popen('id')",
    "sys.modules",
    "x.real",
    "x.mro()",
    "a.b.c(1)",
    # Python syntax the language does not have
    "[c for c in ()]",
    "[x for x in range(10**9)]",
    "{x: 1}",
    "{x}",
    "()",
    "(x,)",
    "lambda: 0",
    "(lambda: 0)()",
    'f"{x}"',
    'f\'{__import__("os").system("id")}\'',
    "b'x'",
    "a[0]",
    "x[0]",
    "x[1:2]",
    "a if b else c",
    "x if b else x",
    "a; b",
    "x; __import__('os')",
    "a := 1",
    "(y := 1)",
    "x = 1",
    "x += 1",
    "import os",
    "from os import system",
    "del x",
    "assert 0",
    "raise SystemExit",
    "yield x",
    "await x",
    "async def f(): pass",
    "def f(): pass",
    "class A: pass",
    "while 1: pass",
    "for i in x: pass",
    "with open('f') as f: f",
    "try: x\nexcept: x",
    "x is None",
    "x @ x",
    "x % 2",
    "x // 2",
    "~x",
    "x << 1",
    "x & 1",
    "x | 1",
    "x ^ 1",
    "...",
    "x.",
    # resource exhaustion
    "x ** 99999999",
    "9**9**9**9",
    "x**2",
    "(x)**(x)",
    "min(" * 30 + "x" + ")" * 30,
    "(" * 30 + "x" + ")" * 30,
    "-" * 30 + "x",
    "not " * 30 + "b",
    " + ".join(["x"] * (MAX_NODES // 2 + 1)),  # 201 terms + 200 operators = 401 parts
    "x" + " " * MAX_LENGTH,  # longer than MAX_LENGTH characters
    "x + " * 600 + "x",
    "min(" + ", ".join(["x"] * 17) + ")",  # more than 16 arguments
    # strings with escapes
    '"\\x5f\\x5fimport\\x5f\\x5f"',
    '"\\u005f"',
    "'\\''",
    '"a\\"b"',
    "c == 'a\\nb'",
    'c == "a\nb"',
    # unicode lookalikes and invisible characters in identifiers
    "studеnts",  # Cyrillic е
    "ｓtudents",  # fullwidth s
    "ｅval('1')",  # fullwidth e: NFKC-normalises to eval in Python source
    "x\u200b",  # zero-width space
    "\u202ex",  # right-to-left override
    "ⅹ",  # roman numeral ten, NFKC → x
    "_\u0332x",
    "scοre",  # Greek omicron
    # units in brackets that try to reach Python
    "1 [__import__('os')]",
    "1 [os.system]",
    "1 [m; import os]",
    "1 [lambda: 0]",
    "1 [exec('1')]",
    "1 ['m']",
    "1 [m\\x00]",
    "1 [" + "m*" * 100 + "m]",
    "[m**2]",
    "x [m]",
    # string-format attacks (simpleeval's "{0.__class__}".format and printf-style formatting)
    '"{0.__class__}".format(x)',
    "'{0.__class__.__mro__}'.format(1)",
    "'{x.__class__}'.format_map(params)",
    "'%s' % x",
    "'%(x)s' % params",
    "str.format",
    "''.format_map",
    # more dunder chains and attribute access on literals (asteval, simpleeval, CTF write-ups)
    "x.__class__.__base__.__subclasses__()[132].__init__.__globals__['popen']('id')",
    "x.__class__.__mro__[-1].__subclasses__()",
    "__builtins__['eval']('1')",
    "(1).__class__",
    "1 .__class__",
    "'abc'.__class__",
    "x.__getattribute__('__class__')",
    "x.__reduce_ex__(2)",
    "x.__format__('')",
    "getattr",
    "getattr.__call__(x, 'y')",
    "open",
    "exec",
    "exec(\"__import__('os').system('id')\")",
    "x if true else __import__('os')",
    # comprehensions, generators, lambdas, f-string variants, call syntax the language lacks
    "[x for x in ().__class__.__base__.__subclasses__()]",
    "{x for x in (1,)}",
    "(x for x in (1,))",
    "(lambda f: f(f))(lambda f: f(f))",
    "lambda x: x",
    "f'{x!r}'",
    "rf'{x}'",
    "F'{x}'",
    "fr'{x}'",
    "u'x'",
    "max(x, key=eval)",
    "min(x, default=1)",
    "where(x, y=1)",
    "*x",
    "**x",
    "min(*x)",
    # more unicode lookalikes that NFKC-normalise to dangerous names
    "𝐞𝐯𝐚𝐥('1')",  # mathematical bold
    "ᵉval('1')",  # modifier letter small e
    "__ｉmport__('os')",
    "ｇｅｔａｔｔｒ(x, 'y')",
    "ｏｐｅｎ('/etc/passwd')",
    # resource exhaustion: power towers, huge repetition, deep nesting far beyond the limits, huge literals
    "9**9**9",
    "9 ** 9 ** 9",
    "10 ** 10 ** 10 [m]",
    "x ** -99999999",
    "'a' * 10**9",
    "'a' * 999999999",
    '"a" * x',
    "c * 999999999",
    "(" * 10_000 + "x" + ")" * 10_000,
    "(" * 100_000,
    "-(" * 5_000 + "x" + ")" * 5_000,
    "min(" * 5_000 + "x" + ")" * 5_000,
    "1" + "0" * 5_000,
]


class Forbidden(BaseException):
    """Raised by the patched dangerous functions; a BaseException so that no `except Exception` can hide it."""


DANGEROUS_MODULES = {"os", "posix", "nt", "subprocess", "sys", "builtins", "importlib", "ctypes", "pickle", "shutil"}


@contextlib.contextmanager
def tripwires() -> Iterator[list[str]]:
    """Patch eval/exec/compile/open/os.system/subprocess to record and raise; record every import.

    Yields the list of recorded calls. Imports are recorded (only dangerous ones refused) because pint imports
    `re` and its own submodules inside functions. The patches are active only inside the ``with`` block, so that
    pytest itself (which compiles and opens files while reporting) is never affected.
    """
    calls: list[str] = []
    real_import = builtins.__import__

    def trip(name: str) -> Any:
        def fn(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise Forbidden(name)

        return fn

    def recording_import(name: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(f"import {name}")
        if name.split(".")[0] in DANGEROUS_MODULES:
            raise Forbidden(f"import {name}")
        return real_import(name, *args, **kwargs)

    patches: list[tuple[Any, str, Any]] = [(builtins, "__import__", recording_import)]
    patches += [(builtins, name, trip(name)) for name in ("eval", "exec", "compile", "open")]
    patches += [(os, name, trip(f"os.{name}")) for name in OS_FUNCTIONS if hasattr(os, name)]
    patches.append((subprocess, "Popen", trip("subprocess.Popen")))
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    try:
        for obj, name, replacement in patches:
            setattr(obj, name, replacement)
        yield calls
    finally:
        for obj, name, original in saved:
            setattr(obj, name, original)


OS_FUNCTIONS = ("system", "popen", "execv", "execve", "spawnv", "fork")


def guarded(text: str) -> tuple[BaseException | None, list[str]]:
    """parse+compile ``text`` with the tripwires set; returns the exception raised (if any) and the calls seen."""
    outcome: BaseException | None = None
    with tripwires() as calls:
        try:
            parse(text)
            compile_expression(text, TABLE)
        except (DslSyntaxError, DslTypeError, Forbidden) as exc:
            outcome = exc
        except Exception as exc:  # reported by the caller's assertions, outside the tripwires
            outcome = exc
    return outcome, calls


@pytest.mark.parametrize("text", ESCAPES)
def test_escape_is_rejected_and_nothing_runs(text: str) -> None:
    outcome, calls = guarded(text)
    assert isinstance(outcome, (DslSyntaxError, DslTypeError)), f"{text!r}: {outcome!r}"
    assert not [c for c in calls if not c.startswith("import ")], calls
    assert not [c for c in calls if c.split()[-1].split(".")[0] in DANGEROUS_MODULES], calls
    if "[" not in text:
        assert calls == []  # without a unit literal, parse+compile is pure: not even an import


def test_tripwires_work() -> None:
    # Guards the helper itself: the patched functions really record and raise, and are restored afterwards.
    real_eval = builtins.eval
    with tripwires() as calls:
        for attempt in (lambda: eval("1"), lambda: os.system("true"), lambda: __import__("subprocess")):
            with contextlib.suppress(Forbidden):
                attempt()
    assert calls == ["eval", "os.system", "import subprocess"]
    assert builtins.eval is real_eval


def test_legitimate_expressions_still_work() -> None:
    # Guards against a corpus that passes only because everything is rejected.
    for text in ("x * 2 + 1 >= params.limit and c == 'a'", "area / students >= 4 [m**2 / student]"):
        outcome, calls = guarded(text)
        assert outcome is None, outcome
        assert not [c for c in calls if not c.startswith("import ")], calls
    c = compile_expression("x * 2 + 1 >= params.limit and c == 'a'", TABLE)
    # x [1, 2, ?] * 2 + 1 = [3, 5, ?] >= 0.5 → [1, 1, ?]; c (school) [a, b] → sections [1, 1, 0]; and → [1, 1, 0]
    assert np.array_equal(c.fn(Runtime()), [1.0, 1.0, 0.0], equal_nan=True)
    c = compile_expression("area / students >= 4 [m**2 / student]", TABLE)
    # area split: 9400*500/940 / 500 = 10, 9400*440/940 / 400 = 11, 3000/300 = 10 → all >= 4
    assert np.array_equal(c.fn(Runtime()), [1.0, 1.0, 1.0])


def test_limits_are_what_the_corpus_assumes() -> None:
    assert (MAX_LENGTH, MAX_NODES, MAX_DEPTH) == (2000, 400, 24)


def test_size_limits_boundaries() -> None:
    # 200 terms and 199 '+' make 399 parts: allowed; one more term (401 parts) is refused (ESCAPES above).
    parse(" + ".join(["x"] * 200))
    with pytest.raises(DslSyntaxError, match="too large"):
        parse(" + ".join(["x"] * 201))
    parse("x" + " " * (MAX_LENGTH - 1))  # exactly 2000 characters
    with pytest.raises(DslSyntaxError, match="longer than 2000"):
        parse("x" + " " * MAX_LENGTH)


def test_long_but_valid_chain_compiles_and_runs() -> None:
    # 200 terms of x: x [1, 2, ?] * 200 = [200, 400, ?]; checks no recursion limit is hit in compile or run.
    c = compile_expression(" + ".join(["x"] * 200), TABLE)
    assert np.array_equal(c.fn(Runtime()), [200.0, 400.0, np.nan], equal_nan=True)


@pytest.mark.parametrize("text", ["1 [2**2000]", "1 [km**999]", "1 [m**99999999]", "1 [1234567890123 m]"])
def test_out_of_range_unit_literal_is_a_type_error(text: str) -> None:
    # 2**2000 and 1000**999 do not fit a float; they must be reported as DslTypeError, not OverflowError.
    with pytest.raises(DslTypeError):
        compile_expression(text, TABLE)


def outcomes_in_child(texts: list[str], timeout: float = 3.0) -> list[tuple[str, float]]:
    """compile_expression for each text in a child process (a hang cannot stall the run): (outcome, seconds)."""
    code = textwrap.dedent(
        f"""
        import time
        from qbalance._dsl.compile import DslTypeError, SymbolTable, compile_expression
        from qbalance._dsl.parse import DslSyntaxError
        for text in {texts!r}:
            start = time.perf_counter()
            try:
                compile_expression(text, SymbolTable({{"county": None}}, {{}}, {{}}))
                outcome = "accepted"
            except (DslSyntaxError, DslTypeError):
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


def test_power_tower_inside_unit_literal_is_refused_quickly() -> None:
    """The parser refuses '**' in expressions, but unit literals go to pint, which computes integer powers
    exactly; 9**9**9 would take minutes. Run in a child process so a regression cannot hang the suite."""
    results = outcomes_in_child(["1 [9**9**9]", "1 [9**9**9**9]", "1 [10**400]"])
    assert [word for word, _ in results] == ["refused"] * 3
    assert all(seconds < 2.0 for _, seconds in results)


def test_spaced_power_tower_inside_unit_literal_is_refused_quickly() -> None:
    results = outcomes_in_child(["1 [2 ** 4 ** 4 ** 4]", "1 [2^4 ^4 ^4]"])
    assert [word for word, _ in results] == ["refused"] * 2
    assert all(seconds < 2.0 for _, seconds in results)


# -- fuzzing --------------------------------------------------------------------------------------------------------


def check_outcome(text: str) -> None:
    """parse+compile either succeeds, and then evaluates to values of the right shape, or raises a DSL error."""
    try:
        c = compile_expression(text, TABLE)
    except (DslSyntaxError, DslTypeError):
        return
    with np.errstate(all="ignore"):
        out = np.asarray(c.fn(Runtime()), dtype=np.float64)
    if c.level is None:
        assert out.ndim == 0
    else:
        assert out.shape == (SIZES[c.level],)
    if c.dtype.kind == "bool":
        assert np.all(np.isnan(out) | (out == 0.0) | (out == 1.0))


@FUZZ
@given(st.text(max_size=80))
def test_fuzz_arbitrary_text(text: str) -> None:
    check_outcome(text)


@FUZZ
@given(st.text(alphabet="xbcareaos_.()[]'\"+-*/<>=!, 0123456789eE%&|;:#{}\\\n\tmnotdil", max_size=60))
def test_fuzz_expression_alphabet(text: str) -> None:
    check_outcome(text)


TOKENS = [
    "x",
    "b",
    "c",
    "area",
    "students",
    "os",
    "params.limit",
    "params.nope",
    "unknown",
    "_x",
    "x.y",
    "0",
    "1",
    "2.5",
    "1e3",
    "1e999",
    ".5",
    "[m**2]",
    "[student]",
    "[m**2 / student]",
    "[万元]",
    "[%]",
    "[foo]",
    "[m; x]",
    "['a']",
    '"a"',
    "'b'",
    '"zz"',
    '["a", "b"]',
    "['a']",
    "+",
    "-",
    "*",
    "/",
    "**",
    "(",
    ")",
    ",",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "min",
    "max",
    "abs",
    "ceil",
    "floor",
    "where",
    "coalesce",
    "is_missing",
    "school_sum",
    "county_all",
    "county_count",
    "section_max",
    "lambda",
    "import",
    "eval",
    "if",
    "else",
    ";",
    ":",
    "=",
    ".",
    "[",
    "]",
]


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25))
def test_fuzz_token_soup(tokens: list[str]) -> None:
    check_outcome(" ".join(tokens))


@FUZZ
@given(
    st.recursive(
        st.sampled_from(["x", "b", "c", "area", "students", "1", "0", "2 [m**2]", "'a'", "true", "params.limit"]),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "<", ">=", "==", "and", "or"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(
                st.sampled_from(["min", "max", "abs", "ceil", "is_missing", "school_sum", "county_any"]), inner
            ).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"where({t[0]}, {t[1]}, {t[2]})"),
            inner.map(lambda s: f"not {s}"),
            inner.map(lambda s: f"-{s}"),
        ),
        max_leaves=12,
    )
)
def test_fuzz_well_formed_expressions(text: str) -> None:
    # Syntactically plausible expressions reach the type checker and, when well-typed, the evaluator.
    check_outcome(text)


@pytest.mark.parametrize("text", ["1e308 * 1e308", "-1e308 - 1e308", "1 / 0", "0 / 0"])
def test_constant_arithmetic_that_overflows_is_a_type_error(text: str) -> None:
    # 1e308² exceeds the largest double (≈1.8e308); 1/0 and 0/0 have no finite value: each is an error at load,
    # never a silent infinity or NaN constant in a rule.
    with pytest.raises(DslTypeError, match="not a finite number"):
        compile_expression(text, TABLE)


@pytest.mark.parametrize("text", ["x <= 1e309", "x >= -1e400", "x <= 1e308 [万元]"])
def test_number_literals_that_are_not_finite_are_refused(text: str) -> None:
    # 1e309 overflows a double to infinity; 1e308 万元 is 1e312 yuan: a bound of infinity would silently always hold.
    with pytest.raises(DslTypeError, match="not finite"):
        compile_expression(text, TABLE)
