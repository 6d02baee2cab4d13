"""The inline SVG charts of the HTML report, written in plain Python: a bar per school against the threshold line
(and the k-of-n floor line) for every indicator × section, and a bar per CV against its limit.

No plotting library is needed, which keeps the core install small and the output deterministic (same report, same
bytes); the charts draw without JavaScript, and each bar carries an SVG ``<title>`` so screen readers and hover
tooltips can name the school and its value. The bars that matter — those below the threshold and the lowest —
also carry the school's name under them, so a printed page names them too. Charts are drawn at the size they are
shown (680 px wide, one per row), so no text is smaller than :data:`FONT` px on screen or on an A4 page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .frames import fmt_num, fmt_pct, indicator_name, indicator_unit
from .html_markup import esc
from .labels import category, status_word, word
from .model import CvOut, IndicatorOut, ReportData, SchoolSectionOut, ValueOut

__all__ = [
    "C_BELOW_FLOOR",
    "C_MET",
    "C_PLAIN",
    "C_TOLERATED",
    "C_UNMET",
    "FONT",
    "chart_legend",
    "cv_chart",
    "value_chart",
]

# bar colours: met, unmet but tolerated by the k-of-n rule, unmet, below the floor, no threshold
C_MET, C_TOLERATED, C_UNMET, C_BELOW_FLOOR, C_PLAIN = "#2e7d32", "#e0a100", "#c62828", "#6a0000", "#4f6d7a"

_Point = tuple[float, SchoolSectionOut, ValueOut]
"""One bar of a value chart: the value, its school section and the full value record."""

_RefLine = tuple[float, str, str, str]
"""A horizontal reference line of a value chart: value, colour, dash pattern, label."""

FONT = 11
"""The size of the charts' smallest text (tick labels, names under bars), in px at the charts' drawn size."""

WIDTH = 680.0
"""The charts' width in px: they are shown at this size (one per row), which fits an A4 page."""

_NAME_CHARS = 9
"""A school name under a bar is cut to this many characters (with …); the tooltip has it whole."""


