"""Signing user ids for the widget's ``data-user-hash`` (identity verification, DESIGN §6)."""

from __future__ import annotations

import hashlib
import hmac

from fiilis._params import user_key


def user_hash(identity_secret: str | bytes, user_id: str | int) -> str:
    """Hex HMAC-SHA256 of ``user_id`` under the site's identity secret, for ``data-user-hash``.

    Compute it on the server when rendering the page, never in the browser: with it, nobody can
    answer surveys as another user. The identity secret is not the API key.
    """
    key = identity_secret.encode("utf-8") if isinstance(identity_secret, str) else identity_secret
    if not isinstance(key, bytes | bytearray) or not key:
        raise ValueError("identity_secret must be the site's non-empty identity secret")
    return hmac.new(bytes(key), user_key(user_id).encode("utf-8"), hashlib.sha256).hexdigest()
