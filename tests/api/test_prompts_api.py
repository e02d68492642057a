"""Backend triggers (``POST /v1/prompts``), reading prompts, and why a user was or was not asked."""

from __future__ import annotations

from datetime import datetime

import pytest

from collector import create_app
from collector.models import IdempotencyKey, Prompt
from tests.api.prompting import (
    DAY,
    SECOND,
    answer,
    ask,
    assert_error,
    call,
    count,
    frozen_clock,
    make_survey,
    mark,
    rows,
    visitor,
)


@pytest.fixture
def clock(monkeypatch):
    return frozen_clock(monkeypatch)


def trigger(client, site, survey, *, headers=None, **fields):
    body = {"user_id": "u42", "survey": survey["id"], **fields}
    return client.post("/v1/prompts", json=body, headers={**site.auth, **(headers or {})})


# -- triggering ----------------------------------------------------------------------------------


def test_a_widget_prompt_waits_for_the_users_next_page_view(client, site):
    survey = make_survey(client, site, "nps", trigger_events=[])
    resp = trigger(client, site, survey, context={"ticket": "T-1"}, traits={"plan": "pro"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert set(body) == {"id", "status", "expires_at"}
    assert body["status"] == "pending"
    expires = datetime.fromisoformat(body["expires_at"])
    got = client.get(f"/v1/prompts/{body['id']}", headers=site.auth).get_json()
    assert got["origin"] == "api"
    assert got["channel"] == "widget"
    assert got["context"] == {"ticket": "T-1"}
    assert datetime.fromisoformat(got["expires_at"]) == expires
    assert (expires - datetime.fromisoformat(got["created_at"])).days == 14

    prompt = call(client, "/v1/widget/session", visitor(site, "u42")).get_json()["prompt"]
    assert prompt["id"] == body["id"]
    assert answer(client, prompt, 9).status_code == 201
    [row] = rows(client.application)
    assert (row.context, row.traits, row.event) == ({"ticket": "T-1"}, {"plan": "pro"}, None)


def test_a_link_prompt_comes_with_its_hosted_answer_page(client, site):
    survey = make_survey(client, site, "nps", trigger_events=[])
    body = trigger(client, site, survey, channel="link").get_json()
    assert body["url"].startswith("http://localhost/r/")
    got = client.get(f"/v1/prompts/{body['id']}", headers=site.auth).get_json()
    assert got["channel"] == "link"
    assert got["url"].startswith("http://localhost/r/")
    assert client.get(body["url"]).status_code == 200


def test_link_urls_use_the_public_url_when_configured(app_config, site):
    client = create_app({**app_config, "PUBLIC_URL": "https://fiilis.example.com/"}).test_client()
    survey = make_survey(client, site, "nps", trigger_events=[])
    url = trigger(client, site, survey, channel="link").get_json()["url"]
    assert url.startswith("https://fiilis.example.com/r/")


def test_backend_triggers_skip_trigger_events_targeting_and_sampling(client, site):
    survey = make_survey(
        client,
        site,
        trigger_events=["invoice.paid"],
        targeting=[{"trait": "plan", "op": "eq", "value": "pro"}],
        sample_rate=0,
    )
    assert trigger(client, site, survey, traits={"plan": "free"}).status_code == 201


def test_fatigue_suppresses_a_trigger_unless_forced(client, site):
    survey = make_survey(client, site)
    assert answer(client, ask(client, site, user_id="u42"), 5).status_code == 201
    resp = trigger(client, site, survey)
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "suppressed", "reason": "answered_recently"}
    assert trigger(client, site, survey, force=True).status_code == 201


def test_an_open_prompt_suppresses_a_second_one_and_says_which(client, site):
    survey = make_survey(client, site)
    first = trigger(client, site, survey).get_json()
    again = trigger(client, site, survey, force=True)
    assert again.status_code == 200
    assert again.get_json() == {
        "status": "suppressed",
        "reason": "already_pending",
        "id": first["id"],
    }


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({"active": False}, "survey_inactive"),
        ({"max_responses": 1}, "quota_reached"),
    ],
)
def test_a_closed_survey_suppresses_even_forced_triggers(client, site, setup, expected):
    survey = make_survey(client, site)
    assert answer(client, ask(client, site, user_id="someone"), 3).status_code == 201
    client.patch(f"/v1/surveys/{survey['id']}", json=setup, headers=site.auth)
    resp = trigger(client, site, survey, force=True)
    assert resp.get_json() == {"status": "suppressed", "reason": expected}


