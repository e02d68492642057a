"""Segments: the user traits a site declares, whose answers are counted per UTC day and score as
they are written, so that ``group_by=trait:<name>`` reads a few thousand counts instead of the
traits of every answer in the period.

Triggers on ``responses`` (migrations 0021 and 0023) keep :class:`SegmentCount` in the writer's
own transaction, whatever writes: the widget, the answer page, an import, an erasure, a purge.
Here the declared set changes and the counts are read: whole UTC days from the counts, the partial
days at the period's edges from the answers themselves, so every figure equals a recount.

The answers stored before a declaration are counted a step (:data:`STEP` answers, oldest first)
at a time, each step a short transaction: the first in the declaring request, the rest by the
``count_past`` job. Until the last step, the triggers leave the range still to count alone and
``group_by=trait:`` reads the answers, with the same figures.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Text, case, cast, delete, func, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from collector import db as database
from collector import jobs
from collector.models import Response, SegmentCount, Site, SiteSegment, Survey, utcnow

#: Longer trait values are not kept in the counts (``shape`` "long"); a period with any is
#: recounted from the answers.
MAX_VALUE = 200

Counts = dict[str | None, dict[int, int]]


def trait_value(db: Session, name: str):
    """An answer's trait ``name`` as ``group_by=trait:`` shows it: text, NULL when missing or
    null, booleans as ``true``/``false`` on both databases."""
    if db.get_bind().dialect.name == "postgresql":
        return Response.traits.op("->>")(literal(name, Text))
    path = literal('$."' + name + '"', Text)
    kind = func.json_type(Response.traits, path)
    return case(
        (kind == "true", literal("true")),
        (kind == "false", literal("false")),
        else_=cast(func.json_extract(Response.traits, path), Text),
    )


#: How many stored answers one step of counting the past reads (one short transaction; on
#: PostgreSQL the answers' writers wait for it, a fraction of a second).
STEP = 50_000


def declare(db: Session, site: Site, names: list[str]) -> None:
    """Make ``names`` the site's segments (in the caller's transaction): a new one is counted
    for the answers already stored (the first step here, the rest by a job after the commit), a
    dropped one forgets its counts."""
    wanted, had = set(names), set(site.segments)
    gone, new = had - wanted, sorted(wanted - had)
    if gone:
        db.execute(
            delete(SiteSegment).where(SiteSegment.site_id == site.id, SiteSegment.name.in_(gone))
        )
        db.execute(
            delete(SegmentCount).where(
                SegmentCount.survey_id.in_(_surveys(site.id)), SegmentCount.segment.in_(gone)
            )
        )
    now = utcnow()
    for name in new:
        db.execute(
            delete(SegmentCount).where(
                SegmentCount.survey_id.in_(_surveys(site.id)), SegmentCount.segment == name
            )
        )
        db.add(SiteSegment(site_id=site.id, name=name, counting_from=now))
        db.flush()
        if not count_step(db, site.id, name):
            jobs.enqueue_after_commit(db, count_past, site.id, name)
    db.expire(site, ["segment_rows"])


def count_step(db: Session, site_id: str, name: str) -> bool:
    """Count the next :data:`STEP` answers stored before segment ``name`` was declared (in the
    caller's transaction); True once every one is counted (or the segment is gone)."""
    if db.get_bind().dialect.name == "postgresql":
        # Answers being written finish first and are in this step's snapshot; answers arriving
        # wait for the step's commit and then see how far it came. (SQLite's writing
        # transaction already excludes every other writer.)
        db.execute(text("LOCK TABLE responses IN SHARE MODE"))
    segment = db.scalars(
        select(SiteSegment)
        .where(SiteSegment.site_id == site_id, SiteSegment.name == name)
        .with_for_update()
    ).one_or_none()
    if segment is None or segment.counting_from is None:
        return True
    lo, until = segment.counted_below, segment.counting_from
    left = [Response.site_id == site_id, Response.created_at < until]
    if lo is not None:
        left.append(Response.created_at >= lo)
    hi = db.scalar(
        select(Response.created_at).where(*left).order_by(Response.created_at).offset(STEP).limit(1)
    )
    if hi is not None:
        first = db.scalar(select(func.min(Response.created_at)).where(*left))
        if hi <= first:  # more than a step's answers share one instant (an import of dates)
            after = select(func.min(Response.created_at)).where(*left, Response.created_at > first)
            hi = db.scalar(after)
    _count(db, site_id, name, lo, hi or until)
    if hi is None:
        segment.counting_from = segment.counted_below = None
    else:
        segment.counted_below = hi
    db.flush()
    return hi is None


@jobs.job(retries=5, retry_delay=30)
def count_past(site_id: str, name: str) -> None:
    """Count the past of a declared segment, a step per transaction, to the end."""
    session = database.session()
    while not count_step(session, site_id, name):
        session.commit()
    session.commit()


@jobs.periodic(jobs.crontab(minute="*/10"))
def resume_counting() -> None:
    """Finish any segment whose count stopped half-way (its job lost with a worker, say): the
    count's progress is in the database, so it goes on where it was."""
    session = database.session()
    unfinished = session.execute(
        select(SiteSegment.site_id, SiteSegment.name).where(SiteSegment.counting_from.is_not(None))
    ).all()
    session.rollback()
    for site_id, name in unfinished:
        count_past(site_id, name)


def _surveys(site_id: str):
    return select(Survey.id).where(Survey.site_id == site_id)


def _count(db: Session, site_id: str, name: str, lo: datetime | None, hi: datetime) -> None:
    """The site's answers stored in ``[lo, hi)``, added to segment ``name``'s counts as the
    triggers would add them."""
    k = trait_value(db, name)
    long = func.length(k) > MAX_VALUE
    period = [Response.site_id == site_id, Response.created_at < hi]
    if lo is not None:
        period.append(Response.created_at >= lo)
    cells = select(
        Response.survey_id.label("survey_id"),
        _utc_day(db).label("day"),
        case((k.is_(None), "none"), (long, "long"), else_="text").label("shape"),
        case((k.is_(None) | long, ""), else_=k).label("value"),
        Response.score.label("score"),
    ).where(*period)
    cells = cells.subquery()
    keys = (cells.c.survey_id, cells.c.day, cells.c.shape, cells.c.value, cells.c.score)
    counted = select(cells.c.survey_id, literal(name), *keys[1:], func.count()).group_by(*keys)
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    add = dialect.insert(SegmentCount).from_select(
        ["survey_id", "segment", "day", "shape", "value", "score", "n"], counted
    )
    add = add.on_conflict_do_update(
        index_elements=["survey_id", "segment", "day", "shape", "value", "score"],
        set_={"n": SegmentCount.n + add.excluded.n},
    )
    db.execute(add)


def _utc_day(db: Session):
    if db.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", Response.created_at), SegmentCount.day.type)
    return func.date(Response.created_at)


def is_declared(db: Session, survey: Survey, name: str) -> bool:
    """Whether ``name`` is a segment of the survey's site whose past is counted."""
    return (
        db.scalar(
            select(SiteSegment.name).where(
                SiteSegment.site_id == survey.site_id,
                SiteSegment.name == name,
                SiteSegment.counting_from.is_(None),
            )
        )
        is not None
    )


def counted(
    db: Session, survey: Survey, name: str, first: date, end: date, points: list[int]
) -> Counts | None:
    """The answers of the days ``[first, end)`` per (segment value, scale point), from the
    counts; None when a value too long to keep is among them (the caller recounts)."""
    stmt = (
        select(SegmentCount.shape, SegmentCount.value, SegmentCount.score, func.sum(SegmentCount.n))
        .where(
            SegmentCount.survey_id == survey.id,
            SegmentCount.segment == name,
            SegmentCount.day >= first,
            SegmentCount.day < end,
            SegmentCount.score.in_(points),
        )
        .group_by(SegmentCount.shape, SegmentCount.value, SegmentCount.score)
    )
    out: Counts = {}
    for shape, value, point, n in db.execute(stmt):
        if not n:
            continue
        if shape == "long":
            return None
        out.setdefault(value if shape == "text" else None, {})[point] = n
    return out
