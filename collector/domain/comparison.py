"""Is a score's change between two periods beyond chance? (issue 23: the monthly review)

Both periods are distributions ``{scale point: count}``, the shape ``scoring.summarize`` reads, so
callers never load answer rows. Each change is *after − before* with a 95 % interval; the verdict is
``within_noise`` when the interval holds 0 and ``beyond_chance`` when it does not, or
``not_enough_answers`` when a period has too few answers to say anything. The verdict says whether
chance alone would often produce a change this large, never why the score moved.

Methods (the two periods are independent samples):

- **A share** (CSAT's satisfied share, CES's easy share), in percentage points: Newcombe's hybrid
  score interval, method 10 of Newcombe, R. G. (1998), "Interval estimation for the difference
  between independent proportions: comparison of eleven methods", *Statistics in Medicine* 17,
  873–890. It combines the two Wilson intervals that ``scoring`` reports for each period, so it
  stays inside ±100 and is honest at small n and near 0 % or 100 %.
- **A mean** (CSAT's and CES's mean answer, and CES's score, which is a mean): Welch's interval,
  ``Δ ± t(0.975, ν)·√(s₁²/n₁ + s₂²/n₂)`` with the Welch–Satterthwaite degrees of freedom ν (Welch,
  B. L. (1947), "The generalization of 'Student's' problem when several different population
  variances are involved", *Biometrika* 34, 28–35). Needs two answers in each period. The t
  quantile is computed here exactly (regularised incomplete beta, bisection), with no SciPy.
- **NPS**, in NPS points: the difference of two NPS values, with the variance of each from the
  trinomial (promoter / passive / detractor) model, ``Var(NPŜ) = (p + d − (p − d)²) / n`` (Rocks,
  B. (2016), "Interval estimation for the 'net promoter score'", *The American Statistician* 70,
  365–372; the same variance as DESIGN §7's interval), so the difference's interval is
  ``Δ ± z·100·√(v₁ + v₂)`` (a Wald interval). When a period has fewer than ``scoring.LOW_N``
  answers the Wald interval is too narrow, so, as ``scoring`` does for one period, it is widened
  to also cover the adjusted-Wald interval (¾ promoter, ¾ detractor, 1½ passives added to each
  period, Rocks 2016) — the hull of both.

``reasons_moved`` applies these to the reasons answers gave: the share of the answers with a reason
that gave each one (Newcombe), and the score among the answers that gave it (``compare``), both
only above ``MIN_REASON_ANSWERS``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from collector.domain import scoring
from collector.domain.scales import Scale

BEYOND_CHANCE = "beyond_chance"
WITHIN_NOISE = "within_noise"
NOT_ENOUGH = "not_enough_answers"

Interval = tuple[float, float]

_Z = scoring.Z95


@dataclass(frozen=True)
class Change:
    """One measure's move from ``before`` to ``after``: ``difference`` = after − before.

    ``unit`` is ``"points"`` for percentages and NPS (percentage or NPS points) and ``"scale"``
    for means (answer-scale units). ``ci95`` and ``difference`` are ``None`` when a period has
    too few answers (then ``verdict`` is ``not_enough_answers``).
    """

    measure: str
    method: str
    unit: str
    before: float | None
    after: float | None
    difference: float | None
    ci95: Interval | None
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        decimals = 2 if self.unit == "scale" else 1
        return {
            "measure": self.measure,
            "method": self.method,
            "before": _round(self.before, decimals),
            "after": _round(self.after, decimals),
            "difference": _round(self.difference, decimals),
            "ci95": None
            if self.ci95 is None
            else [_round(self.ci95[0], decimals), _round(self.ci95[1], decimals)],
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Comparison:
    """A survey's two periods: ``score`` is the change of its §7 score (satisfied share for CSAT,
    mean for CES, NPS for NPS); ``mean`` that of its mean answer."""

    kind: str
    n_before: int
    n_after: int
    score: Change
    mean: Change

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "n_before": self.n_before,
            "n_after": self.n_after,
            "score": self.score.to_dict(),
            "mean": self.mean.to_dict(),
        }


def verdict(interval: Interval | None) -> str:
    """``within_noise`` when the interval holds 0, ``beyond_chance`` when it does not."""
    if interval is None:
        return NOT_ENOUGH
    low, high = interval
    return WITHIN_NOISE if low <= 0.0 <= high else BEYOND_CHANCE


def compare(
    kind: str,
    before: Mapping[int, int],
    after: Mapping[int, int],
    scale: Scale | None = None,
) -> Comparison:
    """Compare two periods' distributions of answers to one survey of ``kind`` on ``scale``."""
    scale = scale or Scale.of(kind)
    first = scoring.summarize(kind, before, scale)  # validates both distributions
    second = scoring.summarize(kind, after, scale)
    a, b = _counts(before), _counts(after)
    mean = mean_difference(_moments(a), _moments(b))
    if kind == "csat":
        top = scale.satisfied
        score = share_difference(_within(a, top), first.n, _within(b, top), second.n)
    elif kind == "ces":
        score = mean
    else:
        score = nps_difference(_nps_counts(a), _nps_counts(b))
    return Comparison(kind, first.n, second.n, score, mean)


