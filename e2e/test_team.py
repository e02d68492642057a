"""The team in a real Chromium: an editor searches the responses and assigns many at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from collector import db
from collector.services import accounts, sites
from e2e.test_dashboard import AXE, PASSWORD, axe_violations, log_in
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


# -- the pages a link from an e-mail opens -------------------------------------------------------


def invitation_link(collector, site, email: str, role: str = "editor") -> str:
    """An invitation as the Team page makes it; its link (the mail waits for a worker)."""
    from collector.services import invites

    made = {}

    def link_for(token: str) -> str:
        made["url"] = f"{collector.url}/dashboard/invite/{token}"
        return made["url"]

    with collector.app.app_context():
        found = sites.by_public_key(db.session(), site.public_key)
        invites.invite(
            db.session(), [found], email=email, role=role, actor="ada@acme.test", link_for=link_for
        )
    return made["url"]


def reset_link(collector, email: str) -> str:
    """The link "Forgot your password?" mails to ``email``'s account."""
    from collector.domain import links
    from collector.services import invites

    with collector.app.app_context():
        account = accounts.by_email(db.session(), email)
        claims = {"a": account.id, "p": links.password_digest(account.password_hash)}
        return f"{collector.url}/dashboard/reset/{invites.reset_links().sign(claims)}"


@pytest.mark.parametrize("view", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_invite_forgot_and_reset_pages_pass_axe(
    browser, collector, site, team, view, scheme, shoot
):
    tag = f"{site.public_key[-6:]}-{view}-{scheme}"
    newcomer = invitation_link(collector, site, "nina@acme.test")  # an address per site
    # Someone with an account on another site is invited here: the page asks for the password.
    with collector.app.app_context():
        shop = sites.create(db.session(), name=f"Acme Shop {tag}").site
        accounts.create(db.session(), shop, email=f"mia-{tag}@acme.test", password=PASSWORD)
    existing = invitation_link(collector, site, f"mia-{tag}@acme.test")
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport=VIEWS[view])
    page = context.new_page()
    name = f"{view}-{scheme}"
    try:
        page.goto(newcomer)
        expect(page.get_by_role("heading", name="Join Acme Billing")).to_be_visible()
        assert axe_violations(page) == [], "invite"
        shoot(page, f"dashboard-invite-accept-{name}")
        page.get_by_label("Choose a password").fill("a long enough passphrase")
        page.get_by_label("The same password again").fill("another long passphrase")
        page.get_by_role("button", name="Create my account").click()
        expect(page.get_by_role("alert")).to_contain_text("not the same")
        assert axe_violations(page) == [], "invite with an error"

        page.goto(existing)
        expect(page.get_by_role("button", name="Join the team")).to_be_visible()
        assert axe_violations(page) == [], "invite for an account"

        page.goto(f"{collector.url}/dashboard/login")
        page.get_by_role("link", name="Forgot your password?").click()
        expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
        assert axe_violations(page) == [], "forgot"
        page.get_by_label("E-mail").fill(team["editor"])
        page.get_by_role("button", name="Send the link").click()
        expect(page.get_by_role("status")).to_be_visible()
        assert axe_violations(page) == [], "forgot, sent"
        shoot(page, f"dashboard-forgot-{name}")

        page.goto(reset_link(collector, team["editor"]))
        expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
        assert axe_violations(page) == [], "reset"
        shoot(page, f"dashboard-reset-{name}")
        page.get_by_label("New password").fill("a long enough passphrase")
        page.get_by_label("The same password again").fill("not the same passphrase")
        page.get_by_role("button", name="Save the password").click()
        expect(page.get_by_role("alert")).to_contain_text("not the same")
        assert axe_violations(page) == [], "reset with an error"

        page.goto(f"{collector.url}/dashboard/reset/not-a-link")
        expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
        assert axe_violations(page) == [], "unusable link"
    finally:
        context.close()


