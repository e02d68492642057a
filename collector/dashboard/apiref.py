"""API reference: the OpenAPI document (``/v1/openapi.json``) in the browser (issue 23).

Rendered by the vendored Swagger UI (collector/static/vendor/swagger-ui/, pinned in vendor/), set up
by our own dashboard/api-reference.js: no inline script or style. The page's policy adds
``connect-src 'self'`` (``PAGE_CSP``) so Swagger UI can fetch the document and send "Try it out"
requests to this collector with the secret key the user types in; no other page may fetch.
"""

from __future__ import annotations

from flask import render_template, url_for

from collector.dashboard import bp


@bp.get("/api")
def api_reference():
    return render_template(
        "dashboard/api_reference.html",
        section="api_reference",
        title="API reference",
        spec_url=url_for("health.openapi_json"),
    )
