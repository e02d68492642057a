"""The request core that ``Fiilis`` and ``AsyncFiilis`` share.

Everything that decides something lives in ``RequestCore``: configuration, building the request,
mapping answers to results or exceptions, and the retry loop, written once as a generator that
*yields* what to do next (send this request, sleep this long) and is told what happened. The sync and
async cores only carry those steps out with ``httpx.Client`` or ``httpx.AsyncClient``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random as _random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Union
from urllib.parse import urlsplit

import httpx

from fiilis._errors import APIConnectionError, APIError, APITimeoutError, FiilisError, api_error
from fiilis._params import encode_json
from fiilis._retries import parse_retry_after, retry_delay, retryable_exception, retryable_status
from fiilis._version import __version__

log = logging.getLogger("fiilis")

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 2
USER_AGENT = f"fiilis-python/{__version__}"


@dataclass(frozen=True)
class Settings:
    """A client's configuration. Frozen: ``with_options`` makes a new one."""

    api_key: str = field(repr=False)
    base_url: str
    timeout: httpx.Timeout
    max_retries: int

    def replace(self, **changes: Any) -> Settings:
        values = {
            "api_key": self.api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            **changes,
        }
        return make_settings(**values, environ={})


def make_settings(
    *,
    api_key: str | None,
    base_url: str | None,
    timeout: float | httpx.Timeout,
    max_retries: int,
    environ: Mapping[str, str] = os.environ,
) -> Settings:
    """Check and complete a client's configuration; arguments win over ``FIILIS_*`` variables."""
    key = api_key if api_key is not None else environ.get("FIILIS_API_KEY")
    if not key or not isinstance(key, str) or not key.strip():
        raise FiilisError(
            "No API key: pass api_key='sk_…' or set FIILIS_API_KEY "
            "(the site's secret key, shown once by `fiilis site create`)."
        )
    key = key.strip()
    if key.startswith("pk_"):
        raise FiilisError(
            "That is the site's public key (pk_…), which belongs in the widget snippet; "
            "the management API needs the secret key (sk_…)."
        )
    url = base_url if base_url is not None else environ.get("FIILIS_BASE_URL")
    if not url or not isinstance(url, str):
        raise FiilisError(
            "No collector address: pass base_url='https://feedback.example.com' "
            "or set FIILIS_BASE_URL."
        )
    url = url.strip().rstrip("/")
    if url.endswith("/v1"):  # the SDK adds /v1 itself
        url = url[: -len("/v1")]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FiilisError(f"base_url must be an http(s) URL such as https://host, not {url!r}.")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float | httpx.Timeout):
        raise TypeError(f"timeout must be seconds or an httpx.Timeout, not {timeout!r}")
    if not isinstance(timeout, httpx.Timeout):
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout!r}")
        timeout = httpx.Timeout(float(timeout))
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"max_retries must be an integer ≥ 0, not {max_retries!r}")
    return Settings(api_key=key, base_url=url, timeout=timeout, max_retries=max_retries)


@dataclass(frozen=True)
class Call:
    """One API call as the resources describe it, before it becomes an HTTP request."""

    method: str
    path: str
    params: Mapping[str, str] | None = None
    json: Any = None
    # A body already encoded (JSON lines for an import), sent as ``content_type``.
    content: bytes | None = None
    content_type: str | None = None
    idempotency_key: str | None = None
    accept: str = "application/json"
    # False when repeating the call after it reached the server could do it twice (the server
    # does not deduplicate it by Idempotency-Key): then only never-connected attempts are retried.
    idempotent: bool = True


@dataclass(frozen=True)
class Send:
    request: httpx.Request


@dataclass(frozen=True)
class Sleep:
    seconds: float


# What the exchange is told after a Send (the answer, or the transport's exception) or a Sleep.
Outcome = Union[httpx.Response, Exception, None]  # noqa: UP007 (a runtime alias, 3.10-safe)
Exchange = Generator[Union[Send, Sleep], Outcome, httpx.Response]  # noqa: UP007


