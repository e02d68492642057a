"""Prompts a backend asks for (``POST /v1/prompts``): for the widget's next page view, or as an
e-mail link. An idempotency key gives the first answer again for the same body.

Lifetimes (docs/decisions.md, "Prompt engine"): :data:`API_TTL` ``["widget"]`` for the widget,
``["link"]`` for an e-mail link.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector.db import uow
from collector.domain import eligibility, keys
from collector.domain.eligibility import Ask
from collector.models import IdempotencyKey, Prompt, Site, Survey
from collector.services import surveys
from collector.services.failures import Invalid
from collector.services.prompts import link_url
from collector.store.prompts import Prompts
from collector.store.settings import survey_of
from collector.store.visitors import Visitors

API_TTL = {"widget": timedelta(days=14), "link": timedelta(days=30)}
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
    try:
        with uow(db, write=True):
            if idempotency_key is not None:
                stored = _stored_answer(db, site, idempotency_key, fingerprint, now)
                if stored is not None:
                    return stored
            answer = _trigger(db, site, data, now, link_base)
            if idempotency_key is not None:
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
            return answer
    except IntegrityError as refused:
        if idempotency_key is None:
            raise
        race = refused
    # The same key raced in from another request: its answer is the answer.
    with uow(db, write=False):
        stored = _stored_answer(db, site, idempotency_key, fingerprint, now)
    if stored is None:
        raise race
    return stored


def _trigger(db: Session, site: Site, data: dict, now: datetime, link_base: str) -> TriggerResult:
    survey = surveys.get(db, site, data["survey"], param="survey")
    key = data["user_id"]
    traits = Visitors(db.connection()).remember(site.id, key, data.get("traits"), now)
    ask = Ask(
        origin="api",
        user_key=key,
        now=now,
        traits=traits,
        site_cooldown_days=site.cooldown_days,
        force=data.get("force", False),
    )
    settings = survey_of(survey)
    history = Prompts(db.connection()).histories(site.id, [settings], key, now)[survey.id]
    decision = eligibility.decide(settings.rules, history, ask)
    if not decision.ask:
        body = {"status": "suppressed", "reason": decision.reason}
        if decision.pending_prompt_id:
            body["id"] = decision.pending_prompt_id
        return TriggerResult(body, 200)
    channel = data.get("channel", "widget")
    prompt = _open(db, site, survey, key, now, channel=channel)
    prompt.context = data.get("context") or {}
    prompt.traits = traits
    prompt.locale = data.get("locale")
    body = {"id": prompt.id, "status": "pending", "expires_at": prompt.expires_at.isoformat()}
    if channel == "link":
        body["url"] = link_url(link_base, prompt)
    return TriggerResult(body, 201)


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


def _open(
    db: Session,
    site: Site,
    survey: Survey,
    key: str,
    now: datetime,
    *,
    channel: str,
) -> Prompt:
    prompt = Prompt(
        id=keys.new_id("prm"),
        site_id=site.id,
        survey_id=survey.id,
        user_id=key,
        origin="api",
        channel=channel,
        status="pending",
        event=None,
        context={},
        traits={},
        created_at=now,
        expires_at=now + API_TTL[channel],
    )
    db.add(prompt)
    return prompt
