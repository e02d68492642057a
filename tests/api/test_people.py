"""Invitations, password resets and the owner's e-mail, delivered to a real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from collector import db
from collector.domain import links
from collector.models import FollowupChange, Invite, utcnow
from collector.services import accounts
from tests.api.test_dashboard import PASSWORD, log_in, token
from tests.api.test_team import add_account, logged_in
from tests.factories import Rows

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def mailbox(app, smtp_server, worker):
    app.config.update(SMTP_URL=smtp_server.url, MAIL_FROM="Fiilis <noreply@fiilis.test>")
    return smtp_server


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message, kind: str) -> str:
    found = re.search(rf"https?://\S+/dashboard/{kind}/\S+", body(message))
    assert found, body(message)
    return "/" + found.group(0).split("/", 3)[3]


def invite(client, email, role="editor", **extra):
    return client.post(
        "/dashboard/team/invite",
        data={
            "email": email,
            "role": role,
            "csrf_token": token(client, "/dashboard/team"),
            **extra,
        },
    )


# -- invitations -----------------------------------------------------------------------------------


def test_an_invitation_arrives_and_its_link_makes_an_account_once(app, site, mailbox, worker):
    admin = logged_in(app, site, "ada@acme.test", "admin")
    resp = invite(admin, "New.Person@Acme.test", "editor")
    assert resp.status_code == 302
    worker.drain()
    [message] = mailbox.wait_for(1)
    assert message["To"] == "new.person@acme.test"
    assert "Acme" in message["Subject"] and "as an editor" in body(message)
    path = link_in(message, "invite")

    newcomer = app.test_client()
    page = newcomer.get(path).get_data(as_text=True)
    assert "Choose a password" in page and "new.person@acme.test" in page
    resp = newcomer.post(
        path,
        data={
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "csrf_token": token(newcomer, path),
        },
    )
    assert resp.status_code == 302
    # Logged in as an editor of the site.
    assert newcomer.get("/dashboard/surveys/new").status_code == 200
    assert newcomer.get("/dashboard/settings").status_code == 403
    # The link works once.
    again = app.test_client().get(path)
    assert again.status_code == 410 and "This link does not work" in again.get_data(as_text=True)
    team_page = admin.get("/dashboard/team").get_data(as_text=True)
    assert "new.person@acme.test" in team_page and "Waiting for an answer" not in team_page
    trail = admin.get("/dashboard/settings").get_data(as_text=True)
    assert "invited new.person@acme.test" in trail and "joined" in trail
    # The new password logs in.
    assert log_in(app.test_client(), "new.person@acme.test", NEW_PASSWORD).status_code == 302


def test_an_invitation_link_expires(app, site, mailbox, worker):
    admin = logged_in(app, site, "ada@acme.test", "admin")
    invite(admin, "late@acme.test")
    worker.drain()
    path = link_in(mailbox.wait_for(1)[0], "invite")
    with app.app_context():
        for found in db.session().query(Invite):
            found.expires_at = utcnow() - timedelta(seconds=1)
        db.session().commit()
    assert app.test_client().get(path).status_code == 410


def test_an_invitation_signature_older_than_its_lifetime_is_refused(app, site, monkeypatch):
    with app.app_context():
        from collector.services import invites

        made = invites.invite_links().sign({"i": ["inv_x"], "e": "a@acme.test"})
    monkeypatch.setattr(links, "INVITE_MAX_AGE", timedelta(seconds=-1))
    assert app.test_client().get(f"/dashboard/invite/{made}").status_code == 410


def test_a_withdrawn_invitation_and_a_tampered_link_do_not_work(app, site, mailbox, worker):
    admin = logged_in(app, site, "ada@acme.test", "admin")
    invite(admin, "maybe@acme.test")
    worker.drain()
    path = link_in(mailbox.wait_for(1)[0], "invite")
    assert app.test_client().get(path[:-2] + "xx").status_code == 410
    with app.app_context():
        invite_id = db.session().query(Invite).one().id
    resp = admin.post(
        f"/dashboard/team/invites/{invite_id}/revoke",
        data={"csrf_token": token(admin, "/dashboard/team")},
    )
    assert resp.status_code == 302
    assert app.test_client().get(path).status_code == 410


def test_a_reset_link_is_not_an_invitation_link(app, site):
    with app.app_context():
        from collector.services import invites

        forged = invites.reset_links().sign({"i": ["inv_x"], "e": "a@acme.test"})
        other = invites.invite_links().sign({"a": 1, "p": "x"})
    assert app.test_client().get(f"/dashboard/invite/{forged}").status_code == 410
    assert app.test_client().get(f"/dashboard/reset/{other}").status_code == 410


def test_an_existing_account_joins_a_second_site_with_its_password(
    app, site, other_site, mailbox, worker
):
    add_account(app, other_site, "mia@acme.test", "admin")
    admin = logged_in(app, site, "ada@acme.test", "admin")
    invite(admin, "mia@acme.test", "viewer")
    worker.drain()
    path = link_in(mailbox.wait_for(1)[0], "invite")
    mia = app.test_client()
    page = mia.get(path).get_data(as_text=True)
    assert "You already have an account" in page
    resp = mia.post(path, data={"password": "wrong password!", "csrf_token": token(mia, path)})
    assert resp.status_code == 422
    resp = mia.post(path, data={"password": PASSWORD, "csrf_token": token(mia, path)})
    assert resp.status_code == 302
    page = mia.get("/dashboard/").get_data(as_text=True)
    assert "Acme (viewer)" in page and "Other Corp (admin)" in page


def test_inviting_a_member_again_is_refused_on_the_form(app, site):
    admin = logged_in(app, site, "ada@acme.test", "admin")
    add_account(app, site, "eddie@acme.test", "editor")
    resp = invite(admin, "eddie@acme.test")
    assert resp.status_code == 409
    assert "already on the team" in resp.get_data(as_text=True)
    resp = invite(admin, "not an address")
    assert resp.status_code == 422 and 'aria-invalid="true"' in resp.get_data(as_text=True)


def test_an_admin_cannot_invite_to_a_site_where_they_are_not_admin(app, site, other_site):
    admin = logged_in(app, site, "ada@acme.test", "admin")
    resp = invite(admin, "x@acme.test", sites=[other_site.site_id])
    assert resp.status_code == 403


# -- password resets -----------------------------------------------------------------------------


def ask_reset(client, email):
    return client.post(
        "/dashboard/forgot",
        data={"email": email, "csrf_token": token(client, "/dashboard/forgot")},
    )


def test_a_reset_link_arrives_works_once_and_ends_old_sessions(app, site, mailbox, worker):
    add_account(app, site, "ada@acme.test", "admin")
    old_session = app.test_client()
    log_in(old_session, "ada@acme.test")
    resp = ask_reset(app.test_client(), "ADA@acme.test")
    assert resp.status_code == 200
    worker.drain()
    [message] = mailbox.wait_for(1)
    assert message["To"] == "ada@acme.test"
    path = link_in(message, "reset")
    browser = app.test_client()
    assert "Choose a new password" in browser.get(path).get_data(as_text=True)
    resp = browser.post(
        path,
        data={
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "csrf_token": token(browser, path),
        },
    )
    assert resp.status_code == 302
    assert browser.get("/dashboard/").status_code == 200  # logged in with the new password
    assert old_session.get("/dashboard/").status_code == 302  # the old session is void
    assert log_in(app.test_client(), "ada@acme.test", PASSWORD).status_code == 200  # refused
    assert log_in(app.test_client(), "ada@acme.test", NEW_PASSWORD).status_code == 302
    # Used once: the same link now fails.
    assert app.test_client().get(path).status_code == 410


def test_a_reset_link_expires_after_an_hour(app, site, mailbox, worker, monkeypatch):
    add_account(app, site, "ada@acme.test", "admin")
    ask_reset(app.test_client(), "ada@acme.test")
    worker.drain()
    path = link_in(mailbox.wait_for(1)[0], "reset")
    monkeypatch.setattr(links, "RESET_MAX_AGE", timedelta(seconds=-1))
    assert app.test_client().get(path).status_code == 410


def test_a_reset_answers_the_same_whether_or_not_the_address_has_an_account(
    app, site, mailbox, worker
):
    add_account(app, site, "ada@acme.test", "admin")
    known = ask_reset(app.test_client(), "ada@acme.test")
    unknown = ask_reset(app.test_client(), "nobody@acme.test")
    assert known.status_code == unknown.status_code == 200

    def visible(resp):
        return (
            re.sub(r'name="csrf_token" value="[^"]+"', "", resp.get_data(as_text=True))
            .replace("ada@acme.test", "X")
            .replace("nobody@acme.test", "X")
        )

    assert visible(known) == visible(unknown)
    worker.drain()
    messages = mailbox.wait_for(1)
    assert [m["To"] for m in messages] == ["ada@acme.test"]  # nothing to the unknown address


def test_reset_requests_are_rate_limited(app, site):
    client = app.test_client()
    for _ in range(5):
        assert ask_reset(client, "ada@acme.test").status_code == 200
    assert ask_reset(client, "ada@acme.test").status_code == 429


def test_a_short_new_password_is_refused_and_the_link_still_works(app, site, mailbox, worker):
    add_account(app, site, "ada@acme.test", "admin")
    ask_reset(app.test_client(), "ada@acme.test")
    worker.drain()
    path = link_in(mailbox.wait_for(1)[0], "reset")
    browser = app.test_client()
    resp = browser.post(
        path,
        data={"password": "short", "password_again": "short", "csrf_token": token(browser, path)},
    )
    assert resp.status_code == 422 and "at least 10 characters" in resp.get_data(as_text=True)
    assert browser.get(path).status_code == 200


# -- the owner's e-mail --------------------------------------------------------------------------


def test_bulk_assigning_50_responses_sends_the_owner_one_email_listing_them(
    app, site, mailbox, worker
):
    rows = Rows(app, site)
    survey = rows.survey("nps", name="Recommend Acme")
    ids = [rows.response(survey, 3, comment=f"Lasku {n} on väärin") for n in range(50)]
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    add_account(app, site, "olli@acme.test", "editor")
    resp = editor.post(
        "/dashboard/responses/bulk",
        data={"ids": ids, "owner": "olli@acme.test", "csrf_token": token(editor, "/dashboard/")},
    )
    assert resp.status_code == 302
    worker.drain()
    [message] = mailbox.wait_for(1)
    assert message["To"] == "olli@acme.test"
    assert message["Subject"] == "50 follow-ups for you on Acme"
    text = body(message)
    assert "eddie@acme.test made you the owner of 50 follow-ups" in text
    for rid in ids:
        assert f"/dashboard/responses/{rid}" in text
    assert "Lasku 7 on väärin" in text and "Detractor" in text
    html = message.get_body(("html",)).get_content()
    assert html.count("/dashboard/responses/") >= 50
    with app.app_context():
        assert db.session().query(FollowupChange).count() == 50
    assert len(mailbox.messages) == 1


def test_the_owners_email_reads_each_score_on_its_surveys_own_scale(app, site, mailbox, worker):
    rows = Rows(app, site)
    wide = rows.survey("csat", name="Support chat", scale_min=1, scale_max=7)
    ids = [rows.response(wide, 7, comment="Quick and kind"), rows.response(wide, 2)]
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    add_account(app, site, "olli@acme.test", "editor")
    resp = editor.post(
        "/dashboard/responses/bulk",
        data={"ids": ids, "owner": "olli@acme.test", "csrf_token": token(editor, "/dashboard/")},
    )
    assert resp.status_code == 302
    worker.drain()
    [message] = mailbox.wait_for(1)
    text = body(message)
    assert "- 7 / 7 (Satisfied), Support chat" in text
    assert "- 2 / 7 (Dissatisfied), Support chat" in text


def test_assigning_to_yourself_sends_no_email(app, site, mailbox, worker):
    rows = Rows(app, site)
    rid = rows.response(rows.survey("nps"), 3)
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    editor.post(
        "/dashboard/responses/bulk",
        data={"ids": [rid], "owner": "eddie@acme.test", "csrf_token": token(editor, "/dashboard/")},
    )
    worker.drain()
    assert mailbox.messages == []


def test_a_refused_bulk_change_sends_nothing(app, site, other_site, mailbox, worker):
    rows, other = Rows(app, site), Rows(app, other_site)
    mine, theirs = rows.response(rows.survey("nps"), 3), other.response(other.survey("nps"), 3)
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    add_account(app, site, "olli@acme.test", "editor")
    resp = editor.post(
        "/dashboard/responses/bulk",
        data={
            "ids": [mine, theirs],
            "owner": "olli@acme.test",
            "csrf_token": token(editor, "/dashboard/"),
        },
    )
    assert resp.status_code == 404
    worker.drain()
    assert mailbox.messages == []


def test_owning_one_response_from_its_page_mails_the_owner(app, site, mailbox, worker):
    rows = Rows(app, site)
    rid = rows.response(rows.survey("csat"), 1, comment="Broken export")
    editor = logged_in(app, site, "eddie@acme.test", "editor")
    add_account(app, site, "olli@acme.test", "viewer")
    path = f"/dashboard/responses/{rid}"
    editor.post(
        path, data={"status": "open", "owner": "olli@acme.test", "csrf_token": token(editor, path)}
    )
    worker.drain()
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "1 follow-up for you on Acme"
    assert "Broken export" in body(message)
    with app.app_context():
        assert accounts.by_email(db.session(), "olli@acme.test") is not None
