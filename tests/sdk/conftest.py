"""The SDK against the real collector: ``create_app()`` in-process, on a fresh SQLite database.

- ``sdk``: a sync ``Fiilis`` for ``site``, talking to the app through ``wire`` (an
  ``httpx.WSGITransport`` that records every exchange and can be told to fail first). Its sleep is
  recorded in ``waits`` instead of slept, so retries cost no time.
- ``live_url``: the same app served on a free local port by werkzeug, in a thread, for
  ``AsyncFiilis`` (httpx has no in-process async transport for a WSGI app).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

import fiilis
import httpx
import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

BASE_URL = "http://collector.test"
ORIGIN = "https://app.example.com"

# What a wire does with a request before the collector sees it: None passes it on; a response
# answers instead; an exception is raised as the transport's failure.
Intercept = Callable[[httpx.Request], "httpx.Response | None"]


class Wire(httpx.BaseTransport):
    """The collector behind a wire the test controls. ``exchanges`` holds every request with the
    collector's answer (or what the test put in its place)."""

    def __init__(self, app) -> None:
        self.collector = httpx.WSGITransport(app=app)
        self.exchanges: list[tuple[httpx.Request, httpx.Response | Exception]] = []
        self.intercept: Intercept | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            answer = self.intercept(request) if self.intercept else None
            if answer is None:
                answer = self.collector.handle_request(request)
        except Exception as exc:
            self.exchanges.append((request, exc))
            raise
        self.exchanges.append((request, answer))
        return answer

    def calls(self, method: str | None = None, path: str | None = None) -> list[httpx.Request]:
        return [
            req
            for req, _ in self.exchanges
            if (method is None or req.method == method) and (path is None or req.url.path == path)
        ]

    def last_response(self) -> httpx.Response:
        for _, answer in reversed(self.exchanges):
            if isinstance(answer, httpx.Response):
                return answer
        raise AssertionError("no response went over the wire")

    def browser_call(self, path: str, body: dict, *, origin: str = ORIGIN) -> httpx.Response:
        """A widget call as a browser makes it (JSON as text/plain, with Origin), straight to the
        collector: not through the SDK and not recorded."""
        request = httpx.Request(
            "POST",
            BASE_URL + path,
            content=json.dumps(body).encode(),
            headers={"Content-Type": "text/plain", "Origin": origin},
        )
        answer = self.collector.handle_request(request)
        answer.read()
        return answer


def record_sleeps(client: fiilis.Fiilis | fiilis.AsyncFiilis) -> list[float]:
    """Make ``client`` note how long it would sleep between retries instead of sleeping."""
    waits: list[float] = []
    if isinstance(client, fiilis.AsyncFiilis):

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        client._core._sleep = sleep
    else:
        client._core._sleep = waits.append
    return waits


@pytest.fixture
def wire(app) -> Wire:
    return Wire(app)


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def sdk(site, wire, waits) -> Iterator[fiilis.Fiilis]:
    with fiilis.Fiilis(api_key=site.secret_key, base_url=BASE_URL, transport=wire) as client:
        client._core._sleep = waits.append
        yield client


@pytest.fixture
def other_sdk(other_site, wire) -> Iterator[fiilis.Fiilis]:
    """The SDK of another site on the same collector."""
    with fiilis.Fiilis(api_key=other_site.secret_key, base_url=BASE_URL, transport=wire) as client:
        yield client


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # no access log in the test output
        pass


@pytest.fixture
def live_url(app) -> Iterator[str]:
    """The app served over real HTTP on a free local port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="collector", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def async_sdk_factory(site, live_url) -> Callable[..., fiilis.AsyncFiilis]:
    """Makes an ``AsyncFiilis`` against the live server; make it inside the test's event loop."""

    def make(**options) -> fiilis.AsyncFiilis:
        options.setdefault("api_key", site.secret_key)
        return fiilis.AsyncFiilis(base_url=live_url, **options)

    return make
