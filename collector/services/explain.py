"""Why a user would or would not be asked a survey now: every rule of DESIGN §6, for support
and for the dashboard (``GET /v1/eligibility``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from collector.domain import eligibility
from collector.domain.eligibility import Ask
from collector.models import Site
from collector.services import surveys, visitors
from collector.store.prompts import Prompts
from collector.store.settings import survey_of


def why(
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
    survey = surveys.get(db, site, survey_id, param="survey")
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
    settings = survey_of(survey)
    rules = settings.rules
    history = Prompts(db.connection()).histories(site.id, [settings], user_id, now)[survey.id]
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
