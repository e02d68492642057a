"""Signed links sent by e-mail: invitations and password resets (to people of the team), and
unsubscribe links (in survey e-mail, to the people asked).

Each purpose has its own itsdangerous salt, so a reset link can never be read as an invitation
(or as a prompt token or a CSRF token). Keys rotate like the session cookie: the current secret
key signs, every fallback still verifies. A link also expires on its own (``max_age``); being used
once is checked by the service: an invitation is marked accepted, and a reset link carries a
digest of the password hash it replaces, so it dies with the first new password. An unsubscribe
link never expires (``max_age=None``): it must work in a message read years later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta

from itsdangerous import BadData, URLSafeTimedSerializer

INVITE_SALT = "fiilis.invite"
RESET_SALT = "fiilis.password-reset"
UNSUBSCRIBE_SALT = "fiilis.unsubscribe"
INVITE_MAX_AGE = timedelta(days=7)
RESET_MAX_AGE = timedelta(hours=1)


class LinkError(Exception):
    """Forged, tampered, for another purpose, or expired."""


class Links:
    def __init__(self, secret_key: str, fallbacks: Sequence[str] = (), *, salt: str, max_age):
        self._serializer = URLSafeTimedSerializer(
            [*fallbacks, secret_key], salt=salt, signer_kwargs={"digest_method": hashlib.sha256}
        )
        self.max_age = max_age

    def sign(self, claims: dict) -> str:
        return self._serializer.dumps(claims)

    def read(self, token: str) -> dict:
        try:
            max_age = None if self.max_age is None else int(self.max_age.total_seconds())
            claims = self._serializer.loads(token, max_age=max_age)
        except BadData as e:
            raise LinkError(str(e)) from None
        if not isinstance(claims, dict):
            raise LinkError("not a link of this kind")
        return claims


def password_digest(password_hash: str) -> str:
    """A short digest of a stored password hash: a reset link is good for this password only."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
