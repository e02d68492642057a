"""Results: the responses list and its CSV, follow-up of one response, and metrics (DESIGN §7).

Metrics never load answer rows. Each figure is a count of index entries: SQL counts the answers
per (interval, scale point) or (group, scale point) with one index range seek per cell, and the pure
``scoring.summarize`` turns each distribution into scores. Interval boundaries are local midnights
computed here with ``zoneinfo``, so a series is exact across daylight-saving changes on both
databases, and no per-row date function runs in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    String,
    and_,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    values,
)
from sqlalchemy.orm import Session

from collector import outbox, pagination
from collector.domain import followup, keys, scoring
from collector.domain.scales import Scale
from collector.errors import APIError, not_found
from collector.models import (
    FollowupChange,
    Prompt,
    Response,
    ResponseReason,
    ResponseTag,
    Site,
    Survey,
    SurveyMail,
    UTCDateTime,
    utcnow,
)
from collector.services import answer_reasons, rollups, search, segments, tagging

FOLLOWUP_STATUSES = followup.STATUSES
INTERVALS = ("day", "week", "month")
#: A series has at most this many intervals (a daily series of about 2¾ years).
MAX_INTERVALS = 1000
#: ``groups`` keeps the largest this many groups; ``groups_truncated`` says when more exist.
MAX_GROUPS = 100
#: Groupings where one answer may count in several groups (two tags, two reasons).
OVERLAPPING = ("tag", "reason")


# -- responses -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseView:
    """A response as the API shows it: the stored row plus its survey's kind (and history)."""

    response: Response
    kind: str
    history: list[FollowupChange] | None = None
    tags: list[str] = field(default_factory=list)
    scale: Scale | None = None  # the survey's scale
    reasons: list[str] = field(default_factory=list)  # the chosen reason ids, sorted

    def __getattr__(self, name: str) -> Any:
        return getattr(self.response, name)


def survey_of(db: Session, site: Site, survey_id: str, param: str = "survey") -> Survey:
    survey = db.get(Survey, survey_id)
    if survey is None or survey.site_id != site.id:
        raise not_found("survey", param)
    return survey


def _filtered(db: Session, site: Site, filters: dict) -> Any:
    stmt = select(Response).where(Response.site_id == site.id)
    if filters.get("survey"):
        stmt = stmt.where(Response.survey_id == survey_of(db, site, filters["survey"]).id)
    if filters.get("user_id") is not None:
        stmt = stmt.where(Response.user_id == filters["user_id"])
    if filters.get("since") is not None:
        stmt = stmt.where(Response.created_at >= filters["since"])
    if filters.get("until") is not None:
        stmt = stmt.where(Response.created_at < filters["until"])
    if filters.get("min_score") is not None:
        stmt = stmt.where(Response.score >= filters["min_score"])
    if filters.get("max_score") is not None:
        stmt = stmt.where(Response.score <= filters["max_score"])
    if filters.get("bands") is not None:
        # Score bands differ per kind: ``[(survey ids, low, high), …]``, any of them (the
        # dashboard's "low scores first" reads one band of every survey in one query).
        # SQLite picks the score index for a band and sorts all of the band's answers for one
        # page; ``score + 0`` keeps it on the index in time order. PostgreSQL's estimates choose
        # well for the column and cannot estimate the expression.
        score = Response.score + 0 if db.get_bind().dialect.name == "sqlite" else Response.score
        matches = [
            and_(Response.survey_id.in_(ids), score.between(low, high))
            for ids, low, high in filters["bands"]
        ]
        stmt = stmt.where(or_(*matches) if matches else false())
    if filters.get("followup_status"):
        stmt = stmt.where(Response.followup_status == filters["followup_status"])
    if filters.get("search") and search.terms(filters["search"]):
        stmt = stmt.where(search.matches(db, filters["search"]))
    if filters.get("owner") is not None:
        # "" is "nobody": the dashboard's filter for follow-ups no one has taken.
        owner = filters["owner"]
        stmt = stmt.where(
            Response.followup_owner == owner if owner else Response.followup_owner.is_(None)
        )
    if filters.get("tag"):
        stmt = stmt.where(Response.id.in_(tagging.tagged(site.id, filters["tag"])))
    if filters.get("reason"):
        stmt = stmt.where(Response.id.in_(answer_reasons.giving(site.id, filters["reason"])))
    if filters.get("has_comment") is True:
        # Written as the partial index ``ix_responses_commented`` says it (a literal, not a
        # parameter), so that both databases know the index holds every row asked for.
        stmt = stmt.where(Response.comment.is_not(None), Response.comment != literal_column("''"))
    elif filters.get("has_comment") is False:
        stmt = stmt.where(or_(Response.comment.is_(None), Response.comment == ""))
    return stmt


def kinds_of(db: Session, survey_ids: set[str]) -> dict[str, str]:
    if not survey_ids:
        return {}
    return dict(db.execute(select(Survey.id, Survey.kind).where(Survey.id.in_(survey_ids))).all())


def scales_of(db: Session, survey_ids: set[str]) -> dict[str, Scale]:
    if not survey_ids:
        return {}
    stmt = select(Survey.id, Survey.kind, Survey.scale_min, Survey.scale_max).where(
        Survey.id.in_(survey_ids)
    )
    return {sid: Scale.of(kind, low, high) for sid, kind, low, high in db.execute(stmt)}


