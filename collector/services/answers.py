"""Answers to prompts: one response per prompt, whatever happens, from the widget or a link.

The database has the last word: ``responses.prompt_id`` is unique, so when two submissions race
the second insert fails and the stored response decides what the caller hears (the same answer
again → 200, another → 409). Each public function is one transaction.

A comment may be added up to :data:`COMMENT_WINDOW` after the score, also after the prompt
itself has expired.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import (
    Connection,
    Integer,
    String,
    Text,
    bindparam,
    case,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from collector import outbox
from collector.domain import followup, keys
from collector.domain.problems import Conflict, Invalid, NotFound
from collector.domain.scales import Scale
from collector.domain.scoring import SCALES
from collector.domain.tokens import Claims
from collector.models import Prompt, Response, Survey, UTCDateTime
from collector.prepared import Prepared
from collector.services import prompts, reasoning

# A widget's answer is the hot path: statements built once and run prepared (collector.prepared).
_p, _s, _r = Prompt.__table__.c, Survey.__table__.c, Response.__table__.c
_ANY_SCALE = (min(low for low, _ in SCALES.values()), max(high for _, high in SCALES.values()))
_NOW = bindparam("now", type_=UTCDateTime())
_SCORE = bindparam("score", type_=Integer())
_PROMPT_TO_ANSWER = Prepared(
    select(_p.id, _p.site_id, _p.channel, _p.expires_at, _s.kind, _s.scale_min, _s.scale_max)
    .join(Survey.__table__, _s.id == _p.survey_id)
    .where(_p.id == bindparam("prompt_id"))
)
#: The common case in one statement: the answer is stored only if the prompt is this site's
#: widget prompt, still open, and the score is on its survey's scale. The prompt's context is
#: copied by the database, never parsed here.
_ANSWER = Prepared(
    insert(Response.__table__)
    .from_select(
        [
            *(_r.id, _r.site_id, _r.survey_id, _r.prompt_id, _r.user_id, _r.score, _r.comment),
            *(_r.locale, _r.url, _r.event, _r.context, _r.traits, _r.followup_status),
            *(_r.created_at, _r.updated_at),
        ],
        select(
            *(bindparam("response_id", type_=String()), _p.site_id, _p.survey_id, _p.id),
            *(_p.user_id, _SCORE, bindparam("comment", type_=Text())),
            func.coalesce(bindparam("locale", type_=String()), _p.locale),
            func.coalesce(bindparam("url", type_=String()), _p.url),
            *(_p.event, _p.context, _p.traits),
            # Open only in a band the survey follows up (its policy), else "none".
            followup.status_sql(_s.kind, _s.scale_min, _s.scale_max, _s.followup_bands, _SCORE),
            *(_NOW, _NOW),
        )
        .join(Survey.__table__, _s.id == _p.survey_id)
        .where(
            _p.id == bindparam("prompt_id"),
            _p.site_id == bindparam("site_id"),
            _p.channel == "widget",
            _p.expires_at > _NOW,
            # The survey's own scale, or its kind's default.
            _SCORE.between(
                func.coalesce(
                    _s.scale_min,
                    case({kind: low for kind, (low, _) in SCALES.items()}, value=_s.kind),
                ),
                func.coalesce(
                    _s.scale_max,
                    case({kind: high for kind, (_, high) in SCALES.items()}, value=_s.kind),
                ),
            ),
        ),
    )
    .returning(_r.locale)
)
_MARK_ANSWERED = Prepared(
    update(Prompt.__table__)
    .where(_p.id == bindparam("prompt_id"))
    .values(
        status="answered",
        answered_at=func.coalesce(_p.answered_at, _NOW),
        shown_at=func.coalesce(_p.shown_at, _NOW),
    )
)
COMMENT_WINDOW = timedelta(hours=24)
MAX_COMMENT = 2000


# -- the widget ------------------------------------------------------------------------------


def submit(
    db: Session, data: dict, now: datetime, *, claims: Claims | None = None
) -> tuple[dict, bool]:
    """Store the widget's score; ``(response, created)``. The same ``response_id`` with the same
    score again gives the stored response; any other answer to an answered prompt is a 409.

    The common case, a first answer in time, is one insert that reads the prompt and one update;
    anything else (a replay, a race, an expired prompt, a score off the scale) is decided after
    the insert was refused or stored nothing."""
    if claims is None:  # the caller may have read the token already (the origin gate does)
        claims = prompts.read_token(data["token"], now, allow_expired=True)
    conn = db.connection()
    response_id, score, comment = (
        data["response_id"],
        data["score"],
        comment_text(data.get("comment")),
    )
    answer = {
        "response_id": response_id,
        "prompt_id": claims.prompt_id,
        "site_id": claims.site_id,
        "score": score,
        "comment": comment,
        "locale": data.get("locale"),
        "url": data.get("url"),
        "now": now,
    }
    if not _ANY_SCALE[0] <= score <= _ANY_SCALE[1]:
        # Off every scale (and perhaps too big for an integer column): never sent to the database.
        return _view(db, _refused(db, conn, claims, response_id, score, now)), False
    try:
        # A racing or repeated submission stops here, on the unique prompt_id (or the response
        # id), and the stored response decides.
        stored = _ANSWER.first(conn, answer)
    except IntegrityError:
        db.rollback()
        existing = _existing(db, response_id, claims.prompt_id)
        if existing is None:
            raise
        return _view(db, _replay(existing, response_id, score)), False
    if stored is None:
        return _view(db, _refused(db, conn, claims, response_id, score, now)), False
    _MARK_ANSWERED.run(conn, {"prompt_id": claims.prompt_id, "now": now})
    outbox.record(db, "response.created", claims.site_id, response_id, now=now)
    db.commit()
    response = {
        "id": response_id,
        "prompt_id": claims.prompt_id,
        "score": score,
        "comment": comment,
        "reasons": [],
        "locale": stored.locale,
        "created_at": now,
        "updated_at": now,
    }
    return response, True


def _refused(
    db: Session, conn: Connection, claims: Claims, response_id: str, score: int, now: datetime
):
    """Why nothing was stored: no such prompt here (404/401), or it expired (410) or the score is
    off its scale (422), unless this very answer was stored before (its replay)."""
    prompt = _PROMPT_TO_ANSWER.first(conn, {"prompt_id": claims.prompt_id})
    prompts.check_claims(prompt, claims, channel="widget")
    existing = _existing(db, response_id, prompt.id)
    if existing is not None:
        return _replay(existing, response_id, score)
    if prompt.expires_at <= now:
        raise prompts.expired_prompt()
    scale = Scale.of(prompt.kind, prompt.scale_min, prompt.scale_max)
    if score not in scale:
        raise _off_scale(scale)
    raise NotFound("prompt", "token")  # gone between the two reads (erased)


def amend(db: Session, response_id: str, data: dict, now: datetime) -> dict:
    """Change a widget answer within the comment window: its ``comment`` (a new one replaces
    it), its ``score`` (picked again before Send: on the survey's scale, the follow-up status
    follows the new band as on the answer page) and its ``reasons`` (replaced). One
    transaction, with a ``response.updated`` event."""
    prompt = prompts.by_token(db, data["token"], now, channel="widget", allow_expired=True)
    response = db.get(Response, keys.canonical_response_id(response_id))
    if response is None or response.prompt_id != prompt.id:
        raise NotFound("response", "response_id")
    param = next(name for name in ("score", "reasons", "comment") if name in data)
    if now >= response.created_at + COMMENT_WINDOW:
        raise Conflict(
            "comment_window_closed",
            f"An answer can be changed up to {_hours(COMMENT_WINDOW)} hours after the score.",
            param=param,
        )
    survey = db.get(Survey, response.survey_id)
    if "score" in data and data["score"] != response.score:
        scale = Scale.of(survey.kind, survey.scale_min, survey.scale_max)
        if data["score"] not in scale:
            raise _off_scale(scale)
        rescore(response, survey, data["score"])
        if "reasons" not in data:
            drop_unasked_reasons(db, response, survey)
    if "reasons" in data:
        reasoning.replace(db, response, reasoning.checked(survey, response.score, data["reasons"]))
    if "comment" in data:
        response.comment = comment_text(data.get("comment"))
    response.updated_at = now
    outbox.record(db, "response.updated", response.site_id, response.id, now=now)
    db.commit()
    return _view(db, response)


def _view(db: Session, response: Response) -> dict:
    """A stored answer as the browser API shows it."""
    reasons = reasoning.reasons_of(db, [response.id])[response.id]
    return {name: getattr(response, name) for name in _WIDGET_FIELDS} | {"reasons": reasons}


_WIDGET_FIELDS = ("id", "prompt_id", "score", "comment", "locale", "created_at", "updated_at")


def _existing(db: Session, response_id: str, prompt_id: str) -> Response | None:
    by_id = db.get(Response, response_id, populate_existing=True)
    if by_id is not None and by_id.prompt_id != prompt_id:
        raise Conflict(
            "response_id_conflict",
            "This response_id was already used for another prompt; make a new one per prompt.",
            param="response_id",
        )
    return by_id or db.scalar(select(Response).where(Response.prompt_id == prompt_id))


def _replay(existing: Response, response_id: str, score: int) -> Response:
    if existing.id == response_id and existing.score == score:
        return existing
    raise Conflict(
        "already_answered",
        "This prompt was already answered with another score.",
        param="score",
    )


def _off_scale(scale: Scale) -> Invalid:
    return Invalid(
        "validation_failed",
        f"score: must be from {scale.min} to {scale.max} for this {scale.kind.upper()} survey.",
        param="score",
    )


def new_response(
    prompt: Prompt, survey: Survey, response_id: str, score: int, now: datetime
) -> Response:
    return Response(
        id=response_id,
        site_id=prompt.site_id,
        survey_id=prompt.survey_id,
        prompt_id=prompt.id,
        user_id=prompt.user_id,
        score=score,
        event=prompt.event,
        context=prompt.context or {},
        traits=prompt.traits or {},
        locale=prompt.locale,
        followup_status=followup.initial_status(
            Scale.of(survey.kind, survey.scale_min, survey.scale_max), survey.followup_bands, score
        ),
        created_at=now,
        updated_at=now,
    )


def mark_answered(prompt: Prompt, now: datetime) -> None:
    prompt.status = "answered"
    prompt.answered_at = prompt.answered_at or now
    prompt.shown_at = prompt.shown_at or now


def comment_text(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _hours(delta: timedelta) -> int:
    return int(delta.total_seconds() // 3600)


def rescore(response: Response, survey: Survey, score: int) -> None:
    """Another score replaces the first (a mail scanner's click, then the person's own): the
    status follows the new band while nobody has taken the follow-up up (no owner, no note)."""
    response.score = score
    untouched = response.followup_owner is None and response.followup_note is None
    if untouched and response.followup_status in ("open", "none"):
        scale = Scale.of(survey.kind, survey.scale_min, survey.scale_max)
        response.followup_status = followup.initial_status(scale, survey.followup_bands, score)


def drop_unasked_reasons(db: Session, response: Response, survey: Survey) -> None:
    """A new score in a band the survey asks no reasons after leaves none."""
    if not reasoning.asked_after(survey, response.score):
        reasoning.replace(db, response, [])


def open_for_comment(response: Response, now: datetime) -> bool:
    return response.comment is None and now < response.created_at + COMMENT_WINDOW
