"""Why a user would or would not be asked a survey now (``GET /v1/users/<id>/eligibility``, the
dashboard's lookup): every rule of DESIGN §6 with its outcome, from the same pure rules
(``collector.domain.eligibility``) and the same history the prompt engine reads.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from collector.domain import eligibility
from collector.domain.eligibility import Ask
from collector.models import Site
from collector.services import prompts, surveys, visitors


def explain(
    db: Session,
    site: Site,
    user_id: str,
    survey_id: str,
    now: datetime,
    *,
    origin: str | None = None,
    event: str | None = None,
    props: dict | None = None,
    url: str | None = None,
) -> dict:
    """Every rule of §6 for this user and survey. By default as the survey would ask: an in-app
    event (its first trigger event) when it has trigger events, else a backend trigger. An
    event's ``props`` and its page ``url`` are as given (none by default)."""
    survey = surveys.get(db, site, survey_id, "survey")
    if origin is None:
        origin = "event" if survey.trigger_events else "api"
    if origin == "event" and event is None and survey.trigger_events:
        names = eligibility.event_names(survey.trigger_events)
        event = next((t for t in names if "*" not in t), names[0])
    traits = visitors.stored_traits(db, site, user_id)
    ask = Ask(
        origin=origin,
        user_key=user_id,
        now=now,
        event=event if origin == "event" else None,
        props=props or {},
        url=url,
        traits=traits,
        site_cooldown_days=site.cooldown_days,
    )
    rules = prompts.rules_of(survey)
    history = prompts.user_histories(db.connection(), site, [survey], user_id, now)[survey.id]
    decision = eligibility.decide(rules, history, ask)
    return {
        "user_id": user_id,
        "survey": survey.id,
        "origin": origin,
        "event": ask.event,
        "props": dict(ask.props),
        "url": ask.url,
        "eligible": decision.ask,
        "reason": decision.reason,
        "pending_prompt_id": decision.pending_prompt_id,
        "rules": [
            {"name": o.name, "passed": o.passed, "skipped": o.skipped, "detail": o.detail}
            for o in eligibility.explain(rules, history, ask)
        ],
    }
