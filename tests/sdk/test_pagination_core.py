"""Lists walk every page through the cursors the collector hands out, each item exactly once."""

from __future__ import annotations

import asyncio
import base64

import fiilis
import httpx
import pytest

BASE = "https://collector.test"
KEY = "sk_test_pages_0123456789"


class PagedCollector:
    """``GET /v1/responses`` over ``total`` responses, newest first, with opaque cursors."""

    def __init__(self, total: int):
        self.items = [
            {"id": f"rsp_{i:04d}", "score": i % 11, "created_at": "2025-01-01T00:00:00Z"}
            for i in range(total)
        ]
        self.requests: list[httpx.Request] = []
        self.cursors_out: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        params = request.url.params
        limit = int(params.get("limit", 20))
        cursor = params.get("cursor")
        start = int(base64.urlsafe_b64decode(cursor).decode()) if cursor else 0
        page = self.items[start : start + limit]
        end = start + len(page)
        has_more = end < len(self.items)
        next_cursor = base64.urlsafe_b64encode(str(end).encode()).decode() if has_more else None
        self.cursors_out.append(next_cursor)
        body = {"data": page, "has_more": has_more, "next_cursor": next_cursor}
        return httpx.Response(200, json=body, headers={"X-Request-Id": f"req_{len(self.requests)}"})


def sync_client(server) -> fiilis.Fiilis:
    return fiilis.Fiilis(api_key=KEY, base_url=BASE, transport=httpx.MockTransport(server))


def async_client(server) -> fiilis.AsyncFiilis:
    return fiilis.AsyncFiilis(api_key=KEY, base_url=BASE, transport=httpx.MockTransport(server))


def test_250_responses_with_limit_100_come_each_exactly_once_in_3_requests():
    server = PagedCollector(250)

    with sync_client(server) as client:
        ids = [r.id for r in client.responses.list(survey="srv_1", limit=100)]

    assert ids == [item["id"] for item in server.items]
    assert len(set(ids)) == 250
    assert len(server.requests) == 3
    sent = [r.url.params.get("cursor") for r in server.requests]
    assert sent == [None, server.cursors_out[0], server.cursors_out[1]]
    assert all(r.url.params["limit"] == "100" for r in server.requests)
    assert all(r.url.params["survey"] == "srv_1" for r in server.requests)


def test_async_iteration_walks_the_same_pages():
    server = PagedCollector(250)

    async def main():
        async with async_client(server) as client:
            return [r.id async for r in client.responses.list(survey="srv_1", limit=100)]

    ids = asyncio.run(main())

    assert ids == [item["id"] for item in server.items]
    assert len(server.requests) == 3
    sent = [r.url.params.get("cursor") for r in server.requests]
    assert sent == [None, server.cursors_out[0], server.cursors_out[1]]


def test_nothing_is_fetched_until_iteration_and_breaking_early_stops_fetching():
    server = PagedCollector(250)
    client = sync_client(server)

    listing = client.responses.list(limit=100)
    assert server.requests == []

    for n, _ in enumerate(listing, 1):
        if n == 150:
            break
    assert len(server.requests) == 2


def test_pages_gives_the_pages_themselves():
    server = PagedCollector(250)
    client = sync_client(server)

    pages = list(client.responses.list(limit=100).pages())

    assert [len(p.data) for p in pages] == [100, 100, 50]
    assert [p.has_more for p in pages] == [True, True, False]
    assert pages[-1].next_cursor is None
    assert isinstance(pages[0].data[0], fiilis.Response)


def test_async_pages_and_first_page():
    server = PagedCollector(30)

    async def main():
        async with async_client(server) as client:
            first = await client.responses.list(limit=10).first_page()
            sizes = [len(p.data) async for p in client.responses.list(limit=10).pages()]
            return first, sizes

    first, sizes = asyncio.run(main())
    assert len(first.data) == 10 and first.has_more
    assert sizes == [10, 10, 10]


def test_cursor_resumes_after_a_page_already_held():
    server = PagedCollector(250)
    client = sync_client(server)
    first = client.responses.list(limit=100).first_page()

    rest = [r.id for r in client.responses.list(limit=100, cursor=first.next_cursor)]

    assert rest == [item["id"] for item in server.items[100:]]


def test_an_empty_list_is_one_request_and_no_items():
    server = PagedCollector(0)
    client = sync_client(server)

    assert list(client.surveys.list()) == []
    assert len(server.requests) == 1


def test_a_server_repeating_a_cursor_does_not_loop_forever():
    def handler(request):
        return httpx.Response(
            200, json={"data": [{"id": "rsp_1"}], "has_more": True, "next_cursor": "same"}
        )

    client = sync_client(handler)

    assert [r.id for r in client.responses.list()] == ["rsp_1", "rsp_1"]


def test_has_more_without_a_cursor_ends_the_walk():
    def handler(request):
        return httpx.Response(200, json={"data": [{"id": "x"}], "has_more": True})

    assert len(list(sync_client(handler).responses.list())) == 1


def test_an_error_on_a_later_page_surfaces_from_the_loop():
    server = PagedCollector(250)
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 2:
            return httpx.Response(
                400,
                json={"error": {"type": "invalid_request_error", "code": "bad_cursor",
                                "message": "Not a cursor from this API.", "param": "cursor",
                                "request_id": "req_c"}},
            )  # fmt: skip
        return server(request)

    client = sync_client(handler)
    seen = []
    with pytest.raises(fiilis.ValidationError) as caught:
        for r in client.responses.list(limit=100):
            seen.append(r)

    assert len(seen) == 100
    assert caught.value.param == "cursor"


def test_surveys_list_passes_include_archived_only_when_asked():
    server = PagedCollector(3)
    client = sync_client(server)

    list(client.surveys.list())
    list(client.surveys.list(include_archived=True))

    assert "include_archived" not in server.requests[0].url.params
    assert server.requests[1].url.params["include_archived"] == "true"
