"""The dashboard at ``/dashboard/``: server-rendered pages for a site's team (DESIGN §9, issue 9).

Every page is behind a login, every form carries a CSRF token, and every answer carries a strict
Content-Security-Policy. Pages are thin: they parse a form or a query, call the same services as
the API, and render a template.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, g, make_response, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from collector.dashboard import access, auth, charts, forms, inbox
from collector.domain import numbers
from collector.domain.eligibility import event_names
from collector.domain.problems import Problem
from collector.errors import http_error, status_of
from collector.services import answer_reasons, results

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

STATIC = Path(__file__).resolve().parent.parent / "static" / "dashboard"

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
#: Pages whose policy adds to CSP, by endpoint. The API reference fetches the OpenAPI document and
#: sends "Try it out" requests to this collector; every other page may fetch nothing.
#: The survey editor frames its e-mail preview, a page of its own whose policy allows the
#: e-mail's inline styles and nothing else (collector/dashboard/mail_preview.py).
MAIL_PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)
EDITOR_CSP = CSP + "; frame-src 'self'"
PAGE_CSP = {
    "dashboard.api_reference": CSP + "; connect-src 'self'",
    "dashboard.mail_preview": MAIL_PREVIEW_CSP,
    **dict.fromkeys(
        (
            "dashboard.new_survey",
            "dashboard.create_survey",
            "dashboard.edit_survey",
            "dashboard.update_survey",
        ),
        EDITOR_CSP,
    ),
}
#: Pages that this collector's own pages may frame.
FRAMED = {"dashboard.mail_preview"}


#: Endpoints that take an upload larger than the collector's 64 KiB bodies.
UPLOADS = {"dashboard.import_upload": 256 * 1024 * 1024}


@bp.before_request
def _guard():
    if request.endpoint in UPLOADS:
        request.max_content_length = UPLOADS[request.endpoint]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        auth.check_csrf()
    rule = access.needs(request.endpoint, request.method)
    account = auth.load_account()
    if rule == access.PUBLIC:
        return None
    if account is None:
        return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))
    if rule == access.ACCOUNT:
        return None
    if g.site is None:
        return error_page(403, message=NO_SITE)
    if not access.allowed(g.role, request.endpoint, request.method):
        return error_page(403, message=_not_for(g.role))
    return None


@bp.after_request
def _headers(response):
    response.headers["Content-Security-Policy"] = PAGE_CSP.get(request.endpoint, CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if request.endpoint in FRAMED else "DENY"
    # Pages show a site's answers and keys: never stored by the browser or a proxy.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_template_global()
def asset(name: str) -> str:
    """The URL of a dashboard asset with its content digest, so a new build is never stale."""
    return url_for("static", filename=f"dashboard/{name}", v=_digest(name))


@bp.app_template_global()
def vendor_asset(name: str) -> str:
    """The URL of a vendored file (collector/static/vendor/, copied by vendor/sync.mjs)."""
    return url_for("static", filename=f"vendor/{name}", v=_digest(f"../vendor/{name}"))


@cache
def _digest(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]


# Globals (not a context processor): the macros that templates import see them too.
for _name, _function in {
    "csrf_token": auth.csrf_token,
    "field_error": forms.field_error,
    "fmt_score": charts.format_score,
    "fmt_interval": charts.format_interval,
    "fmt_pct": numbers.percent,
    "fmt_rate": numbers.rate,
    "fmt_mean": numbers.mean,
    "fmt_mean_interval": numbers.mean_interval,
    "fmt_count": numbers.count,
    "fmt_sample": numbers.sample,
    "band_legend": inbox.band_legend,
    "band_of": inbox.band_of,
    "safe_back": auth.safe_next,
    "band_word": lambda kind, band: inbox.BAND_WORD[kind][band],
    "status_word": lambda status: inbox.STATUS_WORDS.get(status, status),
    "scale_of": results.scale_of,
    # trigger events as names: a trigger with conditions is {event, where}
    "event_names": event_names,
    "reason_label": lambda survey, reason: answer_reasons.label(
        answer_reasons.labels(survey), reason
    ),
    "can": lambda endpoint, method="POST": access.allowed(g.get("role"), endpoint, method),
}.items():
    bp.add_app_template_global(_function, _name)


@bp.app_template_filter("tag_lines")
def tag_lines(tag: str) -> str:
    """A one-line HTML tag with one attribute per line: the same HTML, easier to read."""
    match = re.fullmatch(r"<(\w+) (.*?)></\1>", tag)
    if not match:
        return tag
    name, attrs = match.groups()
    parts = re.findall(r'[\w-]+(?:="[^"]*")?', attrs)
    return f"<{name} {parts[0]}" + "".join(f"\n  {p}" for p in parts[1:]) + f"></{name}>"


@bp.context_processor
def _who():
    return {
        "account": g.get("account"),
        "site": g.get("site"),
        "role": g.get("role"),
        "sites": g.get("sites", []),
    }


EXPIRED = (
    "This form has expired",
    "The page was open for too long, or it came from somewhere else. "
    "Go back, reload the page and try again.",
)
NO_SITE = (
    "You are not on any site",
    "This account is no longer on the team of any site. Ask an admin to invite you again.",
)


def _not_for(role: str | None) -> tuple[str, str]:
    return (
        "Not allowed for your role",
        f"Your role on this site ({role}) does not allow this. An admin of the site can "
        "change your role on the Team page.",
    )


MESSAGES = {
    400: ("That did not work", "Something in the address is not valid. Go back and try again."),
    404: ("Not found", "There is nothing here, or it belongs to another site."),
    405: ("Not allowed", "This address does not take that kind of request."),
    429: ("Too many attempts", "Wait a minute and try again."),
}


def error_page(status: int, headers: dict | None = None, message: tuple | None = None):
    title, text = message or MESSAGES.get(
        status, ("Something went wrong", "Try again in a moment.")
    )
    body = render_template("dashboard/error.html", status=status, title=title, text=text)
    return body, status, headers or {}


@bp.errorhandler(HTTPException)
def _http_error(e: HTTPException):
    headers = {k: v for k, v in e.get_headers() if k == "Retry-After"}
    return error_page(
        e.code or 500, headers, EXPIRED if e.description == auth.CSRF_FAILED else None
    )


@bp.errorhandler(ValidationError)
def _invalid(e: ValidationError):
    return error_page(400)


@bp.errorhandler(Problem)
def _problem(e: Problem):
    return error_page(status_of(e))


@bp.route("/<path:unknown>")
def not_found(unknown: str):
    return error_page(404)


def init_app(app: Flask) -> None:
    """Register the dashboard's pages and its session cookie."""
    from collector.dashboard import (  # noqa: F401
        apiref,
        connections,
        imports,
        login,
        lookup,
        mail_preview,
        overview,
        people,
        report,
        responses,
        reviews,
        sends,
        site,
        surveys,
        tags,
        team,
        triage,
    )

    app.session_interface = auth.DashboardSession()
    # Flask reads this both for the cookie's expiry and for the oldest signature it accepts.
    app.permanent_session_lifetime = auth.LIFETIME
    app.register_blueprint(bp)

    @app.errorhandler(MethodNotAllowed)
    def _wrong_method(e: MethodNotAllowed):
        # Raised while routing, before any blueprint is chosen: the dashboard's own paths still
        # answer with its page and its headers (CSP and the rest), the API's with JSON.
        if request.path != bp.url_prefix and not request.path.startswith(f"{bp.url_prefix}/"):
            return http_error(e)
        page = make_response(error_page(405, {"Allow": ", ".join(e.valid_methods or ())}))
        return _headers(page)
