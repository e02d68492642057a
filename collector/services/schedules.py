"""Scheduled surveys (DESIGN §13 ``schedule``): the people of a survey as the scheduler sees
them, the asks it opens, and what the Sends view counts.

Who is due is decided in ``collector.domain.schedule`` (pure); this module reads the state it
needs in a few set-wide queries (not one per person), and opens each ask in its own transaction:
the prompt and its ``survey_asks`` row together, unique on (survey, person, turn), so that two
workers, or a run killed halfway and run again, never ask a person twice in a turn. The mail is
enqueued only once that transaction committed (``collector/schedule.py`` sends it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector.domain import eligibility, keys, sampling, texts
from collector.domain import schedule as rules
from collector.models import (
    Prompt,
    Site,
    Suppression,
    Survey,
    SurveyAsk,
    SurveyMail,
    User,
    utcnow,
)
from collector.services.prompts import API_TTL, OPEN

#: How long an e-mailed prompt stays open (its link works), as for any e-mail link.
LINK_TTL = API_TTL["link"]
#: A mail queued this long ago (by the wall clock) and still not sent is queued again: its
#: enqueue was lost (a process killed between commit and enqueue).
REQUEUE_AFTER = timedelta(minutes=10)
#: A ``widget_then_email`` prompt stays in the app a little past its ``widget_days``, until the
#: window lets the mail go (a weekend in between).
WIDGET_GRACE = timedelta(days=4)


@dataclass(frozen=True)
class Scheduled:
    """A survey with a schedule, ready for the rules."""

    survey: Survey
    site: Site
    schedule: rules.Schedule

    @property
    def since(self) -> datetime:
        return self.survey.schedule_since or self.survey.created_at


@dataclass(frozen=True)
class Candidate:
    """One person of a scheduled survey: the rules' view, plus what an ask needs."""

    person: rules.Person
    first: date
    position: float
    locale: str | None
    traits: dict


def scheduled_surveys(db: Session) -> list[Scheduled]:
    """Every live survey with a schedule, on every site."""
    stmt = (
        select(Survey, Site)
        .join(Site, Site.id == Survey.site_id)
        .where(Survey.schedule.is_not(None), Survey.archived_at.is_(None), Survey.active.is_(True))
        .order_by(Survey.created_at, Survey.id)
    )
    found = []
    for survey, site in db.execute(stmt):
        if not survey.schedule:  # JSON null
            continue
        try:
            found.append(Scheduled(survey, site, rules.Schedule.from_dict(survey.schedule)))
        except (rules.ScheduleError, KeyError, TypeError, ValueError):
            continue  # stored before a rule tightened: the API refuses such a schedule now
    return found


def scheduled(db: Session, survey: Survey) -> Scheduled | None:
    if not survey.schedule:
        return None
    site = db.get(Site, survey.site_id)
    return Scheduled(survey, site, rules.Schedule.from_dict(survey.schedule))


def running(scheduled_: Scheduled, now: datetime) -> bool:
    """Within the survey's running dates (``starts_at``, ``ends_at``), if it has them."""
    survey = scheduled_.survey
    if survey.starts_at is not None and now < survey.starts_at:
        return False
    return survey.ends_at is None or now < survey.ends_at


