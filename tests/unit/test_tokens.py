"""Prompt tokens: only the collector makes them, they expire with their prompt, keys rotate."""

import hashlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from collector.domain.tokens import MAX_AGE, SALT, PromptTokens, TokenError, TokenExpired, peek_site

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_a_token_carries_its_prompt_site_and_expiry():
    tokens = PromptTokens("current")
    token = tokens.sign("prm_1", "site_a", NOW + DAY)
    claims = tokens.read(token, now=NOW)
    assert (claims.prompt_id, claims.site_id, claims.expires_at) == ("prm_1", "site_a", NOW + DAY)


def test_a_token_is_url_safe_and_short_enough_for_an_email_link():
    token = PromptTokens("k").sign("prm_0123456789abcdef", "site_0123456789abcdef", NOW)
    assert len(token) < 160
    assert all(c.isalnum() or c in "-_." for c in token)


def test_a_token_expires_with_its_prompt():
    tokens = PromptTokens("k")
    token = tokens.sign("prm_1", "site_a", NOW + DAY)
    assert tokens.read(token, now=NOW + DAY - timedelta(seconds=1)).prompt_id == "prm_1"
    with pytest.raises(TokenExpired) as caught:
        tokens.read(token, now=NOW + DAY)
    assert caught.value.claims.prompt_id == "prm_1"


def test_an_expired_token_can_still_be_read_when_asked_for():
    tokens = PromptTokens("k")
    token = tokens.sign("prm_1", "site_a", NOW - DAY)
    assert tokens.read(token, now=NOW, allow_expired=True).site_id == "site_a"


def test_no_token_outlives_the_longest_lifetime_whatever_its_payload_says():
    class Backdated(TimestampSigner):
        def get_timestamp(self):
            return int(time.time() - MAX_AGE.total_seconds() - 60)

    maker = URLSafeTimedSerializer(
        ["k"], salt=SALT, signer=Backdated, signer_kwargs={"digest_method": hashlib.sha256}
    )
    stale = maker.dumps({"p": "prm_1", "s": "site_a", "e": int((NOW + 365 * DAY).timestamp())})
    with pytest.raises(TokenExpired):
        PromptTokens("k").read(stale, now=NOW)


@pytest.mark.parametrize(
    "mangle",
    [
        # the signature's first character: all six of its bits count (the last one's low bits
        # are base64 padding, so changing only those leaves the same signature)
        lambda t: (lambda i: t[:i] + ("A" if t[i] != "A" else "B") + t[i + 1 :])(t.rindex(".") + 1),
        lambda t: "eyJwIjoicHJtXzIi" + t[16:],  # payload changed
        lambda t: t.split(".")[0],  # signature cut off
        lambda t: "",
        lambda t: "not a token at all",
    ],
)
def test_a_tampered_token_is_refused(mangle):
    tokens = PromptTokens("k")
    with pytest.raises(TokenError):
        tokens.read(mangle(tokens.sign("prm_1", "site_a", NOW + DAY)), now=NOW)


def test_a_token_signed_with_another_key_or_salt_is_refused():
    forged = PromptTokens("attacker").sign("prm_1", "site_a", NOW + DAY)
    with pytest.raises(TokenError):
        PromptTokens("k").read(forged, now=NOW)
    other_purpose = URLSafeTimedSerializer("k", salt="other").dumps({"p": "prm_1", "s": "site_a"})
    with pytest.raises(TokenError):
        PromptTokens("k").read(other_purpose, now=NOW)


def test_rotation_new_key_signs_and_old_keys_still_verify():
    old_token = PromptTokens("old").sign("prm_1", "site_a", NOW + DAY)
    rotated = PromptTokens("new", fallbacks=["old"])
    assert rotated.read(old_token, now=NOW).prompt_id == "prm_1"
    new_token = rotated.sign("prm_2", "site_a", NOW + DAY)
    assert PromptTokens("new").read(new_token, now=NOW).prompt_id == "prm_2"
    with pytest.raises(TokenError):
        PromptTokens("old").read(new_token, now=NOW)


def test_peek_reads_the_claimed_site_without_trusting_it():
    token = PromptTokens("k").sign("prm_1", "site_a", NOW + DAY)
    assert peek_site(token) == "site_a"
    assert peek_site("garbage") is None
    assert peek_site("x" * 5000) is None
