"""Fiilis collector: decides who is asked, serves the widget, stores answers, computes scores."""

from __future__ import annotations

__version__ = "0.1.0"

import re
import secrets

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(config: dict | None = None) -> Flask:
    """The application factory: configuration from ``FIILIS_*`` env vars, then ``config``."""
    from collector import cli, dashboard, db, errors, jobs, limits
    from collector import config as settings
    from collector.api import answer, body, bundle, health, unsubscribe, v1, widget
    from collector.domain import storable
    from collector.services import settings_cache

    app = Flask(__name__, instance_relative_config=True)
    app.json.sort_keys = False  # answers keep the schema's field order: id first, as documented
    # A page shows what is stored; a lone surrogate stored by an older version must not break it.
    app.jinja_env.finalize = storable.printable_value
    conf = settings.from_env()
    conf.update(config or {})
    app.config.update(settings.resolve(conf, app.instance_path, app.logger.warning))

    _request_ids(app)  # first: every later hook, the rate limiter's included, can name the request
    db.init_app(app)
    jobs.init_app(app)
    settings_cache.init_app(app)
    errors.init_app(app)
    body.init_app(app)  # before the limiter: its key functions read the body parsed here
    limits.init_app(app)
    body.init_refusals(app)  # after it: a refused request still counts against the limit

    app.register_blueprint(v1.management)
    app.register_blueprint(health.bp)
    app.register_blueprint(bundle.bp)
    dashboard.init_app(app)
    app.register_blueprint(widget.bp)
    app.register_blueprint(answer.bp)
    app.register_blueprint(unsubscribe.bp)
    limits.limit_blueprints(
        app, browser=[widget.bp, answer.bp, unsubscribe.bp], management=v1.management
    )
    if app.config["TRUSTED_PROXIES"]:
        # The client IP (rate limits) and scheme from X-Forwarded-* only through our own proxies.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    cli.init_app(app)
    return app


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def _request_ids(app: Flask) -> None:
    @app.before_request
    def _assign():
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.match(given) else f"req_{secrets.token_hex(12)}"

    @app.after_request
    def _echo(response):
        response.headers["X-Request-Id"] = g.get("request_id") or f"req_{secrets.token_hex(12)}"
        return response
