"""``/v1/alerts``: Slack and e-mail alert rules, on SQLite and PostgreSQL."""

import pytest

from tests.api.test_surveys import CSAT, assert_error

# A public address literal: the suite runs without DNS; names are resolved by the same guard.
SLACK = "https://93.184.216.34/services/T000/B000/XXXXXXXX"


def create(client, site, **fields):
    body = {"channel": "slack", "target": SLACK, **fields}
    return client.post("/v1/alerts", json=body, headers=site.auth)


@pytest.fixture
def survey_id(client, site):
    return client.post("/v1/surveys", json=CSAT, headers=site.auth).get_json()["id"]


def test_slack_alert_for_low_scores_of_one_survey_is_stored_as_given(client, site, survey_id):
    resp = create(client, site, filter={"survey": survey_id, "max_score": 2})
    assert resp.status_code == 201, resp.get_json()
    alert = resp.get_json()
    assert alert["id"].startswith("alr_")
    assert alert["channel"] == "slack"
    assert alert["target"] == SLACK
    assert alert["filter"] == {"survey": survey_id, "max_score": 2}
    assert alert["digest"] is None
    assert alert["active"] is True
    assert client.get(f"/v1/alerts/{alert['id']}", headers=site.auth).get_json() == alert


def test_email_alert_addresses_are_normalised_and_deduplicated(client, site):
    resp = create(
        client,
        site,
        channel="email",
        target="Support@Example.COM, ops@example.com; support@example.com",
        digest="weekly",
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["target"] == "support@example.com, ops@example.com"
    assert resp.get_json()["digest"] == "weekly"


def test_alerts_are_listed_newest_first_and_paged(client, site):
    ids = [create(client, site).get_json()["id"] for _ in range(3)]
    first = client.get("/v1/alerts?limit=2", headers=site.auth).get_json()
    assert [a["id"] for a in first["data"]] == ids[::-1][:2]
    assert first["has_more"] is True
    rest = client.get(f"/v1/alerts?cursor={first['next_cursor']}", headers=site.auth).get_json()
    assert [a["id"] for a in rest["data"]] == [ids[0]]


def test_alert_can_be_changed_paused_and_deleted(client, site):
    alert_id = create(client, site).get_json()["id"]
    changed = client.patch(
        f"/v1/alerts/{alert_id}",
        json={"active": False, "filter": {"has_comment": True}},
        headers=site.auth,
    ).get_json()
    assert changed["active"] is False
    assert changed["filter"] == {"has_comment": True}
    assert changed["target"] == SLACK

    resp = client.delete(f"/v1/alerts/{alert_id}", headers=site.auth)
    assert resp.get_json() == {"id": alert_id, "deleted": True}
    assert_error(client.get(f"/v1/alerts/{alert_id}", headers=site.auth), 404, "not_found")


def test_switching_channel_needs_a_target_of_that_channel(client, site):
    alert_id = create(client, site).get_json()["id"]
    resp = client.patch(f"/v1/alerts/{alert_id}", json={"channel": "email"}, headers=site.auth)
    assert_error(resp, 422, param="target")
    resp = client.patch(
        f"/v1/alerts/{alert_id}", json={"channel": "email", "target": SLACK}, headers=site.auth
    )
    assert_error(resp, 422, "invalid_target", "target")
    resp = client.patch(
        f"/v1/alerts/{alert_id}",
        json={"channel": "email", "target": "team@example.com"},
        headers=site.auth,
    )
    assert resp.get_json()["channel"] == "email"
    assert resp.get_json()["target"] == "team@example.com"


def test_one_site_never_sees_or_changes_another_sites_alerts(client, site, other_site):
    alert_id = create(client, site).get_json()["id"]
    assert client.get("/v1/alerts", headers=other_site.auth).get_json()["data"] == []
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"active": False}} if method == "patch" else {}
        resp = getattr(client, method)(f"/v1/alerts/{alert_id}", headers=other_site.auth, **kwargs)
        assert_error(resp, 404, "not_found")
    assert client.get(f"/v1/alerts/{alert_id}", headers=site.auth).get_json()["active"] is True


def test_filter_on_another_sites_survey_is_refused(client, site, other_site):
    theirs = client.post("/v1/surveys", json=CSAT, headers=other_site.auth).get_json()["id"]
    assert_error(create(client, site, filter={"survey": theirs}), 422, param="filter.survey")


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"channel": "sms"}, "channel"),
        ({"target": ""}, "target"),
        ({"channel": "email", "target": "not an address"}, "target"),
        ({"filter": {"min_score": 5, "max_score": 2}}, "filter.min_score"),
        ({"filter": {"max_score": 11}}, "filter.max_score"),
        ({"filter": {"colour": "red"}}, "filter.colour"),
        ({"digest": "hourly"}, "digest"),
        ({"target": "ftp://hooks.slack.com/x"}, "target"),
        ({"target": "https://user:pw@hooks.slack.com/x"}, "target"),
    ],
)
def test_invalid_alert_is_refused_with_the_field_named(client, site, fields, param):
    err = assert_error(create(client, site, **fields), 422, param=param)
    assert err["message"].startswith(param)
    assert client.get("/v1/alerts", headers=site.auth).get_json()["data"] == []


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost:8443/hook",
    ],
)
def test_slack_url_to_a_private_address_is_refused(client, site, url):
    err = assert_error(create(client, site, target=url), 422, "invalid_target", "target")
    assert "address" in err["message"]


def test_plain_http_slack_url_is_refused_outside_development(client, site):
    assert_error(create(client, site, target="http://hooks.slack.com/x"), 422, param="target")


@pytest.mark.parametrize("allow", [True])
def test_private_slack_url_is_accepted_when_the_dev_flag_allows_it(app, client, site, allow):
    app.config["ALLOW_PRIVATE_WEBHOOKS"] = allow
    resp = create(client, site, target="http://127.0.0.1:9/hook")
    assert resp.status_code == 201, resp.get_json()


def test_alerts_need_the_secret_key(client, site):
    assert_error(client.get("/v1/alerts"), 401, "missing_api_key")
    assert_error(
        client.post("/v1/alerts", json={}, headers={"Authorization": f"Bearer {site.public_key}"}),
        401,
        "invalid_api_key",
    )