class RequestCore:
    """Builds requests, runs the retry policy and turns answers into data or exceptions. No I/O."""

    def __init__(self, settings: Settings, *, random: Callable[[], float] = _random.random):
        self.settings = settings
        self._random = random

    def build(self, call: Call) -> httpx.Request:
        """The HTTP request for ``call``. A POST gets its ``Idempotency-Key`` here, once, so every
        retry of the call carries the same one."""
        headers = {
            "Authorization": f"Bearer {self.settings.api_key}",
            "User-Agent": USER_AGENT,
            "Accept": call.accept,
            "Accept-Encoding": "gzip, deflate",
        }
        content = None
        if call.json is not None:
            content = encode_json(call.json)
            headers["Content-Type"] = "application/json"
        elif call.content is not None:
            content = call.content
            headers["Content-Type"] = call.content_type or "application/octet-stream"
        if call.method == "POST":
            headers["Idempotency-Key"] = call.idempotency_key or str(uuid.uuid4())
        return httpx.Request(
            call.method,
            self.settings.base_url + call.path,
            params=call.params or None,
            content=content,
            headers=headers,
            extensions={"timeout": self.settings.timeout.as_dict()},
        )

    def exchange(self, call: Call) -> Exchange:
        """The retry loop: yields ``Send``/``Sleep`` steps, returns the successful answer, raises the
        final error. Retried: connection failures, timeouts, 429 and 5xx, at most ``max_retries``
        times, waiting as ``Retry-After`` says or with jittered exponential backoff."""
        request = self.build(call)
        method, path = request.method, request.url.path
        retries = 0
        while True:
            outcome = yield Send(request)
            if isinstance(outcome, httpx.Response):
                request_id = outcome.headers.get("x-request-id")
                log.debug(
                    "%s %s -> %s (request_id=%s)", method, path, outcome.status_code, request_id
                )
                if outcome.is_success:
                    return outcome
                retry_after = parse_retry_after(outcome.headers.get("retry-after"))
                error: FiilisError = api_error(
                    outcome.status_code, outcome.headers, outcome.content, retry_after=retry_after
                )
                retryable = retryable_status(outcome.status_code, idempotent=call.idempotent)
                cause: Exception | None = None
                what = f"HTTP {outcome.status_code}"
            elif isinstance(outcome, Exception):
                log.debug("%s %s failed: %s", method, path, type(outcome).__name__)
                error = self.connection_error(outcome, request)
                retryable = retryable_exception(outcome, idempotent=call.idempotent)
                retry_after, cause = None, outcome
                what = type(outcome).__name__
            else:  # pragma: no cover - a driver bug
                raise RuntimeError(f"unexpected outcome {outcome!r}")
            delay = retry_delay(
                retries_done=retries,
                max_retries=self.settings.max_retries,
                retryable=retryable,
                retry_after=retry_after,
                random=self._random,
            )
            if delay is None:
                raise error from cause
            retries += 1
            log.debug(
                "retrying %s %s in %.2fs after %s (retry %d of %d)",
                method,
                path,
                delay,
                what,
                retries,
                self.settings.max_retries,
            )
            yield Sleep(delay)

    def connection_error(self, exc: Exception, request: httpx.Request) -> APIConnectionError:
        where = f"{request.method} {request.url.path}"
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"No answer from {self.settings.base_url} in time ({where}): {type(exc).__name__}.",
                method=request.method,
                url=str(request.url.copy_with(query=None)),
            )
        return APIConnectionError(
            f"Could not talk to the collector at {self.settings.base_url} ({where}): "
            f"{exc or type(exc).__name__}",
            method=request.method,
            url=str(request.url.copy_with(query=None)),
        )

    @staticmethod
    def decode(response: httpx.Response) -> Any:
        """The JSON of a successful answer (None when it has no body)."""
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise APIError(
                "The collector's answer is not JSON; is base_url the collector's address?",
                status=response.status_code,
                code="invalid_response",
                request_id=response.headers.get("x-request-id"),
                body=response.text[:500],
                headers=response.headers,
            ) from None


class SyncCore(RequestCore):
    """Carries out the exchange with ``httpx.Client``."""

    def __init__(self, settings: Settings, http: httpx.Client):
        super().__init__(settings)
        self.http = http
        self._sleep: Callable[[float], None] = time.sleep

    def request(self, call: Call) -> Any:
        return self.decode(self._run(call, stream=False))

    @contextlib.contextmanager
    def stream(self, call: Call) -> Iterator[httpx.Response]:
        """The successful answer with its body not yet read; closed on leaving the block."""
        response = self._run(call, stream=True)
        try:
            yield response
        finally:
            response.close()

    def iter_bytes(self, response: httpx.Response) -> Iterator[bytes]:
        try:
            yield from response.iter_bytes()
        except httpx.TransportError as exc:
            raise self.connection_error(exc, response.request) from exc

    def _run(self, call: Call, *, stream: bool) -> httpx.Response:
        steps = self.exchange(call)
        step = next(steps)
        while True:
            outcome: Outcome = None
            if isinstance(step, Sleep):
                self._sleep(step.seconds)
            else:
                outcome = self._send(step.request, stream=stream)
            try:
                step = steps.send(outcome)
            except StopIteration as done:
                response: httpx.Response = done.value
                return response

    def _send(self, request: httpx.Request, *, stream: bool) -> httpx.Response | Exception:
        try:
            response = self.http.send(request, stream=stream)
            if stream and not response.is_success:
                try:
                    response.read()  # the error body, for the exception
                finally:
                    response.close()
        except httpx.TransportError as exc:
            return exc
        return response


class AsyncCore(RequestCore):
    """Carries out the exchange with ``httpx.AsyncClient``."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient):
        super().__init__(settings)
        self.http = http
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def request(self, call: Call) -> Any:
        return self.decode(await self._run(call, stream=False))

    @contextlib.asynccontextmanager
    async def stream(self, call: Call) -> AsyncIterator[httpx.Response]:
        response = await self._run(call, stream=True)
        try:
            yield response
        finally:
            await response.aclose()

    async def iter_bytes(self, response: httpx.Response) -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_bytes():
                yield chunk
        except httpx.TransportError as exc:
            raise self.connection_error(exc, response.request) from exc

    async def _run(self, call: Call, *, stream: bool) -> httpx.Response:
        steps = self.exchange(call)
        step = next(steps)
        while True:
            outcome: Outcome = None
            if isinstance(step, Sleep):
                await self._sleep(step.seconds)
            else:
                outcome = await self._send(step.request, stream=stream)
            try:
                step = steps.send(outcome)
            except StopIteration as done:
                response: httpx.Response = done.value
                return response

    async def _send(self, request: httpx.Request, *, stream: bool) -> httpx.Response | Exception:
        try:
            response = await self.http.send(request, stream=stream)
            if stream and not response.is_success:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
        except httpx.TransportError as exc:
            return exc
        return response
