"""Webhook rules without I/O: signatures, filters, retry delays and which addresses are public."""

from __future__ import annotations

import random
import time

import pytest
from standardwebhooks.webhooks import Webhook as StandardWebhook

from collector.domain import webhooks
from collector.domain.outbound import address_refusal

SECRET = webhooks.secret_from_key(bytes(range(32)))


def test_a_signature_is_the_one_standard_webhooks_checks():
    body = b'{"id":"evt_1","type":"response.created"}'
    now = int(time.time())  # the library checks the timestamp against its own clock
    other = webhooks.secret_from_key(b"x" * 24)
    headers = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(now),
        "webhook-signature": webhooks.signature_header([other, SECRET], "evt_1", now, body),
    }
    assert StandardWebhook(SECRET).verify(body, headers) == {
        "id": "evt_1",
        "type": "response.created",
    }
    assert StandardWebhook(other).verify(body, headers)  # either secret of a rotation
    with pytest.raises(Exception, match="No matching signature"):
        StandardWebhook(webhooks.secret_from_key(b"y" * 24)).verify(body, headers)


def test_a_secret_round_trips_through_its_whsec_text():
    assert SECRET.startswith("whsec_")
    assert webhooks.key_from_secret(SECRET) == bytes(range(32))


RESPONSE = {"survey": "srv_a", "score": 3, "comment": "Slow"}


@pytest.mark.parametrize(
    "filter_, passes",
    [
        (None, True),
        ({}, True),
        ({"survey": "srv_a"}, True),
        ({"survey": "srv_b"}, False),
        ({"max_score": 3}, True),
        ({"max_score": 2}, False),
        ({"min_score": 3}, True),
        ({"min_score": 4}, False),
        ({"has_comment": True}, True),
        ({"has_comment": False}, False),
        ({"survey": "srv_a", "max_score": 6, "has_comment": True}, True),
        ({"survey": None, "max_score": None}, True),
    ],
)
def test_a_filter_holds_when_every_condition_given_holds(filter_, passes):
    assert webhooks.matches(filter_, RESPONSE) is passes


def test_a_blank_comment_is_no_comment():
    assert webhooks.matches({"has_comment": False}, {**RESPONSE, "comment": "  "})
    assert not webhooks.matches({"has_comment": True}, {**RESPONSE, "comment": None})


def test_retry_delays_follow_the_schedule_within_the_jitter_then_stop():
    schedule = [5, 300, 1800]
    rand = random.Random(7)
    for failures, base in enumerate(schedule, start=1):
        delay = webhooks.retry_delay(schedule, failures, rand)
        assert 0.8 * base <= delay <= 1.2 * base
    assert webhooks.retry_delay(schedule, 4, rand) is None
    delays = {webhooks.retry_delay(schedule, 1, rand) for _ in range(20)}
    assert len(delays) > 1  # jittered: deliveries that failed together do not return together


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
    ],
)
def test_inside_addresses_are_not_public(address):
    assert address_refusal(address) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
def test_internet_addresses_are_public(address):
    assert address_refusal(address) is None
