"""What Fiilis holds about one user of a site: export it, erase it, and purge by retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.orm import Session

from collector.domain.problems import Invalid, NotFound
from collector.models import FollowupChange, Prompt, Response, Site, User, utcnow
from collector.services import answer_reasons, results, reviews, tagging

MAX_USER_ID = 200


@dataclass(frozen=True)
class UserData:
    """Everything held about one user on one site, newest first."""

    user_id: str
    user: User | None
    prompts: list[Prompt]
    responses: list[results.ResponseView]


def prompt_status(prompt: Prompt) -> str:
    """The stored status, with an open prompt past its expiry shown as ``expired``."""
    if prompt.status in ("pending", "shown") and prompt.expires_at <= utcnow():
        return "expired"
    return prompt.status


def checked_user_id(user_id: str) -> str:
    """The user id, or a 422 naming ``user_id`` (1–200 characters)."""
    if not user_id or len(user_id) > MAX_USER_ID:
        raise Invalid(
            "validation_failed",
            f"user_id: a user id is 1–{MAX_USER_ID} characters.",
            param="user_id",
        )
    return user_id


def export(db: Session, site: Site, user_id: str) -> UserData:
    """The user's row with its traits, every prompt and every response (with follow-up history)."""
    checked_user_id(user_id)
    user = db.scalar(select(User).where(User.site_id == site.id, User.user_id == user_id))
    prompts = list(
        db.scalars(
            select(Prompt)
            .where(Prompt.site_id == site.id, Prompt.user_id == user_id)
            .order_by(Prompt.created_at.desc(), Prompt.id.desc())
        )
    )
    responses = list(
        db.scalars(
            select(Response)
            .where(Response.site_id == site.id, Response.user_id == user_id)
            .order_by(Response.created_at.desc(), Response.id.desc())
        )
    )
    if user is None and not prompts and not responses:
        raise NotFound("user", "user_id")
    kinds = results.kinds_of(db, {r.survey_id for r in responses})
    history = results.histories(db, [r.id for r in responses])
    ids = [r.id for r in responses]
    tags = tagging.tags_of(db, ids)
    reasons = answer_reasons.reasons_of(db, ids)
    views = [
        results.ResponseView(
            r, kinds[r.survey_id], history[r.id], tags=tags[r.id], reasons=reasons[r.id]
        )
        for r in responses
    ]
    return UserData(user_id, user, prompts, views)


def erase(db: Session, site: Site, user_id: str) -> dict:
    """Delete the user's prompts, responses (with their follow-up) and user row on this site, in
    one transaction. Erasing again finds nothing and answers zeros, so a retry is harmless."""
    checked_user_id(user_id)
    answers = select(Response.id).where(Response.site_id == site.id, Response.user_id == user_id)
    reviews.forget_responses(db, site, list(db.scalars(answers)))
    counts = _delete(
        db,
        followups=FollowupChange.response_id.in_(answers.scalar_subquery()),
        responses=(Response.site_id == site.id) & (Response.user_id == user_id),
        prompts=(Prompt.site_id == site.id) & (Prompt.user_id == user_id),
        users=(User.site_id == site.id) & (User.user_id == user_id),
    )
    db.commit()
    return {"user_id": user_id, "deleted": counts}


_TABLES = {
    "followups": FollowupChange,
    "responses": Response,
    "prompts": Prompt,
    "users": User,
}


def _delete(db: Session, **where: ColumnElement[bool]) -> dict[str, int]:
    """Delete in dependency order (follow-ups, responses, prompts, users); the counts, without
    follow-ups."""
    counts = {}
    for name, model in _TABLES.items():
        stmt = delete(model).where(where[name]).execution_options(synchronize_session=False)
        counts[name] = db.execute(stmt).rowcount
    counts.pop("followups")
    return counts


@dataclass(frozen=True)
class Purged:
    """What retention removed (or, in a dry run, would remove) from one site."""

    site_id: str
    site_name: str
    retention_days: int
    cutoff: datetime
    responses: int
    prompts: int
    users: int


def purge(db: Session, *, now: datetime | None = None, dry_run: bool = False) -> list[Purged]:
    """Apply each site's ``retention_days``: delete responses and prompts made before the cutoff,
    and users not seen since it who have nothing left. One transaction per site.

    A prompt older than the cutoff stays while a response that stays refers to it.
    """
    now = now or utcnow()
    done = []
    sites = db.scalars(
        select(Site).where(Site.retention_days.is_not(None)).order_by(Site.created_at, Site.id)
    ).all()
    for site in sites:
        cutoff = now - timedelta(days=site.retention_days)
        where = _expired(site.id, cutoff)
        if dry_run:
            counts = {
                name: db.scalar(select(func.count()).select_from(_TABLES[name]).where(cond))
                for name, cond in where.items()
                if name != "followups"
            }
            db.rollback()
        else:
            counts = _delete(db, **where)
            reviews.forget_missing_responses(db, site)
            db.commit()
        done.append(Purged(site.id, site.name, site.retention_days, cutoff, **counts))
    return done


def _expired(site_id: str, cutoff: datetime) -> dict[str, ColumnElement[bool]]:
    old_answers = select(Response.id).where(
        Response.site_id == site_id, Response.created_at < cutoff
    )
    answer_stays = exists().where(Response.prompt_id == Prompt.id, Response.created_at >= cutoff)
    recent_prompt = exists().where(
        Prompt.site_id == site_id, Prompt.user_id == User.user_id, Prompt.created_at >= cutoff
    )
    recent_answer = exists().where(
        Response.site_id == site_id, Response.user_id == User.user_id, Response.created_at >= cutoff
    )
    return {
        "followups": FollowupChange.response_id.in_(old_answers.scalar_subquery()),
        "responses": (Response.site_id == site_id) & (Response.created_at < cutoff),
        "prompts": (Prompt.site_id == site_id) & (Prompt.created_at < cutoff) & ~answer_stays,
        "users": (User.site_id == site_id)
        & (User.last_seen_at < cutoff)
        & ~recent_prompt
        & ~recent_answer,
    }
