"""The HTML report opens in a headless browser with no network and shows its charts.

Needs Chromium (or Chrome) on PATH, or its path in ``QBALANCE_CHROMIUM``; skipped otherwise. On Debian/Ubuntu CI:
``apt-get install -y chromium`` (Ubuntu: ``chromium-browser`` or the ``google-chrome-stable`` package); on GitHub
Actions the ubuntu runners already ship ``google-chrome``.

The page itself has no JavaScript (charts are inline SVG). Only this test adds a small script to a copy of the page,
which measures every chart after layout and writes the sizes into the DOM that ``--dump-dom`` prints. Host name
resolution is switched off, so any attempt to reach the network would fail (and the page must not need one).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

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
        "--window-size=1200,900",
    ]
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
