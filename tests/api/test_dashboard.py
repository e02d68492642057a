"""The dashboard with the Flask test client: logging in, CSRF, every page, forms and their errors."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from collector import db
from collector.models import Account
from collector.services import accounts, sites
from tests.factories import Rows

PASSWORD = "correct horse battery"
PAGES = [
    "/dashboard/",
    "/dashboard/responses",
    "/dashboard/surveys",
    "/dashboard/surveys/new",
    "/dashboard/install",
    "/dashboard/settings",
]


def make_account(app, site, email="anna@acme.test", password=PASSWORD) -> str:
    with app.app_context():
        made = sites.by_public_key(db.session(), site.public_key)
        accounts.create(db.session(), made, email=email, password=password)
    return email


def token(client, path="/dashboard/login") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def log_in(client, email, password=PASSWORD, **extra):
    data = {"email": email, "password": password, "csrf_token": token(client), **extra}
    return client.post("/dashboard/login", data=data)


@pytest.fixture
def account(app, site):
    return make_account(app, site)


@pytest.fixture
def user(client, account):
    """A client logged in as the site's account."""
    resp = log_in(client, account)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client


@pytest.fixture
def rows(app, site):
    return Rows(app, site)


def text(resp) -> str:
    return resp.get_data(as_text=True)


# -- access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*PAGES, "/dashboard/responses.csv"])
def test_every_page_sends_a_visitor_without_a_session_to_the_login(client, path):
    resp = client.get(path)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/dashboard/login?next=")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_there_when_logged_in_with_a_strict_csp(user, path):
    resp = user.get(path)
    assert resp.status_code == 200, text(resp)[:500]
    csp = resp.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert resp.headers["Cache-Control"] == "no-store"
    assert "<script>" not in text(resp)  # no inline script anywhere
    assert 'style="' not in text(resp)  # no inline styles: the CSP would block them


def test_the_login_page_has_the_same_headers_and_no_account_data(client):
    resp = client.get("/dashboard/login")
    assert resp.status_code == 200
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_a_wrong_method_on_a_dashboard_page_gets_its_page_and_headers(client):
    resp = client.delete("/dashboard/login")
    assert resp.status_code == 405
    assert resp.mimetype == "text/html"
    assert "Not allowed" in text(resp)
    assert "POST" in resp.headers["Allow"]
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    # The API keeps its JSON answer.
    api = client.delete("/v1/widget/events")
    assert api.status_code == 405 and api.get_json()["error"]["code"] == "method_not_allowed"


def test_a_wrong_password_is_refused(client, account):
    resp = log_in(client, account, "not the password")
    assert resp.status_code == 200
    assert "do not match an account" in text(resp)
    assert client.get("/dashboard/").status_code == 302


def test_an_unknown_email_is_refused_the_same_way(client, account):
    resp = log_in(client, "nobody@acme.test")
    assert "do not match an account" in text(resp)


def test_the_right_password_logs_in_and_returns_to_the_page_asked_for(client, account):
    resp = log_in(client, account.upper(), next="/dashboard/settings")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/dashboard/settings"
    assert client.get("/dashboard/settings").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/v1/site",
        "/dashboard/../../\t//evil.example/",
        "/dashboard/%2e%2e/%2E%2E//evil.example/",
        "/dashboard/\r\nX-Injected: 1",
    ],
)
def test_login_never_redirects_outside_the_dashboard(client, account, target):
    resp = log_in(client, account, next=target)
    assert resp.headers["Location"] == "/dashboard/"


def test_login_is_rate_limited_per_ip_and_email(client, account):
    for _ in range(10):
        assert log_in(client, account, "wrong password!").status_code == 200
    resp = log_in(client, account)  # even the right password, for a minute
    assert resp.status_code == 429
    assert resp.headers["Retry-After"]
    assert "Too many attempts" in text(resp)
    # another e-mail from the same address is counted apart
    assert log_in(client, "someone@acme.test", "x").status_code == 200


def test_one_address_cannot_spray_a_password_over_many_emails(client, account):
    # Each e-mail has its own budget, but the address has a ceiling over all of them.
    for n in range(30):
        assert log_in(client, f"guess{n}@acme.test", "Summer2024!").status_code == 200
    resp = log_in(client, account)
    assert resp.status_code == 429
    assert "Too many attempts" in text(resp)
    assert client.get("/dashboard/").status_code == 302


