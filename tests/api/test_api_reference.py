"""The API reference page: the OpenAPI document under the dashboard's strict CSP (issue 23)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.api.test_dashboard import text
from tests.api.test_team import logged_in

VENDOR = Path(__file__).resolve().parents[2] / "collector" / "static" / "vendor" / "swagger-ui"
STRICT = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
)


def directives(csp: str) -> dict[str, str]:
    return {d.split()[0]: d.strip() for d in csp.split(";") if d.strip()}


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_every_role_reads_the_reference_under_the_strict_csp(app, site, role):
    client = logged_in(app, site, f"{role}@acme.test", role)
    resp = client.get("/dashboard/api")
    assert resp.status_code == 200
    page = text(resp)
    csp = resp.headers["Content-Security-Policy"]
    for directive in STRICT:
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # Only this page may fetch, and only from this collector (the document, "Try it out").
    assert directives(csp)["connect-src"] == "connect-src 'self'"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-store"
    assert "<script>" not in page and 'style="' not in page and "<style" not in page
    assert 'data-spec="/v1/openapi.json"' in page
    # It is in the menu, for every role.
    assert re.search(r'href="/dashboard/api"\s+aria-current="page"', page)


def test_other_dashboard_pages_still_fetch_nothing(app, site):
    user = logged_in(app, site, "vera@acme.test", "viewer")
    for path in ("/dashboard/", "/dashboard/install"):
        csp = user.get(path).headers["Content-Security-Policy"]
        assert "connect-src" not in csp and "default-src 'none'" in csp, path


def test_the_page_loads_only_its_own_files_and_they_are_the_vendored_ones(app, site, client):
    user = logged_in(app, site, "vera@acme.test", "viewer")
    page = text(user.get("/dashboard/api"))
    scripts = re.findall(r'<script[^>]* src="([^"]+)"', page)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert any("vendor/swagger-ui/swagger-ui-bundle.js" in s for s in scripts)
    assert any("dashboard/api-reference.js" in s for s in scripts)
    assert any("vendor/swagger-ui/swagger-ui.css" in s for s in styles)
    for url in scripts + styles:
        assert url.startswith("/static/"), url  # 'self': nothing from a CDN
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["Content-Type"].split(";")[0] in ("text/javascript", "text/css"), url
        name = url.split("?")[0].rsplit("/", 1)[1]
        if "/vendor/swagger-ui/" in url:
            assert resp.data == (VENDOR / name).read_bytes()


def test_the_document_it_renders_is_served_and_names_the_bearer_key(client):
    doc = client.get("/v1/openapi.json").get_json()
    assert doc["components"]["securitySchemes"]["secret_key"]["scheme"] == "bearer"
    assert "post" in doc["paths"]["/v1/prompts"]


def test_a_visitor_without_a_session_goes_to_the_login(client):
    resp = client.get("/dashboard/api")
    assert resp.status_code == 302 and "/dashboard/login" in resp.headers["Location"]


def test_the_vendored_copy_carries_its_licence_and_version():
    assert "Apache License" in (VENDOR / "LICENSE").read_text()
    assert (VENDOR / "VERSION").read_text().strip() == "5.35.0"
