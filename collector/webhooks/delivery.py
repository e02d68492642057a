"""Webhook delivery on the worker: fan-out of outbox events, signed POSTs, retries, auto-disable.

An event becomes one ``WebhookDelivery`` per subscribed endpoint in the dispatch's transaction;
each is sent by :func:`deliver`, which never holds a database transaction open while it waits for
the receiver: it takes a lease on the delivery, commits, POSTs, then records the outcome. A 2xx
answer is success; 410 turns the endpoint off; anything else (no answer, a timeout, a redirect,
4xx, 5xx) is tried again after the next delay of ``WEBHOOK_RETRY_SCHEDULE`` (jittered), and once
the schedule is spent the delivery is ``failed`` and may be replayed. An endpoint that has failed
for ``WEBHOOK_DISABLE_AFTER`` (3 days) without a success is turned off and the site's dashboard
admins are told by e-mail.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from collector import db as database
from collector import jobs, mail, outbox
from collector.domain import keys
from collector.domain.webhooks import matches, retry_delay, signature_header
from collector.models import (
    Account,
    Membership,
    OutboxEvent,
    Site,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from collector.webhooks import outbound, service

log = logging.getLogger(__name__)

#: a worker sending a delivery holds it this long; a copy of the job arriving meanwhile waits
LEASE = timedelta(seconds=60)
#: entries kept in a delivery's own log of tries
LOG_ENTRIES = 20


def new_delivery(
    db: Session, endpoint: WebhookEndpoint, event: OutboxEvent, now: datetime
) -> WebhookDelivery:
    """A pending delivery of ``event`` to ``endpoint``, sent once the transaction commits."""
    made = WebhookDelivery(
        id=keys.new_id("dlv"),
        endpoint_id=endpoint.id,
        event_id=event.id,
        status="pending",
        attempts=0,
        round_start=0,
        next_attempt_at=now,
        log=[],
        created_at=now,
        updated_at=now,
    )
    db.add(made)
    jobs.enqueue_after_commit(db, deliver, made.id)
    return made


@outbox.consumer
def fan_out(db: Session, event: OutboxEvent) -> None:
    """Every active endpoint of the event's site that subscribes to its type and whose filter
    the response passes gets a delivery."""
    endpoints = db.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.site_id == event.site_id, WebhookEndpoint.active.is_(True)
        )
    )
    now = utcnow()
    for endpoint in endpoints:
        if event.type in endpoint.events and matches(endpoint.filter, event.data):
            new_delivery(db, endpoint, event, now)


def body_of(event: OutboxEvent) -> bytes:
    return json.dumps(outbox.envelope(event), separators=(",", ":"), ensure_ascii=False).encode()


@jobs.job()
def deliver(delivery_id: str) -> str:
    """Send one delivery now, if it is due and nobody else is sending it; its status after."""
    db = database.session()
    now = utcnow()
    claimed = db.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
            # an early copy (the sweep's, a replay's) leaves a scheduled try alone
            or_(
                WebhookDelivery.next_attempt_at.is_(None),
                WebhookDelivery.next_attempt_at <= now + timedelta(seconds=1),
            ),
        )
        .values(leased_until=now + LEASE)
    ).rowcount
    if not claimed:
        db.rollback()
        return "skipped"
    delivery = db.get(WebhookDelivery, delivery_id)
    endpoint = db.get(WebhookEndpoint, delivery.endpoint_id)
    event = db.get(OutboxEvent, delivery.event_id)
    if not endpoint.active:
        _finish(delivery, "failed", error="The webhook is turned off.", now=now)
        db.commit()
        return "failed"
    try:
        signing = service.signing_secrets(endpoint, now)
    except service.SigningKeyGone as e:
        _finish(delivery, "failed", error=str(e), now=now)
        db.commit()
        return "failed"
    url, body = endpoint.url, body_of(event)
    db.commit()  # the lease is ours; nothing is held while the receiver answers

    sent_at = utcnow()
    timestamp = int(sent_at.timestamp())
    headers = {
        "webhook-id": event.id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(signing, event.id, timestamp, body),
    }
    config = current_app.config
    outcome = outbound.post(
        url,
        body,
        headers,
        allow_private=bool(config["ALLOW_PRIVATE_WEBHOOKS"]),
        timeout=config["WEBHOOK_TIMEOUT"],
    )
    return _record(db, delivery_id, outcome, sent_at)


def _record(db: Session, delivery_id: str, outcome: outbound.Outcome, sent_at: datetime) -> str:
    config = current_app.config
    now = utcnow()
    delivery = db.get(WebhookDelivery, delivery_id, with_for_update=True, populate_existing=True)
    if delivery is None:  # deleted with its endpoint meanwhile
        db.rollback()
        return "gone"
    endpoint = db.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
    delivery.attempts += 1
    delivery.response_status = outcome.status
    delivery.response_ms = outcome.ms
    delivery.response_body = outcome.body
    delivery.error = outcome.error or _status_error(outcome.status)
    delivery.log = [
        *(delivery.log or [])[-(LOG_ENTRIES - 1) :],
        {
            "at": _iso(sent_at),
            "status": outcome.status,
            "ms": outcome.ms,
            "error": delivery.error,
        },
    ]
    if outcome.ok:
        _finish(delivery, "succeeded", now=now)
        delivery.delivered_at = now
        endpoint.failing_since = None
    elif outcome.status == 410:
        _finish(delivery, "failed", error="410 Gone: the receiver asked to stop.", now=now)
        _turn_off(db, endpoint, "gone", now)
    else:
        endpoint.failing_since = endpoint.failing_since or sent_at
        failures = delivery.attempts - delivery.round_start
        delay = retry_delay(config["WEBHOOK_RETRY_SCHEDULE"], failures)
        if delay is None:
            _finish(delivery, "failed", error=delivery.error, now=now)
        else:
            delivery.next_attempt_at = now + timedelta(seconds=delay)
            delivery.leased_until = None
            jobs.enqueue_after_commit(db, deliver, delivery.id, delay=delay)
        if now - endpoint.failing_since >= timedelta(seconds=config["WEBHOOK_DISABLE_AFTER"]):
            _turn_off(db, endpoint, "failing", now)
    delivery.updated_at = now
    db.commit()
    return delivery.status


def _finish(delivery: WebhookDelivery, status: str, *, now: datetime, error: str | None = None):
    delivery.status = status
    delivery.next_attempt_at = None
    delivery.leased_until = None
    if error is not None:
        delivery.error = error
    delivery.updated_at = now


def _status_error(status: int | None) -> str | None:
    if status is None or 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return f"{status}: redirects are not followed; give the final URL."
    return f"The receiver answered {status}."


def _turn_off(db: Session, endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    if not endpoint.active:
        return
    endpoint.active = False
    endpoint.disabled_reason = reason
    endpoint.updated_at = now
    log.warning("Webhook %s turned off (%s)", endpoint.id, reason)
    if reason == "failing":
        _tell_admins(db, endpoint)


def _tell_admins(db: Session, endpoint: WebhookEndpoint) -> None:
    """E-mail the site's admins (its dashboard accounts with the admin role) that the endpoint
    was turned off, once the transaction commits."""
    site = db.get(Site, endpoint.site_id)
    admins = list(
        db.scalars(
            select(Account.email)
            .join(Membership, Membership.account_id == Account.id)
            .where(Membership.site_id == site.id, Membership.role == "admin")
            .order_by(Account.email)
        )
    )
    if admins:
        mail.send_later(turned_off_notice(site, endpoint, admins), db=db)


def turned_off_notice(site: Site, endpoint: WebhookEndpoint, to: list[str]) -> mail.Message:
    days = current_app.config["WEBHOOK_DISABLE_AFTER"] / 86400
    return mail.compose(
        "notice",
        to=to,
        subject=f"Webhook turned off: {endpoint.url}",
        site_name=site.name,
        heading="A webhook was turned off",
        paragraphs=[
            f"Deliveries to {endpoint.url} have failed for {days:g} days without one success, "
            "so Fiilis stopped sending events there.",
            "Deliveries that failed meanwhile are kept in its delivery log and can be replayed. "
            "Turn the webhook on again once the receiver answers.",
        ],
        action_url=_dashboard_url(),
        action_label="Open the dashboard",
    )


def _dashboard_url() -> str | None:
    base = current_app.config.get("PUBLIC_URL")
    return f"{base.rstrip('/')}/dashboard/" if base else None


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@jobs.periodic(jobs.crontab(minute="*"))
def sweep_deliveries() -> int:
    """Re-enqueue pending deliveries whose try is overdue (their enqueue was lost); how many."""
    db = database.session()
    now = utcnow()
    overdue = now - timedelta(seconds=current_app.config["OUTBOX_SWEEP_AFTER"])
    lost = list(
        db.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at < overdue,
                or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
            )
            .limit(1000)
        )
    )
    db.rollback()
    queue = jobs.queue()
    for delivery_id in lost:
        queue.enqueue(deliver, delivery_id)
    return len(lost)
