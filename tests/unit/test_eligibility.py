"""Who gets asked (DESIGN §6): every reason at its boundary, the order, and the exceptions."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.domain.eligibility import (
    REASONS,
    Ask,
    Condition,
    Decision,
    History,
    Rule,
    SurveyRules,
    decide,
    event_names,
    explain,
    rank,
    triggers_on,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def survey(**changes):
    values = {
        "id": "srv_invoice",
        "created_at": NOW - 100 * DAY,
        "trigger_events": ["invoice.paid"],
        "pages": [{"op": "starts_with", "value": "/billing/"}],
        "targeting": [{"trait": "plan", "op": "eq", "value": "pro"}],
        "sample_rate": 1.0,
        "recontact_days": 90,
        "dismiss_snooze_days": 30,
        "max_responses": 100,
    }
    return SurveyRules(**(values | changes))


def ask(**changes):
    values = {
        "origin": "event",
        "event": "invoice.paid",
        "url": "https://app.example/billing/invoices",
        "user_key": "u42",
        "traits": {"plan": "pro"},
        "now": NOW,
        "site_cooldown_days": 7,
    }
    return Ask(**(values | changes))


def history(**changes):
    return History(**changes)


# One way to fail each rule; they touch different fields, so any set of them combines.
FAILURES = {
    "survey_inactive": ({"active": False}, {}, {}),
    "not_running": ({"ends_at": NOW - DAY}, {}, {}),
    "event_not_trigger": ({}, {}, {"event": "invoice.created"}),
    "page_mismatch": ({}, {}, {"url": "https://app.example/settings"}),
    "targeting_mismatch": ({}, {}, {"traits": {"plan": "free"}}),
    "quota_reached": ({"max_responses": 10}, {"responses_count": 10}, {}),
    "not_sampled": ({"sample_rate": 0.0}, {}, {}),
    "answered_recently": ({}, {"last_answered_at": NOW - DAY}, {}),
    "dismissed_recently": ({}, {"last_dismissed_at": NOW - DAY}, {}),
    "cooldown": ({}, {"last_shown_at_any": NOW - DAY}, {}),
    "already_pending": ({}, {"pending_prompt_id": "prm_open"}, {}),
}


def failing(*reasons, **ask_changes):
    survey_changes, history_changes, asked = {}, {}, {}
    for reason in reasons:
        s, h, a = FAILURES[reason]
        survey_changes |= s
        history_changes |= h
        asked |= a
    return survey(**survey_changes), history(**history_changes), ask(**(asked | ask_changes))


def test_a_matching_user_with_no_history_is_asked():
    assert decide(survey(), history(), ask()) == Decision(ask=True)


@pytest.mark.parametrize("reason", REASONS)
def test_each_rule_alone_blocks_with_its_own_reason(reason):
    decision = decide(*failing(reason))

    assert (decision.ask, decision.reason) == (False, reason)


def test_an_open_prompt_is_re_delivered_instead_of_a_new_one():
    decision = decide(*failing("already_pending"))

    assert decision == Decision(ask=False, reason="already_pending", pending_prompt_id="prm_open")


@pytest.mark.parametrize(("earlier", "later"), list(itertools.combinations(REASONS, 2)))
def test_a_user_failing_two_rules_gets_the_earlier_reason(earlier, later):
    assert decide(*failing(earlier, later)).reason == earlier


@given(st.sets(st.sampled_from(REASONS)))
def test_decide_reports_the_first_failure_that_explain_lists(reasons):
    case = failing(*reasons)
    first_failure = next((o.name for o in explain(*case) if not o.passed), None)

    assert decide(*case).reason == first_failure
    assert decide(*case).ask is (first_failure is None)


# -- the time windows: "within N days" is now − last < N days -------------------------------------

WINDOWS = [
    ("answered_recently", "last_answered_at", "recontact_days", 90),
    ("dismissed_recently", "last_dismissed_at", "dismiss_snooze_days", 30),
    ("cooldown", "last_shown_at_any", "site_cooldown_days", 7),
]


def window_case(field, setting, days, since):
    target = {setting: days}
    on_ask = setting == "site_cooldown_days"
    return (
        survey(**({} if on_ask else target)),
        history(**{field: NOW - since}),
        ask(**(target if on_ask else {})),
    )


@pytest.mark.parametrize(("reason", "field", "setting", "days"), WINDOWS)
def test_user_is_eligible_again_exactly_n_days_later(reason, field, setting, days):
    assert decide(*window_case(field, setting, days, days * DAY)).ask is True


@pytest.mark.parametrize(("reason", "field", "setting", "days"), WINDOWS)
def test_user_is_still_blocked_one_second_before_n_days(reason, field, setting, days):
    decision = decide(*window_case(field, setting, days, days * DAY - SECOND))

    assert (decision.ask, decision.reason) == (False, reason)


@pytest.mark.parametrize(("reason", "field", "setting", "days"), WINDOWS)
def test_zero_days_turns_the_window_off(reason, field, setting, days):
    assert decide(*window_case(field, setting, 0, timedelta(0))).ask is True


def test_dismissed_survey_is_snoozed_for_30_days():
    case = history(last_dismissed_at=NOW - 29 * DAY)

    assert decide(survey(), case, ask()).reason == "dismissed_recently"
    assert decide(survey(), case, ask(now=NOW + DAY)).ask is True


def test_a_timestamp_in_the_future_counts_as_just_now():
    assert (
        decide(survey(), history(last_answered_at=NOW + DAY), ask()).reason == "answered_recently"
    )


def test_naive_timestamps_are_read_as_utc():
    naive = (NOW - 90 * DAY + SECOND).replace(tzinfo=None)

    assert decide(survey(), history(last_answered_at=naive), ask()).reason == "answered_recently"
    assert decide(survey(), history(), ask(now=NOW.replace(tzinfo=None))).ask is True


# -- quota and sampling ----------------------------------------------------------------------------


def test_quota_blocks_at_the_limit_and_not_one_response_before():
    full = survey(max_responses=100)

    assert decide(full, history(responses_count=99), ask()).ask is True
    assert decide(full, history(responses_count=100), ask()).reason == "quota_reached"
    assert decide(survey(max_responses=None), history(responses_count=10**6), ask()).ask is True


def test_sampling_is_stable_per_user_and_follows_the_rate():
    rated = survey(sample_rate=0.3)
    asked = [decide(rated, history(), ask(user_key=f"u{i}")).ask for i in range(2000)]

    assert 0.25 < sum(asked) / len(asked) < 0.35
    assert asked == [decide(rated, history(), ask(user_key=f"u{i}")).ask for i in range(2000)]


# -- events and targeting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("triggers", "event", "matches"),
    [
        (["invoice.paid"], "invoice.paid", True),
        (["invoice.paid"], "invoice.paid.late", False),
        (["invoice.paid"], "Invoice.paid", False),
        (["billing.*"], "billing.invoice.paid", True),
        (["billing.*"], "billing", False),
        (["billing.*"], "billingx.paid", False),
        (["*"], "anything", True),
        ([], "invoice.paid", False),
        (["invoice.paid"], None, False),
    ],
)
def test_events_match_exact_names_and_trailing_wildcards(triggers, event, matches):
    assert triggers_on(triggers, event) is matches
    reason = decide(survey(trigger_events=triggers), history(), ask(event=event)).reason
    assert (reason != "event_not_trigger") is matches


@pytest.mark.parametrize(
    ("rule", "traits", "matches"),
    [
        (("plan", "eq", "pro"), {"plan": "pro"}, True),
        (("plan", "eq", "pro"), {"plan": "free"}, False),
        (("plan", "eq", "pro"), {}, False),
        (("plan", "neq", "free"), {"plan": "pro"}, True),
        (("plan", "neq", "free"), {"plan": "free"}, False),
        (("plan", "neq", "free"), {}, True),
        (("plan", "neq", "free"), {"plan": None}, True),
        (("plan", "in", ["pro", "team"]), {"plan": "team"}, True),
        (("plan", "in", ["pro", "team"]), {"plan": "free"}, False),
        (("plan", "in", ["pro", "team"]), {}, False),
        (("seats", "gte", 10), {"seats": 10}, True),
        (("seats", "gte", 10), {"seats": 9.5}, False),
        (("seats", "gte", 10), {"seats": "12"}, False),
        (("seats", "gte", 10), {}, False),
        (("seats", "lte", 10), {"seats": 10.0}, True),
        (("seats", "lte", 10), {"seats": 11}, False),
        (("seats", "lte", 10), {"seats": True}, False),
        (("beta", "eq", True), {"beta": True}, True),
        (("beta", "eq", True), {"beta": 1}, False),
        (("seats", "eq", 3), {"seats": 3.0}, True),
    ],
)
def test_targeting_rules_compare_traits_as_documented(rule, traits, matches):
    trait, op, value = rule
    targeted = survey(targeting=[Rule(trait, op, value)])

    assert Rule(trait, op, value).matches(traits) is matches
    assert decide(targeted, history(), ask(traits=traits)).ask is matches


def test_every_targeting_rule_has_to_match():
    targeted = survey(
        targeting=[
            {"trait": "plan", "op": "eq", "value": "pro"},
            {"trait": "seats", "op": "gte", "value": 5},
        ]
    )

    assert decide(targeted, history(), ask(traits={"plan": "pro", "seats": 5})).ask is True
    assert decide(targeted, history(), ask(traits={"plan": "pro", "seats": 4})).ask is False


def test_malformed_targeting_rules_are_refused():
    with pytest.raises(ValueError, match="op"):
        Rule("plan", "like", "pro")
    with pytest.raises(ValueError, match="list"):
        Rule("plan", "in", "pro")
    with pytest.raises(ValueError, match="number"):
        Rule("seats", "gte", "5")
    with pytest.raises(ValueError, match="origin"):
        ask(origin="cron")


# -- backend triggers and force --------------------------------------------------------------------


def test_backend_triggers_skip_event_page_targeting_and_sampling():
    case = failing(
        "event_not_trigger",
        "page_mismatch",
        "targeting_mismatch",
        "not_sampled",
        origin="api",
        event=None,
        url=None,
    )

    assert decide(*case) == Decision(ask=True)
    skipped = [o.name for o in explain(*case) if o.skipped]
    assert skipped == ["event_not_trigger", "page_mismatch", "targeting_mismatch", "not_sampled"]


@pytest.mark.parametrize(
    "reason",
    [
        "survey_inactive",
        "not_running",
        "quota_reached",
        "answered_recently",
        "cooldown",
        "already_pending",
    ],
)
def test_backend_triggers_still_obey_the_other_rules(reason):
    assert decide(*failing(reason, origin="api")).reason == reason


def test_force_skips_only_the_fatigue_rules():
    fatigued = failing(
        "answered_recently", "dismissed_recently", "cooldown", origin="api", force=True
    )

    assert decide(*fatigued) == Decision(ask=True)
    assert [o.name for o in explain(*fatigued) if o.skipped] == [
        "event_not_trigger",
        "page_mismatch",
        "targeting_mismatch",
        "not_sampled",
        "answered_recently",
        "dismissed_recently",
        "cooldown",
    ]


def test_force_still_respects_the_quota_and_the_dates_and_re_delivers_an_open_prompt():
    assert decide(*failing("quota_reached", origin="api", force=True)).reason == "quota_reached"
    assert decide(*failing("not_running", origin="api", force=True)).reason == "not_running"
    assert decide(*failing("already_pending", origin="api", force=True)) == Decision(
        ask=False, reason="already_pending", pending_prompt_id="prm_open"
    )


# -- explain ---------------------------------------------------------------------------------------


def test_explain_lists_every_rule_in_order_even_after_a_failure():
    outcomes = explain(*failing(*REASONS))

    assert [o.name for o in outcomes] == list(REASONS)
    assert not any(o.passed or o.skipped for o in outcomes)
    assert all(o.detail for o in outcomes)


def test_explain_says_when_the_user_can_be_asked_again():
    outcomes = {
        o.name: o
        for o in explain(survey(), history(last_answered_at=NOW - 12 * DAY - SECOND), ask())
    }

    answered = outcomes["answered_recently"]
    assert answered.passed is False
    assert answered.detail.startswith("answered 12 days ago; recontact after 90 days")
    assert answered.detail.endswith("until 2025-08-18T11:59:59+00:00")
    assert outcomes["targeting_mismatch"].detail == "the targeting rule matches"
    assert outcomes["already_pending"].detail == "no open prompt"


def test_explain_names_the_targeting_rule_that_failed():
    outcome = explain(survey(), history(), ask(traits={}))[4]

    assert outcome.name == "targeting_mismatch"
    assert outcome.detail == "rule plan eq 'pro' fails: trait 'plan' is missing"


# -- several surveys on one event ------------------------------------------------------------------


def test_highest_priority_wins_then_the_oldest_then_the_id():
    newer = survey(id="srv_b", priority=1, created_at=NOW - DAY)
    older = survey(id="srv_c", priority=1, created_at=NOW - 9 * DAY)
    twin = survey(id="srv_a", priority=1, created_at=NOW - 9 * DAY)
    low = survey(id="srv_d", priority=0, created_at=NOW - 99 * DAY)

    assert [s.id for s in rank([low, newer, older, twin])] == ["srv_a", "srv_c", "srv_b", "srv_d"]
    assert rank([]) == []


# -- running dates ---------------------------------------------------------------------------------


def test_a_survey_runs_from_its_start_until_just_before_its_end():
    dated = survey(starts_at=NOW, ends_at=NOW + 7 * DAY)

    assert decide(dated, history(), ask(now=NOW - SECOND)).reason == "not_running"
    assert decide(dated, history(), ask(now=NOW)).ask is True
    assert decide(dated, history(), ask(now=NOW + 7 * DAY - SECOND)).ask is True
    assert decide(dated, history(), ask(now=NOW + 7 * DAY)).reason == "not_running"


def test_either_date_alone_bounds_the_survey_on_one_side():
    assert decide(survey(starts_at=NOW + DAY), history(), ask()).reason == "not_running"
    assert decide(survey(starts_at=NOW - 99 * DAY), history(), ask()).ask is True
    assert decide(survey(ends_at=NOW + SECOND), history(), ask()).ask is True


def test_explain_says_when_a_survey_starts_or_ended():
    later = explain(survey(starts_at=NOW + DAY), history(), ask())[1]
    over = explain(survey(ends_at=NOW - DAY), history(), ask())[1]

    assert (later.name, later.passed) == ("not_running", False)
    assert later.detail == "starts at 2025-06-02T12:00:00+00:00"
    assert over.detail == "ended at 2025-05-31T12:00:00+00:00"
    assert explain(survey(), history(), ask())[1].detail == "no start or end date"


# -- pages -----------------------------------------------------------------------------------------


def test_a_survey_on_billing_pages_asks_on_an_invoice_page_and_not_on_settings():
    billing = survey(pages=[{"op": "glob", "value": "/billing/*"}])

    assert decide(billing, history(), ask(url="https://app.example/billing/invoices")).ask
    assert (
        decide(billing, history(), ask(url="https://app.example/settings")).reason
        == "page_mismatch"
    )
    assert decide(billing, history(), ask(url=None)).reason == "page_mismatch"
    assert decide(survey(pages=[]), history(), ask(url=None)).ask is True


def test_explain_names_the_page_and_the_rules_it_missed():
    outcome = explain(survey(), history(), ask(url="https://app.example/settings?x=1"))[3]

    assert (outcome.name, outcome.passed) == ("page_mismatch", False)
    assert outcome.detail == (
        "page 'https://app.example/settings?x=1' matches none of: starts_with '/billing/'"
    )


# -- event props ---------------------------------------------------------------------------------

CHAT = {"event": "ticket.closed", "where": [{"prop": "channel", "op": "eq", "value": "chat"}]}


@pytest.mark.parametrize(
    ("condition", "props", "matches"),
    [
        (("channel", "eq", "chat"), {"channel": "chat"}, True),
        (("channel", "eq", "chat"), {"channel": "email"}, False),
        (("channel", "eq", "chat"), {"channel": "Chat"}, False),
        (("channel", "eq", "chat"), {}, False),
        (("channel", "neq", "chat"), {"channel": "email"}, True),
        (("channel", "neq", "chat"), {"channel": "chat"}, False),
        (("channel", "neq", "chat"), {}, False),
        (("channel", "neq", "chat"), {"channel": None}, False),
        (("channel", "in", ["chat", "phone"]), {"channel": "phone"}, True),
        (("channel", "in", ["chat", "phone"]), {"channel": "email"}, False),
        (("amount", "gte", 100), {"amount": 100}, True),
        (("amount", "gte", 100), {"amount": 99.99}, False),
        (("amount", "gte", 100), {"amount": "120"}, False),
        (("amount", "gte", 100), {"amount": True}, False),
        (("amount", "lte", 100), {"amount": 100.0}, True),
        (("amount", "eq", 5), {"amount": 5.0}, True),
        (("amount", "eq", 5), {"amount": "5"}, False),
        (("paid", "eq", True), {"paid": True}, True),
        (("paid", "eq", True), {"paid": 1}, False),
        (("plan", "contains", "pro"), {"plan": "pro-annual"}, True),
        (("plan", "contains", "pro"), {"plan": "Pro-annual"}, False),
        (("plan", "contains", "1"), {"plan": 12}, False),
    ],
)
def test_where_conditions_compare_event_props_as_documented(condition, props, matches):
    prop, op, value = condition
    trigger = {"event": "ticket.closed", "where": [{"prop": prop, "op": op, "value": value}]}
    filtered = survey(trigger_events=[trigger])

    assert Condition(prop, op, value).matches(props) is matches
    decision = decide(filtered, history(), ask(event="ticket.closed", props=props))
    assert decision.ask is matches
    assert decision.reason in (None, "event_not_trigger")


def test_a_ticket_closed_in_chat_asks_and_one_closed_by_email_does_not():
    chat_only = survey(trigger_events=[CHAT])

    chat = ask(event="ticket.closed", props={"channel": "chat"})
    email = ask(event="ticket.closed", props={"channel": "email"})
    assert decide(chat_only, history(), chat).ask is True
    assert decide(chat_only, history(), email).reason == "event_not_trigger"
    assert triggers_on(chat_only.trigger_events, "ticket.closed") is True


def test_every_condition_of_a_trigger_must_hold_and_any_trigger_may_ask():
    big_chat = {
        "event": "ticket.closed",
        "where": [
            {"prop": "channel", "op": "eq", "value": "chat"},
            {"prop": "minutes", "op": "gte", "value": 10},
        ],
    }
    filtered = survey(trigger_events=[big_chat, "invoice.paid"])

    def asks(event, props):
        return decide(filtered, history(), ask(event=event, props=props)).ask

    assert asks("ticket.closed", {"channel": "chat", "minutes": 12}) is True
    assert asks("ticket.closed", {"channel": "chat", "minutes": 3}) is False
    assert asks("invoice.paid", {}) is True


def test_a_wildcard_trigger_takes_conditions_too():
    refunds = survey(
        trigger_events=[
            {"event": "billing.*", "where": [{"prop": "amount", "op": "gte", "value": 100}]}
        ]
    )

    assert decide(refunds, history(), ask(event="billing.refund", props={"amount": 150})).ask
    assert not decide(refunds, history(), ask(event="billing.refund", props={"amount": 5})).ask


def test_explain_names_the_condition_that_failed_and_the_prop_it_saw():
    outcome = explain(
        survey(trigger_events=[CHAT]),
        history(),
        ask(event="ticket.closed", props={"channel": "email"}),
    )[2]

    assert (outcome.name, outcome.passed) == ("event_not_trigger", False)
    assert outcome.detail == (
        "event 'ticket.closed' matches no trigger's conditions: "
        "channel eq 'chat' fails: prop 'channel' is 'email'"
    )
    passed = explain(
        survey(trigger_events=[CHAT]),
        history(),
        ask(event="ticket.closed", props={"channel": "chat"}),
    )
    assert (
        passed[2].detail
        == "event 'ticket.closed' matches trigger 'ticket.closed' where channel eq 'chat'"
    )


def test_malformed_where_conditions_are_refused():
    with pytest.raises(ValueError, match="op"):
        Condition("channel", "like", "chat")
    with pytest.raises(ValueError, match="list"):
        Condition("channel", "in", "chat")
    with pytest.raises(ValueError, match="number"):
        Condition("amount", "gte", "5")
    with pytest.raises(ValueError, match="string"):
        Condition("plan", "contains", 5)


def test_event_names_reads_plain_and_filtered_triggers():
    assert event_names(["invoice.paid", CHAT]) == ["invoice.paid", "ticket.closed"]
