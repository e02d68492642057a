"""Reminders through the real worker and a real SMTP server, on a compressed clock: the owner of an
action hears once, two days before it is due; the admins hear when the next review is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector import db, jobs, reminders
from collector.models import Action
from collector.services import accounts, sites

START = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
DAY = timedelta(days=1)


def member(app, site, email, role="editor"):
    with app.app_context():
        made = sites.by_public_key(db.session(), site.public_key)
        accounts.create(
            db.session(), made, email=email, password="correct horse battery", role=role
        )
    return email


@pytest.fixture
def mailing(app, smtp_server, worker):
    app.config["SMTP_URL"] = smtp_server.url
    app.config["PUBLIC_URL"] = "https://feedback.example.com"
    return smtp_server


def run(app, worker, job, now):
    """The periodic job as the worker runs it, at ``now`` instead of the wall clock."""
    with app.app_context():
        jobs.enqueue(job, now)
    worker.drain()


def walk(app, worker, job, days, *, times_a_day=(0, 6, 13)):
    """Run ``job`` several times a day for ``days`` days; the mails counted at the end of each."""
    for day in range(days):
        for hours in times_a_day:
            run(app, worker, job, START + day * DAY + timedelta(hours=hours))
        yield day


def test_an_owner_gets_one_reminder_two_days_before_the_due_date(
    app, client, site, mailing, worker
):
    owner = member(app, site, "olli@acme.test")
    due = (START + 5 * DAY).date()
    body = {"title": "Resend failed invoice PDFs", "due_on": due.isoformat(), "owner": owner}
    made = client.post("/v1/actions", json=body, headers=site.auth).get_json()
    seen = [len(mailing.messages) for _ in walk(app, worker, reminders.send_action_reminders, 8)]
    # Nothing on days 0–2, one mail on day 3 (due − 2 days) and never another.
    assert seen == [0, 0, 0, 1, 1, 1, 1, 1]
    (message,) = mailing.messages
    assert message["To"] == owner
    assert message["Subject"] == "Due in 2 days: Resend failed invoice PDFs"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "“Resend failed invoice PDFs” is due in 2 days, on Sun 6 Dec 2026." in text
    assert "https://feedback.example.com/dashboard/actions" in text
    assert "Resend failed invoice PDFs" in html
    with app.app_context():
        assert db.session().get(Action, made["id"]).reminded_for == due


def test_a_moved_due_date_gets_a_new_reminder_and_settled_actions_none(
    app, client, site, mailing, worker
):
    owner = member(app, site, "olli@acme.test")
    soon = (START + DAY).date().isoformat()
    moved = client.post(
        "/v1/actions", json={"title": "Moved", "due_on": soon, "owner": owner}, headers=site.auth
    ).get_json()
    done = client.post(
        "/v1/actions",
        json={"title": "Done already", "due_on": soon, "owner": owner, "status": "done"},
        headers=site.auth,
    ).get_json()
    client.post("/v1/actions", json={"title": "Nobody's", "due_on": soon}, headers=site.auth)
    client.post(
        "/v1/actions",
        json={"title": "Long past", "due_on": "2026-11-01", "owner": owner},
        headers=site.auth,
    )
    run(app, worker, reminders.send_action_reminders, START)
    assert [m["Subject"] for m in mailing.messages] == ["Due tomorrow: Moved"]
    later = (START + 10 * DAY).date().isoformat()
    client.patch(f"/v1/actions/{moved['id']}", json={"due_on": later}, headers=site.auth)
    run(app, worker, reminders.send_action_reminders, START + 2 * DAY)
    assert len(mailing.messages) == 1  # the new date is still 8 days away
    run(app, worker, reminders.send_action_reminders, START + 8 * DAY)
    assert [m["Subject"] for m in mailing.messages][1:] == ["Due in 2 days: Moved"]
    assert done["status"] == "done"


def test_two_workers_at_once_send_one_reminder(app, client, site, mailing, worker):
    owner = member(app, site, "olli@acme.test")
    due = (START + 2 * DAY).date().isoformat()
    client.post(
        "/v1/actions", json={"title": "Once", "due_on": due, "owner": owner}, headers=site.auth
    )
    with app.app_context():
        for _ in range(4):
            jobs.enqueue(reminders.send_action_reminders, START)
    worker.drain()
    assert len(mailing.messages) == 1


def test_the_admins_hear_once_when_the_next_review_is_due(
    app, client, site, other_site, mailing, worker
):
    member(app, site, "ada@acme.test", role="admin")
    member(app, site, "bea@acme.test", role="admin")
    member(app, site, "eddie@acme.test", role="editor")
    member(app, other_site, "zed@other.test", role="admin")
    on = (START + 3 * DAY).date()
    body = {"since": "2026-11-01", "until": "2026-12-01", "next_review_on": on.isoformat()}
    assert client.post("/v1/reviews", json=body, headers=site.auth).status_code == 201
    overdue = {"title": "Late", "due_on": "2026-11-20"}
    assert client.post("/v1/actions", json=overdue, headers=site.auth).status_code == 201
    seen = [len(mailing.messages) for _ in walk(app, worker, reminders.send_review_due, 6)]
    assert seen == [0, 0, 0, 1, 1, 1]
    (message,) = mailing.messages
    assert sorted(a.strip() for a in message["To"].split(",")) == ["ada@acme.test", "bea@acme.test"]
    assert message["Subject"] == "Time for the feedback review of Acme"
    text = message.get_body(("plain",)).get_content()
    assert "planned its next feedback review of Acme for Fri 4 Dec 2026" in text
    assert "1 action is still open, 1 past its date." in text
    assert "https://feedback.example.com/dashboard/review" in text


def test_a_newer_review_replaces_the_date_the_older_one_planned(app, client, site, mailing, worker):
    member(app, site, "ada@acme.test", role="admin")
    first = {"since": "2026-10-01", "until": "2026-11-01", "next_review_on": "2026-12-02"}
    second = {"since": "2026-11-01", "until": "2026-12-01", "next_review_on": "2026-12-20"}
    for body in (first, second):
        assert client.post("/v1/reviews", json=body, headers=site.auth).status_code == 201
    run(app, worker, reminders.send_review_due, START + 5 * DAY)
    assert mailing.messages == []
    run(app, worker, reminders.send_review_due, START + 19 * DAY)
    assert len(mailing.messages) == 1
