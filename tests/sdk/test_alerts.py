"""``client.alerts`` (sync and async) against the real collector."""

from __future__ import annotations

import asyncio

import fiilis
import pytest

SLACK = "https://93.184.216.34/services/T000/B000/XXXXXXXX"  # public literal: no DNS in the suite


def test_an_alert_is_created_listed_read_changed_and_deleted(sdk, wire):
    survey = sdk.surveys.create(kind="nps", question="How likely?")
    slack = sdk.alerts.create(
        channel="slack", target=SLACK, filter={"survey": survey.id, "max_score": 6}
    )
    email = sdk.alerts.create(
        channel="email",
        target=["Ada@Example.com", "ops@example.com"],
        filter=fiilis.AlertFilter(has_comment=True),
        digest="weekly",
    )
    assert slack.id.startswith("alr_")
    assert (slack.filter.survey, slack.filter.max_score) == (survey.id, 6)
    assert email.target == "Ada@example.com, ops@example.com"
    assert email.addresses == ["Ada@example.com", "ops@example.com"]
    assert wire.calls("POST", "/v1/alerts")[1].content == (
        b'{"channel":"email","target":"Ada@Example.com, ops@example.com",'
        b'"filter":{"has_comment":true},"digest":"weekly"}'
    )

    assert [a.id for a in sdk.alerts.list(limit=1)] == [email.id, slack.id]
    assert sdk.alerts.get(slack.id) == slack

    paused = sdk.alerts.update(slack.id, active=False, digest="daily")
    assert (paused.active, paused.digest, paused.target) == (False, "daily", SLACK)
    assert sdk.alerts.update(slack.id, digest=None).digest is None

    assert sdk.alerts.delete(slack.id) == fiilis.Deleted(id=slack.id, deleted=True)
    with pytest.raises(fiilis.NotFoundError):
        sdk.alerts.get(slack.id)


def test_a_private_slack_url_is_a_validation_error_naming_target(sdk):
    with pytest.raises(fiilis.ValidationError) as caught:
        sdk.alerts.create(channel="slack", target="https://169.254.169.254/latest")
    assert caught.value.param == "target"
    assert list(sdk.alerts.list()) == []


def test_another_sites_alert_is_not_found(sdk, other_sdk):
    alert = sdk.alerts.create(channel="email", target="ada@example.com")
    with pytest.raises(fiilis.NotFoundError):
        other_sdk.alerts.update(alert.id, active=False)
    assert list(other_sdk.alerts.list()) == []


def test_update_without_a_change_is_refused_before_any_request(sdk, wire):
    with pytest.raises(ValueError, match="at least one field"):
        sdk.alerts.update("alr_x")
    assert wire.calls() == []


def test_the_async_client_manages_alerts(async_sdk_factory):
    async def main():
        async with async_sdk_factory() as client:
            made = await client.alerts.create(channel="email", target="team@example.com")
            listed = [a.id async for a in client.alerts.list()]
            changed = await client.alerts.update(made.id, filter={"min_score": 9})
            read = await client.alerts.get(made.id)
            gone = await client.alerts.delete(made.id)
            return made, listed, changed, read, gone

    made, listed, changed, read, gone = asyncio.run(main())
    assert listed == [made.id]
    assert changed.filter.min_score == 9 and read == changed
    assert gone.id == made.id and gone.deleted is True


def test_a_test_alert_reaches_the_channel_and_a_refusal_is_an_api_error(sdk, app):
    from tests.slack import SlackStandIn

    app.config["ALLOW_PRIVATE_WEBHOOKS"] = True  # the stand-in is on loopback
    slack = SlackStandIn().start()
    try:
        alert = sdk.alerts.create(channel="slack", target=slack.url, active=False)
        assert sdk.alerts.test(alert.id) == fiilis.AlertTest(id=alert.id, sent=True)
        (sample,) = slack.wait_for(1)
        assert "A test from Fiilis" in sample["text"]
        slack.answer_with(404, "no_service")
        with pytest.raises(fiilis.APIError) as caught:
            sdk.alerts.test(alert.id)
        assert caught.value.status == 502 and "no_service" in caught.value.message
    finally:
        slack.stop()
