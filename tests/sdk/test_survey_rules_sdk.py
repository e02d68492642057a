"""Page rules, event-prop conditions and running dates through the SDK, against the collector."""

from __future__ import annotations

from datetime import UTC, datetime

CHAT = {"event": "ticket.closed", "where": [{"prop": "channel", "op": "eq", "value": "chat"}]}


def test_a_survey_with_pages_conditions_and_dates_reads_back_typed(sdk):
    survey = sdk.surveys.create(
        kind="ces",
        question="It was easy to get help.",
        trigger_events=[CHAT, "billing.*"],
        pages=[{"op": "glob", "value": "/billing/*"}],
        starts_at=datetime(2030, 1, 1, tzinfo=UTC),
        ends_at="2030-02-01T00:00:00Z",
    )

    got = sdk.surveys.get(survey.id)
    assert got.trigger_events == [CHAT, "billing.*"]
    assert got.pages == [{"op": "glob", "value": "/billing/*"}]
    assert (got.starts_at, got.ends_at) == (
        datetime(2030, 1, 1, tzinfo=UTC),
        datetime(2030, 2, 1, tzinfo=UTC),
    )
    cleared = sdk.surveys.update(survey.id, pages=None, starts_at=None)
    assert (cleared.pages, cleared.starts_at) == (None, None)


def test_eligibility_takes_the_events_props_and_page(sdk):
    survey = sdk.surveys.create(
        kind="ces",
        question="It was easy to get help.",
        trigger_events=[CHAT],
        pages=[{"op": "starts_with", "value": "/support/"}],
    )

    def check(**given):
        return sdk.users.eligibility("u42", survey=survey.id, **given)

    assert check().reason == "event_not_trigger"
    on_settings = check(props={"channel": "chat"}, url="https://app.example/settings")
    assert on_settings.reason == "page_mismatch"
    asked = check(props={"channel": "chat"}, url="https://app.example/support/t/1")
    assert (asked.eligible, asked.props, asked.url) == (
        True,
        {"channel": "chat"},
        "https://app.example/support/t/1",
    )
