"""People: why a user was or was not asked, survey by survey, and the prompts they were shown.

The page reads the same service functions as ``GET /v1/eligibility`` and ``GET /v1/users/<id>``;
it never decides anything itself, so what a teammate reads here is what the API answers.
"""

from __future__ import annotations

import contextlib

from flask import g, render_template, request

from collector import db
from collector.dashboard import bp
from collector.dashboard.surveys import site_surveys
from collector.domain.problems import NotFound
from collector.models import utcnow
from collector.services import explanations, users


@bp.get("/people", endpoint="lookup")
def lookup():
    user_id = request.args.get("user_id", "").strip()
    error = None
    checks, history = [], []
    if len(user_id) > users.MAX_USER_ID:
        error = f"A user id is 1–{users.MAX_USER_ID} characters."
    elif user_id:
        now = utcnow()
        # Every survey not archived: a paused one is listed too, failing survey_inactive.
        for survey in site_surveys():
            checks.append(
                (survey, explanations.explain(db.session(), g.site, user_id, survey.id, now))
            )
        with contextlib.suppress(NotFound):  # no prompt and no answer yet: the checks alone
            history = users.export(db.session(), g.site, user_id).prompts
    page = render_template(
        "dashboard/lookup.html",
        section="lookup",
        title="People",
        user_id=user_id,
        error=error,
        checks=checks,
        history=history,
        status_of=users.prompt_status,
        names={s.id: s.name for s in site_surveys(include_archived=True)} if user_id else {},
    )
    return page, 422 if error else 200
