"""``/v1/webhooks``: endpoints that get the site's events, signed, with their delivery log."""

from __future__ import annotations

from flask import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from collector import db, pagination
from collector.api.auth import current_site
from collector.api.body import json_body, query
from collector.domain.webhooks import EVENT_TYPES
from collector.openapi import Refusal, doc
from collector.schemas import HTTPS_URL, Unique, list_of
from collector.webhooks import service

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


class WebhookFilterSchema(Schema):
    """Which responses are sent: every condition given must hold."""

    survey = fields.Str(allow_none=True, validate=validate.Length(1, 40))
    min_score = fields.Int(allow_none=True, validate=validate.Range(0, 10))
    max_score = fields.Int(allow_none=True, validate=validate.Range(0, 10))
    has_comment = fields.Bool(allow_none=True)

    @validates_schema
    def _range(self, data, **kwargs):
        low, high = data.get("min_score"), data.get("max_score")
        if low is not None and high is not None and low > high:
            raise ValidationError("Must not be below min_score.", "max_score")


class WebhookSchema(Schema):
    """A webhook endpoint (DESIGN §11). ``secret`` appears only when created or rotated."""

    id = fields.Str(dump_only=True)
    url = fields.Str(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={
            "pattern": HTTPS_URL,
            "description": "https, to a host that resolves to public addresses only (else 422 "
            "unsafe_url); http and private addresses too where FIILIS_ALLOW_PRIVATE_WEBHOOKS=1.",
        },
    )
    description = fields.Str(allow_none=True, validate=validate.Length(max=200))
    events = fields.List(
        fields.Str(validate=validate.OneOf(EVENT_TYPES)),
        required=True,
        validate=[validate.Length(1, len(EVENT_TYPES)), Unique("Name each event once.")],
    )
    filter = fields.Nested(WebhookFilterSchema, allow_none=True)
    active = fields.Bool()
    disabled_reason = fields.Str(dump_only=True, allow_none=True)
    secret = fields.Str(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class AttemptSchema(Schema):
    at = fields.Str(required=True)
    status = fields.Int(allow_none=True, required=True)
    ms = fields.Int(required=True)
    error = fields.Str(allow_none=True, required=True)


class DeliverySchema(Schema):
    """One event for one endpoint: its tries and their outcome."""

    id = fields.Str(required=True)
    webhook = fields.Str(attribute="endpoint_id", required=True)
    event = fields.Str(attribute="event_id", required=True)
    event_type = fields.Str(required=True)
    status = fields.Str(required=True, validate=validate.OneOf(["pending", "succeeded", "failed"]))
    attempts = fields.Int(required=True)
    next_attempt_at = fields.AwareDateTime(allow_none=True, required=True)
    response_status = fields.Int(allow_none=True, required=True)
    response_ms = fields.Int(allow_none=True, required=True)
    response_body = fields.Str(allow_none=True, required=True)
    error = fields.Str(allow_none=True, required=True)
    log = fields.List(fields.Nested(AttemptSchema), required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    delivered_at = fields.AwareDateTime(allow_none=True, required=True)


class DeliveryQuerySchema(pagination.PageQuerySchema):
    status = fields.Str(validate=validate.OneOf(["pending", "succeeded", "failed"]))


#: Where the URL's host resolves to is the world's answer, not the schema's.
REFUSED = (
    Refusal(
        422,
        "unsafe_url",
        "url",
        "when the host does not resolve, or resolves to a loopback, private or link-local address",
    ),
)
webhook_schema = WebhookSchema()
webhook_list = list_of(WebhookSchema, "WebhookList")()
delivery_schema = DeliverySchema()
delivery_list = list_of(DeliverySchema, "DeliveryList")()
page_query = pagination.PageQuerySchema()
delivery_query = DeliveryQuerySchema()


@bp.post("")
@doc(
    "Create a webhook; the answer holds its signing secret, shown this once",
    body=webhook_schema,
    response=webhook_schema,
    status=201,
    refusals=REFUSED,
    tag="webhooks",
)
def create():
    made = service.create(db.session(), current_site(), json_body(webhook_schema))
    return made, 201


@bp.get("")
@doc("List webhooks, newest first", query=page_query, response=webhook_list, tag="webhooks")
def list_():
    q = query(page_query)
    items, more = service.list_page(
        db.session(), current_site(), limit=q["limit"], cursor=q["cursor"]
    )
    return pagination.envelope(items, more)


@bp.get("/<webhook_id>")
@doc("Read a webhook", response=webhook_schema, tag="webhooks")
def get(webhook_id: str):
    return service.get(db.session(), current_site(), webhook_id)


@bp.patch("/<webhook_id>")
@doc(
    "Change a webhook (active: true turns it on again)",
    body=webhook_schema,
    response=webhook_schema,
    refusals=REFUSED,
    tag="webhooks",
)
def update(webhook_id: str):
    changes = json_body(webhook_schema, partial=True)
    endpoint = service.update(db.session(), current_site(), webhook_id, changes)
    return endpoint


@bp.delete("/<webhook_id>")
@doc("Delete a webhook and its delivery log", status=204, tag="webhooks")
def delete(webhook_id: str):
    service.delete(db.session(), current_site(), webhook_id)


@bp.post("/<webhook_id>/rotate")
@doc(
    "A new signing secret (shown this once); the old one signs too for 24 hours",
    response=webhook_schema,
    tag="webhooks",
)
def rotate(webhook_id: str):
    return service.rotate(db.session(), current_site(), webhook_id)


@bp.get("/<webhook_id>/deliveries")
@doc(
    "The webhook's deliveries, newest first",
    query=delivery_query,
    response=delivery_list,
    tag="webhooks",
)
def deliveries(webhook_id: str):
    q = query(delivery_query)
    items, more = service.deliveries_page(
        db.session(),
        current_site(),
        webhook_id,
        limit=q["limit"],
        cursor=q["cursor"],
        status=q.get("status"),
    )
    return pagination.envelope(items, more)


@bp.get("/<webhook_id>/deliveries/<delivery_id>")
@doc("Read one delivery with its tries", response=delivery_schema, tag="webhooks")
def delivery(webhook_id: str, delivery_id: str):
    view = service.delivery(db.session(), current_site(), webhook_id, delivery_id)
    return view


@bp.post("/<webhook_id>/deliveries/<delivery_id>/retry")
@doc(
    "Send a delivery again now (same event id and body)",
    response=delivery_schema,
    status=202,
    tag="webhooks",
)
def retry(webhook_id: str, delivery_id: str):
    view = service.retry(db.session(), current_site(), webhook_id, delivery_id)
    return view, 202


@bp.post("/<webhook_id>/test")
@doc(
    "Send a webhook.test event to this webhook now",
    response=delivery_schema,
    status=202,
    tag="webhooks",
)
def test(webhook_id: str):
    view = service.send_test(db.session(), current_site(), webhook_id)
    return view, 202
