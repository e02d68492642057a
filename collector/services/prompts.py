"""The prompt engine: who is asked what and when, and the prompts that carry the question.

The rules themselves are pure (``collector.domain.eligibility``); this module fills them from the
database, opens prompts, re-delivers open ones and signs their tokens. Each public function is one
transaction and commits once.

Lifetimes (docs/decisions.md, "Prompt engine"): a prompt opened by a widget event lives
:data:`EVENT_TTL`, one triggered by the backend for the widget :data:`API_TTL` ``["widget"]``,
an e-mail link :data:`API_TTL` ``["link"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Row, bindparam, case, func, insert, select
from sqlalchemy.orm import Session

from collector.domain import contrast, eligibility, keys, pages, texts
from collector.domain.eligibility import REASONS, Ask, History, SurveyRules
from collector.domain.problems import Gone, NotFound, Unauthenticated
from collector.domain.scales import Scale
from collector.domain.tokens import Claims, PromptTokens, TokenError, TokenExpired
from collector.models import Prompt, Response, Site, Survey
from collector.prepared import Prepared, together
from collector.services import settings_cache, visitors

EVENT_TTL = timedelta(hours=24)
API_TTL = {"widget": timedelta(days=14), "link": timedelta(days=30)}
OPEN = ("pending", "shown")
#: The event ``fiilis.show(surveyId)`` sends: that survey only, whatever its trigger events.
SHOW_EVENT = "$show"

# The browser API's calls are the collector's hot path: their statements are built once with
# bound parameters and run prepared, on the driver (``collector.prepared``; docs/benchmarks.md,
# "Ingest").
_PROMPTS = Prompt.__table__
_SURVEYS = Survey.__table__
_p, _s = _PROMPTS.c, _SURVEYS.c
# OPEN spelled out: a prepared statement takes no expanding IN.
_OPEN_NOW = ((_p.status == OPEN[0]) | (_p.status == OPEN[1])) & (_p.expires_at > bindparam("now"))
_SURVEY_BY_ID = Prepared(select(_SURVEYS).where(_s.id == bindparam("id")))
_LIVE_SURVEYS = Prepared(
    select(_SURVEYS).where(_s.site_id == bindparam("site_id"), _s.archived_at.is_(None))
)
_PROMPT_TO_DELIVER = Prepared(
    select(_p.id, _p.channel, _p.locale, _p.expires_at).where(_p.id == bindparam("id"))
)
#: Backend-triggered prompts waiting for the user's next page view, the most important first,
#: of surveys running now (the page rules are checked on the rows: ``domain.pages``).
_WAITING = Prepared(
    select(_p.id, _p.survey_id, _p.locale, _p.expires_at, _s.pages)
    .join(_SURVEYS, _s.id == _p.survey_id)
    .where(
        _p.site_id == bindparam("site_id"),
        _p.user_id == bindparam("user_id"),
        _p.origin == "api",
        _p.channel == "widget",
        _p.status == "pending",
        _p.expires_at > bindparam("now"),
        _s.active.is_(True),
        _s.archived_at.is_(None),
        _s.starts_at.is_(None) | (_s.starts_at <= bindparam("now")),
        _s.ends_at.is_(None) | (_s.ends_at > bindparam("now")),
    )
    .order_by(_s.priority.desc(), _p.created_at)
    .limit(20)
)
#: Per survey, what the rules of §6 need to know of this user's prompts on the site.
_USER_PROMPTS = Prepared(
    select(
        _p.survey_id,
        func.max(_p.answered_at).label("answered"),
        func.max(_p.dismissed_at).label("dismissed"),
        func.max(_p.shown_at).label("shown"),
        func.max(case((_OPEN_NOW, _p.created_at))).label("open_since"),
    )
    .where(_p.site_id == bindparam("site_id"), _p.user_id == bindparam("user_id"))
    .group_by(_p.survey_id)
)
_USER_OPEN_PROMPTS = Prepared(
    select(_p.survey_id, _p.id)
    .where(_p.site_id == bindparam("site_id"), _p.user_id == bindparam("user_id"), _OPEN_NOW)
    .order_by(_p.created_at.desc())
)
_INSERT_PROMPT = Prepared(
    insert(_PROMPTS),
    keys=(
        *("id", "site_id", "survey_id", "user_id", "origin", "channel", "status", "event"),
        *("context", "traits", "locale", "url", "created_at", "expires_at"),
    ),
)


# -- tokens ----------------------------------------------------------------------------------


def tokens() -> PromptTokens:
    """The app's prompt token maker: SECRET_KEY signs, SECRET_KEY_FALLBACKS still verify."""
    made = current_app.extensions.get("fiilis.prompt_tokens")
    if made is None:
        config = current_app.config
        made = PromptTokens(config["SECRET_KEY"], config.get("SECRET_KEY_FALLBACKS") or ())
        current_app.extensions["fiilis.prompt_tokens"] = made
    return made


