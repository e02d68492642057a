"""The team: roles on every dashboard route, the site switcher, team changes and the audit trail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from collector import db, migrate
from collector.models import Membership
from collector.services import accounts, sites
from tests.api.test_dashboard import PASSWORD, log_in, token
from tests.factories import Rows

# What each dashboard route needs, as the documentation states it. Every route of the dashboard
# must be in this table: a route added without a rule fails test_every_dashboard_route_has_a_rule.
EXPECTED = {
    ("dashboard.login", "GET"): "public",
    ("dashboard.login", "POST"): "public",
    ("dashboard.accept_invite", "GET"): "public",
    ("dashboard.accept_invite", "POST"): "public",
    ("dashboard.forgot_password", "GET"): "public",
    ("dashboard.forgot_password", "POST"): "public",
    ("dashboard.reset_password", "GET"): "public",
    ("dashboard.reset_password", "POST"): "public",
    ("dashboard.logout", "POST"): "account",
    ("dashboard.not_found", "GET"): "account",
    ("dashboard.switch_site", "POST"): "account",
    ("dashboard.overview", "GET"): "viewer",
    ("dashboard.responses", "GET"): "viewer",
    ("dashboard.responses_csv", "GET"): "viewer",
    ("dashboard.response", "GET"): "viewer",
    ("dashboard.follow_up", "POST"): "editor",
    ("dashboard.bulk", "POST"): "editor",
    ("dashboard.response_tags", "POST"): "editor",
    ("dashboard.save_view", "POST"): "viewer",
    ("dashboard.delete_view", "POST"): "viewer",
    ("dashboard.surveys", "GET"): "viewer",
    ("dashboard.new_survey", "GET"): "editor",
    ("dashboard.create_survey", "POST"): "editor",
    ("dashboard.edit_survey", "GET"): "viewer",
    ("dashboard.update_survey", "POST"): "editor",
    ("dashboard.archive_survey", "POST"): "editor",
    ("dashboard.mail_preview", "GET"): "viewer",
    ("dashboard.mail_preview", "POST"): "viewer",
    ("dashboard.survey_report", "GET"): "viewer",
    ("dashboard.survey_sends", "GET"): "viewer",
    ("dashboard.lookup", "GET"): "viewer",
    ("dashboard.install", "GET"): "viewer",
    ("dashboard.api_reference", "GET"): "viewer",
    ("dashboard.review", "GET"): "viewer",
    ("dashboard.create_review", "POST"): "editor",
    ("dashboard.actions", "GET"): "viewer",
    ("dashboard.action_status", "POST"): "editor",
    ("dashboard.settings", "GET"): "admin",
    ("dashboard.save_settings", "POST"): "admin",
    ("dashboard.rotate_secret_key", "POST"): "admin",
    ("dashboard.rotate_identity_secret", "POST"): "admin",
    ("dashboard.connections", "GET"): "viewer",
    ("dashboard.create_alert", "POST"): "admin",
    ("dashboard.toggle_alert", "POST"): "admin",
    ("dashboard.delete_alert", "POST"): "admin",
    ("dashboard.save_digest", "POST"): "viewer",
    ("dashboard.test_alert", "POST"): "admin",
    ("dashboard.webhook_deliveries", "GET"): "admin",
    ("dashboard.replay_delivery", "POST"): "admin",
    ("dashboard.import_start", "GET"): "editor",
    ("dashboard.import_upload", "POST"): "editor",
    ("dashboard.import_run", "POST"): "editor",
    ("dashboard.import_job", "GET"): "editor",
    ("dashboard.team", "GET"): "admin",
    ("dashboard.change_role", "POST"): "admin",
    ("dashboard.remove_member", "POST"): "admin",
    ("dashboard.invite", "POST"): "admin",
    ("dashboard.revoke_invite", "POST"): "admin",
}
ORDER = ["viewer", "editor", "admin"]


def dashboard_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("dashboard."):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def add_account(app, site, email, role):
    with app.app_context():
        made = sites.by_public_key(db.session(), site.public_key)
        accounts.create(db.session(), made, email=email, password=PASSWORD, role=role)
    return email


def logged_in(app, site, email, role):
    add_account(app, site, email, role)
    client = app.test_client()
    assert log_in(client, email).status_code == 302
    return client


def test_every_dashboard_route_has_a_rule(app):
    found = {(rule.endpoint, method) for rule, method in dashboard_routes(app)}
    assert found == set(EXPECTED), "a dashboard route without a documented rule (or a stale one)"


@pytest.mark.parametrize("role", ORDER)
def test_each_route_is_allowed_or_403_for_each_role(app, site, role):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    response = rows.response(survey, 3, comment="Slow")
    client = logged_in(app, site, f"{role}@acme.test", role)
    # Another admin, so that an admin's own changes never leave the site without one.
    add_account(app, site, "boss@acme.test", "admin")
    args = {
        "response_id": response,
        "survey_id": survey,
        "unknown": "nothing-here",
        "view_id": 1,
        "alert_id": "alr_nothing",
        "invite_id": "inv_nothing",
        "webhook_id": "wh_nothing",
        "delivery_id": "dlv_nothing",
        "action_id": "act_nothing",
        "job_id": 1,
    }
    wrong = []
    for rule, method in dashboard_routes(app):
        needed = EXPECTED[(rule.endpoint, method)]
        if needed in ("public", "account"):
            continue
        path = rule.build({a: args[a] for a in rule.arguments})[1]
        if method == "GET":
            resp = client.get(path)
        else:
            resp = client.post(path, data={"csrf_token": token(client, "/dashboard/")})
        allowed = ORDER.index(role) >= ORDER.index(needed)
        if (resp.status_code == 403) == allowed:
            wrong.append((method, path, needed, resp.status_code))
        if not allowed:
            assert "Not allowed for your role" in resp.get_data(as_text=True)
    assert not wrong, f"{role}: {wrong}"


def test_a_visitor_without_a_session_goes_to_the_login_from_every_role_route(app, client, site):
    for rule, method in dashboard_routes(app):
        if EXPECTED[(rule.endpoint, method)] == "public" or method != "GET":
            continue
        path = rule.build({a: 1 if a == "job_id" else "x" for a in rule.arguments})[1]
        resp = client.get(path)
        assert resp.status_code == 302 and "/dashboard/login" in resp.headers["Location"], path


def test_the_menu_shows_only_what_the_role_may_open(app, site):
    viewer = logged_in(app, site, "vera@acme.test", "viewer")
    page = viewer.get("/dashboard/").get_data(as_text=True)
    assert "/dashboard/settings" not in page and "/dashboard/team" not in page
    assert "/dashboard/responses" in page and "Viewer" in page
    admin = logged_in(app, site, "ada@acme.test", "admin")
    page = admin.get("/dashboard/").get_data(as_text=True)
    assert "/dashboard/settings" in page and "/dashboard/team" in page


def test_a_viewer_reads_a_response_without_a_follow_up_form(app, site):
    rows = Rows(app, site)
    response = rows.response(rows.survey("csat"), 2, comment="Broken")
    viewer = logged_in(app, site, "vera@acme.test", "viewer")
    page = viewer.get(f"/dashboard/responses/{response}").get_data(as_text=True)
    assert "Broken" in page
    assert "Save follow-up" not in page


def test_an_account_on_two_sites_switches_between_them(app, site, other_site):
    rows = Rows(app, site)
    other_rows = Rows(app, other_site)
    rows.response(rows.survey("csat"), 1, comment="Acme comment")
    other_rows.response(other_rows.survey("csat"), 1, comment="Other comment")
    client = logged_in(app, site, "mia@acme.test", "editor")
    with app.app_context():
        account = accounts.by_email(db.session(), "mia@acme.test")
        other = sites.by_public_key(db.session(), other_site.public_key)
        accounts.join(db.session(), account, other, "viewer")
        db.session().commit()
    page = client.get("/dashboard/responses").get_data(as_text=True)
    assert "Acme comment" in page and "Other comment" not in page
    assert 'id="site-switch"' in page and "Other Corp (viewer)" in page
    resp = client.post(
        "/dashboard/site",
        data={"site": other_site.site_id, "csrf_token": token(client, "/dashboard/")},
    )
    assert resp.status_code == 302
    page = client.get("/dashboard/responses").get_data(as_text=True)
    assert "Other comment" in page and "Acme comment" not in page
    # The role follows the site: a viewer there, whatever the role here.
    assert client.get("/dashboard/surveys/new").status_code == 403


def test_the_switcher_refuses_a_site_the_account_is_not_on(app, site, other_site):
    client = logged_in(app, site, "mia@acme.test", "admin")
    resp = client.post(
        "/dashboard/site",
        data={"site": other_site.site_id, "csrf_token": token(client, "/dashboard/")},
    )
    assert resp.status_code == 404
    assert "Acme" in client.get("/dashboard/").get_data(as_text=True)


def test_an_admin_changes_a_role_and_it_applies_at_once(app, site):
    admin = logged_in(app, site, "ada@acme.test", "admin")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    assert editor.get("/dashboard/surveys/new").status_code == 200
    with app.app_context():
        eddie = accounts.by_email(db.session(), "eddie@acme.test").id
    resp = admin.post(
        "/dashboard/team/role",
        data={"account": eddie, "role": "viewer", "csrf_token": token(admin, "/dashboard/team")},
    )
    assert resp.status_code == 302
    assert editor.get("/dashboard/surveys/new").status_code == 403
    page = admin.get("/dashboard/settings").get_data(as_text=True)
    assert "ada@acme.test" in page and "changed the role of eddie@acme.test" in page
    assert "editor → viewer" in page


def test_the_last_admin_can_be_neither_demoted_nor_removed(app, site):
    admin = logged_in(app, site, "ada@acme.test", "admin")
    with app.app_context():
        ada = accounts.by_email(db.session(), "ada@acme.test").id
    for path, data in [
        ("/dashboard/team/role", {"role": "editor"}),
        ("/dashboard/team/remove", {}),
    ]:
        resp = admin.post(
            path, data={"account": ada, "csrf_token": token(admin, "/dashboard/team"), **data}
        )
        assert resp.status_code == 409
        assert "A site needs an admin" in resp.get_data(as_text=True)
    assert admin.get("/dashboard/settings").status_code == 200


def test_a_removed_member_sees_nothing_of_the_site(app, site):
    admin = logged_in(app, site, "ada@acme.test", "admin")
    viewer = logged_in(app, site, "vera@acme.test", "viewer")
    with app.app_context():
        vera = accounts.by_email(db.session(), "vera@acme.test").id
    resp = admin.post(
        "/dashboard/team/remove",
        data={"account": vera, "csrf_token": token(admin, "/dashboard/team")},
    )
    assert resp.status_code == 302
    resp = viewer.get("/dashboard/responses")
    assert resp.status_code == 403 and "You are not on any site" in resp.get_data(as_text=True)
    # They can still log out from there.
    assert "Log out (vera@acme.test)" in resp.get_data(as_text=True)
    resp = viewer.post("/dashboard/logout", data={"csrf_token": token(viewer, "/dashboard/")})
    assert resp.status_code == 302 and viewer.get("/dashboard/").status_code == 302
    with app.app_context():
        assert db.session().get(Membership, (vera, site.site_id)) is None
    assert "removed vera@acme.test" in admin.get("/dashboard/settings").get_data(as_text=True)


def test_settings_and_key_changes_are_on_the_audit_trail_with_who_and_what(app, site):
    admin = logged_in(app, site, "ada@acme.test", "admin")
    form = {
        "name": "Acme",
        "allowed_origins": "https://app.example.com\nhttps://new.example.com",
        "cooldown_days": "7",
        "default_locale": "en",
        "accent": "#4f46e5",
        "position": "bottom-right",
    }
    resp = admin.post(
        "/dashboard/settings", data={**form, "csrf_token": token(admin, "/dashboard/settings")}
    )
    assert resp.status_code == 302
    admin.post(
        "/dashboard/settings/secret-key", data={"csrf_token": token(admin, "/dashboard/settings")}
    )
    page = admin.get("/dashboard/settings").get_data(as_text=True)
    trail = page[page.index('class="history audit"') :]
    assert trail.index("made a new secret key") < trail.index("changed the settings")
    assert "https://new.example.com" in trail and "allowed_origins" in trail
    assert trail.count("ada@acme.test") == 2
    assert re.search(r"<time[^>]*datetime=\"\d{4}-\d\d-\d\dT", trail)


def test_a_refused_settings_change_leaves_no_audit_entry(app, site):
    admin = logged_in(app, site, "ada@acme.test", "admin")
    resp = admin.post(
        "/dashboard/settings",
        data={
            "allowed_origins": "not an origin",
            "csrf_token": token(admin, "/dashboard/settings"),
        },
    )
    assert resp.status_code == 422
    page = admin.get("/dashboard/settings").get_data(as_text=True)
    assert "No changes yet." in page


def test_user_create_takes_a_role(app, runner, site):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "Vera@Acme.test",
            "--site",
            site.public_key,
            "--password",
            PASSWORD,
            "--role",
            "viewer",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "as viewer" in result.output
    client = app.test_client()
    assert log_in(client, "vera@acme.test").status_code == 302
    assert client.get("/dashboard/settings").status_code == 403
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "x@acme.test",
            "--site",
            site.public_key,
            "--password",
            PASSWORD,
            "--role",
            "owner",
        ]
    )
    assert result.exit_code == 2 and "owner" in result.output


def test_user_create_without_a_role_makes_an_admin_as_before(app, runner, site):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "a@acme.test",
            "--site",
            site.public_key,
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    client = app.test_client()
    log_in(client, "a@acme.test")
    assert client.get("/dashboard/settings").status_code == 200


def test_an_existing_account_becomes_admin_of_its_site_on_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0004")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sites (id, name, public_key, secret_key_hash, secret_key_hint,"
                " identity_secret, allowed_origins, default_locale, theme, cooldown_days,"
                " require_identity, created_at, updated_at) VALUES ('site_1', 'Old', 'pk_old',"
                " 'h', 'sk_…', 's', '[]', 'en', '{}', 7, 0, '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO accounts (site_id, email, password_hash, session_epoch, created_at)"
                " VALUES ('site_1', 'old@acme.test', 'x', 0, '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO surveys (id, site_id, kind, name, question, trigger_events, delay_ms,"
                " sample_rate, targeting, recontact_days, dismiss_snooze_days, priority, active,"
                " created_at, updated_at) VALUES ('srv_1', 'site_1', 'csat', 'S', '{}', '[]', 0,"
                " 1, '[]', 90, 30, 0, 1, '2026-01-01', '2026-01-01')"
            )
        )
    engine.dispose()
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT site_id, role FROM memberships")).all()
    engine.dispose()
    assert rows == [("site_1", "admin")]


def test_a_removed_member_gets_no_more_digests(app, site):
    from datetime import UTC, datetime, timedelta

    from collector.services import digests

    admin = logged_in(app, site, "ada@acme.test", "admin")
    add_account(app, site, "vera@acme.test", "viewer")
    with app.app_context():
        vera = accounts.by_email(db.session(), "vera@acme.test")
        digests.subscribe(db.session(), vera, frequency="daily", weekday=0, hour=8, tz="UTC")
        later = datetime.now(UTC) + timedelta(days=3)
        assert [a.email for a, _, _ in digests.due(db.session(), later)] == ["vera@acme.test"]
    admin.post(
        "/dashboard/team/remove",
        data={"account": vera.id, "csrf_token": token(admin, "/dashboard/team")},
    )
    with app.app_context():
        assert digests.due(db.session(), later) == []
