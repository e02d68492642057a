"""Alerts and digests on the worker (DESIGN §11).

- **Instant alerts**: every response event (``response.created``, ``response.updated``) of a
  site with active instant alerts schedules one ``send_alert(alert, response)`` per alert, at
  the end of the grace period that starts with the score (``ALERT_GRACE_SECONDS``, 2 minutes):
  the comment that usually follows the score is then in the message. The filter is read at send
  time, on the response as it is then.
- **Never two alerts for one response**: before anything is sent the task claims the pair in
  ``alert_sends`` (unique ``alert_id, response_id``) in its own committed transaction; whoever
  loses the race (a second event, a second worker, a retry) sends nothing. A send that failed
  before the receiver could have seen it is tried again on ``ALERT_RETRY_SCHEDULE``; a timeout
  after the request went out is not (Slack could have posted it), and neither is a refusal.
- **A send interrupted by a dying worker** stays ``sending`` past its lease
  (``ALERT_SEND_LEASE``); the sweep (every minute) tries it again as the next try of the retry
  schedule. At least once: the alert is not lost; the price is a second message when the worker
  died after the receiver took the message and before the worker wrote it down (an e-mail
  alert is then the same message again, with the same ``Message-ID``).
- **Digest alerts** (``digest: daily | weekly``) gather the matching answers into one message at
  ``DIGEST_HOUR`` UTC (weekly ones on Mondays).
- **Account digests**: every few minutes the accounts whose digest is due in their own time
  zone get it; the period is claimed (``last_period_end``) before the mail is handed to the
  mail queue, so two workers never send one period twice.
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector import db as database
from collector import jobs, mail, outbound, outbox
from collector.domain import alerts as rules
from collector.domain import digests as schedule
from collector.domain import messages
from collector.domain.problems import UpstreamFailed
from collector.models import (
    AccountDigest,
    AlertRule,
    AlertSend,
    Response,
    Site,
    Survey,
    utcnow,
)
from collector.services import digests, notices

log = logging.getLogger(__name__)

UTC_ZONE = ZoneInfo("UTC")
RESPONSE_EVENTS = ("response.created", "response.updated")


# -- instant alerts ------------------------------------------------------------------------------


@outbox.consumer
def schedule_alerts(db: Session, event) -> None:
    """Schedule one send per active instant alert of the event's site."""
    if event.type not in RESPONSE_EVENTS:
        return
    alert_ids = list(
        db.scalars(
            select(AlertRule.id).where(
                AlertRule.site_id == event.site_id,
                AlertRule.active.is_(True),
                AlertRule.digest.is_(None),
            )
        )
    )
    if not alert_ids:
        return
    response = db.get(Response, event.subject_id)
    if response is None:
        return
    grace = timedelta(seconds=current_app.config["ALERT_GRACE_SECONDS"])
    wait = max(0.0, (response.created_at + grace - utcnow()).total_seconds())
    already = set(
        db.scalars(
            select(AlertSend.alert_id).where(
                AlertSend.response_id == response.id, AlertSend.alert_id.in_(alert_ids)
            )
        )
    )
    for alert_id in alert_ids:
        if alert_id not in already:
            jobs.enqueue_after_commit(db, send_alert, alert_id, response.id, delay=wait or None)


@dataclass(frozen=True)
class _Claim:
    id: int
    attempts: int


