"""Webhook rules without I/O: Standard Webhooks signatures, filters, retry delays.

Which addresses requests may go to is :mod:`collector.domain.outbound` (shared with Slack alerts).

Signatures follow the Standard Webhooks scheme (https://www.standardwebhooks.com/): the secret is
``whsec_`` + base64 of the key bytes; ``webhook-signature`` is ``v1,`` + base64 of
HMAC-SHA256(key, ``{webhook-id}.{webhook-timestamp}.{body}``), several separated by spaces (the
previous secret keeps working for a while after a rotation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from collections.abc import Iterable

SECRET_PREFIX = "whsec_"
#: events a webhook may subscribe to (DESIGN §11); ``webhook.test`` is sent on request only
EVENT_TYPES = ("response.created", "response.updated", "followup.updated", "person.unsubscribed")
TEST_EVENT = "webhook.test"


def secret_from_key(key: bytes) -> str:
    return SECRET_PREFIX + base64.b64encode(key).decode()


def key_from_secret(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` over ``id.timestamp.body``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_from_secret(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(signature(s, msg_id, timestamp, body) for s in secrets)


def matches(filter_: dict | None, data: dict) -> bool:
    """Whether a response (the API's object) passes a webhook's ``filter``:
    ``{survey?, min_score?, max_score?, has_comment?}``, every given condition."""
    if not filter_:
        return True
    if filter_.get("survey") is not None and data.get("survey") != filter_["survey"]:
        return False
    score = data.get("score")
    if filter_.get("min_score") is not None and (score is None or score < filter_["min_score"]):
        return False
    if filter_.get("max_score") is not None and (score is None or score > filter_["max_score"]):
        return False
    if filter_.get("has_comment") is not None:
        has = bool((data.get("comment") or "").strip())
        if has != filter_["has_comment"]:
            return False
    return True


def retry_delay(schedule: list[float], failures: int, rand: random.Random | None = None):
    """Seconds before the next try after ``failures`` failed tries, jittered by ±20 % so that
    deliveries that failed together do not come back together; ``None`` when the schedule is
    spent (the delivery has failed)."""
    if failures < 1 or failures > len(schedule):
        return None
    return schedule[failures - 1] * (rand or random).uniform(0.8, 1.2)
