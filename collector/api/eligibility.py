"""``/v1/eligibility?user_id=…&survey=…``: why a user was or was not asked, rule by rule.

Not below ``/v1/users/<user_id>``: a user id there is the whole rest of the path (ids may hold
``/``), so nothing else may live below it, or ``u1/eligibility`` would name two things.
"""

from __future__ import annotations

from flask import Blueprint

from collector import db
from collector.api.auth import current_site
from collector.api.body import query
from collector.api.prompt_schemas import EligibilityQuerySchema, EligibilitySchema
from collector.models import utcnow
from collector.openapi import doc
from collector.services import explanations

bp = Blueprint("eligibility", __name__)

eligibility_query = EligibilityQuerySchema()
eligibility_schema = EligibilitySchema()


@bp.get("/eligibility")
@doc(
    "Every rule of who gets asked, for this user and survey",
    query=eligibility_query,
    response=eligibility_schema,
    tag="users",
)
def get():
    q = query(eligibility_query)
    found = explanations.explain(
        db.session(),
        current_site(),
        q["user_id"],
        q["survey"],
        utcnow(),
        origin=q["origin"],
        event=q["event"],
        props=q["props"],
        url=q["url"],
    )
    return found
