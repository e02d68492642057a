"""E-mail as people see it: the HTML part rendered in Chromium, desktop and phone, light and dark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from collector import mail
from collector.models import Site, WebhookEndpoint
from collector.webhooks.delivery import turned_off_notice

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture
def notice(collector) -> mail.Message:
    site = Site(id="site_x", name="Acme Billing")
    endpoint = WebhookEndpoint(id="whk_x", url="https://crm.acme-billing.example/hooks/fiilis/v2")
    with collector.app.test_request_context():
        return turned_off_notice(site, endpoint, ["admin@acme.test"])


@pytest.mark.parametrize(
    "width, height, scheme",
    [(1280, 800, "light"), (1280, 800, "dark"), (390, 844, "light"), (390, 844, "dark")],
)
def test_the_webhook_turned_off_email_reads_everywhere(page, notice, width, height, scheme):
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme=scheme)
    page.set_content(notice.html)
    heading = page.get_by_role("heading", name="A webhook was turned off")
    assert heading.is_visible()
    assert page.get_by_role("link", name="Open the dashboard").is_visible()
    # Nothing wider than a phone: the long URL wraps instead of pushing the page sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    dark = background in ("rgb(22, 24, 29)",)
    assert dark is (scheme == "dark"), background
    if os.environ.get("FIILIS_SCREENSHOTS"):
        name = "desktop" if width > 600 else "phone"
        page.screenshot(path=SHOTS / f"mail-webhook-off-{name}-{scheme}.png", full_page=True)


@pytest.fixture
def review_mails(collector) -> dict[str, mail.Message]:
    from datetime import date

    from collector import reminders
    from collector.models import Action, Review, Survey

    site = Site(id="site_x", name="Acme Billing")
    today = date(2026, 12, 4)
    action = Action(title="Resend the invoice PDF when sending fails", due_on=date(2026, 12, 6))
    late = Action(title="Call the customers billed twice", due_on=date(2026, 11, 30))
    survey = Survey(name="Paying an invoice")
    review = Review(next_review_on=today)
    with collector.app.test_request_context():
        return {
            "reminder": reminders.reminder_message(action, "olli@acme.test", site, survey, today),
            "review-due": reminders.review_due_message(
                review, site, ["ada@acme.test"], [action, late], today
            ),
        }


@pytest.mark.parametrize(
    "width, height, scheme",
    [(1280, 800, "light"), (1280, 800, "dark"), (390, 844, "light"), (390, 844, "dark")],
)
@pytest.mark.parametrize(
    "name, heading, button",
    [
        ("reminder", "Your action is due in 2 days", "Open the actions"),
        ("review-due", "Time for the feedback review", "Open the review"),
    ],
)
def test_the_review_emails_read_everywhere(
    page, review_mails, name, heading, button, width, height, scheme
):
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme=scheme)
    page.set_content(review_mails[name].html)
    assert page.get_by_role("heading", name=heading).is_visible()
    assert page.get_by_role("link", name=button).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if os.environ.get("FIILIS_SCREENSHOTS"):
        shape = "desktop" if width > 600 else "phone"
        page.screenshot(path=SHOTS / f"mail-{name}-{shape}-{scheme}.png", full_page=True)
