"""Results: the responses list, one response and its follow-up (DESIGN §7); the metrics are
``collector/services/metrics.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    and_,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from collector import outbox, pagination
from collector.domain import followup, keys
from collector.domain.problems import NotFound
from collector.domain.scales import Scale
from collector.models import (
    FollowupChange,
    Prompt,
    Response,
    Site,
    Survey,
    SurveyMail,
    utcnow,
)
from collector.services import answer_reasons, search, surveys, tagging

FOLLOWUP_STATUSES = followup.STATUSES


# -- responses -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseView:
    """A response as the API shows it: the stored row plus its survey's kind (and history)."""

    response: Response
    kind: str
    history: list[FollowupChange] | None = None
    tags: list[str] = field(default_factory=list)
    scale: Scale | None = None  # the survey's scale
    reasons: list[str] = field(default_factory=list)  # the chosen reason ids, sorted

    def __getattr__(self, name: str) -> Any:
        return getattr(self.response, name)


def _filtered(db: Session, site: Site, filters: dict) -> Any:
    stmt = select(Response).where(Response.site_id == site.id)
    if filters.get("survey"):
        stmt = stmt.where(
            Response.survey_id == surveys.get(db, site, filters["survey"], "survey").id
        )
    if filters.get("user_id") is not None:
        stmt = stmt.where(Response.user_id == filters["user_id"])
    if filters.get("since") is not None:
        stmt = stmt.where(Response.created_at >= filters["since"])
    if filters.get("until") is not None:
        stmt = stmt.where(Response.created_at < filters["until"])
    if filters.get("min_score") is not None:
        stmt = stmt.where(Response.score >= filters["min_score"])
    if filters.get("max_score") is not None:
        stmt = stmt.where(Response.score <= filters["max_score"])
    if filters.get("bands") is not None:
        # Score bands differ per kind: ``[(survey ids, low, high), …]``, any of them (the
        # dashboard's "low scores first" reads one band of every survey in one query).
        # SQLite picks the score index for a band and sorts all of the band's answers for one
        # page; ``score + 0`` keeps it on the index in time order. PostgreSQL's estimates choose
        # well for the column and cannot estimate the expression.
        score = Response.score + 0 if db.get_bind().dialect.name == "sqlite" else Response.score
        matches = [
            and_(Response.survey_id.in_(ids), score.between(low, high))
            for ids, low, high in filters["bands"]
        ]
        stmt = stmt.where(or_(*matches) if matches else false())
    if filters.get("followup_status"):
        stmt = stmt.where(Response.followup_status == filters["followup_status"])
    if filters.get("search") and search.terms(filters["search"]):
        stmt = stmt.where(search.matches(db, filters["search"]))
    if filters.get("owner") is not None:
        # "" is "nobody": the dashboard's filter for follow-ups no one has taken.
        owner = filters["owner"]
        stmt = stmt.where(
            Response.followup_owner == owner if owner else Response.followup_owner.is_(None)
        )
    if filters.get("tag"):
        stmt = stmt.where(Response.id.in_(tagging.tagged(site.id, filters["tag"])))
    if filters.get("reason"):
        stmt = stmt.where(Response.id.in_(answer_reasons.giving(site.id, filters["reason"])))
    if filters.get("has_comment") is True:
        # Written as the partial index ``ix_responses_commented`` says it (a literal, not a
        # parameter), so that both databases know the index holds every row asked for.
        stmt = stmt.where(Response.comment.is_not(None), Response.comment != literal_column("''"))
    elif filters.get("has_comment") is False:
        stmt = stmt.where(or_(Response.comment.is_(None), Response.comment == ""))
    return stmt


def kinds_of(db: Session, survey_ids: set[str]) -> dict[str, str]:
    if not survey_ids:
        return {}
    return dict(db.execute(select(Survey.id, Survey.kind).where(Survey.id.in_(survey_ids))).all())


def scales_of(db: Session, survey_ids: set[str]) -> dict[str, Scale]:
    if not survey_ids:
        return {}
    stmt = select(Survey.id, Survey.kind, Survey.scale_min, Survey.scale_max).where(
        Survey.id.in_(survey_ids)
    )
    return {sid: Scale.of(kind, low, high) for sid, kind, low, high in db.execute(stmt)}


