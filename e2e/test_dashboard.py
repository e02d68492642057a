"""The dashboard in a real Chromium: log in, create a survey that the widget then asks, follow up
on an answer, compare the overview with the API, download a CSV, and let axe-core check every page.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from collector import create_app, db, migrate
from collector.dashboard.charts import format_score
from collector.services import accounts, sites
from e2e.conftest import BUTTONS, Server, card, embed
from tests.factories import Rows

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery"


@pytest.fixture
def account(collector, site) -> str:
    email = f"team-{site.public_key[-8:]}@acme.test"
    with collector.app.app_context():
        found = sites.by_public_key(db.session(), site.public_key)
        accounts.create(db.session(), found, email=email, password=PASSWORD)
    return email


def log_in(page, collector, email, password=PASSWORD):
    page.goto(f"{collector.url}/dashboard/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def dashboard(page, collector, account):
    """A page logged in to the dashboard of ``site``."""
    log_in(page, collector, account)
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    return page


@pytest.fixture
def rows(collector, site):
    return Rows(collector.app, site)


def test_login_refuses_a_wrong_password_and_admits_the_right_one(page, collector, account):
    log_in(page, collector, account, "not the password")
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    log_in(page, collector, account)
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    """A collector of its own with rate limits on (the shared one runs without them)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('limited') / 'fiilis.db'}"
    migrate.upgrade(url)
    app = create_app({"ENV": "production", "SECRET_KEY": "e2e-limits", "DATABASE_URL": url})
    with app.app_context():
        made = sites.create(db.session(), name="Limited", origins=[])
        accounts.create(db.session(), made.site, email="rate@acme.test", password=PASSWORD)
    server = Server(app, "127.0.0.1")
    yield server
    server.stop()


def test_login_is_rate_limited(page, limited):
    for _ in range(10):
        log_in(page, limited, "rate@acme.test", "a wrong password")
        expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    log_in(page, limited, "rate@acme.test")
    expect(page.get_by_role("alert")).to_contain_text("Too many attempts")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_a_form_posted_without_its_csrf_token_is_refused(dashboard, collector, site):
    dashboard.goto(f"{collector.url}/dashboard/settings")
    dashboard.eval_on_selector("#site-settings [name=csrf_token]", "el => el.remove()")
    dashboard.get_by_label("Name").fill("Renamed by a forged form")
    dashboard.get_by_role("button", name="Save settings").click()
    expect(dashboard.get_by_role("heading", name="This form has expired")).to_be_visible()
    assert site.api.get("/v1/site").json()["name"] == "Acme Billing"


def test_a_survey_created_in_the_dashboard_is_asked_by_the_widget(dashboard, collector, site, host):
    dashboard.goto(f"{collector.url}/dashboard/surveys/new")
    dashboard.get_by_role("radio", name=re.compile("^NPS")).check()
    question = "How likely are you to recommend Acme Billing?"
    dashboard.get_by_label("English required").fill(question)
    dashboard.get_by_label("Trigger events").fill("nps.ask")
    # the live preview is the real widget, rendered from the form as it is typed
    preview = dashboard.locator("[data-preview]")
    expect(preview.get_by_text(question)).to_be_visible()
    expect(preview.get_by_role("radio")).to_have_count(11)
    dashboard.get_by_role("button", name="Create survey").click()
    expect(dashboard.get_by_role("status").filter(has_text="Survey saved.")).to_be_visible()

    url = host.add(
        f"/dash-{site.public_key}", embed(collector, site, user_id="u-dash", body=BUTTONS)
    )
    dashboard.goto(url)
    dashboard.wait_for_function("window.fiilis && window.fiilis.version")
    dashboard.click("#nps")
    expect(card(dashboard)).to_be_visible()
    expect(dashboard.get_by_text(question)).to_be_visible()


def test_an_invalid_survey_form_puts_the_focus_on_its_first_bad_field(dashboard, collector):
    dashboard.goto(f"{collector.url}/dashboard/surveys/new")
    dashboard.get_by_role("radio", name=re.compile("^CSAT")).check()
    dashboard.get_by_label("English required").fill("How was it?")
    dashboard.get_by_label("Trigger events").fill("invoice paid")  # a space: not an event name
    dashboard.get_by_role("button", name="Create survey").click()
    events = dashboard.get_by_label("Trigger events")
    expect(events).to_have_attribute("aria-invalid", "true")
    expect(events).to_be_focused()
    # the value typed is kept, to be fixed rather than retyped
    expect(events).to_have_value("invoice paid")


