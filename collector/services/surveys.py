"""Surveys of a site."""

from __future__ import annotations

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector import pagination
from collector.domain import keys, texts
from collector.domain.problems import Invalid, NotFound
from collector.domain.scales import Scale
from collector.models import Response, Site, Survey, utcnow
from collector.schemas import check_dates, check_scale


def create(db: Session, site: Site, fields: dict) -> Survey:
    fields = dict(fields)
    _check_reasons(fields.get("reasons"))
    _check_texts(site, fields.get("texts"))
    fields.setdefault("name", _default_name(fields))
    if "scale" in fields:
        scale = fields.pop("scale")
        fields["scale_min"], fields["scale_max"] = scale["min"], scale["max"]
    if fields.get("schedule"):
        fields["schedule_since"] = utcnow()  # the people's turns count from today
    survey = Survey(id=keys.new_id("srv"), site_id=site.id, **fields)
    db.add(survey)
    db.commit()
    return survey


def _default_name(fields: dict) -> str:
    text = fields["question"]["en"]
    return text if len(text) <= 80 else text[:79] + "…"


def get(db: Session, site: Site, survey_id: str, param: str = "id") -> Survey:
    """The site's survey ``survey_id``, or a 404 naming ``param`` (the parameter that named it).
    Another site's survey is "not found", never "forbidden": ids do not leak across sites."""
    survey = db.get(Survey, survey_id)
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
    survey = get(db, site, survey_id)
    if "kind" in changes and changes["kind"] != survey.kind:
        raise Invalid(
            "kind_immutable",
            "kind cannot change: answers already given are on another scale. "
            "Archive this survey and create a new one.",
            param="kind",
        )
    changes = dict(changes)
    _check_reasons(changes.get("reasons"))
    _check_texts(site, changes.get("texts"))
    if "scale" in changes:
        _change_scale(db, survey, changes.pop("scale"))
    _check_dates(changes.get("starts_at", survey.starts_at), changes.get("ends_at", survey.ends_at))
    if "schedule" in changes:
        # A schedule set anew starts today; a changed one keeps its days (nobody is asked twice).
        if changes["schedule"] is None:
            survey.schedule_since = None
        elif survey.schedule is None:
            survey.schedule_since = utcnow()
    for field, value in changes.items():
        setattr(survey, field, value)
    db.commit()
    return survey


def _check_reasons(reasons: dict | None) -> None:
    """Each reason choice's id once: it is what an answer stores."""
    ids = [choice["id"] for choice in (reasons or {}).get("choices", ())]
    if len(set(ids)) != len(ids):
        twice = next(i for i in ids if ids.count(i) > 1)
        raise Invalid(
            "duplicate_reason",
            f"reasons.choices: the id {twice!r} is there twice; each choice needs its own id.",
            param="reasons.choices",
        )


def _check_texts(site: Site, given: dict | None) -> None:
    """A locale without built-in texts is whole with the site's texts for it (never half in
    English)."""
    for locale, own in (given or {}).items():
        missing = texts.missing(locale, {**(site.texts or {}).get(locale, {}), **own})
        if missing:
            raise Invalid(
                "incomplete_texts",
                f"texts.{locale}: {locale} has no built-in texts and the site's texts do not "
                f"give {', '.join(missing)}: give them here or in the site's texts.",
                param="texts",
            )


def _check_dates(starts_at, ends_at) -> None:
    # A change of one date is checked against the other, stored one.
    try:
        check_dates(starts_at, ends_at)
    except ValidationError as e:
        raise Invalid(
            "dates_out_of_order",
            "ends_at must be after starts_at (the survey's stored one, if only one is given).",
            param=e.field_name,
        ) from None


def _change_scale(db: Session, survey: Survey, scale: dict) -> None:
    try:
        check_scale(survey.kind, scale)
    except ValidationError as e:
        raise Invalid("validation_failed", f"scale: {e.messages[0]}", param="scale") from None
    now = Scale.of(survey.kind, survey.scale_min, survey.scale_max)
    if (scale["min"], scale["max"]) == (now.min, now.max):
        return
    answered = db.scalar(select(Response.id).where(Response.survey_id == survey.id).limit(1))
    if answered is not None:
        raise Invalid(
            "scale_immutable",
            f"scale cannot change: this survey's answers are on {now.label()}. "
            "Archive it and create a new survey with the other scale.",
            param="scale",
        )
    survey.scale_min, survey.scale_max = scale["min"], scale["max"]


def archive(db: Session, site: Site, survey_id: str) -> Survey:
    survey = get(db, site, survey_id)
    if survey.archived_at is None:
        survey.archived_at = utcnow()
        survey.active = False
        db.commit()
    return survey


def all_of_site(db: Session, site: Site, *, include_archived: bool = False) -> list[Survey]:
    """A site's surveys, oldest first (the command line's list)."""
    stmt = select(Survey).where(Survey.site_id == site.id)
    if not include_archived:
        stmt = stmt.where(Survey.archived_at.is_(None))
    return list(db.scalars(stmt.order_by(Survey.created_at, Survey.id)))
