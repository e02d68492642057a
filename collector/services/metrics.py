"""Metrics of a survey (``/v1/metrics``, DESIGN §7): scores over a period, a series by interval,
groups by event, tag or trait, and the funnel.

Metrics never load answer rows. Each figure is a count of index entries: SQL counts the answers
per (interval, scale point) or (group, scale point) with one index range seek per cell, and the
pure ``scoring.summarize`` turns each distribution into scores; the intervals are
``collector.domain.periods``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    String,
    Text,
    case,
    cast,
    column,
    func,
    literal,
    select,
    text,
    true,
    values,
)
from sqlalchemy.orm import Session

from collector.domain import periods, scale, scoring
from collector.models import (
    Prompt,
    Response,
    ResponseTag,
    Site,
    Survey,
    UTCDateTime,
    utcnow,
)
from collector.services import surveys
from collector.services.failures import Invalid

#: ``groups`` keeps the largest this many groups; ``groups_truncated`` says when more exist.
MAX_GROUPS = 100


@dataclass(frozen=True)
class MetricsQuery:
    survey: str
    since: datetime | None = None
    until: datetime | None = None
    interval: str | None = None
    group_by: str | None = None  # "event", "tag" or "trait:<name>"
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))


def _period(survey_id: str, since: datetime | None, until: datetime) -> list:
    conds = [Response.survey_id == survey_id, Response.created_at < until]
    if since is not None:
        conds.append(Response.created_at >= since)
    return conds


def _scale(kind: str) -> list[int]:
    return list(scale.of(kind).points)


def _points_cte(kind: str):
    return values(column("score", Integer), name="s").data([(p,) for p in _scale(kind)]).cte("s")


def _series_counts(
    db: Session, survey: Survey, spans: list[periods.Bucket]
) -> list[dict[int, int]]:
    """Counts per (interval, scale point): one index range seek per cell, no per-row work."""
    out: list[dict[int, int]] = [{} for _ in spans]
    if not spans:
        return out
    b = (
        values(
            column("i", Integer),
            column("lo", UTCDateTime()),
            column("hi", UTCDateTime()),
            name="b",
        )
        .data([(i, s.lo, s.hi) for i, s in enumerate(spans)])
        .cte("b")
    )
    s = _points_cte(survey.kind)
    count = (
        select(func.count())
        .where(
            Response.survey_id == survey.id,
            Response.score == s.c.score,
            Response.created_at >= b.c.lo,
            Response.created_at < b.c.hi,
        )
        .scalar_subquery()
    )
    for i, point, n in db.execute(select(b.c.i, s.c.score, count).select_from(b.join(s, true()))):
        if n:
            out[i][point] = n
    return out


_EVENTS = text(
    """
    WITH RECURSIVE e(ev) AS (
        SELECT min(event) FROM responses WHERE survey_id = :survey
        UNION ALL
        SELECT (SELECT min(r.event) FROM responses r WHERE r.survey_id = :survey AND r.event > e.ev)
        FROM e WHERE e.ev IS NOT NULL
    )
    SELECT ev FROM e WHERE ev IS NOT NULL
    """
)


def _event_counts(
    db: Session, survey: Survey, since: datetime | None, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (event, scale point). The survey's events come from a skip scan of the index
    (one seek per distinct event), then each cell is one range seek."""
    events = [row[0] for row in db.execute(_EVENTS, {"survey": survey.id})]
    s = _points_cte(survey.kind)
    count = select(func.count()).where(
        *_period(survey.id, since, until), Response.score == s.c.score
    )
    # Answers without an event are a group of their own (NULL never equals a value).
    stmts = [
        select(
            literal(None, String),
            s.c.score,
            count.where(Response.event.is_(None)).scalar_subquery(),
        )
    ]
    if events:
        g = values(column("ev", String), name="g").data([(e,) for e in events]).cte("g")
        cell = count.where(Response.event == g.c.ev).scalar_subquery()
        stmts.append(select(g.c.ev, s.c.score, cell).select_from(g.join(s, true())))
    out: dict[str | None, dict[int, int]] = {}
    for stmt in stmts:
        for key, point, n in db.execute(stmt):
            if n:
                out.setdefault(key, {})[point] = n
    return out


def _trait_key(db: Session, name: str):
    if db.get_bind().dialect.name == "postgresql":
        return Response.traits.op("->>")(literal(name, Text))
    path = literal('$."' + name + '"', Text)
    kind = func.json_type(Response.traits, path)
    return case(
        (kind == "true", literal("true")),
        (kind == "false", literal("false")),
        else_=cast(func.json_extract(Response.traits, path), Text),
    )


