"""``/v1/reviews`` and ``/v1/actions``: a team's monthly review and the actions it decided on."""

from __future__ import annotations

from flask import Blueprint
from marshmallow import Schema, fields, validate

from collector import db, pagination
from collector.api.auth import current_site
from collector.api.body import json_body, query
from collector.openapi import doc
from collector.schemas import list_of
from collector.services import reviews

bp = Blueprint("reviews", __name__, url_prefix="/reviews")
actions_bp = Blueprint("actions", __name__, url_prefix="/actions")


class ReviewSchema(Schema):
    """A review of a period: ``since`` is its first day, ``until`` the day after its last (UTC)."""

    id = fields.Str(dump_only=True)
    since = fields.Date(required=True)
    until = fields.Date(required=True)
    summary = fields.Str(allow_none=True, validate=validate.Length(max=5000))
    attendees = fields.List(
        fields.Str(validate=validate.Length(1, 200)), validate=validate.Length(max=30)
    )
    next_review_on = fields.Date(allow_none=True)
    created_by = fields.Str(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class ActionSchema(Schema):
    """One thing to do: what, who (a team member's e-mail), by when, and what led to it."""

    id = fields.Str(dump_only=True)
    title = fields.Str(required=True, validate=validate.Length(1, 200))
    owner = fields.Str(allow_none=True, validate=validate.Length(1, 254))
    due_on = fields.Date(required=True)
    status = fields.Str(validate=validate.OneOf(reviews.STATUSES))
    done_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    survey = fields.Str(attribute="survey_id", allow_none=True, validate=validate.Length(1, 40))
    response_ids = fields.List(
        fields.Str(validate=validate.Length(1, 64)),
        validate=validate.Length(max=reviews.MAX_RESPONSES),
    )
    review = fields.Str(attribute="review_id", allow_none=True, validate=validate.Length(1, 40))
    created_by = fields.Str(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class ActionQuerySchema(pagination.PageQuerySchema):
    status = fields.Str(validate=validate.OneOf(reviews.STATUSES))
    review = fields.Str(validate=validate.Length(1, 40))
    survey = fields.Str(validate=validate.Length(1, 40))
    owner = fields.Str(validate=validate.Length(1, 254))


review_schema = ReviewSchema()
review_list = list_of(ReviewSchema, "ReviewList")()
action_schema = ActionSchema()
action_list = list_of(ActionSchema, "ActionList")()
page_query = pagination.PageQuerySchema()
action_query = ActionQuerySchema()


@bp.post("")
@doc(
    "Record a review of a period",
    body=review_schema,
    response=review_schema,
    status=201,
    tag="reviews",
)
def create_review():
    review = reviews.create_review(db.session(), current_site(), json_body(review_schema))
    return review, 201


@bp.get("")
@doc("List reviews, newest first", query=page_query, response=review_list, tag="reviews")
def list_reviews():
    q = query(page_query)
    items, more = reviews.list_reviews(
        db.session(), current_site(), limit=q["limit"], cursor=q["cursor"]
    )
    return pagination.envelope(items, more)


@bp.get("/<review_id>")
@doc("Read a review", response=review_schema, tag="reviews")
def get_review(review_id: str):
    return reviews.get_review(db.session(), current_site(), review_id)


@bp.patch("/<review_id>")
@doc("Change a review", body=review_schema, response=review_schema, tag="reviews")
def update_review(review_id: str):
    changes = json_body(review_schema, partial=True)
    review = reviews.update_review(db.session(), current_site(), review_id, changes)
    return review


@actions_bp.post("")
@doc(
    "Record an action (owner: a team member's e-mail)",
    body=action_schema,
    response=action_schema,
    status=201,
    tag="actions",
)
def create_action():
    action = reviews.create_action(db.session(), current_site(), json_body(action_schema))
    return action, 201


@actions_bp.get("")
@doc("List actions, newest first", query=action_query, response=action_list, tag="actions")
def list_actions():
    q = query(action_query)
    items, more = reviews.list_actions(
        db.session(), current_site(), q, limit=q["limit"], cursor=q["cursor"]
    )
    return pagination.envelope(items, more)


@actions_bp.get("/<action_id>")
@doc("Read an action", response=action_schema, tag="actions")
def get_action(action_id: str):
    return reviews.get_action(db.session(), current_site(), action_id)


@actions_bp.patch("/<action_id>")
@doc(
    "Change an action; status done records done_at, open or dropped clears it",
    body=action_schema,
    response=action_schema,
    tag="actions",
)
def update_action(action_id: str):
    changes = json_body(action_schema, partial=True)
    action = reviews.update_action(db.session(), current_site(), action_id, changes)
    return action