def _num(x: float) -> str:
    """A coordinate for SVG: short, deterministic."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _axis(x: float, ticks: int = 4) -> tuple[float, float]:
    """A round axis end at or above ``x`` and its tick step (1, 2, 2.5 or 5 × 10ⁿ, about ``ticks`` ticks)."""
    if not x > 0 or not math.isfinite(x):
        return 1.0, 0.25
    raw = x / ticks
    exp = math.floor(math.log10(raw))
    step = 10.0 ** (exp + 1)
    for m in (1.0, 2.0, 2.5, 5.0):
        if m * 10**exp >= raw * (1 - 1e-12):
            step = m * 10**exp
            break
    return math.ceil(x / step - 1e-9) * step, step


def _tick(v: float, step: float) -> str:
    """A tick label with as many decimals as the step needs (0.25 → 2, 0.5 → 1, 2.5 → 1, 5 → 0)."""
    exp = math.floor(math.log10(step) + 1e-9)
    mantissa = round(step / 10**exp, 6)
    decimals = max(0, -exp) + (1 if mantissa == 2.5 else 0)
    return f"{v:,.{decimals}f}"


# -- the value chart of one indicator in one section ----------------------------------------------------------------


@dataclass(frozen=True)
class _ValueFrame:
    """The geometry of a value chart: canvas size, margins and the value axis; :meth:`y` places a value."""

    ymax: float
    ystep: float
    w: float = WIDTH
    plot: float = 190.0
    left: float = 56.0
    right: float = 118.0
    top: float = 20.0
    bottom: float = 12.0

    @property
    def h(self) -> float:
        """Height of the whole chart (the plot, its margins and the room for names under the bars)."""
        return self.top + self.plot + self.bottom

    @property
    def pw(self) -> float:
        """Width of the plot area."""
        return self.w - self.left - self.right

    @property
    def ph(self) -> float:
        """Height of the plot area."""
        return self.plot

    def y(self, v: float) -> float:
        """The SVG y coordinate of value ``v`` (0 at the bottom of the plot area)."""
        return self.top + self.ph - (v / self.ymax) * self.ph


def value_chart(report: ReportData, ind: IndicatorOut, cv: CvOut, lang: str, floor: float | None, n_id: int) -> str:
    """Every school section's value of one indicator in one section, lowest first, against the threshold line and
    the floor line; failing schools in red, tolerated ones in amber. One ``<svg>``."""
    unit = indicator_unit(ind, lang)
    threshold = ind.threshold.get(cv.section)
    floor_value = floor * threshold if floor is not None and threshold is not None else None
    points = _value_points(report, ind.id, cv.section)
    top_value = max([p[0] for p in points] + [threshold or 0.0, cv.county_value or 0.0])
    named = _named_bars(points)
    room = max((len(_short_name(points[i][1].school_name)) for i in named), default=0)
    frame = _ValueFrame(*_axis(top_value * 1.03), bottom=12.0 + (room * FONT + 8 if named else 0))
    desc = word(
        "chart_desc",
        lang,
        indicator=f"{ind.id} {indicator_name(ind, ind.id, lang)}",
        section=category("section", cv.section, lang),
        n=len(points),
        threshold=fmt_num(threshold),
        floor=fmt_num(floor_value),
    )
    lines = _reference_lines(cv.county_value, threshold, floor, floor_value, lang)
    return (
        _value_chart_head(ind, cv, lang, n_id, desc, frame)
        + _value_grid(frame, unit)
        + _value_bars(points, frame, unit, lang)
        + _bar_names(points, named, frame)
        + _reference_marks(lines, frame)
        + "</svg>"
    )


def _named_bars(points: list[_Point]) -> list[int]:
    """The bars whose school is named under them: the lowest and every one below its threshold, each far enough
    from the last named one that the names do not overlap (the rest keep their tooltips)."""
    wanted = [i for i, (_, _, v) in enumerate(points) if i == 0 or v.met is False]
    if not points:
        return []
    slot = (_ValueFrame(1.0, 1.0).pw) / len(points)
    named: list[int] = []
    for i in wanted:
        if not named or (i - named[-1]) * slot >= FONT + 1:
            named.append(i)
    return named


def _short_name(name: str) -> str:
    """A school name cut to fit under a bar."""
    return name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1] + "…"


def _bar_names(points: list[_Point], named: list[int], f: _ValueFrame) -> str:
    """The names of the chosen bars, written upwards under the axis (red for a bar below its threshold)."""
    slot = f.pw / max(len(points), 1)
    base = f.top + f.ph + 6
    parts = []
    for i in named:
        _, s, v = points[i]
        x = f.left + i * slot + slot / 2 + FONT / 2 - 1
        colour = C_UNMET if v.met is False else "#1d1d1f"
        parts.append(
            f'<text class="bar-name" x="{_num(x)}" y="{_num(base)}" font-size="{FONT}" text-anchor="end" '
            f'fill="{colour}" transform="rotate(-90 {_num(x)} {_num(base)})">{esc(_short_name(s.school_name))}'
            "</text>"
        )
    return "".join(parts)


def _value_points(report: ReportData, indicator: str, section: str) -> list[_Point]:
    """The school sections of ``section`` with a value of ``indicator``, lowest value first (ties by school ID)."""
    points: list[_Point] = []
    for s in report.schools:
        if s.section != section:
            continue
        for v in s.values:
            if v.indicator == indicator and v.value is not None:
                points.append((v.value, s, v))
    points.sort(key=lambda p: (p[0], p[1].school_id))
    return points


def _value_chart_head(ind: IndicatorOut, cv: CvOut, lang: str, n_id: int, desc: str, f: _ValueFrame) -> str:
    """The opening ``<svg>`` tag with its accessible title and description (ids made unique by ``n_id``)."""
    title_id, desc_id = f"c{n_id}-t", f"c{n_id}-d"
    title = f"{ind.id} {indicator_name(ind, ind.id, lang)} — {category('section', cv.section, lang)}"
    return (
        f'<svg class="chart chart-values" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'width="{_num(f.w)}" height="{_num(f.h)}" viewBox="0 0 {_num(f.w)} {_num(f.h)}" '
        f'data-indicator="{esc(ind.id)}" data-section="{esc(cv.section)}">'
        f'<title id="{title_id}">{esc(title)}</title><desc id="{desc_id}">{esc(desc)}</desc>'
    )


def _value_grid(f: _ValueFrame, unit: str) -> str:
    """The horizontal grid lines with their tick labels, the value axis and the unit under it."""
    parts = []
    for k in range(round(f.ymax / f.ystep) + 1):
        tv = f.ystep * k
        ty = f.y(tv)
        parts.append(
            f'<line x1="{_num(f.left)}" x2="{_num(f.left + f.pw)}" y1="{_num(ty)}" y2="{_num(ty)}" stroke="#e3e6e8"/>'
            f'<text x="{_num(f.left - 4)}" y="{_num(ty + 4)}" font-size="{FONT}" text-anchor="end">'
            f"{esc(_tick(tv, f.ystep))}</text>"
        )
    parts.append(
        f'<line x1="{_num(f.left)}" x2="{_num(f.left)}" y1="{_num(f.top)}" y2="{_num(f.top + f.ph)}" stroke="#888"/>'
        f'<line x1="{_num(f.left)}" x2="{_num(f.left + f.pw)}" y1="{_num(f.top + f.ph)}" y2="{_num(f.top + f.ph)}" '
        'stroke="#888"/>'
        f'<text x="{_num(f.left)}" y="{_num(f.top - 8)}" font-size="{FONT}">{esc(unit)}</text>'
    )
    return "".join(parts)


def _bar_look(v: ValueOut, lang: str) -> tuple[str, str]:
    """A bar's colour and the state its tooltip names: met, below the floor, tolerated, unmet (or no threshold)."""
    if v.met is None:
        return C_PLAIN, ""
    if v.met:
        return C_MET, word("legend_met", lang)
    if v.floor_ok is False:
        return C_BELOW_FLOOR, word("legend_below_floor", lang)
    if v.tolerated:
        return C_TOLERATED, word("legend_tolerated", lang)
    return C_UNMET, word("legend_unmet", lang)