def _trait_counts(
    db: Session, survey: Survey, name: str, since: datetime | None, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (trait value, scale point): the traits are read from every answer in the period
    (no index can know a trait name in advance), still aggregated in SQL."""
    rows = (
        select(_trait_key(db, name).label("key"), Response.score)
        .where(*_period(survey.id, since, until), Response.score.in_(_scale(survey.kind)))
        .subquery()
    )
    stmt = select(rows.c.key, rows.c.score, func.count()).group_by(rows.c.key, rows.c.score)
    out: dict[str | None, dict[int, int]] = {}
    for value, point, n in db.execute(stmt):
        out.setdefault(value, {})[point] = n
    return out


def _tag_counts(
    db: Session, survey: Survey, since: datetime | None, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (tag, scale point), and the untagged answers as the ``None`` group. An answer
    with two tags counts in both groups, so the groups may add up to more than ``n``."""
    scale = _scale(survey.kind)
    stmt = (
        select(ResponseTag.tag, Response.score, func.count())
        .join(Response, Response.id == ResponseTag.response_id)
        .where(
            ResponseTag.survey_id == survey.id,
            *_period(survey.id, since, until),
            Response.score.in_(scale),
        )
        .group_by(ResponseTag.tag, Response.score)
    )
    out: dict[str | None, dict[int, int]] = {}
    for tag, point, n in db.execute(stmt):
        out.setdefault(tag, {})[point] = n
    untagged = (
        select(Response.score, func.count())
        .where(
            *_period(survey.id, since, until),
            Response.score.in_(scale),
            ~select(ResponseTag.response_id).where(ResponseTag.response_id == Response.id).exists(),
        )
        .group_by(Response.score)
    )
    for point, n in db.execute(untagged):
        out.setdefault(None, {})[point] = n
    return out


def _total_counts(
    db: Session, survey: Survey, since: datetime | None, until: datetime
) -> dict[int, int]:
    s = _points_cte(survey.kind)
    count = (
        select(func.count())
        .where(*_period(survey.id, since, until), Response.score == s.c.score)
        .scalar_subquery()
    )
    return {point: n for point, n in db.execute(select(s.c.score, count)) if n}


def _funnel(
    db: Session, survey: Survey, since: datetime | None, until: datetime, answered: int
) -> dict:
    """How often the survey was seen, answered and dismissed in the period.

    ``answered`` is the number of answers in the period (``n``). ``shown`` adds to it the prompts
    made in the period that were seen and not answered: still ``shown``, ``dismissed``, or expired
    after being shown. Each prompt counts once, in one period, so periods add up and the response
    rate never exceeds 1. Only unanswered prompts are counted here (one index range seek per
    status): the answered ones, the bulk, are already counted by the scores.
    """
    conds = [Prompt.survey_id == survey.id, Prompt.created_at < until]
    if since is not None:
        conds.append(Prompt.created_at >= since)

    def count(*where, of=None):
        counted = func.count(of) if of is not None else func.count()
        return select(counted).where(*conds, *where).scalar_subquery()

    left_open, dismissed, seen_then_expired = db.execute(
        select(
            count(Prompt.status == "shown"),
            count(Prompt.status == "dismissed"),
            count(Prompt.status.in_(["pending", "expired"]), of=Prompt.shown_at),
        )
    ).one()
    shown = answered + left_open + dismissed + seen_then_expired
    return {
        "shown": shown,
        "answered": answered,
        "dismissed": dismissed,
        "response_rate": round(answered / shown, 4) if shown else None,
    }


def _first_activity(db: Session, survey: Survey) -> datetime | None:
    firsts = [
        db.scalar(select(func.min(Response.created_at)).where(Response.survey_id == survey.id)),
        db.scalar(select(func.min(Prompt.created_at)).where(Prompt.survey_id == survey.id)),
    ]
    firsts = [f for f in firsts if f is not None]
    return min(firsts) if firsts else None


def metrics(db: Session, site: Site, q: MetricsQuery, *, now: datetime | None = None) -> dict:
    """DESIGN §7 for one survey over ``[since, until)``.

    ``until`` defaults to now and ``since`` to the survey's first prompt or answer.
    """
    survey = surveys.get(db, site, q.survey, param="survey")
    until = q.until or now or utcnow()
    since = q.since if q.since is not None else (_first_activity(db, survey) or until)
    if since > until:
        param = "until" if q.until else "since"
        raise Invalid("validation_failed", f"{param}: since must be before until.", param=param)

    series: list[dict] = []
    distributions: list[dict[int, int]] = []
    if q.interval:
        try:
            spans = periods.buckets(since, until, q.interval, q.tz)
        except periods.TooManyIntervals as e:
            raise Invalid("too_many_intervals", str(e), param="interval") from None
        distributions = _series_counts(db, survey, spans)
        for span, dist in zip(spans, distributions, strict=True):
            point = scoring.summarize(survey.kind, dist).to_dict(brief=True)
            series.append({"start": span.start.isoformat(), **point})

    groups, truncated, grouped = _groups(db, survey, q.group_by, since, until)
    if q.interval:
        total = scoring.merge(distributions)
    elif grouped is not None and q.group_by != "tag":  # tag groups overlap
        total = scoring.merge(grouped.values())
    else:
        total = _total_counts(db, survey, since, until)
    summary = scoring.summarize(survey.kind, total)

    return {
        "survey": survey.id,
        "kind": survey.kind,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "interval": q.interval,
        "tz": q.tz.key,
        "group_by": q.group_by,
        **summary.to_dict(),
        **_funnel(db, survey, since, until, summary.n),
        "series": series,
        "groups": groups,
        "groups_truncated": truncated,
    }


def _groups(db, survey, group_by, since, until):
    if not group_by:
        return [], False, None
    if group_by == "event":
        grouped = _event_counts(db, survey, since, until)
    elif group_by == "tag":
        grouped = _tag_counts(db, survey, since, until)
    else:
        grouped = _trait_counts(db, survey, group_by.removeprefix("trait:"), since, until)
    summaries = [(key, scoring.summarize(survey.kind, dist)) for key, dist in grouped.items()]
    # Largest groups first; equal sizes by key, the answers without a key last.
    summaries.sort(key=lambda item: (-item[1].n, item[0] is None, item[0] or ""))
    groups = [{"key": key, **s.to_dict(brief=True)} for key, s in summaries[:MAX_GROUPS]]
    return groups, len(summaries) > MAX_GROUPS, grouped
