"""Tags on a response's page in a real Chromium: typed, saved, shown as links, on desktop and
phone, light and dark."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.test_dashboard import account, dashboard, log_in, rows  # noqa: F401 (fixtures)


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (1280, "dark"), (390, "light"), (390, "dark")]
)
def test_tags_are_saved_on_a_response_page_and_link_to_the_list(
    dashboard,  # noqa: F811
    collector,
    site,
    rows,  # noqa: F811
    shoot,
    width,
    scheme,
):
    page = dashboard
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    rid = rows.response(rows.survey("nps"), 3, comment="Laskutus on sekava, lasku tuli kahdesti")
    page.goto(f"{collector.url}/dashboard/responses/{rid}")
    expect(page.get_by_text("No tags.")).to_be_visible()
    page.get_by_label("Tags, separated by commas").fill("Billing, invoices")
    page.get_by_role("button", name="Save tags").click()
    expect(page.get_by_role("region", name="Tags").get_by_role("status")).to_contain_text(
        "Tags saved."
    )
    tags = page.get_by_role("list", name="Tags on this response")
    expect(tags.get_by_role("link")).to_have_text(["billing", "invoices"])
    assert site.api.get(f"/v1/responses/{rid}").json()["tags"] == ["billing", "invoices"]
    if width < 600:
        card = page.get_by_role("region", name="Tags")
        card.scroll_into_view_if_needed()
        shoot(page, f"dashboard-response-tags-phone-{scheme}", card, margin=12)
    else:
        shoot(page, f"dashboard-response-tags-desktop-{scheme}")

    tags.get_by_role("link", name="billing").click()
    expect(page.get_by_role("heading", name="Responses", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Laskutus on sekava", exact=False).first).to_be_visible()