def list_page(db: Session, site: Site, filters: dict, *, limit: int, cursor: str | None):
    """One page of the site's responses, newest first, and whether more follow."""
    items, more = pagination.page(
        db, _filtered(db, site, filters), Response, limit=limit, cursor=cursor
    )
    scales = scales_of(db, {r.survey_id for r in items})
    tags = tagging.tags_of(db, [r.id for r in items])
    reasons = answer_reasons.reasons_of(db, [r.id for r in items])
    views = [
        ResponseView(
            r,
            scales[r.survey_id].kind,
            tags=tags[r.id],
            scale=scales[r.survey_id],
            reasons=reasons[r.id],
        )
        for r in items
    ]
    return views, more


def count(db: Session, site: Site, filters: dict, *, up_to: int | None = None) -> int:
    """How many of the site's responses pass ``filters`` (the list's total); with ``up_to``, it
    stops counting there (a count of millions would read them all)."""
    matching = _filtered(db, site, filters).with_only_columns(literal(1))
    if up_to is not None:
        matching = matching.limit(up_to)
    return db.scalar(select(func.count()).select_from(matching.subquery()))


def histories(db: Session, response_ids: list[str]) -> dict[str, list[FollowupChange]]:
    out: dict[str, list[FollowupChange]] = {rid: [] for rid in response_ids}
    if response_ids:
        stmt = (
            select(FollowupChange)
            .where(FollowupChange.response_id.in_(response_ids))
            .order_by(FollowupChange.created_at, FollowupChange.id)
        )
        for change in db.scalars(stmt):
            out[change.response_id].append(change)
    return out


def asked_by(db: Session, prompt_ids: list[str]) -> dict[str, str]:
    """How the answers of ``prompt_ids`` were asked, for those not asked in the app: ``email``
    (Fiilis mailed the link) or ``link`` (the team sent it themselves)."""
    if not prompt_ids:
        return {}
    mailed = select(SurveyMail.id).where(SurveyMail.prompt_id == Prompt.id).exists()
    stmt = select(Prompt.id, mailed).where(Prompt.id.in_(prompt_ids), Prompt.channel == "link")
    return {pid: "email" if was_mailed else "link" for pid, was_mailed in db.execute(stmt)}


def _owned(db: Session, site: Site, response_id: str, *, lock: bool = False) -> Response:
    # Locked for a change, so that concurrent changes queue and each history entry is whole.
    response = db.get(Response, keys.canonical_response_id(response_id), with_for_update=lock)
    if response is None or response.site_id != site.id:
        raise NotFound("response", "id")
    return response


def get(db: Session, site: Site, response_id: str) -> ResponseView:
    """One response with its follow-up history, oldest change first."""
    response = _owned(db, site, response_id)
    history = histories(db, [response.id])[response.id]
    scale = scales_of(db, {response.survey_id})[response.survey_id]
    tags = tagging.tags_of(db, [response.id])[response.id]
    reasons = answer_reasons.reasons_of(db, [response.id])[response.id]
    return ResponseView(response, scale.kind, history, tags, scale, reasons)


def update_followup(
    db: Session, site: Site, response_id: str, changes: dict, *, actor: str | None = "api"
) -> ResponseView:
    """Change follow-up status, owner or note (a change that changes something is kept with its
    time) and the tags (``tags`` replaces them, ``add_tags`` and ``remove_tags`` change them), in
    one transaction."""
    response = _owned(db, site, response_id, lock=True)
    if {"tags", "add_tags", "remove_tags"} & set(changes):
        tagging.tag_responses(
            db,
            site,
            [response.id],
            add=changes.get("add_tags", ()),
            remove=changes.get("remove_tags", ()),
            replace=changes.get("tags"),
            commit=False,
        )
    changed = False
    for name in ("followup_status", "followup_owner", "followup_note"):
        if name in changes and getattr(response, name) != changes[name]:
            setattr(response, name, changes[name])
            changed = True
    if changed:
        now = utcnow()
        response.updated_at = now
        db.add(
            FollowupChange(
                response_id=response.id,
                status=response.followup_status,
                owner=response.followup_owner,
                note=response.followup_note,
                actor=actor,
                created_at=now,
            )
        )
        outbox.record(db, "followup.updated", site.id, response.id, now=now)
    db.commit()
    return get(db, site, response_id)


def scale_of(survey: Survey) -> Scale:
    """The survey's answer scale (its own, or its kind's default)."""
    return Scale.of(survey.kind, survey.scale_min, survey.scale_max)
