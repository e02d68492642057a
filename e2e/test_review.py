"""The monthly review in a real Chromium: open Review, read it, record three actions with owners,
see them in the Actions list, mark one done; every new page axe-clean, light and dark, desktop
and phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from collector import db
from collector.models import ResponseReason, ResponseTag
from e2e.test_dashboard import axe_violations, log_in
from e2e.test_team import VIEWS, member
from tests.factories import Rows

BEFORE = {1: 10, 2: 20, 3: 35, 4: 70, 5: 65}
AFTER = {1: 4, 2: 6, 3: 16, 4: 54, 5: 120}
#: Scrolls an element to the top of the window, below the phone's sticky bar, for a screenshot.
TO_TOP = "e => { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -72); }"
REASONS = {
    "choices": [
        {"id": "invoice_pdf", "label": {"en": "Invoice PDF", "fi": "Laskun PDF"}},
        {"id": "price", "label": {"en": "Price"}},
        {"id": "speed", "label": {"en": "Slow pages"}},
        {"id": "support", "label": {"en": "Support"}},
    ],
    "multiple": True,
}


def seed(collector, site):
    rows = Rows(collector.app, site)
    survey = rows.survey("csat", name="Paying an invoice", reasons=REASONS)
    nps = rows.survey("nps", name="Recommend Acme")
    now = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    made = []
    for dist, at in ((BEFORE, now - timedelta(days=40)), (AFTER, now - timedelta(days=6))):
        made += rows.responses(
            survey,
            [
                {"score": p, "at": at, "user_id": f"u{p}-{i}-{at.day}"}
                for p, c in dist.items()
                for i in range(c)
            ],
        )
    # "pdf" on 40 answers before, 8 now; "billing" on 20 both times.
    tagged = [(r, "pdf") for r in made[:40] + made[200:208]]
    tagged += [(r, "billing") for r in made[100:120] + made[300:320]]
    # Reasons (answers are listed lowest score first): "invoice_pdf" on 30 low answers before and
    # 10 now, "price" on 20 and 40, "speed" on 30 both times, "support" on 10 and 2; one answer
    # gave "mobile", a choice since removed.
    given = [(r, "invoice_pdf") for r in made[:30] + made[200:210]]
    given += [(r, "price") for r in made[40:60] + made[220:260]]
    given += [(r, "speed") for r in made[100:130] + made[300:330]]
    given += [(r, "support") for r in made[150:160] + made[350:352]]
    given += [(made[399], "mobile")]
    with collector.app.app_context():
        session = db.session()
        session.add_all(
            ResponseTag(response_id=r, tag=t, site_id=site.site_id, survey_id=survey)
            for r, t in tagged
        )
        session.add_all(
            ResponseReason(response_id=r, reason=x, site_id=site.site_id, survey_id=survey)
            for r, x in given
        )
        session.commit()
    rows.response(survey, 1, at=now - timedelta(days=2), comment="The PDF never arrives.")
    rows.response(survey, 2, at=now - timedelta(days=3), comment="Two invoices for one month.")
    rows.responses(
        nps,
        [{"score": s, "at": now - timedelta(days=d)} for d, s in enumerate([9, 10, 3, 7, 8, 10])],
    )
    return survey


@pytest.fixture
def team(collector, site):
    tag = site.public_key[-6:]
    return {
        "editor": member(collector, site, f"eddie-{tag}@acme.test", "editor"),
        "owner": member(collector, site, f"olli-{tag}@acme.test", "editor"),
        "viewer": member(collector, site, f"vera-{tag}@acme.test", "viewer"),
    }


def test_the_whole_monthly_review(page, collector, site, team):
    seed(collector, site)
    log_in(page, collector, team["editor"])
    page.get_by_role("navigation").get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review", level=1)).to_be_visible()
    card = page.locator("section[data-survey]").filter(has_text="Paying an invoice")
    expect(card.locator(".change-grid")).to_have_attribute("data-verdict", "beyond_chance")
    expect(card).to_contain_text("Beyond chance")
    expect(card).to_contain_text("The PDF never arrives.")
    due = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()
    for i, (title, owner) in enumerate(
        [
            ("Resend the invoice PDF when it fails", team["owner"]),
            ("Call the customers with two invoices", team["editor"]),
            ("Rewrite the invoice FAQ", team["viewer"]),
        ],
        start=1,
    ):
        row = page.get_by_role("group", name=f"Action {i}")
        row.get_by_label("What").fill(title)
        row.get_by_label("Owner").select_option(owner)
        row.get_by_label("Due").fill(due)
        row.get_by_label("Survey").select_option(label="Paying an invoice")
    page.get_by_label("Who was there").fill("Eddie, Olli, Vera")
    page.get_by_role("button", name="Save the review and its actions").click()
    expect(page.locator(".callout-ok")).to_contain_text("Review saved with 3 actions.")
    rows = page.locator("table.actions-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Resend the invoice PDF")).to_contain_text(team["owner"])
    expect(rows.filter(has_text="Rewrite the invoice FAQ")).to_contain_text(team["viewer"])
    # Every review's open actions, in the menu's Actions list; one is marked done.
    page.get_by_role("link", name="Actions", exact=True).click()
    expect(rows).to_have_count(3)
    rows.filter(has_text="Call the customers").get_by_role("button", name="Mark done").click()
    expect(page.locator(".callout-ok")).to_contain_text("marked done")
    expect(rows).to_have_count(2)
    page.get_by_role("link", name="Done", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Call the customers with two invoices")
    # The next review shows it beside its survey's score.
    page.get_by_role("navigation").get_by_role("link", name="Review").click()
    expect(card).to_contain_text("Done since the last review")
    expect(card).to_contain_text("Call the customers with two invoices")
    got = site.api.get("/v1/actions", params={"status": "done"}).json()["data"]
    assert [a["title"] for a in got] == ["Call the customers with two invoices"]
    assert got[0]["owner"] == team["editor"] and got[0]["done_at"]


@pytest.mark.parametrize("view", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_review_and_actions_pages_look_right_and_pass_axe(
    browser, collector, site, team, view, scheme, shoot
):
    survey = seed(collector, site)
    due = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
    newest_low = site.api.get("/v1/responses", params={"survey": survey, "max_score": 1})
    low = newest_low.json()["data"][0]["id"]
    for title, owner in [("Resend the PDF", team["owner"]), ("Call two customers", None)]:
        body = {"title": title, "due_on": due, "survey": survey, "owner": owner}
        body["response_ids"] = [low] if owner else []
        assert site.api.post("/v1/actions", json=body).status_code == 201
    late = {"title": "Fix the reminder mail", "due_on": "2026-01-05"}
    assert site.api.post("/v1/actions", json=late).status_code == 201
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport=VIEWS[view])
    page = context.new_page()
    try:
        log_in(page, collector, team["editor"])
        page.goto(f"{collector.url}/dashboard/review")
        expect(page.get_by_role("heading", name="Review", level=1)).to_be_visible()
        assert axe_violations(page) == [], "review"
        shoot(page, f"dashboard-review-{view}-{scheme}")
        moved = page.locator(f"#rv-{survey}-reasons")
        expect(moved).to_have_text("Reasons that moved share of the answers with a reason")
        moved.evaluate(TO_TOP)
        shoot(page, f"dashboard-review-reasons-{view}-{scheme}")
        page.locator("#record").scroll_into_view_if_needed()
        shoot(page, f"dashboard-review-form-{view}-{scheme}")
        page.goto(f"{collector.url}/dashboard/actions")
        expect(page.locator("table.actions-table tbody tr")).to_have_count(3)
        assert axe_violations(page) == [], "actions"
        shoot(page, f"dashboard-actions-{view}-{scheme}")
    finally:
        context.close()
