"""Webhook endpoints of a site and their delivery log: what the API and the dashboard call.

Each public function takes the site and plain values, is one transaction, and raises a
``Problem`` (``NotFound`` for another site's objects). ``create`` and ``rotate`` return the
signing secret, the only times it is shown.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector import jobs, pagination
from collector.domain import keys
from collector.domain.problems import Conflict, Invalid, NotFound
from collector.domain.webhooks import TEST_EVENT, secret_from_key
from collector.models import OutboxEvent, Site, WebhookDelivery, WebhookEndpoint, utcnow
from collector.services import surveys
from collector.webhooks import outbound

#: after a rotation the previous secret keeps signing this long, so receivers can switch over
PREVIOUS_SECRET_GRACE = timedelta(hours=24)


class SigningKeyGone(Exception):
    """The collector key an endpoint's secret was derived from is no longer configured."""


# -- secrets -------------------------------------------------------------------------------------


def _collector_keys() -> list[str]:
    config = current_app.config
    return [config["SECRET_KEY"], *config.get("SECRET_KEY_FALLBACKS", [])]


def _key_id(key: str) -> str:
    return hashlib.sha256(b"fiilis.webhook-key:" + key.encode()).hexdigest()[:16]


def _derive(key: str, salt: str) -> str:
    digest = hmac.new(key.encode(), b"fiilis.webhook-secret:" + salt.encode(), hashlib.sha256)
    return secret_from_key(digest.digest())


def _secret(salt: str, key_id: str) -> str:
    for key in _collector_keys():
        if _key_id(key) == key_id:
            return _derive(key, salt)
    raise SigningKeyGone(
        "The secret key this webhook's signing secret was made with is no longer configured "
        "(FIILIS_SECRET_KEY_FALLBACKS); rotate the webhook's secret."
    )


