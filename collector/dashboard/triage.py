"""Triage on the Responses page: change many responses at once, and saved views."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import flash, g, redirect, request, url_for

from collector import db
from collector.dashboard import auth, bp, error_page
from collector.dashboard.responses import STATUS_LABELS, mail_owner, team_emails
from collector.domain.problems import NotFound, Problem
from collector.services import results, tagging, triage

#: The Responses page's query parameters a saved view keeps (never a cursor).
VIEW_PARAMS = (
    *("q", "survey", "band", "status", "owner", "tag", "reason", "has_comment", "order"),
    *("since", "until"),
)


def _back() -> str:
    return auth.safe_next(request.form.get("back")) or url_for("dashboard.responses")


@bp.post("/responses/bulk")
def bulk():
    form = request.form
    changes: dict = {}
    status, owner = form.get("status", ""), form.get("owner", "")
    if status:
        if status not in results.FOLLOWUP_STATUSES:
            return error_page(400)
        changes["followup_status"] = status
    if owner:
        if owner != "nobody" and owner not in team_emails():
            return error_page(400)
        changes["followup_owner"] = None if owner == "nobody" else owner
    tag = form.get("tag", "").strip()
    if not changes and not tag:
        flash("Choose a status, an owner or a tag for the selected responses.", "error")
        return redirect(_back())
    ids = form.getlist("ids")
    try:
        if tag:  # committed with the follow-up changes, or not at all
            tagging.tag_responses(db.session(), g.site, ids, add=[tag], commit=False)
        changed = triage.bulk_followup(db.session(), g.site, ids, changes, actor=g.account.email)
    except Problem as e:
        db.session().rollback()
        if isinstance(e, NotFound):
            return error_page(404)
        flash(e.message, "error")
        return redirect(_back())
    owner = changes.get("followup_owner")
    if owner and owner != g.account.email and changed:
        mail_owner(owner, changed)
    what = []
    if tag:
        what.append(f"tagged {tag.lower()}")
    if "followup_status" in changes:
        what.append(STATUS_LABELS[changes["followup_status"]].lower())
    if "followup_owner" in changes:
        what.append(f"owned by {changes['followup_owner'] or 'nobody'}")
    n = len(changed) if not tag else len(set(ids))
    flash(f"{n} response{'s' if n != 1 else ''} now {' and '.join(what)}.", "ok")
    return redirect(_back())


@bp.post("/views")
def save_view():
    back = _back()
    query = {k: v for k, v in parse_qsl(urlsplit(back).query) if k in VIEW_PARAMS and v}
    try:
        triage.save_view(db.session(), g.account, g.site, request.form.get("name", ""), query)
    except Problem as e:
        db.session().rollback()
        flash(e.message, "error")
        return redirect(back)
    flash("View saved.", "ok")
    return redirect(back)


@bp.post("/views/<int:view_id>/delete")
def delete_view(view_id: int):
    triage.delete_view(db.session(), g.account, g.site, view_id)
    flash("View deleted.", "ok")
    return redirect(_back())