def mail_axe_violations(page) -> list:
    """axe-core's WCAG 2.1 A and AA rules on an e-mail. Its best practices for web pages (one
    ``main`` landmark, all content in landmarks) do not fit a message shown inside a mail client."""
    page.add_script_tag(content=AXE.read_text())
    return page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}});
          return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3)}));
        }"""
    )


def test_the_invite_reset_and_assignment_mails_read_well_on_desktop_and_phone_light_and_dark(
    browser, page, collector, site, team, mailbox, shoot
):
    """Each e-mail as it reaches a real SMTP server: its HTML part passes axe in every view and
    scheme (``FIILIS_SCREENSHOTS=1`` keeps each for the docs)."""
    tag = site.public_key[-6:]
    newcomer = f"nina-mail-{tag}@acme.test"
    invitation_link(collector, site, newcomer)
    page.goto(f"{collector.url}/dashboard/forgot")
    page.get_by_label("E-mail").fill(team["editor"])
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_be_visible()
    rows = Rows(collector.app, site)
    survey = rows.survey("nps", name="Recommend Acme")
    rows.response(
        survey, 2, comment="Laskussa oli väärä summa, ja tuki vastasi vasta viikon päästä."
    )
    rows.response(survey, 5, comment="The invoice PDF is empty.")
    log_in(page, collector, team["admin"])
    page.goto(f"{collector.url}/dashboard/responses")
    page.get_by_label("Select every response on this page").check()
    page.get_by_label("New owner").select_option(team["owner"])
    page.get_by_role("button", name="Change selected").click()
    expect(page.get_by_role("status").filter(has_text="now owned by")).to_be_visible()

    mails = {
        "invite": wait_for_mail(mailbox, newcomer)[-1],
        "reset": wait_for_mail(mailbox, team["editor"])[-1],
        "assigned": wait_for_mail(mailbox, team["owner"])[-1],
    }
    assert "/dashboard/reset/" in mails["reset"].get_body(("plain",)).get_content()
    for kind, message in mails.items():
        html = message.get_body(("html",)).get_content()
        for view, width in (("desktop", 800), ("phone", 390)):
            for scheme in ("light", "dark"):
                # A short window: the full-page shot is as tall as the message.
                size = {"width": width, "height": 320}
                context = browser.new_context(color_scheme=scheme, viewport=size)
                shown = context.new_page()
                try:
                    shown.set_content(html)
                    assert mail_axe_violations(shown) == [], (kind, view, scheme)
                    shoot(shown, f"mail-{kind}-{view}-{scheme}", full_page=True)
                finally:
                    context.close()


# -- the follow-up policy in the survey editor -----------------------------------------------------


@pytest.mark.parametrize("view", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_editor_names_the_chosen_kinds_bands_and_keeps_the_ticked_ones(
    browser, collector, site, team, view, scheme, shoot
):
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport=VIEWS[view])
    page = context.new_page()
    try:
        log_in(page, collector, team["editor"])
        page.goto(f"{collector.url}/dashboard/surveys/new")
        policy = page.get_by_role("group", name="Open a follow-up for")
        expect(policy.get_by_label("Dissatisfied 1–2")).to_be_checked()
        expect(policy.get_by_text("Detractors 0–6")).to_be_hidden()
        page.locator(".kind-option").filter(has_text="NPS").click()
        expect(policy.get_by_text("Dissatisfied 1–2")).to_be_hidden()
        expect(policy.get_by_label("Detractors 0–6")).to_be_checked()
        policy.get_by_label("Passives 7–8").check()
        page.locator("#question_en").fill("How likely are you to recommend Acme?")
        page.get_by_role("button", name="Create survey").click()
        expect(page.get_by_role("status").filter(has_text="Survey saved.")).to_be_visible()
        policy = page.get_by_role("group", name="Open a follow-up for")
        expect(policy.get_by_label("Detractors 0–6")).to_be_checked()
        expect(policy.get_by_label("Passives 7–8")).to_be_checked()
        expect(policy.get_by_label("Promoters 9–10")).not_to_be_checked()
        assert axe_violations(page) == []
        section = page.locator("section").filter(has=page.locator("#sec-triage"))
        section.scroll_into_view_if_needed()
        shoot(page, f"dashboard-editor-followup-{view}-{scheme}", section)
    finally:
        context.close()
