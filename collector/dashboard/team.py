"""Team: who is on the site with which role (admins change roles and remove people), and the
site switcher for accounts on several sites."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for

from collector import db
from collector.dashboard import auth, bp, error_page
from collector.domain.problems import Problem
from collector.domain.roles import DESCRIPTIONS, ROLES
from collector.errors import status_of
from collector.services import accounts, invites, team


def _account_id() -> int:
    try:
        return int(request.form.get("account", ""))
    except ValueError:
        abort(400)


def _render(error: str | None = None, status: int = 200, **extra):
    page = render_template(
        "dashboard/team.html",
        section="team",
        title="Team",
        members=accounts.team(db.session(), g.site),
        roles=ROLES,
        descriptions=DESCRIPTIONS,
        error=error,
        done=request.args.get("done"),
        pending=invites.pending(db.session(), g.site),
        admin_sites=[site for site, role in g.sites if role == "admin"],
        **extra,
    )
    return page, status


@bp.get("/team", endpoint="team")
def team_page():
    return _render()


@bp.post("/team/role")
def change_role():
    try:
        team.change_role(
            db.session(),
            g.site,
            _account_id(),
            request.form.get("role", ""),
            actor=g.account.email,
        )
    except Problem as e:
        db.session().rollback()
        return _render(e.message, status_of(e))
    return redirect(url_for("dashboard.team", done="role") + "#members")


@bp.post("/team/remove")
def remove_member():
    try:
        team.remove(db.session(), g.site, _account_id(), actor=g.account.email)
    except Problem as e:
        db.session().rollback()
        return _render(e.message, status_of(e))
    return redirect(url_for("dashboard.team", done="removed") + "#members")


@bp.post("/site")
def switch_site():
    if not auth.choose_site(request.form.get("site", "")):
        return error_page(404)
    return redirect(auth.safe_next(request.form.get("next")) or url_for("dashboard.overview"))


@bp.post("/team/invite")
def invite():
    form = request.form
    chosen = set(form.getlist("sites")) or {g.site.id}
    # Only sites where the inviter is an admin, whatever the form says.
    targets = [site for site, role in g.sites if role == "admin" and site.id in chosen]
    if len(targets) != len(chosen):
        abort(403)
    values = {"email": form.get("email", ""), "role": form.get("role", "editor"), "sites": chosen}
    try:
        invites.invite(
            db.session(),
            targets,
            email=values["email"],
            role=values["role"],
            actor=g.account.email,
            link_for=lambda token: url_for("dashboard.accept_invite", token=token, _external=True),
        )
    except Problem as e:
        db.session().rollback()
        return _render(e.message, status_of(e), values=values, field=e.param)
    return redirect(url_for("dashboard.team", done="invited") + "#invite")


@bp.post("/team/invites/<invite_id>/revoke")
def revoke_invite(invite_id: str):
    invites.revoke(db.session(), g.site, invite_id, actor=g.account.email)
    return redirect(url_for("dashboard.team", done="revoked") + "#pending")