def _new_secret(endpoint: WebhookEndpoint) -> str:
    key = _collector_keys()[0]
    endpoint.secret_salt = secrets.token_hex(32)
    endpoint.secret_key_id = _key_id(key)
    return _derive(key, endpoint.secret_salt)


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets a delivery is signed with: the current one, and the previous one during its
    grace period after a rotation."""
    out = [_secret(endpoint.secret_salt, endpoint.secret_key_id)]
    if endpoint.previous_salt and endpoint.previous_until and endpoint.previous_until > now:
        with contextlib.suppress(SigningKeyGone):
            out.append(_secret(endpoint.previous_salt, endpoint.previous_key_id))
    return out


# -- endpoints -----------------------------------------------------------------------------------


@dataclass
class WithSecret:
    """An endpoint and its signing secret, shown this once."""

    endpoint: WebhookEndpoint
    secret: str

    def __getattr__(self, name):
        return getattr(self.endpoint, name)


def check_url(url: str) -> None:
    """HTTPS to a public address (HTTP too in development or with private targets allowed)."""
    config = current_app.config
    relaxed = config.get("DEV") or config.get("ALLOW_PRIVATE_WEBHOOKS")
    parts = urlsplit(url)
    if parts.scheme not in (("https", "http") if relaxed else ("https",)) or not parts.hostname:
        raise Invalid(
            "validation_failed",
            "url: must be an https:// URL"
            + (" (or http:// here)" if relaxed else "")
            + " with a host.",
            param="url",
        )
    if parts.username or parts.password:
        raise Invalid("validation_failed", "url: must not carry a user or password.", param="url")
    try:
        outbound.resolve(url, allow_private=bool(config.get("ALLOW_PRIVATE_WEBHOOKS")))
    except outbound.UnsafeTarget as e:
        raise Invalid("unsafe_url", f"url: {e}", param="url") from None


def _check_filter(db: Session, site: Site, filter_: dict) -> None:
    survey_id = filter_.get("survey")
    if survey_id is not None:
        surveys.get(db, site, survey_id, "filter.survey")


def create(db: Session, site: Site, data: dict) -> WithSecret:
    check_url(data["url"])
    _check_filter(db, site, data.get("filter") or {})
    now = utcnow()
    endpoint = WebhookEndpoint(
        id=keys.new_id("whk"),
        site_id=site.id,
        url=data["url"],
        description=data.get("description"),
        events=data["events"],
        filter=data.get("filter") or {},
        active=data.get("active", True),
        created_at=now,
        updated_at=now,
    )
    secret = _new_secret(endpoint)
    db.add(endpoint)
    db.commit()
    return WithSecret(endpoint, secret)


def list_page(db: Session, site: Site, *, limit: int, cursor: str | None):
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.site_id == site.id)
    return pagination.page(db, stmt, WebhookEndpoint, limit=limit, cursor=cursor)


def get(db: Session, site: Site, webhook_id: str) -> WebhookEndpoint:
    endpoint = db.get(WebhookEndpoint, webhook_id)
    if endpoint is None or endpoint.site_id != site.id:
        raise NotFound("webhook", "id")
    return endpoint


def update(db: Session, site: Site, webhook_id: str, changes: dict) -> WebhookEndpoint:
    endpoint = get(db, site, webhook_id)
    if "url" in changes:
        check_url(changes["url"])
    if "filter" in changes:
        _check_filter(db, site, changes["filter"] or {})
        changes["filter"] = changes["filter"] or {}
    for name in ("url", "description", "events", "filter", "active"):
        if name in changes:
            setattr(endpoint, name, changes[name])
    if changes.get("active"):
        # Turned on again by hand: a fresh start for the 3-day rule.
        endpoint.disabled_reason = None
        endpoint.failing_since = None
    endpoint.updated_at = utcnow()
    db.commit()
    return endpoint


def delete(db: Session, site: Site, webhook_id: str) -> WebhookEndpoint:
    """Delete the endpoint with its delivery log; deliveries not yet made are not made."""
    endpoint = get(db, site, webhook_id)
    db.delete(endpoint)
    db.commit()
    return endpoint


def rotate(db: Session, site: Site, webhook_id: str) -> WithSecret:
    """A new signing secret; the previous one keeps signing for :data:`PREVIOUS_SECRET_GRACE`."""
    endpoint = get(db, site, webhook_id)
    now = utcnow()
    endpoint.previous_salt, endpoint.previous_key_id = endpoint.secret_salt, endpoint.secret_key_id
    endpoint.previous_until = now + PREVIOUS_SECRET_GRACE
    secret = _new_secret(endpoint)
    endpoint.updated_at = now
    db.commit()
    return WithSecret(endpoint, secret)


# -- deliveries ----------------------------------------------------------------------------------


@dataclass
class DeliveryView:
    delivery: WebhookDelivery
    event_type: str

    def __getattr__(self, name):
        return getattr(self.delivery, name)


def _views(db: Session, deliveries: list[WebhookDelivery]) -> list[DeliveryView]:
    ids = {d.event_id for d in deliveries}
    types = (
        {
            row.id: row.type
            for row in db.execute(
                select(OutboxEvent.id, OutboxEvent.type).where(OutboxEvent.id.in_(ids))
            )
        }
        if ids
        else {}
    )
    return [DeliveryView(d, types.get(d.event_id, "")) for d in deliveries]


def deliveries_page(
    db: Session,
    site: Site,
    webhook_id: str,
    *,
    limit: int,
    cursor: str | None,
    status: str | None = None,
):
    """The endpoint's deliveries, newest first."""
    endpoint = get(db, site, webhook_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    items, more = pagination.page(db, stmt, WebhookDelivery, limit=limit, cursor=cursor)
    return _views(db, items), more


def delivery(db: Session, site: Site, webhook_id: str, delivery_id: str) -> DeliveryView:
    endpoint = get(db, site, webhook_id)
    found = db.get(WebhookDelivery, delivery_id)
    if found is None or found.endpoint_id != endpoint.id:
        raise NotFound("delivery", "delivery_id")
    return _views(db, [found])[0]


def retry(db: Session, site: Site, webhook_id: str, delivery_id: str) -> DeliveryView:
    """Send a delivery again now (a replay: same event id and body), with a fresh schedule."""
    from collector.webhooks import delivery as sending

    endpoint = get(db, site, webhook_id)
    if not endpoint.active:
        raise Conflict(
            "webhook_disabled",
            "This webhook is turned off; turn it on (PATCH active: true) before replaying.",
        )
    view = delivery(db, site, webhook_id, delivery_id)
    found = view.delivery
    found.status = "pending"
    found.round_start = found.attempts
    found.next_attempt_at = utcnow()
    found.leased_until = None
    jobs.enqueue_after_commit(db, sending.deliver, found.id)
    db.commit()
    return view


def send_test(db: Session, site: Site, webhook_id: str) -> DeliveryView:
    """Deliver a ``webhook.test`` event to this endpoint now, whatever it subscribes to."""
    from collector.webhooks import delivery as sending

    endpoint = get(db, site, webhook_id)
    now = utcnow()
    event = OutboxEvent(
        id=keys.new_id("evt"),
        site_id=site.id,
        type=TEST_EVENT,
        subject_id=endpoint.id,
        data={"webhook": endpoint.id, "message": "A test event from Fiilis."},
        created_at=now,
        enqueued_at=now,
        dispatched_at=now,  # handed to this endpoint only, never to the consumers
    )
    db.add(event)
    made = sending.new_delivery(db, endpoint, event, now)
    db.commit()
    return _views(db, [made])[0]
