"""Verify the webhooks Fiilis sends (Standard Webhooks signatures).

>>> import fiilis
>>> event = fiilis.webhooks.verify(request.body, request.headers, "whsec_…")
>>> event.type, event.data["score"]

Each delivery carries ``webhook-id`` (the event id, the same on every retry), ``webhook-timestamp``
(Unix seconds) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256>`` of ``id.timestamp.body``,
several separated by spaces while a rotated secret is still valid). Verify the raw body, before
parsing it: re-serialised JSON does not match its signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from fiilis._errors import FiilisError
from fiilis._models import WebhookEvent

__all__ = ["WebhookVerificationError", "sign", "verify"]

SECRET_PREFIX = "whsec_"


class WebhookVerificationError(FiilisError):
    """The request is not a genuine, fresh webhook from Fiilis: refuse it (answer 400)."""


def verify(
    body: bytes | str,
    headers: Mapping[str, str] | Any,
    secret: str,
    *,
    tolerance: int = 300,
    now: float | None = None,
) -> WebhookEvent:
    """The event, once its signature matches ``secret`` and its timestamp is within
    ``tolerance`` seconds of now; otherwise :class:`WebhookVerificationError`.

    ``headers`` is any mapping of the request's headers (names in any case: a dict, Flask's or
    Django's headers, httpx's). ``now`` (Unix seconds) is for tests."""
    raw = body.encode() if isinstance(body, str) else bytes(body)
    msg_id = _header(headers, "webhook-id")
    timestamp_text = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    try:
        timestamp = int(timestamp_text)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a Unix time.") from None
    current = time.time() if now is None else now
    if timestamp < current - tolerance:
        raise WebhookVerificationError("The webhook's timestamp is too old (a replay?).")
    if timestamp > current + tolerance:
        raise WebhookVerificationError("The webhook's timestamp is in the future.")
    expected = sign(secret, msg_id, timestamp, raw).encode()
    offered = [s.encode() for s in signatures.split() if s.startswith("v1,")]
    if not any(hmac.compare_digest(expected, s) for s in offered):
        raise WebhookVerificationError("No signature matches this secret.")
    try:
        event = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise WebhookVerificationError("The body is not JSON.") from None
    if not isinstance(event, dict) or "id" not in event or "type" not in event:
        raise WebhookVerificationError("The body is not a Fiilis event.")
    if event["id"] != msg_id:
        raise WebhookVerificationError("webhook-id does not name the event in the body.")
    return WebhookEvent._from_dict(event)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<signature>`` for a body, as Fiilis signs it (to test a receiver)."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("The secret is not a whsec_… signing secret.") from None
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _header(headers: Mapping[str, str] | Any, name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    if not value:
        raise WebhookVerificationError(f"The {name} header is missing.")
    return value
