"""The browser API: who is asked through the widget, identity, CORS per site, tokens, answers."""

from __future__ import annotations

import uuid

import pytest

from collector import create_app
from collector.domain import keys, sampling
from collector.domain.tokens import PromptTokens
from collector.models import Prompt
from tests.api.prompting import (
    DAY,
    ORIGIN,
    SECOND,
    answer,
    ask,
    assert_error,
    call,
    count,
    count_prompts,
    frozen_clock,
    make_survey,
    mark,
    reason,
    rows,
    track,
    visitor,
)


@pytest.fixture
def clock(monkeypatch):
    return frozen_clock(monkeypatch)


# -- what an event gets ------------------------------------------------------------------------


def test_a_key_action_gets_a_prompt_ready_to_show(client, site):
    survey = make_survey(client, site, delay_ms=1500)
    client.patch("/v1/site", json={"theme": {"accent": "#1e3a8a"}}, headers=site.auth)
    prompt = ask(client, site)
    assert prompt["id"].startswith("prm_")
    assert prompt["kind"] == "csat"
    assert prompt["question"] == survey["question"]["en"]
    assert prompt["followup"] == "What is the main reason for your score?"
    assert prompt["scale"] == {
        "min": 1,
        "max": 5,
        "low_label": "Very dissatisfied",
        "high_label": "Very satisfied",
        "bands": {"low": [1, 2], "mid": [3, 3], "high": [4, 5]},
    }
    # every string the card shows comes with the prompt, in its locale
    assert prompt["texts"] == {
        "close": "Close",
        "send": "Send",
        "skip": "Skip",
        "thanks": "Thank you for your feedback!",
        "placeholder": "Tell us more (optional)",
    }
    assert prompt["reasons"] is None
    assert prompt["delay_ms"] == 1500
    assert prompt["locale"] == "en"
    # the colours on the accent come computed: white text on this navy, its own colour as the
    # focus ring on a light card, the card's text colour on a dark one (1.6:1 there)
    assert prompt["theme"] == {
        "accent": "#1e3a8a",
        "accent_text": "#ffffff",
        "ring": "#1e3a8a",
        "ring_dark": "#f4f4f5",
    }
    assert prompt["token"]


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [
        ("ces", "Strongly disagree", "Strongly agree"),
        ("nps", "Not at all likely", "Extremely likely"),
    ],
)
def test_each_kind_has_its_own_scale_and_end_labels(client, site, kind, low, high):
    make_survey(client, site, kind)
    scale = ask(client, site)["scale"]
    assert (scale["low_label"], scale["high_label"]) == (low, high)
    assert (scale["min"], scale["max"]) == {"ces": (1, 7), "nps": (0, 10)}[kind]


def test_texts_follow_the_requested_locale_then_the_sites_default(client, site):
    make_survey(client, site, followup={"en": "Why?", "fi": "Miksi?"})
    fi = ask(client, site, user_id="fi1", locale="fi-FI")
    assert (fi["locale"], fi["question"], fi["followup"]) == ("fi", "Kuinka tyytyväinen?", "Miksi?")
    assert fi["scale"]["high_label"] == "Erittäin tyytyväinen"
    sv = ask(client, site, user_id="sv1", locale="sv")
    assert (sv["locale"], sv["followup"]) == ("en", "Why?")

    client.patch("/v1/site", json={"default_locale": "fi"}, headers=site.auth)
    de = ask(client, site, user_id="de1", locale="de")
    assert (de["locale"], de["question"]) == ("fi", "Kuinka tyytyväinen?")


def test_a_survey_without_its_own_followup_gets_a_builtin_one_in_the_readers_language(client, site):
    make_survey(client, site)
    assert ask(client, site, locale="fi")["followup"] == "Mikä on tärkein syy antamaasi arvioon?"


# -- every reason of §6, at its boundary ---------------------------------------------------------


def test_survey_inactive_when_the_survey_is_paused(client, site):
    survey = make_survey(client, site, targeting=[{"trait": "plan", "op": "eq", "value": "pro"}])
    client.patch(f"/v1/surveys/{survey['id']}", json={"active": False}, headers=site.auth)
    # Paused comes first, before the failing targeting rule.
    assert reason(client, site, traits={"plan": "free"}) == "survey_inactive"


