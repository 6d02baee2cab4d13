"""Arrow arrays to numpy and back through their buffers, for the plain types qbalance reads and writes.

pyarrow's own conversions (``Array.to_numpy``, ``pa.array``, ``pa.table``) import pandas when it is installed, to
check for pandas objects: 0.3–0.45 s of every command that reads or writes Parquet, for a library qbalance does not
use there. Numbers, booleans and text go through the buffers instead, giving what those conversions give (ints with
nulls become floats with NaN, floats keep NaN as a value, ``None`` is null); any other type goes through pyarrow.
pyarrow itself is imported by the caller, as its optional extra.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["arrow_to_numpy", "dictionary_codes", "numpy_to_arrow", "strings_to_arrow"]

_NUMBERS = {
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "uint64": np.uint64,
    "float": np.float32,
    "double": np.float64,
}


def _single(col: Any) -> Any:
    """One contiguous Array of a ChunkedArray (or the Array itself)."""
    return col.combine_chunks() if hasattr(col, "combine_chunks") else col


def _bits(arr: Any, buffer: int) -> np.ndarray:
    """Buffer ``buffer`` of ``arr`` (0: validity, 1: a boolean array's values) unpacked to one bool per row."""
    packed = np.frombuffer(arr.buffers()[buffer], dtype=np.uint8)
    out: np.ndarray = np.unpackbits(packed, bitorder="little", count=arr.offset + len(arr))[arr.offset :].astype(bool)
    return out


def _values(arr: Any, dtype: Any) -> np.ndarray:
    """The value buffer of a numeric ``arr`` as a numpy view (read-only, the array's own rows)."""
    out: np.ndarray = np.frombuffer(arr.buffers()[1], dtype=dtype, count=arr.offset + len(arr))[arr.offset :]
    return out


def arrow_to_numpy(col: Any) -> np.ndarray:
    """A column as ``col.to_numpy(zero_copy_only=False)`` gives it: numbers and booleans from the buffers (a copy the
    caller may change), anything else through pyarrow."""
    arr = _single(col)
    kind = str(arr.type)
    if kind == "bool" and arr.null_count == 0 and len(arr):
        return _bits(arr, 1)
    dtype = _NUMBERS.get(kind)
    if dtype is None or not len(arr):
        whole: np.ndarray = np.asarray(arr.to_numpy(zero_copy_only=False))
        return whole
    values = _values(arr, dtype)
    if arr.null_count == 0:
        copied: np.ndarray = values.copy()
        return copied
    out = values.astype(np.float64 if values.dtype.kind in "iu" else values.dtype)
    out[~_bits(arr, 0)] = np.nan
    return out


def dictionary_codes(indices: Any, null_code: int) -> np.ndarray:
    """The codes of a dictionary-encoded column (its ``indices``) as int64, ``null_code`` for a null cell."""
    arr = _single(indices)
    out = _values(arr, _NUMBERS[str(arr.type)]).astype(np.int64)
    if arr.null_count:
        out[~_bits(arr, 0)] = null_code
    return out


def numpy_to_arrow(pa: Any, values: np.ndarray) -> Any:
    """``pa.array(values)`` for a numeric or boolean numpy array (NaN stays a value), from its buffer."""
    if values.ndim != 1 or not (values.dtype == bool or values.dtype.type in _NUMBERS.values()):
        return pa.array(values)
    n = int(values.shape[0])
    if values.dtype == bool:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bits)])
    data = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(data.dtype), n, [None, pa.py_buffer(data)])


def strings_to_arrow(pa: Any, values: Sequence[Any]) -> Any:
    """``pa.array(values)`` for text cells (str, or None for null), built from UTF-8 bytes and offsets; values that
    are not all text (or hold no text at all, which Arrow types as null) go through pyarrow.

    The cells are joined with U+001F between them and encoded once; the separators' byte positions give the offsets
    (no byte of a multi-byte UTF-8 character is 0x1F). Text holding U+001F itself goes through pyarrow."""
    kinds = set(map(type, values))
    if str not in kinds or not kinds <= {str, type(None)}:
        return pa.array(list(values))
    n = len(values)
    cells: Sequence[Any] = values
    if type(None) in kinds:
        valid = np.fromiter(map(operator.is_not, values, itertools.repeat(None)), dtype=bool, count=n)
        cells = ["" if v is None else v for v in values]
    else:  # no null: no cell to look at again
        valid = np.ones(n, dtype=bool)
    joined = _SEP.join(cells)
    if joined.count(_SEP) != n - 1:
        return pa.array(list(values))
    raw = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    separator = raw == 0x1F
    data = raw[~separator]
    if data.size > np.iinfo(np.int32).max:  # past what one string array holds: pyarrow chooses
        return pa.array(list(values))
    offsets = np.empty(n + 1, dtype=np.int32)
    offsets[0], offsets[n] = 0, data.size
    offsets[1:n] = np.flatnonzero(separator) - np.arange(n - 1)
    bitmap = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    buffers = [bitmap, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.string(), n, buffers, null_count=int(n - valid.sum()))


_SEP = "\x1f"
