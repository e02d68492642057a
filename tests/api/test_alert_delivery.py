"""Instant alerts through the real worker: a Slack stand-in and an SMTP server on localhost get
one message per matching answer, with the comment that followed within the grace period."""

from __future__ import annotations

import json
import select as selecting
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from collector import alerting, db, jobs
from collector.models import AlertSend, utcnow
from tests.api import prompting
from tests.receivers import Receiver
from tests.resolver import names
from tests.slack import SlackStandIn
from tests.workers import Worker

GRACE = 1.0  # seconds; the default is two minutes


@pytest.fixture
def slack():
    stand_in = SlackStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def alerting_app(app, smtp_server):
    app.config.update(
        ALERT_GRACE_SECONDS=GRACE,
        ALLOW_PRIVATE_WEBHOOKS=True,  # the receivers are on loopback
        ALERT_RETRY_SCHEDULE=[0.2, 0.2],
        SMTP_URL=smtp_server.url,
        PUBLIC_URL="https://feedback.acme.test",
    )
    return app


def add_alert(client, site, **fields) -> dict:
    resp = client.post("/v1/alerts", json=fields, headers=site.auth)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def answer(client, site, score: int, comment: str | None = None, user_id: str = "u1") -> str:
    """Score in the widget, then (if given) the comment, as the browser sends them."""
    prompt = prompting.ask(client, site, user_id=user_id)
    resp = prompting.answer(client, prompt, score)
    assert resp.status_code == 201, resp.get_json()
    response_id = resp.get_json()["id"]
    if comment is not None:
        resp = prompting.call(
            client,
            f"/v1/widget/responses/{response_id}",
            {"token": prompt["token"], "comment": comment},
            method="PATCH",
        )
        assert resp.status_code == 200, resp.get_json()
    return response_id


def sends(app) -> list[AlertSend]:
    with app.app_context():
        return list(db.session().scalars(select(AlertSend)))


def test_one_slack_message_per_detractor_with_the_comment_that_followed(
    alerting_app, client, site, slack, worker
):
    survey = prompting.make_survey(client, site, "nps", name="Checkout NPS")
    add_alert(client, site, channel="slack", target=slack.url, filter={"max_score": 6})

    first = answer(client, site, 2, "The invoice page timed out", user_id="u1")
    second = answer(client, site, 5, None, user_id="u2")
    worker.drain(timeout=30)

    got = slack.wait_for(2)
    assert len(got) == 2
    by_header = {m["blocks"][0]["text"]["text"]: m for m in got}
    assert set(by_header) == {
        "2 / 10 · Detractor · Checkout NPS",
        "5 / 10 · Detractor · Checkout NPS",
    }
    with_comment = by_header["2 / 10 · Detractor · Checkout NPS"]
    assert with_comment["blocks"][1]["text"]["text"] == "“The invoice page timed out”"
    button = with_comment["blocks"][-1]["elements"][0]
    assert button["url"] == f"https://feedback.acme.test/dashboard/responses/{first}"
    assert by_header["5 / 10 · Detractor · Checkout NPS"]["blocks"][1]["text"]["text"] == (
        "No comment."
    )
    assert {(s.response_id, s.status) for s in sends(alerting_app)} == {
        (first, "sent"),
        (second, "sent"),
    }
    assert survey["id"]


def test_promoters_filtered_out_send_nothing(alerting_app, client, site, slack, worker):
    prompting.make_survey(client, site, "nps")
    add_alert(client, site, channel="slack", target=slack.url, filter={"max_score": 6})
    answer(client, site, 10, "Love it", user_id="u1")
    answer(client, site, 9, None, user_id="u2")
    worker.drain(timeout=30)
    time.sleep(0.3)
    assert slack.messages == []
    assert sends(alerting_app) == []