def candidates(
    db: Session, scheduled_: Scheduled, now: datetime, *, only_in_window: bool = False
) -> list[Candidate]:
    """The survey's people with what the rules need: for ``email`` those with an address, for
    ``widget_then_email`` everyone identified (anonymous visitors are never scheduled). The
    survey's targeting and sample rate choose among them as for any backend trigger."""
    survey, site, schedule = scheduled_.survey, scheduled_.site, scheduled_.schedule
    if only_in_window and not any(
        rules.in_window(schedule, tz, now) for tz in zones(db, scheduled_)
    ):
        return []  # nobody's window is open: nobody can be asked, nothing to read
    people = select(User.user_id, User.email, User.traits, User.created_at, User.locale).where(
        User.site_id == site.id, ~User.user_id.startswith("anon:")
    )
    if schedule.channel == "email":
        people = people.where(User.email.is_not(None))
    rows = db.execute(people).all()
    targeting = [eligibility.Rule.from_dict(r) for r in survey.targeting or ()]
    if targeting or survey.sample_rate < 1:
        rows = [
            r
            for r in rows
            if all(rule.matches(r.traits or {}) for rule in targeting)
            and sampling.in_sample(survey.id, r.user_id, survey.sample_rate)
        ]
    suppressed = set(db.scalars(select(Suppression.email).where(Suppression.site_id == site.id)))
    mine = _survey_history(db, survey, now)
    shown = _shown_on_site(db, site, now)
    asked = _last_asks(db, survey)
    firsts = {r.user_id: rules.first_day(schedule, scheduled_.since, r.created_at) for r in rows}
    placed = rules.positions(survey.id, firsts.items())
    found = []
    for r in rows:
        history = mine.get(r.user_id)
        last = asked.get(r.user_id)
        person = rules.Person(
            user_id=r.user_id,
            created_at=r.created_at,
            email=r.email,
            tz=rules.person_zone(r.traits, schedule.tz),
            suppressed=r.email in suppressed if r.email else False,
            last_turn=last.turn if last else None,
            last_asked_at=last.asked if last else None,
            last_answered_at=history.answered if history else None,
            last_dismissed_at=history.dismissed if history else None,
            last_shown_at_any=shown.get(r.user_id),
            open_prompt=bool(history and history.open),
        )
        found.append(Candidate(person, firsts[r.user_id], placed[r.user_id], r.locale, r.traits))
    return found


def zones(db: Session, scheduled_: Scheduled) -> set[str]:
    """The survey's zone and every valid zone the site's people name in their traits."""
    found = {scheduled_.schedule.tz}
    for trait in rules.TZ_TRAITS:
        named = User.traits[trait].as_string()
        stmt = select(named).where(User.site_id == scheduled_.site.id, named.is_not(None))
        for value in db.scalars(stmt.distinct()):
            found.add(rules.person_zone({trait: value}, scheduled_.schedule.tz))
    return found


def _survey_history(db: Session, survey: Survey, now: datetime) -> dict:
    is_open = and_(Prompt.status.in_(OPEN), Prompt.expires_at > now)
    stmt = (
        select(
            Prompt.user_id,
            func.max(Prompt.answered_at).label("answered"),
            func.max(Prompt.dismissed_at).label("dismissed"),
            func.max(case((is_open, 1), else_=0)).label("open"),
        )
        .where(Prompt.survey_id == survey.id)
        .group_by(Prompt.user_id)
    )
    return {row.user_id: row for row in db.execute(stmt)}


def _shown_on_site(db: Session, site: Site, now: datetime) -> dict[str, datetime]:
    """Each person's last prompt shown on the site within its cooldown (e-mails count)."""
    if site.cooldown_days <= 0:
        return {}
    stmt = (
        select(Prompt.user_id, func.max(Prompt.shown_at))
        .where(
            Prompt.site_id == site.id,
            Prompt.shown_at > now - timedelta(days=site.cooldown_days),
        )
        .group_by(Prompt.user_id)
    )
    return dict(db.execute(stmt).all())


@dataclass(frozen=True)
class _Last:
    turn: int
    asked: datetime


def _last_asks(db: Session, survey: Survey) -> dict[str, _Last]:
    stmt = (
        select(SurveyAsk.user_id, func.max(SurveyAsk.turn), func.max(SurveyAsk.created_at))
        .where(SurveyAsk.survey_id == survey.id)
        .group_by(SurveyAsk.user_id)
    )
    return {user: _Last(turn, asked) for user, turn, asked in db.execute(stmt)}


def fatigue(scheduled_: Scheduled) -> rules.Fatigue:
    return rules.Fatigue(
        cooldown_days=scheduled_.site.cooldown_days,
        dismiss_snooze_days=scheduled_.survey.dismiss_snooze_days,
    )


def due(
    scheduled_: Scheduled, people: list[Candidate], now: datetime
) -> Iterator[tuple[Candidate, rules.Verdict]]:
    """The people to ask now, with their turn."""
    tired = fatigue(scheduled_)
    for candidate in people:
        if not rules.in_window(scheduled_.schedule, candidate.person.tz, now):
            continue  # the quick test first: most people are outside their window most runs
        verdict = rules.decide(
            scheduled_.schedule,
            candidate.person,
            first=candidate.first,
            position=candidate.position,
            fatigue=tired,
            now=now,
        )
        if verdict.ask:
            yield candidate, verdict


