"""The browser API (``/v1/widget/…``): what the widget calls with the public site key.

Every call is checked against the site's allowed origins before anything else happens (see
``cors``); bodies may come as ``application/json`` or ``text/plain`` (no preflight for POST).
"""

from __future__ import annotations

from flask import Blueprint, g, request
from sqlalchemy import Row

from collector import db
from collector.api import cors
from collector.api.body import json_body, parsed
from collector.api.prompt_schemas import (
    AnswerChangeSchema,
    EventSchema,
    PromptOrReasonSchema,
    ResponseCreateSchema,
    TokenSchema,
    VisitSchema,
    WidgetResponseSchema,
)
from collector.errors import APIError
from collector.models import utcnow
from collector.openapi import doc
from collector.services import answers, prompts, sightings, sites

bp = Blueprint("widget", __name__, url_prefix="/v1/widget")
#: text/plain carries the same JSON without a CORS preflight.
BODY_TYPES = ("application/json", "text/plain")

visit_schema = VisitSchema()
event_schema = EventSchema()
token_schema = TokenSchema()
response_create = ResponseCreateSchema()
answer_change = AnswerChangeSchema()
prompt_or_reason = PromptOrReasonSchema()
widget_response = WidgetResponseSchema()


@bp.before_request
def _origin_gate():
    if request.method == "OPTIONS":
        return cors.preflight()
    g.widget_site = _claimed_site()
    cors.check(g.widget_site)
    return None


bp.after_request(cors.headers)


@bp.after_request
def _sighting(response):
    """Count the call for the Install page's check: an answered call from an origin, or a refusal
    the team can fix (an origin not allowed, a missing or wrong identity). Calls for an unknown
    site key belong to no site and are not counted (docs/decisions.md)."""
    site = g.get("widget_site")
    if site is None or request.method == "OPTIONS":
        return response
    origin = request.headers.get("Origin") or "(no Origin header)"
    if response.status_code < 400:
        if g.get("cors_origin"):
            sightings.seen(response, db.engine(), site.id, origin, "call")
    elif response.status_code in (401, 403):
        code = ((response.get_json(silent=True) or {}).get("error") or {}).get("code")
        if code in sightings.REFUSALS:
            sightings.seen(response, db.engine(), site.id, origin, "refusal", code)
    return response


def _claimed_site() -> Row | None:
    """The site the body speaks for, read leniently: the handler validates the body in full."""
    body = parsed()
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("site_key"), str):
        return sites.row_by_public_key(db.session(), body["site_key"])
    if isinstance(body.get("token"), str):
        g.token_claims = prompts.genuine_claims(body["token"], utcnow())
        if g.token_claims is not None:
            return sites.row_by_id(db.session(), g.token_claims.site_id)
    return None


def _site() -> Row:
    if g.widget_site is None:
        raise APIError(
            401,
            "invalid_site_key",
            "No site has this site key: copy the tag from the dashboard's Install page.",
            param="site_key",
        )
    return g.widget_site


@bp.post("/session")
@doc(
    "A page view starts: a pending backend-triggered prompt, if any",
    body=visit_schema,
    response=prompt_or_reason,
    body_types=BODY_TYPES,
    tag="browser",
    auth="site_key",
)
def session():
    visit = json_body(visit_schema, text_plain=True)
    return {"prompt": prompts.on_session(db.session(), _site(), visit, utcnow())}


@bp.post("/events")
@doc(
    "An event happened: the prompt to show now, or the reason for none",
    body=event_schema,
    response=prompt_or_reason,
    body_types=BODY_TYPES,
    tag="browser",
    auth="site_key",
)
def events():
    visit = json_body(event_schema, text_plain=True)
    prompt, reason = prompts.on_event(db.session(), _site(), visit, utcnow())
    return {"prompt": prompt} if prompt else {"prompt": None, "reason": reason}


@bp.post("/prompts/<prompt_id>/shown")
@doc(
    "The prompt was shown",
    body=token_schema,
    status=204,
    body_types=BODY_TYPES,
    tag="browser",
    auth="site_key",
)
def shown(prompt_id: str):
    data = json_body(token_schema, text_plain=True)
    prompts.mark(db.session(), prompt_id, data["token"], "shown", utcnow())


@bp.post("/prompts/<prompt_id>/dismissed")
@doc(
    "The prompt was closed unanswered",
    body=token_schema,
    status=204,
    body_types=BODY_TYPES,
    tag="browser",
    auth="site_key",
)
def dismissed(prompt_id: str):
    data = json_body(token_schema, text_plain=True)
    prompts.mark(db.session(), prompt_id, data["token"], "dismissed", utcnow())


@bp.post("/responses")
@doc(
    "Answer a prompt (201; the same response again: 200)",
    body=response_create,
    response=widget_response,
    status=201,
    also=(200,),
    body_types=BODY_TYPES,
    tag="browser",
    auth="site_key",
)
def respond():
    data = json_body(response_create, text_plain=True)
    response, created = answers.submit(db.session(), data, utcnow(), claims=g.get("token_claims"))
    return response, 201 if created else 200


@bp.patch("/responses/<response_id>")
@doc(
    "Add the comment and reasons to an answer, or change its score, within 24 hours",
    body=answer_change,
    response=widget_response,
    body_types=BODY_TYPES,
    tag="browser",
    auth="site_key",
)
def comment(response_id: str):
    data = json_body(answer_change, text_plain=True)
    return answers.amend(db.session(), response_id, data, utcnow())