def test_a_comment_after_the_alert_was_sent_sends_no_second_alert(
    alerting_app, client, site, slack, worker
):
    prompting.make_survey(client, site, "nps")
    add_alert(client, site, channel="slack", target=slack.url, filter={"max_score": 6})
    prompt = prompting.ask(client, site)
    response_id = prompting.answer(client, prompt, 1).get_json()["id"]
    worker.drain(timeout=30)
    assert len(slack.wait_for(1)) == 1
    prompting.call(
        client,
        f"/v1/widget/responses/{response_id}",
        {"token": prompt["token"], "comment": "Too late for the first message"},
        method="PATCH",
    )
    worker.drain(timeout=30)
    time.sleep(0.3)
    assert len(slack.messages) == 1


def test_two_workers_racing_on_one_response_send_one_alert(alerting_app, client, site, slack):
    """The send task run twice at once (two workers, or a retry beside the first try)."""
    import threading

    prompting.make_survey(client, site, "nps")
    alert = add_alert(client, site, channel="slack", target=slack.url)
    response_id = answer(client, site, 3, "Meh")
    outcomes: list[str] = []

    def run():
        with alerting_app.app_context():
            outcomes.append(alerting.send_alert(alert["id"], response_id))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already", "already", "already", "sent"]
    assert len(slack.wait_for(1)) == 1
    time.sleep(0.3)
    assert len(slack.messages) == 1


def test_slack_down_is_retried_and_delivered_once(alerting_app, client, site, slack, worker):
    prompting.make_survey(client, site, "csat")
    add_alert(client, site, channel="slack", target=slack.url, filter={"max_score": 2})
    slack.answer_with(503, "service unavailable")
    response_id = answer(client, site, 1, "Broken")
    worker.drain(timeout=30)
    assert len(slack.wait_for(1)) == 1
    ((send,),) = [[s for s in sends(alerting_app) if s.response_id == response_id]]
    assert (send.status, send.attempts) == ("sent", 2)


def test_slack_refusing_the_message_is_failed_not_retried(
    alerting_app, client, site, slack, worker
):
    prompting.make_survey(client, site, "csat")
    add_alert(client, site, channel="slack", target=slack.url)
    slack.answer_with(404, "no_service")
    answer(client, site, 1)
    worker.drain(timeout=30)
    (send,) = sends(alerting_app)
    assert (send.status, send.attempts) == ("failed", 1)
    assert "404" in send.last_error and "no_service" in send.last_error
    assert slack.messages == []


def test_a_slack_url_pointing_at_loopback_is_refused_at_delivery_too(
    alerting_app, client, site, slack, worker
):
    prompting.make_survey(client, site, "csat")
    add_alert(client, site, channel="slack", target=slack.url)
    alerting_app.config["ALLOW_PRIVATE_WEBHOOKS"] = False  # e.g. the flag was turned off since
    answer(client, site, 1)
    worker.drain(timeout=30)
    (send,) = sends(alerting_app)
    # Refused before connecting (plain http and loopback both need the flag), and not retried.
    assert (send.status, send.attempts) == ("failed", 1)
    assert "https://" in send.last_error
    assert slack.messages == []


def test_a_slack_name_pointed_at_loopback_after_it_was_saved_is_refused_at_delivery(
    alerting_app, client, site, slack, worker
):
    alerting_app.config.update(ALLOW_PRIVATE_WEBHOOKS=False, DEV=True)  # http:// is fine in dev
    name = "hooks.slack-stand-in.test"
    url = slack.url.replace("127.0.0.1", name)
    prompting.make_survey(client, site, "csat")
    with names({name: ["93.184.216.34"]}):  # a public address when the alert is saved
        add_alert(client, site, channel="slack", target=url)
    with names({name: ["127.0.0.1"]}):  # the name points at the inside by the time it is sent
        answer(client, site, 1)
        worker.drain(timeout=30)
    (send,) = sends(alerting_app)
    assert (send.status, send.attempts) == ("failed", 1)
    assert "loopback" in send.last_error
    assert slack.messages == []