def _value_bars(points: list[_Point], f: _ValueFrame, unit: str, lang: str) -> str:
    """One bar per school section with a tooltip naming the school, its value and state; "no data" if none."""
    parts = []
    if not points:
        parts.append(
            f'<text x="{_num(f.left + f.pw / 2)}" y="{_num(f.top + f.ph / 2)}" font-size="14" text-anchor="middle">'
            f"{esc(word('no_data', lang))}</text>"
        )
    slot = f.pw / max(len(points), 1)
    bw = max(slot * 0.8, 0.5)
    for i, (value, s, v) in enumerate(points):
        colour, state = _bar_look(v, lang)
        x = f.left + i * slot + (slot - bw) / 2
        yv = f.y(value)
        tip = f"{s.school_name} ({s.school_id}): {fmt_num(value)} {unit}"
        if v.threshold is not None:
            tip += f" / {fmt_num(v.threshold)} ({fmt_pct(v.ratio)})"
        if state:
            tip += f" — {state}"
        cls = "bar" if v.met is not False else "bar bar-fail"
        parts.append(
            f'<rect class="{cls}" x="{_num(x)}" y="{_num(yv)}" width="{_num(bw)}" '
            f'height="{_num(max(f.top + f.ph - yv, 0.5))}" fill="{colour}"><title>{esc(tip)}</title></rect>'
        )
    return "".join(parts)


def _reference_lines(
    county_value: float | None, threshold: float | None, floor: float | None, floor_value: float | None, lang: str
) -> list[_RefLine]:
    """The reference lines to draw: the county mean, the threshold and the k-of-n floor, each when known."""
    lines: list[_RefLine] = []
    if county_value is not None:
        lines.append((county_value, "#777", "2 0", f"{word('county_mean', lang)} {fmt_num(county_value)}"))
    if threshold is not None:
        lines.append((threshold, "#1d1d1f", "6 4", f"{word('threshold_line', lang)} {fmt_num(threshold)}"))
    if floor_value is not None and floor is not None:
        lines.append((floor_value, C_UNMET, "2 3", f"{fmt_pct(floor)} {word('floor_line', lang)}"))
    return lines


def _reference_marks(lines: list[_RefLine], f: _ValueFrame) -> str:
    """Each reference line across the plot with its label to the right, labels moved down so they do not overlap."""
    parts = []
    label_ys: list[float] = []
    for value, colour, dash, label in lines:
        ly = f.y(value)
        ty = ly + 4
        while any(abs(ty - other) < 12 for other in label_ys):  # keep labels from overlapping
            ty += 12
        label_ys.append(ty)
        parts.append(
            f'<line class="ref" x1="{_num(f.left)}" x2="{_num(f.left + f.pw)}" y1="{_num(ly)}" y2="{_num(ly)}" '
            f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"><title>{esc(label)}</title></line>'
            f'<text x="{_num(f.left + f.pw + 4)}" y="{_num(ty)}" font-size="{FONT}">{esc(label)}</text>'
        )
    return "".join(parts)


