"""Survey e-mail (DESIGN §12): the message of a link prompt, and the worker's job that sends it.

:func:`compose` renders the message: the survey's question in the person's language, the scale
as one-click score links (``/r/<token>?score=N``) in the site's accent, a text and an HTML part,
``List-Unsubscribe`` (the person's ``/u/<token>``) with ``List-Unsubscribe-Post`` (RFC 8058) and a
``Message-ID`` that stays the same when the message is sent again.

:func:`send` (a job: ``jobs.enqueue_after_commit(db, survey_mail.send, prompt_id)``) is the one
function that sends survey mail, and the one place that checks suppressions: an address that is
suppressed, or a person without one, is written down and not mailed. A row of ``survey_mails``
per (prompt, kind) makes a second send of one message impossible; a worker holds it while
sending (``leased_until``). A temporary SMTP failure is tried again on ``MAIL_RETRY_SCHEDULE``
through the job runner; a recipient the server refuses for good is suppressed as ``bounced``.
:func:`sweep` (every minute) enqueues again what a dead worker or a lost retry left behind.
"""

from __future__ import annotations

import logging
import random
import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector import db as database
from collector import jobs, mail
from collector.domain import contrast, survey_mail_texts, texts
from collector.domain.scales import Scale
from collector.models import Prompt, Site, Survey, SurveyMail, User, utcnow
from collector.services import notices, prompts, suppressions, triggers, unsubscribe

log = logging.getLogger(__name__)