def test_a_slack_message_goes_to_the_address_that_was_checked(alerting_app, client, site, worker):
    # DNS rebinding: the name answers one address when it is checked before the POST and another
    # when it is looked up again. The POST goes to the address checked, with the name as Host.
    checked = Receiver(host="127.0.0.2").start()
    rebound = Receiver(host="127.0.0.1", port=checked.port).start()
    name = "hooks.slack-stand-in.test"
    try:
        prompting.make_survey(client, site, "csat")
        with names({name: ["127.0.0.2"]}):
            url = f"http://{name}:{checked.port}/services/T/B/X"
            add_alert(client, site, channel="slack", target=url)
        with names({name: ["127.0.0.2", "127.0.0.1"]}):  # first lookup, then every later one
            answer(client, site, 1)
            worker.drain(timeout=30)
        [got] = checked.wait_for(1)
        assert got.path == "/services/T/B/X"
        assert got.headers["Host"] == f"{name}:{checked.port}"
        assert "blocks" in got.json()
        assert rebound.requests == []
        assert [s.status for s in sends(alerting_app)] == ["sent"]
    finally:
        checked.stop()
        rebound.stop()


def test_an_email_alert_arrives_with_text_and_html_parts(
    alerting_app, client, site, smtp_server, worker
):
    prompting.make_survey(client, site, "csat", name="Support CSAT")
    add_alert(
        client,
        site,
        channel="email",
        target="support@example.com, lead@example.com",
        filter={"max_score": 2, "has_comment": True},
    )
    answer(client, site, 2, None, user_id="u-quiet")  # no comment: filtered out
    response_id = answer(client, site, 1, "Nobody called me back", user_id="u-loud")
    worker.drain(timeout=30)
    (message,) = smtp_server.wait_for(1)
    time.sleep(0.3)
    assert len(smtp_server.messages) == 1
    assert message["To"] == "support@example.com, lead@example.com"
    assert message["Subject"] == "Dissatisfied 1 / 5 on Support CSAT: “Nobody called me back”"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Nobody called me back" in part and "u-loud" in part
        assert f"https://feedback.acme.test/dashboard/responses/{response_id}" in part


def test_the_test_button_posts_a_sample_and_says_when_slack_refuses(
    alerting_app, client, site, slack
):
    alert = add_alert(client, site, channel="slack", target=slack.url)
    resp = client.post(f"/v1/alerts/{alert['id']}/test", headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"id": alert["id"], "sent": True}
    (sample,) = slack.wait_for(1)
    assert sample["blocks"][0]["text"]["text"] == "2 / 10 · Detractor · A test from Fiilis"

    slack.answer_with(403, "invalid_token")
    resp = client.post(f"/v1/alerts/{alert['id']}/test", headers=site.auth)
    assert resp.status_code == 502
    assert "403" in resp.get_json()["error"]["message"]


def test_daily_digest_alert_gathers_the_days_matching_answers_once(
    alerting_app, client, site, slack
):
    from tests.factories import Rows

    rows = Rows(alerting_app, site)
    nps = rows.survey("nps", name="Checkout NPS")
    add_alert(
        client, site, channel="slack", target=slack.url, filter={"max_score": 6}, digest="daily"
    )
    day = datetime(2026, 11, 30, 12, tzinfo=UTC)
    rows.response(nps, 3, comment="Slow", at=day)
    rows.response(nps, 10, comment="Great", at=day)
    rows.response(nps, 1, at=datetime(2026, 11, 29, 12, tzinfo=UTC))  # the day before
    at_eight = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with alerting_app.app_context():
        assert alerting.send_digest_alerts(at_eight) == 1
        assert alerting.send_digest_alerts(at_eight) == 0  # a second run, or worker
    (message,) = slack.wait_for(1)
    assert message["blocks"][0]["text"]["text"] == "Daily alert digest, Mon 30 Nov 2026 (UTC)"
    lines = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert lines == ["3 / 10 · Detractor · Checkout NPS · u1\n“Slow”"]


# -- a send interrupted by a dying worker ---------------------------------------------------------

# A worker process that sends one alert, as the consumer would run the job.
SENDING_WORKER = r"""
import json, sys
from collector import alerting, create_app
config, alert_id, response_id = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
app = create_app(config)
with app.app_context():
    alerting.send_alert(alert_id, response_id)
"""


