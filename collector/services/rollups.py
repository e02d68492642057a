"""Counts kept ahead of the metrics, so that a call adds up a few thousand rows however many
answers and prompts the period holds.

Answers per (survey, UTC hour, score) and per (survey, UTC day, event, score): triggers on
``responses`` (migration 0022) keep :class:`ScoreCount` and :class:`EventCount` in the writer's own
transaction, whatever writes: the widget, the answer page, an import, an erasure, a purge. Here
the counts are read for the whole hours (or days) inside a span; the caller recounts the partial
hours (or days) at its edges from the answers, so every figure equals a recount.

The funnel's unanswered prompts per settled UTC day (:class:`FunnelDay`, migration 0024): a
prompt's status changes for a month at most, so the ``fill_funnel_days`` job fills the days older
than :data:`SETTLED`, and a write to a prompt of such a day deletes its row (a trigger); a day
without a row is counted from the prompts.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, Integer, cast, column, func, insert, select, text, true, values
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from collector import db as database
from collector import jobs
from collector.models import (
    EventCount,
    FunnelDay,
    LabelDay,
    LabelDayCount,
    Prompt,
    Response,
    ResponseReason,
    ResponseTag,
    ScoreCount,
    Survey,
    utcnow,
)

log = logging.getLogger(__name__)

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


# -- the funnel's settled days --------------------------------------------------------------------

#: Days that ended this long ago are settled: filled by the job (the triggers of migration 0024
#: forget a day on any write to its prompts made over 32 days ago, a day less than this).
SETTLED = timedelta(days=33)
#: Days filled per transaction (on PostgreSQL the prompts' writers wait for each).
FILL_DAYS = 31
#: A period whose days have more gaps than this is counted from the prompts in one piece.
MAX_GAPS = 8


def funnel_days(
    db: Session, survey_id: str, since: datetime, until: datetime
) -> tuple[tuple[int, int, int], list[tuple[datetime, datetime]]]:
    """The period's unanswered prompts (still shown, dismissed, seen then expired) from its
    settled days' rows, and the spans of the period without a row, to count from the prompts."""
    days = whole_days(since, until)
    if days is None:
        return (0, 0, 0), [(since, until)]
    rows = db.execute(
        select(FunnelDay.day, FunnelDay.left_open, FunnelDay.dismissed, FunnelDay.seen_then_expired)
        .where(FunnelDay.survey_id == survey_id, FunnelDay.day >= days[0], FunnelDay.day < days[1])
        .order_by(FunnelDay.day)
    ).all()
    spans = _gaps([row[0] for row in rows], since, until)
    if spans is None:
        return (0, 0, 0), [(since, until)]
    kept = [sum(row[i] for row in rows) for i in (1, 2, 3)]
    return (kept[0], kept[1], kept[2]), spans


def _gaps(
    days: list[date], since: datetime, until: datetime
) -> list[tuple[datetime, datetime]] | None:
    """The spans of ``[since, until)`` outside the given UTC days (in order, all inside it), or
    None when there are more than :data:`MAX_GAPS` (the caller counts the whole period)."""
    spans: list[tuple[datetime, datetime]] = []
    cursor = since
    for day in days:
        if cursor < day_start(day):
            spans.append((cursor, day_start(day)))
        cursor = day_start(day + timedelta(days=1))
    if cursor < until:
        spans.append((cursor, until))
    return spans if len(spans) <= MAX_GAPS else None


@jobs.periodic(jobs.crontab(minute="17"))
def fill_funnel_days(now: datetime | None = None) -> None:
    """Fill the settled days of every survey that have no row yet, :data:`FILL_DAYS` a
    transaction; a day already filled costs a look at its row."""
    _fill_every_survey(Prompt.created_at, (now or utcnow()) - SETTLED, FILL_DAYS, _fill)


def _fill_every_survey(made_at, settled: datetime, days: int, fill, *, gives_way=False) -> None:
    """Run ``fill(db, survey_id, first, end)`` over each survey's days from its first row
    (``made_at``: the column that dates them) to the day of ``settled``, ``days`` a
    transaction. With ``gives_way``, a fill that could not take its locks ends this survey's run
    (the next run goes on from there)."""
    session = database.session()
    last = settled.date()  # the days before it have ended long enough ago
    surveys = session.scalars(select(Survey.id).order_by(Survey.id)).all()
    session.rollback()
    for survey_id in surveys:
        first = session.scalar(
            select(func.min(made_at)).where(made_at.class_.survey_id == survey_id)
        )
        day = first.date() if first is not None else last
        while day < last:
            end = min(day + timedelta(days=days), last)
            try:
                fill(session, survey_id, day, end)
            except OperationalError:
                if not gives_way:
                    raise
                session.rollback()
                log.info("days of %s from %s: a writer held the tables, later", survey_id, day)
                break
            session.commit()
            day = end