def open_ask(
    db: Session, scheduled_: Scheduled, candidate: Candidate, turn: int, now: datetime
) -> SurveyAsk | None:
    """Open this turn's prompt and its ask in the caller's transaction (a savepoint of its own);
    ``None``, with nothing written, when another run opened it."""
    survey, site, schedule = scheduled_.survey, scheduled_.site, scheduled_.schedule
    person = candidate.person
    by_mail = schedule.channel == "email"
    widget_until = now + timedelta(days=schedule.widget_days)
    prompt = Prompt(
        id=keys.new_id("prm"),
        site_id=site.id,
        survey_id=survey.id,
        user_id=person.user_id,
        origin="api",
        channel="link" if by_mail else "widget",
        status="pending",
        context={"schedule": {"turn": turn}},
        traits=candidate.traits or {},
        locale=texts.pick_locale(candidate.locale, survey.question, site.default_locale),
        created_at=now,
        # An e-mail ask counts as shown: the site's cooldown holds for every survey (§6).
        shown_at=now if by_mail else None,
        expires_at=now
        + (LINK_TTL if by_mail else timedelta(days=schedule.widget_days))
        + (timedelta(0) if by_mail else WIDGET_GRACE),
    )
    ask = SurveyAsk(
        site_id=site.id,
        survey_id=survey.id,
        user_id=person.user_id,
        turn=turn,
        prompt_id=prompt.id,
        channel=schedule.channel,
        email=person.email if not person.suppressed else None,
        due_at=now,
        created_at=now,
        mail_status="waiting",
        mail_after=widget_until,
    )
    if by_mail:
        queued(ask, schedule, now)
    try:
        with db.begin_nested():
            db.add(prompt)
            db.flush()  # the prompt first: the ask refers to it
            db.add(ask)
    except IntegrityError:  # the savepoint is rolled back: the asks opened before it stand
        return None
    return ask


# -- what the worker still has to send ---------------------------------------------------------


def waiting_in_app(db: Session, now: datetime) -> list[SurveyAsk]:
    """``widget_then_email`` asks whose time in the app is over."""
    stmt = select(SurveyAsk).where(SurveyAsk.mail_status == "waiting", SurveyAsk.mail_after <= now)
    return list(db.scalars(stmt.order_by(SurveyAsk.id)))


def queued(ask: SurveyAsk, schedule: rules.Schedule, now: datetime) -> None:
    """The ask's mail is handed to the survey mailer now (``services.survey_mail``; its
    ``survey_mails`` row says how it went), with its reminder due ``reminder_days`` later."""
    ask.mail_status, ask.mail_after = "queued", now
    ask.leased_until = utcnow() + REQUEUE_AFTER
    if schedule.reminder_days:
        ask.reminder_status = "waiting"
        ask.remind_after = now + timedelta(days=schedule.reminder_days)


def stalled(db: Session, clock: datetime) -> list[tuple[str, str]]:
    """Mails and reminders handed to the mailer whose enqueue was lost (no ``survey_mails`` row
    yet, and held past the wall ``clock``): ``(prompt id, kind)``, each held again for
    :data:`REQUEUE_AFTER`. Once the mailer has a row, its own sweep sees the message through."""
    found: list[tuple[str, str]] = []
    for kind, status in (("ask", SurveyAsk.mail_status), ("reminder", SurveyAsk.reminder_status)):
        started = (
            select(SurveyMail.id)
            .where(SurveyMail.prompt_id == SurveyAsk.prompt_id, SurveyMail.kind == kind)
            .exists()
        )
        lost = and_(status == "queued", SurveyAsk.leased_until < clock, ~started)
        rows = db.execute(select(SurveyAsk.id, SurveyAsk.prompt_id).where(lost)).all()
        if rows:
            db.execute(
                update(SurveyAsk)
                .where(SurveyAsk.id.in_([r.id for r in rows]))
                .values(leased_until=clock + REQUEUE_AFTER)
            )
        found += [(r.prompt_id, kind) for r in rows]
    return found


