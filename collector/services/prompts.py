"""The prompt engine: who is asked what and when, and the prompts that carry the question.

The rules themselves are pure (``collector.domain.eligibility``); this module fills them from the
database, opens prompts, re-delivers open ones and signs their tokens. Each public function is one
transaction and commits once.

Lifetimes (docs/decisions.md, "Prompt engine"): a prompt opened by a widget event lives
:data:`EVENT_TTL`, one triggered by the backend for the widget :data:`API_TTL` ``["widget"]``,
an e-mail link :data:`API_TTL` ``["link"]``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector.domain import eligibility, keys, texts
from collector.domain.eligibility import REASONS, Ask, History, SurveyRules
from collector.domain.scoring import SCALES
from collector.domain.tokens import PromptTokens, TokenError, TokenExpired
from collector.errors import APIError, not_found
from collector.models import IdempotencyKey, Prompt, Response, Site, Survey
from collector.services import visitors

EVENT_TTL = timedelta(hours=24)
API_TTL = {"widget": timedelta(days=14), "link": timedelta(days=30)}
IDEMPOTENCY_TTL = timedelta(hours=24)
OPEN = ("pending", "shown")
#: The event ``fiilis.show(surveyId)`` sends: that survey only, whatever its trigger events.
SHOW_EVENT = "$show"


# -- tokens ----------------------------------------------------------------------------------


def tokens() -> PromptTokens:
    """The app's prompt token maker: SECRET_KEY signs, SECRET_KEY_FALLBACKS still verify."""
    made = current_app.extensions.get("fiilis.prompt_tokens")
    if made is None:
        config = current_app.config
        made = PromptTokens(config["SECRET_KEY"], config.get("SECRET_KEY_FALLBACKS") or ())
        current_app.extensions["fiilis.prompt_tokens"] = made
    return made


def invalid_token(message: str = "This token was not issued by this collector.") -> APIError:
    return APIError(401, "invalid_token", message, param="token")


def expired_prompt() -> APIError:
    return APIError(410, "prompt_expired", "This prompt has expired.", param="token")


def by_token(
    db: Session,
    token: str,
    now: datetime,
    *,
    channel: str,
    prompt_id: str | None = None,
    allow_expired: bool = False,
) -> Prompt:
    """The prompt a token was issued for; refuses forged, tampered, other-site, other-channel and
    (unless ``allow_expired``) expired tokens."""
    try:
        claims = tokens().read(token, now=now, allow_expired=allow_expired)
    except TokenExpired:
        raise expired_prompt() from None
    except TokenError:
        raise invalid_token() from None
    if prompt_id is not None and claims.prompt_id != prompt_id:
        raise invalid_token("This token belongs to another prompt.")
    prompt = db.get(Prompt, claims.prompt_id)
    if prompt is None:
        raise not_found("prompt", "token")
    if prompt.site_id != claims.site_id or prompt.channel != channel:
        raise invalid_token()
    if not allow_expired and prompt.expires_at <= now:
        raise expired_prompt()
    return prompt


def site_of_token(db: Session, token: str, now: datetime) -> Site | None:
    """The site a genuine token (expired or not) belongs to; ``None`` for anything else."""
    try:
        claims = tokens().read(token, now=now, allow_expired=True)
    except TokenError:
        return None
    return db.get(Site, claims.site_id)


# -- delivery --------------------------------------------------------------------------------


def deliver(site: Site, survey: Survey, prompt: Prompt, requested_locale: str | None) -> dict:
    """The ``Prompt`` object of the browser API, in the reader's locale, with a fresh token."""
    locale = texts.pick_locale(
        requested_locale or prompt.locale, survey.question, site.default_locale
    )
    low, high = SCALES[survey.kind]
    low_label, high_label = texts.scale_labels(survey.kind, locale)
    return {
        "id": prompt.id,
        "token": tokens().sign(prompt.id, site.id, prompt.expires_at),
        "kind": survey.kind,
        "question": survey.question[locale],
        "followup": texts.followup(survey.followup, locale),
        "scale": {"min": low, "max": high, "low_label": low_label, "high_label": high_label},
        "delay_ms": survey.delay_ms,
        "locale": locale,
        "theme": dict(site.theme or {}),
    }


