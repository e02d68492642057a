"""The SDK's retry policy: what is tried again, how often, and how long it waits.

These run the client against ``httpx.MockTransport`` fakes (the transport layer is what is under
test); sleeping is injected through ``client._core._sleep`` so nothing really waits.
"""

from __future__ import annotations

import asyncio
import email.utils
from datetime import UTC, datetime, timedelta

import fiilis
import httpx
import pytest
from fiilis import _retries
from hypothesis import given
from hypothesis import strategies as st

BASE = "https://collector.test"
KEY = "sk_test_retries_0123456789"


class FlakyCollector:
    """Answers ``POST /v1/prompts`` like the collector (one stored prompt per Idempotency-Key),
    after failing in scripted ways first: each script item is an exception to raise or an
    ``httpx.Response`` to answer with."""

    def __init__(self, *failures):
        self.failures = list(failures)
        self.requests: list[httpx.Request] = []
        self.prompts: dict[str, dict] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        key = request.headers.get("idempotency-key")
        if key not in self.prompts:
            self.prompts[key] = {
                "id": f"prm_{len(self.prompts) + 1}",
                "status": "pending",
                "expires_at": "2030-01-01T00:00:00Z",
            }
        return httpx.Response(201, json=self.prompts[key], headers={"X-Request-Id": "req_ok"})

    @property
    def calls(self) -> int:
        return len(self.requests)


def error(status: int, code: str = "oops", headers: dict | None = None) -> httpx.Response:
    body = {"error": {"type": "api_error", "code": code, "message": "no", "request_id": "req_e"}}
    return httpx.Response(status, json=body, headers=headers or {})


def make_client(server, **options) -> tuple[fiilis.Fiilis, list[float]]:
    client = fiilis.Fiilis(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(server), **options
    )
    slept: list[float] = []
    client._core._sleep = slept.append
    return client, slept


def ask(client) -> fiilis.Prompt:
    return client.prompts.create(user_id="u42", survey="srv_1")


def test_two_connection_failures_then_success_store_exactly_one_prompt():
    server = FlakyCollector(httpx.ConnectError("refused"), httpx.ConnectError("refused"))
    client, slept = make_client(server)

    prompt = ask(client)

    assert prompt.status == "pending" and prompt.id == "prm_1"
    assert server.calls == 3
    assert len(server.prompts) == 1
    keys = {r.headers["idempotency-key"] for r in server.requests}
    assert len(keys) == 1 and next(iter(keys))
    assert len(slept) == 2


def test_every_call_makes_a_fresh_idempotency_key():
    server = FlakyCollector()
    client, _ = make_client(server)

    ask(client)
    ask(client)

    first, second = (r.headers["idempotency-key"] for r in server.requests)
    assert first != second
    assert len(server.prompts) == 2


def test_a_given_idempotency_key_is_sent_as_is_on_every_attempt():
    server = FlakyCollector(error(503))
    client, _ = make_client(server)

    client.prompts.create(user_id="u42", survey="srv_1", idempotency_key="ticket-closed-T-1")

    assert [r.headers["idempotency-key"] for r in server.requests] == ["ticket-closed-T-1"] * 2


def test_retry_after_in_seconds_is_what_the_client_waits():
    server = FlakyCollector(error(429, "rate_limited", {"Retry-After": "3"}))
    client, slept = make_client(server)

    ask(client)

    assert slept == [3.0]
    assert server.calls == 2


def test_retry_after_as_an_http_date_is_honoured():
    when = datetime.now(UTC) + timedelta(seconds=20)
    header = email.utils.format_datetime(when, usegmt=True)
    server = FlakyCollector(error(503, headers={"Retry-After": header}))
    client, slept = make_client(server)

    ask(client)

    assert len(slept) == 1 and 17 <= slept[0] <= 20


def test_retry_after_longer_than_a_minute_is_capped():
    server = FlakyCollector(error(429, headers={"Retry-After": "3600"}))
    client, slept = make_client(server)

    ask(client)

    assert slept == [60.0]


def test_rate_limit_error_carries_retry_after_when_retries_run_out():
    server = FlakyCollector(*[error(429, "rate_limited", {"Retry-After": "7"})] * 3)
    client, slept = make_client(server)

    with pytest.raises(fiilis.RateLimitError) as caught:
        ask(client)

    assert caught.value.retry_after == 7.0
    assert slept == [7.0, 7.0]
    assert server.calls == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 415, 422])
def test_a_client_error_other_than_429_is_never_retried(status):
    server = FlakyCollector(error(status))
    client, slept = make_client(server, max_retries=5)

    with pytest.raises(fiilis.APIError) as caught:
        ask(client)

    assert caught.value.status == status
    assert server.calls == 1
    assert slept == []


def test_max_retries_zero_means_exactly_one_call():
    server = FlakyCollector(error(503))
    client, slept = make_client(server, max_retries=0)

    with pytest.raises(fiilis.ServerError):
        ask(client)

    assert server.calls == 1
    assert slept == []


def test_max_retries_zero_makes_one_call_on_connection_errors_too():
    server = FlakyCollector(httpx.ConnectError("refused"))
    client, _ = make_client(server, max_retries=0)

    with pytest.raises(fiilis.APIConnectionError):
        ask(client)

    assert server.calls == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_then_raised(status):
    server = FlakyCollector(*[error(status)] * 3)
    client, slept = make_client(server)  # max_retries=2 by default

    with pytest.raises(fiilis.ServerError) as caught:
        ask(client)

    assert caught.value.status == status
    assert server.calls == 3
    assert len(slept) == 2
    assert 0 <= slept[0] <= 0.5 and 0 <= slept[1] <= 1.0  # full jitter under 0.5·2^n


