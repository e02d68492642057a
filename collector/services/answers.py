"""Answers from the widget: one response per prompt, whatever happens.

The database has the last word: ``responses.prompt_id`` is unique, so when two submissions race
the second insert fails and the stored response decides what the caller hears (the same answer
again → 200, another → 409). Each public function is one unit of work.

A comment may be added up to :data:`COMMENT_WINDOW` after the score, also after the prompt
itself has expired.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector import outbox
from collector.db import uow
from collector.domain import keys, scale
from collector.domain.tokens import Claims
from collector.domain.widget import StoredAnswer
from collector.models import Response
from collector.services import prompts
from collector.services.failures import Conflict, Invalid, NotFound
from collector.store import Tx, Work

COMMENT_WINDOW = timedelta(hours=24)
#: The longest comment kept, in characters (the widget, the API and the answer page).
MAX_COMMENT = 2000


def answer(work: Work, claims: Claims, data: dict, now: datetime) -> tuple[StoredAnswer, bool]:
    """Store the widget's score for the prompt a genuine token names; ``(answer, created)``.
    The same ``response_id`` with the same score again gives the stored answer; any other answer
    to an answered prompt is a 409.

    The common case, a first answer in time, is one insert that reads the prompt and one update;
    anything else (a replay, a race, an expired prompt, a score off the scale) is decided after
    the insert was refused or stored nothing."""
    response_id, score = data["response_id"], data["score"]
    given = {
        "response_id": response_id,
        "prompt_id": claims.prompt_id,
        "site_id": claims.site_id,
        "score": score,
        "comment": comment_text(data.get("comment")),
        "locale": data.get("locale"),
        "url": data.get("url"),
        "now": now,
    }
    try:
        with work.begin(write=True) as tx:
            # Off every scale (and perhaps too big for an integer column): never sent to the
            # database.
            stored = tx.answers.store(**given) if score in scale.ANY else None
            if stored is not None:  # what must reach the outside, in the answer's transaction
                work.record("response.created", claims.site_id, response_id, now)
    except IntegrityError as refused:
        # A racing or repeated submission stops here, on the unique prompt_id (or the response
        # id), and the stored response decides.
        with work.begin(write=False) as tx:
            existing = _existing(tx, response_id, claims.prompt_id)
        if existing is None:
            raise refused from None
        return _replay(existing, response_id, score), False
    if stored is not None:
        return stored, True
    with work.begin(write=False) as tx:
        return _refused(tx, claims, response_id, score, now), False


def _refused(tx: Tx, claims: Claims, response_id: str, score: int, now: datetime):
    """Why nothing was stored: no such prompt here (404/401), or it expired (410) or the score is
    off its scale (422), unless this very answer was stored before (its replay)."""
    target = tx.answers.target(claims.prompt_id)
    if target is None:
        raise NotFound("prompt", "token")
    if target.site_id != claims.site_id or target.channel != "widget":
        raise prompts.invalid_token()
    existing = _existing(tx, response_id, target.prompt_id)
    if existing is not None:
        return _replay(existing, response_id, score)
    if target.expires_at <= now:
        raise prompts.expired_prompt()
    if score not in target.scale:
        raise Invalid(
            "validation_failed",
            f"score: must be from {target.scale.min} to {target.scale.max} "
            f"for a {target.kind.upper()} survey.",
            param="score",
        )
    raise NotFound("prompt", "token")  # gone between the two reads (erased)


def _existing(tx: Tx, response_id: str, prompt_id: str) -> StoredAnswer | None:
    by_id = tx.answers.by_id(response_id)
    if by_id is not None and by_id.prompt_id != prompt_id:
        raise Conflict(
            "response_id_conflict",
            "This response_id was already used for another prompt; make a new one per prompt.",
            param="response_id",
        )
    return by_id or tx.answers.of_prompt(prompt_id)


def _replay(existing: StoredAnswer, response_id: str, score: int) -> StoredAnswer:
    if existing.id == response_id and existing.score == score:
        return existing
    raise Conflict(
        "already_answered",
        "This prompt was already answered with another score.",
        param="score",
    )


def add_comment(db: Session, response_id: str, data: dict, now: datetime) -> Response:
    """The follow-up comment for a response, within the comment window; a new one replaces it."""
    with uow(db, write=True):
        prompt = prompts.by_token(db, data["token"], now, channel="widget", allow_expired=True)
        response = db.get(Response, keys.canonical_response_id(response_id))
        if response is None or response.prompt_id != prompt.id:
            raise NotFound("response", "response_id")
        if now >= response.created_at + COMMENT_WINDOW:
            raise Conflict(
                "comment_window_closed",
                f"A comment can be added up to {_hours(COMMENT_WINDOW)} hours after the score.",
                param="comment",
            )
        response.comment = comment_text(data.get("comment"))
        response.updated_at = now
        outbox.record(db, "response.updated", response.site_id, response.id, now=now)
    return response


def comment_text(text: str | None) -> str | None:
    """A comment as stored: trimmed, and none when nothing is left."""
    text = (text or "").strip()
    return text or None


def open_for_comment(response, now: datetime) -> bool:
    """A comment may still be added: none yet, and within the window after the score."""
    return response.comment is None and now < response.created_at + COMMENT_WINDOW


def _hours(delta: timedelta) -> int:
    return int(delta.total_seconds() // 3600)