def _claim(db: Session, alert_id: str, response_id: str) -> _Claim | None:
    """The send, now ours (``sending``), committed; ``None`` when another has it or it is done."""
    lease = utcnow() + timedelta(seconds=current_app.config["ALERT_SEND_LEASE"])
    try:
        row = AlertSend(
            alert_id=alert_id,
            response_id=response_id,
            status="sending",
            attempts=1,
            leased_until=lease,
        )
        db.add(row)
        db.commit()
        return _Claim(row.id, 1)
    except IntegrityError:
        db.rollback()
    row = db.execute(
        select(AlertSend.id, AlertSend.status, AlertSend.attempts).where(
            AlertSend.alert_id == alert_id, AlertSend.response_id == response_id
        )
    ).one_or_none()
    if row is None or row.status != "retry":
        db.rollback()
        return None
    taken = db.execute(
        update(AlertSend)
        .where(AlertSend.id == row.id, AlertSend.status == "retry")
        .values(status="sending", attempts=row.attempts + 1, leased_until=lease)
    ).rowcount
    db.commit()
    return _Claim(row.id, row.attempts + 1) if taken else None


@dataclass(frozen=True)
class _Target:
    """Where and what to send, as plain values: nothing is read from the database while the
    collector waits for Slack or the mail server (on SQLite a transaction is the write lock)."""

    channel: str
    target: str
    site: str


@jobs.job()
def send_alert(alert_id: str, response_id: str) -> str:
    """Send one alert about one response, once; what happened (for logs and tests)."""
    db = database.session()
    rule = db.get(AlertRule, alert_id)
    response = db.get(Response, response_id)
    if rule is None or response is None or rule.site_id != response.site_id:
        db.rollback()
        return "gone"
    if not rule.active or rule.digest is not None:
        db.rollback()
        return "off"
    survey = db.get(Survey, response.survey_id)
    if not rules.matches(
        rule.filter, survey=survey.id, score=response.score, comment=response.comment
    ):
        db.rollback()
        return "filtered"
    where = _Target(rule.channel, rule.target, db.get(Site, rule.site_id).name)
    answer = notices.answer(response, survey, UTC_ZONE)
    claim = _claim(db, alert_id, response_id)
    if claim is None:
        return "already"
    try:
        # Sent again after an interrupted try, an e-mail is the same message (same Message-ID).
        _deliver(where, answer, message_id=_message_id(alert_id, response_id))
    except _Retry as e:
        return _failed(db, alert_id, response_id, claim, str(e), retry=True)
    except (_Refused, outbound.OutboundRefused) as e:
        return _failed(db, alert_id, response_id, claim, str(e), retry=False)
    _record(db, claim, status="sent", sent_at=utcnow(), last_error=None, leased_until=None)
    db.commit()
    return "sent"


def _message_id(alert_id: str, response_id: str) -> str:
    """The same for every try of one alert about one response; short enough that the header
    is not folded."""
    return "alert." + hashlib.sha256(f"{alert_id}/{response_id}".encode()).hexdigest()[:32]


def _record(db: Session, claim: _Claim, **values) -> None:
    db.execute(update(AlertSend).where(AlertSend.id == claim.id).values(**values))


class _Retry(Exception):
    """The receiver did not get it; trying again is safe."""


class _Refused(Exception):
    """Trying again would not help, or could send it twice."""


def _deliver(where: _Target, answer: messages.Answer, *, message_id: str | None = None) -> None:
    if where.channel == "slack":
        _post_to_slack(where.target, messages.slack_message(answer, site=where.site))
    else:
        email = messages.alert_email(
            answer, site=where.site, manage_link=f"{notices.base_url()}/dashboard/connections"
        )
        _mail(rules.email_addresses(where.target), email, message_id=message_id)


def _post_to_slack(url: str, body: dict) -> None:
    try:
        outbound.post_json(url, body)
    except outbound.PostFailed as e:
        raise (_Retry if e.retry else _Refused)(str(e)) from None


def _mail(to: list[str], email: messages.Email, *, message_id: str | None = None) -> None:
    try:
        mail.send(
            mail.Message(
                to=to,
                subject=email.subject,
                text=email.text,
                html=email.html,
                message_id=message_id,
            )
        )
    except mail.TemporaryMailError as e:
        raise _Retry(str(e)) from None
    except mail.PermanentMailError as e:
        raise _Refused(str(e)) from None


