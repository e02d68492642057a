"""The outbox (DESIGN §10): what must reach the outside is written in the change's own transaction.

A change site calls :func:`record` once, before its commit::

    outbox.record(db, "response.created", site_id, response_id)

The row commits or rolls back with the change; only after the commit is a dispatch put on the
queue, so a rollback sends nothing. The answer path stays cheap: a web process puts one
:func:`drain` on the queue for all the events it commits within ``OUTBOX_DISPATCH_WINDOW``
seconds (1), run that long after the first of them, instead of one queue write per event (see
:class:`_Waker`). :func:`dispatch` (on the worker) renders each event's ``data`` — the API's own object, as ``GET /v1/responses/<id>`` shows it at that moment,
kept from then on — and hands the event to every consumer (webhooks, alerts), which write their
own deliveries in the same transaction. :func:`sweep` (every minute) re-enqueues events whose
enqueue was lost (the process died between commit and enqueue, the queue was unreachable).
Delivery is at least once: receivers deduplicate by the event id.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from collector import db as database
from collector import jobs
from collector.domain import keys
from collector.domain.problems import NotFound
from collector.models import OutboxEvent, Site, Suppression, utcnow
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
    """Write an event about ``subject_id`` (a response, or a suppression) in ``db``'s transaction; its id."""
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
    jobs.call_after_commit(db, _waker(current_app).wake)
    return event_id


class _Waker:
    """Puts a :func:`drain` on the queue after a commit that wrote events, at most once per
    half window and process.

    The drain is scheduled ``window`` seconds ahead; while it is still more than half a window
    away, a later commit of this process needs no queue write of its own: the drain runs after
    that commit and finds its events. So a busy process writes to its queue about twice a
    second, whatever the rate of answers, and an event waits at most about a window (plus the
    worker's scheduler tick, 1 s) before it is dispatched. A window of 0 puts one drain on the
    queue per commit, at once (tests). An enqueue that fails (queue unreachable) leaves its
    events to the sweep.
    """

    def __init__(self, app: Flask):
        self.app = app
        self._lock = threading.Lock()
        self._covered_until = 0.0  # monotonic

    def wake(self) -> None:
        window = float(self.app.config["OUTBOX_DISPATCH_WINDOW"])
        if window <= 0:
            jobs.queue(self.app).enqueue(drain)
            return
        now = time.monotonic()
        with self._lock:
            if now < self._covered_until:
                return
            self._covered_until = now + window / 2
        try:
            jobs.queue(self.app).enqueue(drain, delay=window)
        except Exception:
            with self._lock:
                self._covered_until = 0.0  # the next commit tries again
            raise


def _waker(app: Flask) -> _Waker:
    waker = app.extensions.get("fiilis.outbox.waker")
    if waker is None:
        waker = app.extensions.setdefault("fiilis.outbox.waker", _Waker(app))
    return waker


def envelope(event: OutboxEvent) -> dict:
    """The event as receivers get it: ``{id, type, created_at, data}``."""
    return {
        "id": event.id,
        "type": event.type,
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }


def render(db: Session, event: OutboxEvent) -> dict | None:
    """The API's own object for the event's subject (a response, or for ``person.unsubscribed``
    the suppression); ``None`` when it is gone (erased, or the suppression removed)."""
    from collector.api.responses import response_schema  # the API's schema is the contract
    from collector.services import results

    if event.type == "person.unsubscribed":
        from collector.api.suppressions import suppression_schema

        row = db.get(Suppression, event.subject_id)
        ours = row is not None and row.site_id == event.site_id
        return suppression_schema.dump(row) if ours else None
    site = db.get(Site, event.site_id)
    if site is None:
        return None
    try:
        view = results.get(db, site, event.subject_id)
    except NotFound:
        return None
    return response_schema.dump(view)


@jobs.job()
def dispatch(event_id: str) -> bool:
    """Render the event once and hand it to every consumer; a second run (or one while another
    worker is dispatching it) does nothing. Whether this run dispatched it."""
    return _dispatch(database.session(), event_id)


#: events a drain reads at a time
DRAIN_BATCH = 200


@jobs.job()
def drain() -> int:
    """Dispatch every event not dispatched yet, oldest first, each in its own transaction; how
    many. A failing event does not hold up the others (it is logged and raised at the end; the
    sweep tries it again)."""
    db = database.session()
    done, failed = 0, []
    after = None
    while True:
        stmt = select(OutboxEvent.enqueued_at, OutboxEvent.id).where(
            OutboxEvent.dispatched_at.is_(None)
        )
        if after is not None:
            stmt = stmt.where(tuple_(OutboxEvent.enqueued_at, OutboxEvent.id) > after)
        rows = db.execute(
            stmt.order_by(OutboxEvent.enqueued_at, OutboxEvent.id).limit(DRAIN_BATCH)
        ).all()
        db.rollback()
        if not rows:
            break
        for row in rows:
            try:
                done += _dispatch(db, row.id)
            except Exception:
                db.rollback()
                log.exception("Event %s could not be dispatched", row.id)
                failed.append(row.id)
        after = tuple(rows[-1])
    if failed:
        raise RuntimeError(f"{len(failed)} events could not be dispatched: {failed[:5]}")
    return done


def _dispatch(db: Session, event_id: str) -> bool:
    # skip_locked: another worker dispatching this event holds it; it is theirs (PostgreSQL;
    # SQLite runs one writer at a time and reads the row once the other committed).
    event = db.get(OutboxEvent, event_id, with_for_update={"skip_locked": True})
    if event is None or event.dispatched_at is not None:
        db.rollback()
        return False
    if event.data is None:
        event.data = render(db, event)
    if event.data is not None:
        for handle in _consumers:
            handle(db, event)
    else:
        log.info("Event %s: its %s is gone (erased); nothing to send", event.id, event.subject_id)
    event.dispatched_at = utcnow()
    db.commit()
    return True


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