def test_an_archived_survey_asks_nobody(client, site):
    survey = make_survey(client, site)
    client.delete(f"/v1/surveys/{survey['id']}", headers=site.auth)
    assert reason(client, site) == "event_not_trigger"


def test_event_not_trigger_for_events_the_survey_does_not_trigger_on(client, site):
    make_survey(client, site, trigger_events=["invoice.paid", "invoice.sent"])
    assert reason(client, site, event="ticket.closed") == "event_not_trigger"
    assert reason(client, site, event="invoice.paid.later") == "event_not_trigger"
    assert ask(client, site, event="invoice.sent")


def test_targeting_mismatch_below_the_threshold_and_a_prompt_at_it(client, site):
    make_survey(client, site, targeting=[{"trait": "seats", "op": "gte", "value": 10}])
    assert reason(client, site, user_id="small", traits={"seats": 9}) == "targeting_mismatch"
    assert ask(client, site, user_id="big", traits={"seats": 10})


def test_targeting_uses_the_traits_stored_from_an_earlier_call(client, site):
    make_survey(client, site, targeting=[{"trait": "plan", "op": "eq", "value": "pro"}])
    session = call(client, "/v1/widget/session", visitor(site, "u7", traits={"plan": "pro"}))
    assert session.status_code == 200
    assert ask(client, site, user_id="u7")


def test_quota_reached_at_max_responses(client, site):
    make_survey(client, site, max_responses=2)
    assert answer(client, ask(client, site, user_id="a"), 4).status_code == 201
    assert answer(client, ask(client, site, user_id="b"), 5).status_code == 201
    assert reason(client, site, user_id="c") == "quota_reached"


def test_not_sampled_users_stay_out_and_sampled_ones_are_asked(client, site):
    survey = make_survey(client, site, sample_rate=0.3)
    users = [f"user{i}" for i in range(200)]
    inside = next(u for u in users if sampling.in_sample(survey["id"], u, 0.3))
    outside = next(u for u in users if not sampling.in_sample(survey["id"], u, 0.3))
    assert reason(client, site, user_id=outside) == "not_sampled"
    assert reason(client, site, user_id=outside) == "not_sampled"  # the same answer every time
    assert ask(client, site, user_id=inside)


def test_answered_recently_until_exactly_recontact_days(client, site, clock):
    make_survey(client, site, recontact_days=90)
    assert answer(client, ask(client, site), 3).status_code == 201
    clock.now += 90 * DAY - SECOND
    assert reason(client, site) == "answered_recently"
    clock.now += SECOND
    assert ask(client, site)


def test_dismissed_recently_until_exactly_the_snooze(client, site, clock):
    make_survey(client, site, dismiss_snooze_days=30)
    mark(client, ask(client, site), "dismissed")
    clock.now += 30 * DAY - SECOND
    assert reason(client, site) == "dismissed_recently"
    clock.now += SECOND
    assert ask(client, site)


def test_cooldown_after_any_prompt_shown_on_the_site(client, site, clock):
    make_survey(client, site)
    make_survey(client, site, "ces", trigger_events=["ticket.closed"])
    client.patch("/v1/site", json={"cooldown_days": 7}, headers=site.auth)
    mark(client, ask(client, site), "shown")
    clock.now += 7 * DAY - SECOND
    assert reason(client, site, event="ticket.closed") == "cooldown"
    clock.now += SECOND
    assert ask(client, site, event="ticket.closed")["kind"] == "ces"


def test_already_pending_redelivers_the_open_prompt(client, site):
    make_survey(client, site)
    first = ask(client, site)
    again = ask(client, site)
    assert again["id"] == first["id"]
    assert count_prompts(client.application) == 1
    assert answer(client, again, 5).status_code == 201


def test_an_open_email_link_blocks_the_widget_without_showing_the_link_prompt(client, site):
    survey = make_survey(client, site)
    body = {"user_id": "u1", "survey": survey["id"], "channel": "link"}
    assert client.post("/v1/prompts", json=body, headers=site.auth).status_code == 201
    assert reason(client, site) == "already_pending"


def test_an_expired_open_prompt_is_not_redelivered(client, site, clock):
    make_survey(client, site)
    first = ask(client, site)
    clock.now += DAY
    assert ask(client, site)["id"] != first["id"]


# -- several surveys, one prompt -------------------------------------------------------------------


