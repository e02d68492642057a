"""``/v1/prompts``: ask a user from the backend (in the app or by an e-mail link), read a prompt."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from collector import db
from collector.api.auth import current_site
from collector.api.body import json_body
from collector.api.prompt_schemas import PromptSchema, TriggerAnswerSchema, TriggerSchema
from collector.errors import APIError
from collector.models import utcnow
from collector.openapi import doc
from collector.services import triggers

bp = Blueprint("prompts", __name__, url_prefix="/prompts")

trigger_schema = TriggerSchema()
trigger_answer = TriggerAnswerSchema()
prompt_schema = PromptSchema()


def link_base() -> str:
    """Where hosted answer pages live: PUBLIC_URL, else the host this request came to."""
    return current_app.config.get("PUBLIC_URL") or request.host_url


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 200 and key.isprintable()):
        raise APIError(
            422,
            "validation_failed",
            "Idempotency-Key: 1–200 printable characters (a UUID is good).",
            param="Idempotency-Key",
        )
    return key


@bp.post("")
@doc(
    "Ask a user: a prompt for the widget or an e-mail link (201), or suppressed (200)",
    body=trigger_schema,
    response=trigger_answer,
    status=201,
    also=(200,),
    tag="prompts",
)
def create():
    data = json_body(trigger_schema)
    answer = triggers.trigger(
        db.session(),
        current_site(),
        data,
        utcnow(),
        link_base=link_base(),
        idempotency_key=idempotency_key(),
    )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return answer.body, answer.status, headers


@bp.get("/<prompt_id>")
@doc("Read a prompt", response=prompt_schema, tag="prompts")
def get(prompt_id: str):
    found = triggers.get(db.session(), current_site(), prompt_id, utcnow(), link_base=link_base())
    return found
