"""Scores and intervals (DESIGN §7), checked against a reference computed from the answers."""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.domain import scoring
from collector.domain.scoring import SCALES, summarize

Z = 1.959963984540054


# -- an independent reference: expand the counts into answers and score those ------------------


def answers_of(distribution):
    return [point for point, count in sorted(distribution.items()) for _ in range(count)]


def wilson_by_quadratic(successes, n):
    # The Wilson bounds are the roots of (p̂ − p)² = z²·p(1 − p)/n.
    p_hat, k = successes / n, Z * Z / n
    a, b, c = 1 + k, -(2 * p_hat + k), p_hat * p_hat
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


def nps_interval_reference(answers):
    n = len(answers)
    signs = [1 if a >= 9 else -1 if a <= 6 else 0 for a in answers]
    score = 100 * statistics.fmean(signs)
    half = Z * 100 * math.sqrt(statistics.pvariance(signs) / n)
    low, high = score - half, score + half
    if n < 30:  # adjusted Wald: ¾ promoter, ¾ detractor, 1½ passives
        promoters = (signs.count(1) + 0.75) / (n + 3)
        detractors = (signs.count(-1) + 0.75) / (n + 3)
        net = promoters - detractors
        adj_half = Z * math.sqrt((promoters + detractors - net * net) / (n + 3))
        low, high = min(low, 100 * (net - adj_half)), max(high, 100 * (net + adj_half))
    return max(low, -100.0), min(high, 100.0)


def mean_interval_reference(answers, lo, hi):
    if len(answers) == 1:
        return float(lo), float(hi)
    mean = statistics.fmean(answers)
    half = Z * statistics.stdev(answers) / math.sqrt(len(answers))
    return max(mean - half, lo), min(mean + half, hi)


def distributions(kind, min_n=0):
    lo, hi = SCALES[kind]
    return st.dictionaries(st.integers(lo, hi), st.integers(0, 80), max_size=hi - lo + 1).filter(
        lambda d: sum(d.values()) >= min_n
    )


def width(interval):
    return interval[1] - interval[0]


approx = pytest.approx


# -- against the reference ------------------------------------------------------------------------


@given(distributions("csat", min_n=1))
def test_csat_matches_the_reference_computed_from_the_answers(distribution):
    answers = answers_of(distribution)
    summary = summarize("csat", distribution)
    satisfied = sum(a >= 4 for a in answers)
    low, high = wilson_by_quadratic(satisfied, len(answers))

    assert summary.n == len(answers)
    assert summary.score == approx(100 * satisfied / len(answers))
    assert summary.satisfied_pct == summary.score
    assert summary.ci95 == approx((100 * low, 100 * high), abs=1e-7)
    assert summary.mean == approx(statistics.fmean(answers))
    assert summary.mean_ci95 == approx(mean_interval_reference(answers, 1, 5))


@given(distributions("ces", min_n=1))
def test_ces_matches_the_reference_computed_from_the_answers(distribution):
    answers = answers_of(distribution)
    summary = summarize("ces", distribution)

    assert summary.score == approx(statistics.fmean(answers))
    assert summary.ci95 == approx(mean_interval_reference(answers, 1, 7))
    assert summary.mean_ci95 == summary.ci95
    assert summary.easy_pct == approx(100 * sum(a >= 5 for a in answers) / len(answers))


@given(distributions("nps", min_n=1))
def test_nps_matches_the_reference_computed_from_the_answers(distribution):
    answers = answers_of(distribution)
    summary = summarize("nps", distribution)
    n = len(answers)
    promoters = 100 * sum(a >= 9 for a in answers) / n
    passives = 100 * sum(a in (7, 8) for a in answers) / n
    detractors = 100 * sum(a <= 6 for a in answers) / n

    assert summary.score == approx(promoters - detractors)
    assert (summary.promoters_pct, summary.passives_pct, summary.detractors_pct) == approx(
        (promoters, passives, detractors)
    )
    assert summary.ci95 == approx(nps_interval_reference(answers), abs=1e-7)
    assert summary.mean == approx(statistics.fmean(answers))
    assert summary.mean_ci95 == approx(mean_interval_reference(answers, 0, 10))


