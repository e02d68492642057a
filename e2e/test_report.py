"""A survey's report in a real Chromium: reached from the Surveys list, its trait picker changes
the table, it stays open for an archived survey, and it is axe-clean light and dark, desktop and
phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from e2e.test_dashboard import axe_violations, log_in
from e2e.test_review import TO_TOP, seed
from e2e.test_team import VIEWS, member
from tests.factories import Rows

PLANS = ["free", "pro", "team"]


def seed_report(collector, site):
    survey = seed(collector, site)  # the Review's invoices: 3.8 before, 4.4 now, tags and comments
    now = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    Rows(collector.app, site).responses(
        survey,
        [
            {
                "score": (i % 5) + 1 if PLANS[i % 3] != "pro" else 5 - (i % 2),
                "at": now - timedelta(days=1 + i % 9),
                "user_id": f"t{i}",
                "traits": {"plan": PLANS[i % 3], "country": ["FI", "SE"][i % 2]},
            }
            for i in range(90)
        ],
    )
    return survey


@pytest.fixture
def viewer(collector, site):
    return member(collector, site, f"vic-{site.public_key[-6:]}@acme.test", "viewer")


def test_the_report_opens_from_the_surveys_list_and_shows_score_by_trait(
    page, collector, site, viewer
):
    survey = seed_report(collector, site)
    log_in(page, collector, viewer)
    page.get_by_role("navigation").get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="Report on Paying an invoice").click()
    expect(page.get_by_role("heading", name="Paying an invoice", level=1)).to_be_visible()
    expect(page.locator(".change-grid")).to_have_attribute("data-verdict", "beyond_chance")
    traits = page.locator(f'[data-groups="r-{survey}-traits"] tbody tr')
    # The first trait name in order (country) until another is chosen; largest groups first.
    expect(traits.locator("th")).to_have_text(["Not set", "FI", "SE"])
    page.get_by_label("Trait", exact=True).select_option("plan")
    page.get_by_role("button", name="Show").click()
    expect(traits.locator("th")).to_have_text(["Not set", "free", "pro", "team"])
    api = site.api.get(
        "/v1/metrics",
        params={"survey": survey, "group_by": "trait:plan", **_period(page)},
    ).json()
    pro = next(g for g in api["groups"] if g["key"] == "pro")
    expect(traits.filter(has_text="pro")).to_have_attribute("data-n", str(pro["n"]))
    expect(page.get_by_text("The PDF never arrives.")).to_be_visible()
    # Archived: gone from the overview, still in the Surveys list with its report.
    assert site.api.delete(f"/v1/surveys/{survey}").status_code == 200
    page.get_by_role("navigation").get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="Report on Paying an invoice").click()
    expect(page.get_by_text("Archived", exact=True)).to_be_visible()
    expect(page.locator(".change-grid")).to_have_attribute("data-verdict", "beyond_chance")


def _period(page) -> dict:
    shown = page.locator(".period-range")
    return {"since": shown.get_attribute("data-since"), "until": shown.get_attribute("data-until")}


@pytest.mark.parametrize("view", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_report_looks_right_and_passes_axe(
    browser, collector, site, viewer, view, scheme, shoot
):
    survey = seed_report(collector, site)
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport=VIEWS[view])
    page = context.new_page()
    try:
        log_in(page, collector, viewer)
        page.goto(f"{collector.url}/dashboard/surveys/{survey}/report?trait=plan")
        expect(page.get_by_role("heading", name="Paying an invoice", level=1)).to_be_visible()
        assert axe_violations(page) == [], "report"
        shoot(page, f"dashboard-report-{view}-{scheme}")
        page.locator(f"#r-{survey}-tags").scroll_into_view_if_needed()
        shoot(page, f"dashboard-report-groups-{view}-{scheme}")
        by_reason = page.locator(f'[data-groups="r-{survey}-reasons"] tbody tr th')
        expect(by_reason.first).to_have_text("Price")  # the most answers first
        page.locator(f"#r-{survey}-reasons").evaluate(TO_TOP)
        shoot(page, f"dashboard-report-reasons-{view}-{scheme}")
        page.locator(f"#r-{survey}-reasons-moved").evaluate(TO_TOP)
        shoot(page, f"dashboard-report-reasons-moved-{view}-{scheme}")
        # The Responses list filtered by a reason, chosen by its label.
        page.goto(f"{collector.url}/dashboard/responses?survey={survey}&has_comment=any")
        filters = page.locator("details.filters-box")
        if filters.get_attribute("open") is None:  # closed on a phone
            filters.locator("summary").click()
        page.get_by_label("Reason", exact=True).select_option(label="Slow pages")
        page.get_by_role("button", name="Apply").click()
        expect(page.locator("#result-count")).to_have_text(
            "60 responses match"
        )  # 30 before, 30 now
        expect(page.locator(".reason-line").first).to_have_text("Reasons: Slow pages")
        assert axe_violations(page) == [], "responses by reason"
        shoot(page, f"dashboard-responses-reason-{view}-{scheme}")
    finally:
        context.close()
