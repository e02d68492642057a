"""Reminders of the monthly review (issue 23), sent by the worker.

- **An action's owner** gets one e-mail ``ACTION_REMINDER_DAYS`` (default 2) days before its due
  date, or at once when an action is made due sooner. It is sent once per due date
  (``actions.reminded_for``): moving the date gives a new reminder, a second worker or a second
  run gives none. Done and dropped actions, actions without an owner and actions already past
  their date are not reminded.
- **The site's admins** get one "review due" e-mail on the next review date of the site's latest
  review (``reviews.due_mailed_for``), and again only if the date is moved. A date more than
  ``REVIEW_DUE_GRACE`` days past (a worker that was down for weeks) is marked without a mail.

Each claim is an ``UPDATE … WHERE`` not yet sent for this date, committed with the queued
message, so two workers never send the same reminder and a rollback sends nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from collector import db as database
from collector import jobs, mail
from collector.models import Account, Action, Review, Site, Survey, utcnow
from collector.services import accounts, notices, reviews

#: A review date further back than this is not announced any more (only marked as handled).
REVIEW_DUE_GRACE = timedelta(days=7)


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


@jobs.periodic(jobs.crontab(minute="*/15"))
def send_action_reminders(now: datetime | None = None) -> int:
    """Every 15 minutes: one reminder per open action whose due date is near, to its owner."""
    db = database.session()
    today = (now or utcnow()).date()
    horizon = today + timedelta(days=current_app.config["ACTION_REMINDER_DAYS"])
    not_yet = or_(Action.reminded_for.is_(None), Action.reminded_for != Action.due_on)
    due = select(Action.id).where(
        Action.status == "open",
        Action.owner_id.is_not(None),
        Action.due_on >= today,
        Action.due_on <= horizon,
        not_yet,
    )
    sent = 0
    for action_id in list(db.scalars(due)):
        taken = db.execute(
            update(Action)
            .where(Action.id == action_id, Action.status == "open", not_yet)
            .values(reminded_for=Action.due_on)
        ).rowcount
        if not taken:
            db.rollback()
            continue
        action = db.get(Action, action_id)
        owner = db.get(Account, action.owner_id)
        site = db.get(Site, action.site_id)
        survey = db.get(Survey, action.survey_id) if action.survey_id else None
        mail.send_later(reminder_message(action, owner.email, site, survey, today), db=db)
        db.commit()
        sent += 1
    return sent


@jobs.periodic(jobs.crontab(minute="*/15"))
def send_review_due(now: datetime | None = None) -> int:
    """Every 15 minutes: a "review due" mail to the admins of each site whose latest review's
    next date has come."""
    db = database.session()
    today = (now or utcnow()).date()
    not_yet = or_(Review.due_mailed_for.is_(None), Review.due_mailed_for != Review.next_review_on)
    due = select(Review.id).where(Review.next_review_on <= today, not_yet)
    sent = 0
    for review_id in list(db.scalars(due)):
        taken = db.execute(
            update(Review)
            .where(Review.id == review_id, not_yet)
            .values(due_mailed_for=Review.next_review_on)
        ).rowcount
        if not taken:
            db.rollback()
            continue
        review = db.get(Review, review_id)
        site = db.get(Site, review.site_id)
        latest = reviews.latest_review(db, site)
        admins = accounts.admins_of(db, site)
        if latest.id != review.id or not admins or today - review.next_review_on > REVIEW_DUE_GRACE:
            db.commit()  # superseded by a newer review, nobody to tell, or long past: handled
            continue
        open_actions = reviews.all_actions(db, site, {"status": "open"})
        mail.send_later(review_due_message(review, site, admins, open_actions, today), db=db)
        db.commit()
        sent += 1
    return sent


def reminder_message(action, owner: str, site, survey, today: date) -> mail.Message:
    """The owner's reminder of one action."""
    days = (action.due_on - today).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    paragraphs = [f"“{action.title}” is due {when}, on {_day(action.due_on)}."]
    if survey is not None:
        paragraphs.append(f"It is about the survey “{survey.name}”.")
    paragraphs.append("Mark it done (or dropped) on the Actions page when it is settled.")
    return mail.compose(
        "notice",
        to=owner,
        subject=f"Due {when}: {action.title}",
        heading=f"Your action is due {when}",
        paragraphs=paragraphs,
        action_url=f"{notices.base_url()}/dashboard/actions",
        action_label="Open the actions",
        site_name=site.name,
    )


def review_due_message(review, site, admins: list[str], open_actions, today: date) -> mail.Message:
    """The admins' "review due" mail."""
    overdue = [a for a in open_actions if a.due_on < today]
    still = f"{len(open_actions)} action{'s are' if len(open_actions) != 1 else ' is'} still open"
    if overdue:
        still += f", {len(overdue)} past {'their' if len(overdue) != 1 else 'its'} date."
    else:
        still += "."
    paragraphs = [
        f"The team planned its next feedback review of {site.name} for "
        f"{_day(review.next_review_on)}.",
        still,
        "The Review page compares each survey with the period before and records the next two "
        "or three actions.",
    ]
    return mail.compose(
        "notice",
        to=admins,
        subject=f"Time for the feedback review of {site.name}",
        heading="Time for the feedback review",
        paragraphs=paragraphs,
        action_url=f"{notices.base_url()}/dashboard/review",
        action_label="Open the review",
        site_name=site.name,
    )