def test_the_session_cookie_is_httponly_samesite_lax_and_scoped_to_the_dashboard(client, account):
    log_in(client, account)
    cookie = client.get_cookie("fiilis_session", path="/dashboard")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure  # plain http in this test


def test_the_session_cookie_is_secure_under_https(client, account):
    resp = client.get("/dashboard/login", base_url="https://fiilis.example")
    assert "Secure" in resp.headers["Set-Cookie"]


def test_the_session_cookie_is_secure_when_the_public_url_is_https(app, client, account):
    app.config["PUBLIC_URL"] = "https://fiilis.example"
    resp = client.get("/dashboard/login")
    assert "Secure" in resp.headers["Set-Cookie"]


def test_logout_ends_the_session(user):
    resp = user.post("/dashboard/logout", data={"csrf_token": token(user, "/dashboard/")})
    assert resp.status_code == 302
    assert user.get("/dashboard/").status_code == 302


def test_logout_also_voids_a_copy_of_the_session_cookie(app, user):
    stolen = app.test_client()
    cookie = user.get_cookie("fiilis_session", path="/dashboard")
    stolen.set_cookie("fiilis_session", cookie.value, path="/dashboard")
    assert stolen.get("/dashboard/").status_code == 200
    user.post("/dashboard/logout", data={"csrf_token": token(user, "/dashboard/")})
    assert stolen.get("/dashboard/").status_code == 302


def test_a_session_unused_for_longer_than_its_lifetime_is_void(client, account, monkeypatch):
    # Log in "15 days ago": the cookie's own expiry is not enough, a copy of it must fail too.
    from itsdangerous.timed import TimestampSigner

    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 15 * 86400)
    log_in(client, account)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    assert client.get("/dashboard/").status_code == 302


def test_a_session_survives_a_secret_key_rotation_with_the_old_key_as_fallback(app, user):
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.secret_key = "the-next-secret-key"
    assert user.get("/dashboard/").status_code == 200
    app.config["SECRET_KEY_FALLBACKS"] = []  # that visit moved the session to the new key
    assert user.get("/dashboard/").status_code == 200


def test_a_session_from_before_a_password_change_is_void(app, user, account):
    with app.app_context():
        found = accounts.by_email(db.session(), account)
        found.password_hash = "scrypt:changed"
        db.session().commit()
    assert user.get("/dashboard/").status_code == 302


def test_passwords_are_stored_as_scrypt_hashes(app, account):
    with app.app_context():
        stored = db.session().query(Account).one()
        assert stored.password_hash.startswith("scrypt:")
        assert PASSWORD not in stored.password_hash


# -- CSRF ------------------------------------------------------------------------------------------


def test_a_form_posted_without_its_csrf_token_is_refused(user):
    resp = user.post("/dashboard/settings", data={"name": "Hijacked"})
    assert resp.status_code == 400
    assert "This form has expired" in text(resp)
    assert "Hijacked" not in text(user.get("/dashboard/settings"))


def test_a_csrf_token_of_another_session_is_refused(app, user, site):
    other = app.test_client()
    make_account(app, site, "bob@acme.test")
    log_in(other, "bob@acme.test")
    foreign = token(other, "/dashboard/settings")
    resp = user.post("/dashboard/settings", data={"name": "Hijacked", "csrf_token": foreign})
    assert resp.status_code == 400


def test_a_token_from_before_login_does_not_work_after_it(client, account):
    before = token(client)
    log_in(client, account)
    resp = client.post("/dashboard/logout", data={"csrf_token": before})
    assert resp.status_code == 400


def test_the_login_form_needs_its_token_too(client, account):
    resp = client.post("/dashboard/login", data={"email": account, "password": PASSWORD})
    assert resp.status_code == 400
    assert client.get("/dashboard/").status_code == 302


# -- surveys ---------------------------------------------------------------------------------------


