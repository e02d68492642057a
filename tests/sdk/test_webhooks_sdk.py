"""``client.webhooks`` against the real collector and worker, and ``fiilis.webhooks.verify``."""

from __future__ import annotations

import asyncio
import time

import fiilis
import pytest
from standardwebhooks.webhooks import Webhook as StandardWebhook

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # 24 bytes, base64


@pytest.fixture
def app_config(app_config):
    return {**app_config, "ALLOW_PRIVATE_WEBHOOKS": True, "WEBHOOK_RETRY_SCHEDULE": [1]}


def test_the_sdk_manages_a_webhook_and_replays_a_delivery(sdk, receiver, worker):
    made = sdk.webhooks.create(
        url=receiver.url(),
        events=["response.created", "followup.updated"],
        filter={"max_score": 6},
        description="CRM",
    )
    assert isinstance(made, fiilis.Webhook) and made.secret.startswith("whsec_")
    assert made.filter == fiilis.WebhookFilter(max_score=6)
    assert sdk.webhooks.get(made.id).secret is None
    assert [w.id for w in sdk.webhooks.list()] == [made.id]

    changed = sdk.webhooks.update(made.id, events="response.created", description=None)
    assert changed.events == ["response.created"] and changed.description is None

    receiver.answer(500)
    test = sdk.webhooks.test(made.id)
    assert isinstance(test, fiilis.WebhookDelivery) and test.event_type == "webhook.test"
    worker.drain()
    [failed] = list(sdk.webhooks.deliveries(made.id, status="failed"))
    assert failed.attempts == 2 and failed.response_status == 500
    assert [a.status for a in failed.log] == [500, 500]

    receiver.answer(200)
    sdk.webhooks.retry(made.id, failed.id)
    worker.drain()
    [done] = list(sdk.webhooks.deliveries(made.id))
    assert done.status == "succeeded" and done.delivered_at is not None
    assert (
        fiilis.webhooks.verify(
            receiver.requests[-1].body, receiver.requests[-1].headers, made.secret
        ).type
        == "webhook.test"
    )

    rotated = sdk.webhooks.rotate(made.id)
    assert rotated.secret and rotated.secret != made.secret
    sdk.webhooks.delete(made.id)
    with pytest.raises(fiilis.NotFoundError):
        sdk.webhooks.get(made.id)


def test_the_sdk_names_the_field_a_webhook_is_refused_for(sdk):
    with pytest.raises(fiilis.ValidationError) as refused:
        sdk.webhooks.create(url="ftp://hooks.example.com", events=["response.created"])
    assert refused.value.param == "url"


def test_the_async_client_has_the_same_webhooks(async_sdk_factory, receiver, worker):
    async def main():
        async with async_sdk_factory() as client:
            made = await client.webhooks.create(url=receiver.url(), events=["response.created"])
            listed = [w.id async for w in client.webhooks.list()]
            await client.webhooks.test(made.id)
            await asyncio.to_thread(worker.drain)
            logged = [d async for d in client.webhooks.deliveries(made.id)]
            await client.webhooks.update(made.id, active=False)
            read = await client.webhooks.get(made.id)
            await client.webhooks.delete(made.id)
            return made, listed, logged, read

    made, listed, logged, read = asyncio.run(main())
    assert listed == [made.id]
    assert [d.status for d in logged] == ["succeeded"]
    assert read.active is False


# -- verify, on its own --------------------------------------------------------------------------


def signed(body: bytes, *, at: int | None = None, msg_id: str = "evt_1") -> dict:
    timestamp = int(time.time()) if at is None else at
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": fiilis.webhooks.sign(SECRET, msg_id, timestamp, body),
    }


BODY = b'{"id":"evt_1","type":"response.created","created_at":"2026-12-01T10:00:00Z","data":{"score":2}}'


def test_verify_returns_the_event_that_standard_webhooks_also_accepts():
    headers = signed(BODY)
    event = fiilis.webhooks.verify(BODY, headers, SECRET)
    assert (event.id, event.type, event.data) == ("evt_1", "response.created", {"score": 2})
    assert StandardWebhook(SECRET).verify(BODY, headers) == event.raw
    assert fiilis.webhooks.verify(BODY.decode(), {k.upper(): v for k, v in headers.items()}, SECRET)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda b, h: (b.replace(b'"score":2', b'"score":9'), h), "No signature matches"),
        (lambda b, h: (b, {**h, "webhook-id": "evt_2"}), "No signature matches"),
        (lambda b, h: (b, {k: v for k, v in h.items() if k != "webhook-signature"}), "missing"),
        (lambda b, h: (b, {**h, "webhook-timestamp": "soon"}), "Unix time"),
    ],
)
def test_verify_refuses_what_was_not_signed_so(change, message):
    body, headers = change(BODY, signed(BODY))
    with pytest.raises(fiilis.WebhookVerificationError, match=message):
        fiilis.webhooks.verify(body, headers, SECRET)


def test_verify_refuses_another_secret_and_stale_or_future_timestamps():
    with pytest.raises(fiilis.WebhookVerificationError):
        fiilis.webhooks.verify(BODY, signed(BODY), "whsec_" + "A" * 32)
    ten_minutes_ago = int(time.time()) - 600
    with pytest.raises(fiilis.WebhookVerificationError, match="too old"):
        fiilis.webhooks.verify(BODY, signed(BODY, at=ten_minutes_ago), SECRET)
    assert (
        fiilis.webhooks.verify(BODY, signed(BODY, at=ten_minutes_ago), SECRET, tolerance=900).id
        == "evt_1"
    )
    with pytest.raises(fiilis.WebhookVerificationError, match="future"):
        fiilis.webhooks.verify(BODY, signed(BODY, at=int(time.time()) + 600), SECRET)


def test_verify_accepts_any_of_several_signatures():
    headers = signed(BODY)
    old = fiilis.webhooks.sign(
        "whsec_" + "B" * 32, "evt_1", int(headers["webhook-timestamp"]), BODY
    )
    headers["webhook-signature"] = f"{old} {headers['webhook-signature']}"
    assert fiilis.webhooks.verify(BODY, headers, SECRET).id == "evt_1"