def test_the_highest_priority_survey_wins_then_the_oldest(client, site):
    make_survey(client, site, name="low", priority=0)
    high = make_survey(client, site, "nps", name="high", priority=5)
    make_survey(client, site, "ces", name="high but newer", priority=5)
    prompt = ask(client, site)
    assert prompt["kind"] == "nps"
    assert prompt["question"] == high["question"]["en"]
    assert count_prompts(client.application) == 1


def test_when_nobody_asks_the_reason_is_the_one_that_got_furthest(client, site, clock):
    make_survey(client, site, "nps", trigger_events=["ticket.closed"])
    mark(client, ask(client, site, event="ticket.closed"), "shown")
    make_survey(client, site, priority=9, sample_rate=0)
    make_survey(client, site, "ces", priority=1)
    # Priority 9 is not sampled, the CES is in the site's cooldown: cooldown says more.
    assert reason(client, site) == "cooldown"


def test_show_asks_the_named_survey_whatever_its_triggers_but_keeps_the_other_rules(client, site):
    survey = make_survey(client, site, trigger_events=[])
    prompt = ask(client, site, event="$show", survey_id=survey["id"])
    assert prompt["question"] == survey["question"]["en"]
    unsampled = make_survey(client, site, "nps", trigger_events=[], sample_rate=0)
    assert reason(client, site, "$show", "u2", survey_id=unsampled["id"]) == "not_sampled"


def test_show_needs_a_survey_of_this_site(client, site, other_site):
    theirs = make_survey(client, other_site)
    assert_error(track(client, site, "$show"), 422, param="survey_id")
    assert_error(track(client, site, "$show", survey_id=theirs["id"]), 404, param="survey_id")


# -- session: prompts the backend triggered ------------------------------------------------------


def test_session_delivers_a_backend_triggered_prompt_once_it_is_shown(client, site):
    survey = make_survey(client, site, "nps", trigger_events=[])
    made = client.post(
        "/v1/prompts", json={"user_id": "u1", "survey": survey["id"]}, headers=site.auth
    )
    assert made.status_code == 201
    session = call(client, "/v1/widget/session", visitor(site, "u1", locale="en"))
    prompt = session.get_json()["prompt"]
    assert prompt["id"] == made.get_json()["id"]
    assert prompt["kind"] == "nps"
    mark(client, prompt, "shown")
    assert call(client, "/v1/widget/session", visitor(site, "u1")).get_json() == {"prompt": None}


def test_session_of_an_anonymous_visitor_has_nothing_waiting(client, site):
    resp = call(client, "/v1/widget/session", visitor(site, None))
    assert resp.status_code == 200
    assert resp.get_json() == {"prompt": None}


def test_an_unknown_site_key_is_refused(client, site):
    resp = call(client, "/v1/widget/session", {**visitor(site), "site_key": "pk_nope"})
    assert_error(resp, 401, "invalid_site_key", "site_key")


# -- identity ------------------------------------------------------------------------------------


def test_a_wrong_user_hash_is_refused(client, site):
    make_survey(client, site)
    body = {**visitor(site, "u1"), "event": "invoice.paid", "user_hash": "0" * 64}
    assert_error(call(client, "/v1/widget/events", body), 403, "identity_mismatch", "user_hash")
    forged = {**body, "user_hash": keys.user_hash("not-the-secret", "u1")}
    assert_error(call(client, "/v1/widget/events", forged), 403, "identity_mismatch")
    other_user = {**body, "user_hash": keys.user_hash(site.identity_secret, "u2")}
    assert_error(call(client, "/v1/widget/events", other_user), 403, "identity_mismatch")
    garbage = {**body, "user_hash": "zz-not-hex"}
    assert_error(call(client, "/v1/widget/events", garbage), 403, "identity_mismatch")
    assert count_prompts(client.application) == 0


def test_require_identity_refuses_unsigned_user_ids_but_not_anonymous_visitors(client, make_site):
    site = make_site(require_identity=True)
    make_survey(client, site)
    unsigned = {**visitor(site, "u1"), "event": "invoice.paid"}
    del unsigned["user_hash"]
    assert_error(call(client, "/v1/widget/events", unsigned), 403, "identity_required")
    assert ask(client, site, user_id="u1")
    assert ask(client, site, user_id=None)


def test_an_anonymous_visitor_is_asked_under_an_anon_key(client, site):
    make_survey(client, site)
    ask(client, site, user_id=None)
    [prompt] = rows(client.application, Prompt)
    assert prompt.user_id == "anon:anon-0000-1111"