def survey_form(**changes) -> dict:
    form = {
        "kind": "nps",
        "name": "Onboarding NPS",
        "question_en": "How likely are you to recommend us?",
        "question_fi": "Kuinka todennäköisesti suosittelisit meitä?",
        "followup_en": "Why?",
        "trigger_events": "onboarding.done, trial.ended",
        "sample_rate": "0.5",
        "delay_ms": "1500",
        "recontact_days": "60",
        "dismiss_snooze_days": "14",
        "priority": "3",
        "max_responses": "",
        "active": "on",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_a_survey_created_in_the_dashboard_is_the_one_the_api_reads(user, site):
    data = {**survey_form(), "csrf_token": token(user, "/dashboard/surveys/new")}
    resp = user.post("/dashboard/surveys/new", data=data)
    assert resp.status_code == 302
    survey_id = resp.headers["Location"].split("/")[-1].split("?")[0]
    got = user.get(f"/v1/surveys/{survey_id}", headers=site.auth).get_json()
    assert got["kind"] == "nps"
    assert got["question"] == {
        "en": "How likely are you to recommend us?",
        "fi": "Kuinka todennäköisesti suosittelisit meitä?",
    }
    assert got["followup"] == {"en": "Why?"}
    assert got["trigger_events"] == ["onboarding.done", "trial.ended"]
    assert (got["sample_rate"], got["delay_ms"], got["priority"]) == (0.5, 1500, 3)
    assert (got["recontact_days"], got["dismiss_snooze_days"]) == (60, 14)
    assert got["max_responses"] is None and got["active"] is True


def test_the_survey_form_shows_each_error_next_to_its_field(user):
    data = survey_form(
        question_en="", sample_rate="2", trigger_events="Invoice Paid!", recontact_days="soon"
    )
    resp = user.post(
        "/dashboard/surveys/new",
        data={**data, "csrf_token": token(user, "/dashboard/surveys/new")},
    )
    assert resp.status_code == 422
    page = text(resp)
    assert "An English text is required" in page
    assert 'id="sample_rate-error"' in page
    assert 'id="trigger_events-error"' in page and "An event name is one word" in page
    assert 'id="recontact_days-error"' in page and "Not a valid integer" in page
    # the typed values stay in the form
    assert 'value="Kuinka todennäköisesti suosittelisit meitä?"' in page
    assert re.search(r'id="sample_rate"[^>]*aria-invalid="true"', page)


def test_editing_a_survey_keeps_its_kind_and_what_the_form_does_not_show(user, site):
    made = user.post(
        "/v1/surveys",
        headers=site.auth,
        json={
            "kind": "csat",
            "question": {"en": "How was it?"},
            "targeting": [{"trait": "plan", "op": "eq", "value": "pro"}],
        },
    )
    survey_id = made.get_json()["id"]
    form = survey_form(kind="nps", question_en="Changed?", trigger_events="a.b", active=None)
    resp = user.post(
        f"/dashboard/surveys/{survey_id}",
        data={**form, "csrf_token": token(user, f"/dashboard/surveys/{survey_id}")},
    )
    assert resp.status_code == 302
    got = user.get(f"/v1/surveys/{survey_id}", headers=site.auth).get_json()
    assert got["kind"] == "csat"
    assert got["question"]["en"] == "Changed?"
    assert got["active"] is False
    assert got["targeting"] == [{"trait": "plan", "op": "eq", "value": "pro"}]


def test_archiving_a_survey_from_the_dashboard(user, site, rows):
    survey_id = rows.survey("ces")
    path = f"/dashboard/surveys/{survey_id}"
    resp = user.post(path + "/archive", data={"csrf_token": token(user, path)})
    assert resp.status_code == 302
    assert user.get(f"/v1/surveys/{survey_id}", headers=site.auth).get_json()["archived_at"]


def test_another_sites_survey_is_not_found(user, other_site, app):
    other = Rows(app, other_site).survey("nps")
    assert user.get(f"/dashboard/surveys/{other}").status_code == 404


def test_the_survey_editor_loads_the_collectors_widget_for_its_preview(user):
    page = text(user.get("/dashboard/surveys/new"))
    assert '<script defer src="/widget/fiilis.js"></script>' in page
    assert "data-preview" in page


# -- responses -------------------------------------------------------------------------------------


def test_another_sites_response_is_not_found(user, app, other_site):
    theirs = Rows(app, other_site)
    response_id = theirs.response(theirs.survey("nps"), 3, comment="Secret")
    resp = user.get(f"/dashboard/responses/{response_id}")
    assert resp.status_code == 404
    assert "Secret" not in text(resp)
    follow = user.post(
        f"/dashboard/responses/{response_id}",
        data={"status": "closed", "csrf_token": token(user, "/dashboard/")},
    )
    assert follow.status_code == 404


def test_a_site_with_more_than_a_hundred_surveys_shows_all_of_them(user, rows):
    oldest = rows.survey(
        "nps", name="The first survey", created_at=datetime(2019, 1, 1, tzinfo=UTC)
    )
    rows.response(oldest, 2, comment="said in the first survey")
    for _ in range(100):
        rows.survey("csat", active=False)
    assert "said in the first survey" in text(user.get("/dashboard/responses"))
    assert f'data-survey="{oldest}"' in text(user.get("/dashboard/"))
    assert "The first survey" in text(user.get("/dashboard/surveys"))
    assert "said in the first survey" in text(user.get("/dashboard/responses.csv"))


def test_comments_come_low_scores_first_across_surveys_then_newest(user, rows):
    nps, csat = rows.survey("nps"), rows.survey("csat")
    now = datetime.now(UTC)
    rows.response(nps, 10, comment="promoter, newest", at=now - timedelta(hours=1))
    rows.response(csat, 3, comment="neutral", at=now - timedelta(hours=2))
    rows.response(nps, 2, comment="detractor, older", at=now - timedelta(hours=5))
    rows.response(csat, 1, comment="unhappy, newer", at=now - timedelta(hours=3))
    rows.response(csat, 5, comment=None, at=now - timedelta(hours=4))
    page = text(user.get("/dashboard/responses"))
    order = re.findall(r"(promoter, newest|neutral|detractor, older|unhappy, newer)", page)
    assert order == ["unhappy, newer", "detractor, older", "neutral", "promoter, newest"]
    newest = text(user.get("/dashboard/responses?order=newest&has_comment=any"))
    assert newest.index("promoter, newest") < newest.index("neutral")


def test_the_score_band_means_each_kinds_own_scale(user, rows):
    nps, csat = rows.survey("nps"), rows.survey("csat")
    rows.response(nps, 6, comment="nps six")
    rows.response(csat, 2, comment="csat two")
    rows.response(csat, 4, comment="csat four")
    low = text(user.get("/dashboard/responses?band=low"))
    assert "nps six" in low and "csat two" in low and "csat four" not in low
    high = text(user.get(f"/dashboard/responses?band=high&survey={csat}"))
    assert "csat four" in high and "csat two" not in high


def test_responses_page_through_the_bands_without_repeating_one(user, rows):
    nps, csat = rows.survey("nps"), rows.survey("csat")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows.responses(
        nps, [{"score": i % 11, "comment": f"n{i}", "at": start + timedelta(i)} for i in range(40)]
    )
    rows.responses(
        csat,
        [{"score": 1 + i % 5, "comment": f"c{i}", "at": start + timedelta(i)} for i in range(30)],
    )
    seen, url = [], "/dashboard/responses"
    while url:
        page = text(user.get(url))
        seen += re.findall(r'<a class="row-link"[^>]*>([nc]\d+)', page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == 70 and len(set(seen)) == 70


def test_following_up_persists_and_shows_in_the_api_with_its_history(user, site, rows):
    response_id = rows.response(rows.survey("nps"), 2, comment="Too slow")
    path = f"/dashboard/responses/{response_id}"
    resp = user.post(
        path,
        data={
            "status": "in_progress",
            "owner": "anna@acme.test",
            "note": "Called them",
            "csrf_token": token(user, path),
        },
    )
    assert resp.status_code == 302
    got = user.get(f"/v1/responses/{response_id}", headers=site.auth).get_json()
    assert (got["followup_status"], got["followup_owner"], got["followup_note"]) == (
        "in_progress",
        "anna@acme.test",
        "Called them",
    )
    assert got["followup_history"][-1]["actor"] == "anna@acme.test"
    page = text(user.get(path))
    assert "Called them" in page and "by anna@acme.test" in page


def test_a_follow_up_with_an_unknown_status_is_shown_as_an_error(user, rows):
    response_id = rows.response(rows.survey("nps"), 2)
    path = f"/dashboard/responses/{response_id}"
    resp = user.post(path, data={"status": "done", "csrf_token": token(user, path)})
    assert resp.status_code == 422
    assert "Must be one of" in text(resp)


def test_csv_download_has_the_filtered_rows(user, rows):
    nps = rows.survey("nps")
    rows.response(nps, 1, comment="low one")
    rows.response(nps, 9, comment="high one")
    rows.response(rows.survey("csat"), 1, comment="other survey")
    resp = user.get(f"/dashboard/responses.csv?survey={nps}&band=low&has_comment=any")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    got = list(csv.DictReader(io.StringIO(text(resp).lstrip("\ufeff"))))
    assert [r["comment"] for r in got] == ["low one"]


def test_csv_of_a_band_across_surveys_is_one_table(user, rows):
    rows.response(rows.survey("nps"), 3, comment="nps low")
    rows.response(rows.survey("csat"), 2, comment="csat low")
    rows.response(rows.survey("ces"), 7, comment="ces high")
    resp = user.get("/dashboard/responses.csv?band=low&has_comment=any")
    body = text(resp)
    assert body.count("\ufeff") == 1 and body.count("id,created_at") == 1
    got = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert sorted(r["comment"] for r in got) == ["csat low", "nps low"]


# -- overview --------------------------------------------------------------------------------------


def test_the_overview_shows_the_metrics_of_the_api_for_the_same_period(user, site, rows):
    nps = rows.survey("nps", name="Relationship NPS")
    now = datetime.now(UTC)
    scores = [10, 9, 9, 8, 7, 6, 3, 10, 9, 0, 10, 9]
    rows.responses(
        nps,
        [
            {"score": s, "at": now - timedelta(days=i * 2), "event": "a.b"}
            for i, s in enumerate(scores)
        ],
    )
    page = text(user.get("/dashboard/?period=30d"))
    since = re.search(r'data-since="([^"]+)"', page).group(1)
    until = re.search(r'data-until="([^"]+)"', page).group(1)
    api = user.get(
        "/v1/metrics",
        query_string={"survey": nps, "since": since, "until": until},
        headers=site.auth,
    ).get_json()
    shown = re.search(r'data-score="([^"]+)"', page).group(1)
    assert float(shown) == api["score"]
    assert re.search(rf'data-n="{api["n"]}"', page)
    assert "Fewer than 30 answers — treat with care." in page
    assert "a.b" in page  # score by trigger event


def test_the_overview_period_picker(user, rows):
    rows.survey("csat")
    assert user.get("/dashboard/?period=7d").status_code == 200
    assert user.get("/dashboard/?period=90d&interval=month").status_code == 200
    custom = user.get("/dashboard/?period=custom&since=2026-01-01&until=2026-01-31")
    assert 'data-since="2026-01-01"' in text(custom) and 'data-until="2026-02-01"' in text(custom)
    backwards = text(user.get("/dashboard/?period=custom&since=2026-02-01&until=2026-01-01"))
    assert "Choose a start date on or before the end date." in backwards


def card_of(user, name: str, path: str = "/dashboard/") -> str:
    """The overview's card of the survey called ``name``."""
    cards = text(user.get(path)).split('<section class="card survey-card"')[1:]
    found = [c for c in cards if f">{name}</h2>" in c]
    assert len(found) == 1, f"no card for {name}"
    return found[0]


def test_a_survey_without_answers_shows_a_compact_empty_state_not_a_wall_of_zeros(user, rows):
    rows.survey("nps", name="Quiet NPS", trigger_events=["invoice.paid"])
    busy = rows.survey("csat", name="Busy CSAT")
    rows.responses(busy, [{"score": 5, "at": datetime.now(UTC) - timedelta(days=1)}])
    quiet, rest = card_of(user, "Quiet NPS"), card_of(user, "Busy CSAT")
    assert "No answers in this period." in quiet and "invoice.paid" in quiet
    assert "Fewer than 30 answers" not in quiet and 'class="kpis"' not in quiet
    assert 'class="chart' not in quiet  # no empty chart
    assert 'class="kpis"' in rest and "No answers in this period." not in rest


def test_the_current_period_is_marked_as_not_over_in_the_chart_and_the_table(user, rows):
    nps = rows.survey("nps")
    now = datetime.now(UTC)
    rows.responses(nps, [{"score": 9, "at": now - timedelta(days=d)} for d in (0, 8, 15)])
    page = text(user.get("/dashboard/?period=30d&interval=week"))
    assert page.count("data-partial") == 2  # the legend entry and one table row
    assert "This week so far (not over yet)" in page
    row = re.search(r"<tr data-partial><th scope=\"row\">([\d-]+) <span", page).group(1)
    starts = re.findall(r'<tr(?: data-partial)?><th scope="row">([\d-]+)', page)
    assert row == starts[-1]  # the last week, and only it
    assert 'class="pt-ring"' in page
    past = text(user.get("/dashboard/?period=custom&since=2026-01-01&until=2026-01-31"))
    assert "data-partial" not in past and "so far" not in past


def test_the_overview_writes_nps_as_a_signed_whole_number_and_labels_a_scale_of_its_own(user, rows):
    nps = rows.survey("nps", name="Signed")
    at = datetime.now(UTC) - timedelta(days=1)
    # 3 promoters, 1 passive, 3 detractors of 7 → NPS 0; then two more promoters → +22.2
    rows.responses(nps, [{"score": s, "at": at} for s in (10, 9, 9, 8, 3, 2, 0, 10, 9)])
    ces = rows.survey("ces", name="Five point CES", scale_min=1, scale_max=5)
    rows.responses(ces, [{"score": s, "at": at} for s in (4, 5, 2)])
    signed = card_of(user, "Signed")
    assert re.search(r'data-score="22\.[0-9]+">\+22<', signed)
    assert re.search(r"95 % interval <span class=\"nowrap\">\S+ to \+\d+</span>", signed)
    five = card_of(user, "Five point CES")
    assert "CES · mean (1–5)" in five and "answered 4–5" in five
    assert "1–7" not in five and "5–7" not in five


def test_the_overview_without_surveys_invites_to_create_one(user):
    assert "No active surveys yet" in text(user.get("/dashboard/"))


# -- settings and keys -----------------------------------------------------------------------------


def settings_form(**changes) -> dict:
    form = {
        "name": "Acme",
        "allowed_origins": "https://App.Example.com:443\nhttp://localhost:3000",
        "cooldown_days": "14",
        "default_locale": "fi",
        "require_identity": "on",
        "accent": "#0f766e",
        "position": "bottom-left",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_settings_are_saved_and_read_back_by_the_api(user, site):
    data = {**settings_form(), "csrf_token": token(user, "/dashboard/settings")}
    resp = user.post("/dashboard/settings", data=data)
    assert resp.status_code == 302
    got = user.get("/v1/site", headers=site.auth).get_json()
    assert got["allowed_origins"] == ["https://app.example.com", "http://localhost:3000"]
    assert (got["cooldown_days"], got["default_locale"], got["require_identity"]) == (
        14,
        "fi",
        True,
    )
    assert got["theme"] == {"accent": "#0f766e", "position": "bottom-left"}
    assert "Settings saved." in text(user.get(resp.headers["Location"]))


def test_invalid_settings_are_shown_next_to_their_fields_and_not_saved(user, site):
    data = settings_form(allowed_origins="https://ok.example\nftp://files.example/x")
    resp = user.post(
        "/dashboard/settings", data={**data, "csrf_token": token(user, "/dashboard/settings")}
    )
    assert resp.status_code == 422
    assert 'id="allowed_origins-error"' in text(resp)
    assert "1 field needs attention" in text(resp)
    assert "ftp://files.example/x" in text(resp)
    assert user.get("/v1/site", headers=site.auth).get_json()["allowed_origins"] == [
        "https://app.example.com"
    ]


def test_segments_are_set_in_the_settings_and_kept_by_a_save_without_the_field(user, site):
    data = settings_form(segments="plan\n\ncountry\n")
    resp = user.post(
        "/dashboard/settings", data={**data, "csrf_token": token(user, "/dashboard/settings")}
    )
    assert resp.status_code == 302
    assert user.get("/v1/site", headers=site.auth).get_json()["segments"] == ["country", "plan"]
    page = text(user.get("/dashboard/settings"))
    assert re.search(r'<textarea id="segments"[^>]*>country\nplan</textarea>', page)
    # a save that leaves the field out (another form, an older page) keeps them
    user.post(
        "/dashboard/settings",
        data={**settings_form(), "csrf_token": token(user, "/dashboard/settings")},
    )
    assert user.get("/v1/site", headers=site.auth).get_json()["segments"] == ["country", "plan"]
    user.post(
        "/dashboard/settings",
        data={**settings_form(segments=""), "csrf_token": token(user, "/dashboard/settings")},
    )
    assert user.get("/v1/site", headers=site.auth).get_json()["segments"] == []


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("a\nb\nc\nd\ne\nf", "At most 5 segments."),
        ("plan\nplan", "Each trait once."),
        ('plan\nsize "xl"', '“size "xl"”: A trait name of 1–64 characters'),
    ],
)
def test_bad_segments_are_said_next_to_the_field_and_nothing_is_saved(user, site, typed, said):
    data = settings_form(segments=typed, name="Renamed")
    resp = user.post(
        "/dashboard/settings", data={**data, "csrf_token": token(user, "/dashboard/settings")}
    )
    assert resp.status_code == 422
    page = html.unescape(text(resp))
    error = re.search(r'id="segments-error".*?<span>(.*?)</span>', page, re.S)
    assert error and said in error.group(1)
    assert "1 field needs attention" in page
    got = user.get("/v1/site", headers=site.auth).get_json()
    assert (got["segments"], got["name"]) == ([], "Acme")


def test_rotating_the_secret_key_shows_the_new_key_once(user, site):
    resp = user.post(
        "/dashboard/settings/secret-key", data={"csrf_token": token(user, "/dashboard/settings")}
    )
    assert resp.status_code == 200
    new = re.search(r"(sk_[a-z0-9]{40})", text(resp)).group(1)
    assert resp.headers["Cache-Control"] == "no-store"
    assert user.get("/v1/site", headers=site.auth).status_code == 401
    assert user.get("/v1/site", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    assert new not in text(user.get("/dashboard/settings"))


def test_rotating_the_identity_secret_shows_the_new_one_once(app, user, site):
    resp = user.post(
        "/dashboard/settings/identity-secret",
        data={"csrf_token": token(user, "/dashboard/settings")},
    )
    with app.app_context():
        secret = sites.by_public_key(db.session(), site.public_key).identity_secret
    assert secret != site.identity_secret
    assert secret in text(resp)
    assert secret not in text(user.get("/dashboard/settings"))


def test_install_shows_the_script_tag_with_its_integrity_hash(user, site, app):
    from collector.api.bundle import manifest

    with app.app_context():
        build = manifest()
    page = html.unescape(text(user.get("/dashboard/install")))
    assert f'integrity="{build["integrity"]}"' in page
    assert f'data-site-key="{site.public_key}"' in page
    assert "fiilis.user_hash(" in page and 'createHmac("sha256"' in page
    assert "client.prompts.create(" in page
    assert site.secret_key not in page and site.identity_secret not in page


# -- the CLI ---------------------------------------------------------------------------------------


def test_user_create_asks_for_the_password_twice_without_echo(app, runner, site):
    result = runner.invoke(
        args=["user", "create", "--email", "Cli@Acme.test", "--site", site.public_key],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with app.app_context():
        found = accounts.authenticate(db.session(), "cli@acme.test", PASSWORD)
        assert found is not None and found.last_login_at is not None


def test_user_create_refuses_an_unknown_site_and_a_taken_email(runner, site, account):
    unknown = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "x@acme.test",
            "--site",
            "pk_nope",
            "--password",
            PASSWORD,
        ]
    )
    assert unknown.exit_code != 0 and "no site has the public key pk_nope" in unknown.output
    taken = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            account,
            "--site",
            site.public_key,
            "--password",
            PASSWORD,
        ]
    )
    assert taken.exit_code != 0 and "exists" in taken.output
    short = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "s@acme.test",
            "--site",
            site.public_key,
            "--password",
            "short",
        ]
    )
    assert short.exit_code != 0 and "at least 10" in short.output


# -- errors ----------------------------------------------------------------------------------------


def test_an_unknown_dashboard_page_is_an_html_404(user):
    resp = user.get("/dashboard/no-such-page")
    assert resp.status_code == 404
    assert resp.mimetype == "text/html"
    assert "Not found" in text(resp)


def test_a_csv_link_with_a_bad_date_is_an_html_400(user):
    resp = user.get("/dashboard/responses.csv?since=yesterday")
    assert resp.status_code == 400
    assert resp.mimetype == "text/html"


def test_the_follow_up_and_comment_filters(user, rows):
    nps = rows.survey("nps")
    closed = rows.response(nps, 3, comment="closed one")
    rows.response(nps, 3, comment="open one")
    rows.response(nps, 3, comment=None, user_id="silent")
    path = f"/dashboard/responses/{closed}"
    user.post(path, data={"status": "closed", "csrf_token": token(user, path)})
    only_closed = text(user.get("/dashboard/responses?status=closed"))
    assert "closed one" in only_closed and "open one" not in only_closed
    without = text(user.get("/dashboard/responses?has_comment=no"))
    assert "silent" in without and "open one" not in without
