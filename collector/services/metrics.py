"""Metrics (DESIGN §7): a survey's scores over a period, as a series or in groups, with its funnel.

Metrics never load answer rows. Each figure adds up counts kept by the writes
(``collector/services/rollups.py``, ``segments.py``) for the whole hours or days of a period, and
counts index entries for the rest: SQL counts the answers per (interval, scale point) or (group,
scale point) with one index range seek per cell, and the pure ``scoring.summarize`` turns each
distribution into scores. Interval boundaries are local midnights computed here with
``zoneinfo``, so a series is exact across daylight-saving changes on both databases, and no
per-row date function runs in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    String,
    column,
    func,
    literal,
    select,
    text,
    true,
    values,
)
from sqlalchemy.orm import Session

from collector.domain import scoring
from collector.domain.problems import Invalid
from collector.models import (
    Prompt,
    Response,
    ResponseReason,
    ResponseTag,
    Site,
    Survey,
    UTCDateTime,
    utcnow,
)
from collector.services import rollups, segments, surveys
from collector.services.results import scale_of

INTERVALS = ("day", "week", "month")
#: A series has at most this many intervals (a daily series of about 2¾ years).
MAX_INTERVALS = 1000
#: ``groups`` keeps the largest this many groups; ``groups_truncated`` says when more exist.
MAX_GROUPS = 100
#: Groupings where one answer may count in several groups (two tags, two reasons).
OVERLAPPING = ("tag", "reason")


@dataclass(frozen=True)
class MetricsQuery:
    survey: str
    since: datetime | None = None
    until: datetime | None = None
    interval: str | None = None
    group_by: str | None = None  # "event", "tag", "reason" or "trait:<name>"
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))


@dataclass(frozen=True)
class Bucket:
    """One interval of a series: ``start`` is its local start; answers count in ``[lo, hi)``."""

    start: datetime
    lo: datetime
    hi: datetime


def _floor(day: date, interval: str) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if interval == "month":
        return day.replace(day=1)
    return day


def _following(day: date, interval: str) -> date:
    if interval == "week":
        return day + timedelta(days=7)
    if interval == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    # fold=0: where DST skips midnight, the day starts at the first instant that exists.
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def buckets(since: datetime, until: datetime, interval: str, tz: ZoneInfo) -> list[Bucket]:
    """The intervals covering ``[since, until)``, cut at local midnights of ``tz``.

    Every interval is listed, empty or not. The first and last are clipped to the period, so the
    intervals' answers add up to the period's.
    """
    out: list[Bucket] = []
    if since >= until:
        return out
    day = _floor(since.astimezone(tz).date(), interval)
    start = _midnight(day, tz)
    while start < until:
        if len(out) == MAX_INTERVALS:
            raise Invalid(
                "too_many_intervals",
                f"interval: this period has more than {MAX_INTERVALS} {interval}s; "
                "choose a longer interval or a shorter period (since, until).",
                param="interval",
            )
        day = _following(day, interval)
        end = _midnight(day, tz)
        out.append(Bucket(start.astimezone(tz), max(start, since), min(end, until)))
        start = end
    return out


def _period(survey_id: str, since: datetime | None, until: datetime) -> list:
    conds = [Response.survey_id == survey_id, Response.created_at < until]
    if since is not None:
        conds.append(Response.created_at >= since)
    return conds


def _scale(survey: Survey) -> list[int]:
    return list(scale_of(survey).points)


def _points_cte(survey: Survey):
    return values(column("score", Integer), name="s").data([(p,) for p in _scale(survey)]).cte("s")


def _series_counts(db: Session, survey: Survey, spans: list[Bucket]) -> list[dict[int, int]]:
    """Counts per (interval, scale point): the whole UTC hours of each interval from the hourly
    counts, the partial hours at its edges (if any: local midnights of most zones fall on the
    hour) recounted from the answers."""
    whole: list[tuple[int, int, int]] = []
    edges: list[tuple[int, datetime, datetime]] = []
    for i, span in enumerate(spans):
        hours = rollups.whole_hours(span.lo, span.hi)
        if hours is None:
            edges.append((i, span.lo, span.hi))
            continue
        whole.append((i, *hours))
        inner = rollups.hour_start(hours[0]), rollups.hour_start(hours[1])
        edges += [(i, lo, hi) for lo, hi in ((span.lo, inner[0]), (inner[1], span.hi)) if lo < hi]
    out: list[dict[int, int]] = [{} for _ in spans]
    for i, dist in rollups.hourly(db, survey.id, whole, _scale(survey)).items():
        out[i] = dist
    for i, dist in _recounted_series(db, survey, edges):
        out[i] = scoring.merge([out[i], dist])
    return out


def _recounted_series(
    db: Session, survey: Survey, spans: list[tuple[int, datetime, datetime]]
) -> list[tuple[int, dict[int, int]]]:
    """Counts per (span ``i``, scale point) of the spans ``(i, lo, hi)`` read from the answers:
    one index range seek per cell, no per-row work."""
    if not spans:
        return []
    b = (
        values(
            column("i", Integer),
            column("lo", UTCDateTime()),
            column("hi", UTCDateTime()),
            name="b",
        )
        .data(spans)
        .cte("b")
    )
    s = _points_cte(survey)
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
    stmt = select(b.c.i, s.c.score, count).select_from(b.join(s, true()))
    return [(i, {point: n}) for i, point, n in db.execute(stmt) if n]


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
    db: Session, survey: Survey, since: datetime, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (event, scale point): the whole UTC days of the period from the daily counts,
    the partial days at its edges recounted from the answers."""
    days = rollups.whole_days(since, until)
    if days is None:
        return _recounted_events(db, survey, since, until)
    first, end = days
    parts = [rollups.daily_events(db, survey.id, first, end, _scale(survey))]
    inner = rollups.day_start(first), rollups.day_start(end)
    for lo, hi in ((since, inner[0]), (inner[1], until)):
        if lo < hi:
            parts.append(_recounted_events(db, survey, lo, hi))
    return _merged(parts)


