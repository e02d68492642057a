# ruff: noqa: F811
"""The survey editor's rules in a real Chromium: set with the keyboard alone, saved as the API
stores them, axe-clean with and without errors, light and dark, desktop and phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import make_survey
from e2e.test_dashboard import account, axe_violations, dashboard, log_in  # noqa: F401

RULES = {
    "trigger_events": [
        {"event": "ticket.closed", "where": [{"prop": "channel", "op": "eq", "value": "chat"}]},
        "ticket.reopened",
    ],
    "pages": [{"op": "glob", "value": "/support/*"}, {"op": "equals", "value": "/help"}],
    "targeting": [{"trait": "plan", "op": "in", "value": ["pro", "team"]}],
    "starts_at": "2030-01-01T08:00:00+00:00",
    "ends_at": "2030-03-31T22:00:00+00:00",
}


def test_page_rules_and_a_condition_are_set_with_the_keyboard_alone(dashboard, collector, site):
    survey = make_survey(site, "ces")
    dashboard.goto(f"{collector.url}/dashboard/surveys/{survey['id']}")

    dashboard.get_by_label("Page rule 1: how the path is compared").focus()
    dashboard.keyboard.press("End")  # the last op: a glob
    dashboard.keyboard.press("Tab")
    expect(dashboard.get_by_label("Page rule 1: path")).to_be_focused()
    dashboard.keyboard.type("/support/*")
    dashboard.get_by_label("Condition 1: event").focus()
    for text in ("ticket.closed", "channel"):
        dashboard.keyboard.type(text)
        dashboard.keyboard.press("Tab")
    dashboard.keyboard.press("Tab")  # "is" stays chosen
    dashboard.keyboard.type("chat")
    dashboard.keyboard.press("Enter")  # submits the form
    expect(dashboard.get_by_role("status").filter(has_text="Survey saved.")).to_be_visible()

    got = site.api.get(f"/v1/surveys/{survey['id']}").json()
    assert got["pages"] == [{"op": "glob", "value": "/support/*"}]
    assert got["trigger_events"] == RULES["trigger_events"][:1]


def test_a_refused_rule_is_announced_and_focused(dashboard, collector, site):
    survey = make_survey(site, "ces")
    dashboard.goto(f"{collector.url}/dashboard/surveys/{survey['id']}")
    dashboard.get_by_label("Page rule 1: path").fill("https://acme.test/support")
    dashboard.get_by_role("button", name="Save survey").click()

    expect(dashboard.get_by_role("alert")).to_contain_text("1 field needs attention")
    field = dashboard.get_by_label("Page rule 1: path")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    expect(field).to_have_accessible_description(
        "A page rule compares the URL's path: start with / (such as /billing), not with the site's address."
    )


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_rules_section_is_axe_clean_and_looked_at(
    browser,
    collector,
    site,
    account,
    scheme,
    width,
    shoot,
):
    survey = make_survey(site, "ces", **RULES)
    context = browser.new_context(
        bypass_csp=True, color_scheme=scheme, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        log_in(page, collector, account)
        expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
        page.goto(f"{collector.url}/dashboard/surveys/{survey['id']}")
        section = page.get_by_role("region", name="Where and when")
        expect(section.get_by_label("Page rule 1: path")).to_have_value("/support/*")
        expect(section.get_by_label("Condition 1: value")).to_have_value("chat")
        expect(section.get_by_label("Targeting rule 1: value")).to_have_value("pro, team")
        expect(section.get_by_label("Starts")).to_have_value("2030-01-01T08:00")
        page.wait_for_timeout(300)  # the preview's card settles
        assert axe_violations(page) == []
        name = f"editor-rules-{'phone' if width < 600 else 'desktop'}-{scheme}"
        page.set_viewport_size({"width": width, "height": 1900})  # the whole section in view
        section.scroll_into_view_if_needed()
        shoot(page, name, locator=section)

        section.get_by_label("Condition 1: comparison").select_option("gte")
        page.get_by_role("button", name="Save survey").click()
        expect(page.get_by_role("alert")).to_be_visible()
        assert axe_violations(page) == [], "with an error"
    finally:
        context.close()
