"""Rate limits (Flask-Limiter), one limiter per app; shared across workers when storage is Redis."""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def init_app(app: Flask) -> Limiter:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(key_func=get_remote_address, app=app, default_limits=[])
    app.extensions["fiilis.limiter"] = limiter
    return limiter


def limiter() -> Limiter:
    return current_app.extensions["fiilis.limiter"]
