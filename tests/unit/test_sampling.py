"""Stable sampling: a user is always in or always out of a survey's sample."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.domain.sampling import in_sample, sample_point

USERS = [f"u{i}" for i in range(10_000)]
ids = st.text(min_size=1, max_size=40)
rates = st.floats(min_value=0.0, max_value=1.0)


def test_a_30_percent_rate_asks_between_28_and_32_percent_of_10000_users():
    asked = sum(in_sample("srv_onboarding", user, 0.3) for user in USERS)

    assert 2_800 <= asked <= 3_200


@given(survey_id=ids, user_key=ids, rate=rates)
def test_the_same_user_gets_the_same_answer_every_time(survey_id, user_key, rate):
    first = in_sample(survey_id, user_key, rate)

    assert all(in_sample(survey_id, user_key, rate) is first for _ in range(3))


@given(survey_id=ids, user_key=ids)
def test_the_sample_point_is_the_first_8_bytes_of_sha256_of_survey_and_user(survey_id, user_key):
    digest = hashlib.sha256(f"{survey_id}:{user_key}".encode()).digest()

    assert sample_point(survey_id, user_key) == int.from_bytes(digest[:8], "big") / 2**64


@given(survey_id=ids, user_key=ids)
def test_rate_0_never_asks_and_rate_1_always_asks(survey_id, user_key):
    assert in_sample(survey_id, user_key, 0.0) is False
    assert in_sample(survey_id, user_key, 1.0) is True


@given(survey_id=ids, user_key=ids, low=rates, high=rates)
def test_raising_the_rate_keeps_everyone_already_sampled(survey_id, user_key, low, high):
    low, high = sorted((low, high))

    if in_sample(survey_id, user_key, low):
        assert in_sample(survey_id, user_key, high)


def test_different_surveys_sample_users_independently():
    in_a = {user for user in USERS if in_sample("srv_a", user, 0.5)}
    in_b = {user for user in USERS if in_sample("srv_b", user, 0.5)}

    assert in_a != in_b
    assert 2_300 <= len(in_a & in_b) <= 2_700  # about 0.5 × 0.5 of 10 000


def test_a_rate_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError, match="sample rate"):
        in_sample("srv_a", "u1", float("nan"))