def _merged(parts: list[dict[str | None, dict[int, int]]]) -> dict[str | None, dict[int, int]]:
    out: dict[str | None, dict[int, int]] = {}
    for part in parts:
        for key, dist in part.items():
            out[key] = scoring.merge([out.get(key, {}), dist])
    return out


def _recounted_events(
    db: Session, survey: Survey, since: datetime | None, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (event, scale point) read from the answers. The survey's events come from a
    skip scan of the index (one seek per distinct event), then each cell is one range seek."""
    events = [row[0] for row in db.execute(_EVENTS, {"survey": survey.id})]
    s = _points_cte(survey)
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


def _trait_counts(
    db: Session, survey: Survey, name: str, since: datetime | None, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (trait value, scale point). A declared segment's whole UTC days come from its
    daily counts and only the partial days at the edges from the answers; any other trait is
    read from every answer in the period."""
    days = rollups.whole_days(since, until) if since is not None else None
    if days is None or not segments.is_declared(db, survey, name):
        return _recounted_traits(db, survey, name, since, until)
    first, end = days
    middle = segments.counted(db, survey, name, first, end, _scale(survey))
    if middle is None:
        return _recounted_traits(db, survey, name, since, until)
    edges = [
        _recounted_traits(db, survey, name, lo, hi)
        for lo, hi in ((since, rollups.day_start(first)), (rollups.day_start(end), until))
        if lo < hi
    ]
    return _merged([middle, *edges])


def _recounted_traits(
    db: Session, survey: Survey, name: str, since: datetime | None, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (trait value, scale point) read from every answer in the period (no index can
    know a trait name in advance), still aggregated in SQL."""
    rows = (
        select(segments.trait_value(db, name).label("key"), Response.score)
        .where(*_period(survey.id, since, until), Response.score.in_(_scale(survey)))
        .subquery()
    )
    stmt = select(rows.c.key, rows.c.score, func.count()).group_by(rows.c.key, rows.c.score)
    out: dict[str | None, dict[int, int]] = {}
    for value, point, n in db.execute(stmt):
        out.setdefault(value, {})[point] = n
    return out


def _overlapping_counts(
    db: Session, survey: Survey, label, since: datetime, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (label, scale point) for the tags or the reasons of answers (``label`` is
    ``ResponseTag.tag`` or ``ResponseReason.reason``), and the answers without any as the ``None``
    group. An answer with two labels counts in both groups, so the groups may add up to more than
    ``n``. The settled days come from their rows (``rollups.label_days``), the rest of the period
    from the answers."""
    kind = "tag" if label.class_ is ResponseTag else "reason"
    kept, spans = rollups.label_days(db, survey.id, kind, since, until, _scale(survey))
    return _merged([kept, *(_recounted_labels(db, survey, label, lo, hi) for lo, hi in spans)])


def _recounted_labels(
    db: Session, survey: Survey, label, since: datetime, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (label, scale point) read from the answers of the period, in one aggregate in
    one pass: the answers' (survey, score, created_at) index picks the period, and each answer's
    labels are read from the (response_id, label) key alone, an answer without any joining as one
    NULL row."""
    table = label.class_
    stmt = (
        select(label, Response.score, func.count())
        .select_from(Response)
        .outerjoin(table, table.response_id == Response.id)
        .where(*_period(survey.id, since, until), Response.score.in_(_scale(survey)))
        .group_by(label, Response.score)
    )
    out: dict[str | None, dict[int, int]] = {}
    for key, point, n in db.execute(stmt):
        out.setdefault(key, {})[point] = n
    return out


def _tag_counts(
    db: Session, survey: Survey, since: datetime | None, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (tag, scale point), and the untagged answers as the ``None`` group."""
    return _overlapping_counts(db, survey, ResponseTag.tag, since, until)


def _reason_counts(
    db: Session, survey: Survey, since: datetime | None, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (reason id, scale point), and the answers that gave no reason as ``None``."""
    return _overlapping_counts(db, survey, ResponseReason.reason, since, until)


def _total_counts(db: Session, survey: Survey, since: datetime, until: datetime) -> dict[int, int]:
    """Counts per scale point of the period: a series of one interval."""
    return _series_counts(db, survey, [Bucket(since, since, until)])[0]


def distribution(db: Session, survey: Survey, since: datetime, until: datetime) -> dict[int, int]:
    """The survey's answers in ``[since, until)`` as ``{scale point: count}`` (index seeks)."""
    return _total_counts(db, survey, since, until)


def tag_counts(
    db: Session, survey: Survey, since: datetime, until: datetime
) -> dict[str | None, dict[int, int]]:
    """The survey's answers in ``[since, until)`` per tag (``None``: untagged) and scale point."""
    return _tag_counts(db, survey, since, until)


def reason_counts(
    db: Session, survey: Survey, since: datetime, until: datetime
) -> dict[str | None, dict[int, int]]:
    """The survey's answers in ``[since, until)`` per reason id (``None``: no reason given) and
    scale point."""
    return _reason_counts(db, survey, since, until)


def _funnel(db: Session, survey: Survey, since: datetime, until: datetime, answered: int) -> dict:
    """How often the survey was seen, answered and dismissed in the period.

    ``answered`` is the number of answers in the period (``n``). ``shown`` adds to it the prompts
    made in the period that were seen and not answered: still ``shown``, ``dismissed``, or expired
    after being shown. Each prompt counts once, in one period, so periods add up and the response
    rate never exceeds 1. Only unanswered prompts are counted (the answered ones, the bulk, are
    already counted by the scores): settled days from their rows (``rollups.funnel_days``), the
    rest with one index range seek per status.
    """
    kept, spans = rollups.funnel_days(db, survey.id, since, until)
    left_open, dismissed, seen_then_expired = kept
    for lo, hi in spans:
        more = _unanswered(db, survey.id, lo, hi)
        left_open, dismissed, seen_then_expired = (
            left_open + more[0],
            dismissed + more[1],
            seen_then_expired + more[2],
        )
    shown = answered + left_open + dismissed + seen_then_expired
    return {
        "shown": shown,
        "answered": answered,
        "dismissed": dismissed,
        "response_rate": round(answered / shown, 4) if shown else None,
    }


def _unanswered(db: Session, survey_id: str, since: datetime, until: datetime) -> tuple:
    """The prompts made in ``[since, until)`` still shown, dismissed, and seen then expired."""
    conds = [Prompt.survey_id == survey_id, Prompt.created_at < until, Prompt.created_at >= since]

    def count(*where, of=None):
        counted = func.count(of) if of is not None else func.count()
        return select(counted).where(*conds, *where).scalar_subquery()

    return tuple(
        db.execute(
            select(
                count(Prompt.status == "shown"),
                count(Prompt.status == "dismissed"),
                count(Prompt.status == "pending", of=Prompt.shown_at),
            )
        ).one()
    )


def _first_activity(db: Session, survey: Survey) -> datetime | None:
    firsts = [
        db.scalar(select(func.min(Response.created_at)).where(Response.survey_id == survey.id)),
        db.scalar(select(func.min(Prompt.created_at)).where(Prompt.survey_id == survey.id)),
    ]
    firsts = [f for f in firsts if f is not None]
    return min(firsts) if firsts else None


def compute(db: Session, site: Site, q: MetricsQuery, *, now: datetime | None = None) -> dict:
    """DESIGN §7 for one survey over ``[since, until)``.

    ``until`` defaults to now and ``since`` to the survey's first prompt or answer.
    """
    survey = surveys.get(db, site, q.survey, "survey")
    until = q.until or now or utcnow()
    since = q.since if q.since is not None else (_first_activity(db, survey) or until)
    if since > until:
        param = "until" if q.until else "since"
        raise Invalid("validation_failed", f"{param}: since must be before until.", param=param)

    series: list[dict] = []
    distributions: list[dict[int, int]] = []
    if q.interval:
        spans = buckets(since, until, q.interval, q.tz)
        distributions = _series_counts(db, survey, spans)
        for span, dist in zip(spans, distributions, strict=True):
            point = scoring.summarize(survey.kind, dist, scale_of(survey)).to_dict(brief=True)
            series.append({"start": span.start.isoformat(), **point})

    groups, truncated, grouped = _groups(db, survey, q.group_by, since, until)
    if q.interval:
        total = scoring.merge(distributions)
    elif grouped is not None and q.group_by not in OVERLAPPING:
        total = scoring.merge(grouped.values())
    else:
        total = _total_counts(db, survey, since, until)
    summary = scoring.summarize(survey.kind, total, scale_of(survey))

    return {
        "survey": survey.id,
        "kind": survey.kind,
        "scale": {"min": scale_of(survey).min, "max": scale_of(survey).max},
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
    elif group_by == "reason":
        grouped = _reason_counts(db, survey, since, until)
    else:
        grouped = _trait_counts(db, survey, group_by.removeprefix("trait:"), since, until)
    summaries = [
        (key, scoring.summarize(survey.kind, dist, scale_of(survey)))
        for key, dist in grouped.items()
    ]
    # Largest groups first; equal sizes by key, the answers without a key last.
    summaries.sort(key=lambda item: (-item[1].n, item[0] is None, item[0] or ""))
    groups = [{"key": key, **s.to_dict(brief=True)} for key, s in summaries[:MAX_GROUPS]]
    return groups, len(summaries) > MAX_GROUPS, grouped
