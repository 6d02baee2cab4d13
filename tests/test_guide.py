"""docs/from-self-check-to-national-review.md runs as written: every `$ qbalance …` line with its exit status and every
Python block in order (with the output it shows after a print), in a fresh working directory — and what it tells the
reader about the ledger is what the ledger says."""

from __future__ import annotations

import contextlib
import io
import shlex
from pathlib import Path

import pytest

import qbalance
from qbalance._cli.main import main
from test_tutorial import _shown_output, _steps

GUIDE = Path(__file__).parents[1] / "docs" / "from-self-check-to-national-review.md"


def test_the_guide_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("openpyxl")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QBALANCE_HISTORY_DB", raising=False)
    steps = _steps(GUIDE.read_text(encoding="utf-8"))
    assert sum(kind == "console" for kind, _, _ in steps) >= 14 and sum(kind == "python" for kind, _, _ in steps) == 3
    namespace: dict[str, object] = {"__name__": "guide"}
    for kind, body, expected in steps:
        if kind == "console":
            argv = shlex.split(body)
            assert argv[0] == "qbalance", body
            assert expected is not None, f"no '# exit status N' on: {body}"
            assert main(argv[1:]) == expected, body
        else:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(body, str(GUIDE), "exec"), namespace)  # our own documentation, not input
            shown = _shown_output(body)
            if shown:
                assert out.getvalue().splitlines()[-len(shown) :] == shown, body
    assert (tmp_path / "历年变化.html").is_file() and (tmp_path / "仓库导出" / "county_years.csv").is_file()
    # What the text says of 2025-09-01: entries 1, 2 and 7 closed, entry 3 overdue.
    with qbalance.History(tmp_path / "qbalance-history.sqlite") as h:
        seen = h.ledger("999901", as_of="2025-09-01", through=2025)
        assert {e.seq for e in seen.entries if e.status == "closed"} == {1, 2, 7}
        assert [e.seq for e in seen.entries if e.status == "overdue"] == [3]
        late = h.ledger("999901", as_of="2026-09-01")
        assert late.entry(2).status == "reopened" and [e.seq for e in late.entries if e.status == "overdue"] == [3, 5]
