"""Survey e-mail of a link prompt, sent by the worker to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from collector import jobs
from collector.models import Response, SurveyMail, utcnow
from collector.services import survey_mail
from tests.api.test_answer_page import Page

PUBLIC = "https://feedback.acme.test"


@pytest.fixture
def mailbox(app, smtp_server):
    app.config.update(
        SMTP_URL=smtp_server.url,
        MAIL_FROM="Acme feedback <feedback@acme.test>",
        PUBLIC_URL=PUBLIC,
        MAIL_RETRY_SCHEDULE=[0.2, 0.2],
    )
    return smtp_server


@pytest.fixture
def nps(client, site):
    body = {
        "kind": "nps",
        "name": "Quarterly NPS",
        "question": {"en": "How likely are you to recommend Acme?", "fi": "Suosittelisitko Acmea?"},
        "trigger_events": [],
    }
    resp = client.post("/v1/surveys", json=body, headers=site.auth)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def person(client, site, user_id="u1", **fields):
    fields.setdefault("email", f"{user_id}@customer.example")
    resp = client.put(f"/v1/people/{user_id}", json=fields, headers=site.auth)
    assert resp.status_code in (200, 201), resp.get_json()


def link_prompt(client, site, survey, user_id="u1") -> str:
    body = {"user_id": user_id, "survey": survey, "channel": "link"}
    resp = client.post("/v1/prompts", json=body, headers=site.auth)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def mail_prompt(app, worker, prompt_id) -> None:
    with app.app_context():
        jobs.enqueue(survey_mail.send, prompt_id)
    worker.drain()


def mails(app) -> list[SurveyMail]:
    with app.extensions["fiilis.sessionmaker"]() as db:
        return list(db.scalars(select(SurveyMail).order_by(SurveyMail.id)))


def local(url: str) -> str:
    """A link of the message, as the test client requests it."""
    assert url.startswith(PUBLIC), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def score_links(html: str) -> dict[int, str]:
    links = re.findall(r'href="([^"]+\?score=(\d+))"', html)
    return {int(n): href.replace("&amp;", "&") for href, n in links}


def test_a_survey_e_mail_has_both_parts_the_headers_and_working_score_links(
    app, client, site, nps, mailbox, worker
):
    person(client, site, name="Aino")
    prompt_id = link_prompt(client, site, nps)
    mail_prompt(app, worker, prompt_id)

    [message] = mailbox.wait_for(1)
    assert message["To"] == "Aino <u1@customer.example>"
    assert message["Subject"] == "How likely are you to recommend Acme?"
    assert message["Message-ID"] == f"<survey.{prompt_id}.ask@acme.test>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe_url.startswith(f"{PUBLIC}/u/")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hi Aino," in text and "Hi Aino," in html
    assert unsubscribe_url in text and unsubscribe_url in html
    assert "<script" not in html and "<img" not in html
    links = score_links(html)
    assert sorted(links) == list(range(11))
    assert all(href in text for href in links.values())

    page = Page(client.get(local(links[9])).get_data(as_text=True))
    assert page.textareas  # the comment page
    with app.extensions["fiilis.sessionmaker"]() as db:
        assert [r.score for r in db.scalars(select(Response))] == [9]
    [row] = mails(app)
    assert (row.status, row.attempts, row.email) == ("sent", 1, "u1@customer.example")


def test_the_e_mail_speaks_the_persons_language(app, client, site, nps, mailbox, worker):
    person(client, site, locale="fi", name="Aino")
    mail_prompt(app, worker, link_prompt(client, site, nps))
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Suosittelisitko Acmea?"
    assert "Hei Aino," in message.get_body(("plain",)).get_content()
    assert 'lang="fi"' in message.get_body(("html",)).get_content()


def test_the_e_mail_speaks_german_built_in_and_a_teams_own_texts_when_given(
    app, client, site, mailbox, worker
):
    body = {
        "kind": "nps",
        "question": {"en": "Recommend Acme?", "de": "Würden Sie Acme empfehlen?"},
        "trigger_events": [],
        "texts": {"de": {"mail_hint": "Ein Klick genügt.", "low_label": "Nie"}},
    }
    survey = client.post("/v1/surveys", json=body, headers=site.auth).get_json()["id"]
    person(client, site, locale="de-AT", name="Anna")
    mail_prompt(app, worker, link_prompt(client, site, survey))
    [message] = mailbox.wait_for(1)
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Würden Sie Acme empfehlen?"
    assert "Hallo Anna," in text and "Ein Klick genügt." in text and "Nie" in text
    assert "Sie erhalten diese E-Mail, weil Sie Acme nutzen." in text
    assert 'lang="de"' in message.get_body(("html",)).get_content()


def test_a_locale_without_texts_gets_the_site_default_in_the_e_mail(
    app, client, site, mailbox, worker
):
    client.patch("/v1/site", json={"default_locale": "fi"}, headers=site.auth)
    body = {
        "kind": "nps",
        "question": {"en": "Recommend?", "fi": "Suosittelisitko?", "pt-BR": "Recomendaria?"},
        "trigger_events": [],
    }
    survey = client.post("/v1/surveys", json=body, headers=site.auth).get_json()["id"]
    person(client, site, locale="pt-BR")
    mail_prompt(app, worker, link_prompt(client, site, survey))
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Suosittelisitko?"
    assert "Hei," in message.get_body(("plain",)).get_content()


def test_one_click_unsubscribe_stops_every_further_survey_e_mail(
    app, client, site, nps, mailbox, worker
):
    person(client, site)
    mail_prompt(app, worker, link_prompt(client, site, nps))
    [message] = mailbox.wait_for(1)
    url = message["List-Unsubscribe"].strip("<>")
    assert client.post(local(url), data={"List-Unsubscribe": "One-Click"}).status_code == 200

    other = client.post(
        "/v1/surveys",
        json={"kind": "csat", "question": {"en": "Happy?"}, "trigger_events": []},
        headers=site.auth,
    ).get_json()["id"]
    mail_prompt(app, worker, link_prompt(client, site, other))
    assert len(mailbox.messages) == 1
    assert [m.status for m in mails(app)] == ["sent", "suppressed"]
    listed = client.get("/v1/suppressions", headers=site.auth).get_json()["data"]
    assert [(s["email"], s["reason"]) for s in listed] == [("u1@customer.example", "unsubscribed")]


def test_a_message_is_sent_once_however_often_its_job_runs(app, client, site, nps, mailbox, worker):
    person(client, site)
    prompt_id = link_prompt(client, site, nps)
    for _ in range(3):
        mail_prompt(app, worker, prompt_id)
    assert len(mailbox.wait_for(1)) == 1
    assert [m.status for m in mails(app)] == ["sent"]


def test_a_person_without_an_address_or_an_answered_prompt_gets_nothing(
    app, client, site, nps, mailbox, worker
):
    client.put("/v1/people/u2", json={"name": "No address"}, headers=site.auth)
    mail_prompt(app, worker, link_prompt(client, site, nps, user_id="u2"))
    person(client, site, "u3")
    prompt_id = link_prompt(client, site, nps, user_id="u3")
    url = client.get(f"/v1/prompts/{prompt_id}", headers=site.auth).get_json()["url"]
    client.get(local(url) + "?score=10")  # answered before the mail went out
    mail_prompt(app, worker, prompt_id)
    assert mailbox.messages == []
    assert [m.status for m in mails(app)] == ["no_address"]


def test_a_server_that_puts_the_message_off_gets_it_again_later(
    app, client, site, nps, mailbox, worker
):
    person(client, site)
    mailbox.answer_next_rcpt("451 4.3.0 Try again later")
    mail_prompt(app, worker, link_prompt(client, site, nps))
    [message] = mailbox.wait_for(1)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [row] = mails(app)
    assert (row.status, row.attempts) == ("sent", 2)


def test_an_address_the_server_refuses_for_good_is_suppressed_as_bounced(
    app, client, site, nps, mailbox, worker
):
    person(client, site)
    mailbox.answer_next_rcpt("550 5.1.1 No such user")
    mail_prompt(app, worker, link_prompt(client, site, nps))
    assert mailbox.messages == []
    [row] = mails(app)
    assert row.status == "bounced"
    [suppressed] = client.get("/v1/suppressions", headers=site.auth).get_json()["data"]
    assert (suppressed["email"], suppressed["reason"]) == ("u1@customer.example", "bounced")
    assert "550" in suppressed["detail"]


def test_a_suppression_on_another_site_does_not_stop_this_sites_mail(
    app, client, site, other_site, nps, mailbox, worker
):
    client.post("/v1/suppressions", json={"email": "u1@customer.example"}, headers=other_site.auth)
    person(client, site)
    mail_prompt(app, worker, link_prompt(client, site, nps))
    assert len(mailbox.wait_for(1)) == 1


def test_a_server_that_keeps_putting_it_off_ends_as_failed(app, client, site, nps, mailbox, worker):
    person(client, site)
    for _ in range(3):  # the first try and both retries of MAIL_RETRY_SCHEDULE
        mailbox.answer_next_rcpt("451 4.3.0 Try again later")
    mail_prompt(app, worker, link_prompt(client, site, nps))
    assert mailbox.messages == []
    [row] = mails(app)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "451" in row.last_error
    assert client.get("/v1/suppressions", headers=site.auth).get_json()["data"] == []


def test_a_message_whose_worker_died_while_sending_goes_out_with_the_sweep(
    app, client, site, nps, mailbox, worker
):
    person(client, site)
    prompt_id = link_prompt(client, site, nps)
    with app.extensions["fiilis.sessionmaker"]() as db:  # claimed, then the worker was killed
        db.add(
            SurveyMail(
                prompt_id=prompt_id,
                site_id=site.site_id,
                survey_id=nps,
                kind="ask",
                email="u1@customer.example",
                status="sending",
                attempts=1,
                leased_until=utcnow() - timedelta(seconds=1),
                created_at=utcnow(),
            )
        )
        db.commit()
    with app.app_context():
        assert survey_mail.sweep() == 1
    worker.drain()
    assert len(mailbox.wait_for(1)) == 1
    with app.app_context():
        assert survey_mail.sweep() == 0
    [row] = mails(app)
    assert (row.status, row.attempts) == ("sent", 2)
