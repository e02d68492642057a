"""Backend triggers (``POST /v1/prompts``): a backend asks for a prompt for one of its users, for
the widget or as a link, with an idempotency key that makes a retried call safe; and a prompt as
the management API shows it (``GET /v1/prompts/<id>``). Each public function is one transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector.domain import eligibility, keys
from collector.domain.eligibility import Ask
from collector.domain.problems import Invalid, NotFound
from collector.models import IdempotencyKey, Prompt, Response, Site, Survey
from collector.services import prompts, surveys, visitors

IDEMPOTENCY_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class TriggerResult:
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
) -> TriggerResult:
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


def _trigger(db: Session, site: Site, data: dict, now: datetime, link_base: str) -> TriggerResult:
    survey = surveys.get(db, site, data["survey"], "survey")
    key = data["user_id"]
    traits = visitors.remember(db.connection(), site, key, data.get("traits"), now)
    ask = Ask(
        origin="api",
        user_key=key,
        now=now,
        traits=traits,
        site_cooldown_days=site.cooldown_days,
        force=data.get("force", False),
    )
    history = prompts.user_histories(db.connection(), site, [survey], key, now)[survey.id]
    decision = eligibility.decide(prompts.rules_of(survey), history, ask)
    if not decision.ask:
        body = {"status": "suppressed", "reason": decision.reason}
        if decision.pending_prompt_id:
            body["id"] = decision.pending_prompt_id
        return TriggerResult(body, 200)
    channel = data.get("channel", "widget")
    prompt = _open(db, site, survey, key, now, channel)
    prompt.context = data.get("context") or {}
    prompt.traits = traits
    prompt.locale = data.get("locale")
    body = {"id": prompt.id, "status": "pending", "expires_at": prompt.expires_at.isoformat()}
    if channel == "link":
        body["url"] = link_url(link_base, prompt)
    return TriggerResult(body, 201)


def link_url(base: str, prompt: Prompt) -> str:
    """The hosted answer page of a link prompt, with a fresh token."""
    return f"{base.rstrip('/')}/r/{prompts.tokens().sign(prompt.id, prompt.site_id, prompt.expires_at)}"


def _fingerprint(data: dict) -> str:
    canonical = json.dumps(
        {"endpoint": "POST /v1/prompts", "body": data}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored_answer(
    db: Session, site: Site, key: str, fingerprint: str, now: datetime
) -> TriggerResult | None:
    stored = db.get(IdempotencyKey, (site.id, key))
    if stored is None:
        return None
    if stored.created_at <= now - IDEMPOTENCY_TTL:
        db.delete(stored)  # keys are kept a day, as at Stripe; then the key is new again
        db.flush()
        return None
    if stored.request_hash != fingerprint:
        raise Invalid(
            "idempotency_key_reused",
            "This Idempotency-Key was used with another request body. "
            "Use a new key for a new request.",
            param="Idempotency-Key",
        )
    return TriggerResult(stored.body, stored.status_code, replayed=True)


def get(db: Session, site: Site, prompt_id: str, now: datetime, *, link_base: str) -> dict:
    """A prompt as the management API shows it; an open prompt past its expiry is ``expired``."""
    prompt = db.get(Prompt, prompt_id)
    if prompt is None or prompt.site_id != site.id:
        raise NotFound("prompt", "id")
    status = prompt.status
    if status in prompts.OPEN and prompt.expires_at <= now:
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
    if prompt.channel == "link" and status in prompts.OPEN:
        body["url"] = link_url(link_base, prompt)
    return body


def _open(db: Session, site: Site, survey: Survey, key: str, now: datetime, channel: str) -> Prompt:
    """A prompt the backend asked for, for the widget or as a link (DESIGN §6 lifetimes)."""
    prompt = Prompt(
        id=keys.new_id("prm"),
        site_id=site.id,
        survey_id=survey.id,
        user_id=key,
        origin="api",
        channel=channel,
        status="pending",
        context={},
        traits={},
        created_at=now,
        expires_at=now + prompts.API_TTL[channel],
    )
    db.add(prompt)
    return prompt
