"""The surveys endpoints of the management API, on SQLite and PostgreSQL."""

import base64
import json

import pytest

CSAT = {
    "kind": "csat",
    "name": "After payment",
    "question": {"en": "How satisfied are you with paying invoices?", "fi": "Kuinka tyytyväinen?"},
    "followup": {"en": "What could we do better?"},
    "trigger_events": ["invoice.paid"],
}


def create(client, site, **overrides):
    return client.post("/v1/surveys", json={**CSAT, **overrides}, headers=site.auth)


def assert_error(resp, status, code=None, param=None):
    assert resp.status_code == status, resp.get_json()
    err = resp.get_json()["error"]
    assert set(err) >= {"type", "code", "message", "request_id"}
    assert err["request_id"] == resp.headers["X-Request-Id"]
    if code:
        assert err["code"] == code
    if param:
        assert err["param"] == param
    return err


def test_created_survey_gets_defaults_and_its_scale(client, site):
    resp = create(client, site)
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["id"].startswith("srv_")
    assert body["scale"] == {"min": 1, "max": 5}
    assert body["sample_rate"] == 1.0
    assert body["recontact_days"] == 90
    assert body["dismiss_snooze_days"] == 30
    assert body["active"] is True
    assert body["question"]["fi"] == "Kuinka tyytyväinen?"


@pytest.mark.parametrize(("kind", "scale"), [("ces", [1, 7]), ("nps", [0, 10])])
def test_scale_follows_the_kind(client, site, kind, scale):
    body = create(client, site, kind=kind).get_json()
    assert [body["scale"]["min"], body["scale"]["max"]] == scale


def test_survey_without_name_is_named_after_its_question(client, site):
    data = {k: v for k, v in CSAT.items() if k != "name"}
    body = client.post("/v1/surveys", json=data, headers=site.auth).get_json()
    assert body["name"] == CSAT["question"]["en"]


def test_survey_can_be_read_changed_and_archived(client, site):
    sid = create(client, site).get_json()["id"]
    assert client.get(f"/v1/surveys/{sid}", headers=site.auth).get_json()["kind"] == "csat"

    resp = client.patch(f"/v1/surveys/{sid}", json={"sample_rate": 0.25}, headers=site.auth)
    assert resp.status_code == 200
    assert resp.get_json()["sample_rate"] == 0.25
    assert resp.get_json()["trigger_events"] == ["invoice.paid"]  # untouched fields stay

    resp = client.delete(f"/v1/surveys/{sid}", headers=site.auth)
    assert resp.status_code == 200
    assert resp.get_json()["active"] is False
    assert resp.get_json()["archived_at"]
    listed = client.get("/v1/surveys", headers=site.auth).get_json()["data"]
    assert sid not in [s["id"] for s in listed]
    listed = client.get("/v1/surveys?include_archived=true", headers=site.auth).get_json()["data"]
    assert sid in [s["id"] for s in listed]


def test_kind_cannot_change_once_created(client, site):
    sid = create(client, site).get_json()["id"]
    resp = client.patch(f"/v1/surveys/{sid}", json={"kind": "nps"}, headers=site.auth)
    assert_error(resp, 422, "kind_immutable", "kind")