#: A worker sending a message holds it this long; after that it is taken to have died.
LEASE = timedelta(minutes=5)
#: How a message ends; a job for one of these does nothing.
FINAL = ("sent", "bounced", "suppressed", "no_address", "failed")
DEFAULT_ACCENT = "#4f46e5"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def compose(
    site: Site, survey: Survey, prompt: Prompt, person: User, *, base: str, kind: str = "ask"
) -> mail.Message:
    """The survey e-mail of ``prompt`` to ``person`` (who has an address)."""
    # The widget's and the answer page's negotiation, over the texts the e-mail shows.
    locale = texts.negotiate(
        prompt.locale or person.locale,
        survey.question,
        site.default_locale,
        keys=texts.MAIL_SURFACE,
        survey_texts=survey.texts,
        site_texts=site.texts,
    )
    ui = locale
    shown = texts.strings(locale, survey.kind, texts.MAIL_SURFACE, survey.texts, site.texts)
    words = survey_mail_texts.words_of(shown)
    scale = Scale.of(survey.kind, survey.scale_min, survey.scale_max)
    low_label, high_label = shown["low_label"], shown["high_label"]
    link = triggers.link_url(base, prompt)
    points = [
        {
            "value": value,
            "href": f"{link}?score={value}",
            "label": texts.fill(words["score_label"], score=value, max=scale.max),
            "end": low_label if value == scale.min else high_label if value == scale.max else "",
        }
        for value in range(scale.min, scale.max + 1)
    ]
    unsubscribe_url = f"{base}/u/{unsubscribe.token(site.id, person.email, ui)}"
    accent = (site.theme or {}).get("accent")
    accent = accent.lower() if isinstance(accent, str) and _HEX.match(accent) else DEFAULT_ACCENT
    question = survey.question[locale]
    message = mail.compose(
        "survey",
        to=mail.address(person.email, person.name),
        subject=question,
        lang=ui,
        question=question,
        question_lang=locale,
        site_name=site.name,
        greeting=(
            texts.fill(words["greeting"], name=person.name)
            if person.name
            else words["greeting_anonymous"]
        ),
        hint=words["hint"],
        points=points,
        low_label=low_label,
        high_label=high_label,
        accent=accent,
        on_accent=contrast.ink_on(accent),
        why=texts.fill(words["why"], site=site.name),
        unsubscribe_label=words["unsubscribe"],
        unsubscribe_url=unsubscribe_url,
    )
    message.headers = {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    message.message_id = f"survey.{prompt.id}.{kind}"
    return message


#: Who the editor's preview is addressed to: nobody real, and no prompt is made.
PREVIEW_PERSON = ("Alex", "alex@example.com")


def preview(site: Site, survey: Survey, locale: str, *, base: str) -> mail.Message:
    """The e-mail ``survey`` (saved or not) would send a person who reads ``locale``: the same
    :func:`compose`, to a sample person, with a prompt that is never stored."""
    now = utcnow()
    prompt = Prompt(
        id="prm_preview",
        site_id=site.id,
        survey_id=survey.id,
        channel="link",
        locale=locale,
        created_at=now,
        expires_at=now + prompts.API_TTL["link"],
    )
    name, email = PREVIEW_PERSON
    person = User(site_id=site.id, user_id="preview", email=email, name=name, locale=locale)
    return compose(site, survey, prompt, person, base=base)


@jobs.job()
def send(prompt_id: str, kind: str = "ask") -> str:
    """Send the prompt's survey e-mail once; how it went (a ``survey_mails`` status, or
    ``closed``/``busy`` when there was nothing to do). Running it again is harmless: the row
    says how far the message got, and how many tries it had."""
    db = database.session()
    now = utcnow()
    claimed = _claim(db, prompt_id, kind, now)
    if isinstance(claimed, str):
        return claimed
    row_id, message, site_id = claimed
    try:
        sent = mail.send(message)
    except mail.TemporaryMailError as e:
        return _put_off(db, row_id, prompt_id, kind, str(e))
    except mail.PermanentMailError as e:
        return _refused(db, row_id, site_id, e, utcnow())
    row = db.get(SurveyMail, row_id)
    row.status, row.message_id, row.sent_at = "sent", sent.message_id, utcnow()
    row.leased_until, row.last_error = None, None
    db.commit()
    return "sent"


def _claim(db: Session, prompt_id: str, kind: str, now: datetime):
    """Take the message for this worker: ``(row id, message, site id)``, or a status string
    when there is nothing to send (ended, held by another worker, suppressed, no address)."""
    prompt = db.get(Prompt, prompt_id)
    if prompt is None or prompt.channel != "link":
        db.rollback()
        return "closed"
    row = db.scalar(
        select(SurveyMail)
        .where(SurveyMail.prompt_id == prompt_id, SurveyMail.kind == kind)
        .with_for_update()
    )
    if row is not None and row.status in FINAL:
        db.rollback()
        return row.status
    if row is not None and row.status == "sending" and row.leased_until > now:
        db.rollback()
        return "busy"
    if prompt.status not in prompts.OPEN or prompt.expires_at <= now:
        db.rollback()
        return "closed"  # answered (in the app, or by an earlier message) or expired
    if row is None:
        row = SurveyMail(
            prompt_id=prompt.id,
            site_id=prompt.site_id,
            survey_id=prompt.survey_id,
            kind=kind,
            attempts=0,
            created_at=now,
        )
        db.add(row)
    person = db.scalar(
        select(User).where(User.site_id == prompt.site_id, User.user_id == prompt.user_id)
    )
    row.email = person.email if person is not None else None
    if row.email is None:
        row.status = "no_address"
    elif suppressions.suppressed(db, prompt.site_id, row.email) is not None:
        row.status = "suppressed"
    else:
        row.status, row.leased_until = "sending", now + LEASE
        row.attempts += 1
    site, survey = db.get(Site, prompt.site_id), db.get(Survey, prompt.survey_id)
    message = None
    if row.status == "sending":
        message = compose(site, survey, prompt, person, base=notices.base_url(), kind=kind)
    status = row.status
    try:
        db.commit()
    except IntegrityError:  # another worker made the row first: it is theirs
        db.rollback()
        return "busy"
    if message is None:
        return status
    return row.id, message, site.id


def _put_off(db: Session, row_id: int, prompt_id: str, kind: str, error: str) -> str:
    schedule = current_app.config["MAIL_RETRY_SCHEDULE"]
    row = db.get(SurveyMail, row_id)
    row.last_error = error[:2000]
    if row.attempts > len(schedule):
        log.error("Survey mail %s given up after %d tries: %s", prompt_id, row.attempts, error)
        row.status, row.leased_until = "failed", None
        db.commit()
        return "failed"
    delay = schedule[row.attempts - 1] * random.uniform(0.8, 1.2)  # retries do not bunch up
    # By then the retry should have started; the sweep enqueues it again if it has not.
    row.status, row.leased_until = "retry", utcnow() + timedelta(seconds=delay) + LEASE
    jobs.enqueue_after_commit(db, send, prompt_id, kind, delay=delay)
    db.commit()
    log.warning("Survey mail %s put off (%s); again in %.0f s", prompt_id, error, delay)
    return "retry"


@jobs.periodic(jobs.crontab(minute="*"))
def sweep() -> int:
    """Enqueue again the messages whose worker died while sending, or whose retry never came
    (the queue lost it); how many. A message is claimed before it is sent, so an enqueue too
    many sends nothing twice."""
    db = database.session()
    lost = list(
        db.execute(
            select(SurveyMail.prompt_id, SurveyMail.kind)
            .where(SurveyMail.status.in_(("sending", "retry")), SurveyMail.leased_until < utcnow())
            .limit(1000)
        )
    )
    db.rollback()
    for prompt_id, kind in lost:
        jobs.enqueue(send, prompt_id, kind)
    if lost:
        log.warning("Survey mail sweep: %d messages enqueued again", len(lost))
    return len(lost)


def _refused(db: Session, row_id: int, site_id: str, error: mail.PermanentMailError, now):
    row = db.get(SurveyMail, row_id)
    row.leased_until = None
    answer = next(iter(error.refused.values()), None)
    if answer is not None:
        # The server refused the address itself: never mail it again.
        suppressions.add(db, site_id, row.email, "bounced", now, detail=answer[:2000])
        row.status, row.last_error = "bounced", answer[:2000]
    else:
        row.status, row.last_error = "failed", str(error)[:2000]
    db.commit()
    log.error("Survey mail to %s refused: %s", row.email, row.last_error)
    return row.status
