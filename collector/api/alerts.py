"""``/v1/alerts``: Slack and e-mail alerts about a site's answers (DESIGN §11)."""

from flask import Blueprint
from marshmallow import Schema, fields

from collector import db, pagination
from collector.api.alert_schemas import AlertVariantsSchema
from collector.api.auth import current_site
from collector.api.body import json_body, query
from collector.openapi import Refusal, doc
from collector.schemas import list_of
from collector.services import alerts

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

alert_schema = AlertVariantsSchema()
alert_list = list_of(AlertVariantsSchema, "AlertList")()
page_query = pagination.PageQuerySchema()
#: What the schemas cannot know: the site's surveys, and where a Slack URL's host resolves to.
REFUSED = (
    Refusal(422, "validation_failed", "filter.survey", "when the site has no such survey"),
    Refusal(
        422,
        "invalid_target",
        "target",
        "when a Slack URL's host does not resolve, or resolves to a loopback, private or "
        "link-local address",
    ),
)
deleted_schema = Schema.from_dict(
    {"id": fields.Str(required=True), "deleted": fields.Bool(required=True)}, name="Deleted"
)()


@bp.post("")
@doc(
    "Create an alert",
    body=alert_schema,
    response=alert_schema,
    status=201,
    refusals=REFUSED,
    tag="alerts",
)
def create():
    rule = alerts.create(db.session(), current_site(), json_body(alert_schema))
    return rule, 201


@bp.get("")
@doc("List alerts, newest first", query=page_query, response=alert_list, tag="alerts")
def list_():
    q = query(page_query)
    items, more = alerts.list_page(
        db.session(), current_site(), limit=q["limit"], cursor=q["cursor"]
    )
    return pagination.envelope(items, more)


@bp.get("/<alert_id>")
@doc("Read an alert", response=alert_schema, tag="alerts")
def get(alert_id: str):
    return alerts.get(db.session(), current_site(), alert_id)


@bp.patch("/<alert_id>")
@doc(
    "Change an alert",
    body=alert_schema,
    response=alert_schema,
    refusals=REFUSED,
    tag="alerts",
)
def update(alert_id: str):
    changes = json_body(alert_schema, partial=True)
    return alerts.update(db.session(), current_site(), alert_id, changes)


@bp.delete("/<alert_id>")
@doc("Delete an alert", response=deleted_schema, tag="alerts")
def delete(alert_id: str):
    return {"id": alerts.delete(db.session(), current_site(), alert_id), "deleted": True}


test_sent_schema = Schema.from_dict(
    {"id": fields.Str(required=True), "sent": fields.Bool(required=True)}, name="AlertTestSent"
)()


@bp.post("/<alert_id>/test")
@doc(
    "Send a sample alert to the alert's Slack channel or addresses now (502 says why it failed)",
    response=test_sent_schema,
    refusals=(
        Refusal(502, "test_failed", None, "when Slack or the mail server refused the sample"),
    ),
    tag="alerts",
)
def test(alert_id: str):
    alerts.send_test(db.session(), current_site(), alert_id)
    return {"id": alert_id, "sent": True}
