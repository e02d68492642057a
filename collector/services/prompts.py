"""Prompts: the tokens that carry them, a prompt as the management API reads it, and what the
widget reports of one it showed (shown, dismissed). Who is asked lives in ``visits`` (the
widget's page views and events) and ``triggers`` (the backend's requests).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.db import uow
from collector.domain.tokens import Claims, PromptTokens, TokenError, TokenExpired
from collector.domain.widget import OPEN_STATUSES, effective_status
from collector.models import Prompt, Response, Site
from collector.services.failures import Gone, NotFound, Refused, Unauthenticated

#: The statuses of a prompt still waiting for its answer.
OPEN = OPEN_STATUSES


# -- tokens ----------------------------------------------------------------------------------


def tokens() -> PromptTokens:
    """The app's prompt token maker: SECRET_KEY signs, SECRET_KEY_FALLBACKS still verify."""
    made = current_app.extensions.get("fiilis.prompt_tokens")
    if made is None:
        config = current_app.config
        made = PromptTokens(config["SECRET_KEY"], config.get("SECRET_KEY_FALLBACKS") or ())
        current_app.extensions["fiilis.prompt_tokens"] = made
    return made


def invalid_token(message: str = "This token was not issued by this collector.") -> Refused:
    return Unauthenticated("invalid_token", message, param="token")


def expired_prompt() -> Refused:
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


def check_claims(prompt: Prompt | None, claims: Claims, *, channel: str) -> None:
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


def get(db: Session, site: Site, prompt_id: str, now: datetime, *, link_base: str) -> dict:
    """A prompt as the management API shows it; an open prompt past its expiry is ``expired``."""
    prompt = db.get(Prompt, prompt_id)
    if prompt is None or prompt.site_id != site.id:
        raise NotFound("prompt", "id")
    status = effective_status(prompt.status, prompt.expires_at, now)
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


def link_url(base: str, prompt: Prompt) -> str:
    """The hosted answer page of a link prompt, with a fresh token."""
    return f"{base.rstrip('/')}/r/{tokens().sign(prompt.id, prompt.site_id, prompt.expires_at)}"


# -- what the widget reports -----------------------------------------------------------------


def mark(db: Session, prompt_id: str, token: str, outcome: str, now: datetime) -> None:
    """The widget showed (``shown``) or closed (``dismissed``) a prompt. Repeats change nothing,
    and an answered prompt stays answered."""
    with uow(db, write=True):
        prompt = by_token(db, token, now, channel="widget", prompt_id=prompt_id)
        prompt.shown_at = prompt.shown_at or now
        if outcome == "shown" and prompt.status == "pending":
            prompt.status = "shown"
        elif outcome == "dismissed" and prompt.status in OPEN:
            prompt.status = "dismissed"
            prompt.dismissed_at = now
