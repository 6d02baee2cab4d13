"""The inline SVG line charts of the trends section, in the style of :mod:`.html_charts`: the CVs of one section over
the stored years (a line per indicator, named at its right end) against the limit (a dashed line), a point over its
limit marked red; and every target's progress (value ÷ target) against 100 %.

Plain Python writing SVG: no plotting library, no script, the same bytes for the same data. Every point carries an
SVG ``<title>`` (its year and value) for screen readers and tooltips; the smallest text is :data:`.html_charts.FONT`
px at the drawn size (680 px wide).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .html_charts import C_UNMET, FONT, WIDTH, _axis, _num, _tick
from .html_markup import esc
from .labels import category
from .ledger_model import CvSeries, SeriesPoint, TargetSeries
from .ledger_view import ledger_word

__all__ = ["PALETTE", "cv_trend_chart", "target_trend_chart"]

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#7f7f7f", "#bcbd22")
"""Line colours, one per series in order (red is kept for points over their limit)."""


@dataclass(frozen=True)
class _Frame:
    """A line chart's geometry: the years along x, the value axis along y."""

    years: Sequence[int]
    ymax: float
    ystep: float
    w: float = WIDTH
    left: float = 56.0
    right: float = 96.0
    top: float = 22.0
    plot: float = 200.0
    bottom: float = 26.0

    @property
    def h(self) -> float:
        return self.top + self.plot + self.bottom

    def x(self, year: int) -> float:
        """The x of a year: the years evenly spread (one year in the middle)."""
        pw = self.w - self.left - self.right
        if len(self.years) == 1:
            return self.left + pw / 2
        return self.left + pw * self.years.index(year) / (len(self.years) - 1)

    def y(self, v: float) -> float:
        return self.top + self.plot - (v / self.ymax) * self.plot


_Point = tuple[int, float | None, bool]
"""One year of a line: the year, the value drawn (None: no point) and whether it fails."""


@dataclass(frozen=True)
class _Line:
    """One series to draw: its label at the right end, its colour and its points (value, bound, failing)."""

    label: str
    tip: str
    colour: str
    points: Sequence[_Point]


def _grid(f: _Frame, unit: str, fmt_pct: bool = False) -> str:
    """Horizontal grid lines with tick labels, the axes, the years under them and the unit above."""
    parts = []
    for k in range(round(f.ymax / f.ystep) + 1):
        tv = f.ystep * k
        label = f"{tv * 100:.0f}%" if fmt_pct else _tick(tv, f.ystep)
        parts.append(
            f'<line x1="{_num(f.left)}" x2="{_num(f.w - f.right)}" y1="{_num(f.y(tv))}" y2="{_num(f.y(tv))}" '
            f'stroke="#e3e6e8"/><text x="{_num(f.left - 4)}" y="{_num(f.y(tv) + 4)}" font-size="{FONT}" '
            f'text-anchor="end">{esc(label)}</text>'
        )
    base = f.top + f.plot
    for year in f.years:
        parts.append(
            f'<text x="{_num(f.x(year))}" y="{_num(base + 16)}" font-size="{FONT}" text-anchor="middle">{year}</text>'
        )
    parts.append(
        f'<line x1="{_num(f.left)}" x2="{_num(f.left)}" y1="{_num(f.top)}" y2="{_num(base)}" stroke="#888"/>'
        f'<line x1="{_num(f.left)}" x2="{_num(f.w - f.right)}" y1="{_num(base)}" y2="{_num(base)}" stroke="#888"/>'
        f'<text x="{_num(f.left)}" y="{_num(f.top - 8)}" font-size="{FONT}">{esc(unit)}</text>'
    )
    return "".join(parts)


def _label_ys(f: _Frame, wanted: Sequence[float]) -> list[float]:
    """The y of each line's label: at its last point, moved apart to one text height, and kept inside the chart
    (a group pushed below the axis is moved up as a whole)."""
    gap = FONT + 1
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [0.0] * len(wanted)
    last = -1e9
    for i in order:
        placed[i] = max(wanted[i], last + gap)
        last = placed[i]
    bottom = f.top + f.plot + 4  # above the years under the axis
    excess = max([placed[i] - bottom for i in order] + [0.0])
    return [max(y - excess, f.top + FONT) for y in placed]


def _lines(f: _Frame, lines: Sequence[_Line]) -> str:
    """Each series as a polyline with a dot per year (red ring when failing) and its label at the right end, the
    labels moved apart so they do not overlap."""
    parts = []
    drawn = [(line, [(yr, v, bad) for yr, v, bad in line.points if v is not None]) for line in lines]
    drawn = [(line, known) for line, known in drawn if known]
    label_ys = _label_ys(f, [f.y(known[-1][1]) + 4 for _, known in drawn])
    for (line, known), ty in zip(drawn, label_ys, strict=True):
        coords = " ".join(f"{_num(f.x(yr))},{_num(f.y(v))}" for yr, v, _ in known)
        parts.append(f'<polyline class="trend" points="{coords}" fill="none" stroke="{line.colour}" stroke-width="2"/>')
        for yr, v, bad in known:
            ring = f' stroke="{C_UNMET}" stroke-width="2.5"' if bad else ""
            parts.append(
                f'<circle cx="{_num(f.x(yr))}" cy="{_num(f.y(v))}" r="{4 if bad else 3}" fill="{line.colour}"{ring}>'
                f"<title>{esc(f'{line.tip} {yr}: {v:.4g}')}</title></circle>"
            )
        parts.append(
            f'<text x="{_num(f.x(known[-1][0]) + 8)}" y="{_num(ty)}" font-size="{FONT}" fill="{line.colour}">'
            f"{esc(line.label)}</text>"
        )
    return "".join(parts)


