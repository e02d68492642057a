"""A scheduled survey's Sends page and the editor's schedule fields in a real Chromium: reached
from the Surveys list, the turn's counts and who is asked next, axe-clean light and dark,
desktop and phone (screenshots with ``FIILIS_SCREENSHOTS=1``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from collector import db, schedule
from collector.models import Prompt, Survey, SurveyAsk, User
from collector.services import survey_mail, triggers
from e2e.test_dashboard import axe_violations, log_in
from e2e.test_team import VIEWS, member
from tests.smtp import SMTPServer

WINDOW = {"days": "mon-fri", "from": "09:00", "to": "11:00", "tz": "Europe/Helsinki"}


def last_monday() -> datetime:
    today = datetime.now(UTC).date() - timedelta(days=8)
    monday = today - timedelta(days=today.weekday())
    return datetime(monday.year, monday.month, monday.day, 6, 0, tzinfo=UTC)


def seed(collector, site) -> str:
    """A quarterly NPS by e-mail to 40 people, its first day a week ago Monday: that day's
    asks sent (one answered 9), the rest still to come."""
    made = site.api.post(
        "/v1/surveys",
        json={
            "kind": "nps",
            "name": "Quarterly NPS",
            "question": {"en": "How likely are you to recommend Acme Billing to a friend?"},
            "schedule": {"every_days": 90, "channel": "email", "spread_days": 30,
                         "send_window": WINDOW, "reminder_days": 3},
        },
    ).json()  # fmt: skip
    people = "\n".join(
        json.dumps({"user_id": f"cust-{i:02}", "email": f"cust-{i:02}@example.com"})
        for i in range(40)
    )
    site.api.post(
        "/v1/people/import",
        content=people.encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    began = last_monday()
    server = SMTPServer().start()
    app = collector.app
    app.config["SMTP_URL"] = server.url
    try:
        with app.app_context():
            session = db.session()
            session.execute(
                update(Survey).where(Survey.id == made["id"]).values(schedule_since=began)
            )
            session.execute(
                update(User)
                .where(User.user_id.startswith("cust-"))
                .values(created_at=began - timedelta(days=1))
            )
            session.commit()
            schedule.run_schedules(began.replace(hour=8, minute=56))
            ids = list(
                session.scalars(
                    select(SurveyAsk.prompt_id).where(SurveyAsk.survey_id == made["id"])
                )
            )
            session.commit()
            for prompt_id in ids:
                survey_mail.send(prompt_id, "ask")
            first = session.get(Prompt, ids[0])
            link = triggers.link_url(collector.url, first)
    finally:
        app.config.pop("SMTP_URL", None)
        server.stop()
    site.api.get(f"{link.removeprefix(collector.url)}?score=9")
    return made["id"]


@pytest.fixture
def viewer(collector, site):
    return member(collector, site, f"sam-{site.public_key[-6:]}@acme.test", "viewer")


def test_the_sends_page_opens_from_the_surveys_list(page, collector, site, viewer):
    survey = seed(collector, site)
    log_in(page, collector, viewer)
    page.get_by_role("navigation").get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="Sends of Quarterly NPS").click()
    expect(page.get_by_role("heading", name="Sends: Quarterly NPS", level=1)).to_be_visible()
    row = page.locator('tr[data-turn="0"]')
    asked = int(row.locator('[data-label="Asked"]').inner_text())
    assert 0 < asked < 40
    expect(row.locator('[data-label="Answered"]')).to_contain_text("1")
    expect(page.locator(".sends-next tbody tr")).to_have_count(20)
    assert page.url.endswith(f"/dashboard/surveys/{survey}/sends")


@pytest.mark.parametrize("view", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_sends_page_and_the_schedule_fields_pass_axe(
    browser, collector, site, viewer, view, scheme, shoot
):
    survey = seed(collector, site)
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport=VIEWS[view])
    page = context.new_page()
    try:
        log_in(page, collector, viewer)
        page.goto(f"{collector.url}/dashboard/surveys/{survey}/sends")
        expect(page.get_by_role("heading", name="Sends: Quarterly NPS", level=1)).to_be_visible()
        assert axe_violations(page) == [], "sends"
        shoot(page, f"dashboard-sends-{view}-{scheme}", full_page=True)
        page.goto(f"{collector.url}/dashboard/surveys/{survey}")
        section = page.locator("#sec-schedule").locator("xpath=..")
        section.scroll_into_view_if_needed()
        expect(page.get_by_label("Time zone")).to_have_value("Europe/Helsinki")
        assert axe_violations(page) == [], "editor"
        shoot(page, f"dashboard-editor-schedule-{view}-{scheme}", section)
    finally:
        context.close()
