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


@pytest.fixture(scope="module")
def mailbox(collector):
    """A real SMTP server and a real worker for the e2e collector, for this module's tests."""
    from tests.smtp import SMTPServer
    from tests.workers import Worker

    server = SMTPServer().start()
    before = collector.app.config.get("SMTP_URL")
    collector.app.config["SMTP_URL"] = server.url
    worker = Worker(collector.app).start()
    yield server
    worker.stop()
    collector.app.config["SMTP_URL"] = before
    server.stop()
    worker.raise_errors()


def wait_for_mail(mailbox, to: str, count: int = 1, timeout: float = 20.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mine = [m for m in mailbox.messages if m["To"] == to]
        if len(mine) >= count:
            return mine
        time.sleep(0.05)
    raise AssertionError(f"no mail for {to}")


def link(message, kind: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"https?://\S+/dashboard/{kind}/\S+", text).group(0)


def test_invite_accept_search_bulk_assign_and_the_owners_mail(
    browser, page, collector, site, mailbox, shoot
):
    tag = site.public_key[-6:]
    admin = member(collector, site, f"ada-{tag}@acme.test", "admin")
    owner = member(collector, site, f"olli-{tag}@acme.test", "editor")
    newcomer = f"nina-{tag}@acme.test"
    rows = Rows(collector.app, site)
    survey = rows.survey("csat", name="Paying an invoice")
    for n in range(4):
        rows.response(survey, 1, comment=f"Lasku {n} tuli kahdesti.", locale="fi")
    rows.response(survey, 2, comment="The invoice PDF is empty.", locale="en")

    # An admin invites a newcomer as an editor.
    log_in(page, collector, admin)
    page.goto(f"{collector.url}/dashboard/team")
    page.get_by_label("E-mail").fill(newcomer)
    page.get_by_label("Role", exact=True).select_option("editor")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status").filter(has_text="Invitation sent.")).to_be_visible()
    expect(page.locator("#pending")).to_contain_text(newcomer)
    shoot(page, "dashboard-team-invited")

    # The invitation arrives; its link makes the account, once.
    [invitation] = wait_for_mail(mailbox, newcomer)
    accept = link(invitation, "invite")
    context = browser.new_context()
    nina = context.new_page()
    try:
        nina.goto(accept)
        expect(nina.get_by_role("heading", name="Join Acme Billing")).to_be_visible()
        shoot(nina, "dashboard-invite-accept")
        nina.get_by_label("Choose a password").fill("nina's long passphrase")
        nina.get_by_label("The same password again").fill("nina's long passphrase")
        nina.get_by_role("button", name="Create my account").click()
        expect(nina.get_by_role("heading", name="Overview", level=1)).to_be_visible()
        nina.get_by_role("button", name="Log out").click()

        # Logs in again as an editor, searches, assigns all of them at once.
        log_in(nina, collector, newcomer, "nina's long passphrase")
        expect(nina.locator(".who-role")).to_have_text("Editor")
        nina.goto(f"{collector.url}/dashboard/responses")
        nina.get_by_label("Search", exact=True).fill("lasku")
        nina.get_by_role("button", name="Apply").click()
        expect(nina.locator("table.responses tbody tr")).to_have_count(4)
        nina.get_by_label("Select every response on this page").check()
        nina.get_by_label("New owner").select_option(owner)
        nina.get_by_role("button", name="Change selected").click()
        expect(
            nina.get_by_role("status").filter(has_text="4 responses now owned by")
        ).to_be_visible()
        nina.goto(accept)
        expect(nina.get_by_role("heading", name="This link does not work")).to_be_visible()
    finally:
        context.close()

    # The owner gets one e-mail listing the four.
    [assigned] = wait_for_mail(mailbox, owner)
    assert assigned["Subject"] == "4 follow-ups for you on Acme Billing"
    text = assigned.get_body(("plain",)).get_content()
    assert all(f"Lasku {n} tuli kahdesti." in text for n in range(4))
    assert "invoice PDF" not in text
    first = re.search(r"https?://\S+/dashboard/responses/\S+", text).group(0)
    page.goto(first)
    expect(page.locator("blockquote.comment")).to_contain_text("tuli kahdesti")
    html = assigned.get_body(("html",)).get_content()
    page.set_content(html)
    shoot(page, "mail-assigned")
    page.set_content(invitation.get_body(("html",)).get_content())
    shoot(page, "mail-invite")
