"""``Fiilis`` and ``AsyncFiilis``: one client object, the API's resources as its attributes."""

from __future__ import annotations

from types import TracebackType

import httpx

from fiilis._core import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    AsyncCore,
    RequestCore,
    Settings,
    SyncCore,
    make_settings,
)
from fiilis._params import NOT_GIVEN, NotGiven, body
from fiilis.resources.alerts import Alerts, AsyncAlerts
from fiilis.resources.metrics import AsyncMetricsResource, MetricsResource
from fiilis.resources.people import AsyncPeople, People
from fiilis.resources.prompts import AsyncPrompts, Prompts
from fiilis.resources.responses import AsyncResponses, Responses
from fiilis.resources.reviews import Actions, AsyncActions, AsyncReviews, Reviews
from fiilis.resources.site import AsyncSiteResource, SiteResource
from fiilis.resources.suppressions import AsyncSuppressions, Suppressions
from fiilis.resources.surveys import AsyncSurveys, Surveys
from fiilis.resources.users import AsyncUsers, Users
from fiilis.resources.webhooks import AsyncWebhooks, Webhooks

__all__ = ["AsyncFiilis", "Fiilis"]


class _Configured:
    _core: RequestCore

    @property
    def base_url(self) -> str:
        """The collector's address (without ``/v1``)."""
        return self._core.settings.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        """The timeout of every request."""
        return self._core.settings.timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed request is tried again (connection errors, 429, 5xx)."""
        return self._core.settings.max_retries

    def _changed(
        self,
        api_key: str | NotGiven,
        base_url: str | NotGiven,
        timeout: float | httpx.Timeout | NotGiven,
        max_retries: int | NotGiven,
    ) -> Settings:
        changes = body(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        return self._core.settings.replace(**changes)

    def __repr__(self) -> str:  # never the key
        seconds = self.timeout.read
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, timeout={seconds!r}, "
            f"max_retries={self.max_retries!r})"
        )


class Fiilis(_Configured):
    """The Fiilis management API.

    >>> client = Fiilis(api_key="sk_…", base_url="https://feedback.example.com")
    >>> client.prompts.create(user_id="u42", survey="srv_…")

    ``api_key`` and ``base_url`` default to ``FIILIS_API_KEY`` and ``FIILIS_BASE_URL``. Every request
    times out after ``timeout`` seconds and is retried up to ``max_retries`` times on connection
    errors, 429 and 5xx. ``transport`` takes any httpx transport (e.g. ``httpx.WSGITransport`` to
    talk to an in-process collector). Use it as a context manager, or call ``close()``, to release
    its connections.
    """

    surveys: Surveys
    prompts: Prompts
    responses: Responses
    metrics: MetricsResource
    users: Users
    people: People
    suppressions: Suppressions
    site: SiteResource
    alerts: Alerts
    webhooks: Webhooks
    reviews: Reviews
    actions: Actions

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        settings = make_settings(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        self._setup(settings, httpx.Client(transport=transport), owns_http=True)

    def _setup(self, settings: Settings, http: httpx.Client, *, owns_http: bool) -> None:
        self._http = http
        self._owns_http = owns_http
        self._core = core = SyncCore(settings, http)
        self.surveys = Surveys(core)
        self.prompts = Prompts(core)
        self.responses = Responses(core)
        self.metrics = MetricsResource(core)
        self.users = Users(core)
        self.people = People(core)
        self.suppressions = Suppressions(core)
        self.site = SiteResource(core)
        self.alerts = Alerts(core)
        self.webhooks = Webhooks(core)
        self.reviews = Reviews(core)
        self.actions = Actions(core)

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Fiilis:
        """A new client with these options changed; this one stays as it is.

        The new client borrows this client's connection pool (cheap enough to make per call, e.g.
        ``client.with_options(timeout=60).responses.export_csv(...)``); closing it leaves the pool
        open, closing this client closes the pool for both.
        """
        clone = object.__new__(type(self))
        settings = self._changed(api_key, base_url, timeout, max_retries)
        clone._setup(settings, self._http, owns_http=False)
        return clone

    def close(self) -> None:
        """Close the connection pool (when this client owns it)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Fiilis:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncFiilis(_Configured):
    """The async twin of ``Fiilis``: the same resources and options, every call awaited, lists
    iterated with ``async for``. Use ``async with AsyncFiilis(...) as client`` or ``aclose()``."""

    surveys: AsyncSurveys
    prompts: AsyncPrompts
    responses: AsyncResponses
    metrics: AsyncMetricsResource
    users: AsyncUsers
    people: AsyncPeople
    suppressions: AsyncSuppressions
    site: AsyncSiteResource
    alerts: AsyncAlerts
    webhooks: AsyncWebhooks
    reviews: AsyncReviews
    actions: AsyncActions

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        settings = make_settings(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        self._setup(settings, httpx.AsyncClient(transport=transport), owns_http=True)

    def _setup(self, settings: Settings, http: httpx.AsyncClient, *, owns_http: bool) -> None:
        self._http = http
        self._owns_http = owns_http
        self._core = core = AsyncCore(settings, http)
        self.surveys = AsyncSurveys(core)
        self.prompts = AsyncPrompts(core)
        self.responses = AsyncResponses(core)
        self.metrics = AsyncMetricsResource(core)
        self.users = AsyncUsers(core)
        self.people = AsyncPeople(core)
        self.suppressions = AsyncSuppressions(core)
        self.site = AsyncSiteResource(core)
        self.alerts = AsyncAlerts(core)
        self.webhooks = AsyncWebhooks(core)
        self.reviews = AsyncReviews(core)
        self.actions = AsyncActions(core)

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> AsyncFiilis:
        """A new client with these options changed, borrowing this one's connection pool."""
        clone = object.__new__(type(self))
        settings = self._changed(api_key, base_url, timeout, max_retries)
        clone._setup(settings, self._http, owns_http=False)
        return clone

    async def aclose(self) -> None:
        """Close the connection pool (when this client owns it)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncFiilis:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
