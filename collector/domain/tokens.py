"""Prompt tokens: the proof that the collector issued a prompt, for the widget and e-mail links.

A token is an itsdangerous signature (salt ``fiilis.prompt``, its own purpose) over
``{"p": prompt id, "s": site id, "e": expiry as Unix seconds}``. Without a valid token no
response is accepted. Keys rotate like Flask's session cookie: the current secret key signs,
the current key and every fallback verify.

The expiry rides in the token because it differs per prompt (an in-app prompt lives a day, an
e-mail link a month); the timestamp itsdangerous adds is checked too, against the longest
lifetime any token can have, so no token outlives :data:`MAX_AGE` whatever its payload says.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "fiilis.prompt"
#: Longer than any prompt lives (30 days for links) plus the comment window after the score.
MAX_AGE = timedelta(days=32)


class TokenError(Exception):
    """The token was not made by this collector (forged, tampered, truncated, other salt)."""


class TokenExpired(TokenError):
    """A genuine token past its expiry; ``claims`` are trustworthy (the signature is valid)."""

    def __init__(self, claims: Claims):
        super().__init__("token expired")
        self.claims = claims


@dataclass(frozen=True)
class Claims:
    """What a valid token says: which prompt of which site, valid until when."""

    prompt_id: str
    site_id: str
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


class PromptTokens:
    """Signs and reads prompt tokens with ``secret_key`` (signs) and ``fallbacks`` (verify too)."""

    def __init__(self, secret_key: str | bytes, fallbacks: Sequence[str | bytes] = ()):
        # itsdangerous signs with the last key of the list and verifies with all of them.
        self._serializer = URLSafeTimedSerializer(
            [*fallbacks, secret_key], salt=SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )

    def sign(self, prompt_id: str, site_id: str, expires_at: datetime) -> str:
        """A token for this prompt, valid until ``expires_at`` (an aware datetime)."""
        return self._serializer.dumps(
            {"p": prompt_id, "s": site_id, "e": int(expires_at.timestamp())}
        )

    def read(self, token: str, *, now: datetime, allow_expired: bool = False) -> Claims:
        """The token's claims. Raises :class:`TokenExpired` past its expiry (unless
        ``allow_expired``) and :class:`TokenError` when the token is not genuine."""
        max_age = int(MAX_AGE.total_seconds())
        try:
            payload = self._serializer.loads(token, max_age=max_age)
        except SignatureExpired as e:
            # Genuine but older than any prompt can live: expired whatever the payload says.
            claims = _claims(self._serializer.load_payload(e.payload))
            if allow_expired:
                return claims
            raise TokenExpired(claims) from None
        except (BadSignature, ValueError, TypeError, UnicodeError):
            raise TokenError("not a valid prompt token") from None
        claims = _claims(payload)
        if claims.expired(now) and not allow_expired:
            raise TokenExpired(claims)
        return claims


def peek_site(token: str) -> str | None:
    """The site id a token claims, unverified: only for bucketing rate limits, never for trust."""
    if len(token) > 1000:
        return None
    serializer = URLSafeTimedSerializer(b"", salt=SALT)
    try:
        payload = serializer.load_payload(token.split(".", 1)[0].encode())
    except Exception:  # any garbage: no claim
        return None
    site = payload.get("s") if isinstance(payload, dict) else None
    return site if isinstance(site, str) and len(site) <= 40 else None


def _claims(payload: object) -> Claims:
    if not isinstance(payload, dict):
        raise TokenError("not a prompt token")
    prompt_id, site_id, expiry = payload.get("p"), payload.get("s"), payload.get("e")
    if not (isinstance(prompt_id, str) and isinstance(site_id, str) and type(expiry) is int):
        raise TokenError("not a prompt token")
    return Claims(prompt_id, site_id, datetime.fromtimestamp(expiry, UTC))