def share_difference(x1: int, n1: int, x2: int, n2: int) -> Change:
    """``x2/n2 − x1/n1`` in percentage points with Newcombe's hybrid score interval (1998, #10)."""
    method = "newcombe_hybrid_score"
    if n1 == 0 or n2 == 0:
        return _empty("share", method, "points", x1, n1, x2, n2)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = scoring._wilson(p1, n1)
    l2, u2 = scoring._wilson(p2, n2)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    interval = (100.0 * max(low, -1.0), 100.0 * min(high, 1.0))
    return Change(
        "share", method, "points", 100 * p1, 100 * p2, 100 * d, interval, verdict(interval)
    )


@dataclass(frozen=True)
class Moments:
    """What a mean's interval needs: count, mean, sample variance (n − 1)."""

    n: int
    mean: float | None
    variance: float | None


def mean_difference(first: Moments, second: Moments) -> Change:
    """``mean₂ − mean₁`` with Welch's 95 % interval; ``not_enough_answers`` below two answers."""
    method = "welch"
    before = first.mean
    after = second.mean
    if first.n < 2 or second.n < 2:
        return Change("mean", method, "scale", before, after, None, None, NOT_ENOUGH)
    d = after - before
    v1, v2 = first.variance / first.n, second.variance / second.n
    se2 = v1 + v2
    if se2 == 0.0:
        # Every answer the same in both periods: no spread to judge against. Equal means are
        # no change; different ones (4 → 5 with nobody else) are as clear as data gets.
        interval = (d, d)
        return Change("mean", method, "scale", before, after, d, interval, verdict(interval))
    df = se2 * se2 / (v1 * v1 / (first.n - 1) + v2 * v2 / (second.n - 1))
    half = t_quantile(0.975, df) * math.sqrt(se2)
    interval = (d - half, d + half)
    return Change("mean", method, "scale", before, after, d, interval, verdict(interval))


def nps_difference(first: tuple[int, int, int], second: tuple[int, int, int]) -> Change:
    """NPS₂ − NPS₁ from ``(promoters, passives, detractors)`` counts, with the trinomial-variance
    Wald interval (Rocks 2016), widened by the adjusted-Wald one when a period is small."""
    method = "trinomial_wald"
    n1, n2 = sum(first), sum(second)
    if n1 == 0 or n2 == 0:
        before = _nps(first) if n1 else None
        after = _nps(second) if n2 else None
        return Change("nps", method, "points", before, after, None, None, NOT_ENOUGH)
    before, after = _nps(first), _nps(second)
    d = after - before
    low, high = _nps_diff_wald(first, second, 0.0, 0.0)
    if min(n1, n2) < scoring.LOW_N:
        adj_low, adj_high = _nps_diff_wald(
            first, second, scoring._NPS_ADJUST_PROMOTERS, scoring._NPS_ADJUST_N
        )
        low, high = min(low, adj_low), max(high, adj_high)
    interval = (max(-200.0, min(low, d)), min(200.0, max(high, d)))
    return Change("nps", method, "points", before, after, d, interval, verdict(interval))


def nps_variance(promoters: float, passives: float, detractors: float) -> float:
    """The variance of one period's NPS estimate as a fraction (−1…1): (p + d − (p − d)²) / n."""
    n = promoters + passives + detractors
    p, d = promoters / n, detractors / n
    return max(p + d - (p - d) ** 2, 0.0) / n


def t_quantile(probability: float, df: float) -> float:
    """The ``probability`` quantile of Student's t with ``df`` (real, > 0) degrees of freedom."""
    if not 0.5 <= probability < 1.0 or df <= 0:
        raise ValueError("probability must be in [0.5, 1) and df positive")
    if probability == 0.5:
        return 0.0
    low, high = 0.0, 1.0
    while _t_cdf(high, df) < probability:
        high *= 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if _t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * max(1.0, high):
            break
    return (low + high) / 2.0


# -- reasons -----------------------------------------------------------------------------------

#: A period's reasons are compared only when at least this many of its answers gave a reason, and
#: a reason's score only when at least this many answers gave that reason in each period.
MIN_REASON_ANSWERS = 10


@dataclass(frozen=True)
class ReasonMove:
    """How one reason moved between two periods.

    ``share`` is the change of the share of the answers that gave a reason which gave this one
    (percentage points); ``score`` the change of the survey's score among the answers that gave
    it, or ``None`` when it had fewer than ``MIN_REASON_ANSWERS`` in a period. ``before`` and
    ``after`` count the answers that gave it.
    """

    reason: str
    before: int
    after: int
    share: Change
    score: Change | None

    @property
    def beyond_chance(self) -> bool:
        changes = (self.share, self.score)
        return any(c is not None and c.verdict == BEYOND_CHANCE for c in changes)


