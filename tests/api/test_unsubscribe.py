"""The unsubscribe page ``/u/<token>``: one button, RFC 8058 one-click, no JavaScript."""

from __future__ import annotations

import fiilis
import pytest
from sqlalchemy import select

from collector import outbox
from collector.models import OutboxEvent
from collector.services import unsubscribe
from tests.api.test_answer_page import Page
from tests.api.test_webhooks import wait_until

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def delivered():
    seen: list[dict] = []

    def keep(_db, event):
        seen.append(outbox.envelope(event))

    outbox.consumer(keep)
    yield seen
    outbox._consumers.remove(keep)


def link(app, site, email="Aino@Acme.fi", locale=None) -> str:
    with app.app_context():
        return "/u/" + unsubscribe.token(site.site_id, email, locale)


def suppressions(client, site) -> list[dict]:
    return client.get("/v1/suppressions", headers=site.auth).get_json()["data"]


def events(app) -> list[OutboxEvent]:
    with app.extensions["fiilis.sessionmaker"]() as db:
        return list(db.scalars(select(OutboxEvent)))


def test_following_the_link_shows_one_button_and_changes_nothing(app, client, site):
    url = link(app, site)
    for method in (client.get, client.head):
        assert method(url).status_code == 200
    page = Page(client.get(url).get_data(as_text=True))
    assert page.scripts == 0
    [form] = page.forms
    assert form["method"] == "post"
    assert form["action"].startswith(url)
    assert "aino@acme.fi" in client.get(url).get_data(as_text=True)
    assert suppressions(client, site) == []
    assert events(app) == []


def test_one_click_unsubscribes_the_address_and_announces_it(app, client, site, worker, delivered):
    resp = client.post(link(app, site), data=ONE_CLICK)
    assert resp.status_code == 200
    assert "You are unsubscribed" in resp.get_data(as_text=True)
    [stored] = suppressions(client, site)
    assert (stored["email"], stored["reason"]) == ("aino@acme.fi", "unsubscribed")
    worker.drain()
    [event] = delivered
    assert event["type"] == "person.unsubscribed"
    assert event["data"]["email"] == "aino@acme.fi"
    assert event["data"]["reason"] == "unsubscribed"


def test_the_pages_button_does_the_same_and_then_the_link_says_so(app, client, site):
    url = link(app, site)
    form = Page(client.get(url).get_data(as_text=True)).forms[0]
    assert client.post(form["action"], data=ONE_CLICK).status_code == 200
    again = client.get(url).get_data(as_text=True)
    assert "You are unsubscribed" in again
    assert Page(again).forms == []


def test_unsubscribing_twice_leaves_one_suppression_and_one_event(app, client, site):
    url = link(app, site)
    for _ in range(3):
        assert client.post(url, data=ONE_CLICK).status_code == 200
    assert len(suppressions(client, site)) == 1
    assert [e.type for e in events(app)] == ["person.unsubscribed"]


def test_an_address_that_bounced_before_stays_bounced_and_sends_no_event(app, client, site):
    client.post(
        "/v1/suppressions", json={"email": "aino@acme.fi", "reason": "bounced"}, headers=site.auth
    )
    assert client.post(link(app, site), data=ONE_CLICK).status_code == 200
    assert [s["reason"] for s in suppressions(client, site)] == ["bounced"]
    assert events(app) == []


@pytest.mark.parametrize(
    ("locale", "query", "title"),
    [
        ("fi", "", "Lopetetaanko kyselyviestit?"),
        ("sv", "", "Sluta få enkäter via e-post?"),
        ("fi", "?lang=en", "Stop survey e-mails?"),
        ("de-AT", "", "Keine Umfrage-E-Mails mehr?"),
        ("fr", "", "Ne plus recevoir d’enquêtes par e-mail\u00a0?"),
        ("pt-BR", "", "Stop survey e-mails?"),
    ],
)
def test_the_page_speaks_the_language_of_the_e_mail(app, client, site, locale, query, title):
    page = Page(client.get(link(app, site, locale=locale) + query).get_data(as_text=True))
    assert page.headings == [title]


@pytest.mark.parametrize("token", ["nonsense", "a.b.c", "x" * 3000])
def test_a_link_not_made_here_is_a_clear_page_not_an_error(app, client, site, token):
    for resp in (client.get(f"/u/{token}"), client.post(f"/u/{token}", data=ONE_CLICK)):
        assert resp.status_code == 404
        assert resp.mimetype == "text/html"
        assert "This link does not work" in resp.get_data(as_text=True)
    assert suppressions(client, site) == []


def test_a_tampered_link_unsubscribes_nobody(app, client, site):
    url = link(app, site)
    rest = url.removeprefix("/u/").split(".", 1)[1]
    forged = link(app, site, "mallory@acme.fi").removeprefix("/u/").split(".", 1)[0]
    assert client.post(f"/u/{forged}.{rest}", data=ONE_CLICK).status_code == 404
    assert suppressions(client, site) == []


def test_an_unsubscribe_link_of_one_site_suppresses_only_there(app, client, site, other_site):
    client.post(link(app, other_site), data=ONE_CLICK)
    assert suppressions(client, site) == []
    assert [s["email"] for s in suppressions(client, other_site)] == ["aino@acme.fi"]


@pytest.fixture
def private_webhooks(app):
    app.config["ALLOW_PRIVATE_WEBHOOKS"] = True


def test_a_webhook_for_unsubscribes_gets_one_signed_event(
    app, client, site, receiver, worker, private_webhooks
):
    made = client.post(
        "/v1/webhooks",
        json={"url": receiver.url(), "events": ["person.unsubscribed"]},
        headers=site.auth,
    ).get_json()
    url = link(app, site)
    client.post(url, data=ONE_CLICK)
    client.post(url, data=ONE_CLICK)
    worker.drain()
    wait_until(lambda: len(receiver.requests) >= 1)
    worker.drain()
    [request] = receiver.requests
    event = fiilis.webhooks.verify(request.body, request.headers, made["secret"])
    assert event.type == "person.unsubscribed"
    assert (event.data["email"], event.data["reason"]) == ("aino@acme.fi", "unsubscribed")