def _bound_line(f: _Frame, points: Sequence[tuple[int, float]], label: str) -> str:
    """The limit (or 100 %) as a dashed line through the years, labelled at its right end."""
    if not points:
        return ""
    coords = " ".join(f"{_num(f.x(yr))},{_num(f.y(v))}" for yr, v in points)
    if len(points) == 1:
        yv = f.y(points[0][1])
        coords = f"{_num(f.left)},{_num(yv)} {_num(f.w - f.right)},{_num(yv)}"
    last = points[-1][1]
    return (
        f'<polyline class="limit" points="{coords}" fill="none" stroke="#1d1d1f" stroke-width="1.5" '
        f'stroke-dasharray="6 4"><title>{esc(label)}</title></polyline>'
        f'<text x="{_num(f.left + 4)}" y="{_num(f.y(last) - 4)}" font-size="{FONT}">{esc(label)}</text>'
    )


def _svg(cls: str, n_id: str, f: _Frame, title: str, desc: str, body: str) -> str:
    return (
        f'<svg class="chart {cls}" role="img" aria-labelledby="{n_id}-t {n_id}-d" width="{_num(f.w)}" '
        f'height="{_num(f.h)}" viewBox="0 0 {_num(f.w)} {_num(f.h)}"><title id="{n_id}-t">{esc(title)}</title>'
        f'<desc id="{n_id}-d">{esc(desc)}</desc>{body}</svg>'
    )


def _points(points: Sequence[SeriesPoint], years: Sequence[int], ratio: bool = False) -> list[_Point]:
    """A series' (year, value, failing) for every year: the value, or value ÷ bound when ``ratio``."""
    by_year = {p.year: p for p in points}
    out: list[_Point] = []
    for y in years:
        p = by_year.get(y)
        value = p.value if p is not None else None
        if ratio and p is not None:
            value = p.value / p.bound if p.value is not None and p.bound else None
        out.append((y, value, p is not None and p.failing))
    return out


def cv_trend_chart(series: Sequence[CvSeries], years: Sequence[int], lang: str, n_id: int) -> str:
    """The CVs of one section over the years against the limit: one ``<svg>``."""
    values = [p.value for s in series for p in s.points if p.value is not None]
    bounds = [p.bound for s in series for p in s.points if p.bound is not None]
    f = _Frame(years, *_axis(max([*values, *bounds, 0.0]) * 1.1 or 1.0, 5))
    lines = [
        _Line(
            label=s.indicator if not s.composite else s.label.text(lang)[:8],
            tip=f"{s.indicator} {s.label.text(lang)}",
            colour=PALETTE[i % len(PALETTE)],
            points=_points(s.points, years),
        )
        for i, s in enumerate(series)
    ]
    limits = {p.year: p.bound for s in series for p in s.points if p.bound is not None}
    section = category("section", series[0].section, lang) if series else ""
    title = ledger_word("trends.chart_cv", lang, section=section)
    desc = ledger_word("trends.chart_cv_desc", lang, section=section, n=len(series), first=years[0], last=years[-1])
    label = ledger_word("trends.limit_line", lang, limit=f"{limits[max(limits)]:g}") if limits else ""
    body = (
        _grid(f, ledger_word("trends.cv_unit", lang)) + _bound_line(f, sorted(limits.items()), label) + _lines(f, lines)
    )
    return _svg("chart-trend", f"tr{n_id}", f, title, desc, body)


def target_trend_chart(targets: Sequence[TargetSeries], years: Sequence[int], lang: str) -> str:
    """Every target's progress (value ÷ target) over the years against 100 %: one ``<svg>``."""
    ratios = [_points(t.points, years, ratio=True) for t in targets]
    top = max([v for row in ratios for _, v, _ in row if v is not None] + [1.0])
    f = _Frame(years, *_axis(top * 1.1, 5))
    lines = [
        _Line(label=t.item.split("_")[0], tip=t.label.text(lang), colour=PALETTE[i % len(PALETTE)], points=ratios[i])
        for i, t in enumerate(targets)
    ]
    title = ledger_word("trends.targets", lang)
    desc = ledger_word("trends.chart_target_desc", lang, n=len(targets), first=years[0], last=years[-1])
    body = (
        _grid(f, ledger_word("trends.progress_unit", lang), fmt_pct=True)
        + _bound_line(f, [(y, 1.0) for y in years], ledger_word("trends.target_line", lang))
        + _lines(f, lines)
    )
    return _svg("chart-trend", "trt", f, title, desc, body)