@dataclass(frozen=True)
class ReasonsMoved:
    """The reasons that moved most, or none with ``enough`` false when a period had fewer than
    ``MIN_REASON_ANSWERS`` answers with a reason. ``n_before`` and ``n_after`` count those."""

    n_before: int
    n_after: int
    enough: bool
    moves: list[ReasonMove]


def reasons_moved(
    kind: str,
    before: Mapping[str | None, Mapping[int, int]],
    after: Mapping[str | None, Mapping[int, int]],
    n_before: int,
    n_after: int,
    scale: Scale | None = None,
    *,
    limit: int = 5,
) -> ReasonsMoved:
    """Which reasons' share or score changed most from ``before`` to ``after``.

    Each period is ``{reason id: {scale point: count}}`` with the answers that gave no reason under
    ``None`` (an answer with two reasons counts under both), and ``n_*`` the period's answers,
    each once. The share's denominator is the answers that gave at least one reason, so a period
    in which fewer people picked any reason does not look like every reason falling. The moves
    with a change beyond chance come first, then the largest moves of share; at most ``limit``.
    """
    scale = scale or Scale.of(kind)
    with_reason = (
        n_before - sum(_counts(before.get(None, {})).values()),
        n_after - sum(_counts(after.get(None, {})).values()),
    )
    if min(with_reason) < MIN_REASON_ANSWERS:
        return ReasonsMoved(*with_reason, False, [])
    moves = []
    for reason in sorted({k for k in (*before, *after) if k is not None}):
        first, second = _counts(before.get(reason, {})), _counts(after.get(reason, {}))
        x1, x2 = sum(first.values()), sum(second.values())
        share = share_difference(x1, with_reason[0], x2, with_reason[1])
        score = None
        if min(x1, x2) >= MIN_REASON_ANSWERS:
            score = compare(kind, first, second, scale).score
        moves.append(ReasonMove(reason, x1, x2, share, score))
    moves.sort(key=lambda m: (not m.beyond_chance, -abs(m.share.difference), m.reason))
    return ReasonsMoved(*with_reason, True, moves[:limit])


# -- internals ---------------------------------------------------------------------------------


def _counts(distribution: Mapping[int, int]) -> dict[int, int]:
    return {int(point): int(count) for point, count in distribution.items() if count}


def _within(counts: Mapping[int, int], band: tuple[int, int]) -> int:
    return sum(c for p, c in counts.items() if band[0] <= p <= band[1])


def _moments(counts: Mapping[int, int]) -> Moments:
    n = sum(counts.values())
    if n == 0:
        return Moments(0, None, None)
    mean = sum(p * c for p, c in counts.items()) / n
    if n == 1:
        return Moments(1, mean, None)
    squares = sum(c * (p - mean) ** 2 for p, c in counts.items())
    return Moments(n, mean, squares / (n - 1))


def _nps_counts(counts: Mapping[int, int]) -> tuple[int, int, int]:
    return _within(counts, (9, 10)), _within(counts, (7, 8)), _within(counts, (0, 6))


def _nps(counts: tuple[int, int, int]) -> float:
    promoters, _, detractors = counts
    return 100.0 * (promoters - detractors) / sum(counts)


def _nps_diff_wald(first, second, add: float, add_n: float) -> Interval:
    def adjusted(counts):
        promoters, passives, detractors = counts
        return promoters + add, passives + (add_n - 2 * add), detractors + add

    a, b = adjusted(first), adjusted(second)
    d = (_nps(b) - _nps(a)) / 100.0
    half = _Z * math.sqrt(nps_variance(*a) + nps_variance(*b))
    return 100.0 * (d - half), 100.0 * (d + half)


def _t_cdf(t: float, df: float) -> float:
    # P(T ≤ t) for t ≥ 0: 1 − ½·I_x(df/2, ½) with x = df / (df + t²).
    x = df / (df + t * t)
    return 1.0 - 0.5 * _incomplete_beta(x, df / 2.0, 0.5)


def _incomplete_beta(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b) (continued fraction, modified Lentz)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    if x > (a + 1.0) / (a + b + 2.0):
        return 1.0 - _incomplete_beta(1.0 - x, b, a)
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    log_front += a * math.log(x) + b * math.log1p(-x)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    fraction = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            fraction *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return math.exp(log_front) * fraction / a


def _empty(measure, method, unit, x1, n1, x2, n2) -> Change:
    before = 100.0 * x1 / n1 if n1 else None
    after = 100.0 * x2 / n2 if n2 else None
    return Change(measure, method, unit, before, after, None, None, NOT_ENOUGH)


def _round(value: float | None, decimals: int) -> float | None:
    if value is None:
        return None
    return round(value, decimals) + 0.0
