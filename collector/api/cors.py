"""CORS for the browser API, per site: the request's ``Origin`` must be on that site's allowlist.

Not flask-cors: its allowed origins are fixed per route when the app starts, while ours depend on
which site the request is for, and that is only known from its body (the site key, or the
prompt token). A refused origin must also stop the request before anything is stored, which is
a decision, not a header.

- Allowed: ``Access-Control-Allow-Origin: <origin>`` (never ``*``, no credentials), ``Vary: Origin``.
- Not allowed: 403 ``origin_not_allowed``. Like every refusal (401 unknown site key, 403 identity,
  422, 429) it carries ``Access-Control-Allow-Origin`` for the requesting origin: an error says
  nothing about the site but why the call failed, and a widget that cannot read it can only guess
  (it would see a network error). The refusal is the decision; nothing was stored.
- No ``Origin`` at all (curl, a server): 403 ``origin_required`` — this API is for browsers; the
  management API is for servers.
- A site with no allowed origins accepts any origin only in development mode.
- Preflights (``OPTIONS``) echo the origin and grant nothing by themselves: the real call is
  checked against the site's list.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask.wrappers import Response

from collector.domain import origins
from collector.errors import APIError
from collector.models import Site

ALLOW_METHODS = "POST, PATCH"
ALLOW_HEADERS = "Content-Type"
MAX_AGE = "600"
#: Headers the widget may read from an answer (Retry-After to back off after a 429).
EXPOSE_HEADERS = "Retry-After, X-Request-Id"


def check(site: Site | None) -> None:
    """Refuse the request unless its origin may call for ``site``; remember an allowed origin.

    ``site`` is ``None`` when the body names no site we know; the handler refuses such a request
    anyway, without CORS headers.
    """
    origin = request.headers.get("Origin")
    dev = current_app.config.get("DEV", False)
    if origin is None:
        if dev:
            return
        raise APIError(
            403,
            "origin_required",
            "The browser API answers browsers: this request has no Origin header. "
            "Servers use the management API with a secret key.",
        )
    if site is None:
        return
    allowed = site.allowed_origins or []
    if origins.same(origin, allowed) or (not allowed and dev):
        g.cors_origin = origin
        return
    raise APIError(
        403,
        "origin_not_allowed",
        f"The origin {origin} is not allowed for {site.public_key}: add it under Settings → "
        "Allowed origins in the dashboard (or PATCH /v1/site allowed_origins).",
    )


def preflight() -> Response:
    response = current_app.response_class(status=204)
    origin = request.headers.get("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
    response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
    response.headers["Access-Control-Max-Age"] = MAX_AGE
    response.vary.add("Origin")
    return response


def headers(response: Response) -> Response:
    """``after_request`` of the browser API."""
    response.vary.add("Origin")
    origin = g.get("cors_origin")
    if origin is None and response.status_code >= 400:
        # A refusal (or a 429 counted before the site is known) may be read by any page: it holds
        # the reason and, for a 429, when to retry; the widget prints the one and obeys the other.
        origin = request.headers.get("Origin")
    if origin and "Access-Control-Allow-Origin" not in response.headers:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    return response