def test_changing_a_responses_follow_up_status_persists_and_shows_in_the_api(
    dashboard, collector, site, rows, account
):
    response_id = rows.response(rows.survey("nps"), 3, comment="Support never answered.")
    dashboard.goto(f"{collector.url}/dashboard/responses")
    dashboard.get_by_role("link", name=re.compile("Support never answered")).click()
    expect(dashboard.get_by_role("heading", level=1)).to_contain_text("Detractor · 3")
    dashboard.get_by_label("Status").select_option("closed")
    dashboard.get_by_label("Owner").select_option(account)
    dashboard.get_by_label("Note").fill("Called back; fixed their SSO.")
    dashboard.get_by_role("button", name="Save follow-up").click()
    expect(dashboard.get_by_role("status").filter(has_text="Follow-up saved.")).to_be_visible()
    expect(dashboard.locator(".history")).to_contain_text("Called back; fixed their SSO.")

    got = site.api.get(f"/v1/responses/{response_id}").json()
    assert got["followup_status"] == "closed"
    assert got["followup_owner"] == account
    assert got["followup_note"] == "Called back; fixed their SSO."
    dashboard.reload()
    expect(dashboard.get_by_label("Status")).to_have_value("closed")


def test_the_overview_score_equals_the_metrics_api_for_the_same_period(
    dashboard, collector, site, rows
):
    csat = rows.survey("csat", name="Paying an invoice", trigger_events=["invoice.paid"])
    now = datetime.now(UTC)
    rows.responses(
        csat,
        [
            {"score": 1 + (i * 7) % 5, "at": now - timedelta(days=i % 40), "event": "invoice.paid"}
            for i in range(80)
        ],
    )
    dashboard.goto(f"{collector.url}/dashboard/?period=30d")
    period = dashboard.locator(".period-range")
    since, until = period.get_attribute("data-since"), period.get_attribute("data-until")
    api = site.api.get(
        "/v1/metrics", params={"survey": csat, "since": since, "until": until}
    ).json()
    survey_card = dashboard.locator(f"[data-survey='{csat}']")
    score = survey_card.locator("[data-score]")
    expect(score).to_have_text(format_score("csat", api["score"]))
    assert float(score.get_attribute("data-score")) == api["score"]
    expect(survey_card.locator("[data-n]")).to_have_text(str(api["n"]))


def test_csv_download_has_the_filtered_rows(dashboard, collector, rows):
    nps, ces = rows.survey("nps", name="NPS"), rows.survey("ces", name="CES")
    rows.response(nps, 2, comment="low, nps")
    rows.response(nps, 10, comment="high, nps")
    rows.response(nps, 4, comment=None)
    rows.response(ces, 1, comment="low, ces")
    dashboard.goto(f"{collector.url}/dashboard/responses")
    dashboard.get_by_label("Survey").select_option(label="NPS")
    dashboard.get_by_label("Score").select_option("low")
    dashboard.get_by_label("Comment").select_option("any")
    dashboard.get_by_role("button", name="Apply").click()
    expect(dashboard.locator("table.responses tbody tr")).to_have_count(2)
    with dashboard.expect_download() as info:
        dashboard.get_by_role("link", name="Download CSV").click()
    body = Path(info.value.path()).read_text(encoding="utf-8-sig")
    got = list(csv.DictReader(io.StringIO(body)))
    assert sorted(r["score"] for r in got) == ["2", "4"]
    assert {r["survey"] for r in got} == {nps}


def axe_violations(page) -> list:
    page.add_script_tag(content=AXE.read_text())
    return page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3)}));
        }"""
    )


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_any_page(
    browser, collector, site, account, rows, scheme, width
):
    survey = rows.survey("csat", name="Paying an invoice", trigger_events=["invoice.paid"])
    response_id = rows.response(survey, 2, comment="The receipt was hard to find.")
    # the page's own CSP would refuse the injected axe-core script
    context = browser.new_context(
        bypass_csp=True, color_scheme=scheme, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        page.goto(f"{collector.url}/dashboard/login")
        assert axe_violations(page) == [], "login"
        log_in(page, collector, account)
        expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
        for path in (
            "/dashboard/",
            "/dashboard/responses",
            "/dashboard/responses?q=receipt&owner=nobody",
            f"/dashboard/responses/{response_id}",
            "/dashboard/surveys",
            "/dashboard/surveys/new",
            f"/dashboard/surveys/{survey}",
            "/dashboard/install",
            "/dashboard/settings",
            "/dashboard/team",
        ):
            page.goto(collector.url + path)
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)  # the preview's card settles
            assert axe_violations(page) == [], path
    finally:
        context.close()