@pytest.mark.parametrize("kind", SCALES)
@given(data=st.data())
def test_interval_contains_the_score_and_stays_within_its_range(kind, data):
    summary = summarize(kind, data.draw(distributions(kind, min_n=1)))
    floor, ceiling = {"csat": (0, 100), "ces": (1, 7), "nps": (-100, 100)}[kind]
    lo, hi = SCALES[kind]

    assert floor <= summary.ci95[0] <= summary.score <= summary.ci95[1] <= ceiling
    assert lo <= summary.mean_ci95[0] <= summary.mean <= summary.mean_ci95[1] <= hi


@pytest.mark.parametrize("kind", SCALES)
@given(data=st.data())
def test_rounded_figures_still_sit_inside_their_rounded_interval(kind, data):
    shown = summarize(kind, data.draw(distributions(kind, min_n=1))).to_dict()

    assert shown["ci95"][0] <= shown["score"] <= shown["ci95"][1]
    assert shown["mean_ci95"][0] <= shown["mean"] <= shown["mean_ci95"][1]


# -- worked cases ---------------------------------------------------------------------------------


def test_nps_of_60_percent_promoters_and_20_percent_detractors_is_plus_40():
    summary = summarize("nps", {10: 4, 9: 2, 8: 1, 7: 1, 3: 1, 0: 1})

    assert summary.score == 40.0
    assert summary.to_dict()["promoters_pct"] == 60.0
    assert summary.to_dict()["passives_pct"] == 20.0
    assert summary.to_dict()["detractors_pct"] == 20.0


def test_nps_interval_from_30_answers_is_the_design_formula():
    # 18 promoters, 6 passives, 6 detractors: p = 0.6, d = 0.2.
    summary = summarize("nps", {10: 18, 8: 6, 2: 6})
    half = 1.959963984540054 * 100 * math.sqrt((0.6 + 0.2 - 0.4**2) / 30)

    assert summary.low_n is False
    assert summary.ci95 == approx((40 - half, 40 + half))


def test_csat_of_answers_5_4_4_3_3_is_60_percent_satisfied_with_mean_3_8():
    summary = summarize("csat", Counter([5, 4, 4, 3, 3]))

    assert summary.score == 60.0
    assert summary.mean == 3.8
    shown = summary.to_dict()
    assert (shown["score"], shown["satisfied_pct"], shown["mean"]) == (60.0, 60.0, 3.8)
    assert shown["ci95"] == [23.1, 88.2]  # Wilson 95 % for 3 of 5


def test_ces_score_is_the_mean_answer_and_easy_pct_counts_5_to_7():
    summary = summarize("ces", {7: 2, 5: 1, 4: 1})

    assert summary.score == approx(5.75)
    assert summary.easy_pct == approx(75.0)


@pytest.mark.parametrize(
    ("kind", "point"), [(k, p) for k, (lo, hi) in SCALES.items() for p in range(lo, hi + 1)]
)
def test_a_single_answer_is_low_n_with_the_widest_interval(kind, point):
    single = summarize(kind, {point: 1})

    assert single.low_n is True
    assert width(single.ci95) > 0
    assert single.mean_ci95 == SCALES[kind]  # one answer says nothing about the spread
    for n in range(2, 31):
        same_shape = summarize(kind, {point: n})
        assert width(single.ci95) > width(same_shape.ci95), n
        assert width(single.mean_ci95) > width(same_shape.mean_ci95), n


def test_a_single_answer_interval_spans_most_of_the_range():
    assert summarize("csat", {5: 1}).ci95 == approx((20.65, 100.0), abs=0.01)
    assert summarize("csat", {1: 1}).ci95 == approx((0.0, 79.35), abs=0.01)
    assert width(summarize("nps", {10: 1}).ci95) > 140
    assert width(summarize("nps", {0: 1}).ci95) > 140
    assert summarize("ces", {7: 1}).ci95 == (1.0, 7.0)


