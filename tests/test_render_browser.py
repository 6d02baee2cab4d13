"""The HTML report opens in a headless browser with no network and shows its charts.

Needs Chromium (or Chrome) on PATH, or its path in ``QBALANCE_CHROMIUM``; skipped otherwise. On Debian/Ubuntu CI:
``apt-get install -y chromium`` (Ubuntu: ``chromium-browser`` or the ``google-chrome-stable`` package); on GitHub
Actions the ubuntu runners already ship ``google-chrome``.

The page itself has no JavaScript (charts are inline SVG). Only these tests add a small script to a copy of the page,
which measures the page after layout and writes the sizes into the DOM that ``--dump-dom`` prints. Host name
resolution is switched off, so any attempt to reach the network would fail (and the page must not need one).

What a reader sees first is checked the way a browser lays it out: in a 1280 × 900 window, the verdict and the
需整改事项 block (its heading and its first entries) lie within the first 900 px; and every chart label is at least
10 px high as drawn, on a wide screen and at the width of an A4 page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from typing import Any

import pytest

import qbalance
from qbalance._report.html import render_html

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def _browser() -> str | None:
    env = os.environ.get("QBALANCE_CHROMIUM")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


BROWSER = _browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium/Chrome on PATH (install with `apt-get install -y chromium`, or set QBALANCE_CHROMIUM)",
)

_MEASURE = """
<script>
(function () {
  var out = [];
  document.querySelectorAll("svg.chart").forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    var bars = svg.querySelectorAll("rect");
    var drawn = 0;
    bars.forEach(function (r) { var b = r.getBoundingClientRect(); if (b.width > 0 && b.height > 0) { drawn++; } });
    out.push({cls: svg.getAttribute("class"), ind: svg.getAttribute("data-indicator"),
              sec: svg.getAttribute("data-section"), w: box.width, h: box.height, bars: bars.length, drawn: drawn});
  });
  var pre = document.createElement("pre");
  pre.id = "qbalance-measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


_FIRST_SCREEN = """
<script>
(function () {
  function box(el) { if (!el) { return null; } var b = el.getBoundingClientRect();
                     return {top: b.top + window.scrollY, bottom: b.bottom + window.scrollY}; }
  var todo = document.getElementById("todo");
  var entries = todo ? Array.prototype.slice.call(todo.querySelectorAll("li")) : [];
  var fonts = [];
  document.querySelectorAll("svg.chart").forEach(function (svg) {
    var scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    svg.querySelectorAll("text").forEach(function (t) {
      fonts.push(parseFloat(window.getComputedStyle(t).fontSize) * scale);
    });
  });
  var pre = document.createElement("pre");
  pre.id = "qbalance-measure";
  pre.textContent = JSON.stringify({
    width: window.innerWidth, height: window.innerHeight,
    verdict: box(document.querySelector(".banner .verdict")),
    todo: box(todo), heading: box(todo && todo.querySelector("h2")),
    entries: entries.map(box), texts: entries.map(function (li) { return li.textContent; }),
    smallest_font: Math.min.apply(null, fonts), fonts: fonts.length
  });
  document.body.appendChild(pre);
})();
</script>
"""


def _measure(page: str, tmp_path: Path, width: int, height: int) -> dict[str, Any]:
    """Lay ``page`` out in a ``width`` × ``height`` window and return what the measuring script found."""
    probe = tmp_path / f"first-screen-{width}.html"
    probe.write_text(page.replace("</body>", _FIRST_SCREEN + "</body>"), encoding="utf-8")
    profile = "--user-data-dir=" + str(tmp_path / f"profile-{width}")
    done = _run([profile, f"--window-size={width},{height}", "--dump-dom", probe.as_uri()])
    assert done.returncode == 0, done.stderr[-2000:]
    m = re.search(r'<pre id="qbalance-measure">(.*?)</pre>', done.stdout, re.S)
    assert m, done.stdout[-2000:]
    found: dict[str, Any] = json.loads(unescape(m.group(1)))
    return found


def _run(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    base = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: every host lookup fails
    ]
    if not any(a.startswith("--window-size=") for a in args):
        base.append("--window-size=1200,900")
    return subprocess.run(base + args, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def report() -> qbalance.Report:
    return qbalance.evaluate(qbalance.demo_path())


def test_charts_render_in_headless_browser(report: qbalance.Report, tmp_path: Path) -> None:
    page = render_html(report)
    assert "<script" not in page  # the report needs no JavaScript; the script below is the test's own
    probe = tmp_path / "report-measure.html"
    probe.write_text(page.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    done = _run(["--user-data-dir=" + str(tmp_path / "profile"), "--dump-dom", probe.as_uri()])
    assert done.returncode == 0, done.stderr[-2000:]
    m = re.search(r'<pre id="qbalance-measure">(.*?)</pre>', done.stdout, re.S)
    assert m, done.stdout[-2000:]
    charts = json.loads(unescape(m.group(1)))
    pairs = [(ind.id, c.section) for ind in report.indicators for c in ind.sections]
    values = [c for c in charts if "chart-values" in c["cls"]]
    assert [(c["ind"], c["sec"]) for c in values] == pairs
    assert len([c for c in charts if "chart-cv" in c["cls"]]) == 1
    for chart in charts:
        assert chart["w"] > 100 and chart["h"] > 100, chart
        assert chart["bars"] > 0 and chart["drawn"] == chart["bars"], chart


def test_screenshot(report: qbalance.Report, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(report, lang="en"), encoding="utf-8")
    shot = tmp_path / "report.png"
    done = _run(["--user-data-dir=" + str(tmp_path / "profile"), f"--screenshot={shot}", page.as_uri()])
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_verdict_and_what_needs_fixing_are_on_the_first_screen(report: qbalance.Report, tmp_path: Path) -> None:
    plan = qbalance.plan(qbalance.demo_path())
    found = _measure(render_html(report, plan=plan), tmp_path, 1280, 900)
    assert found["width"] == 1280 and found["height"] <= 900
    assert found["verdict"] is not None and found["verdict"]["bottom"] <= 900
    assert found["todo"] is not None and found["heading"]["bottom"] <= 900
    # every failing item of the demo is listed, and the first entries (the items not passed) are on screen
    failing = [i for i in report.items if i.status == "fail"]
    first = found["entries"][: len(failing)]
    assert len(first) == len(failing) and all(e["bottom"] <= 900 for e in first), first
    assert [t.split("：", 1)[0] for t in found["texts"][: len(failing)]] == [i.label.zh for i in failing]


@pytest.mark.parametrize("width", [1280, 794])  # a wide screen, and an A4 page's width at 96 px per inch
def test_chart_labels_are_legible(report: qbalance.Report, tmp_path: Path, width: int) -> None:
    found = _measure(render_html(report), tmp_path, width, 900)
    assert found["fonts"] > 100 and found["smallest_font"] >= 10, found["smallest_font"]