def on_session(db: Session, site: Site, visit: dict, now: datetime) -> dict | None:
    """A page view starts: a pending backend-triggered prompt for this user, if any."""
    key = _user_key(site, visit)
    if key.startswith(visitors.ANON):
        return None  # backends trigger prompts for user ids only: nothing to look up or store
    visitors.remember(db, site, key, visit.get("traits"), now)
    row = db.execute(
        select(Prompt, Survey)
        .join(Survey, Survey.id == Prompt.survey_id)
        .where(
            Prompt.site_id == site.id,
            Prompt.user_id == key,
            Prompt.origin == "api",
            Prompt.channel == "widget",
            Prompt.status == "pending",
            Prompt.expires_at > now,
            Survey.active.is_(True),
            Survey.archived_at.is_(None),
        )
        .order_by(Survey.priority.desc(), Prompt.created_at)
        .limit(1)
    ).first()
    db.commit()
    return deliver(site, row.Survey, row.Prompt, visit.get("locale")) if row else None


def on_event(db: Session, site: Site, visit: dict, now: datetime) -> tuple[dict | None, str | None]:
    """An event from the widget: ``(prompt, None)`` to ask now, or ``(None, reason)``.

    Of the surveys the event triggers, the highest priority (then the oldest) that may ask wins;
    an open prompt of it is re-delivered instead of a new one. When none may ask, the reason is
    the one that got furthest through the rules (the most specific: ``cooldown`` says more than
    ``not_sampled`` of another survey).
    """
    key = _user_key(site, visit)
    traits = visitors.remember(db, site, key, visit.get("traits"), now)
    event = visit["event"]
    if event == SHOW_EVENT:
        survey = db.get(Survey, visit.get("survey_id") or "")
        if survey is None or survey.site_id != site.id:
            raise not_found("survey", "survey_id")
        # fiilis.show() names its survey: every rule but event_not_trigger still applies.
        candidates = {survey.id: (survey, rules_of(survey, trigger_events=("*",)))}
    else:
        surveys = db.scalars(
            select(Survey).where(Survey.site_id == site.id, Survey.archived_at.is_(None))
        )
        candidates = {
            s.id: (s, rules_of(s))
            for s in surveys
            if eligibility.triggers_on(s.trigger_events, event)
        }
    if not candidates:
        db.commit()
        return None, "event_not_trigger"
    ask = Ask(
        origin="event",
        user_key=key,
        now=now,
        event=event,
        traits=traits,
        site_cooldown_days=site.cooldown_days,
    )
    found, reason = _first_to_ask(db, site, candidates, ask)
    if found is None:
        db.commit()
        return None, reason
    survey, prompt = found
    if prompt is None:
        prompt = _open(db, site, survey, key, now, origin="event", channel="widget", event=event)
        prompt.context = visit.get("props") or {}
        prompt.traits = traits
        prompt.url = visit.get("url")
        prompt.locale = texts.pick_locale(visit.get("locale"), survey.question, site.default_locale)
    db.commit()
    return deliver(site, survey, prompt, visit.get("locale")), None


def _first_to_ask(
    db: Session, site: Site, candidates: dict[str, tuple[Survey, SurveyRules]], ask: Ask
) -> tuple[tuple[Survey, Prompt | None] | None, str | None]:
    histories = _histories(db, site, [s for s, _ in candidates.values()], ask.user_key, ask.now)
    furthest: str | None = None
    for rules in eligibility.rank(r for _, r in candidates.values()):
        survey = candidates[rules.id][0]
        decision = eligibility.decide(rules, histories[rules.id], ask)
        if decision.ask:
            return (survey, None), None
        if decision.reason == "already_pending":
            open_prompt = db.get(Prompt, decision.pending_prompt_id)
            # An e-mail link still open blocks a second ask, but is not shown in the page.
            if open_prompt.channel == "widget":
                return (survey, open_prompt), None
        if furthest is None or REASONS.index(decision.reason) > REASONS.index(furthest):
            furthest = decision.reason
    return None, furthest


def _user_key(site: Site, visit: dict) -> str:
    return visitors.user_key(
        site,
        user_id=visit.get("user_id"),
        user_hash=visit.get("user_hash"),
        anonymous_id=visit.get("anonymous_id"),
    )


def _open(
    db: Session,
    site: Site,
    survey: Survey,
    key: str,
    now: datetime,
    *,
    origin: str,
    channel: str,
    event: str | None = None,
) -> Prompt:
    ttl = EVENT_TTL if origin == "event" else API_TTL[channel]
    prompt = Prompt(
        id=keys.new_id("prm"),
        site_id=site.id,
        survey_id=survey.id,
        user_id=key,
        origin=origin,
        channel=channel,
        status="pending",
        event=event,
        context={},
        traits={},
        created_at=now,
        expires_at=now + ttl,
    )
    db.add(prompt)
    return prompt


# -- eligibility from the database -----------------------------------------------------------


