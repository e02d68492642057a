"""The dashboard's Connections page: alerts with their filters, and the account's digest."""

from __future__ import annotations

import html
import re

import pytest

from tests.api.test_dashboard import log_in, make_account, token
from tests.factories import Rows

SLACK = "https://93.184.216.34/services/T000/B000/XXXXXXXX"  # public literal: no DNS in the suite


@pytest.fixture
def user(client, app, site):
    assert log_in(client, make_account(app, site)).status_code == 302
    return client


def page(client, path="/dashboard/connections") -> str:
    resp = client.get(path)
    assert resp.status_code == 200
    return html.unescape(resp.get_data(as_text=True))


def post(client, path, **data):
    return client.post(path, data={"csrf_token": token(client, "/dashboard/connections"), **data})


def test_connections_page_is_in_the_navigation_and_starts_empty(user):
    text = page(user, "/dashboard/")
    assert 'href="/dashboard/connections"' in text
    assert "No alerts yet" in page(user)


def test_a_slack_alert_for_detractors_with_a_comment_is_added_and_listed(user, app, site, client):
    nps = Rows(app, site).survey("nps", name="Checkout NPS")
    resp = post(
        user,
        "/dashboard/connections/alerts",
        channel="slack",
        target=SLACK,
        survey=nps,
        max_score="6",
        min_score="",
        has_comment="yes",
        digest="",
    )
    assert resp.status_code == 302
    text = page(user, resp.headers["Location"])
    assert "Alert added." in text
    assert "Checkout NPS · scores up to 6 · with a comment" in text
    assert "93.184.216.34/…XXXXXX" in text
    assert SLACK not in text  # the URL is a credential: the page shows its host and ending
    api = client.get("/v1/alerts", headers=site.auth).get_json()["data"]
    assert [(a["channel"], a["target"], a["filter"]) for a in api] == [
        ("slack", SLACK, {"survey": nps, "max_score": 6, "has_comment": True})
    ]


def test_a_private_slack_url_is_refused_next_to_the_field_and_the_form_keeps_its_values(user):
    resp = post(
        user,
        "/dashboard/connections/alerts",
        channel="slack",
        target="https://169.254.169.254/latest",
        max_score="6",
    )
    assert resp.status_code == 422
    text = html.unescape(resp.get_data(as_text=True))
    assert 'id="target-error"' in text and "link-local" in text
    assert 'value="https://169.254.169.254/latest"' in text
    assert 'aria-invalid="true"' in text
    assert "No alerts yet" in text


def test_a_bad_score_range_is_refused_with_its_field(user):
    resp = post(
        user,
        "/dashboard/connections/alerts",
        channel="email",
        target="team@example.com",
        min_score="7",
        max_score="3",
    )
    assert resp.status_code == 422
    assert 'id="filter-min_score-error"' in resp.get_data(as_text=True)


def test_an_alert_can_be_paused_resumed_and_deleted(user, client, site):
    post(user, "/dashboard/connections/alerts", channel="email", target="team@example.com")
    (alert,) = client.get("/v1/alerts", headers=site.auth).get_json()["data"]
    base = f"/dashboard/connections/alerts/{alert['id']}"
    assert "Alert paused" in page(user, post(user, f"{base}/active").headers["Location"])
    assert client.get(f"/v1/alerts/{alert['id']}", headers=site.auth).get_json()["active"] is False
    post(user, f"{base}/active", active="on")
    assert client.get(f"/v1/alerts/{alert['id']}", headers=site.auth).get_json()["active"] is True
    assert "Alert deleted" in page(user, post(user, f"{base}/delete").headers["Location"])
    assert client.get("/v1/alerts", headers=site.auth).get_json()["data"] == []


def test_another_sites_alert_cannot_be_touched_from_this_dashboard(user, client, other_site):
    made = client.post(
        "/v1/alerts",
        json={"channel": "email", "target": "them@example.org"},
        headers=other_site.auth,
    ).get_json()
    assert post(user, f"/dashboard/connections/alerts/{made['id']}/delete").status_code == 404
    assert "them@example.org" not in page(user)
    assert client.get(f"/v1/alerts/{made['id']}", headers=other_site.auth).status_code == 200


