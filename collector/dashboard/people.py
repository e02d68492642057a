"""The pages an e-mailed link opens: accepting an invitation, and resetting a password."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address

from collector import db, jobs, limits
from collector.dashboard import auth, bp
from collector.dashboard.site import public_url
from collector.domain.problems import Problem
from collector.services import invites

RESET_LIMIT = "5 per 15 minutes"  # per address: nobody needs more, a mail bomber wants more
SENT = (
    "If an account has this address, a link to choose a new password is on its way. "
    "It works once, for one hour."
)


def _render_invite(token, invitation, error=None, status=200):
    page = render_template(
        "dashboard/invite.html",
        title="Accept the invitation",
        token=token,
        invitation=invitation,
        error=error,
    )
    return page, status


def _unusable(what: str):
    page = render_template(
        "dashboard/link_unusable.html", title="This link does not work", what=what
    )
    return page, 410


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    try:
        invitation = invites.open_invitation(db.session(), token)
    except invites.InviteUnusable:
        return _unusable("invitation")
    if request.method == "GET":
        return _render_invite(token, invitation)
    password = request.form.get("password", "")
    if invitation.account is None and password != request.form.get("password_again", ""):
        return _render_invite(token, invitation, "The two passwords are not the same.", 422)
    try:
        account = invites.accept(db.session(), token, password=password)
    except invites.InviteUnusable:
        db.session().rollback()
        return _unusable("invitation")
    except Problem as e:
        db.session().rollback()
        return _render_invite(token, invitation, e.message, 422)
    auth.log_in(account)
    auth.choose_site(invitation.sites[0].id)
    return redirect(url_for("dashboard.overview"))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    if request.method == "GET":
        return render_template("dashboard/forgot.html", title="Forgot your password?")
    email = request.form.get("email", "").strip()
    try:
        with limits.limiter().limit(
            RESET_LIMIT, key_func=get_remote_address, scope="dashboard-reset"
        ):
            # The lookup runs on the worker: the answer (and its timing) is the same for an
            # address with an account and one without.
            base = public_url()
            jobs.enqueue(invites.mail_reset_link, email[:254], base)
    except RateLimitExceeded:
        page = render_template(
            "dashboard/forgot.html",
            title="Forgot your password?",
            email=email,
            error="Too many attempts. Wait a few minutes and try again.",
        )
        return page, 429, {"Retry-After": "900"}
    return render_template(
        "dashboard/forgot.html", title="Forgot your password?", sent=SENT, email=email
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        account = invites.open_reset(db.session(), token)
    except invites.ResetUnusable:
        return _unusable("reset")
    if request.method == "GET":
        return render_template(
            "dashboard/reset.html", title="Choose a new password", token=token, email=account.email
        )
    password = request.form.get("password", "")
    error = None
    if password != request.form.get("password_again", ""):
        error = "The two passwords are not the same."
    else:
        try:
            account = invites.reset(db.session(), token, password)
        except invites.ResetUnusable:
            db.session().rollback()
            return _unusable("reset")
        except Problem as e:
            db.session().rollback()
            error = e.message
    if error:
        page = render_template(
            "dashboard/reset.html",
            title="Choose a new password",
            token=token,
            email=account.email,
            error=error,
        )
        return page, 422
    auth.log_in(account)
    return redirect(url_for("dashboard.overview"))