def _fill(db: Session, survey_id: str, first: date, end: date) -> None:
    """The rows of the days ``[first, end)`` that have none, counted from the prompts."""
    within = (FunnelDay.survey_id == survey_id, FunnelDay.day >= first, FunnelDay.day < end)
    if db.scalar(select(func.count()).where(*within)) == (end - first).days:
        return
    if db.get_bind().dialect.name == "postgresql":
        # A prompt of these days written meanwhile waits for this commit, and then forgets the
        # row it finds (SQLite's writing transaction excludes every other writer).
        db.execute(text("LOCK TABLE prompts IN SHARE MODE"))
    have = set(db.scalars(select(FunnelDay.day).where(*within)))
    if db.get_bind().dialect.name == "postgresql":
        day = cast(func.timezone("UTC", Prompt.created_at), Date)
    else:
        day = func.date(Prompt.created_at)
    counted = db.execute(
        select(
            day,
            func.count().filter(Prompt.status == "shown"),
            func.count().filter(Prompt.status == "dismissed"),
            func.count(Prompt.shown_at).filter(Prompt.status == "pending"),
        )
        .where(
            Prompt.survey_id == survey_id,
            Prompt.created_at >= day_start(first),
            Prompt.created_at < day_start(end),
            Prompt.status.in_(["shown", "dismissed", "pending"]),
        )
        .group_by(day)
    ).all()
    by_day = {date.fromisoformat(str(d)): counts for d, *counts in counted}
    rows = [
        {
            "survey_id": survey_id,
            "day": d,
            "left_open": by_day.get(d, (0, 0, 0))[0],
            "dismissed": by_day.get(d, (0, 0, 0))[1],
            "seen_then_expired": by_day.get(d, (0, 0, 0))[2],
        }
        for d in (first + timedelta(days=i) for i in range((end - first).days))
        if d not in have
    ]
    if rows:
        db.execute(insert(FunnelDay), rows)


# -- tags and reasons of settled days -----------------------------------------------------------

#: Days that ended this long ago are filled (the triggers of migration 0025 forget a day on a
#: write to any of its labels, or to an answer made over 5 hours ago, an hour less than this).
LABELS_SETTLED = timedelta(hours=6)
#: Days filled per transaction (on PostgreSQL the answers' and labels' writers wait for each).
LABEL_FILL_DAYS = 7
#: The label tables by kind.
LABEL_TABLES = {"tag": ResponseTag, "reason": ResponseReason}


def label_days(
    db: Session, survey_id: str, kind: str, since: datetime, until: datetime, points: list[int]
) -> tuple[dict[str | None, Counts], list[tuple[datetime, datetime]]]:
    """The answers of the period's filled days per label of ``kind`` (``None``: without any)
    and scale point, and the spans of the period left to count from the answers."""
    days = whole_days(since, until)
    if days is None:
        return {}, [(since, until)]
    filled = list(
        db.scalars(
            select(LabelDay.day)
            .where(LabelDay.survey_id == survey_id, LabelDay.day >= days[0], LabelDay.day < days[1])
            .order_by(LabelDay.day)
        )
    )
    spans = _gaps(filled, since, until)
    if spans is None:
        return {}, [(since, until)]
    out: dict[str | None, Counts] = {}
    if filled:
        stmt = (
            select(LabelDayCount.label, LabelDayCount.score, func.sum(LabelDayCount.n))
            .where(
                LabelDayCount.survey_id == survey_id,
                LabelDayCount.kind == kind,
                LabelDayCount.day >= filled[0],
                LabelDayCount.day <= filled[-1],
                LabelDayCount.score.in_(points),
            )
            .group_by(LabelDayCount.label, LabelDayCount.score)
        )
        for label, point, n in db.execute(stmt):
            if n:
                out.setdefault(label or None, {})[point] = n
    return out, spans


@jobs.periodic(jobs.crontab(minute="47"))
def fill_label_days(now: datetime | None = None) -> None:
    """Fill the settled days of every survey that are not filled yet, :data:`LABEL_FILL_DAYS`
    a transaction (giving way to writers: below); a filled day costs a look at its row."""
    settled = (now or utcnow()) - LABELS_SETTLED
    _fill_every_survey(Response.created_at, settled, LABEL_FILL_DAYS, _fill_labels, gives_way=True)


def _fill_labels(db: Session, survey_id: str, first: date, end: date) -> None:
    """Count the days ``[first, end)`` not filled yet, per tag and per reason."""
    within = (LabelDay.survey_id == survey_id, LabelDay.day >= first, LabelDay.day < end)
    if db.scalar(select(func.count()).select_from(LabelDay).where(*within)) == (end - first).days:
        return
    if db.get_bind().dialect.name == "postgresql":
        # A write to these days' answers or labels meanwhile waits for this commit, and then
        # forgets the day it finds filled (SQLite's writing transaction excludes other writers).
        # A writer may hold one of the three and want another this holds: waiting less than
        # the deadlock check's second, this gives way first, and never the writer.
        db.execute(text("SET LOCAL lock_timeout = '500ms'"))
        db.execute(text("LOCK TABLE responses, response_tags, response_reasons IN SHARE MODE"))
        day = cast(func.timezone("UTC", Response.created_at), Date)
    else:
        day = func.date(Response.created_at)
    have = {date.fromisoformat(str(d)) for d in db.scalars(select(LabelDay.day).where(*within))}
    period = (
        Response.survey_id == survey_id,
        Response.created_at >= day_start(first),
        Response.created_at < day_start(end),
    )
    rows = []
    for kind, table in LABEL_TABLES.items():
        label = func.coalesce(getattr(table, kind), "")  # one expression: one parameter
        stmt = (
            select(day, label, Response.score, func.count())
            .select_from(Response)
            .outerjoin(table, table.response_id == Response.id)
            .where(*period)
            .group_by(day, label, Response.score)
        )
        for d, value, point, n in db.execute(stmt):
            d = date.fromisoformat(str(d))
            if d not in have:
                rows.append(
                    {"survey_id": survey_id, "kind": kind, "day": d, "label": value,
                     "score": point, "n": n}
                )  # fmt: skip
    days = [first + timedelta(days=i) for i in range((end - first).days)]
    marks = [{"survey_id": survey_id, "day": d} for d in days if d not in have]
    if rows:
        db.execute(insert(LabelDayCount), rows)
    if marks:
        db.execute(insert(LabelDay), marks)