def mail_status(db: Session, ask: SurveyAsk, kind: str = "ask") -> str | None:
    """How the ask's mail went (``survey_mails.status``), if it was tried."""
    return db.scalar(
        select(SurveyMail.status).where(
            SurveyMail.prompt_id == ask.prompt_id, SurveyMail.kind == kind
        )
    )


def reminders_due(db: Session, now: datetime) -> list[SurveyAsk]:
    stmt = select(SurveyAsk).where(
        SurveyAsk.reminder_status == "waiting", SurveyAsk.remind_after <= now
    )
    return list(db.scalars(stmt.order_by(SurveyAsk.id)))


def person_zone(db: Session, ask: SurveyAsk, schedule: rules.Schedule) -> str:
    traits = db.scalar(
        select(User.traits).where(User.site_id == ask.site_id, User.user_id == ask.user_id)
    )
    return rules.person_zone(traits, schedule.tz)


# -- the Sends view ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnCounts:
    """One turn of a scheduled survey: asks opened, mails sent, links followed, answers,
    bounces, unsubscribes, and asks answered in the app instead."""

    turn: int
    started: datetime
    asked: int
    sent: int
    opened: int
    answered: int
    bounced: int
    unsubscribed: int
    in_app: int


def sends(db: Session, survey: Survey) -> list[TurnCounts]:
    """Per turn, newest first."""
    unsubscribed = (
        select(Suppression.id)
        .where(
            Suppression.site_id == SurveyAsk.site_id,
            Suppression.email == SurveyAsk.email,
            Suppression.reason == "unsubscribed",
            Suppression.created_at >= SurveyAsk.created_at,
        )
        .exists()
    )
    stmt = (
        select(
            SurveyAsk.turn,
            func.min(SurveyAsk.created_at),
            func.count(),
            func.sum(case((SurveyMail.status == "sent", 1), else_=0)),
            func.count(SurveyAsk.opened_at),
            func.count(Prompt.answered_at),
            func.sum(case((SurveyMail.status == "bounced", 1), else_=0)),
            func.sum(case((unsubscribed, 1), else_=0)),
            func.sum(case((SurveyAsk.mail_status == "in_app", 1), else_=0)),
        )
        .join(Prompt, Prompt.id == SurveyAsk.prompt_id)
        .outerjoin(
            SurveyMail, (SurveyMail.prompt_id == SurveyAsk.prompt_id) & (SurveyMail.kind == "ask")
        )
        .where(SurveyAsk.survey_id == survey.id)
        .group_by(SurveyAsk.turn)
        .order_by(SurveyAsk.turn.desc())
    )
    return [TurnCounts(*row[:3], *(int(n or 0) for n in row[3:])) for row in db.execute(stmt)]


@dataclass(frozen=True)
class Upcoming:
    user_id: str
    email: str | None
    at: datetime
    turn: int


def due_next(db: Session, scheduled_: Scheduled, now: datetime, limit: int = 20) -> list[Upcoming]:
    """The next ``limit`` people to be asked, with the moment their ask goes out: the first
    scheduler run after ``now`` inside their window once their turn and the fatigue rules let
    it (never a moment already past)."""
    schedule, tired = scheduled_.schedule, fatigue(scheduled_)
    found = []
    for candidate in candidates(db, scheduled_, now):
        person = candidate.person
        verdict = rules.decide(
            schedule,
            person,
            first=candidate.first,
            position=candidate.position,
            fatigue=tired,
            now=now,
        )
        if verdict.reason in ("no_email", "suppressed", "already_pending"):
            continue
        tz = person.tz or schedule.tz
        at = rules.sent_at(schedule, tz, verdict.at or now, now)
        found.append(Upcoming(person.user_id, person.email, at, verdict.turn))
    found.sort(key=lambda u: (u.at, u.user_id))
    return found[:limit]


def mark_opened(db: Session, prompt_id: str, now: datetime) -> None:
    """The mail's link was followed (a score clicked): the ask counts as opened, once."""
    db.execute(
        update(SurveyAsk)
        .where(SurveyAsk.prompt_id == prompt_id, SurveyAsk.opened_at.is_(None))
        .values(opened_at=now)
    )
