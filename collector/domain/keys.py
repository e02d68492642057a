"""Identifiers and site keys: made from the OS's random source, secrets kept only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
PUBLIC_KEY_LENGTH = 24


def _random(n: int) -> str:
    """``n`` uniform base-36 characters from one draw of the OS's random source (one draw, not
    ``n``: an id is made on every prompt)."""
    value = secrets.randbelow(36**n)
    chars = []
    for _ in range(n):
        value, digit = divmod(value, 36)
        chars.append(_ALPHABET[digit])
    return "".join(chars)


def new_id(prefix: str) -> str:
    """An opaque id such as ``srv_k3j9…``: 16 base-36 characters (≈ 82 bits)."""
    return f"{prefix}_{_random(16)}"


def canonical_response_id(response_id: str) -> str:
    """Browser response ids are stored as canonical UUIDs (lower case, with hyphens), so any
    spelling of the same UUID finds its response; other ids (``rsp_…``) are kept as they are."""
    try:
        return str(uuid.UUID(response_id))
    except ValueError:
        return response_id


def new_public_key() -> str:
    return f"pk_{_random(PUBLIC_KEY_LENGTH)}"


def looks_like_public_key(value: str) -> bool:
    """``pk_`` and 24 base-36 characters, as :func:`new_public_key` makes them."""
    return (
        len(value) == PUBLIC_KEY_LENGTH + 3
        and value.startswith("pk_")
        and all(c in _ALPHABET for c in value[3:])
    )


def new_secret_key() -> str:
    return f"sk_{_random(40)}"


def new_identity_secret() -> str:
    return secrets.token_hex(32)


def hash_secret(secret: str) -> str:
    """SHA-256 is enough here: the keys carry ~200 random bits, so there is nothing to brute-force."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def hint(secret: str) -> str:
    """What may be shown of a secret later: its prefix and last four characters."""
    return f"{secret[:3]}…{secret[-4:]}"


def user_hash(identity_secret: str, user_id: str) -> str:
    """Hex HMAC-SHA256 of a user id: the ``data-user-hash`` a host page renders."""
    return hmac.new(identity_secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def user_hash_matches(identity_secret: str, user_id: str, given: str) -> bool:
    return hmac.compare_digest(user_hash(identity_secret, user_id), given.lower())