def test_posting_without_the_csrf_token_changes_nothing(user, client, site):
    resp = user.post(
        "/dashboard/connections/alerts", data={"channel": "email", "target": "team@example.com"}
    )
    assert resp.status_code == 400
    assert client.get("/v1/alerts", headers=site.auth).get_json()["data"] == []


def test_the_digest_is_opted_in_with_its_schedule_and_turned_off(user):
    resp = post(
        user,
        "/dashboard/connections/digest",
        frequency="weekly",
        weekday="4",
        hour="9",
        tz="Europe/Helsinki",
    )
    text = page(user, resp.headers["Location"])
    assert "Digest saved." in text
    assert '<option value="weekly" selected>' in text
    assert '<option value="4" selected>Friday' in text
    assert '<option value="9" selected>09:00' in text
    assert "<option selected>Europe/Helsinki</option>" in text

    text = page(
        user, post(user, "/dashboard/connections/digest", frequency="off").headers["Location"]
    )
    assert "Digest turned off." in text
    assert '<option value="off" selected>' in text


def test_an_unknown_time_zone_is_refused(user):
    resp = post(
        user,
        "/dashboard/connections/digest",
        frequency="daily",
        weekday="0",
        hour="8",
        tz="Mars/Olympus",
    )
    assert resp.status_code == 422
    assert 'id="tz-error"' in resp.get_data(as_text=True)


def test_send_a_test_posts_a_sample_and_shows_slacks_refusal(user, app):
    from tests.slack import SlackStandIn

    app.config["ALLOW_PRIVATE_WEBHOOKS"] = True  # the stand-in is on loopback
    slack = SlackStandIn().start()
    try:
        post(user, "/dashboard/connections/alerts", channel="slack", target=slack.url)
        alert_id = re.search(r"/dashboard/connections/alerts/(alr_\w+)/test", page(user)).group(1)
        resp = post(user, f"/dashboard/connections/alerts/{alert_id}/test")
        assert "Test sent" in page(user, resp.headers["Location"])
        assert len(slack.wait_for(1)) == 1
        slack.answer_with(403, "invalid_token")
        resp = post(user, f"/dashboard/connections/alerts/{alert_id}/test")
        assert resp.status_code == 502
        text = html.unescape(resp.get_data(as_text=True))
        assert "The test was not delivered" in text and "invalid_token" in text
    finally:
        slack.stop()


def test_webhooks_show_their_delivery_log_and_a_failed_one_is_replayed(
    user, app, client, site, worker
):
    from tests.api.test_webhooks import answered
    from tests.receivers import Receiver

    app.config.update(ALLOW_PRIVATE_WEBHOOKS=True, WEBHOOK_RETRY_SCHEDULE=[0.2])
    prompting_survey = client.post(
        "/v1/surveys",
        json={"kind": "csat", "question": {"en": "How?"}, "trigger_events": ["invoice.paid"]},
        headers=site.auth,
    ).get_json()
    receiver = Receiver().start()
    try:
        receiver.answer(500)  # every try fails, until the receiver is fixed
        made = client.post(
            "/v1/webhooks",
            json={"url": receiver.url(), "events": ["response.created"]},
            headers=site.auth,
        ).get_json()
        answered(client, site, 2)
        worker.drain(timeout=30)
        text = page(user)
        assert receiver.url() in text and "response.created" in text
        log = page(user, f"/dashboard/connections/webhooks/{made['id']}")
        assert "Failed" in log and "500" in log
        delivery_id = re.search(r"/deliveries/(dlv_\w+)/retry", log).group(1)
        receiver.answer(200)

        resp = post(
            user, f"/dashboard/connections/webhooks/{made['id']}/deliveries/{delivery_id}/retry"
        )
        assert resp.status_code == 302
        worker.drain(timeout=30)
        got = receiver.wait_for(3)  # the failed tries, then the replay
        assert {r.headers["webhook-id"] for r in got} == {got[0].headers["webhook-id"]}
        log = page(user, resp.headers["Location"])
        assert "Replay queued" in log and "Delivered" in log and "Failed" not in log
    finally:
        receiver.stop()
    assert prompting_survey["id"]