def invalid_token(message: str = "This token was not issued by this collector.") -> Unauthenticated:
    return Unauthenticated("invalid_token", message, param="token")


def expired_prompt() -> Gone:
    return Gone("prompt_expired", "This prompt has expired.", param="token")


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
    claims = read_token(token, now, allow_expired=allow_expired)
    if prompt_id is not None and claims.prompt_id != prompt_id:
        raise invalid_token("This token belongs to another prompt.")
    prompt = db.get(Prompt, claims.prompt_id)
    check_claims(prompt, claims, channel=channel)
    if not allow_expired and prompt.expires_at <= now:
        raise expired_prompt()
    return prompt


def read_token(token: str, now: datetime, *, allow_expired: bool = False) -> Claims:
    """A token's claims: 401 when it is not one of ours, 410 past its expiry (unless allowed)."""
    try:
        return tokens().read(token, now=now, allow_expired=allow_expired)
    except TokenExpired:
        raise expired_prompt() from None
    except TokenError:
        raise invalid_token() from None


def check_claims(prompt: Prompt | Row | None, claims: Claims, *, channel: str) -> None:
    """The prompt the claims name exists, on the claimed site, for this channel."""
    if prompt is None:
        raise NotFound("prompt", "token")
    if prompt.site_id != claims.site_id or prompt.channel != channel:
        raise invalid_token()


def genuine_claims(token: str, now: datetime) -> Claims | None:
    """A genuine token's claims, expired or not; ``None`` for anything else."""
    try:
        return tokens().read(token, now=now, allow_expired=True)
    except TokenError:
        return None


# -- delivery --------------------------------------------------------------------------------


def deliver(
    site: Site | Row, survey: Survey | Row, prompt: Prompt | Row, requested_locale: str | None
) -> dict:
    """The ``Prompt`` object of the browser API, in the reader's locale, with a fresh token.
    ``site``, ``survey`` and ``prompt`` may be mapped objects or rows with the same names.

    It carries every string the card shows (``texts``, the end labels in ``scale``), resolved for
    its locale, so the widget has no strings of its own; the follow-up per score band and the
    bands themselves, so the card asks the question that fits the score picked."""
    locale = reading_locale(site, survey, requested_locale or prompt.locale)
    return {
        "id": prompt.id,
        "token": tokens().sign(prompt.id, site.id, prompt.expires_at),
        **card(site, survey, locale),
        "delay_ms": survey.delay_ms,
        "theme": contrast.widget_theme(site.theme),
        # The widget checks them again when the delay ends: a single-page app may have moved on.
        **({"pages": [p.as_glob() for p in _page_rules(survey.pages)]} if survey.pages else {}),
    }


def reading_locale(site: Site | Row, survey: Survey | Row, requested: str | None) -> str:
    """The locale a person reads the survey's card in (``texts.negotiate``)."""
    return texts.negotiate(
        requested,
        survey.question,
        site.default_locale,
        survey_texts=survey.texts,
        site_texts=site.texts,
    )


