"""The Install page's check: the origins the widget was called from, and the calls refused, with
why, so a team sees whether its tag works."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from collector import db
from collector.models import WidgetSighting
from tests.api import prompting
from tests.api.prompting import ORIGIN, make_survey, visitor
from tests.api.test_team import logged_in

STRANGER = "https://evil.example.net"


def call(client, path, body, **kw):
    """A widget call, its answer closed as a WSGI server closes it once sent (the sighting is
    written then)."""
    resp = prompting.call(client, path, body, **kw)
    resp.close()
    return resp


@pytest.fixture
def viewer(app, site):
    return logged_in(app, site, "val@acme.test", "viewer")


def install(viewer) -> str:
    resp = viewer.get("/dashboard/install")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_one_widget_call_from_an_allowed_origin_lists_that_origin(client, site, viewer):
    assert "No widget call yet" in install(viewer)
    make_survey(client, site)
    assert call(client, "/v1/widget/session", visitor(site)).status_code == 200
    page = install(viewer)
    assert f'data-call="{ORIGIN}"' in page
    assert "No widget call yet" not in page
    assert "No refused calls." in page


def test_a_call_from_an_origin_not_allowed_lists_a_refusal_naming_it(client, site, viewer):
    resp = call(client, "/v1/widget/session", visitor(site), origin=STRANGER)
    assert resp.status_code == 403
    page = install(viewer)
    assert f'data-refusal="{STRANGER}" data-reason="origin_not_allowed"' in page
    assert "add it under Settings" in page
    assert f'data-call="{STRANGER}"' not in page


def test_a_wrong_identity_hash_is_listed_as_a_refusal(client, site, viewer):
    body = {**visitor(site, "u1"), "user_hash": "0" * 64}
    assert call(client, "/v1/widget/session", body).status_code == 403
    assert f'data-refusal="{ORIGIN}" data-reason="identity_mismatch"' in install(viewer)


def test_another_sites_calls_are_not_listed(app, client, site, other_site, viewer):
    other = "https://other.example.org"
    assert call(client, "/v1/widget/session", visitor(other_site), origin=other).status_code == 200
    assert call(client, "/v1/widget/session", visitor(other_site)).status_code == 403
    page = install(viewer)
    assert other not in page
    assert "data-refusal" not in page


def test_calls_in_the_same_minute_are_written_once(app, client, site):
    for _ in range(5):
        assert call(client, "/v1/widget/session", visitor(site)).status_code == 200
    with app.app_context():
        rows = db.session().scalars(select(WidgetSighting)).all()
        mine = [(r.origin, r.kind, r.count) for r in rows if r.site_id == site.site_id]
    # The first call is written at once; the next four wait for the minute to pass.
    assert mine == [(ORIGIN, "call", 1)]