def rules_of(survey: Survey, **overrides: Any) -> SurveyRules:
    fields = {
        "id": survey.id,
        "created_at": survey.created_at,
        "active": survey.active and survey.archived_at is None,
        "trigger_events": survey.trigger_events or (),
        "targeting": survey.targeting or (),
        "sample_rate": survey.sample_rate,
        "recontact_days": survey.recontact_days,
        "dismiss_snooze_days": survey.dismiss_snooze_days,
        "max_responses": survey.max_responses,
        "priority": survey.priority,
    }
    return SurveyRules(**{**fields, **overrides})


def _histories(
    db: Session, site: Site, surveys: list[Survey], key: str, now: datetime
) -> dict[str, History]:
    """Each survey's history with this user, in four queries whatever the number of surveys."""
    ids = [s.id for s in surveys]
    mine = (Prompt.user_id == key, Prompt.survey_id.in_(ids))
    last = {
        row[0]: row[1:]
        for row in db.execute(
            select(Prompt.survey_id, func.max(Prompt.answered_at), func.max(Prompt.dismissed_at))
            .where(*mine)
            .group_by(Prompt.survey_id)
        )
    }
    pending: dict[str, str] = {}
    for survey_id, prompt_id in db.execute(
        select(Prompt.survey_id, Prompt.id)
        .where(*mine, Prompt.status.in_(OPEN), Prompt.expires_at > now)
        .order_by(Prompt.created_at.desc())
    ):
        pending.setdefault(survey_id, prompt_id)
    shown = db.scalar(
        select(func.max(Prompt.shown_at)).where(Prompt.site_id == site.id, Prompt.user_id == key)
    )
    capped = [s.id for s in surveys if s.max_responses is not None]
    counts = dict(
        db.execute(
            select(Response.survey_id, func.count())
            .where(Response.survey_id.in_(capped))
            .group_by(Response.survey_id)
        ).all()
        if capped
        else ()
    )
    return {
        s.id: History(
            responses_count=counts.get(s.id, 0),
            last_answered_at=last.get(s.id, (None, None))[0],
            last_dismissed_at=last.get(s.id, (None, None))[1],
            last_shown_at_any=shown,
            pending_prompt_id=pending.get(s.id),
        )
        for s in surveys
    }


def explain(
    db: Session,
    site: Site,
    user_id: str,
    survey_id: str,
    now: datetime,
    *,
    origin: str | None = None,
    event: str | None = None,
) -> dict:
    """Every rule of §6 for this user and survey. By default as the survey would ask: an in-app
    event (its first trigger event) when it has trigger events, else a backend trigger."""
    survey = _survey(db, site, survey_id, "survey")
    if origin is None:
        origin = "event" if survey.trigger_events else "api"
    if origin == "event" and event is None and survey.trigger_events:
        event = next((t for t in survey.trigger_events if "*" not in t), survey.trigger_events[0])
    traits = visitors.stored_traits(db, site, user_id)
    ask = Ask(
        origin=origin,
        user_key=user_id,
        now=now,
        event=event if origin == "event" else None,
        traits=traits,
        site_cooldown_days=site.cooldown_days,
    )
    rules = rules_of(survey)
    history = _histories(db, site, [survey], user_id, now)[survey.id]
    decision = eligibility.decide(rules, history, ask)
    return {
        "user_id": user_id,
        "survey": survey.id,
        "origin": origin,
        "event": ask.event,
        "eligible": decision.ask,
        "reason": decision.reason,
        "pending_prompt_id": decision.pending_prompt_id,
        "rules": [
            {"name": o.name, "passed": o.passed, "skipped": o.skipped, "detail": o.detail}
            for o in eligibility.explain(rules, history, ask)
        ],
    }


def _survey(db: Session, site: Site, survey_id: str, param: str) -> Survey:
    survey = db.get(Survey, survey_id)
    if survey is None or survey.site_id != site.id:
        raise not_found("survey", param)
    return survey


# -- backend triggers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What ``POST /v1/prompts`` answers; ``replayed`` when it comes from an idempotency key."""

    body: dict
    status: int
    replayed: bool = False


def trigger(
    db: Session,
    site: Site,
    data: dict,
    now: datetime,
    *,
    link_base: str,
    idempotency_key: str | None = None,
) -> Answer:
    """A backend asks for a prompt: 201 with the new prompt, or 200 ``suppressed`` with the
    reason. With an idempotency key the first answer is stored and given again for the same
    body; another body with the same key is refused (422)."""
    fingerprint = _fingerprint(data)
    if idempotency_key is not None:
        stored = _stored_answer(db, site, idempotency_key, fingerprint, now)
        if stored is not None:
            return stored
    answer = _trigger(db, site, data, now, link_base)
    if idempotency_key is None:
        db.commit()
        return answer
    db.add(
        IdempotencyKey(
            site_id=site.id,
            key=idempotency_key,
            request_hash=fingerprint,
            status_code=answer.status,
            body=answer.body,
            created_at=now,
        )
    )
    try:
        db.commit()
    except IntegrityError:
        # The same key raced in from another request: its answer is the answer.
        db.rollback()
        stored = _stored_answer(db, site, idempotency_key, fingerprint, now)
        if stored is None:
            raise
        return stored
    return answer


