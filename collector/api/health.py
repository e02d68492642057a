"""Liveness and readiness, the OpenAPI document, and ``/`` (to the dashboard): no key needed."""

from flask import Blueprint, current_app, jsonify, redirect, url_for
from sqlalchemy import text

from collector import db, limits, openapi
from collector.errors import APIError

bp = Blueprint("health", __name__)


@bp.get("/")
def home():
    """Whoever opens the collector's address in a browser wants the dashboard."""
    return redirect(url_for("dashboard.overview"))


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """200 while the database answers: ``ready``, or ``degraded`` when the rate-limit store does
    not (requests are then served, limited per process); 503 when the database does not."""
    try:
        db.session().execute(text("SELECT 1"))
    except Exception as e:  # any driver error means "not ready"
        current_app.logger.warning("readiness check failed: %s", e)
        raise APIError(503, "database_unavailable", "The database does not answer.") from e
    store = limits.store_state(current_app)
    if not store["reachable"]:
        current_app.logger.warning("rate-limit store %s does not answer", store["kind"])
    return {
        "status": "ready" if store["reachable"] else "degraded",
        "database": db.engine().dialect.name,
        "rate_limit_store": store,
    }


@bp.get("/v1/openapi.json")
def openapi_json():
    if "fiilis.openapi" not in current_app.extensions:
        current_app.extensions["fiilis.openapi"] = openapi.build(current_app)
    return jsonify(current_app.extensions["fiilis.openapi"])
