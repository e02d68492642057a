"""Segments: the user traits a site declares, whose answers are counted per UTC day and score as
they are written, so that ``group_by=trait:<name>`` reads a few thousand counts instead of the
traits of every answer in the period.

Triggers on ``responses`` (migration 0021) keep :class:`SegmentCount` in the writer's own
transaction, whatever writes: the widget, the answer page, an import, an erasure, a purge. Here
the declared set changes (the past is counted at once) and the counts are read: whole UTC days
from the counts, the partial days at the period's edges from the answers themselves, so every
figure equals a recount.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Text, case, cast, delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from collector.models import Response, SegmentCount, Site, SiteSegment, Survey

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


def declare(db: Session, site: Site, names: list[str]) -> None:
    """Make ``names`` the site's segments (in the caller's transaction): a new one is counted
    for every answer already stored, a dropped one forgets its counts."""
    wanted, had = set(names), set(site.segments)
    gone, new = had - wanted, sorted(wanted - had)
    if gone:
        db.execute(
            delete(SiteSegment).where(SiteSegment.site_id == site.id, SiteSegment.name.in_(gone))
        )
        db.execute(
            delete(SegmentCount).where(
                SegmentCount.survey_id.in_(_surveys(site)), SegmentCount.segment.in_(gone)
            )
        )
    if new:
        if db.get_bind().dialect.name == "postgresql":
            # Answers being written wait until the past is counted, and an answer written before
            # is in the count's snapshot: none is counted twice or missed. (SQLite's writing
            # transaction already excludes every other writer.)
            db.execute(text("LOCK TABLE responses IN SHARE MODE"))
        for name in new:
            db.add(SiteSegment(site_id=site.id, name=name))
            db.flush()
            _count_the_past(db, site, name)
    db.expire(site, ["segment_rows"])


def _surveys(site: Site):
    return select(Survey.id).where(Survey.site_id == site.id)


def _count_the_past(db: Session, site: Site, name: str) -> None:
    """Every stored answer of the site, counted for segment ``name`` as the triggers would."""
    db.execute(
        delete(SegmentCount).where(
            SegmentCount.survey_id.in_(_surveys(site)), SegmentCount.segment == name
        )
    )
    k = trait_value(db, name)
    long = func.length(k) > MAX_VALUE
    cells = select(
        Response.survey_id.label("survey_id"),
        _utc_day(db).label("day"),
        case((k.is_(None), "none"), (long, "long"), else_="text").label("shape"),
        case((k.is_(None) | long, ""), else_=k).label("value"),
        Response.score.label("score"),
    ).where(Response.site_id == site.id)
    cells = cells.subquery()
    keys = (cells.c.survey_id, cells.c.day, cells.c.shape, cells.c.value, cells.c.score)
    counted = select(cells.c.survey_id, literal(name), *keys[1:], func.count()).group_by(*keys)
    db.execute(
        insert(SegmentCount).from_select(
            ["survey_id", "segment", "day", "shape", "value", "score", "n"], counted
        )
    )


def _utc_day(db: Session):
    if db.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", Response.created_at), SegmentCount.day.type)
    return func.date(Response.created_at)


def is_declared(db: Session, survey: Survey, name: str) -> bool:
    return (
        db.scalar(
            select(SiteSegment.name).where(
                SiteSegment.site_id == survey.site_id, SiteSegment.name == name
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