def card(site: Site | Row, survey: Survey | Row, locale: str) -> dict:
    """What the card shows of ``survey`` in ``locale``: the prompt without its id, token, delay
    and theme (the dashboard's preview draws the same)."""
    t = texts.strings(locale, survey.kind, texts.CARD_KEYS, survey.texts, site.texts)
    scale = Scale.of(survey.kind, survey.scale_min, survey.scale_max)
    plain = texts.followup(survey.followup, locale, t["followup"])
    reasons = survey.reasons
    return {
        "kind": survey.kind,
        "question": survey.question[locale],
        "followup": plain,
        "followup_by_band": {
            band: texts.band_followup(survey.followup_by_band, band, locale) or plain
            for band in scale.bands
        },
        "scale": {
            "min": scale.min,
            "max": scale.max,
            "low_label": t["low_label"],
            "high_label": t["high_label"],
            "bands": {band: list(ends) for band, ends in scale.bands.items()},
        },
        "reasons": {
            "multiple": bool(reasons.get("multiple")),
            "bands": reasons.get("bands"),
            "choices": [
                {"id": c["id"], "label": texts.label(c["label"], locale)}
                for c in reasons["choices"]
            ],
        }
        if reasons
        else None,
        "texts": {key: t[key] for key in ("close", "send", "skip", "thanks", "placeholder")},
        "locale": locale,
    }


def on_session(db: Session, site: Site, visit: dict, now: datetime) -> dict | None:
    """A page view starts: a pending backend-triggered prompt for this user, if any."""
    key = _user_key(site, visit)
    if key.startswith(visitors.ANON):
        return None  # backends trigger prompts for user ids only: nothing to look up or store
    conn = db.connection()
    visitors.remember(conn, site, key, visit.get("traits"), now)
    waiting = _WAITING.rows(conn, {"site_id": site.id, "user_id": key, "now": now})
    # A prompt for the billing pages waits there: it does not pop up on the settings page.
    url = visit.get("url")
    pending = next((w for w in waiting if pages.on_page(_page_rules(w.pages), url)), None)
    survey = _SURVEY_BY_ID.first(conn, {"id": pending.survey_id}) if pending else None
    db.commit()
    return deliver(site, survey, pending, visit.get("locale")) if pending else None


def on_event(db: Session, site: Site, visit: dict, now: datetime) -> tuple[dict | None, str | None]:
    """An event from the widget: ``(prompt, None)`` to ask now, or ``(None, reason)``.

    Of the surveys the event triggers, the highest priority (then the oldest) that may ask wins;
    an open prompt of it is re-delivered instead of a new one. When none may ask, the reason is
    the one that got furthest through the rules (the most specific: ``cooldown`` says more than
    ``not_sampled`` of another survey).
    """
    key = _user_key(site, visit)
    conn = db.connection()
    event = visit["event"]
    if event == SHOW_EVENT:
        survey = _SURVEY_BY_ID.first(conn, {"id": visit.get("survey_id") or ""})
        if survey is None or survey.site_id != site.id:
            raise NotFound("survey", "survey_id")
        # fiilis.show() names its survey: every rule but event_not_trigger still applies.
        candidates = {survey.id: (survey, rules_of(survey, trigger_events=("*",)))}
    else:
        candidates = {
            survey.id: (survey, rules)
            for survey, rules in _live_surveys(conn, site)
            if eligibility.triggers_on(rules.trigger_events, event)
        }
    if not candidates:
        visitors.remember(conn, site, key, visit.get("traits"), now)
        db.commit()
        return None, "event_not_trigger"
    # The user's upsert (which locks them until commit) and their history go in one round trip;
    # the history is read after the upsert, so it sees what a concurrent request committed.
    stored, recalled = together(
        conn,
        visitors.remembering(conn, site, key, visit.get("traits"), now),
        (_USER_PROMPTS, {"site_id": site.id, "user_id": key, "now": now}),
    )
    traits = visitors.remembered(stored)
    ask = Ask(
        origin="event",
        user_key=key,
        now=now,
        event=event,
        props=visit.get("props") or {},
        url=visit.get("url"),
        traits=traits,
        site_cooldown_days=site.cooldown_days,
    )
    found, reason = _first_to_ask(conn, site, candidates, ask, recalled)
    if found is None:
        db.commit()
        return None, reason
    survey, prompt = found
    if prompt is None:
        prompt = _open_for_event(conn, site, survey, key, visit, traits, now)
    db.commit()
    return deliver(site, survey, prompt, visit.get("locale")), None


@dataclass(frozen=True)
class _Opened:
    id: str
    locale: str
    expires_at: datetime


