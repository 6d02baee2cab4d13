"""School-level columns of a table: one value per school, from whichever of its rows give one.

``one_per_school`` takes the minimum and maximum over the rows of the schools written on more than one row only
(src/qbalance/_data/column_rows.py). The expected values here come from a plain Python reading of the rules, school
by school: the distinct non-missing cells of a school's rows; none → missing; one → that value; more → the rows
disagree (one problem for the school, on its first row).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbalance import load_standard
from qbalance._base.errors import InputError
from qbalance._data.columns import table_from_columns

# a school's rows: (type, sections); each section row holds a cell of the school-level column (None: not written)
_SHAPES = {"primary": ("primary",), "nine_year": ("primary", "junior"), "twelve_year": ("primary", "junior", "senior")}
_cells = st.sampled_from([None, 100.0, 100.0, 250.5, 900.0])
_school = st.sampled_from(sorted(_SHAPES)).flatmap(
    lambda kind: st.tuples(st.just(kind), st.lists(_cells, min_size=len(_SHAPES[kind]), max_size=len(_SHAPES[kind])))
)


def _columns(schools: list[tuple[str, list[float | None]]]) -> dict[str, list[object]]:
    cols: dict[str, list[object]] = {
        k: []
        for k in ("county_code", "school_id", "school_type", "ownership", "location", "section", "students", "area")
    }
    for i, (kind, cells) in enumerate(schools):
        for section, cell in zip(_SHAPES[kind], cells, strict=True):
            for k, v in (
                ("county_code", "530000"),
                ("school_id", f"S{i}"),
                ("school_type", kind),
                ("ownership", "public"),
                ("location", "rural"),
                ("section", section),
                ("students", 300),
                ("area", cell),
            ):
                cols[k].append(v)
    cols["facilities.teaching_aux_area"] = cols.pop("area")
    return cols


def _expected(cells: list[float | None]) -> tuple[float, bool]:
    """(the school's value, whether its rows disagree), by reading the cells one by one."""
    written = sorted({c for c in cells if c is not None})
    if not written:
        return math.nan, False
    return written[0], len(written) > 1


@settings(max_examples=60, deadline=None)
@given(st.lists(_school, min_size=1, max_size=12))
def test_one_value_per_school_from_any_of_its_rows(schools: list[tuple[str, list[float | None]]]) -> None:
    compiled = load_standard("cn-moe-2017").compiled
    expected = [_expected(cells) for _, cells in schools]
    disagreeing = [f"S{i}" for i, (_, bad) in enumerate(expected) if bad]
    if disagreeing:
        with pytest.raises(InputError) as err:
            table_from_columns(_columns(schools), compiled)
        found = [p.school_id for p in err.value.problems if p.key == "columns.school_rows_disagree"]
        assert found == disagreeing
        return
    table = table_from_columns(_columns(schools), compiled)
    got = table.levels["school"].columns["facilities.teaching_aux_area"]
    want = np.array([v for v, _ in expected])
    assert np.array_equal(got, want, equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(1, 20), st.floats(0.0, 1.0), st.integers(0, 2**32 - 1))
def test_distinct_rows_partition_as_numpy_unique(n: int, k: int, density: float, seed: int) -> None:
    """The senior-section warnings group sections by the set of fields they give with ``_distinct_rows``; rows share
    an index exactly when ``np.unique(axis=0)`` (the independent method) puts them together."""
    from qbalance._data.columns import _distinct_rows

    flags = np.random.default_rng(seed).random((n, k)) < density
    patterns, which = _distinct_rows(flags)
    assert np.array_equal(patterns[which], flags)
    _, inverse = np.unique(flags, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    assert len(patterns) == len(set(inverse.tolist()))
    assert all((which[i] == which[j]) == (inverse[i] == inverse[j]) for i in range(n) for j in range(n))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=30), st.booleans())
def test_factorize_numbers_keys_in_order_of_first_appearance(keys: list[int], ordered: bool) -> None:
    """Keys in order take the path without a sort; either way the codes are those of a dict filled in row order."""
    from qbalance._data.column_cells import _factorize

    arr = np.array(sorted(keys) if ordered else keys, dtype=np.int64)
    first: dict[int, int] = {}
    expected = [first.setdefault(k, len(first)) for k in arr.tolist()]
    codes, uniq = _factorize(arr)
    assert codes.tolist() == expected and uniq.tolist() == list(first)


_words = st.sampled_from(["A1", "A1", "B2", " B2", "B2 ", "", "  ", "学校", "学校\u3000", None])


@settings(max_examples=100, deadline=None)
@given(st.lists(_words, min_size=1, max_size=25))
def test_text_codes_of_arrow_words_are_those_of_the_cells(cells: list[str | None]) -> None:
    """An Arrow text column comes with its dictionary's words (:class:`ArrowWords`); its codes and texts are the
    same as those read from the cells one by one (an object array, no Arrow)."""
    pa = pytest.importorskip("pyarrow")
    from qbalance._data.column_cells import _text_codes
    from qbalance._data.column_sources import _arrow_to_numpy

    arr, pre = _arrow_to_numpy(pa.chunked_array([pa.array(cells, type=pa.string())]))
    plain = np.array(cells, dtype=object)
    codes, texts = _text_codes(plain)
    assert pre is not None
    got_codes, got_texts = _text_codes(arr, pre)
    assert got_codes.tolist() == codes.tolist() and got_texts == texts
    assert all(type(t) is str for t in got_texts)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.lists(st.integers(0, 40), max_size=60), st.booleans())
def test_in_order_of_appearance_as_a_list_sees_it(k: int, extra: list[int], shuffle: bool) -> None:
    """Codes of a dictionary-encoded column (each of ``0 … k-1`` present, ``k`` a null) are used only when they
    first appear in order; both ways of checking (few codes, many) agree with reading the codes one by one."""
    from qbalance._data.column_sources import _in_order_of_appearance

    codes = [*range(k), *[e % (k + 1) for e in extra]]
    if shuffle:
        codes = codes[::-1]
    arr = np.array(codes, dtype=np.int64)
    seen: list[int] = []
    for c in codes:
        if c < k and c not in seen:
            seen.append(c)
    assert _in_order_of_appearance(arr, k) == (seen == list(range(k)))