@pytest.mark.parametrize(
    ("kind", "shape"),
    [
        ("csat", {5: 3, 4: 4, 3: 2, 1: 1}),
        ("ces", {7: 2, 6: 3, 4: 3, 2: 2}),
        ("nps", {10: 3, 9: 3, 8: 2, 5: 1, 0: 1}),
        ("nps", {10: 10}),
    ],
)
def test_interval_narrows_as_answers_grow_for_the_same_shape(kind, shape):
    widths = [
        width(summarize(kind, {p: c * k for p, c in shape.items()}).ci95) for k in range(1, 21)
    ]

    assert all(a >= b for a, b in itertools.pairwise(widths))
    assert widths[-1] < widths[0]


def test_all_promoters_get_a_wide_interval_while_low_n():
    assert width(summarize("nps", {10: 29}).ci95) > 10
    assert summarize("nps", {10: 30}).ci95 == (100.0, 100.0)  # §7's formula from 30 on


@pytest.mark.parametrize("kind", SCALES)
def test_no_answers_give_no_score_and_a_distribution_of_zeros(kind):
    for empty in ({}, dict.fromkeys(range(SCALES[kind][0], SCALES[kind][1] + 1), 0)):
        summary = summarize(kind, empty)
        assert (summary.n, summary.score, summary.ci95, summary.mean) == (0, None, None, None)
        assert summary.mean_ci95 is None
        assert summary.low_n is True
        assert set(summary.distribution.values()) == {0}
    shown = summarize(kind, {}).to_dict()
    assert shown["score"] is None and shown["ci95"] is None


@pytest.mark.parametrize("kind", SCALES)
def test_distribution_lists_every_scale_point_in_order_with_zeros(kind):
    lo, hi = SCALES[kind]
    summary = summarize(kind, {hi: 2})

    assert list(summary.distribution) == [str(p) for p in range(lo, hi + 1)]
    assert summary.distribution[str(hi)] == 2
    assert sum(summary.distribution.values()) == 2
    assert summary.to_dict()["distribution"] == summary.distribution


def test_thirty_answers_are_no_longer_low_n():
    assert summarize("csat", {5: 29}).low_n is True
    assert summarize("csat", {5: 30}).low_n is False


@pytest.mark.parametrize(
    ("kind", "distribution"),
    [("csat", {0: 1}), ("csat", {6: 1}), ("ces", {8: 1}), ("nps", {11: 1}), ("nps", {-1: 1})],
)
def test_a_score_outside_the_scale_is_refused(kind, distribution):
    with pytest.raises(ValueError, match="outside"):
        summarize(kind, distribution)


def test_unknown_kinds_negative_counts_and_non_integers_are_refused():
    with pytest.raises(ValueError, match="kind"):
        summarize("stars", {1: 1})
    with pytest.raises(ValueError, match="negative"):
        summarize("csat", {5: -1})
    with pytest.raises(ValueError, match="integer"):
        summarize("csat", {4.5: 1})


def test_each_kind_reports_only_its_own_extras():
    fields = {kind: set(summarize(kind, {SCALES[kind][1]: 1}).to_dict()) for kind in SCALES}
    common = {"n", "score", "ci95", "mean", "mean_ci95", "distribution", "low_n"}

    assert fields["csat"] == common | {"satisfied_pct"}
    assert fields["ces"] == common | {"easy_pct"}
    assert fields["nps"] == common | {"promoters_pct", "passives_pct", "detractors_pct"}


def test_display_rounds_percentages_to_one_decimal_and_means_to_two():
    shown = summarize("csat", {5: 1, 4: 1, 1: 1}).to_dict()  # 66.666… % and mean 3.333…

    assert shown["score"] == 66.7
    assert shown["mean"] == 3.33
    assert summarize("ces", {7: 1, 6: 2}).to_dict()["score"] == 6.33
    assert summarize("csat", {5: 1, 4: 1, 1: 1}).score == approx(200 / 3)  # unrounded inside


def test_brief_form_is_the_shape_of_a_series_point():
    assert set(summarize("nps", {9: 3}).to_dict(brief=True)) == {"n", "score", "ci95", "mean"}


def test_merged_weeks_score_like_the_whole_period():
    weeks = [{5: 2, 3: 1}, {}, {4: 1, 1: 2}]

    assert scoring.merge(weeks) == {1: 2, 3: 1, 4: 1, 5: 2}
    assert summarize("csat", scoring.merge(weeks)) == summarize("csat", Counter([5, 5, 3, 4, 1, 1]))