def test_a_server_error_then_success_returns_the_result():
    server = FlakyCollector(error(502))
    client, slept = make_client(server)

    assert ask(client).id == "prm_1"
    assert server.calls == 2 and len(slept) == 1


def test_timeouts_are_retried_and_end_as_api_timeout_error():
    server = FlakyCollector(*[httpx.ReadTimeout("slow")] * 3)
    client, slept = make_client(server)

    with pytest.raises(fiilis.APITimeoutError) as caught:
        ask(client)

    assert isinstance(caught.value, fiilis.APIConnectionError)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert server.calls == 3 and len(slept) == 2


def test_a_timeout_then_success_does_not_ask_twice():
    server = FlakyCollector(httpx.ReadTimeout("slow"))
    client, _ = make_client(server)

    ask(client)

    assert len(server.prompts) == 1
    assert (
        server.requests[0].headers["idempotency-key"]
        == server.requests[1].headers["idempotency-key"]
    )


def test_a_malformed_request_error_from_the_transport_is_not_retried():
    server = FlakyCollector(httpx.UnsupportedProtocol("no"))
    client, slept = make_client(server)

    with pytest.raises(fiilis.APIConnectionError):
        ask(client)

    assert server.calls == 1 and slept == []


def survey_server(*failures):
    answers = list(failures)
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        if answers:
            failure = answers.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        return httpx.Response(201, json={"id": "srv_1", "kind": "csat"})

    return handler, seen


def test_creating_a_survey_is_not_repeated_after_it_may_have_arrived():
    # The collector deduplicates prompts by Idempotency-Key but not surveys: a read timeout may
    # mean the survey was made, so trying again could make two.
    handler, seen = survey_server(httpx.ReadTimeout("slow"))
    client, _ = make_client(handler)

    with pytest.raises(fiilis.APITimeoutError):
        client.surveys.create(kind="csat", question="How did we do?")

    assert len(seen) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_creating_a_survey_is_not_repeated_after_a_server_error_it_may_have_got_past(status):
    # A 500, or a proxy's 502/504, can come after the collector stored the survey.
    handler, seen = survey_server(error(status))
    client, _ = make_client(handler)

    with pytest.raises(fiilis.ServerError):
        client.surveys.create(kind="csat", question="How did we do?")

    assert len(seen) == 1


def test_creating_a_survey_is_retried_when_the_connection_was_never_made():
    handler, seen = survey_server(httpx.ConnectError("refused"), error(503))
    client, _ = make_client(handler)

    assert client.surveys.create(kind="csat", question="How did we do?").id == "srv_1"
    assert len(seen) == 3


def test_gets_are_retried_too_and_carry_no_idempotency_key():
    answers = [error(503), httpx.Response(200, json={"id": "site_1", "name": "Acme"})]
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return answers.pop(0)

    client, _ = make_client(handler)

    assert client.site.get().name == "Acme"
    assert len(seen) == 2
    assert all("idempotency-key" not in r.headers for r in seen)


def test_async_client_retries_with_the_same_idempotency_key():
    server = FlakyCollector(httpx.ConnectError("refused"), error(503))
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    async def main():
        async with fiilis.AsyncFiilis(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(server)
        ) as client:
            client._core._sleep = fake_sleep
            return await client.prompts.create(user_id="u42", survey="srv_1")

    prompt = asyncio.run(main())

    assert prompt.id == "prm_1"
    assert server.calls == 3 and len(server.prompts) == 1
    assert len({r.headers["idempotency-key"] for r in server.requests}) == 1
    assert len(slept) == 2


def test_async_client_never_retries_a_404():
    server = FlakyCollector(error(404, "not_found"))

    async def main():
        async with fiilis.AsyncFiilis(
            api_key=KEY, base_url=BASE, transport=httpx.MockTransport(server)
        ) as client:
            await client.prompts.create(user_id="u42", survey="srv_1")

    with pytest.raises(fiilis.NotFoundError):
        asyncio.run(main())
    assert server.calls == 1


# --- the policy itself ------------------------------------------------------------------------


@given(st.integers(0, 50), st.floats(0, 1, exclude_max=True))
def test_backoff_stays_under_the_exponential_cap(retries_done, r):
    delay = _retries.backoff(retries_done, random=lambda: r)
    assert 0 <= delay < min(8.0, 0.5 * 2**retries_done)


def test_backoff_doubles_up_to_eight_seconds():
    ceilings = [_retries.backoff(n, random=lambda: 1.0) for n in range(6)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


@given(st.integers(0, 10), st.integers(0, 10), st.booleans())
def test_retry_delay_is_none_when_retries_are_used_up_or_not_retryable(done, max_retries, ok):
    delay = _retries.retry_delay(retries_done=done, max_retries=max_retries, retryable=ok)
    assert (delay is None) == (not ok or done >= max_retries)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("3", 3.0), ("0", 0.0), ("1.5", 1.5), ("-4", 0.0), (" 12 ", 12.0), ("soon", None), ("", None)],
)
def test_retry_after_is_read_as_seconds(header, seconds):
    assert _retries.parse_retry_after(header) == seconds


def test_retry_after_dates_count_from_now_and_never_go_negative():
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    later = email.utils.format_datetime(now + timedelta(seconds=30), usegmt=True)
    earlier = email.utils.format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert _retries.parse_retry_after(later, now=now) == 30.0
    assert _retries.parse_retry_after(earlier, now=now) == 0.0


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 599])
def test_429_and_5xx_are_retryable(status):
    assert _retries.retryable_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 413, 415, 422, 301])
def test_other_statuses_are_not(status):
    assert not _retries.retryable_status(status)
