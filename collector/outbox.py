"""The outbox (DESIGN §10): what must reach the outside is written in the change's own transaction.

A change site calls :func:`record` once, before its commit::

    outbox.record(db, "response.created", site_id, response_id)

The row commits or rolls back with the change; only after the commit is the event's dispatch
put on the queue, so a rollback sends nothing. :func:`dispatch` (on the worker) renders the
event's ``data`` — the API's own object, as ``GET /v1/responses/<id>`` shows it at that moment,
kept from then on — and hands the event to every consumer (webhooks, alerts), which write their
own deliveries in the same transaction. :func:`sweep` (every minute) re-enqueues events whose
enqueue was lost (the process died between commit and enqueue, the queue was unreachable).
Delivery is at least once: receivers deduplicate by the event id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from collector import db as database
from collector import jobs
from collector.domain import keys
from collector.models import OutboxEvent, Site, utcnow
from collector.prepared import Prepared

log = logging.getLogger(__name__)

#: Event types (DESIGN §11).
TYPES = ("response.created", "response.updated", "followup.updated", "person.unsubscribed")

_INSERT = Prepared(
    insert(OutboxEvent.__table__),
    keys=("id", "site_id", "type", "subject_id", "created_at", "enqueued_at"),
)

Consumer = Callable[[Session, OutboxEvent], None]
_consumers: list[Consumer] = []


def consumer(func: Consumer) -> Consumer:
    """Register ``func(db, event)``: called in the dispatch's transaction for every event with
    its data; it writes its own deliveries there and enqueues them with
    ``jobs.enqueue_after_commit``. It must not commit."""
    _consumers.append(func)
    return func


def record(
    db: Session, type_: str, site_id: str, subject_id: str, *, now: datetime | None = None
) -> str:
    """Write an event about ``subject_id`` (a response) in ``db``'s transaction; its id."""
    event_id = keys.new_id("evt")
    at = now or utcnow()
    _INSERT.run(
        db.connection(),
        {
            "id": event_id,
            "site_id": site_id,
            "type": type_,
            "subject_id": subject_id,
            "created_at": at,
            "enqueued_at": at,
        },
    )
    jobs.enqueue_after_commit(db, dispatch, event_id)
    return event_id


def envelope(event: OutboxEvent) -> dict:
    """The event as receivers get it: ``{id, type, created_at, data}``."""
    return {
        "id": event.id,
        "type": event.type,
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }


def render(db: Session, event: OutboxEvent) -> dict | None:
    """The API's own object for the event's subject; ``None`` when it is gone (erased)."""
    from collector.api.responses import response_schema  # the API's schema is the contract
    from collector.errors import APIError
    from collector.services import results
    from collector.services.failures import NotFound

    site = db.get(Site, event.site_id)
    if site is None:
        return None
    try:
        view = results.get(db, site, event.subject_id)
    except (APIError, NotFound):
        return None
    return response_schema.dump(view)


@jobs.job()
def dispatch(event_id: str) -> None:
    """Render the event once and hand it to every consumer; a second run does nothing."""
    db = database.session()
    event = db.get(OutboxEvent, event_id, with_for_update=True)
    if event is None or event.dispatched_at is not None:
        db.rollback()
        return
    if event.data is None:
        event.data = render(db, event)
    if event.data is not None:
        for handle in _consumers:
            handle(db, event)
    else:
        log.info("Event %s: its %s is gone (erased); nothing to send", event.id, event.subject_id)
    event.dispatched_at = utcnow()
    db.commit()


@jobs.periodic(jobs.crontab(minute="*"))
def sweep() -> int:
    """Re-enqueue events that are neither dispatched nor recently enqueued; how many."""
    db = database.session()
    now = utcnow()
    cutoff = now - timedelta(seconds=current_app.config["OUTBOX_SWEEP_AFTER"])
    lost = list(
        db.scalars(
            select(OutboxEvent.id)
            .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.enqueued_at < cutoff)
            .order_by(OutboxEvent.enqueued_at)
            .limit(1000)
        )
    )
    if not lost:
        db.rollback()
        return 0
    db.execute(update(OutboxEvent).where(OutboxEvent.id.in_(lost)).values(enqueued_at=now))
    for event_id in lost:
        jobs.enqueue_after_commit(db, dispatch, event_id)
    db.commit()
    log.warning("Outbox sweep: re-enqueued %d events whose enqueue was lost", len(lost))
    return len(lost)


@jobs.periodic(jobs.crontab(minute="17", hour="3"))
def forget_old_events() -> int:
    """Delete dispatched events (and with them their deliveries) after ``OUTBOX_KEEP_DAYS``."""
    db = database.session()
    cutoff = utcnow() - timedelta(days=current_app.config["OUTBOX_KEEP_DAYS"])
    done = db.execute(
        delete(OutboxEvent).where(
            OutboxEvent.dispatched_at.is_not(None), OutboxEvent.created_at < cutoff
        )
    ).rowcount
    db.commit()
    return done