def test_a_user_id_cannot_pose_as_an_anonymous_one(client, site):
    assert_error(track(client, site, user_id="anon:someone"), 422, param="user_id")


# -- CORS per site -------------------------------------------------------------------------------


def test_an_allowed_origin_is_echoed_never_a_wildcard(client, site):
    make_survey(client, site)
    resp = track(client, site)
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in resp.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in resp.headers
    assert "Retry-After" in resp.headers["Access-Control-Expose-Headers"]


def test_an_origin_off_the_allowlist_is_refused_and_the_page_may_read_why(client, site):
    make_survey(client, site)
    body = {**visitor(site), "event": "invoice.paid"}
    resp = call(client, "/v1/widget/events", body, origin="https://evil.example.net")
    assert_error(resp, 403, "origin_not_allowed")
    # readable by the page, so the widget can print the cause and the fix
    assert resp.headers["Access-Control-Allow-Origin"] == "https://evil.example.net"
    message = resp.get_json()["error"]["message"]
    assert "https://evil.example.net" in message and site.public_key in message
    assert "Settings → Allowed origins" in message
    assert count_prompts(client.application) == 0


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"site_key": "pk_nosuchsite"}, 401, "invalid_site_key"),
        ({"user_hash": "0" * 64}, 403, "identity_mismatch"),
        ({"traits": "not a map"}, 422, "validation_failed"),
    ],
)
def test_every_refusal_of_the_browser_api_is_readable_by_the_page(
    client, site, change, status, code
):
    resp = call(client, "/v1/widget/session", {**visitor(site), **change})
    assert_error(resp, status, code)
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_another_sites_token_from_this_sites_page_is_refused(client, site, other_site):
    make_survey(client, other_site)
    body = {**visitor(other_site), "event": "invoice.paid"}
    theirs = call(client, "/v1/widget/events", body, origin="https://other.example.org")
    prompt = theirs.get_json()["prompt"]
    resp = answer(client, prompt, 5)  # sent from https://app.example.com
    assert_error(resp, 403, "origin_not_allowed")
    assert count(client.application) == 0


def test_an_origin_header_that_is_no_url_is_refused_like_any_other(client, site):
    make_survey(client, site)
    body = {**visitor(site), "event": "invoice.paid"}
    resp = call(client, "/v1/widget/events", body, origin="http://[")
    assert_error(resp, 403, "origin_not_allowed")
    assert count_prompts(client.application) == 0
    # and a site cannot store it as an allowed origin
    resp = client.patch("/v1/site", json={"allowed_origins": ["http://["]}, headers=site.auth)
    assert_error(resp, 422, param="allowed_origins.0")


def test_a_request_without_origin_is_refused_outside_development(client, site):
    resp = call(client, "/v1/widget/session", visitor(site), origin=None)
    assert_error(resp, 403, "origin_required")


def test_an_empty_allowlist_accepts_any_origin_only_in_development(app_config, make_site):
    site = make_site(origins=())
    client = create_app(app_config).test_client()
    resp = call(client, "/v1/widget/session", visitor(site), origin="http://localhost:3000")
    assert_error(resp, 403, "origin_not_allowed")

    dev = create_app({**app_config, "ENV": "development"}).test_client()
    resp = call(dev, "/v1/widget/session", visitor(site), origin="http://localhost:3000")
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert call(dev, "/v1/widget/session", visitor(site), origin=None).status_code == 200


def test_origins_compare_without_case(client, site):
    resp = call(client, "/v1/widget/session", visitor(site), origin="HTTPS://App.Example.com")
    assert resp.status_code == 200