def _failed(
    db: Session, alert_id: str, response_id: str, claim: _Claim, why: str, *, retry: bool
) -> str:
    delays = current_app.config["ALERT_RETRY_SCHEDULE"]
    if retry and claim.attempts <= len(delays):
        _record(db, claim, status="retry", last_error=why, leased_until=None)
        delay = delays[claim.attempts - 1] * random.uniform(0.8, 1.2)  # retries do not bunch up
        jobs.enqueue_after_commit(db, send_alert, alert_id, response_id, delay=delay)
        db.commit()
        log.warning(
            "Alert %s about %s failed (%s); again in %.0f s", alert_id, response_id, why, delay
        )
        return "retrying"
    _record(db, claim, status="failed", last_error=why, leased_until=None)
    db.commit()
    log.error("Alert %s about %s failed: %s", alert_id, response_id, why)
    return "failed"


INTERRUPTED = "interrupted: the worker stopped while sending"


@jobs.periodic(jobs.crontab(minute="*"))
def sweep_alert_sends() -> int:
    """Every minute: sends still ``sending`` past their lease were interrupted (the worker died
    or was killed mid-send); each is tried again as the next try of the retry schedule, or
    ``failed`` when none is left. How many were taken up."""
    db = database.session()
    now = utcnow()
    lease = timedelta(seconds=current_app.config["ALERT_SEND_LEASE"])
    stuck = db.execute(
        select(AlertSend.id, AlertSend.alert_id, AlertSend.response_id, AlertSend.attempts)
        .where(
            AlertSend.status == "sending",
            or_(
                AlertSend.leased_until < now,
                # claimed before sends had a lease
                and_(AlertSend.leased_until.is_(None), AlertSend.created_at < now - lease),
            ),
        )
        .limit(1000)
    ).all()
    delays = current_app.config["ALERT_RETRY_SCHEDULE"]
    taken = 0
    for row in stuck:
        again = row.attempts <= len(delays)
        # Only a send that is still stuck: a worker that finished meanwhile wrote its outcome.
        changed = db.execute(
            update(AlertSend)
            .where(AlertSend.id == row.id, AlertSend.status == "sending")
            .where(or_(AlertSend.leased_until < now, AlertSend.leased_until.is_(None)))
            .values(
                status="retry" if again else "failed",
                last_error=INTERRUPTED,
                leased_until=None,
            )
        ).rowcount
        if not changed:
            continue
        taken += 1
        if again:
            jobs.enqueue_after_commit(db, send_alert, row.alert_id, row.response_id)
        log.warning(
            "Alert %s about %s was interrupted while sending; %s",
            row.alert_id,
            row.response_id,
            "trying again" if again else "no tries left",
        )
    db.commit()
    return taken


def send_test(channel: str, target: str, site: str) -> None:
    """Send a sample alert to ``target`` now; raises ``UpstreamFailed`` saying why not."""
    sample = messages.Answer(
        response_id="test",
        survey="A test from Fiilis",
        kind="nps",
        score=2,
        scale=(0, 10),
        band="Detractor",
        band_key="low",
        comment="This is a test alert: real ones look like this.",
        user_id="test-user",
        page=None,
        traits={"plan": "example"},
        when=notices.when(utcnow(), UTC_ZONE),
        link=f"{notices.base_url()}/dashboard/connections",
    )
    try:
        _deliver(_Target(channel, target, site), sample)
    except (_Retry, _Refused, outbound.OutboundRefused) as e:
        where = "Slack" if channel == "slack" else "The mail server"
        raise UpstreamFailed("test_failed", f"{where}: {e}") from None


# -- digest alerts -------------------------------------------------------------------------------


