"""The unsubscribe page of survey e-mail: one button, in a real browser, light and dark."""

import re

import pytest
from playwright.sync_api import expect

from collector.services import unsubscribe


def unsubscribe_url(collector, site, email, locale=None) -> str:
    with collector.app.app_context():
        return f"{collector.url}/u/{unsubscribe.token(site.site_id, email, locale)}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("width", "screen"), [(1280, "desktop"), (390, "phone")])
def test_the_button_unsubscribes_the_address(page, collector, site, shoot, scheme, width, screen):
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 800})
    email = f"aino.{screen}.{scheme}@acme.fi"
    page.goto(unsubscribe_url(collector, site, email))
    expect(page.get_by_role("heading", name="Stop survey e-mails?")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    shoot(page, f"unsubscribe-{screen}-{scheme}")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    shoot(page, f"unsubscribed-{screen}-{scheme}")
    listed = site.api.get("/v1/suppressions").json()["data"]
    assert [(s["email"], s["reason"]) for s in listed] == [(email, "unsubscribed")]


def test_the_page_works_without_javascript_in_finnish(browser, collector, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(unsubscribe_url(collector, site, "aino@acme.fi", locale="fi"))
    page.get_by_role("button", name=re.compile("Peru tilaus")).click()
    expect(page.get_by_role("heading", name="Tilaus on peruttu")).to_be_visible()
    context.close()