# -- the CV chart and the legend ------------------------------------------------------------------------------------


def cv_chart(report: ReportData, lang: str) -> str:
    """One bar per indicator × section CV, with a marker at its limit; bars over the limit in red."""
    rows = [(ind, cv) for ind in report.indicators for cv in ind.sections]
    if not rows:
        return ""
    w, row_h, left, right, top = WIDTH, 22.0, 210.0, 60.0, 8.0
    h = top + row_h * len(rows) + 24
    pw = w - left - right
    xmax, xstep = _axis(max([cv.cv or 0.0 for _, cv in rows] + [cv.limit or 0.0 for _, cv in rows]) * 1.03, 5)

    def x(v: float) -> float:
        return left + (v / xmax) * pw

    parts = [
        f'<svg class="chart chart-cv" role="img" aria-labelledby="cv-t" width="{_num(w)}" height="{_num(h)}" '
        f'viewBox="0 0 {_num(w)} {_num(h)}">',
        f'<title id="cv-t">{esc(word("cv_chart", lang))}</title>',
    ]
    for k in range(round(xmax / xstep) + 1):
        tv = xstep * k
        parts.append(
            f'<line x1="{_num(x(tv))}" x2="{_num(x(tv))}" y1="{_num(top)}" y2="{_num(h - 20)}" stroke="#e3e6e8"/>'
            f'<text x="{_num(x(tv))}" y="{_num(h - 6)}" font-size="{FONT}" text-anchor="middle">'
            f"{_tick(tv, xstep)}</text>"
        )
    for i, (ind, cv) in enumerate(rows):
        yy = top + i * row_h
        label = f"{ind.id} {indicator_name(ind, ind.id, lang)} · {category('section', cv.section, lang)}"
        colour = {"pass": C_MET, "fail": C_UNMET}.get(cv.result, C_PLAIN)
        parts.append(
            f'<text x="{_num(left - 6)}" y="{_num(yy + row_h / 2 + 4)}" font-size="12" text-anchor="end">'
            f"{esc(label)}</text>"
        )
        if cv.cv is not None:
            tip = f"{label}: {word('cv', lang)} {fmt_num(cv.cv, 4)}"
            if cv.limit is not None:
                tip += f" {'>' if cv.result == 'fail' else '≤'} {fmt_num(cv.limit)}"
            tip += f" — {status_word(cv.result, lang)}"
            parts.append(
                f'<rect class="cvbar" x="{_num(left)}" y="{_num(yy + 4)}" width="{_num(max(x(cv.cv) - left, 0.5))}" '
                f'height="{_num(row_h - 8)}" fill="{colour}"><title>{esc(tip)}</title></rect>'
                f'<text x="{_num(x(cv.cv) + 4)}" y="{_num(yy + row_h / 2 + 4)}" font-size="{FONT}">'
                f"{cv.cv:.4f}</text>"
            )
        if cv.limit is not None:
            lx = x(cv.limit)
            parts.append(
                f'<line class="limit" x1="{_num(lx)}" x2="{_num(lx)}" y1="{_num(yy + 1)}" y2="{_num(yy + row_h - 1)}" '
                f'stroke="#1d1d1f" stroke-width="2"><title>{esc(word("limit", lang))} {fmt_num(cv.limit)}'
                f"</title></line>"
            )
    parts.append("</svg>")
    return "".join(parts)


def chart_legend(lang: str, floor: float | None) -> str:
    """The colour key of the value charts (the below-floor colour only when the pack has a floor)."""
    keys = [(C_MET, "legend_met"), (C_TOLERATED, "legend_tolerated"), (C_UNMET, "legend_unmet")]
    if floor is not None:
        keys.append((C_BELOW_FLOOR, "legend_below_floor"))
    spans = "".join(f'<span><i style="background:{c}"></i>{esc(word(k, lang))}</span>' for c, k in keys)
    return f'<p class="legend">{spans}</p>'
