"""A scheduled survey's Sends: per turn what was sent, opened (a link followed), answered,
bounced and unsubscribed, and who is asked next (``services.schedules``)."""

from __future__ import annotations

from flask import g, render_template

from collector import db
from collector.dashboard import bp
from collector.domain import schedule as rules
from collector.models import utcnow
from collector.services import schedules, surveys

#: How many of the people asked next the page lists.
UPCOMING = 20


@bp.get("/surveys/<survey_id>/sends")
def survey_sends(survey_id: str):
    session = db.session()
    survey = surveys.get(session, g.site, survey_id)  # another site's: 404
    now = utcnow()
    found = schedules.scheduled(session, survey)
    turns = schedules.sends(session, survey)
    upcoming = schedules.due_next(session, found, now, UPCOMING) if found else []
    tz = rules.zone(found.schedule.tz) if found else None
    return render_template(
        "dashboard/sends.html",
        section="surveys",
        title=f"Sends: {survey.name}",
        survey=survey,
        scheduled=found,
        turns=turns,
        upcoming=upcoming,
        tz=tz,
        next_run=rules.next_run(now, after=now),
    )