def test_dismissed_recently_and_cooldown_suppress_triggers(client, site):
    survey = make_survey(client, site)
    other = make_survey(client, site, "nps", trigger_events=[])
    mark(client, ask(client, site, user_id="u42"), "dismissed")
    assert trigger(client, site, survey).get_json()["reason"] == "dismissed_recently"
    assert trigger(client, site, other).get_json()["reason"] == "cooldown"


def test_unknown_or_other_sites_surveys_are_not_found(client, site, other_site):
    theirs = make_survey(client, other_site)
    assert_error(trigger(client, site, theirs), 404, param="survey")
    assert_error(trigger(client, site, {"id": "srv_nope"}), 404, param="survey")


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"channel": "sms"}, "channel"),
        ({"context": {f"k{i}": i for i in range(21)}}, "context"),
        ({"traits": {"plan": "x" * 201}}, "traits.plan"),
        ({"user_id": ""}, "user_id"),
    ],
)
def test_trigger_bodies_are_validated(client, site, fields, param):
    survey = make_survey(client, site)
    assert_error(trigger(client, site, survey, **fields), 422, "validation_failed", param)


def test_another_sites_prompt_is_not_found(client, site, other_site):
    theirs = trigger(client, other_site, make_survey(client, other_site)).get_json()
    assert_error(client.get(f"/v1/prompts/{theirs['id']}", headers=site.auth), 404)
    assert_error(client.get("/v1/prompts/prm_nope", headers=site.auth), 404)


def test_an_open_prompt_past_its_expiry_reads_as_expired(client, site, clock):
    survey = make_survey(client, site)
    made = trigger(client, site, survey).get_json()
    clock.now += 14 * DAY
    got = client.get(f"/v1/prompts/{made['id']}", headers=site.auth).get_json()
    assert got["status"] == "expired"


# -- idempotency keys ----------------------------------------------------------------------------


