"""Which origins call the widget, and which calls are refused and why: the Install page's check.

The browser API decides on every call; writing each decision would put a write on the widget's
hot path. Instead each process counts in memory and writes one origin's count (per kind and
reason) at most once a minute: the first call of an origin is written at once, later ones are added
to the row by the next write after the minute. So the page's "last seen" is at most a minute late
per process, and its count may miss the calls of the last minute. A site keeps at most
``MAX_ROWS`` rows, so a page calling with invented origins cannot grow the table without bound.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from collector.models import WidgetSighting, utcnow

log = logging.getLogger(__name__)

THROTTLE_SECONDS = 60.0
MAX_ROWS = 100  # per site: newest first on the page, the rest are noise
MAX_ORIGIN = 200
#: Refusals worth telling the team about; others (422, 429) are the widget's own business.
REFUSALS = ("origin_not_allowed", "origin_required", "identity_mismatch", "identity_required")


class Sightings:
    """One process's counts not yet written, and when each key was last written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple, int] = {}
        self._written: dict[tuple, float] = {}

    def seen(self, engine: Engine, site_id: str, origin: str, kind: str, reason: str = "") -> None:
        key = (site_id, origin[:MAX_ORIGIN], kind, reason)
        now = time.monotonic()
        with self._lock:
            self._pending[key] = self._pending.get(key, 0) + 1
            last = self._written.get(key)
            if last is not None and now - last < THROTTLE_SECONDS:
                return
            count = self._pending.pop(key)
            if len(self._written) > 10_000:  # forget old keys rather than grow without bound
                self._written.clear()
            self._written[key] = now
        try:
            _write(engine, key, count, utcnow())
        except IntegrityError:  # another process wrote the first row at the same moment
            pass
        except SQLAlchemyError:  # the check is a convenience: never fail a widget call for it
            log.warning("could not record a widget sighting", exc_info=True)


_process = Sightings()


def seen(response, engine: Engine, site_id: str, origin: str, kind: str, reason: str = "") -> None:
    """Count one call of ``origin`` for the site, written (if not written in the last minute) once
    the response has gone: after the request's own session is closed, so that on SQLite the write
    does not wait for the request's connection, and off the call's latency."""
    response.call_on_close(lambda: _process.seen(engine, site_id, origin, kind, reason))


def _write(engine: Engine, key: tuple, count: int, at: datetime) -> None:
    site_id, origin, kind, reason = key
    match = (
        (WidgetSighting.site_id == site_id)
        & (WidgetSighting.origin == origin)
        & (WidgetSighting.kind == kind)
        & (WidgetSighting.reason == reason)
    )
    with engine.begin() as conn:
        done = conn.execute(
            update(WidgetSighting)
            .where(match)
            .values(count=WidgetSighting.count + count, last_seen_at=at)
        )
        if done.rowcount:
            return
        rows = conn.scalar(
            select(func.count())
            .select_from(WidgetSighting)
            .where(WidgetSighting.site_id == site_id)
        )
        if rows >= MAX_ROWS:
            return
        conn.execute(
            insert(WidgetSighting).values(
                site_id=site_id,
                origin=origin,
                kind=kind,
                reason=reason,
                count=count,
                last_seen_at=at,
            )
        )


def recent(db, site, kind: str, limit: int = 20) -> list[WidgetSighting]:
    """The site's sightings of one kind, the most recently seen first."""
    return list(
        db.scalars(
            select(WidgetSighting)
            .where(WidgetSighting.site_id == site.id, WidgetSighting.kind == kind)
            .order_by(WidgetSighting.last_seen_at.desc(), WidgetSighting.origin)
            .limit(limit)
        )
    )