def test_a_send_cut_off_by_a_killed_worker_is_swept_and_arrives_once(
    alerting_app, app_config, client, site
):
    # A Slack that takes the connection and never reads the request: the message is not taken.
    hanging = socket.create_server(("127.0.0.1", 0))
    port = hanging.getsockname()[1]
    prompting.make_survey(client, site, "csat")
    alert = add_alert(
        client, site, channel="slack", target=f"http://127.0.0.1:{port}/services/T/B/X"
    )
    response_id = answer(client, site, 1, "Too slow")
    config = {**app_config, "ALLOW_PRIVATE_WEBHOOKS": True, "ALERT_SEND_LEASE": 0}
    child = subprocess.Popen(
        [sys.executable, "-c", SENDING_WORKER, json.dumps(config), alert["id"], response_id]
    )
    try:
        deadline = time.monotonic() + 60
        while not selecting.select([hanging], [], [], 0.05)[0]:  # its POST is waiting
            assert child.poll() is None and time.monotonic() < deadline, "no POST came"
        child.kill()  # mid-send: claimed, the request out, no answer yet
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
        hanging.close()
    (send,) = sends(alerting_app)
    assert (send.status, send.attempts) == ("sending", 1)

    slack = SlackStandIn(port=port).start()  # Slack is back on the same address
    running = Worker(alerting_app).start()
    try:
        running.run(alerting.sweep_alert_sends)
        running.drain(timeout=30)  # the answer's own event finds the send taken: nothing more
    finally:
        running.stop()
        slack.stop()
    (message,) = slack.messages
    assert "Too slow" in json.dumps(message)
    (send,) = sends(alerting_app)
    assert (send.status, send.attempts, send.last_error) == ("sent", 2, None)


def test_the_sweep_leaves_a_send_in_progress_alone_and_gives_up_after_the_last_try(
    alerting_app, client, site, slack
):
    prompting.make_survey(client, site, "csat")
    alert = add_alert(client, site, channel="slack", target=slack.url)
    response_id = answer(client, site, 1)
    huey = jobs.queue(alerting_app).huey
    with alerting_app.app_context():
        session = db.session()
        assert alerting._claim(session, alert["id"], response_id) is not None  # a live worker's
        queued = huey.pending_count()
        assert alerting.sweep_alert_sends() == 0  # within its lease: it may be posting right now
        (send,) = sends(alerting_app)
        assert send.status == "sending"

        tries = len(alerting_app.config["ALERT_RETRY_SCHEDULE"]) + 1
        session.execute(AlertSend.__table__.update().values(attempts=tries, leased_until=utcnow()))
        session.commit()
        assert alerting.sweep_alert_sends() == 1
    (send,) = sends(alerting_app)
    assert (send.status, send.last_error) == ("failed", alerting.INTERRUPTED)
    assert huey.pending_count() == queued  # nothing more to try
    assert slack.messages == []


def test_an_email_alert_sent_again_after_an_interrupted_try_is_the_same_message(
    alerting_app, client, site, smtp_server, worker
):
    # The one case where the sweep repeats an alert: the worker died after the mail server took
    # it and before it wrote `sent`. The repeat carries the same Message-ID, so mail clients that
    # collapse duplicates show it once.
    prompting.make_survey(client, site, "csat")
    add_alert(client, site, channel="email", target="support@example.com")
    answer(client, site, 1, "Nobody called me back")
    worker.drain(timeout=30)
    (first,) = smtp_server.wait_for(1)
    with alerting_app.app_context():
        session = db.session()  # as a worker killed just before it recorded the send leaves it
        session.execute(
            AlertSend.__table__.update().values(
                status="sending", sent_at=None, leased_until=utcnow()
            )
        )
        session.commit()
    worker.run(alerting.sweep_alert_sends)
    first, second = smtp_server.wait_for(2)
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].startswith("<alert.")
    (send,) = sends(alerting_app)
    assert (send.status, send.attempts) == ("sent", 2)
