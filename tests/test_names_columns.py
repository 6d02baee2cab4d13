"""Names on the columnar path: a control character in a county or school name is refused at every row that has it,
whether the column's cells repeat (a county's name on each of its rows, searched once per distinct name) or not.
Expected rows: counted from the table built here."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

import qbalance

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

make_nation = importlib.import_module("make_nation")


def test_a_bad_county_name_is_refused_on_each_of_its_rows_and_a_bad_school_name_once() -> None:
    cols = make_nation.make_nation(60, 3, 2)
    codes = cols["county_code"].tolist()
    bad_county = codes[-1]
    cols["county_name"] = cols["county_name"].copy()
    rows_of_bad = [i for i, c in enumerate(codes) if c == bad_county]
    for i in rows_of_bad:
        cols["county_name"][i] = "合成县\x07"
    cols["school_name"] = cols["school_name"].copy()
    cols["school_name"][0] = "学校\u202e名"
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate_many(cols)
    by_field: dict[str | None, list[int]] = {}
    for p in info.value.problems:
        by_field.setdefault(p.field, []).append(int(p.extra["row"]))
    assert sorted(by_field["county_name"]) == [i + 2 for i in rows_of_bad]  # file rows: header first
    assert by_field["school_name"] == [2]
    assert set(by_field) == {"county_name", "school_name"}


def test_names_without_control_characters_pass() -> None:
    cols = make_nation.make_nation(60, 3, 2)
    assert len(qbalance.evaluate_many(cols).county_codes) == 3
