"""Arrow ↔ numpy through buffers (qbalance._base.arrow_buffers) gives exactly what pyarrow's own conversions give —
``to_numpy(zero_copy_only=False)``, ``pa.array`` — for every type it handles, with nulls, NaN, sliced arrays (an
offset into the buffers) and several chunks; checked against pyarrow itself on generated columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from qbalance._base.arrow_buffers import arrow_to_numpy, dictionary_codes, numpy_to_arrow, strings_to_arrow  # noqa: E402

TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint32", "uint64", "float32", "float64", "bool"]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return (
        a.dtype == b.dtype
        and a.shape == b.shape
        and (np.array_equal(a, b, equal_nan=True) if a.dtype.kind == "f" else a.tolist() == b.tolist())
    )


def _column(type_name: str, cells: list[Any], split: int, start: int) -> Any:
    """A chunked column of ``cells`` (None is null) in two chunks, the first one sliced from ``start``."""
    t = getattr(pa, "bool_" if type_name == "bool" else type_name)()
    head, tail = cells[:split], cells[split:]
    first = pa.array([None] * start + head, type=t).slice(start)
    return pa.chunked_array([first, pa.array(tail, type=t)], type=t)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(TYPES),
    st.lists(st.one_of(st.none(), st.integers(0, 100)), max_size=40),
    st.integers(0, 40),
    st.integers(0, 9),
    st.booleans(),
)
def test_numbers_read_as_pyarrow_reads_them(
    type_name: str, raw: list[int | None], split: int, start: int, nan: bool
) -> None:
    cells: list[Any]
    if type_name == "bool":
        cells = [None if v is None else bool(v % 2) for v in raw]
    elif type_name.startswith("float"):
        cells = [None if v is None else (float("nan") if nan and v % 7 == 0 else v / 3) for v in raw]
    else:
        cells = raw
    col = _column(type_name, cells, min(split, len(cells)), start)
    expected = np.asarray(col.to_numpy())
    assert _same(arrow_to_numpy(col), expected)
    assert _same(arrow_to_numpy(col.combine_chunks()), expected)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.sampled_from(["小学", "初中", "", "x", "教学点 ", "a\x1fb", "𠀀"])), max_size=40),
    st.integers(0, 5),
)
def test_text_and_codes_built_as_pyarrow_builds_them(cells: list[str | None], start: int) -> None:
    built = strings_to_arrow(pa, cells)
    assert built.equals(pa.array(cells)) and built.type == pa.array(cells).type
    enc = pa.array([None] * start + cells, type=pa.string()).slice(start).dictionary_encode()
    k = len(enc.dictionary)
    assert dictionary_codes(enc.indices, k).tolist() == [k if i is None else i for i in enc.indices.to_pylist()]


@pytest.mark.parametrize(
    "values",
    [
        np.array([1.5, np.nan, -0.0, np.inf]),
        np.arange(5, dtype=np.int64),
        np.array([True, False, True] * 5),
        np.arange(6, dtype=np.float64)[::2],  # not contiguous
        np.zeros(0),
        np.array([1, 2], dtype=np.int32),
    ],
)
def test_numpy_columns_written_as_pa_array_writes_them(values: np.ndarray) -> None:
    built, expected = numpy_to_arrow(pa, values), pa.array(values)
    assert built.type == expected.type
    assert built.to_pylist() == expected.to_pylist() or np.array_equal(
        np.asarray(built.to_pylist(), float), np.asarray(expected.to_pylist(), float), equal_nan=True
    )


def test_other_types_go_through_pyarrow() -> None:
    """A date column, mixed text and numbers, and a column with no text are converted by pyarrow itself."""
    import datetime as dt

    dates = pa.array([dt.date(2024, 9, 1), None], type=pa.date32())
    assert arrow_to_numpy(dates).tolist() == np.asarray(dates.to_numpy(zero_copy_only=False)).tolist()
    for cells in ([None, None], []):
        assert strings_to_arrow(pa, cells).equals(pa.array(cells))
    with pytest.raises(pa.ArrowTypeError):  # text and a number: refused as pyarrow refuses it
        strings_to_arrow(pa, ["a", 3])
