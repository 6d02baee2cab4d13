"""A workbook made for a pack is evaluated with that pack unless the user names another, and the report warns when
the named one differs from the one the workbook records."""

from __future__ import annotations

from pathlib import Path

import pytest

import qbalance
from qbalance._cli.main import main

pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def wenshan_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "wenshan.xlsx"
    qbalance.write_template("cn-yn-wenshan-2024", path, county=qbalance.demo_path())
    return path


def test_the_recorded_pack_is_used_by_default(wenshan_book: Path) -> None:
    report = qbalance.evaluate(wenshan_book)
    assert report.provenance.pack.id == "cn-yn-wenshan-2024"
    assert not any("cn-moe-2017" in w.message for w in report.warnings)


def test_another_standard_named_by_the_user_wins_with_a_warning(wenshan_book: Path) -> None:
    report = qbalance.evaluate(wenshan_book, "cn-moe-2017")
    assert report.provenance.pack.id == "cn-moe-2017"
    assert any("cn-yn-wenshan-2024" in w.message for w in report.warnings)  # says which pack it was made for


def test_the_command_line_does_the_same(wenshan_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert main(["evaluate", str(wenshan_book), "-f", "json", "-o", str(out)]) in (0, 1, 3)
    assert '"id": "cn-yn-wenshan-2024"' in out.read_text(encoding="utf-8")
