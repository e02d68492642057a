"""The one definition of Fiilis scores (DESIGN §7), shared by the API, the CSV, the SDK docs and the
dashboard.

Everything here works on a *distribution*: ``{scale point: count}``, the shape a SQL
``GROUP BY score`` returns, so callers never load answer rows to score them. Points that are absent
count 0. Nothing is rounded inside; :meth:`Summary.to_dict` rounds for display.

Scores and their 95 % intervals (z = 1.959963984540054, the two-sided 95 % normal quantile,
which §7 writes as 1.96):

- **CSAT** (1–5 or 1–7): ``score`` = % of answers in the top-2 box (4–5, or 6–7), with the
  Wilson score interval in %.
  Wilson stays honest at tiny n (one answer gives roughly 21–100 %), never zero-width.
- **CES** (1–7 or 1–5): ``score`` = the mean answer, with the mean's interval (below);
  ``easy_pct`` = % of answers above the midpoint (5–7, or 4–5). See ``collector/domain/scales.py``.
- **NPS** (0–10): promoters 9–10, passives 7–8, detractors 0–6; ``score`` = %P − %D. The interval is
  §7's Wald interval ``score ± z·100·sqrt((p + d − (p − d)²) / n)``. Below :data:`LOW_N` answers
  that interval is too narrow (zero-width when everyone gave the same category), so there it is
  widened to also cover the adjusted-Wald interval of Rocks (2016), in the form Lewis & Sauro
  evaluated: add ¾ of a promoter, ¾ of a detractor and 1½ passives (n + 3), and centre the Wald
  formula on the adjusted proportions. The reported interval is the hull of both, so it is never
  narrower than the plain formula, never zero-width, and one answer spans most of the range.
  From :data:`LOW_N` answers on it is exactly §7's formula (so 30 promoters report [100, 100]:
  the ``low_n`` flag and this widening switch off together).
- **mean** (every kind): mean ± z·s/√n with the sample standard deviation s (n − 1), clipped to
  the scale. The normal quantile, not Student's t, keeps the definition equal to what a SQL
  aggregate of count, sum and sum of squares can feed; ``low_n`` flags where that is optimistic.
  With one answer there is no spread to estimate, so the interval is the whole scale.

Every interval is clipped to the score's range and always contains the point estimate.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from collector.domain.scales import DEFAULTS, Scale

#: Each kind's default scale; a survey may have another (``scales.ALLOWED``).
SCALES: dict[str, tuple[int, int]] = DEFAULTS

#: Below this many answers a summary is flagged ``low_n``.
LOW_N = 30

#: Two-sided 95 % quantile of the standard normal distribution.
Z95 = 1.959963984540054

# Pseudo-counts of the adjusted-Wald NPS interval (Rocks 2016; Lewis & Sauro 2021).
_NPS_ADJUST_PROMOTERS = 0.75
_NPS_ADJUST_DETRACTORS = 0.75
_NPS_ADJUST_N = 3.0

_KIND_EXTRAS = {
    "csat": ("satisfied_pct",),
    "ces": ("easy_pct",),
    "nps": ("promoters_pct", "passives_pct", "detractors_pct"),
}
# How many decimals each field keeps in ``to_dict``: percentages and NPS 1, means 2.
_PCT_DECIMALS = 1
_MEAN_DECIMALS = 2

Interval = tuple[float, float]


@dataclass(frozen=True)
class Summary:
    """The scores of one set of answers to one kind of survey, unrounded.

    ``score`` and ``ci95`` are in the kind's unit (CSAT %, CES mean 1–7, NPS −100…+100); ``mean``
    and ``mean_ci95`` are on the answer scale. Fields that do not apply to the kind are ``None``,
    and so is everything computed from answers when ``n == 0``.
    """

    kind: str
    n: int
    score: float | None
    ci95: Interval | None
    mean: float | None
    mean_ci95: Interval | None
    distribution: dict[str, int] = field(default_factory=dict)
    low_n: bool = True
    satisfied_pct: float | None = None
    easy_pct: float | None = None
    promoters_pct: float | None = None
    passives_pct: float | None = None
    detractors_pct: float | None = None

    def to_dict(self, *, brief: bool = False) -> dict[str, Any]:
        """A JSON-ready dict, rounded for display.

        Percentages and NPS keep 1 decimal, means (and the CES score, which is a mean) 2 decimals;
        intervals become ``[low, high]`` lists. Only the fields of this kind appear (no
        ``easy_pct`` for NPS). ``brief=True`` gives just ``n, score, ci95, mean``, the shape of a
        §7 series point or group.
        """
        score_decimals = _MEAN_DECIMALS if self.kind == "ces" else _PCT_DECIMALS
        out: dict[str, Any] = {
            "n": self.n,
            "score": _round(self.score, score_decimals),
            "ci95": _round_interval(self.ci95, score_decimals),
            "mean": _round(self.mean, _MEAN_DECIMALS),
        }
        if brief:
            return out
        out["mean_ci95"] = _round_interval(self.mean_ci95, _MEAN_DECIMALS)
        out["distribution"] = dict(self.distribution)
        out["low_n"] = self.low_n
        for name in _KIND_EXTRAS[self.kind]:
            out[name] = _round(getattr(self, name), _PCT_DECIMALS)
        return out


def summarize(kind: str, distribution: Mapping[int, int], scale: Scale | None = None) -> Summary:
    """Score a distribution ``{scale point: count}`` of answers to a survey of ``kind`` on
    ``scale`` (default: the kind's). CSAT's top-2 box and CES's "easy" answers are relative to
    the scale (``Scale.satisfied``, ``Scale.easy``): 4–5 on 1–5, 6–7 (CSAT) or 5–7 (CES) on 1–7.

    Raises ``ValueError`` for an unknown kind, a point outside the scale, or a negative count. An
    empty (or all-zero) distribution gives ``n == 0`` with every score ``None``.
    """
    if kind not in SCALES:
        raise ValueError(f"unknown survey kind {kind!r}; expected one of {', '.join(SCALES)}")
    scale = scale or Scale.of(kind)
    counts = _validated(kind, distribution, scale)
    lo, hi = scale.min, scale.max
    n = sum(counts.values())
    shown = {str(point): counts[point] for point in range(lo, hi + 1)}
    if n == 0:
        return Summary(
            kind=kind,
            n=0,
            score=None,
            ci95=None,
            mean=None,
            mean_ci95=None,
            distribution=shown,
            low_n=True,
        )

    mean, mean_ci95 = _mean_with_interval(counts, n, lo, hi)
    common = {
        "kind": kind,
        "n": n,
        "mean": mean,
        "mean_ci95": mean_ci95,
        "distribution": shown,
        "low_n": n < LOW_N,
    }

    if kind == "csat":
        satisfied = _count(counts, *scale.satisfied)
        low, high = _wilson(satisfied / n, n)
        score = 100.0 * satisfied / n
        return Summary(
            score=score,
            ci95=_containing(100.0 * low, 100.0 * high, score, 0.0, 100.0),
            satisfied_pct=score,
            **common,
        )
    if kind == "ces":
        return Summary(
            score=mean, ci95=mean_ci95, easy_pct=100.0 * _count(counts, *scale.easy) / n, **common
        )

    promoters, passives, detractors = (
        _count(counts, 9, 10),
        _count(counts, 7, 8),
        _count(counts, 0, 6),
    )
    # Percentages from counts (not from shares): 6 of 10 minus 2 of 10 is exactly 40, not 39.99….
    score = 100.0 * (promoters - detractors) / n
    low, high = _nps_interval(promoters / n, detractors / n, n)
    return Summary(
        score=score,
        ci95=_containing(low, high, score, -100.0, 100.0),
        promoters_pct=100.0 * promoters / n,
        passives_pct=100.0 * passives / n,
        detractors_pct=100.0 * detractors / n,
        **common,
    )


def merge(distributions: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """Add distributions point by point (e.g. the weeks of a series into the period's total)."""
    total: Counter[int] = Counter()
    for distribution in distributions:
        for point, count in distribution.items():
            total[operator.index(point)] += operator.index(count)
    return dict(sorted(total.items()))


# -- internals ---------------------------------------------------------------------------------


def _validated(kind: str, distribution: Mapping[int, int], scale: Scale) -> dict[int, int]:
    lo, hi = scale.min, scale.max
    counts = dict.fromkeys(range(lo, hi + 1), 0)
    for raw_point, raw_count in distribution.items():
        try:
            point, count = operator.index(raw_point), operator.index(raw_count)
        except TypeError:
            raise ValueError(
                f"distribution must map integer points to integer counts, got {raw_point!r}: "
                f"{raw_count!r}"
            ) from None
        if point not in counts:
            raise ValueError(f"score {point} is outside the {kind} scale {lo}–{hi}")
        if count < 0:
            raise ValueError(f"count for score {point} is negative ({count})")
        counts[point] += count
    return counts


def _count(counts: Mapping[int, int], first: int, last: int) -> int:
    return sum(counts[p] for p in range(first, last + 1))


def _mean_with_interval(
    counts: Mapping[int, int], n: int, lo: int, hi: int
) -> tuple[float, Interval]:
    total = sum(point * count for point, count in counts.items())
    mean = total / n
    if n == 1:
        return mean, (float(lo), float(hi))
    # Two-pass sum of squared deviations: exact enough and never negative.
    squares = sum(count * (point - mean) ** 2 for point, count in counts.items())
    half = Z95 * math.sqrt(squares / (n - 1)) / math.sqrt(n)
    return mean, _containing(mean - half, mean + half, mean, float(lo), float(hi))


def _wilson(p: float, n: int) -> Interval:
    z2 = Z95 * Z95
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n)) / denominator
    return centre - half, centre + half


def _nps_wald(p: float, d: float, n: float) -> Interval:
    net = p - d
    half = Z95 * math.sqrt(max(p + d - net * net, 0.0) / n)
    return 100.0 * (net - half), 100.0 * (net + half)


def _nps_interval(p: float, d: float, n: int) -> Interval:
    low, high = _nps_wald(p, d, n)
    if n >= LOW_N:
        return low, high
    n_adj = n + _NPS_ADJUST_N
    p_adj = (p * n + _NPS_ADJUST_PROMOTERS) / n_adj
    d_adj = (d * n + _NPS_ADJUST_DETRACTORS) / n_adj
    adj_low, adj_high = _nps_wald(p_adj, d_adj, n_adj)
    return min(low, adj_low), max(high, adj_high)


def _containing(low: float, high: float, point: float, floor: float, ceiling: float) -> Interval:
    # Clip to the score's range; min/max with the point absorbs float rounding at the edges.
    return max(floor, min(low, point)), min(ceiling, max(high, point))


def _round(value: float | None, decimals: int) -> float | None:
    if value is None:
        return None
    return round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def _round_interval(interval: Interval | None, decimals: int) -> list[float] | None:
    if interval is None:
        return None
    return [_round(interval[0], decimals), _round(interval[1], decimals)]
