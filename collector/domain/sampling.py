"""Stable sampling: whether a user is in a survey's sample (DESIGN §6, ``not_sampled``).

A user's place in a survey's sample comes from a hash of the survey id and the user key, not from
a random draw, so the same user is always in or always out (until the rate changes), on every
collector instance, without storing anything. Surveys hash with their own id, so being sampled
for one survey says nothing about another. Raising a rate only adds users: everyone already in
stays in.
"""

from __future__ import annotations

import hashlib
import math

_SPACE = 2**64


def sample_point(survey_id: str, user_key: str) -> float:
    """The user's fixed point in [0, 1) for this survey: the first 8 bytes of
    ``sha256(f"{survey_id}:{user_key}")`` as a big-endian integer, divided by 2**64."""
    return _bucket(survey_id, user_key) / _SPACE


def in_sample(survey_id: str, user_key: str, rate: float) -> bool:
    """True when the user falls inside the survey's ``rate`` (0 → never, 1 → always).

    Rates outside [0, 1] are clamped; NaN is refused with ``ValueError``.
    """
    if math.isnan(rate):
        raise ValueError("sample rate must be a number between 0 and 1")
    if rate <= 0:
        return False
    if rate >= 1:
        return True
    # Compare as integer against rate·2**64 (exact in Python), so no float rounding at the edges.
    return _bucket(survey_id, user_key) < rate * _SPACE


def _bucket(survey_id: str, user_key: str) -> int:
    digest = hashlib.sha256(f"{survey_id}:{user_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
