"""``AsyncFiilis`` against the real collector served over HTTP on a free local port."""

from __future__ import annotations

import asyncio
import csv
import socket
from collections import Counter
from datetime import UTC, datetime, timedelta

import fiilis
import httpx
import pytest

from collector.domain.scoring import summarize
from tests.factories import Rows
from tests.sdk.conftest import record_sleeps


class Recorded(httpx.AsyncBaseTransport):
    """httpx's own network transport, keeping every answer for the test to look at."""

    def __init__(self) -> None:
        self.network = httpx.AsyncHTTPTransport()
        self.answers: list[httpx.Response] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await self.network.handle_async_request(request)
        self.answers.append(answer)
        return answer

    async def aclose(self) -> None:
        await self.network.aclose()


def test_the_async_client_creates_a_survey_and_asks_users_in_the_app_and_by_link(
    async_sdk_factory, live_url
):
    async def main():
        async with async_sdk_factory() as client:
            survey = await client.surveys.create(
                kind="nps", question={"en": "How likely?"}, trigger_events=["ticket.closed"]
            )
            in_app = await client.prompts.create(
                user_id="u1", survey=survey.id, context={"ticket": "T-1"}
            )
            again = await client.prompts.create(user_id="u1", survey=survey.id)
            by_link = await client.prompts.create(user_id="u2", survey=survey.id, channel="link")
            read = await client.prompts.get(in_app.id)
            return survey, in_app, again, by_link, read

    survey, in_app, again, by_link, read = asyncio.run(main())

    assert survey.id.startswith("srv_") and survey.kind == "nps"
    assert in_app.status == "pending" and in_app.id
    assert (again.status, again.reason) == ("suppressed", "already_pending")
    assert by_link.url.startswith(live_url + "/r/")
    assert (read.survey, read.user_id, read.context) == (survey.id, "u1", {"ticket": "T-1"})


def test_the_async_client_iterates_every_response_across_pages_and_exports_them(
    async_sdk_factory, app, site, tmp_path
):
    rows = Rows(app, site)
    survey = rows.survey("csat")
    start = datetime(2025, 3, 1, tzinfo=UTC)
    made = rows.responses(
        survey,
        [{"score": 1 + i % 5, "at": start + timedelta(seconds=i // 2)} for i in range(5)],
    )
    path = tmp_path / "out.csv"

    async def main():
        async with async_sdk_factory() as client:
            listed = [r.id async for r in client.responses.list(survey=survey, limit=2)]
            sizes = [
                len(p.data) async for p in client.responses.list(survey=survey, limit=2).pages()
            ]
            await client.responses.export_csv(path, survey=survey)
            return listed, sizes

    listed, sizes = asyncio.run(main())

    assert Counter(listed) == Counter(made)
    assert sizes == [2, 2, 1]
    with path.open(encoding="utf-8-sig", newline="") as f:
        header, *lines = list(csv.reader(f))
    assert {line[header.index("id")] for line in lines} == set(made)


def test_the_async_client_reads_the_collectors_scores(async_sdk_factory, app, site):
    rows = Rows(app, site)
    survey = rows.survey("csat")
    scores = [5, 5, 4, 4, 4, 3, 2, 1, 5]
    rows.responses(survey, [{"score": s, "user_id": f"u{i}"} for i, s in enumerate(scores)])

    async def main():
        async with async_sdk_factory() as client:
            return await client.metrics.get(survey=survey, interval="day")

    metrics = asyncio.run(main())

    expected = summarize("csat", Counter(scores)).to_dict()
    assert (metrics.n, metrics.score, list(metrics.ci95)) == (
        expected["n"],
        expected["score"],
        expected["ci95"],
    )
    assert metrics.satisfied_pct == expected["satisfied_pct"]
    assert metrics.distribution == expected["distribution"]
    assert sum(point.n for point in metrics.series) == len(scores)


def test_the_async_client_raises_the_collectors_errors_with_their_request_ids(
    async_sdk_factory, make_site
):
    theirs = make_site(name="Other Corp")
    wire = Recorded()

    async def main():
        errors = []
        async with async_sdk_factory(api_key=theirs.secret_key) as other:
            survey = await other.surveys.create(kind="ces", question={"en": "Easy?"})
        async with async_sdk_factory(transport=wire) as client:
            for call in (
                lambda: client.surveys.get(survey.id),
                lambda: client.with_options(api_key="sk_wrong_key_0123456789").site.get(),
                lambda: client.surveys.create(kind="ces", question={"en": "?"}, delay_ms=-1),
            ):
                with pytest.raises(fiilis.APIError) as raised:
                    await call()
                errors.append(raised.value)
        return errors

    not_found, unauthenticated, invalid = asyncio.run(main())

    assert type(not_found) is fiilis.NotFoundError
    assert type(unauthenticated) is fiilis.AuthenticationError
    assert type(invalid) is fiilis.ValidationError and invalid.param == "delay_ms"
    for error, answer in zip((not_found, unauthenticated, invalid), wire.answers, strict=True):
        assert error.status == answer.status_code
        assert error.request_id and error.request_id == answer.headers["X-Request-Id"]


def test_the_async_client_retries_a_refused_connection_then_raises_a_connection_error():
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main():
        async with fiilis.AsyncFiilis(
            api_key="sk_test_0123456789", base_url=f"http://127.0.0.1:{port}", max_retries=2
        ) as client:
            waits = record_sleeps(client)
            with pytest.raises(fiilis.APIConnectionError) as raised:
                await client.site.get()
            return raised.value, waits

    error, waits = asyncio.run(main())

    assert not isinstance(error, fiilis.APIError)
    assert len(waits) == 2