@jobs.periodic(jobs.crontab(minute="0"))
def send_digest_alerts(now: datetime | None = None) -> int:
    """Every hour: the digest alerts due at this hour (``DIGEST_HOUR`` UTC; Mondays for weekly)."""
    db = database.session()
    now = now or utcnow()
    hour = current_app.config["DIGEST_HOUR"]
    sent = 0
    for frequency in ("daily", "weekly"):
        period = schedule.latest_period(frequency, weekday=0, hour=hour, tz=UTC_ZONE, now=now)
        if period is None:
            continue
        due = list(
            db.scalars(
                select(AlertRule.id).where(
                    AlertRule.digest == frequency,
                    AlertRule.active.is_(True),
                    or_(AlertRule.digest_since.is_(None), AlertRule.digest_since < period.until),
                )
            )
        )
        for alert_id in due:
            sent += _send_digest_alert(db, alert_id, period)
    return sent


def _send_digest_alert(db: Session, alert_id: str, period: schedule.Period) -> int:
    rule = db.get(AlertRule, alert_id)
    since = rule.digest_since or period.since
    site = db.get(Site, rule.site_id)
    surveys = {s.id: s for s in db.scalars(select(Survey).where(Survey.site_id == site.id))}
    stmt = select(Response).where(
        Response.site_id == site.id,
        Response.created_at >= since,
        Response.created_at < period.until,
    )
    shown = [
        notices.answer(r, surveys[r.survey_id], UTC_ZONE)
        for r in db.scalars(stmt.order_by(Response.created_at.desc(), Response.id.desc()))
        if rules.matches(rule.filter, survey=r.survey_id, score=r.score, comment=r.comment)
    ]
    where = _Target(rule.channel, rule.target, site.name)
    word = "Daily" if rule.digest == "daily" else "Weekly"
    # Claim the period before sending: a second worker's update finds nothing left to change.
    taken = db.execute(
        update(AlertRule)
        .where(
            AlertRule.id == alert_id,
            or_(AlertRule.digest_since.is_(None), AlertRule.digest_since < period.until),
        )
        .values(digest_since=period.until)
    ).rowcount
    db.commit()
    if not taken or not shown:
        return 0
    keep, more = messages.MAX_DIGEST_ANSWERS, max(0, len(shown) - messages.MAX_DIGEST_ANSWERS)
    title = f"{word} alert digest, {period.label()}"
    link = f"{notices.base_url()}/dashboard/responses"
    try:
        if where.channel == "slack":
            body = messages.slack_digest(
                shown[:keep], site=where.site, title=title, more=more, link=link
            )
            _post_to_slack(where.target, body)
        else:
            email = messages.alert_digest_email(
                shown[:keep],
                site=where.site,
                title=title,
                more=more,
                link=link,
                manage_link=f"{notices.base_url()}/dashboard/connections",
            )
            _mail(rules.email_addresses(where.target), email)
    except (_Retry, _Refused, outbound.OutboundRefused) as e:
        log.error("Digest alert %s for %s not sent: %s", alert_id, period.label(), e)
        return 0
    return 1


# -- account digests -----------------------------------------------------------------------------


@jobs.periodic(jobs.crontab(minute="*/5"))
def send_account_digests(now: datetime | None = None) -> int:
    """Every five minutes: the account digests due now, each period once."""
    db = database.session()
    now = now or utcnow()
    sent = 0
    for account, row, period in digests.due(db, now):
        taken = db.execute(
            update(AccountDigest)
            .where(
                AccountDigest.account_id == account.id,
                or_(
                    AccountDigest.last_period_end.is_(None),
                    AccountDigest.last_period_end < period.until,
                ),
            )
            .values(last_period_end=period.until)
        ).rowcount
        if not taken:
            db.rollback()
            continue
        content = messages.digest_email(digests.build(db, account, row.frequency, period))
        mail.send_later(
            mail.Message(
                to=[account.email], subject=content.subject, text=content.text, html=content.html
            ),
            db=db,
        )
        db.commit()
        sent += 1
    return sent


__all__ = [
    "schedule_alerts",
    "send_account_digests",
    "send_alert",
    "send_digest_alerts",
    "sweep_alert_sends",
]
