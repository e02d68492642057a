"""Logging in and out."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address

from collector import db, limits
from collector.dashboard import auth, bp
from collector.services import accounts

LOGIN_LIMIT = "10 per minute"  # per address and e-mail: guessing one account's password
LOGIN_LIMIT_PER_IP = "30 per minute"  # per address: trying one password on many e-mails


def _login_key() -> str:
    email = accounts.normalise_email(request.form.get("email", ""))
    return f"{get_remote_address()}|{email}"


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_ = auth.safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.get("account"):
            return redirect(next_ or url_for("dashboard.overview"))
        return render_template("dashboard/login.html", title="Log in", next=next_)

    email = request.form.get("email", "")
    try:
        with (
            limits.limiter().limit(
                LOGIN_LIMIT_PER_IP, key_func=get_remote_address, scope="dashboard-login-ip"
            ),
            limits.limiter().limit(LOGIN_LIMIT, key_func=_login_key, scope="dashboard-login"),
        ):
            account = accounts.authenticate(db.session(), email, request.form.get("password", ""))
    except RateLimitExceeded:
        error = "Too many attempts. Wait a minute and try again."
        page = render_template(
            "dashboard/login.html", title="Log in", next=next_, email=email, error=error
        )
        return page, 429, {"Retry-After": "60"}
    if account is None:
        error = "That e-mail and password do not match an account."
        return render_template(
            "dashboard/login.html", title="Log in", next=next_, email=email, error=error
        )
    auth.log_in(account)
    return redirect(next_ or url_for("dashboard.overview"))


@bp.post("/logout")
def logout():
    auth.log_out()
    return redirect(url_for("dashboard.login"))