def list_page(db: Session, site: Site, filters: dict, *, limit: int, cursor: str | None):
    """One page of the site's responses, newest first, and whether more follow."""
    items, more = pagination.page(
        db, _filtered(db, site, filters), Response, limit=limit, cursor=cursor
    )
    scales = scales_of(db, {r.survey_id for r in items})
    tags = tagging.tags_of(db, [r.id for r in items])
    reasons = answer_reasons.reasons_of(db, [r.id for r in items])
    views = [
        ResponseView(
            r,
            scales[r.survey_id].kind,
            tags=tags[r.id],
            scale=scales[r.survey_id],
            reasons=reasons[r.id],
        )
        for r in items
    ]
    return views, more


def count(db: Session, site: Site, filters: dict, *, up_to: int | None = None) -> int:
    """How many of the site's responses pass ``filters`` (the list's total); with ``up_to``, it
    stops counting there (a count of millions would read them all)."""
    matching = _filtered(db, site, filters).with_only_columns(literal(1))
    if up_to is not None:
        matching = matching.limit(up_to)
    return db.scalar(select(func.count()).select_from(matching.subquery()))


def histories(db: Session, response_ids: list[str]) -> dict[str, list[FollowupChange]]:
    out: dict[str, list[FollowupChange]] = {rid: [] for rid in response_ids}
    if response_ids:
        stmt = (
            select(FollowupChange)
            .where(FollowupChange.response_id.in_(response_ids))
            .order_by(FollowupChange.created_at, FollowupChange.id)
        )
        for change in db.scalars(stmt):
            out[change.response_id].append(change)
    return out


def asked_by(db: Session, prompt_ids: list[str]) -> dict[str, str]:
    """How the answers of ``prompt_ids`` were asked, for those not asked in the app: ``email``
    (Fiilis mailed the link) or ``link`` (the team sent it themselves)."""
    if not prompt_ids:
        return {}
    mailed = select(SurveyMail.id).where(SurveyMail.prompt_id == Prompt.id).exists()
    stmt = select(Prompt.id, mailed).where(Prompt.id.in_(prompt_ids), Prompt.channel == "link")
    return {pid: "email" if was_mailed else "link" for pid, was_mailed in db.execute(stmt)}


def _owned(db: Session, site: Site, response_id: str, *, lock: bool = False) -> Response:
    # Locked for a change, so that concurrent changes queue and each history entry is whole.
    response = db.get(Response, keys.canonical_response_id(response_id), with_for_update=lock)
    if response is None or response.site_id != site.id:
        raise not_found("response", "id")
    return response


def get(db: Session, site: Site, response_id: str) -> ResponseView:
    """One response with its follow-up history, oldest change first."""
    response = _owned(db, site, response_id)
    history = histories(db, [response.id])[response.id]
    scale = scales_of(db, {response.survey_id})[response.survey_id]
    tags = tagging.tags_of(db, [response.id])[response.id]
    reasons = answer_reasons.reasons_of(db, [response.id])[response.id]
    return ResponseView(response, scale.kind, history, tags, scale, reasons)


def update_followup(
    db: Session, site: Site, response_id: str, changes: dict, *, actor: str | None = "api"
) -> ResponseView:
    """Change follow-up status, owner or note (a change that changes something is kept with its
    time) and the tags (``tags`` replaces them, ``add_tags`` and ``remove_tags`` change them), in
    one transaction."""
    response = _owned(db, site, response_id, lock=True)
    if {"tags", "add_tags", "remove_tags"} & set(changes):
        tagging.tag_responses(
            db,
            site,
            [response.id],
            add=changes.get("add_tags", ()),
            remove=changes.get("remove_tags", ()),
            replace=changes.get("tags"),
            commit=False,
        )
    changed = False
    for name in ("followup_status", "followup_owner", "followup_note"):
        if name in changes and getattr(response, name) != changes[name]:
            setattr(response, name, changes[name])
            changed = True
    if changed:
        now = utcnow()
        response.updated_at = now
        db.add(
            FollowupChange(
                response_id=response.id,
                status=response.followup_status,
                owner=response.followup_owner,
                note=response.followup_note,
                actor=actor,
                created_at=now,
            )
        )
        outbox.record(db, "followup.updated", site.id, response.id, now=now)
    db.commit()
    return get(db, site, response_id)


# -- metrics -------------------------------------------------------------------------------------


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
            raise APIError(
                422,
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


def scale_of(survey: Survey) -> Scale:
    """The survey's answer scale (its own, or its kind's default)."""
    return Scale.of(survey.kind, survey.scale_min, survey.scale_max)


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
    db: Session, survey: Survey, label, since: datetime | None, until: datetime
) -> dict[str | None, dict[int, int]]:
    """Counts per (label, scale point) for the tags or the reasons of answers (``label`` is
    ``ResponseTag.tag`` or ``ResponseReason.reason``), and the answers without any as the ``None``
    group. An answer with two labels counts in both groups, so the groups may add up to more than
    ``n``.

    One aggregate in one pass: the answers' (survey, score, created_at) index picks the period,
    and each answer's labels are read from the (response_id, label) key alone, an answer without
    any joining as one NULL row.
    """
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
    survey = survey_of(db, site, q.survey)
    until = q.until or now or utcnow()
    since = q.since if q.since is not None else (_first_activity(db, survey) or until)
    if since > until:
        param = "until" if q.until else "since"
        raise APIError(
            422, "validation_failed", f"{param}: since must be before until.", param=param
        )

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