def _open_for_event(conn, site, survey, key: str, visit: dict, traits: dict, now: datetime):
    opened = _Opened(
        keys.new_id("prm"),
        reading_locale(site, survey, visit.get("locale")),
        now + EVENT_TTL,
    )
    _INSERT_PROMPT.run(
        conn,
        {
            "id": opened.id,
            "site_id": site.id,
            "survey_id": survey.id,
            "user_id": key,
            "origin": "event",
            "channel": "widget",
            "status": "pending",
            "event": visit["event"],
            "context": visit.get("props") or {},
            "traits": traits,
            "locale": opened.locale,
            "url": visit.get("url"),
            "created_at": now,
            "expires_at": opened.expires_at,
        },
    )
    return opened


def _live_surveys(conn: Connection, site: Site | Row) -> list[tuple[Row, SurveyRules]]:
    """The site's surveys that are not archived, with their rules (``settings_cache``)."""
    return settings_cache.get(
        ("surveys", site.id),
        lambda: [(s, rules_of(s)) for s in _LIVE_SURVEYS.rows(conn, {"site_id": site.id})],
    )


def _first_to_ask(
    conn: Connection,
    site: Site | Row,
    candidates: dict[str, tuple[Survey, SurveyRules]],
    ask: Ask,
    recalled: list[Row],
) -> tuple[tuple[Survey, Prompt | None] | None, str | None]:
    surveys = [s for s, _ in candidates.values()]
    histories = user_histories(conn, site, surveys, ask.user_key, ask.now, recalled)
    furthest: str | None = None
    for rules in eligibility.rank(r for _, r in candidates.values()):
        survey = candidates[rules.id][0]
        decision = eligibility.decide(rules, histories[rules.id], ask)
        if decision.ask:
            return (survey, None), None
        if decision.reason == "already_pending":
            waiting = _PROMPT_TO_DELIVER.first(conn, {"id": decision.pending_prompt_id})
            # An e-mail link still open blocks a second ask, but is not shown in the page.
            if waiting.channel == "widget":
                return (survey, waiting), None
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


# -- eligibility from the database -----------------------------------------------------------


def _page_rules(stored: list | None) -> tuple[pages.PageRule, ...]:
    return tuple(pages.PageRule.from_dict(p) for p in stored or ())


def rules_of(survey: Survey, **overrides: Any) -> SurveyRules:
    fields = {
        "id": survey.id,
        "created_at": survey.created_at,
        "active": survey.active and survey.archived_at is None,
        "starts_at": survey.starts_at,
        "ends_at": survey.ends_at,
        "trigger_events": survey.trigger_events or (),
        "pages": _page_rules(survey.pages),
        "targeting": survey.targeting or (),
        "sample_rate": survey.sample_rate,
        "recontact_days": survey.recontact_days,
        "dismiss_snooze_days": survey.dismiss_snooze_days,
        "max_responses": survey.max_responses,
        "priority": survey.priority,
    }
    return SurveyRules(**{**fields, **overrides})


def user_histories(
    conn: Connection,
    site: Site | Row,
    surveys: list,
    key: str,
    now: datetime,
    recalled: list[Row] | None = None,
) -> dict[str, History]:
    """Each survey's history with this user: one query over the user's prompts on this site
    (``recalled``: its rows, when the caller sent it along with other statements), a second for
    the open ones' ids only when there are some, a third for the response counts only when a
    survey is capped."""
    who = {"site_id": site.id, "user_id": key, "now": now}
    if recalled is None:
        recalled = _USER_PROMPTS.rows(conn, who)
    per_survey = {row.survey_id: row for row in recalled}
    shown = max((row.shown for row in per_survey.values() if row.shown), default=None)
    pending: dict[str, str] = {}
    if any(row.open_since for row in per_survey.values()):
        for survey_id, prompt_id in _USER_OPEN_PROMPTS.rows(conn, who):
            pending.setdefault(survey_id, prompt_id)
    capped = [s.id for s in surveys if s.max_responses is not None]
    counts = dict(
        conn.execute(
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
            last_answered_at=per_survey[s.id].answered if s.id in per_survey else None,
            last_dismissed_at=per_survey[s.id].dismissed if s.id in per_survey else None,
            last_shown_at_any=shown,
            pending_prompt_id=pending.get(s.id),
        )
        for s in surveys
    }


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
