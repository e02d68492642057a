"""Webhooks (DESIGN §11) end to end: the API, the worker, a real receiver on localhost, signatures
checked by the `standardwebhooks` library and by the SDK's ``verify``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import fiilis
import pytest
from sqlalchemy import update
from standardwebhooks.webhooks import Webhook as StandardWebhook

from collector import db, outbox
from collector.models import OutboxEvent, WebhookDelivery, WebhookEndpoint, utcnow
from collector.webhooks import delivery as sending
from tests.api.prompting import answer, ask, call, make_survey


@pytest.fixture
def app_config(app_config):
    # Receivers in tests are on loopback; the retry schedule is compressed to seconds.
    return {
        **app_config,
        "ALLOW_PRIVATE_WEBHOOKS": True,
        "WEBHOOK_RETRY_SCHEDULE": [1, 1],
    }


@pytest.fixture
def csat(client, site):
    return make_survey(client, site, "csat")


def hook(client, site, url, events=("response.created",), **fields):
    resp = client.post(
        "/v1/webhooks", json={"url": url, "events": list(events), **fields}, headers=site.auth
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def answered(client, site, score, *, comment=None, user_id="u1", before_comment=None):
    prompt = ask(client, site, user_id=user_id)
    resp = answer(client, prompt, score)
    assert resp.status_code == 201, resp.get_json()
    response_id = resp.get_json()["id"]
    if before_comment is not None:
        before_comment()
    if comment is not None:
        patched = call(
            client,
            f"/v1/widget/responses/{response_id}",
            {"token": prompt["token"], "comment": comment},
            method="PATCH",
        )
        assert patched.status_code == 200
    return response_id


def verified(request, secret):
    """The event, checked by both verifiers; they must agree."""
    standard = StandardWebhook(secret).verify(request.body, request.headers)
    ours = fiilis.webhooks.verify(request.body, request.headers, secret)
    assert standard == ours.raw
    return ours


def deliveries(client, site, webhook_id, **params):
    resp = client.get(
        f"/v1/webhooks/{webhook_id}/deliveries", query_string=params, headers=site.auth
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["data"]


def wait_until(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


# -- the API -------------------------------------------------------------------------------------


def test_the_secret_is_shown_once_at_creation(client, site, receiver):
    made = hook(client, site, receiver.url(), description="CRM")
    assert made["secret"].startswith("whsec_")
    assert made["id"].startswith("whk_") and made["active"] is True
    read = client.get(f"/v1/webhooks/{made['id']}", headers=site.auth).get_json()
    assert "secret" not in read and read["description"] == "CRM"
    listed = client.get("/v1/webhooks", headers=site.auth).get_json()
    assert [w["id"] for w in listed["data"]] == [made["id"]]
    assert "secret" not in listed["data"][0]


def test_another_sites_webhook_is_not_found(client, site, other_site, receiver):
    made = hook(client, site, receiver.url())
    for method, path in [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/rotate"),
        ("POST", "/test"),
        ("GET", "/deliveries"),
    ]:
        resp = client.open(
            f"/v1/webhooks/{made['id']}{path}",
            method=method,
            json={"active": False} if method == "PATCH" else None,
            headers=other_site.auth,
        )
        assert resp.status_code == 404, (method, path)


@pytest.mark.parametrize(
    "body, param",
    [
        ({"url": "ftp://example.com/x", "events": ["response.created"]}, "url"),
        ({"url": "https://example.com/x", "events": []}, "events"),
        ({"url": "https://example.com/x", "events": ["response.deleted"]}, "events.0"),
        ({"url": "https://u:p@example.com/x", "events": ["response.created"]}, "url"),
        (
            {
                "url": "https://example.com/x",
                "events": ["response.created"],
                "filter": {"min_score": 5, "max_score": 2},
            },
            "filter.max_score",
        ),
    ],
)
def test_a_bad_webhook_is_refused_with_the_field_named(client, site, body, param):
    resp = client.post("/v1/webhooks", json=body, headers=site.auth)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["param"] == param


def test_a_filter_names_a_survey_of_this_site(client, site, other_site, receiver):
    theirs = make_survey(client, other_site, "nps")
    resp = client.post(
        "/v1/webhooks",
        json={
            "url": receiver.url(),
            "events": ["response.created"],
            "filter": {"survey": theirs["id"]},
        },
        headers=site.auth,
    )
    assert resp.status_code == 404 and resp.get_json()["error"]["param"] == "filter.survey"


# -- what arrives --------------------------------------------------------------------------------


def test_a_receiver_gets_exactly_the_events_it_subscribed_to(client, site, csat, receiver, worker):
    created_only = hook(client, site, receiver.url("/created"), ["response.created"])
    changes = hook(client, site, receiver.url("/changes"), ["response.updated", "followup.updated"])
    response_id = answered(client, site, 2, comment="Slow export")
    client.patch(
        f"/v1/responses/{response_id}", json={"followup_status": "closed"}, headers=site.auth
    )
    worker.drain()
    by_path = {"/created": [], "/changes": []}
    for request in receiver.requests:
        secret = created_only["secret"] if request.path == "/created" else changes["secret"]
        by_path[request.path].append(verified(request, secret))
    assert [e.type for e in by_path["/created"]] == ["response.created"]
    assert sorted(e.type for e in by_path["/changes"]) == ["followup.updated", "response.updated"]
    event = by_path["/created"][0]
    assert event.data["id"] == response_id and event.data["score"] == 2
    shown = client.get(f"/v1/responses/{response_id}", headers=site.auth).get_json()
    closed = next(e for e in by_path["/changes"] if e.type == "followup.updated")
    assert closed.data == shown  # the API's own object
    assert len(receiver.requests) == 3


def test_a_filter_sends_only_the_responses_it_names(client, site, csat, receiver, worker):
    other = make_survey(client, site, "csat", trigger_events=["ticket.closed"])
    made = hook(
        client,
        site,
        receiver.url(),
        ["response.created", "response.updated"],
        filter={"survey": csat["id"], "max_score": 3, "has_comment": True},
    )
    # Each score is sent before its comment arrives, as in a browser.
    drain = worker.drain
    answered(client, site, 5, comment="Great", user_id="happy", before_comment=drain)  # too high
    low_silent = answered(client, site, 1, user_id="silent")  # no comment
    low_talking = answered(client, site, 2, comment="Broken", user_id="talks", before_comment=drain)
    prompt = ask(client, site, event="ticket.closed", user_id="elsewhere")  # other survey
    assert answer(client, prompt, 1).status_code == 201
    worker.drain()
    events = [verified(r, made["secret"]) for r in receiver.requests]
    assert [(e.type, e.data["id"]) for e in events] == [("response.updated", low_talking)]
    assert low_silent not in {e.data["id"] for e in events}
    assert other["id"] not in {e.data["survey"] for e in events}


def test_verify_refuses_a_tampered_body_a_wrong_secret_and_an_old_timestamp(
    client, site, csat, receiver, worker
):
    made = hook(client, site, receiver.url())
    answered(client, site, 4)
    worker.drain()
    [request] = receiver.requests
    assert verified(request, made["secret"]).type == "response.created"
    tampered = request.body.replace(b'"score":4', b'"score":1')
    assert tampered != request.body
    with pytest.raises(fiilis.WebhookVerificationError):
        fiilis.webhooks.verify(tampered, request.headers, made["secret"])
    other = hook(client, site, receiver.url("/other"))["secret"]
    with pytest.raises(fiilis.WebhookVerificationError):
        fiilis.webhooks.verify(request.body, request.headers, other)
    sent_at = int(request.headers["webhook-timestamp"])
    with pytest.raises(fiilis.WebhookVerificationError, match="too old"):
        fiilis.webhooks.verify(request.body, request.headers, made["secret"], now=sent_at + 600)


def test_a_test_delivery_arrives_whatever_the_webhook_subscribes_to(client, site, receiver, worker):
    made = hook(client, site, receiver.url(), ["followup.updated"])
    resp = client.post(f"/v1/webhooks/{made['id']}/test", headers=site.auth)
    assert resp.status_code == 202 and resp.get_json()["event_type"] == "webhook.test"
    worker.drain()
    [request] = receiver.requests
    event = verified(request, made["secret"])
    assert event.type == "webhook.test" and event.data["webhook"] == made["id"]
    [logged] = deliveries(client, site, made["id"])
    assert logged["status"] == "succeeded" and logged["response_status"] == 200
    assert logged["response_ms"] >= 0 and logged["attempts"] == 1


def test_after_a_rotation_both_secrets_verify_for_a_while(client, site, receiver, worker):
    made = hook(client, site, receiver.url())
    rotated = client.post(f"/v1/webhooks/{made['id']}/rotate", headers=site.auth).get_json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    client.post(f"/v1/webhooks/{made['id']}/test", headers=site.auth)
    worker.drain()
    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split()) == 2
    assert verified(request, rotated["secret"]).type == "webhook.test"
    assert verified(request, made["secret"]).type == "webhook.test"


# -- retries, failure, replay --------------------------------------------------------------------


def test_a_receiver_that_was_down_gets_the_event_once_it_is_up(
    client, site, csat, receiver, worker
):
    made = hook(client, site, receiver.url())
    receiver.stop()
    answered(client, site, 3)
    wait_until(lambda: (deliveries(client, site, made["id"]) or [{}])[0].get("attempts") == 1)
    [pending] = deliveries(client, site, made["id"])
    assert pending["status"] == "pending" and pending["next_attempt_at"] is not None
    assert pending["response_status"] is None and pending["error"]
    receiver.start()
    worker.drain()
    [request] = receiver.requests
    assert verified(request, made["secret"]).id == request.headers["webhook-id"]
    [done] = deliveries(client, site, made["id"])
    assert done["status"] == "succeeded" and done["attempts"] == 2
    assert [t["status"] for t in done["log"]] == [None, 200]


def test_a_receiver_failing_forever_fails_after_the_schedule_and_a_replay_delivers(
    client, site, csat, receiver, worker
):
    made = hook(client, site, receiver.url())
    receiver.answer(500)
    answered(client, site, 3)
    worker.drain()
    assert len(receiver.requests) == 3  # the first try and the schedule's two retries
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    [failed] = deliveries(client, site, made["id"])
    assert failed["status"] == "failed" and failed["attempts"] == 3
    assert failed["response_status"] == 500 and failed["next_attempt_at"] is None
    assert deliveries(client, site, made["id"], status="failed") == [failed]

    receiver.answer(200)
    replay = client.post(
        f"/v1/webhooks/{made['id']}/deliveries/{failed['id']}/retry", headers=site.auth
    )
    assert replay.status_code == 202, replay.get_json()
    worker.drain()
    assert len(receiver.requests) == 4
    replayed = verified(receiver.requests[-1], made["secret"])
    assert replayed.id == receiver.requests[0].headers["webhook-id"]
    assert receiver.requests[-1].body == receiver.requests[0].body  # the same event, as it was
    [done] = deliveries(client, site, made["id"])
    assert done["status"] == "succeeded" and done["attempts"] == 4


def test_410_turns_the_webhook_off(client, site, csat, receiver, worker):
    made = hook(client, site, receiver.url())
    receiver.answer(410)
    answered(client, site, 3, user_id="a")
    worker.drain()
    read = client.get(f"/v1/webhooks/{made['id']}", headers=site.auth).get_json()
    assert read["active"] is False and read["disabled_reason"] == "gone"
    answered(client, site, 4, user_id="b")
    worker.drain()
    assert len(receiver.requests) == 1  # nothing more is sent
    again = client.patch(f"/v1/webhooks/{made['id']}", json={"active": True}, headers=site.auth)
    assert again.get_json()["active"] is True and again.get_json()["disabled_reason"] is None


def test_redirects_are_not_followed(client, site, csat, receiver, worker):
    made = hook(client, site, receiver.url("/old"))
    receiver.answer(302, headers={"Location": receiver.url("/new")})
    answered(client, site, 3)
    worker.drain()
    assert {r.path for r in receiver.requests} == {"/old"}
    [logged] = deliveries(client, site, made["id"])
    assert logged["status"] == "failed" and "redirects are not followed" in logged["error"]


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_try(
    app, client, site, csat, receiver, worker
):
    app.config["WEBHOOK_TIMEOUT"] = 0.5  # 10 s in production
    made = hook(client, site, receiver.url())
    receiver.delay = 2
    answered(client, site, 3)
    wait_until(lambda: (deliveries(client, site, made["id"]) or [{}])[0].get("attempts") == 1)
    receiver.delay = 0
    worker.drain()
    [logged] = deliveries(client, site, made["id"])
    assert logged["log"][0]["error"] == "no answer within 0.5 s"
    assert logged["log"][0]["status"] is None and logged["status"] == "succeeded"


def test_a_webhook_failing_for_3_days_is_turned_off_and_the_admins_told(
    app, client, site, csat, receiver, worker, smtp_server
):
    from collector.services import accounts

    app.config["SMTP_URL"] = smtp_server.url
    with app.app_context():
        from collector.models import Site

        session = db.session()
        owner = session.get(Site, site.site_id)
        accounts.create(session, owner, email="admin@acme.test", password="correct horse battery")
        accounts.create(
            session,
            owner,
            email="editor@acme.test",
            password="correct horse battery",
            role="editor",
        )
    made = hook(client, site, receiver.url())
    receiver.answer(500)
    with app.app_context():
        session = db.session()
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == made["id"])
            .values(failing_since=utcnow() - timedelta(days=3, minutes=1))
        )
        session.commit()
    answered(client, site, 3)
    worker.drain()
    read = client.get(f"/v1/webhooks/{made['id']}", headers=site.auth).get_json()
    assert read["active"] is False and read["disabled_reason"] == "failing"
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "admin@acme.test"  # the site's admins, not its editors
    assert receiver.url() in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "3 days" in text and message.get_body(("html",)) is not None


def test_a_success_clears_the_failing_clock(app, client, site, csat, receiver, worker):
    made = hook(client, site, receiver.url())
    receiver.answer(500, 200)
    answered(client, site, 3)
    worker.drain()
    with app.app_context():
        endpoint = db.session().get(WebhookEndpoint, made["id"])
        assert endpoint.failing_since is None and endpoint.active


# -- the outbox's guarantees, with a real receiver -----------------------------------------------


def test_a_rolled_back_change_sends_nothing(app, client, site, csat, receiver, worker):
    hook(client, site, receiver.url(), ["response.updated"])
    response_id = answered(client, site, 3)
    worker.drain()
    with app.app_context():
        session = db.session()
        outbox.record(session, "response.updated", site.site_id, response_id)
        session.rollback()
    worker.drain()
    assert receiver.requests == []


def test_a_process_killed_between_commit_and_enqueue_is_covered_by_the_sweep(
    app, app_config, client, site, csat, receiver, worker
):
    made = hook(client, site, receiver.url())
    prompt = ask(client, site)
    # Another process stores the answer and dies right after the commit, before the enqueue.
    script = f"""
