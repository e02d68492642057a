"""The scheduled surveys' worker job (DESIGN §13 ``schedule``, §10, §12).

Every five minutes :func:`run_schedules` opens the asks that are due (``services.schedules``:
one prompt per person and turn, unique in the database) and hands their mails to the survey
mailer (``services.survey_mail.send``, after the commit: it checks suppressions, sends once per
prompt and kind, retries and records bounces). It also moves the ``widget_then_email`` asks whose
time in the app is over to e-mail (unless the person saw the prompt in the app), queues the
reminders that are due, and hands over again any mail whose enqueue was lost (a process killed
between its commit and the enqueue). Mails are handed over only inside the send window.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update

from collector import db as database
from collector import jobs
from collector.domain import schedule as rules
from collector.models import Prompt, Survey, utcnow
from collector.services import prompts, schedules, survey_mail

log = logging.getLogger(__name__)


@jobs.periodic(jobs.crontab(minute="*/5"))
def run_schedules(now: datetime | None = None) -> dict:
    """Every five minutes: open the asks that are due and move the mails along."""
    now = now or utcnow()
    db = database.session()
    opened = 0
    for scheduled in schedules.scheduled_surveys(db):
        if schedules.running(scheduled, now):
            opened += open_due(db, scheduled, now)
    moved = _to_mail(db, now)
    reminded = _reminders(db, now)
    lost = schedules.stalled(db, utcnow())
    for prompt_id, kind in lost:
        jobs.enqueue_after_commit(db, survey_mail.send, prompt_id, kind)
    db.commit()
    requeued = len(lost)
    return {"opened": opened, "mailed": moved, "reminders": reminded, "requeued": requeued}


#: Asks opened per transaction: a commit is a round trip and a flush to disk, so the first run of a
#: schedule over a large site commits in batches; a short one still holds SQLite's write lock for
#: only a moment (the widget's answers wait for it).
BATCH = 50


def open_due(db, scheduled: schedules.Scheduled, now: datetime) -> int:
    """Open every ask of this survey that is due now, ``BATCH`` to a transaction (each in its own
    savepoint, so one another worker opened first is skipped alone); the number opened. A crash
    loses at most the batch under way, asked again by the next run."""
    people = schedules.candidates(db, scheduled, now, only_in_window=True)
    db.commit()  # read done
    opened = 0
    for candidate, verdict in schedules.due(scheduled, people, now):
        ask = schedules.open_ask(db, scheduled, candidate, verdict.turn, now)
        if ask is None:
            continue  # another worker opened this turn first
        if ask.mail_status == "queued":
            jobs.enqueue_after_commit(db, survey_mail.send, ask.prompt_id, "ask")
        opened += 1
        if opened % BATCH == 0:
            db.commit()
    db.commit()
    return opened


def _to_mail(db, now: datetime) -> int:
    """``widget_then_email``: an ask the person did not see in the app goes by e-mail now."""
    moved = 0
    for ask in schedules.waiting_in_app(db, now):
        survey = db.get(Survey, ask.survey_id)
        found = schedules.scheduled(db, survey) if survey is not None else None
        if found is None:
            continue
        if not rules.in_window(found.schedule, schedules.person_zone(db, ask, found.schedule), now):
            continue
        if not ask.email:
            ask.mail_status = "no_email"
            db.commit()
            continue
        # Only a prompt nobody saw moves: the page view that shows it in the meantime wins.
        taken = db.execute(
            update(Prompt)
            .where(
                Prompt.id == ask.prompt_id,
                Prompt.channel == "widget",
                Prompt.status == "pending",
                Prompt.shown_at.is_(None),
            )
            # An e-mail ask counts as shown: the site's cooldown holds for every survey (§6).
            .values(channel="link", expires_at=now + schedules.LINK_TTL, shown_at=now)
        ).rowcount
        if taken:
            schedules.queued(ask, found.schedule, now)
            jobs.enqueue_after_commit(db, survey_mail.send, ask.prompt_id, "ask")
            moved += 1
        else:
            ask.mail_status = "in_app"
        db.commit()
    return moved


def _reminders(db, now: datetime) -> int:
    """One reminder, inside the window, to those whose mail went out and who did not answer."""
    queued = 0
    for ask in schedules.reminders_due(db, now):
        prompt = db.get(Prompt, ask.prompt_id)
        survey = db.get(Survey, ask.survey_id)
        found = schedules.scheduled(db, survey) if survey is not None else None
        if prompt is None or found is None or prompt.status not in prompts.OPEN:
            ask.reminder_status = "skipped"  # answered, closed, or the schedule is gone
        elif schedules.mail_status(db, ask) != "sent":
            ask.reminder_status = "skipped"  # bounced, suppressed, failed: no second try
        elif prompt.expires_at <= now + timedelta(days=1):
            ask.reminder_status = "skipped"  # the link would close before it is read
        elif not rules.in_window(
            found.schedule, schedules.person_zone(db, ask, found.schedule), now
        ):
            continue
        else:
            ask.reminder_status, ask.remind_after = "queued", now
            ask.leased_until = utcnow() + schedules.REQUEUE_AFTER
            jobs.enqueue_after_commit(db, survey_mail.send, ask.prompt_id, "reminder")
            queued += 1
        db.commit()
    return queued
