"""Tags on one response, from its page in the dashboard (the list's bulk action calls the same
service, ``tagging.tag_responses``)."""

from __future__ import annotations

from flask import g, redirect, request, url_for

from collector import db
from collector.dashboard import bp
from collector.dashboard.responses import _render_response
from collector.domain.problems import Invalid
from collector.services import results, tagging


@bp.post("/responses/<response_id>/tags")
def response_tags(response_id: str):
    """Replace the response's tags with the form's comma-separated list."""
    text = request.form.get("tags", "")
    wanted = [t for t in (part.strip() for part in text.split(",")) if t]
    try:
        tagging.tag_responses(db.session(), g.site, [response_id], replace=wanted)
    except Invalid as e:  # another site's response (NotFound) is the 404 page
        db.session().rollback()
        view = results.get(db.session(), g.site, response_id)
        return _render_response(view, tag_error=e.message, tag_text=text, status=422)
    back = request.args.get("back")
    return redirect(
        url_for("dashboard.response", response_id=response_id, tagged=1, back=back or None)
    )
