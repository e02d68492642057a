"""Period comparison: is a change between two periods beyond chance? Checked against published
values, answer-by-answer computations and a bootstrap."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.domain import comparison
from collector.domain.comparison import BEYOND_CHANCE, NOT_ENOUGH, WITHIN_NOISE, compare

Z = 1.959963984540054

# 200 answers each: means 3.8 and 4.4 on 1–5.
CSAT_BEFORE = {1: 10, 2: 20, 3: 35, 4: 70, 5: 65}
CSAT_AFTER = {1: 4, 2: 6, 3: 16, 4: 54, 5: 120}


def answers_of(distribution):
    return [point for point, count in sorted(distribution.items()) for _ in range(count)]


def test_csat_from_3_8_to_4_4_on_200_answers_each_is_beyond_chance():
    result = compare("csat", CSAT_BEFORE, CSAT_AFTER)
    assert (result.n_before, result.n_after) == (200, 200)
    mean = result.mean
    assert mean.before == pytest.approx(3.8) and mean.after == pytest.approx(4.4)
    assert mean.difference == pytest.approx(0.6)
    low, high = mean.ci95
    assert 0 < low < 0.6 < high < 1.0
    assert mean.verdict == BEYOND_CHANCE
    # The satisfied share (§7's CSAT score) went from 67.5 % to 87 %: also beyond chance.
    share = result.score
    assert (share.before, share.after) == (pytest.approx(67.5), pytest.approx(87.0))
    assert 0 < share.ci95[0] < 19.5 < share.ci95[1]
    assert share.verdict == BEYOND_CHANCE
    shown = result.to_dict()
    assert shown["mean"]["ci95"] == [round(low, 2), round(high, 2)]
    assert shown["score"]["verdict"] == "beyond_chance"


@pytest.mark.parametrize(
    ("kind", "distribution"),
    [
        ("csat", CSAT_BEFORE),
        ("ces", {1: 5, 2: 10, 3: 20, 4: 40, 5: 60, 6: 40, 7: 25}),
        ("nps", {0: 10, 3: 10, 6: 20, 7: 30, 8: 30, 9: 50, 10: 50}),
    ],
)
def test_two_periods_with_the_same_distribution_are_within_noise(kind, distribution):
    result = compare(kind, distribution, distribution)
    for change in (result.score, result.mean):
        assert change.difference == pytest.approx(0.0)
        assert change.ci95[0] < 0 < change.ci95[1]
        assert change.verdict == WITHIN_NOISE


def test_two_samples_drawn_from_one_population_are_within_noise():
    rng = random.Random(23)
    population = answers_of(CSAT_BEFORE)
    a = {p: 0 for p in range(1, 6)}
    b = {p: 0 for p in range(1, 6)}
    for point in rng.choices(population, k=300):
        a[point] += 1
    for point in rng.choices(population, k=300):
        b[point] += 1
    assert a != b
    result = compare("csat", a, b)
    assert result.score.verdict == WITHIN_NOISE
    assert result.mean.verdict == WITHIN_NOISE


def test_a_share_difference_matches_newcombes_published_intervals():
    # Newcombe (1998), Table II, method 10: 56/70 − 48/80 → 0.0524 to 0.3339,
    # 9/10 − 3/10 → 0.1705 to 0.8090, 0/10 − 0/20 → −0.1611 to 0.2775 (ours is after − before).
    for (x1, n1, x2, n2), (low, high) in {
        (48, 80, 56, 70): (5.24, 33.39),
        (3, 10, 9, 10): (17.05, 80.90),
        (0, 20, 0, 10): (-16.11, 27.75),
    }.items():
        change = comparison.share_difference(x1, n1, x2, n2)
        assert change.ci95 == (pytest.approx(low, abs=0.01), pytest.approx(high, abs=0.01))


def test_the_t_quantile_matches_the_printed_table():
    for df, value in {
        1: 12.706,
        2: 4.303,
        3: 3.182,
        5: 2.571,
        10: 2.228,
        30: 2.042,
        120: 1.980,
    }.items():
        assert comparison.t_quantile(0.975, df) == pytest.approx(value, abs=5e-4)
    assert comparison.t_quantile(0.975, 1e7) == pytest.approx(Z, abs=1e-5)


distributions = st.dictionaries(st.integers(1, 7), st.integers(0, 60), min_size=1).filter(
    lambda d: sum(d.values()) >= 2 and len({p for p, c in d.items() if c}) >= 2
)


@given(distributions, distributions)
def test_a_mean_difference_is_welchs_interval_computed_from_the_answers(before, after):
    result = comparison.compare("ces", before, after)
    a, b = answers_of(before), answers_of(after)
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = comparison.t_quantile(0.975, df) * math.sqrt(va + vb)
    difference = statistics.fmean(b) - statistics.fmean(a)
    assert result.mean.difference == pytest.approx(difference)
    assert result.mean.ci95 == (
        pytest.approx(difference - half, abs=1e-9),
        pytest.approx(difference + half, abs=1e-9),
    )
    assert result.score == result.mean  # a CES score is its mean


# -- NPS: the difference of two NPS values --------------------------------------------------------

nps_counts = st.tuples(st.integers(0, 400), st.integers(0, 400), st.integers(0, 400))


def signs(counts):
    promoters, passives, detractors = counts
    return [1] * promoters + [0] * passives + [-1] * detractors


def distribution_of(counts):
    promoters, passives, detractors = counts
    return {10: promoters, 7: passives, 3: detractors}


@given(nps_counts.filter(lambda c: sum(c) >= 30), nps_counts.filter(lambda c: sum(c) >= 30))
def test_an_nps_difference_interval_is_the_difference_of_two_means_of_signs(first, second):
    # Independent route: each answer is +1 (promoter), 0 (passive) or −1 (detractor); NPS is the
    # mean sign × 100 and its variance the signs' population variance / n.
    a, b = signs(first), signs(second)
    difference = 100 * (statistics.fmean(b) - statistics.fmean(a))
    se = 100 * math.sqrt(statistics.pvariance(a) / len(a) + statistics.pvariance(b) / len(b))
    result = compare("nps", distribution_of(first), distribution_of(second)).score
    assert result.difference == pytest.approx(difference, abs=1e-9)
    low, high = result.ci95
    assert low == pytest.approx(max(-200, difference - Z * se), abs=1e-7)
    assert high == pytest.approx(min(200, difference + Z * se), abs=1e-7)
    assert result.verdict == (WITHIN_NOISE if low <= 0 <= high else BEYOND_CHANCE)


small_nps_counts = st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 5)).filter(
    lambda c: 1 <= sum(c) < 30
)


@given(small_nps_counts, nps_counts.filter(lambda c: sum(c) >= 1))
def test_a_small_period_never_narrows_the_nps_interval(first, second):
    a, b = signs(first), signs(second)
    difference = 100 * (statistics.fmean(b) - statistics.fmean(a))
    se = 100 * math.sqrt(statistics.pvariance(a) / len(a) + statistics.pvariance(b) / len(b))
    low, high = compare("nps", distribution_of(first), distribution_of(second)).score.ci95
    assert low <= max(-200, difference - Z * se) + 1e-9
    assert high >= min(200, difference + Z * se) - 1e-9
    assert high > low  # never zero-width, even when everyone gave the same answer


@pytest.mark.parametrize(
    ("first", "second"), [((90, 60, 50), (110, 50, 40)), ((40, 80, 80), (70, 70, 60))]
)
def test_an_nps_difference_interval_agrees_with_a_bootstrap(first, second):
    rng = random.Random(2016)
    a, b = signs(first), signs(second)
    diffs = sorted(
        100
        * (statistics.fmean(rng.choices(b, k=len(b))) - statistics.fmean(rng.choices(a, k=len(a))))
        for _ in range(3000)
    )
    boot_low, boot_high = diffs[int(0.025 * len(diffs))], diffs[int(0.975 * len(diffs)) - 1]
    low, high = compare("nps", distribution_of(first), distribution_of(second)).score.ci95
    assert low == pytest.approx(boot_low, abs=2.0)
    assert high == pytest.approx(boot_high, abs=2.0)


def test_a_period_without_answers_says_so_rather_than_guessing():
    result = compare("nps", {}, {10: 3})
    assert result.score.verdict == NOT_ENOUGH and result.score.ci95 is None
    assert result.score.after == 100.0
    one_each = compare("csat", {5: 1}, {4: 1})
    assert one_each.mean.verdict == NOT_ENOUGH  # one answer has no spread
    assert one_each.score.verdict == WITHIN_NOISE  # Wilson still speaks at n = 1


def test_answers_outside_the_scale_are_refused():
    with pytest.raises(ValueError):
        compare("csat", {6: 1}, {5: 1})