def test_a_preflight_echoes_the_origin_and_grants_nothing_by_itself(client, site):
    resp = client.options(
        "/v1/widget/responses/abc",
        headers={
            "Origin": "https://evil.example.net",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Origin"] == "https://evil.example.net"
    assert resp.headers["Access-Control-Allow-Methods"] == "POST, PATCH"
    assert resp.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert resp.headers["Access-Control-Max-Age"] == "600"
    assert "Origin" in resp.headers["Vary"]


def test_the_management_api_sends_no_cors_headers(client, site):
    resp = client.get("/v1/surveys", headers={**site.auth, "Origin": ORIGIN})
    assert resp.status_code == 200
    assert not [h for h, _ in resp.headers if h.lower().startswith("access-control-")]
    preflight = client.options(
        "/v1/surveys", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert not [h for h, _ in preflight.headers if h.lower().startswith("access-control-")]


# -- bodies --------------------------------------------------------------------------------------


def test_json_may_come_as_application_json_too_but_not_as_a_form(client, site):
    make_survey(client, site)
    body = {**visitor(site), "event": "invoice.paid"}
    resp = client.post("/v1/widget/events", json=body, headers={"Origin": ORIGIN})
    assert resp.get_json()["prompt"]
    form = client.post("/v1/widget/events", data={"a": "b"}, headers={"Origin": ORIGIN})
    assert_error(form, 415)


def test_bad_json_is_a_400(client, site):
    resp = client.post(
        "/v1/widget/events", data="{nope", content_type="text/plain", headers={"Origin": ORIGIN}
    )
    assert_error(resp, 400, "invalid_json")


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"props": {f"p{i}": i for i in range(21)}}, "props"),
        ({"props": {"plan": "x" * 201}}, "props.plan"),
        ({"props": {"nested": {"a": 1}}}, "props.nested"),
        ({"traits": {f"t{i}": i for i in range(51)}}, "traits"),
        ({"traits": {"plan": "x" * 201}}, "traits.plan"),
        ({"traits": {"tags": ["a", "b"]}}, "traits.tags"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"event": "Invoice Paid!"}, "event"),
    ],
)
def test_size_limits_name_the_field(client, site, extra, param):
    make_survey(client, site)
    resp = call(client, "/v1/widget/events", {**visitor(site), "event": "invoice.paid", **extra})
    assert_error(resp, 422, "validation_failed", param)


def test_twenty_props_and_fifty_traits_are_fine(client, site):
    make_survey(client, site)
    props = {f"p{i}": "x" * 200 for i in range(20)}
    traits = {f"t{i}": i for i in range(50)}
    assert ask(client, site, props=props, traits=traits)


# -- shown and dismissed ------------------------------------------------------------------------


def test_shown_and_dismissed_are_idempotent(client, site):
    survey = make_survey(client, site)
    prompt = ask(client, site)
    mark(client, prompt, "shown")
    mark(client, prompt, "shown")
    mark(client, prompt, "dismissed")
    mark(client, prompt, "dismissed")
    got = client.get(f"/v1/prompts/{prompt['id']}", headers=site.auth).get_json()
    assert got["status"] == "dismissed"
    assert got["shown_at"] and got["dismissed_at"]
    assert got["survey"] == survey["id"]


def test_a_dismissal_after_the_answer_keeps_the_answer(client, site):
    make_survey(client, site)
    prompt = ask(client, site)
    assert answer(client, prompt, 4).status_code == 201
    mark(client, prompt, "dismissed")
    got = client.get(f"/v1/prompts/{prompt['id']}", headers=site.auth).get_json()
    assert got["status"] == "answered"


def test_a_token_for_another_prompt_is_refused(client, site):
    make_survey(client, site)
    make_survey(client, site, "nps", trigger_events=["nps.ask"])
    one = ask(client, site, user_id="a")
    other = ask(client, site, user_id="b", event="nps.ask")
    resp = call(client, f"/v1/widget/prompts/{one['id']}/shown", {"token": other["token"]})
    assert_error(resp, 401, "invalid_token")


# -- answers -------------------------------------------------------------------------------------


def test_an_answer_is_stored_with_its_context(client, site):
    make_survey(client, site)
    prompt = ask(
        client,
        site,
        props={"invoice": "INV-7", "amount": 120.5},
        traits={"plan": "pro"},
        locale="fi",
    )
    rid = str(uuid.uuid4())
    resp = answer(client, prompt, 4, rid, url="https://app.example.com/invoices/7")
    assert resp.status_code == 201
    body = resp.get_json()
    assert (body["id"], body["prompt_id"], body["score"]) == (rid, prompt["id"], 4)
    [row] = rows(client.application)
    assert row.event == "invoice.paid"
    assert row.context == {"invoice": "INV-7", "amount": 120.5}
    assert row.traits == {"plan": "pro"}
    assert row.url == "https://app.example.com/invoices/7"
    assert row.locale == "fi"
    assert row.user_id == "u1"
    got = client.get(f"/v1/prompts/{prompt['id']}", headers=site.auth).get_json()
    assert (got["status"], got["response_id"]) == ("answered", rid)


