"""``/v1/surveys``: create, list, read, change and archive surveys."""

from flask import Blueprint
from marshmallow import fields

from collector import db, pagination
from collector.api.auth import current_site
from collector.api.body import json_body, query
from collector.openapi import Refusal, doc
from collector.schemas import SurveyVariantsSchema, list_of
from collector.services import surveys

bp = Blueprint("surveys", __name__, url_prefix="/surveys")

survey_schema = SurveyVariantsSchema()
survey_list = list_of(SurveyVariantsSchema, "SurveyList")()


class SurveyQuerySchema(pagination.PageQuerySchema):
    include_archived = fields.Bool(load_default=False)


survey_query = SurveyQuerySchema()


DUPLICATE_REASON = Refusal(
    422, "duplicate_reason", "reasons.choices", "when two reason choices have the same id"
)
INCOMPLETE_TEXTS = Refusal(
    422,
    "incomplete_texts",
    "texts",
    "for a locale without built-in texts that lacks some of the card's, here and in the site's",
)


@bp.post("")
@doc(
    "Create a survey",
    body=survey_schema,
    response=survey_schema,
    status=201,
    refusals=(DUPLICATE_REASON, INCOMPLETE_TEXTS),
    tag="surveys",
)
def create():
    survey = surveys.create(db.session(), current_site(), json_body(survey_schema))
    return survey, 201


@bp.get("")
@doc("List surveys, newest first", query=survey_query, response=survey_list, tag="surveys")
def list_():
    q = query(survey_query)
    items, more = surveys.list_page(
        db.session(),
        current_site(),
        limit=q["limit"],
        cursor=q["cursor"],
        include_archived=q["include_archived"],
    )
    return pagination.envelope(items, more)


@bp.get("/<survey_id>")
@doc("Read a survey", response=survey_schema, tag="surveys")
def get(survey_id: str):
    return surveys.get(db.session(), current_site(), survey_id)


@bp.patch("/<survey_id>")
@doc(
    "Change a survey",
    body=survey_schema,
    response=survey_schema,
    refusals=(
        Refusal(422, "kind_immutable", "kind", "for another kind than the survey's"),
        Refusal(422, "scale_immutable", "scale", "for another scale once the survey has answers"),
        Refusal(422, "dates_out_of_order", "ends_at", "for an end at or before the stored start"),
        DUPLICATE_REASON,
        INCOMPLETE_TEXTS,
    ),
    tag="surveys",
)
def update(survey_id: str):
    changes = json_body(survey_schema, partial=True)
    return surveys.update(db.session(), current_site(), survey_id, changes)


@bp.delete("/<survey_id>")
@doc("Archive a survey (its answers stay)", response=survey_schema, tag="surveys")
def archive(survey_id: str):
    return surveys.archive(db.session(), current_site(), survey_id)
