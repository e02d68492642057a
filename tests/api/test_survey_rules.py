"""Page rules, event-prop conditions and running dates (DESIGN §13), through the real endpoints:
what the surveys API accepts and refuses, and who the widget then asks where."""

from __future__ import annotations

import json

import pytest

from tests.api.prompting import (
    DAY,
    ORIGIN,
    SECOND,
    ask,
    assert_error,
    call,
    frozen_clock,
    make_survey,
    mark,
    reason,
    visitor,
)

BILLING = [{"op": "glob", "value": "/billing/*"}]
CHAT = {"event": "ticket.closed", "where": [{"prop": "channel", "op": "eq", "value": "chat"}]}
INVOICES = f"{ORIGIN}/billing/invoices"
SETTINGS = f"{ORIGIN}/settings"


@pytest.fixture
def clock(monkeypatch):
    return frozen_clock(monkeypatch)


def create(client, site, **fields):
    body = {"kind": "csat", "question": {"en": "Happy?"}, **fields}
    return client.post("/v1/surveys", json=body, headers=site.auth)


# -- what the surveys API accepts -------------------------------------------------------------


def test_a_survey_keeps_its_page_rules_conditions_and_dates(client, site):
    body = {
        "pages": [*BILLING, {"op": "equals", "value": "/pricing?plan=pro"}],
        "trigger_events": [CHAT, "billing.*", "*"],
        "starts_at": "2030-01-01T00:00:00+02:00",
        "ends_at": "2030-02-01T00:00:00Z",
    }
    made = create(client, site, **body)
    assert made.status_code == 201, made.get_json()

    got = client.get(f"/v1/surveys/{made.get_json()['id']}", headers=site.auth).get_json()
    assert got["pages"] == body["pages"]
    assert got["trigger_events"] == body["trigger_events"]
    assert got["starts_at"] == "2029-12-31T22:00:00+00:00"
    assert got["ends_at"] == "2030-02-01T00:00:00+00:00"


def test_a_survey_without_rules_says_so(client, site):
    got = create(client, site).get_json()

    assert (got["pages"], got["starts_at"], got["ends_at"]) == (None, None, None)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("pages", [{"op": "regex", "value": "/billing"}], "equals, starts_with, contains or glob"),
        ("pages", [{"op": "glob", "value": "/" + "*/" * 9}], "at most 8 *"),
        ("pages", [{"op": "equals", "value": "https://app.example/billing"}], "start with /"),
        ("pages", [{"op": "glob", "value": "billing/*"}], "start with / or *"),
        ("pages", [{"op": "starts_with", "value": "/billing/*"}], "use op glob"),
        ("pages", [{"op": "contains", "value": "*"}], "use op glob"),
        ("pages", [{"op": "starts_with", "value": ""}], "From 1 to 200"),
        ("pages", [{"op": "contains", "value": "x" * 201}], "From 1 to 200"),
        ("pages", [{"op": "contains", "value": "x"}] * 21, "At most 20 page rules"),
        ("trigger_events", ["bill*ing"], "prefix ending in .*"),
        ("trigger_events", ["Invoice.Paid"], "event name"),
        ("trigger_events", [{"event": "ticket.closed", "where": []}], "From 1 to 10"),
        ("trigger_events", [{"where": CHAT["where"]}], "required"),
        ("trigger_events", [{"event": "ticket.closed"}], "required"),
        ("trigger_events", [42], "event name or {event"),
        ("trigger_events", [CHAT, CHAT], "Each trigger event once"),
        ("trigger_events", [{**CHAT, "where": [{"prop": "n", "op": "like", "value": "x"}]}], "op"),
        (
            "trigger_events",
            [{**CHAT, "where": [{"prop": "amount", "op": "gte", "value": "100"}]}],
            "must be a number",
        ),
        (
            "trigger_events",
            [{**CHAT, "where": [{"prop": "channel", "op": "in", "value": "chat"}]}],
            "non-empty list",
        ),
        (
            "trigger_events",
            [{**CHAT, "where": [{"prop": "plan", "op": "contains", "value": 5}]}],
            "non-empty string",
        ),
        ("starts_at", "2030-01-01T00:00:00", "aware"),
        ("ends_at", "next week", "datetime"),
    ],
)
def test_malformed_rules_are_refused_with_a_message_that_says_what_to_fix(
    client, site, field, value, says
):
    err = assert_error(create(client, site, **{field: value}), 422, "validation_failed")

    assert says in err["message"], err
    assert err["param"].split(".")[0] == field, err


def test_a_survey_must_end_after_it_starts(client, site):
    at = "2030-01-01T00:00:00Z"

    err = assert_error(create(client, site, starts_at=at, ends_at=at), 422, "validation_failed")
    assert err["param"] == "ends_at"
    assert "after starts_at" in err["message"]


