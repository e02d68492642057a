"""Results: the responses list, one response and its follow-up (DESIGN §7). The CSV export is
``export``, the metrics ``metrics``; their names are here too for the callers that know results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from collector import outbox, pagination
from collector.db import uow
from collector.domain import keys
from collector.domain.periods import INTERVALS
from collector.models import FollowupChange, Response, Site, Survey, utcnow
from collector.services import search, surveys, tagging
from collector.services.failures import NotFound

FOLLOWUP_STATUSES = ("open", "in_progress", "closed")
__all__ = ["INTERVALS", "MetricsQuery", "csv_lines", "metrics"]


# -- responses -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseView:
    """A response as the API shows it: the stored row plus its survey's kind (and history)."""

    response: Response
    kind: str
    history: list[FollowupChange] | None = None
    tags: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.response, name)


def survey_of(db: Session, site: Site, survey_id: str, param: str = "survey") -> Survey:
    return surveys.get(db, site, survey_id, param=param)


def filtered(db: Session, site: Site, filters: dict) -> Any:
    stmt = select(Response).where(Response.site_id == site.id)
    if filters.get("survey"):
        stmt = stmt.where(Response.survey_id == survey_of(db, site, filters["survey"]).id)
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
        matches = [
            and_(Response.survey_id.in_(ids), Response.score.between(low, high))
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
    if filters.get("has_comment") is True:
        stmt = stmt.where(Response.comment.is_not(None), Response.comment != "")
    elif filters.get("has_comment") is False:
        stmt = stmt.where(or_(Response.comment.is_(None), Response.comment == ""))
    return stmt


def kinds_of(db: Session, survey_ids: set[str]) -> dict[str, str]:
    if not survey_ids:
        return {}
    return dict(db.execute(select(Survey.id, Survey.kind).where(Survey.id.in_(survey_ids))).all())


def list_page(db: Session, site: Site, filters: dict, *, limit: int, cursor: str | None):
    """One page of the site's responses, newest first, and whether more follow."""
    items, more = pagination.page(
        db, filtered(db, site, filters), Response, limit=limit, cursor=cursor
    )
    kinds = kinds_of(db, {r.survey_id for r in items})
    tags = tagging.tags_of(db, [r.id for r in items])
    return [ResponseView(r, kinds[r.survey_id], tags=tags[r.id]) for r in items], more


def count(db: Session, site: Site, filters: dict) -> int:
    """How many of the site's responses pass ``filters`` (the list's total)."""
    return db.scalar(select(func.count()).select_from(filtered(db, site, filters).subquery()))


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
    kind = kinds_of(db, {response.survey_id})[response.survey_id]
    return ResponseView(response, kind, history, tagging.tags_of(db, [response.id])[response.id])


def update_followup(
    db: Session, site: Site, response_id: str, changes: dict, *, actor: str | None = "api"
) -> ResponseView:
    """Change follow-up status, owner or note (a change that changes something is kept with its
    time) and the tags (``tags`` replaces them, ``add_tags`` and ``remove_tags`` change them), in
    one transaction."""
    with uow(db, write=True):
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
        return get(db, site, response_id)


from collector.services.export import csv_lines  # noqa: E402  (export reads the list's filters)
from collector.services.metrics import MetricsQuery, metrics  # noqa: E402