def _trigger(db: Session, site: Site, data: dict, now: datetime, link_base: str) -> Answer:
    survey = _survey(db, site, data["survey"], "survey")
    key = data["user_id"]
    traits = visitors.remember(db, site, key, data.get("traits"), now)
    ask = Ask(
        origin="api",
        user_key=key,
        now=now,
        traits=traits,
        site_cooldown_days=site.cooldown_days,
        force=data.get("force", False),
    )
    history = _histories(db, site, [survey], key, now)[survey.id]
    decision = eligibility.decide(rules_of(survey), history, ask)
    if not decision.ask:
        body = {"status": "suppressed", "reason": decision.reason}
        if decision.pending_prompt_id:
            body["id"] = decision.pending_prompt_id
        return Answer(body, 200)
    channel = data.get("channel", "widget")
    prompt = _open(db, site, survey, key, now, origin="api", channel=channel)
    prompt.context = data.get("context") or {}
    prompt.traits = traits
    prompt.locale = data.get("locale")
    body = {"id": prompt.id, "status": "pending", "expires_at": prompt.expires_at.isoformat()}
    if channel == "link":
        body["url"] = link_url(link_base, prompt)
    return Answer(body, 201)


def link_url(base: str, prompt: Prompt) -> str:
    """The hosted answer page of a link prompt, with a fresh token."""
    return f"{base.rstrip('/')}/r/{tokens().sign(prompt.id, prompt.site_id, prompt.expires_at)}"


def _fingerprint(data: dict) -> str:
    canonical = json.dumps(
        {"endpoint": "POST /v1/prompts", "body": data}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored_answer(
    db: Session, site: Site, key: str, fingerprint: str, now: datetime
) -> Answer | None:
    stored = db.get(IdempotencyKey, (site.id, key))
    if stored is None:
        return None
    if stored.created_at <= now - IDEMPOTENCY_TTL:
        db.delete(stored)  # keys are kept a day, as at Stripe; then the key is new again
        db.flush()
        return None
    if stored.request_hash != fingerprint:
        raise APIError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used with another request body. "
            "Use a new key for a new request.",
            param="Idempotency-Key",
        )
    return Answer(stored.body, stored.status_code, replayed=True)


def get(db: Session, site: Site, prompt_id: str, now: datetime, *, link_base: str) -> dict:
    """A prompt as the management API shows it; an open prompt past its expiry is ``expired``."""
    prompt = db.get(Prompt, prompt_id)
    if prompt is None or prompt.site_id != site.id:
        raise not_found("prompt", "id")
    status = prompt.status
    if status in OPEN and prompt.expires_at <= now:
        status = "expired"
    response_id = db.scalar(select(Response.id).where(Response.prompt_id == prompt.id))
    body = {
        "id": prompt.id,
        "survey": prompt.survey_id,
        "user_id": prompt.user_id,
        "origin": prompt.origin,
        "channel": prompt.channel,
        "status": status,
        "event": prompt.event,
        "context": prompt.context,
        "locale": prompt.locale,
        "created_at": prompt.created_at,
        "expires_at": prompt.expires_at,
        "shown_at": prompt.shown_at,
        "answered_at": prompt.answered_at,
        "dismissed_at": prompt.dismissed_at,
        "response_id": response_id,
    }
    if prompt.channel == "link" and status in OPEN:
        body["url"] = link_url(link_base, prompt)
    return body


# -- what the widget reports -----------------------------------------------------------------


def mark(db: Session, prompt_id: str, token: str, outcome: str, now: datetime) -> None:
    """The widget showed (``shown``) or closed (``dismissed``) a prompt. Repeats change nothing,
    and an answered prompt stays answered."""
    prompt = by_token(db, token, now, channel="widget", prompt_id=prompt_id)
    prompt.shown_at = prompt.shown_at or now
    if outcome == "shown" and prompt.status == "pending":
        prompt.status = "shown"
    elif outcome == "dismissed" and prompt.status in OPEN:
        prompt.status = "dismissed"
        prompt.dismissed_at = now
    db.commit()
