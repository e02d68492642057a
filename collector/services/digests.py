"""The e-mail digest of a dashboard account (DESIGN §11): opt-in, and what one period says.

The figures come from :func:`collector.services.metrics.compute`, the function behind
``/v1/metrics`` and the dashboard, called for the digest's period and the one before it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from collector.dashboard import inbox
from collector.domain import comparison, digests, messages
from collector.domain.problems import Invalid
from collector.models import Account, AccountDigest, Membership, Response, Site, Survey, utcnow
from collector.services import metrics, notices, results

MAX_LOW_COMMENTS = 10
MAX_FOLLOWUPS = 20
PREVIOUS = {"daily": "previous day", "weekly": "previous week"}


def settings(db: Session, account: Account) -> AccountDigest | None:
    return db.get(AccountDigest, account.id)


def subscribe(
    db: Session,
    account: Account,
    *,
    frequency: str,
    weekday: int,
    hour: int,
    tz: str,
    now: datetime | None = None,
) -> AccountDigest:
    """Opt in (or change the schedule): the next digest covers the latest period due after now."""
    if frequency not in digests.FREQUENCIES:
        raise Invalid("validation_failed", "frequency: daily or weekly.", param="frequency")
    if not 0 <= weekday <= 6:
        raise Invalid("validation_failed", "weekday: 0 (Monday) to 6.", param="weekday")
    if not 0 <= hour <= 23:
        raise Invalid("validation_failed", "hour: 0 to 23.", param="hour")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            "validation_failed", "tz: Not a time zone such as Europe/Helsinki.", param="tz"
        ) from None
    row = db.get(AccountDigest, account.id)
    if row is None:
        row = AccountDigest(account_id=account.id)
        db.add(row)
    row.frequency, row.weekday, row.hour, row.tz = frequency, weekday, hour, tz
    # The first digest is the next one on the schedule, not the period that just ended.
    latest = digests.latest_period(
        frequency, weekday=weekday, hour=hour, tz=ZoneInfo(tz), now=now or utcnow()
    )
    row.last_period_end = latest.until if latest else None
    db.commit()
    return row


def unsubscribe(db: Session, account: Account) -> None:
    row = db.get(AccountDigest, account.id)
    if row is not None:
        db.delete(row)
        db.commit()


def _low_band_match(surveys: list[Survey]):
    # The low band is the survey's own scale's (a CES 1–5 survey's "difficult" is 1–2).
    by_scale: dict = {}
    for survey in surveys:
        by_scale.setdefault(results.scale_of(survey), []).append(survey.id)
    matches = [
        and_(Response.survey_id.in_(ids), Response.score <= scale.bands["low"][1])
        for scale, ids in by_scale.items()
    ]
    return or_(*matches) if matches else false()


def build(
    db: Session, account: Account, frequency: str, period: digests.Period
) -> list[messages.Digest]:
    """What ``account``'s digest says about ``period``: one section per site it is on (by
    name), all in one e-mail."""
    from collector.services import accounts

    return [
        build_site(db, account, site, frequency, period)
        for site, _role in accounts.sites_of(db, account)
    ]


def _compared(survey: Survey, then: dict, now: dict) -> comparison.Comparison:
    """The period against the one before, from the two metrics' distributions."""

    def counts(m: dict) -> dict[int, int]:
        return {int(point): n for point, n in m["distribution"].items()}

    return comparison.compare(survey.kind, counts(then), counts(now), results.scale_of(survey))


def build_site(
    db: Session, account: Account, site: Site, frequency: str, period: digests.Period
) -> messages.Digest:
    """What ``account``'s digest says about ``site`` in ``period``."""
    surveys = list(
        db.scalars(
            select(Survey)
            .where(Survey.site_id == site.id, Survey.archived_at.is_(None))
            .order_by(Survey.created_at, Survey.id)
        )
    )
    by_id = {s.id: s for s in surveys}
    previous = PREVIOUS[frequency]
    before = period.previous()
    figures = []
    for survey in surveys:
        now = metrics.compute(db, site, _query(survey, period))
        then = metrics.compute(db, site, _query(survey, before))
        figures.append(
            messages.SurveyFigures(
                name=survey.name,
                score=notices.score_text(survey.kind, now["score"]),
                interval=notices.interval_text(survey.kind, now["ci95"]),
                change=notices.change_text(survey.kind, now["score"], then["score"], previous)
                + notices.verdict_text(_compared(survey, then, now).score),
                n=now["n"],
                response_rate=notices.rate_text(now["response_rate"]),
                low_n=now["low_n"],
            )
        )

    in_period = [
        Response.site_id == site.id,
        Response.created_at >= period.since,
        Response.created_at < period.until,
        Response.comment.is_not(None),
        func.trim(Response.comment) != "",
        _low_band_match(surveys),
    ]
    low = list(
        db.scalars(
            select(Response)
            .where(*in_period)
            .order_by(Response.created_at.desc(), Response.id.desc())
            .limit(MAX_LOW_COMMENTS)
        )
    )
    low_total = db.scalar(select(func.count()).select_from(Response).where(*in_period))

    assigned = list(
        db.scalars(
            select(Response)
            .where(
                Response.site_id == site.id,
                func.lower(Response.followup_owner) == account.email.lower(),
                Response.followup_status != "closed",
                Response.survey_id.in_(list(by_id)),
            )
            .order_by(Response.created_at.desc(), Response.id.desc())
            .limit(MAX_FOLLOWUPS)
        )
    )
    followups = []
    for r in assigned:
        shown = notices.answer(r, by_id[r.survey_id], period.tz)
        followups.append(
            messages.Followup(
                link=shown.link,
                survey=shown.survey,
                score_text=shown.score_text,
                band=shown.band,
                status=inbox.STATUS_WORDS.get(r.followup_status, r.followup_status),
                comment=r.comment,
                note=r.followup_note,
            )
        )

    base = notices.base_url()
    return messages.Digest(
        site=site.name,
        account=account.email,
        frequency=frequency,
        period=period.label(),
        surveys=figures,
        low_comments=[notices.answer(r, by_id[r.survey_id], period.tz) for r in low],
        more_low_comments=max(0, low_total - len(low)),
        followups=followups,
        dashboard_link=f"{base}/dashboard/responses?order=low_first&site={site.id}",
        settings_link=f"{base}/dashboard/connections",
        previous=previous,
    )


def _query(survey: Survey, period: digests.Period) -> metrics.MetricsQuery:
    return metrics.MetricsQuery(
        survey=survey.id, since=period.since, until=period.until, tz=period.tz
    )


def due(db: Session, now: datetime) -> list[tuple[Account, AccountDigest, digests.Period]]:
    """Every opted-in account whose digest is due at ``now``, with its period."""
    out = []
    # Only while the account is on the team of a site: removed from every one, it gets none.
    member = select(Membership.account_id).where(Membership.account_id == Account.id).exists()
    rows = db.execute(select(Account, AccountDigest).join(AccountDigest).where(member)).all()
    for account, row in rows:
        period = digests.due(
            row.frequency,
            weekday=row.weekday,
            hour=row.hour,
            tz=ZoneInfo(row.tz),
            now=now,
            last_period_end=row.last_period_end,
        )
        if period is not None:
            out.append((account, row, period))
    return out
