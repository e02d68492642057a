"""People and Install in Chromium: why a user was or was not asked, and whether the tag works;
axe-clean in light and dark, on a desktop and a phone."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from e2e.test_dashboard import axe_violations, log_in
from e2e.test_team import VIEWS, member
from tests.factories import Rows


@pytest.mark.parametrize("view", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_people_page_explains_a_user_and_passes_axe(
    browser, collector, site, view, scheme, shoot
):
    rows = Rows(collector.app, site)
    survey = rows.survey("csat", name="Paying an invoice", trigger_events=["invoice.paid"])
    rows.survey("nps", name="Quarterly NPS", trigger_events=[], active=False)
    rows.response(survey, 4, user_id="team/42")
    email = member(collector, site, f"viewer-{site.public_key[-6:]}@acme.test", "viewer")
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport=VIEWS[view])
    page = context.new_page()
    try:
        log_in(page, collector, email)
        page.goto(f"{collector.url}/dashboard/people")
        expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
        assert axe_violations(page) == [], "people, empty"
        page.get_by_label("User id").fill("team/42")
        page.get_by_role("button", name="Look up").click()
        card = page.locator(f'[data-survey="{survey}"]')
        expect(card).to_contain_text("Not asked: answered_recently")
        expect(card.locator('[data-rule="answered_recently"]')).to_contain_text("Fail")
        expect(page.locator("[data-prompt]")).to_have_count(1)
        assert axe_violations(page) == [], "people, a user"
        shoot(page, f"dashboard-people-{view}-{scheme}", full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("view", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_install_check_lists_calls_and_refusals_and_passes_axe(
    browser, collector, site, host, view, scheme, shoot
):
    visit = {"site_key": site.public_key, "anonymous_id": "anon-0000-1111"}
    ok = httpx.post(f"{collector.url}/v1/widget/session", json=visit, headers={"Origin": host.url})
    assert ok.status_code == 200
    stranger = "https://staging.acme.example"
    refused = httpx.post(
        f"{collector.url}/v1/widget/session", json=visit, headers={"Origin": stranger}
    )
    assert refused.status_code == 403
    email = member(collector, site, f"viewer-{site.public_key[-6:]}@acme.test", "viewer")
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport=VIEWS[view])
    page = context.new_page()
    try:
        log_in(page, collector, email)
        page.goto(f"{collector.url}/dashboard/install#check")
        check = page.locator("#check")
        expect(check.locator(f'[data-call="{host.url}"]')).to_be_visible()
        expect(check.locator(f'[data-refusal="{stranger}"]')).to_contain_text("origin_not_allowed")
        assert axe_violations(page) == [], "install"
        check.scroll_into_view_if_needed()
        shoot(page, f"dashboard-install-check-{view}-{scheme}", locator=check)
    finally:
        context.close()
