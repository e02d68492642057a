"""Chart geometry for the overview, drawn as inline SVG by the templates.

Pure functions from the numbers of ``/v1/metrics`` (already scored by ``scoring.summarize``) to
coordinates: nothing here computes a score, it only places the ones it is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from collector.domain import numbers
from collector.domain.scoring import LOW_N

# The range each kind's score lives in (CSAT %, CES mean, NPS).
SCORE_RANGE = {"csat": (0.0, 100.0), "ces": (1.0, 7.0), "nps": (-100.0, 100.0)}


# One way to write a number everywhere (collector/domain/numbers.py).
format_score = numbers.score
format_interval = numbers.interval


def nice_step(span: float, count: int) -> float:
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def y_domain(kind: str, values: list[float], ticks: int = 4) -> tuple[float, float, float]:
    """A padded domain with round ends around ``values``, inside the kind's range; and its step."""
    floor, ceiling = SCORE_RANGE[kind]
    if not values:
        step = nice_step(ceiling - floor, ticks)
        return floor, ceiling, step
    low, high = min(values), max(values)
    span = max(high - low, (ceiling - floor) / 10)
    step = nice_step(span * 1.2, ticks)
    low = max(floor, math.floor((low - span * 0.1) / step) * step)
    high = min(ceiling, math.ceil((high + span * 0.1) / step) * step)
    if high - low < step:
        high = min(ceiling, low + step)
    return low, high, step


@dataclass
class Point:
    x: float
    y: float
    n: int
    label: str
    score: str
    interval: str
    low_n: bool
    partial: bool = False


@dataclass
class Trend:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bands: list[str] = field(default_factory=list)  # polygon points, one per unbroken run
    lines: list[str] = field(default_factory=list)  # path data, one per unbroken run
    points: list[Point] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    zero: float | None = None
    empty: bool = False
    partial: bool = False  # the last interval is still running: its point is drawn apart


def _tick(kind: str, value: float, step: float) -> str:
    decimals = 0 if step >= 1 else 1 if step * 10 >= 1 else 2
    text = f"{value:.{decimals}f}".replace("-", numbers.MINUS)
    if kind == "nps" and value > 0:
        return "+" + text
    return f"{text}{numbers.PCT}" if kind == "csat" else text


def _label(start: str, interval: str, short: bool = False) -> str:
    day = datetime.fromisoformat(start)
    if interval == "month":
        return day.strftime("%b %Y" if not short else "%b")
    return f"{day:%b} {day.day}"


def trend(
    kind: str,
    series: list[dict],
    interval: str,
    *,
    width: int = 640,
    height: int = 220,
    partial: bool = False,
) -> Trend:
    """The score line with its 95 % interval as a band; intervals without answers break both.

    With ``partial`` the last interval is still running (today's day, this week or month): its
    point is marked so that nobody reads a half-counted period as a drop or a rise."""
    left, right, top, bottom = 44.0, width - 12.0, 12.0, height - 28.0
    chart = Trend(width, height, left, right, top, bottom)
    last = len(series) - 1
    answered = [p for p in series if p["n"]]
    if not answered:
        chart.empty = True
    values = [v for p in answered for v in (p["ci95"] or [p["score"]])]
    lo, hi, step = y_domain(kind, values)

    def y(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * (bottom - top)

    count = len(series)
    slot = (right - left) / max(count, 1)

    def x(i: int) -> float:
        return left + slot * (i + 0.5)

    tick = lo
    while tick <= hi + 1e-9:
        chart.y_ticks.append((y(tick), _tick(kind, tick, step)))
        tick += step
    if kind == "nps" and lo < 0 < hi:
        chart.zero = y(0)

    every = max(1, math.ceil(count / max(1, (right - left) // 70)))
    for i, p in enumerate(series):
        if i % every == 0:
            chart.x_ticks.append((x(i), _label(p["start"], interval)))

    runs: list[list[tuple[int, dict]]] = [[]]
    for i, p in enumerate(series):
        if p["n"]:
            runs[-1].append((i, p))
        elif runs[-1]:
            runs.append([])
    for run in (r for r in runs if r):
        half = min(slot * 0.18, 5.0) if len(run) == 1 else 0.0
        upper = [(x(i) - half, y(p["ci95"][1])) for i, p in run]
        lower = [(x(i) - half, y(p["ci95"][0])) for i, p in run]
        if half:
            upper.append((x(run[0][0]) + half, upper[0][1]))
            lower.append((x(run[0][0]) + half, lower[0][1]))
        outline = upper + lower[::-1]
        chart.bands.append(" ".join(f"{px:.1f},{py:.1f}" for px, py in outline))
        chart.lines.append("M" + " L".join(f"{x(i):.1f},{y(p['score']):.1f}" for i, p in run))
        for i, p in run:
            chart.points.append(
                Point(
                    x=x(i),
                    y=y(p["score"]),
                    n=p["n"],
                    label=_label(p["start"], interval),
                    score=format_score(kind, p["score"]),
                    interval=format_interval(kind, p["ci95"]),
                    low_n=p["n"] < LOW_N,
                    partial=partial and i == last,
                )
            )
    chart.partial = any(point.partial for point in chart.points)
    return chart


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    point: int
    count: int
    pct: float
    band: str


@dataclass
class Distribution:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    total: int


def distribution(
    scale, counts: dict[str, int], band_of, *, width: int = 320, height: int = 150
) -> Distribution:
    """One bar per point of the survey's scale (zeros included), tallest bar full height;
    coloured by band."""
    points = list(scale.points)
    total = sum(counts.get(str(p), 0) for p in points)
    peak = max([counts.get(str(p), 0) for p in points] + [1])
    top, baseline = 18.0, height - 20.0
    slot = width / len(points)
    gap = min(6.0, slot * 0.2)
    bars = []
    for i, p in enumerate(points):
        count = counts.get(str(p), 0)
        h = (baseline - top) * count / peak
        bars.append(
            Bar(
                x=i * slot + gap / 2,
                y=baseline - h,
                width=slot - gap,
                height=h,
                point=p,
                count=count,
                pct=100.0 * count / total if total else 0.0,
                band=band_of(scale, p),
            )
        )
    return Distribution(width, height, baseline, bars, total)


@dataclass
class Whisker:
    low: float
    high: float
    at: float


def whiskers(kind: str, groups: list[dict], *, width: int = 160) -> tuple[list, float | None]:
    """For the score-by-event table: each group's interval on one shared axis (a forest plot)."""
    values = [v for g in groups if g["n"] for v in g["ci95"]]
    lo, hi, _ = y_domain(kind, values, ticks=2)
    pad = 6.0

    def x(v: float) -> float:
        return pad + (v - lo) / (hi - lo) * (width - 2 * pad)

    out = []
    for g in groups:
        if not g["n"]:
            out.append(None)
            continue
        out.append(Whisker(x(g["ci95"][0]), x(g["ci95"][1]), x(g["score"])))
    zero = x(0) if kind == "nps" and lo < 0 < hi else None
    return out, zero