def test_the_same_answer_again_gives_the_stored_response(client, site):
    make_survey(client, site)
    prompt = ask(client, site)
    rid = str(uuid.uuid4())
    first = answer(client, prompt, 4, rid)
    again = answer(client, prompt, 4, rid)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count(client.application) == 1


def test_another_score_for_an_answered_prompt_is_a_conflict(client, site):
    make_survey(client, site)
    prompt = ask(client, site)
    rid = str(uuid.uuid4())
    assert answer(client, prompt, 4, rid).status_code == 201
    assert_error(answer(client, prompt, 2, rid), 409, "already_answered")
    assert_error(answer(client, prompt, 4), 409, "already_answered")  # another response_id
    assert [r.score for r in rows(client.application)] == [4]


def test_a_response_id_is_used_for_one_prompt_only(client, site):
    make_survey(client, site)
    make_survey(client, site, "nps", trigger_events=["nps.ask"])
    rid = str(uuid.uuid4())
    assert answer(client, ask(client, site, user_id="a"), 4, rid).status_code == 201
    other = ask(client, site, user_id="b", event="nps.ask")
    assert_error(answer(client, other, 9, rid), 409, "response_id_conflict", "response_id")
    assert count(client.application) == 1


@pytest.mark.parametrize(
    ("kind", "bad"), [("csat", 0), ("csat", 6), ("ces", 8), ("nps", -1), ("nps", 11)]
)
def test_a_score_off_the_scale_is_refused(client, site, kind, bad):
    make_survey(client, site, kind)
    assert_error(answer(client, ask(client, site), bad), 422, "validation_failed", "score")
    assert count(client.application) == 0


@pytest.mark.parametrize("bad", [2**31, 2**63, -(2**63) - 1, 10**30])
def test_a_score_too_big_for_any_column_is_refused_as_off_the_scale(client, site, bad):
    make_survey(client, site)
    prompt = ask(client, site)
    resp = answer(client, prompt, bad)
    assert_error(resp, 422, "validation_failed", "score")
    assert "from 1 to 5" in resp.get_json()["error"]["message"]
    assert count(client.application) == 0
    assert answer(client, prompt, 5).status_code == 201  # the prompt is still open


def test_an_answer_in_a_locale_the_collector_cannot_store_keeps_the_prompts_one(client, site):
    make_survey(client, site)
    prompt = ask(client, site)
    assert answer(client, prompt, 4, locale="zh-Hant-TW-abcdefgh").status_code == 201
    prompt = ask(client, site, user_id="u2")
    assert answer(client, prompt, 4, locale="zh-Hant-TW-abcde").status_code == 201
    assert sorted(r.locale for r in rows(client.application)) == ["en", "zh-Hant-TW-abcde"]


@pytest.mark.parametrize("tag", ["C", "x-klingon", "en-US-u-ca-gregory-nu-latn", "12", "fi FI"])
def test_an_unusable_locale_falls_back_to_the_sites_default(client, site, tag):
    make_survey(client, site, question={"en": "How satisfied?", "fi": "Kuinka tyytyväinen?"})
    client.patch("/v1/site", json={"default_locale": "fi"}, headers=site.auth)
    session = call(client, "/v1/widget/session", visitor(site, "u1", locale=tag))
    assert session.status_code == 200, session.get_json()
    prompt = ask(client, site, user_id="u1", locale=tag)
    assert (prompt["locale"], prompt["question"]) == ("fi", "Kuinka tyytyväinen?")


@pytest.mark.parametrize("bad", [4.5, "4", True, None])
def test_a_score_is_a_whole_number(client, site, bad):
    make_survey(client, site)
    assert_error(answer(client, ask(client, site), bad), 422, param="score")


def test_a_comment_is_at_most_2000_characters(client, site):
    make_survey(client, site)
    prompt = ask(client, site)
    assert_error(answer(client, prompt, 3, comment="x" * 2001), 422, param="comment")
    assert answer(client, prompt, 3, comment="x" * 2000).status_code == 201


def test_the_comment_follows_the_score(client, site):
    make_survey(client, site)
    prompt = ask(client, site)
    rid = answer(client, prompt, 2).get_json()["id"]
    body = {"token": prompt["token"], "comment": "  The receipt is hard to find.  "}
    resp = call(client, f"/v1/widget/responses/{rid.upper()}", body, method="PATCH")
    assert resp.status_code == 200
    assert resp.get_json()["comment"] == "The receipt is hard to find."
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert rows(client.application)[0].comment == "The receipt is hard to find."


