"""Schemas of ``/v1/alerts`` (DESIGN §11), shared with the dashboard's Connections page."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from collector.domain.alerts import CHANNELS, DIGESTS, MAX_ADDRESSES
from collector.schemas import EMAIL_LIST, HTTPS_URL, Variants


class AlertFilterSchema(Schema):
    """Which answers an alert announces; every given condition must hold."""

    survey = fields.Str(validate=validate.Length(1, 40))
    max_score = fields.Int(validate=validate.Range(0, 10))
    min_score = fields.Int(validate=validate.Range(0, 10))
    has_comment = fields.Bool()

    @validates_schema
    def _range_not_empty(self, data, **kwargs):
        low, high = data.get("min_score"), data.get("max_score")
        if low is not None and high is not None and low > high:
            raise ValidationError("min_score must not be above max_score.", "min_score")


class AlertSchema(Schema):
    id = fields.Str(dump_only=True)
    channel = fields.Str(required=True, validate=validate.OneOf(CHANNELS))
    # The Slack incoming-webhook URL, or e-mail addresses separated by commas.
    target = fields.Str(required=True, validate=validate.Length(1, 2000))
    filter = fields.Nested(AlertFilterSchema, load_default=dict)
    digest = fields.Str(allow_none=True, load_default=None, validate=validate.OneOf(DIGESTS))
    active = fields.Bool(load_default=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class SlackAlertSchema(AlertSchema):
    """An alert posted to a Slack incoming webhook."""

    channel = fields.Str(required=True, validate=validate.OneOf(["slack"]))
    target = fields.Str(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={
            "pattern": HTTPS_URL,
            "description": "The Slack incoming-webhook URL: https, to a host that resolves to "
            "public addresses only (else 422 invalid_target).",
        },
    )


class EmailAlertSchema(AlertSchema):
    """An alert e-mailed to the team."""

    channel = fields.Str(required=True, validate=validate.OneOf(["email"]))
    target = fields.Str(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={
            "pattern": EMAIL_LIST,
            "description": f"1–{MAX_ADDRESSES} e-mail addresses separated by commas; stored "
            'normalised, each once, joined by ", ".',
        },
    )


class AlertVariantsSchema(Variants):
    """An alert on any channel: what its target is depends on the channel."""

    base = AlertSchema
    discriminator = "channel"
    variants = {"slack": SlackAlertSchema, "email": EmailAlertSchema}
    openapi_name = "Alert"
