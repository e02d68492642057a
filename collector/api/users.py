"""``/v1/users/<user_id>``: export everything held about a user, or erase it.

User ids come from the host app and may hold ``/``, ``@`` or ``:`` (``anon:<uuid>``): in a path the
id is the whole rest of it, percent-encoded (``a%2Fb``, decoded before routing like ``a/b``), and
nothing else lives below ``/v1/users/`` (eligibility is ``/v1/eligibility?user_id=…``), so every
path there names one user.
"""

from __future__ import annotations

from flask import Blueprint
from marshmallow import Schema, fields

from collector import db
from collector.api.auth import current_site
from collector.api.responses import ResponseSchema
from collector.openapi import doc
from collector.services import users

bp = Blueprint("users", __name__, url_prefix="/users")


class UserRecordSchema(Schema):
    traits = fields.Dict(required=True)
    email = fields.Str(allow_none=True, required=True)
    name = fields.Str(allow_none=True, required=True)
    locale = fields.Str(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)
    last_seen_at = fields.AwareDateTime(required=True)


class PromptRecordSchema(Schema):
    """A prompt as ``GET /v1/prompts/<id>`` shows it, plus what it stored about the visit."""

    id = fields.Str(required=True)
    survey = fields.Str(attribute="survey_id", required=True)
    user_id = fields.Str(required=True)
    origin = fields.Str(required=True)
    channel = fields.Str(required=True)
    status = fields.Function(users.prompt_status, required=True)
    event = fields.Str(allow_none=True, required=True)
    context = fields.Dict(required=True)
    traits = fields.Dict(required=True)
    locale = fields.Str(allow_none=True, required=True)
    page_url = fields.Str(attribute="url", allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)
    shown_at = fields.AwareDateTime(allow_none=True, required=True)
    answered_at = fields.AwareDateTime(allow_none=True, required=True)
    dismissed_at = fields.AwareDateTime(allow_none=True, required=True)


class UserExportSchema(Schema):
    user_id = fields.Str(required=True)
    user = fields.Nested(UserRecordSchema, allow_none=True, required=True)
    prompts = fields.List(fields.Nested(PromptRecordSchema), required=True)
    responses = fields.List(fields.Nested(ResponseSchema), required=True)


class ErasedCountsSchema(Schema):
    prompts = fields.Int(required=True)
    responses = fields.Int(required=True)
    users = fields.Int(required=True)


class UserErasedSchema(Schema):
    user_id = fields.Str(required=True)
    deleted = fields.Nested(ErasedCountsSchema, required=True)


user_export = UserExportSchema()
user_erased = UserErasedSchema()


@bp.get("/<path:user_id>")
@doc("Export everything held about a user", response=user_export, tag="users")
def export(user_id: str):
    return users.export(db.session(), current_site(), user_id)


@bp.delete("/<path:user_id>")
@doc(
    "Erase a user's prompts, responses and traits; answers the counts",
    response=user_erased,
    tag="users",
)
def erase(user_id: str):
    return users.erase(db.session(), current_site(), user_id)
