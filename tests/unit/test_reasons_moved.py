"""Reasons that moved between two periods (``comparison.reasons_moved``): the share of the answers
with a reason that gave each one, the score among them, and nothing said on too few answers."""

from __future__ import annotations

import pytest

from collector.domain.comparison import (
    BEYOND_CHANCE,
    MIN_REASON_ANSWERS,
    WITHIN_NOISE,
    reasons_moved,
    share_difference,
)


def total(groups) -> int:
    """The period's answers when no answer gave two reasons."""
    return sum(sum(points.values()) for points in groups.values())


def test_a_reason_chosen_far_more_often_moves_beyond_chance_and_comes_first():
    # 100 answers with a reason in each period: "price" goes from 20 % to 60 % of them.
    before = {"price": {2: 20}, "speed": {9: 40}, "docs": {8: 40}, None: {7: 50}}
    after = {"price": {2: 60}, "speed": {9: 22}, "docs": {8: 18}, None: {7: 10}}
    result = reasons_moved("nps", before, after, total(before), total(after))
    assert (result.n_before, result.n_after, result.enough) == (100, 100, True)
    first = result.moves[0]
    assert (first.reason, first.before, first.after) == ("price", 20, 60)
    assert first.share.before == pytest.approx(20.0) and first.share.after == pytest.approx(60.0)
    assert first.share.verdict == BEYOND_CHANCE
    assert first.share == share_difference(20, 100, 60, 100)
    assert [m.reason for m in result.moves] == ["price", "docs", "speed"]


def test_the_share_is_of_the_answers_that_gave_a_reason_not_of_all_answers():
    # Fewer people gave any reason in the second period, but among those who did, the split
    # between price and speed is the same: no reason moved.
    before = {"price": {5: 30}, "speed": {9: 30}, None: {7: 40}}
    after = {"price": {5: 15}, "speed": {9: 15}, None: {7: 170}}
    result = reasons_moved("nps", before, after, total(before), total(after))
    assert (result.n_before, result.n_after) == (60, 30)
    for move in result.moves:
        assert move.share.difference == pytest.approx(0.0)
        assert move.share.verdict == WITHIN_NOISE


def test_an_answer_with_two_reasons_counts_for_both_and_once_in_the_denominator():
    # 20 answers, each gave both reasons: both are chosen by 100 % of them.
    both = {"price": {3: 20}, "speed": {3: 20}}
    result = reasons_moved("nps", both, both, 20, 20)
    assert (result.n_before, result.n_after) == (20, 20)
    assert {m.reason: (m.share.before, m.share.after) for m in result.moves} == {
        "price": (100.0, 100.0),
        "speed": (100.0, 100.0),
    }


def test_the_score_of_a_reason_is_compared_among_the_answers_that_gave_it():
    # CSAT on 1–5: "support" answers go from all 2s to all 5s (the satisfied share 0 → 100 %).
    before = {"support": {2: 12}, "price": {4: 12}}
    after = {"support": {5: 12}, "price": {4: 12}}
    result = reasons_moved("csat", before, after, 24, 24)
    moves = {m.reason: m for m in result.moves}
    support = moves["support"].score
    assert (support.before, support.after, support.difference) == (0.0, 100.0, 100.0)
    assert support.verdict == BEYOND_CHANCE
    assert moves["support"].share.verdict == WITHIN_NOISE  # chosen as often as before
    assert moves["price"].score.verdict == WITHIN_NOISE
    # A score that moved beyond chance puts its reason first, even with no move of share.
    assert result.moves[0].reason == "support"


def test_a_reasons_score_needs_enough_answers_in_each_period():
    few = MIN_REASON_ANSWERS - 1
    before = {"docs": {1: few}, "price": {7: 30}}
    after = {"docs": {7: few}, "price": {7: 30}}
    result = reasons_moved("ces", before, after, 30 + few, 30 + few)
    moves = {m.reason: m for m in result.moves}
    assert moves["docs"].score is None  # too few to say anything about its score
    assert moves["docs"].share is not None  # its share is still compared
    assert moves["price"].score is not None


def test_too_few_answers_with_a_reason_in_a_period_compares_nothing():
    before = {"price": {3: MIN_REASON_ANSWERS - 1}, None: {9: 200}}
    after = {"price": {3: 50}}
    result = reasons_moved("nps", before, after, total(before), total(after))
    assert (result.n_before, result.n_after) == (MIN_REASON_ANSWERS - 1, 50)
    assert result.enough is False
    assert result.moves == []


def test_a_reason_new_in_the_second_period_moves_from_zero():
    before = {"price": {5: 20}}
    after = {"price": {5: 10}, "onboarding": {2: 10}}
    result = reasons_moved("nps", before, after, 20, 20)
    new = next(m for m in result.moves if m.reason == "onboarding")
    assert (new.before, new.after, new.share.before, new.share.after) == (0, 10, 0.0, 50.0)
    assert new.score is None  # no answers gave it before


def test_at_most_limit_moves_the_largest_first():
    before = {f"r{i}": {5: 10} for i in range(8)}
    after = {f"r{i}": {5: 10 + 3 * i} for i in range(8)}
    result = reasons_moved("nps", before, after, total(before), total(after), limit=3)
    assert len(result.moves) == 3
    sizes = [abs(m.share.difference) for m in result.moves if not m.beyond_chance]
    assert sizes == sorted(sizes, reverse=True)
