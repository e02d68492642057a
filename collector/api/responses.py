"""``/v1/responses``: list, export as CSV, read one, and follow up (close the loop)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo

from flask import Blueprint
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_dump,
    post_load,
    validate,
    validates_schema,
)

from collector import db, pagination
from collector.api.auth import current_site
from collector.api.body import json_body, query
from collector.attachments import csv_attachment
from collector.models import utcnow
from collector.openapi import doc
from collector.schemas import list_of
from collector.services import export, results

bp = Blueprint("responses", __name__)

# In a query string an unencoded "+" arrives as a space: 2025-03-01T12:00:00 02:00.
_SPACED_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


class Instant(fields.Str):
    """An ISO 8601 date (``2025-03-01``) or date-time (``2025-03-01T12:00:00Z``).

    Loads as a ``date`` or a ``datetime``; :func:`at` turns it into an aware instant, reading a date
    (its midnight) or a date-time without offset in the request's time zone.
    """

    openapi = {"anyOf": [{"format": "date"}, {"format": "date-time"}]}

    def _deserialize(self, value, attr, data, **kwargs):
        raw = _SPACED_OFFSET.sub(
            r"\1+\2", super()._deserialize(value, attr, data, **kwargs).strip()
        )
        try:
            return date.fromisoformat(raw) if len(raw) == 10 else datetime.fromisoformat(raw)
        except ValueError:
            raise ValidationError(
                "Not an ISO 8601 date or date-time, e.g. 2025-03-01 or 2025-03-01T12:00:00Z."
            ) from None


#: Instants outside these are read as these: nothing is stored before or after them, and a date
#: at the calendar's very ends could not be moved to UTC or to its next interval.
EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def at(value: date | datetime | None, tz: tzinfo = UTC) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.year < EARLIEST.year:
        return EARLIEST
    if value.year >= LATEST.year:
        return LATEST
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


class ResponseFilterSchema(Schema):
    survey = fields.Str(validate=validate.Length(1, 40))
    user_id = fields.Str(validate=validate.Length(1, 200))
    since = Instant(metadata={"description": "From this instant on (inclusive). A date is UTC."})
    until = Instant(metadata={"description": "Before this instant (exclusive). A date is UTC."})
    min_score = fields.Int(validate=validate.Range(0, 10))
    max_score = fields.Int(validate=validate.Range(0, 10))
    followup_status = fields.Str(validate=validate.OneOf(results.FOLLOWUP_STATUSES))
    has_comment = fields.Bool()
    tag = fields.Str(
        validate=validate.Length(1, 40),
        metadata={"description": "Only responses with this tag (any case)."},
    )
    reason = fields.Str(
        validate=validate.Length(1, 40),
        metadata={"description": "Only responses that gave this reason (a choice's id)."},
    )

    @validates_schema
    def _ranges(self, data, **kwargs):
        low, high = data.get("min_score"), data.get("max_score")
        if low is not None and high is not None and low > high:
            raise ValidationError("Must not be below min_score.", "max_score")
        since, until = at(data.get("since")), at(data.get("until"))
        if since is not None and until is not None and until <= since:
            raise ValidationError("Must be later than since.", "until")

    @post_load
    def _instants(self, data, **kwargs):
        if "tag" in data:
            data["tag"] = data["tag"].strip().lower()
        for name in ("since", "until"):
            if name in data:
                data[name] = at(data[name])
        return data


class ResponseQuerySchema(ResponseFilterSchema, pagination.PageQuerySchema):
    pass


class FollowupChangeSchema(Schema):
    status = fields.Str(required=True)
    owner = fields.Str(allow_none=True, required=True)
    note = fields.Str(allow_none=True, required=True)
    actor = fields.Str(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)


class ResponseSchema(Schema):
    """A response (DESIGN §5). ``followup_history`` appears only on a single response."""

    id = fields.Str(required=True)
    survey = fields.Str(attribute="survey_id", required=True)
    prompt = fields.Str(attribute="prompt_id", required=True)
    user_id = fields.Str(required=True)
    kind = fields.Str(required=True, validate=validate.OneOf(["csat", "ces", "nps"]))
    score = fields.Int(required=True)
    comment = fields.Str(allow_none=True, required=True)
    locale = fields.Str(allow_none=True, required=True)
    url = fields.Str(allow_none=True, required=True)
    event = fields.Str(allow_none=True, required=True)
    context = fields.Dict(required=True)
    traits = fields.Dict(required=True)
    followup_status = fields.Str(required=True, validate=validate.OneOf(results.FOLLOWUP_STATUSES))
    followup_owner = fields.Str(allow_none=True, required=True)
    followup_note = fields.Str(allow_none=True, required=True)
    followup_history = fields.List(fields.Nested(FollowupChangeSchema), attribute="history")
    tags = fields.List(fields.Str(), required=True)
    reasons = fields.List(
        fields.Str(),
        required=True,
        metadata={"description": "The ids of the reason choices the answer gave, sorted."},
    )
    source = fields.Str(
        allow_none=True,
        required=True,
        metadata={"description": "Where an imported answer came from (api, delighted, csv)."},
    )
    external_id = fields.Str(allow_none=True, required=True)
    source_ref = fields.Str(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)

    @post_dump
    def _history_only_when_read_alone(self, data, **kwargs):
        if data.get("followup_history") is None:
            data.pop("followup_history", None)
        return data


def _tag_list(description: str) -> fields.List:
    return fields.List(
        fields.Str(validate=validate.Length(1, 200)),
        validate=validate.Length(0, 20),
        metadata={"description": description},
    )


class FollowupPatchSchema(Schema):
    openapi = {"minProperties": 1}

    followup_status = fields.Str(validate=validate.OneOf(results.FOLLOWUP_STATUSES))
    followup_owner = fields.Str(allow_none=True, validate=validate.Length(1, 200))
    followup_note = fields.Str(allow_none=True, validate=validate.Length(1, 5000))
    tags = _tag_list("Replace the tags (lower-cased, 1–40 characters, at most 20).")
    add_tags = _tag_list("Add these tags.")
    remove_tags = _tag_list("Remove these tags.")

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError(
                "Send followup_status, followup_owner, followup_note, tags, add_tags or remove_tags."
            )


response_schema = ResponseSchema()
response_list = list_of(ResponseSchema, "ResponseList")()
response_query = ResponseQuerySchema()
response_filter = ResponseFilterSchema()
followup_patch = FollowupPatchSchema()


@bp.get("/responses")
@doc("List responses, newest first", query=response_query, response=response_list, tag="results")
def list_():
    q = query(response_query)
    limit, cursor = q.pop("limit"), q.pop("cursor")
    items, more = results.list_page(db.session(), current_site(), q, limit=limit, cursor=cursor)
    return pagination.envelope(items, more)


@bp.get("/responses.csv")
@doc(
    "Export responses as CSV (UTF-8 with BOM), streamed",
    query=response_filter,
    content_type="text/csv",
    tag="results",
)
def export_csv():
    lines = export.csv_lines(db.session(), current_site(), query(response_filter))
    return csv_attachment(lines, f"fiilis-responses-{utcnow():%Y-%m-%d}.csv")


@bp.get("/responses/<response_id>")
@doc("Read a response with its follow-up history", response=response_schema, tag="results")
def get(response_id: str):
    return results.get(db.session(), current_site(), response_id)


@bp.patch("/responses/<response_id>")
@doc(
    "Follow up (status, owner, note; each change is kept) and tag a response",
    body=followup_patch,
    response=response_schema,
    tag="results",
)
def update(response_id: str):
    changes = json_body(followup_patch)
    view = results.update_followup(db.session(), current_site(), response_id, changes)
    return view
