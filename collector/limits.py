"""Rate limits (Flask-Limiter), one limiter per app; shared across workers when storage is Redis.

- Browser API and hosted answer pages: ``RATELIMIT_WIDGET`` per client IP and site (the site key
  in the body, or the site a prompt token names), and ``RATELIMIT_WIDGET_PER_IP`` per client IP
  over all sites, so made-up site keys cannot buy a client fresh buckets.
- Management API: ``RATELIMIT_MANAGEMENT`` per secret key (its hash; no key: per client IP).

The client IP is the connection's peer, or the ``X-Forwarded-For`` entry added by the last of
``TRUSTED_PROXIES`` proxies (werkzeug's ProxyFix, set up in ``create_app``). A breach is a 429
in the one error shape with ``Retry-After``.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from collector.api.body import parsed
from collector.domain.tokens import peek_site

MESSAGE = "Too many requests. Retry after the number of seconds in the Retry-After header."


def init_app(app: Flask) -> Limiter:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_WIDGET", "300/minute")
    app.config.setdefault("RATELIMIT_WIDGET_PER_IP", "3000/minute")
    app.config.setdefault("RATELIMIT_MANAGEMENT", "1200/minute")
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[])
    # CORS preflights do no work and carry no body to tell the site by.
    limiter.request_filter(lambda: request.method == "OPTIONS")
    app.extensions["fiilis.limiter"] = limiter
    return limiter


def limiter() -> Limiter:
    return current_app.extensions["fiilis.limiter"]


def limit_blueprints(app: Flask, *, browser: list[Blueprint], management: Blueprint) -> None:
    """Attach the limits to the blueprints (by name, so module-level blueprints are shared by
    several apps safely)."""
    lim: Limiter = app.extensions["fiilis.limiter"]
    for bp in browser:
        lim.shared_limit(
            lambda: current_app.config["RATELIMIT_WIDGET"],
            scope="browser",
            key_func=browser_key,
            error_message=MESSAGE,
        )(bp)
        lim.shared_limit(
            lambda: current_app.config["RATELIMIT_WIDGET_PER_IP"],
            scope="browser-ip",
            key_func=get_remote_address,
            error_message=MESSAGE,
        )(bp)
    lim.shared_limit(
        lambda: current_app.config["RATELIMIT_MANAGEMENT"],
        scope="management",
        key_func=management_key,
        error_message=MESSAGE,
    )(management)


def browser_key() -> str:
    return f"ip:{get_remote_address()}|site:{_claimed_site()}"


def management_key() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "sk:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
    return f"ip:{get_remote_address()}"


def _claimed_site() -> str:
    """The site a request names, unverified (it only picks the bucket; the handler verifies)."""
    token = (request.view_args or {}).get("token")
    if token is None:
        body = parsed()
        if isinstance(body, dict):
            if isinstance(body.get("site_key"), str):
                return body["site_key"][:64]
            token = body.get("token")
    return (isinstance(token, str) and peek_site(token)) or "-"
