"""Surveys of a site."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector import pagination
from collector.db import uow
from collector.domain import keys
from collector.models import Site, Survey, utcnow
from collector.services.failures import Invalid, NotFound


def create(db: Session, site: Site, fields: dict) -> Survey:
    with uow(db, write=True):
        fields = dict(fields)
        fields.setdefault("name", _default_name(fields))
        survey = Survey(id=keys.new_id("srv"), site_id=site.id, **fields)
        db.add(survey)
        return survey


def _default_name(fields: dict) -> str:
    text = fields["question"]["en"]
    return text if len(text) <= 80 else text[:79] + "…"


def get(db: Session, site: Site, survey_id: str, *, param: str = "id") -> Survey:
    """This site's survey, else not found (``param`` names where the id came from)."""
    survey = db.get(Survey, survey_id)
    # Another site's survey is "not found", never "forbidden": ids do not leak across sites.
    if survey is None or survey.site_id != site.id:
        raise NotFound("survey", param)
    return survey


def list_page(
    db: Session, site: Site, *, limit: int, cursor: str | None, include_archived: bool = False
):
    stmt = select(Survey).where(Survey.site_id == site.id)
    if not include_archived:
        stmt = stmt.where(Survey.archived_at.is_(None))
    return pagination.page(db, stmt, Survey, limit=limit, cursor=cursor)


def update(db: Session, site: Site, survey_id: str, changes: dict) -> Survey:
    with uow(db, write=True):
        survey = get(db, site, survey_id)
        if "kind" in changes and changes["kind"] != survey.kind:
            raise Invalid(
                "kind_immutable",
                "kind cannot change: answers already given are on another scale. "
                "Archive this survey and create a new one.",
                param="kind",
            )
        for field, value in changes.items():
            setattr(survey, field, value)
        return survey


def archive(db: Session, site: Site, survey_id: str) -> Survey:
    with uow(db, write=True):
        survey = get(db, site, survey_id)
        if survey.archived_at is None:
            survey.archived_at = utcnow()
            survey.active = False
        return survey


def all_of_site(db: Session, site: Site, *, include_archived: bool = False) -> list[Survey]:
    """A site's surveys, oldest first (the command line's list)."""
    stmt = select(Survey).where(Survey.site_id == site.id)
    if not include_archived:
        stmt = stmt.where(Survey.archived_at.is_(None))
    return list(db.scalars(stmt.order_by(Survey.created_at, Survey.id)))
