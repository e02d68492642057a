"""Rate limits (Flask-Limiter), one limiter per app; shared across workers when storage is Redis.

- Browser API and hosted answer pages: ``RATELIMIT_WIDGET`` per client IP and site (the site key
  in the body, or the site a prompt token names), and ``RATELIMIT_WIDGET_PER_IP`` per client IP
  over all sites, so made-up site keys cannot buy a client fresh buckets.
- Management API: ``RATELIMIT_MANAGEMENT`` per secret key (its hash; no key: per client IP), and
  ``RATELIMIT_AUTH_FAILURES`` failed authentications (401) per client IP, so made-up secret keys
  (each its own bucket above) cannot be tried without end from one address.

The client IP is the connection's peer, or the ``X-Forwarded-For`` entry added by the last of
``TRUSTED_PROXIES`` proxies (werkzeug's ProxyFix, set up in ``create_app``). A breach is a 429
in the one error shape with ``Retry-After``; no other answer carries ``Retry-After`` (the widget
would wait that long after an ordinary 5xx).

The store is per process with ``memory://``: with several workers each counts alone (the limits
are that many times higher, the dashboard's login limit included), so ``gunicorn.conf.py`` warns
when more than one worker starts without ``redis://``. When Redis does not answer, requests are
served (fail open) and limited per process in memory until it answers again, with a warning in
the log; ``/readyz`` reports the store (see :func:`store_state`).
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
    # The limits themselves and their store are settings (collector/config.py's defaults).
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis down: count in memory (per process) instead, and never fail a request over it.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        # An unreachable Redis must cost a request milliseconds, not the OS's connect timeout.
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
        )
    # Registered before the limiter's own, so it runs after it has added its headers.
    app.after_request(_retry_after_only_on_429)
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
    lim.shared_limit(
        lambda: current_app.config["RATELIMIT_AUTH_FAILURES"],
        scope="management-auth-failures",
        key_func=get_remote_address,
        deduct_when=lambda response: response.status_code == 401,
        error_message=MESSAGE,
    )(management)


def _retry_after_only_on_429(response):
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response


def store_state(app: Flask) -> dict:
    """The rate-limit store as ``/readyz`` reports it: its kind, whether several processes share
    it, and whether it answers now (a store that does not answer is a degraded, not a failed,
    instance: requests are served and limited per process)."""
    uri = app.config["RATELIMIT_STORAGE_URI"]
    kind = uri.split(":", 1)[0]
    limiter: Limiter = app.extensions["fiilis.limiter"]
    try:
        answers = bool(limiter.storage.check())
    except Exception:  # any storage error means "does not answer"
        answers = False
    return {"kind": kind, "shared": kind != "memory", "reachable": answers}


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