import json, os, signal, sys
from collector import create_app, jobs
config = json.loads(sys.argv[1])
app = create_app(config)
jobs.Queue.enqueue = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
resp = app.test_client().post(
    "/v1/widget/responses",
    data=json.dumps({{"token": {prompt["token"]!r}, "response_id": "0b7a3f5e-8f1e-4f0e-9d2c-5a8e1c7b9d01", "score": 2}}),
    content_type="text/plain",
    headers={{"Origin": "https://app.example.com"}},
)
print("survived", resp.status_code)
"""
    child = subprocess.run(
        [sys.executable, "-c", script, json.dumps(app_config)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    stored = client.get("/v1/responses/0b7a3f5e-8f1e-4f0e-9d2c-5a8e1c7b9d01", headers=site.auth)
    assert stored.status_code == 200  # the answer was committed
    worker.drain()
    assert receiver.requests == []  # and nothing was queued
    with app.app_context():
        [event] = db.session().query(OutboxEvent).all()
        event_id = event.id
    app.config["OUTBOX_SWEEP_AFTER"] = 0
    worker.run(outbox.sweep)
    [request] = receiver.wait_for(1)
    delivered = verified(request, made["secret"])
    assert delivered.id == event_id and delivered.data["score"] == 2


def test_the_sweep_sends_a_retry_whose_enqueue_was_lost(app, client, site, csat, receiver, worker):
    made = hook(client, site, receiver.url())
    answered(client, site, 3)
    worker.drain()
    # As if a retry had been scheduled and its queue entry lost: pending, due 10 minutes ago.
    with app.app_context():
        session = db.session()
        session.execute(
            update(WebhookDelivery).values(
                status="pending", next_attempt_at=utcnow() - timedelta(minutes=10)
            )
        )
        session.commit()
    worker.run(sending.sweep_deliveries)
    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert deliveries(client, site, made["id"])[0]["status"] == "succeeded"


# -- the address guard ---------------------------------------------------------------------------


PRIVATE_TARGETS = [
    "http://127.0.0.1:9/hooks",
    "http://10.0.0.1/hooks",
    "http://169.254.169.254/latest/meta-data",
    "http://localhost:9/hooks",  # a name that resolves to loopback
    "http://[::1]:9/hooks",
    "http://[::ffff:10.0.0.1]/hooks",
]


@pytest.mark.parametrize("url", PRIVATE_TARGETS)
def test_private_targets_are_refused_at_creation(app, client, site, url):
    app.config["ALLOW_PRIVATE_WEBHOOKS"] = False
    app.config["DEV"] = True  # http:// is fine in development; the address is not
    resp = client.post(
        "/v1/webhooks", json={"url": url, "events": ["response.created"]}, headers=site.auth
    )
    assert resp.status_code == 422, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == "unsafe_url" and error["param"] == "url"
    assert "public addresses only" in error["message"]


def test_http_is_refused_outside_development(app, client, site):
    app.config.update(ALLOW_PRIVATE_WEBHOOKS=False, DEV=False)
    resp = client.post(
        "/v1/webhooks",
        json={"url": "http://hooks.example.com/x", "events": ["response.created"]},
        headers=site.auth,
    )
    assert resp.status_code == 422 and "https://" in resp.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hooks",
        "http://localhost:{port}/hooks",
        "http://10.0.0.1/hooks",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_private_targets_are_refused_at_delivery(app, client, site, csat, receiver, worker, url):
    # Registered while allowed (or the name resolved elsewhere then): checked again at delivery.
    made = hook(client, site, url.format(port=receiver.port))
    app.config["ALLOW_PRIVATE_WEBHOOKS"] = False
    answered(client, site, 3)
    worker.drain()
    assert receiver.requests == []
    [logged] = deliveries(client, site, made["id"])
    assert logged["status"] == "failed" and logged["error"].startswith("refused:")
    assert all(t["status"] is None for t in logged["log"])