def test_changing_one_date_is_checked_against_the_stored_other(client, site):
    survey = create(client, site, starts_at="2030-01-10T00:00:00Z").get_json()
    url = f"/v1/surveys/{survey['id']}"

    resp = client.patch(url, json={"ends_at": "2030-01-09T00:00:00Z"}, headers=site.auth)
    assert_error(resp, 422, "dates_out_of_order", "ends_at")
    resp = client.patch(url, json={"ends_at": "2030-01-11T00:00:00Z"}, headers=site.auth)
    assert resp.status_code == 200
    resp = client.patch(url, json={"starts_at": "2030-01-12T00:00:00Z"}, headers=site.auth)
    assert_error(resp, 422, "dates_out_of_order", "ends_at")
    cleared = client.patch(url, json={"starts_at": None, "pages": None}, headers=site.auth)
    assert (cleared.get_json()["starts_at"], cleared.get_json()["pages"]) == (None, None)


# -- pages ------------------------------------------------------------------------------------


def test_a_billing_survey_asks_on_an_invoice_page_and_not_on_settings(client, site):
    make_survey(client, site, pages=BILLING)

    assert reason(client, site, url=SETTINGS) == "page_mismatch"
    assert reason(client, site, url=None) == "page_mismatch"
    prompt = ask(client, site, url=INVOICES)
    assert prompt["pages"] == ["/billing/*"]


def test_a_prompt_carries_its_page_rules_as_globs_for_the_widget(client, site):
    make_survey(
        client,
        site,
        pages=[
            {"op": "equals", "value": "/settings"},
            {"op": "starts_with", "value": "/billing/"},
            {"op": "contains", "value": "?from=mail"},
        ],
    )

    assert ask(client, site, url=SETTINGS)["pages"] == ["/settings", "/billing/*", "*?from=mail*"]


def test_a_prompt_of_a_survey_without_page_rules_carries_none(client, site):
    make_survey(client, site)

    assert "pages" not in ask(client, site, url=SETTINGS)


def test_an_open_prompt_is_re_delivered_on_a_billing_page_only(client, site):
    make_survey(client, site, pages=BILLING)
    first = ask(client, site, url=INVOICES)

    assert reason(client, site, url=SETTINGS) == "page_mismatch"
    assert ask(client, site, url=f"{ORIGIN}/billing/plans")["id"] == first["id"]


def test_a_backend_prompt_waits_for_a_page_its_survey_asks_on(client, site):
    survey = make_survey(client, site, trigger_events=[], pages=BILLING)
    made = client.post(
        "/v1/prompts", json={"user_id": "u42", "survey": survey["id"]}, headers=site.auth
    )
    assert made.status_code == 201, made.get_json()  # a backend trigger skips the page rule

    def session(url):
        return call(client, "/v1/widget/session", visitor(site, "u42", url=url)).get_json()

    assert session(SETTINGS)["prompt"] is None
    assert session(None)["prompt"] is None
    prompt = session(INVOICES)["prompt"]
    assert prompt["id"] == made.get_json()["id"]
    assert prompt["pages"] == ["/billing/*"]


def test_a_waiting_prompt_for_another_page_does_not_hide_one_for_this_page(client, site):
    billing = make_survey(client, site, trigger_events=[], pages=BILLING, priority=5)
    anywhere = make_survey(client, site, trigger_events=[], priority=1)
    for survey in (billing, anywhere):
        body = {"user_id": "u42", "survey": survey["id"]}
        assert client.post("/v1/prompts", json=body, headers=site.auth).status_code == 201

    def waiting(url):
        body = call(client, "/v1/widget/session", visitor(site, "u42", url=url)).get_json()
        return client.get(f"/v1/prompts/{body['prompt']['id']}", headers=site.auth).get_json()

    assert waiting(SETTINGS)["survey"] == anywhere["id"]
    assert waiting(INVOICES)["survey"] == billing["id"]


def test_changed_page_rules_apply_to_the_next_event(client, site):
    survey = make_survey(client, site, pages=BILLING)
    assert reason(client, site, url=SETTINGS) == "page_mismatch"

    resp = client.patch(
        f"/v1/surveys/{survey['id']}",
        json={"pages": [{"op": "starts_with", "value": "/settings"}]},
        headers=site.auth,
    )
    assert resp.status_code == 200

    assert ask(client, site, url=SETTINGS)["pages"] == ["/settings*"]


# -- event props ------------------------------------------------------------------------------


def test_a_ticket_closed_by_email_is_not_asked_about_and_one_closed_in_chat_is(client, site):
    make_survey(client, site, "ces", trigger_events=[CHAT])

    assert reason(client, site, "ticket.closed", props={"channel": "email"}) == "event_not_trigger"
    assert reason(client, site, "ticket.closed") == "event_not_trigger"
    assert ask(client, site, "ticket.closed", props={"channel": "chat"})["kind"] == "ces"