def test_list_pages_through_every_survey_once(client, site):
    made = {create(client, site, name=f"s{i}").get_json()["id"] for i in range(7)}
    seen, cursor = [], None
    while True:
        url = "/v1/surveys?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=site.auth).get_json()
        seen += [s["id"] for s in page["data"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(made)


def test_a_garbled_cursor_is_a_validation_error(client, site):
    assert_error(client.get("/v1/surveys?cursor=zzz", headers=site.auth), 422, param="cursor")


def _cursor(created_at: str, id: str = "srv_x") -> str:
    raw = json.dumps([created_at, id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "created_at", ["2025-03-01T12:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00"]
)
@pytest.mark.parametrize("path", ["/v1/surveys", "/v1/responses"])
def test_a_cursor_the_api_never_made_is_a_validation_error(client, site, path, created_at):
    # A cursor carries an aware instant the database can hold; anything else is not ours.
    resp = client.get(path, query_string={"cursor": _cursor(created_at)}, headers=site.auth)
    assert_error(resp, 422, "validation_failed", param="cursor")


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"kind": "stars"}, "kind"),
        ({"question": {"fi": "Vain suomeksi"}}, "question"),
        ({"question": {"en": ""}}, "question.en.value"),
        ({"sample_rate": 1.5}, "sample_rate"),
        ({"recontact_days": -1}, "recontact_days"),
        ({"dismiss_snooze_days": -3}, "dismiss_snooze_days"),
        ({"trigger_events": ["Invoice Paid"]}, "trigger_events.0"),
        ({"trigger_events": ["x" * 65]}, "trigger_events.0"),
        ({"targeting": [{"trait": "plan", "op": "gte", "value": "pro"}]}, "targeting.0.value"),
        ({"targeting": [{"trait": "plan", "op": "like", "value": "pro"}]}, "targeting.0.op"),
        ({"max_responses": 0}, "max_responses"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_survey_is_refused_naming_the_field(client, site, change, param):
    resp = create(client, site, **change)
    err = assert_error(resp, 422, "validation_failed")
    assert err["param"].startswith(param), err
    assert client.get("/v1/surveys", headers=site.auth).get_json()["data"] == []


def test_a_valid_targeting_rule_is_kept(client, site):
    rules = [
        {"trait": "plan", "op": "in", "value": ["pro", "team"]},
        {"trait": "seats", "op": "gte", "value": 5},
    ]
    assert create(client, site, targeting=rules).get_json()["targeting"] == rules


def test_another_sites_survey_is_not_found(client, site, other_site):
    sid = create(client, site).get_json()["id"]
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        resp = getattr(client, method)(f"/v1/surveys/{sid}", headers=other_site.auth, **kwargs)
        assert_error(resp, 404, "not_found")
    assert client.get("/v1/surveys", headers=other_site.auth).get_json()["data"] == []
    assert client.get(f"/v1/surveys/{sid}", headers=site.auth).get_json()["name"] == CSAT["name"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/v1/surveys"),
        ("get", "/v1/surveys"),
        ("get", "/v1/surveys/srv_x"),
        ("patch", "/v1/surveys/srv_x"),
        ("delete", "/v1/surveys/srv_x"),
        ("get", "/v1/site"),
        ("patch", "/v1/site"),
    ],
)
@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_api_key"),
        ({"Authorization": "Bearer sk_wrong"}, "invalid_api_key"),
        ({"Authorization": "Basic abc"}, "missing_api_key"),
    ],
)
def test_management_api_needs_a_valid_secret_key(client, site, method, path, headers, code):
    resp = getattr(client, method)(path, headers=headers, json={})
    assert_error(resp, 401, code)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_public_key_does_not_open_the_management_api(client, site):
    resp = client.get("/v1/surveys", headers={"Authorization": f"Bearer {site.public_key}"})
    assert_error(resp, 401, "invalid_api_key")


def test_non_json_body_is_refused(client, site):
    resp = client.post(
        "/v1/surveys",
        data="kind=csat",
        headers=site.auth,
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(resp, 415, "unsupported_media_type")
    resp = client.post(
        "/v1/surveys", data="{not json", headers=site.auth, content_type="application/json"
    )
    assert_error(resp, 400, "invalid_json")
    resp = client.post(
        "/v1/surveys", data="[1, 2]", headers=site.auth, content_type="application/json"
    )
    assert_error(resp, 400, "invalid_json")


def test_body_over_64_kb_is_refused_and_nothing_is_stored(client, site):
    big = {**CSAT, "name": "x" * (65 * 1024)}
    resp = client.post("/v1/surveys", json=big, headers=site.auth)
    assert_error(resp, 413, "body_too_large")
    assert client.get("/v1/surveys", headers=site.auth).get_json()["data"] == []


def test_a_quota_beyond_what_the_database_holds_is_refused(client, site):
    body = {"kind": "nps", "question": {"en": "Q?"}, "max_responses": 2**63}
    resp = client.post("/v1/surveys", json=body, headers=site.auth)
    assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
    assert resp.get_json()["error"]["param"] == "max_responses"
