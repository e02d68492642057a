"""Page views and events from the widget: who is asked what, now.

The rules themselves are pure (``collector.domain.eligibility``); this module takes the site's
settings and surveys from the settings cache, the user's histories from the store, decides, and
opens or re-delivers the prompt. An event that triggers no survey reads and writes nothing.

Lifetimes (docs/decisions.md, "Prompt engine"): a prompt opened by a widget event lives
:data:`EVENT_TTL`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from collector.domain import contrast, eligibility, keys, texts
from collector.domain.eligibility import Ask
from collector.domain.tokens import PromptTokens
from collector.domain.widget import PromptRef, SiteSettings, SurveySettings
from collector.services import visitors
from collector.services.failures import NotFound
from collector.store import Tx, Work

EVENT_TTL = timedelta(hours=24)
#: The event ``fiilis.show(surveyId)`` sends: that survey only, whatever its trigger events.
SHOW_EVENT = "$show"


def page_view(
    work: Work, tokens: PromptTokens, site: SiteSettings, visit: dict, now: datetime
) -> dict | None:
    """A page view starts: the backend-triggered prompt waiting for this user, if any."""
    key = visitors.user_key(site, visit)
    if key.startswith(visitors.ANON):
        return None  # backends trigger prompts for user ids only: nothing to look up or store
    with work.begin(write=True) as tx:
        tx.visitors.remember(site.id, key, visit.get("traits"), now)
        waiting = tx.prompts.waiting(site.id, key, now)
        survey = tx.settings.survey(waiting.survey_id) if waiting else None
    return deliver(tokens, site, survey, waiting, visit.get("locale")) if waiting else None


def event(
    work: Work, tokens: PromptTokens, site: SiteSettings, visit: dict, now: datetime
) -> tuple[dict | None, str | None]:
    """An event from the widget: ``(prompt, None)`` to ask now, or ``(None, reason)``.

    Of the surveys the event triggers, the highest priority (then the oldest) that may ask wins;
    an open prompt of it is re-delivered instead of a new one. When none may ask, the reason is
    the one that got furthest through the rules (``eligibility.furthest``).
    """
    key = visitors.user_key(site, visit)
    name = visit["event"]
    candidates: list[SurveySettings] = []
    if name != SHOW_EVENT:
        candidates = [
            s
            for s in work.live_surveys(site.id)
            if eligibility.triggers_on(s.rules.trigger_events, name)
        ]
        if not candidates:  # nothing to decide, nothing to store
            return None, "event_not_trigger"
    with work.begin(write=True) as tx:
        if name == SHOW_EVENT:
            candidates = [_named_survey(tx, site, visit.get("survey_id") or "")]
        traits = tx.visitors.remember(site.id, key, visit.get("traits"), now)
        ask = Ask(
            origin="event",
            user_key=key,
            now=now,
            event=name,
            traits=traits,
            site_cooldown_days=site.cooldown_days,
        )
        survey, prompt, reason = _first_to_ask(tx, site, candidates, ask)
        if survey is None:
            return None, reason
        if prompt is None:
            prompt = _open(tx, site, survey, key, visit, traits, now)
    return deliver(tokens, site, survey, prompt, visit.get("locale")), None


def _named_survey(tx: Tx, site: SiteSettings, survey_id: str) -> SurveySettings:
    survey = tx.settings.survey(survey_id)
    if survey is None or survey.site_id != site.id:
        raise NotFound("survey", "survey_id")
    # fiilis.show() names its survey: every rule but event_not_trigger still applies.
    return dataclasses.replace(
        survey, rules=dataclasses.replace(survey.rules, trigger_events=("*",))
    )


def _first_to_ask(
    tx: Tx, site: SiteSettings, candidates: list[SurveySettings], ask: Ask
) -> tuple[SurveySettings | None, PromptRef | None, str | None]:
    """The survey that asks and its open prompt to re-deliver (``None``: open one), or the
    reason none asks."""
    histories = tx.prompts.histories(site.id, candidates, ask.user_key, ask.now)
    by_id = {s.id: s for s in candidates}
    reasons = []
    for rules in eligibility.rank(s.rules for s in candidates):
        decision = eligibility.decide(rules, histories[rules.id], ask)
        if decision.ask:
            return by_id[rules.id], None, None
        if decision.reason == "already_pending":
            open_prompt = tx.prompts.get(decision.pending_prompt_id)
            # An e-mail link still open blocks a second ask, but is not shown in the page.
            if open_prompt.channel == "widget":
                return by_id[rules.id], open_prompt, None
        reasons.append(decision.reason)
    return None, None, eligibility.furthest(reasons)


def _open(
    tx: Tx,
    site: SiteSettings,
    survey: SurveySettings,
    key: str,
    visit: dict,
    traits: dict,
    now: datetime,
) -> PromptRef:
    prompt = PromptRef(
        id=keys.new_id("prm"),
        survey_id=survey.id,
        locale=texts.pick_locale(visit.get("locale"), survey.question, site.default_locale),
        expires_at=now + EVENT_TTL,
    )
    tx.prompts.open_for_event(
        prompt,
        site_id=site.id,
        user_id=key,
        event=visit["event"],
        context=visit.get("props") or {},
        traits=traits,
        url=visit.get("url"),
        created_at=now,
    )
    return prompt


def deliver(
    tokens: PromptTokens,
    site: SiteSettings,
    survey: SurveySettings,
    prompt: PromptRef,
    requested_locale: str | None,
) -> dict:
    """The ``Prompt`` object of the browser API, in the reader's locale, with a fresh token."""
    locale = texts.pick_locale(
        requested_locale or prompt.locale, survey.question, site.default_locale
    )
    low_label, high_label = texts.scale_labels(survey.kind, locale)
    return {
        "id": prompt.id,
        "token": tokens.sign(prompt.id, site.id, prompt.expires_at),
        "kind": survey.kind,
        "question": survey.question[locale],
        "followup": texts.followup(survey.followup, locale),
        "scale": {**survey.scale.to_dict(), "low_label": low_label, "high_label": high_label},
        "delay_ms": survey.delay_ms,
        "locale": locale,
        "theme": contrast.widget_theme(site.theme),
    }