def test_the_same_key_and_body_give_the_stored_answer(client, site):
    survey = make_survey(client, site)
    key = {"Idempotency-Key": "7f1c9a1e-retry-1"}
    first = trigger(client, site, survey, channel="link", headers=key)
    again = trigger(client, site, survey, channel="link", headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(client.application, Prompt) == 1


def test_a_suppressed_answer_is_replayed_with_its_status(client, site):
    survey = make_survey(client, site, active=False)
    key = {"Idempotency-Key": "k-suppressed"}
    first = trigger(client, site, survey, headers=key)
    client.patch(f"/v1/surveys/{survey['id']}", json={"active": True}, headers=site.auth)
    again = trigger(client, site, survey, headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == {"status": "suppressed", "reason": "survey_inactive"}


def test_the_same_key_with_another_body_is_refused(client, site):
    survey = make_survey(client, site)
    key = {"Idempotency-Key": "k-1"}
    assert trigger(client, site, survey, headers=key).status_code == 201
    resp = trigger(client, site, survey, user_id="someone-else", headers=key)
    assert_error(resp, 422, "idempotency_key_reused", "Idempotency-Key")
    assert count(client.application, Prompt) == 1


def test_keys_belong_to_one_site(client, site, other_site):
    key = {"Idempotency-Key": "shared-looking-key"}
    assert trigger(client, site, make_survey(client, site), headers=key).status_code == 201
    assert (
        trigger(client, other_site, make_survey(client, other_site), headers=key).status_code == 201
    )


def test_a_key_is_kept_for_a_day(client, site, clock):
    survey = make_survey(client, site, trigger_events=[])
    key = {"Idempotency-Key": "daily"}
    first = trigger(client, site, survey, headers=key, force=True).get_json()
    clock.now += DAY - SECOND
    assert trigger(client, site, survey, headers=key, force=True).get_json() == first
    clock.now += SECOND
    again = trigger(client, site, survey, headers=key, force=True).get_json()
    assert again == {"status": "suppressed", "reason": "already_pending", "id": first["id"]}
    assert len(rows(client.application, IdempotencyKey)) == 1


def test_an_unusable_key_is_refused(client, site):
    survey = make_survey(client, site)
    resp = trigger(client, site, survey, headers={"Idempotency-Key": "x" * 201})
    assert_error(resp, 422, param="Idempotency-Key")


# -- eligibility ---------------------------------------------------------------------------------


def test_eligibility_lists_every_rule_in_order(client, site):
    survey = make_survey(client, site, targeting=[{"trait": "plan", "op": "eq", "value": "pro"}])
    call(client, "/v1/widget/session", visitor(site, "u42", traits={"plan": "pro"}))
    resp = client.get(f"/v1/eligibility?user_id=u42&survey={survey['id']}", headers=site.auth)
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["user_id"], body["survey"], body["eligible"], body["reason"]) == (
        "u42",
        survey["id"],
        True,
        None,
    )
    assert (body["origin"], body["event"]) == ("event", "invoice.paid")
    assert [r["name"] for r in body["rules"]] == [
        "survey_inactive",
        "not_running",
        "event_not_trigger",
        "page_mismatch",
        "targeting_mismatch",
        "quota_reached",
        "not_sampled",
        "answered_recently",
        "dismissed_recently",
        "cooldown",
        "already_pending",
    ]
    assert all(r["passed"] and not r["skipped"] for r in body["rules"])
    assert body["rules"][4]["detail"] == "the targeting rule matches"


def test_eligibility_says_why_a_user_was_not_asked(client, site):
    survey = make_survey(client, site)
    mark(client, ask(client, site, user_id="u42"), "dismissed")
    body = client.get(
        f"/v1/eligibility?user_id=u42&survey={survey['id']}", headers=site.auth
    ).get_json()
    assert (body["eligible"], body["reason"]) == (False, "dismissed_recently")
    failed = [r["name"] for r in body["rules"] if not r["passed"]]
    assert failed == ["dismissed_recently", "cooldown"]


def test_a_backend_only_survey_is_explained_as_a_backend_trigger(client, site):
    survey = make_survey(client, site, "nps", trigger_events=[])
    body = client.get(
        f"/v1/eligibility?user_id=u1&survey={survey['id']}", headers=site.auth
    ).get_json()
    assert body["origin"] == "api"
    assert body["eligible"] is True
    skipped = [r["name"] for r in body["rules"] if r["skipped"]]
    assert skipped == ["event_not_trigger", "page_mismatch", "targeting_mismatch", "not_sampled"]
    as_event = client.get(
        f"/v1/eligibility?user_id=u1&survey={survey['id']}&origin=event", headers=site.auth
    ).get_json()
    assert (as_event["eligible"], as_event["reason"]) == (False, "event_not_trigger")


def test_eligibility_needs_a_survey_of_this_site(client, site, other_site):
    theirs = make_survey(client, other_site)
    assert_error(client.get("/v1/eligibility?user_id=u1", headers=site.auth), 422, param="survey")
    resp = client.get(f"/v1/eligibility?user_id=u1&survey={theirs['id']}", headers=site.auth)
    assert_error(resp, 404)


def test_prompts_and_eligibility_need_the_secret_key(client, site):
    assert_error(client.post("/v1/prompts", json={}), 401)
    assert_error(client.get("/v1/eligibility?user_id=u1&survey=srv_x"), 401)


def test_eligibility_works_for_user_ids_with_slashes_and_colons(client, site):
    survey = make_survey(client, site)
    for user_id in ("team/42", "anon:ab-12", "a/eligibility"):
        query = {"user_id": user_id, "survey": survey["id"]}
        resp = client.get("/v1/eligibility", query_string=query, headers=site.auth)
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["user_id"] == user_id
