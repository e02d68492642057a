"""``/v1/suppressions``: addresses survey e-mail never goes to again (DESIGN §12).

A mail provider's bounce and complaint webhooks report here (docs/email.md has the recipe); the
unsubscribe page adds ``unsubscribed`` ones itself. An address in a path is the whole rest of it,
percent-encoded or not (``/v1/suppressions/aino%40acme.fi``).
"""

from __future__ import annotations

from flask import Blueprint
from marshmallow import Schema, fields, validate

from collector import db, pagination
from collector.api.auth import current_site
from collector.api.body import json_body, query
from collector.models import utcnow
from collector.openapi import doc
from collector.schemas import EmailAddress, list_of
from collector.services import suppressions

bp = Blueprint("suppressions", __name__, url_prefix="/suppressions")


class SuppressionBodySchema(Schema):
    email = EmailAddress(required=True)
    reason = fields.Str(
        load_default="manual",
        validate=validate.OneOf(suppressions.REASONS),
        metadata={"description": "Why: the provider's bounce or complaint, or by hand (default)."},
    )
    detail = fields.Str(
        allow_none=True,
        load_default=None,
        validate=validate.Length(1, 2000),
        metadata={"description": "What the provider said, or a note."},
    )


class SuppressionSchema(Schema):
    id = fields.Str(required=True)
    email = fields.Str(required=True)
    reason = fields.Str(required=True, validate=validate.OneOf(suppressions.REASONS))
    detail = fields.Str(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)


class SuppressionQuerySchema(pagination.PageQuerySchema):
    reason = fields.Str(load_default=None, validate=validate.OneOf(suppressions.REASONS))


class SuppressionRemovedSchema(Schema):
    email = fields.Str(required=True)
    deleted = fields.Bool(required=True)


suppression_body = SuppressionBodySchema()
suppression_schema = SuppressionSchema()
suppression_list = list_of(SuppressionSchema, "SuppressionList")()
suppression_query = SuppressionQuerySchema()
removed_schema = SuppressionRemovedSchema()


@bp.post("")
@doc(
    "Stop survey e-mail to an address (201); one already suppressed keeps its first "
    "suppression (200)",
    body=suppression_body,
    response=suppression_schema,
    status=201,
    also=(200,),
    tag="people",
)
def create():
    fields_ = json_body(suppression_body)
    row, created = suppressions.create(db.session(), current_site(), fields_, utcnow())
    return row, 201 if created else 200


@bp.get("")
@doc(
    "List suppressed addresses, newest first (the export: follow next_cursor)",
    query=suppression_query,
    response=suppression_list,
    tag="people",
)
def list_():
    q = query(suppression_query)
    items, more = suppressions.list_page(
        db.session(), current_site(), limit=q["limit"], cursor=q["cursor"], reason=q["reason"]
    )
    return pagination.envelope(items, more)


@bp.get("/<path:email>")
@doc(
    "Read an address's suppression (404: it may be mailed)",
    response=suppression_schema,
    tag="people",
)
def get(email: str):
    return suppressions.get(db.session(), current_site(), email)


@bp.delete("/<path:email>")
@doc("Let survey e-mail go to an address again", response=removed_schema, tag="people")
def delete(email: str):
    return {"email": suppressions.remove(db.session(), current_site(), email), "deleted": True}
