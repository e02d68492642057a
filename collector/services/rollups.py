"""Answer counts kept by the writes: per (survey, UTC hour, score) and per (survey, UTC day, event,
score), so that a series, a total and ``group_by=event`` add up a few thousand counts however many
answers the period holds.

Triggers on ``responses`` (migration 0022) keep :class:`ScoreCount` and :class:`EventCount` in the
writer's own transaction, whatever writes: the widget, the answer page, an import, an erasure, a
purge. Here the counts are read for the whole hours (or days) inside a span; the caller recounts
the partial hours (or days) at its edges from the answers, so every figure equals a recount.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Integer, column, func, select, true, values
from sqlalchemy.orm import Session

from collector.models import EventCount, ScoreCount

Counts = dict[int, int]


def whole_hours(lo: datetime, hi: datetime) -> tuple[int, int] | None:
    """The UTC hours wholly inside ``[lo, hi)`` as ``[first, end)`` in hours since the epoch, or
    None if none is."""
    first, end = math.ceil(lo.timestamp() / 3600), math.floor(hi.timestamp() / 3600)
    return (first, end) if first < end else None


def hour_start(hour: int) -> datetime:
    return datetime.fromtimestamp(hour * 3600, UTC)


def whole_days(since: datetime, until: datetime) -> tuple[date, date] | None:
    """The UTC days wholly inside ``[since, until)`` as ``[first, end)``, or None if none is."""
    first = since.astimezone(UTC).date()
    if day_start(first) < since:
        first += timedelta(days=1)
    end = until.astimezone(UTC).date()
    return (first, end) if first < end else None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def hourly(
    db: Session, survey_id: str, spans: list[tuple[int, int, int]], points: list[int]
) -> dict[int, Counts]:
    """The answers of each span ``(i, first hour, end hour)`` per scale point, as ``{i: counts}``:
    one range of the counts' (survey, score, hour) key per cell, as the answers' own index is read
    for a recount, with an hour's count in place of each of its answers."""
    if not spans:
        return {}
    b = (
        values(column("i", Integer), column("lo", Integer), column("hi", Integer), name="b")
        .data(spans)
        .cte("b")
    )
    s = values(column("score", Integer), name="s").data([(p,) for p in points]).cte("s")
    total = (
        select(func.sum(ScoreCount.n))
        .where(
            ScoreCount.survey_id == survey_id,
            ScoreCount.score == s.c.score,
            ScoreCount.hour >= b.c.lo,
            ScoreCount.hour < b.c.hi,
        )
        .scalar_subquery()
    )
    out: dict[int, Counts] = {}
    for i, point, n in db.execute(select(b.c.i, s.c.score, total).select_from(b.join(s, true()))):
        if n:
            out.setdefault(i, {})[point] = n
    return out


def daily_events(
    db: Session, survey_id: str, first: date, end: date, points: list[int]
) -> dict[str | None, Counts]:
    """The answers of the UTC days ``[first, end)`` per (event, scale point); ``None`` is the
    answers without an event."""
    stmt = (
        select(EventCount.event, EventCount.score, func.sum(EventCount.n))
        .where(
            EventCount.survey_id == survey_id,
            EventCount.day >= first,
            EventCount.day < end,
            EventCount.score.in_(points),
        )
        .group_by(EventCount.event, EventCount.score)
    )
    out: dict[str | None, Counts] = {}
    for event, point, n in db.execute(stmt):
        if n:
            out.setdefault(event or None, {})[point] = n
    return out
