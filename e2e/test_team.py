"""The team in a real Chromium: an editor searches the responses and assigns many at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from collector import db
from collector.services import accounts, sites
from e2e.test_dashboard import PASSWORD, axe_violations, log_in
from tests.factories import Rows

VIEWS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def member(collector, site, email, role):
    with collector.app.app_context():
        found = sites.by_public_key(db.session(), site.public_key)
        accounts.create(db.session(), found, email=email, password=PASSWORD, role=role)
    return email


@pytest.fixture
def team(collector, site):
    tag = site.public_key[-6:]
    return {
        "admin": member(collector, site, f"ada-{tag}@acme.test", "admin"),
        "editor": member(collector, site, f"eddie-{tag}@acme.test", "editor"),
        "owner": member(collector, site, f"olli-{tag}@acme.test", "editor"),
    }


def test_an_editor_searches_and_assigns_several_responses_at_once(
    page, collector, site, team, shoot
):
    rows = Rows(collector.app, site)
    survey = rows.survey("csat", name="Paying an invoice")
    for n in range(3):
        rows.response(survey, 1, comment=f"Lasku {n} tuli kahdesti.", locale="fi")
    rows.response(survey, 2, comment="The invoice PDF is empty.", locale="en")
    rows.response(survey, 1, comment="Slow dashboard.")
    log_in(page, collector, team["editor"])
    page.goto(f"{collector.url}/dashboard/responses")
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)
    page.get_by_label("Search", exact=True).fill("lasku")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#result-count")).to_contain_text("3 responses match “lasku”")
    expect(page.locator("table.responses tbody tr")).to_have_count(3)
    page.get_by_label("Select every response on this page").check()
    expect(page.locator("[data-selected-count]")).to_have_text("3 selected")
    page.get_by_label("New owner").select_option(team["owner"])
    page.get_by_role("button", name="Change selected").click()
    expect(page.get_by_role("status").filter(has_text="3 responses now owned by")).to_be_visible()
    # Back on the same search, each now with its owner.
    expect(page.get_by_label("Search", exact=True)).to_have_value("lasku")
    expect(page.locator("table.responses .owner")).to_have_count(3)
    got = site.api.get("/v1/responses", params={"survey": survey, "limit": 100}).json()["data"]
    owned = {r["comment"] for r in got if r["followup_owner"] == team["owner"]}
    assert owned == {f"Lasku {n} tuli kahdesti." for n in range(3)}
    page.get_by_label("Search", exact=True).fill("invoice")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("table.responses tbody tr")).to_have_count(1)
    expect(page.locator("table.responses")).to_contain_text("The invoice PDF is empty.")


@pytest.mark.parametrize("view", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_team_and_triage_pages_look_right_and_pass_axe(
    browser, collector, site, team, view, scheme, shoot
):
    rows = Rows(collector.app, site)
    survey = rows.survey("nps", name="Recommend Acme")
    long = "Laskutus on sekava: " + "en löydä kuukauden laskua mistään, ja tuki ei vastaa. " * 6
    rows.response(survey, 2, comment=long, locale="fi")
    rows.response(survey, 4, comment="The invoice was wrong again.")
    rows.response(survey, 6, comment="Laskun eräpäivä on liian lyhyt.", locale="fi")
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport=VIEWS[view])
    page = context.new_page()
    try:
        log_in(page, collector, team["admin"])
        page.goto(f"{collector.url}/dashboard/responses?q=lasku&order=newest")
        page.get_by_label("Save these filters as").fill("Laskut")
        page.get_by_role("button", name="Save view").click()
        expect(page.get_by_role("link", name="Laskut", exact=True)).to_be_visible()
        page.locator('input[name="ids"]').first.check()
        assert axe_violations(page) == [], "responses"
        shoot(page, f"dashboard-triage-{view}-{scheme}")
        page.goto(f"{collector.url}/dashboard/team")
        expect(page.get_by_role("heading", name="Team", level=1)).to_be_visible()
        assert axe_violations(page) == [], "team"
        shoot(page, f"dashboard-team-{view}-{scheme}")
        page.goto(f"{collector.url}/dashboard/settings#audit")
        assert axe_violations(page) == [], "settings"
        expect(page.locator("#audit")).to_be_visible()
    finally:
        context.close()


def test_a_viewer_cannot_open_settings_or_follow_up(page, collector, site):
    rows = Rows(collector.app, site)
    response = rows.response(rows.survey("csat"), 2, comment="Hmm")
    viewer = member(collector, site, f"vera-{site.public_key[-6:]}@acme.test", "viewer")
    log_in(page, collector, viewer)
    page.goto(f"{collector.url}/dashboard/responses/{response}")
    expect(page.get_by_role("button", name="Save follow-up")).to_have_count(0)
    page.goto(f"{collector.url}/dashboard/settings")
    expect(page.get_by_role("heading", name="Not allowed for your role")).to_be_visible()
    assert re.search("viewer", page.content())