def test_numbers_in_conditions_compare_as_numbers(client, site):
    big = {"event": "invoice.paid", "where": [{"prop": "amount", "op": "gte", "value": 100}]}
    make_survey(client, site, trigger_events=[big])

    assert reason(client, site, props={"amount": 99.5}) == "event_not_trigger"
    assert reason(client, site, props={"amount": "150"}) == "event_not_trigger"
    assert ask(client, site, props={"amount": 100})


def test_a_wildcard_trigger_asks_after_every_event_it_names(client, site):
    make_survey(client, site, trigger_events=["billing.*"])

    assert reason(client, site, "invoice.paid") == "event_not_trigger"
    assert ask(client, site, "billing.refund.done")


def test_another_survey_on_the_event_asks_when_the_first_ones_condition_fails(client, site):
    make_survey(client, site, "ces", trigger_events=[CHAT], priority=9)
    make_survey(client, site, "nps", trigger_events=["ticket.closed"])

    assert ask(client, site, "ticket.closed", props={"channel": "email"})["kind"] == "nps"


# -- running dates ------------------------------------------------------------------------------


def test_a_survey_asks_only_between_its_dates(client, site, clock):
    starts = clock.now + DAY
    make_survey(
        client,
        site,
        starts_at=starts.isoformat(),
        ends_at=(starts + 7 * DAY).isoformat(),
    )

    assert reason(client, site) == "not_running"
    clock.now = starts
    prompt = ask(client, site)
    mark(client, prompt, "dismissed")
    clock.now = starts + 7 * DAY
    assert reason(client, site, user_id="u2") == "not_running"
    clock.now = starts + 7 * DAY - SECOND
    assert ask(client, site, user_id="u2")


def test_a_backend_trigger_and_force_respect_the_dates(client, site, clock):
    survey = make_survey(client, site, ends_at=(clock.now - SECOND).isoformat())

    for force in (False, True):
        body = {"user_id": "u42", "survey": survey["id"], "force": force}
        resp = client.post("/v1/prompts", json=body, headers=site.auth)
        assert (resp.status_code, resp.get_json()) == (
            200,
            {"status": "suppressed", "reason": "not_running"},
        )


def test_a_waiting_prompt_is_not_delivered_after_its_survey_ended(client, site, clock):
    ends = clock.now + DAY
    survey = make_survey(client, site, trigger_events=[], ends_at=ends.isoformat())
    body = {"user_id": "u42", "survey": survey["id"]}
    assert client.post("/v1/prompts", json=body, headers=site.auth).status_code == 201

    clock.now = ends
    resp = call(client, "/v1/widget/session", visitor(site, "u42", url=INVOICES))
    assert resp.get_json()["prompt"] is None


# -- eligibility explains them ----------------------------------------------------------------


def explain(client, site, survey, **query):
    resp = client.get(
        "/v1/eligibility",
        query_string={"user_id": "u42", "survey": survey["id"], **query},
        headers=site.auth,
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_eligibility_checks_the_page_and_props_it_is_given(client, site):
    survey = make_survey(client, site, "ces", trigger_events=[CHAT], pages=BILLING)

    default = explain(client, site, survey)
    assert (default["event"], default["reason"]) == ("ticket.closed", "event_not_trigger")
    rules = {r["name"]: r for r in default["rules"]}
    assert rules["page_mismatch"]["detail"] == (
        "no page URL given; survey asks on pages: glob '/billing/*'"
    )

    asked = explain(client, site, survey, url=INVOICES, props=json.dumps({"channel": "chat"}))
    assert (asked["eligible"], asked["props"], asked["url"]) == (
        True,
        {"channel": "chat"},
        INVOICES,
    )
    on_settings = explain(client, site, survey, url="/settings", props='{"channel": "chat"}')
    assert on_settings["reason"] == "page_mismatch"


def test_eligibility_says_when_a_survey_runs(client, site, clock):
    survey = make_survey(client, site, starts_at=(clock.now + DAY).isoformat())

    body = explain(client, site, survey)
    assert body["reason"] == "not_running"
    assert body["rules"][1]["detail"] == f"starts at {(clock.now + DAY).isoformat()}"


@pytest.mark.parametrize("props", ["channel=chat", "[1]", '{"a": {"b": 1}}', "[" * 3000])
def test_eligibility_refuses_props_that_are_not_an_object_of_scalars(client, site, props):
    survey = make_survey(client, site)
    resp = client.get(
        "/v1/eligibility",
        query_string={"user_id": "u1", "survey": survey["id"], "props": props},
        headers=site.auth,
    )

    err = assert_error(resp, 422, "validation_failed")
    assert err["param"].startswith("props"), err