def test_a_comment_is_taken_up_to_24_hours_after_the_score(client, site, clock):
    make_survey(client, site)
    prompt = ask(client, site)
    rid = answer(client, prompt, 2).get_json()["id"]
    body = {"token": prompt["token"], "comment": "late"}
    clock.now += DAY - SECOND  # the prompt itself has expired by now
    assert call(client, f"/v1/widget/responses/{rid}", body, method="PATCH").status_code == 200
    clock.now += SECOND
    resp = call(client, f"/v1/widget/responses/{rid}", body, method="PATCH")
    assert_error(resp, 409, "comment_window_closed")


def test_a_comment_for_an_unknown_or_other_response_is_not_found(client, site):
    make_survey(client, site)
    one, two = ask(client, site, user_id="a"), ask(client, site, user_id="b")
    rid = answer(client, one, 2).get_json()["id"]
    body = {"token": two["token"], "comment": "hi"}
    assert_error(call(client, f"/v1/widget/responses/{rid}", body, method="PATCH"), 404)
    missing = f"/v1/widget/responses/{uuid.uuid4()}"
    assert_error(call(client, missing, {**body, "token": one["token"]}, method="PATCH"), 404)


# -- tokens: nothing is stored without a genuine one -------------------------------------------


def _tampered(token: str) -> str:
    payload, stamp, signature = token.split(".")
    return ".".join([payload, stamp, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")])


@pytest.mark.parametrize("how", ["forged", "tampered", "other_site", "garbage"])
def test_a_token_the_collector_did_not_issue_stores_nothing(app, client, site, other_site, how):
    make_survey(client, site)
    prompt = ask(client, site)
    with app.app_context():
        rows_before = count(app, Prompt)
    token = {
        "forged": PromptTokens("attacker-key").sign(prompt["id"], site.site_id, _far()),
        "tampered": _tampered(prompt["token"]),
        "other_site": PromptTokens("test-secret-key").sign(
            prompt["id"], other_site.site_id, _far()
        ),
        "garbage": "eyJub3BlIjp0cnVlfQ.abc.def",
    }[how]
    forged = {**prompt, "token": token}
    assert 400 <= answer(client, forged, 5).status_code < 500
    resp = call(client, f"/v1/widget/prompts/{prompt['id']}/shown", {"token": token})
    assert 400 <= resp.status_code < 500
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN  # a refusal says only why
    assert count(app) == 0
    assert count(app, Prompt) == rows_before
    assert rows(app, Prompt)[0].shown_at is None


def test_an_expired_prompt_takes_no_answer(client, site, clock):
    make_survey(client, site)
    prompt = ask(client, site)
    clock.now += DAY
    assert_error(answer(client, prompt, 5), 410, "prompt_expired")
    resp = call(client, f"/v1/widget/prompts/{prompt['id']}/shown", {"token": prompt["token"]})
    assert_error(resp, 410, "prompt_expired")
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN  # the widget may read why
    assert count(client.application) == 0


def test_an_answer_given_before_expiry_can_be_resent_after_it(client, site, clock):
    make_survey(client, site)
    prompt = ask(client, site)
    rid = str(uuid.uuid4())
    assert answer(client, prompt, 5, rid).status_code == 201
    clock.now += 2 * DAY
    assert answer(client, prompt, 5, rid).status_code == 200


def test_tokens_survive_a_secret_key_rotation(app_config, site):
    old = create_app(app_config).test_client()
    make_survey(old, site)
    prompt = ask(old, site)
    rotated = create_app(
        {**app_config, "SECRET_KEY": "new-key", "SECRET_KEY_FALLBACKS": ["test-secret-key"]}
    ).test_client()
    assert answer(rotated, prompt, 4).status_code == 201
    fresh = ask(rotated, site, user_id="u2")
    assert PromptTokens("new-key").read(fresh["token"], now=_now()).prompt_id == fresh["id"]
    forgotten = create_app({**app_config, "SECRET_KEY": "new-key"}).test_client()
    assert_error(answer(forgotten, ask(old, site, user_id="u3"), 4), 401, "invalid_token")


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _far():
    return _now() + DAY
