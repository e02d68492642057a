"""The surveys endpoints of the management API, on SQLite and PostgreSQL."""

import base64
import itertools
import json

import pytest

from tests.api.prompting import SECOND, answer, ask, frozen_clock, make_survey

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


# -- the follow-up policy: which bands of a survey open a follow-up ------------------------------


def _status(client, site, response_id: str) -> str:
    resp = client.get(f"/v1/responses/{response_id}", headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["followup_status"]


_users = itertools.count(1)


def _answered(client, site, survey: dict, scores: list[int]) -> list[str]:
    """The follow-up status of each score, answered in the widget by a user of its own."""
    statuses = []
    for score in scores:
        prompt = ask(client, site, user_id=f"policy-{next(_users)}")
        resp = answer(client, prompt, score)
        assert resp.status_code == 201, resp.get_json()
        statuses.append(_status(client, site, resp.get_json()["id"]))
    return statuses


def test_a_new_survey_opens_a_follow_up_for_low_scores_only(client, site):
    survey = make_survey(client, site, "nps")
    assert survey["followup_bands"] == ["low"]
    # Detractor, passive, promoter.
    assert _answered(client, site, survey, [3, 8, 10]) == ["open", "none", "none"]


def test_a_policy_of_low_and_mid_opens_a_neutral_answer_and_not_a_high_one(client, site):
    survey = make_survey(client, site, "csat", followup_bands=["mid", "low"])
    assert survey["followup_bands"] == ["low", "mid"]  # in the scale's order, whatever was sent
    assert _answered(client, site, survey, [3, 5, 1]) == ["open", "none", "open"]


def test_an_empty_policy_opens_nothing(client, site):
    survey = make_survey(client, site, "ces", followup_bands=[])
    assert survey["followup_bands"] == []
    assert _answered(client, site, survey, [1, 7]) == ["none", "none"]


def test_a_changed_policy_applies_to_new_answers_and_leaves_stored_ones(client, site):
    survey = make_survey(client, site, "nps")
    assert _answered(client, site, survey, [2, 10]) == ["open", "none"]
    resp = client.patch(
        f"/v1/surveys/{survey['id']}", json={"followup_bands": ["high"]}, headers=site.auth
    )
    assert resp.status_code == 200 and resp.get_json()["followup_bands"] == ["high"]
    # A PATCH of another field keeps the policy.
    resp = client.patch(f"/v1/surveys/{survey['id']}", json={"priority": 3}, headers=site.auth)
    assert resp.get_json()["followup_bands"] == ["high"]
    stored = client.get(
        "/v1/responses", query_string={"survey": survey["id"]}, headers=site.auth
    ).get_json()["data"]
    assert sorted((r["score"], r["followup_status"]) for r in stored) == [
        (2, "open"),
        (10, "none"),
    ]
    assert _answered(client, site, survey, [2, 10]) == ["none", "open"]


def test_a_link_answer_follows_the_policy_and_a_replaced_score_its_new_band(
    client, site, monkeypatch
):
    clock = frozen_clock(monkeypatch)
    survey = make_survey(client, site, "nps", trigger_events=[])
    body = {"user_id": "mail1", "survey": survey["id"], "channel": "link"}
    url = client.post("/v1/prompts", json=body, headers=site.auth).get_json()["url"]
    path = url.removeprefix("http://localhost")
    assert client.get(path + "?score=0").status_code == 200  # a mail scanner's click first
    (stored,) = client.get("/v1/responses", headers=site.auth).get_json()["data"]
    assert stored["followup_status"] == "open"
    clock.now += 3 * SECOND  # after a scanner's burst (link_page.SCANNER_WINDOW)
    assert client.get(path + "?score=10").status_code == 200  # then the person's own
    assert _status(client, site, stored["id"]) == "none"


def test_imported_answers_follow_the_policy(client, site):
    survey = make_survey(client, site, "nps", followup_bands=["mid"])
    items = [
        {
            "external_id": f"ext-{score}",
            "survey": survey["id"],
            "user_id": f"imported-{score}",
            "score": score,
            "created_at": f"2026-01-0{1 + score % 9}T10:00:00Z",
        }
        for score in (2, 7, 9)
    ]
    resp = client.post(
        "/v1/responses/import",
        data="\n".join(json.dumps(i) for i in items),
        content_type="application/x-ndjson",
        headers=site.auth,
    )
    assert resp.status_code == 200 and resp.get_json()["imported"] == 3, resp.get_json()
    stored = client.get("/v1/responses", headers=site.auth).get_json()["data"]
    assert sorted((r["score"], r["followup_status"]) for r in stored) == [
        (2, "none"),
        (7, "open"),
        (9, "none"),
    ]


@pytest.mark.parametrize(
    "bands",
    [["neutral"], ["low", "promoters"], "low", ["low", "low"], [None], [3], None],
)
def test_a_policy_with_an_unknown_band_is_refused_in_the_error_shape(client, site, bands):
    resp = create(client, site, followup_bands=bands)
    err = assert_error(resp, 422, "validation_failed")
    assert err["param"].startswith("followup_bands"), err
    assert client.get("/v1/surveys", headers=site.auth).get_json()["data"] == []

    sid = create(client, site).get_json()["id"]
    resp = client.patch(f"/v1/surveys/{sid}", json={"followup_bands": bands}, headers=site.auth)
    assert_error(resp, 422, "validation_failed")
    assert client.get(f"/v1/surveys/{sid}", headers=site.auth).get_json()["followup_bands"] == [
        "low"
    ]


@pytest.mark.parametrize(
    "policy", ["", "low", "mid", "high", "low,mid", "low,high", "mid,high", "low,mid,high"]
)
def test_the_database_opens_the_same_answers_as_the_scale_says(app, policy):
    """The widget's answer is stored in one statement that decides the status in SQL: for every
    scale a survey may have and every score on it, it agrees with the bands of ``Scale``."""
    from sqlalchemy import Integer, String, literal, select

    from collector import db
    from collector.domain import followup
    from collector.domain.scales import ALLOWED, DEFAULTS, Scale

    cases = []
    for kind, pairs in ALLOWED.items():
        for low, high in pairs:
            stored = (None, None) if (low, high) == DEFAULTS[kind] else (low, high)
            for bounds in {stored, (low, high)}:
                cases += [(kind, bounds, score) for score in Scale(kind, low, high).points]
    with app.app_context():
        session = db.session()
        for kind, (low, high), score in cases:
            in_sql = session.scalar(
                select(
                    followup.status_sql(
                        literal(kind, String()),
                        literal(low, Integer()),
                        literal(high, Integer()),
                        literal(policy, String()),
                        literal(score, Integer()),
                    )
                )
            )
            scale = Scale.of(kind, low, high)
            assert in_sql == followup.initial_status(scale, policy, score), (kind, low, score)
            assert in_sql == ("open" if scale.band_of(score) in policy.split(",") else "none")
