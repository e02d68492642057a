"""The Connections page in a real Chromium: add a Slack alert with a filter, opt in to the digest,
and let axe-core check the page on desktop and phone, light and dark. The alert and digest
e-mails are looked at in the same browser."""

from __future__ import annotations

import dataclasses
import os

import pytest
from playwright.sync_api import expect

from collector import db
from collector.domain import messages
from collector.models import Site
from collector.services import accounts, alerts
from collector.webhooks import service as webhooks
from e2e.conftest import SCREENSHOTS
from e2e.test_dashboard import PASSWORD, axe_violations, log_in
from tests.factories import Rows
from tests.unit.test_messages import ANSWER, DIGEST

SLACK = "https://93.184.216.34/services/T000/B000/XXXXXXXX"  # public literal: no DNS here


@pytest.fixture
def account(collector, site) -> str:
    email = f"alerts-{site.public_key[-8:]}@acme.test"
    with collector.app.app_context():
        owner = db.session().get(Site, site.site_id)
        accounts.create(db.session(), owner, email=email, password=PASSWORD)
    return email


@pytest.fixture
def dashboard(page, collector, account):
    log_in(page, collector, account)
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    return page


@pytest.fixture
def rows(collector, site):
    return Rows(collector.app, site)


def keep(page, name: str, **kwargs) -> None:
    """Screenshots go to docs/screenshots with ``FIILIS_SCREENSHOTS=1`` (``make screenshots``)."""
    if os.environ.get("FIILIS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **kwargs)


def test_a_slack_alert_and_the_digest_are_set_up_from_the_dashboard(
    dashboard, collector, site, rows
):
    rows.survey("nps", name="Checkout NPS")
    dashboard.get_by_role("link", name="Connections").click()
    expect(dashboard.get_by_role("heading", name="Connections", level=1)).to_be_visible()
    expect(dashboard.get_by_text("No alerts yet")).to_be_visible()

    form = dashboard.locator("#new-alert")
    form.get_by_label("Slack channel").check()
    form.get_by_label("Slack webhook URL or e-mail addresses").fill("https://10.0.0.1/hook")
    form.get_by_label("Survey").select_option(label="Checkout NPS")
    form.get_by_label("Highest score").fill("6")
    form.get_by_label("Comment").select_option(label="Only with a comment")
    form.get_by_role("button", name="Add alert").click()
    expect(dashboard.locator("#target-error")).to_contain_text("private address")
    expect(dashboard.get_by_label("Highest score")).to_have_value("6")

    dashboard.get_by_label("Slack webhook URL or e-mail addresses").fill(SLACK)
    dashboard.get_by_role("button", name="Add alert").click()
    expect(dashboard.locator(".callout-ok")).to_have_text("Alert added.")
    row = dashboard.locator("table.alerts tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Checkout NPS · scores up to 6 · with a comment")
    expect(row).to_contain_text("Each answer")

    digest = dashboard.locator("#digest")
    digest.get_by_label("How often").select_option(label="Every week")
    digest.get_by_label("Day").select_option(label="Monday")
    digest.get_by_label("At").select_option(label="08:00")
    digest.get_by_label("Time zone").select_option("Europe/Helsinki")
    digest.get_by_role("button", name="Save digest").click()
    expect(dashboard.locator(".callout-ok")).to_have_text("Digest saved.")
    expect(dashboard.locator("#tz")).to_have_value("Europe/Helsinki")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_connections_page_has_no_axe_violations(
    browser, collector, site, account, rows, scheme, width
):
    survey = rows.survey("csat", name="Paying an invoice")
    with collector.app.app_context():
        owner = db.session().get(Site, site.site_id)
        alerts.create(
            db.session(),
            owner,
            {
                "channel": "slack",
                "target": SLACK,
                "filter": {"survey": survey, "max_score": 2},
                "digest": None,
                "active": True,
            },
        )
        alerts.create(
            db.session(),
            owner,
            {
                "channel": "email",
                "target": "support@example.com, ops@example.com",
                "filter": {},
                "digest": "weekly",
                "active": False,
            },
        )
        webhooks.create(
            db.session(),
            owner,
            {
                "url": "https://93.184.216.34/fiilis",
                "events": ["response.created"],
                "filter": {},
                "active": True,
                "description": "CRM sync",
            },
        )
    context = browser.new_context(
        bypass_csp=True, color_scheme=scheme, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        log_in(page, collector, account)
        expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
        page.goto(f"{collector.url}/dashboard/connections")
        page.wait_for_load_state("load")
        assert axe_violations(page) == []
        device = "desktop" if width > 600 else "phone"
        keep(page, f"connections-{device}-{scheme}", full_page=True)
        page.get_by_role("link", name="Deliveries to https://93.184.216.34/fiilis").click()
        expect(page.get_by_role("heading", name="Webhook deliveries")).to_be_visible()
        assert axe_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("width", [800, 390])
def test_alert_and_digest_emails_read_well_in_a_browser(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    email = messages.alert_email(ANSWER, site="Acme", manage_link="https://f.example/c")
    page.set_content(email.html)
    expect(page.get_by_text("Open the response")).to_be_visible()
    assert axe_violations(page) == []
    keep(page, f"alert-email-{width}", full_page=True)

    digest = messages.digest_email(DIGEST)
    page.set_content(digest.html)
    expect(page.get_by_role("heading", name="Follow-ups assigned to you")).to_be_visible()
    assert axe_violations(page) == []
    keep(page, f"digest-email-{width}", full_page=True)

    # An account on two sites: one e-mail, a section per site.
    other = dataclasses.replace(
        DIGEST, site="Acme Mobile", low_comments=[], more_low_comments=0, followups=[]
    )
    digest = messages.digest_email([DIGEST, other])
    page.set_content(digest.html)
    expect(page.get_by_role("heading", name="Acme Mobile", level=2)).to_be_visible()
    assert axe_violations(page) == []
    keep(page, f"digest-email-two-sites-{width}", full_page=True)
