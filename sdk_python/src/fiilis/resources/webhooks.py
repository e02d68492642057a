"""``client.webhooks``: endpoints that get the site's events, and their deliveries (``/v1/webhooks``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from fiilis._core import Call
from fiilis._models import Webhook, WebhookDelivery, WebhookFilter
from fiilis._pagination import AsyncPaginator, Paginator
from fiilis._params import NOT_GIVEN, NotGiven, body, query, segment
from fiilis.resources._base import AsyncResource, SyncResource

EventType = Literal[
    "response.created", "response.updated", "followup.updated", "person.unsubscribed"
]
Filter = WebhookFilter | Mapping[str, Any]
DeliveryStatus = Literal["pending", "succeeded", "failed"]


def _path(webhook_id: str) -> str:
    return f"/v1/webhooks/{segment(webhook_id, 'webhook_id')}"


def _filter(value: Filter | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, WebhookFilter):
        return {k: v for k, v in value.to_dict().items() if v is not None}
    return dict(value)


def _fields(fields: dict[str, Any]) -> dict[str, Any]:
    out = body(**fields)
    if "events" in out:
        events = out["events"]
        out["events"] = [events] if isinstance(events, str) else list(events)
    if "filter" in out:
        out["filter"] = _filter(out["filter"])
    return out


def _create(url: str, events: Iterable[str] | str, fields: dict[str, Any]) -> Call:
    payload = {"url": url, **_fields({"events": events, **fields})}
    return Call("POST", "/v1/webhooks", json=payload, idempotent=False)


def _update(webhook_id: str, fields: dict[str, Any]) -> Call:
    payload = _fields(fields)
    if not payload:
        raise ValueError("webhooks.update() needs at least one field to change")
    return Call("PATCH", _path(webhook_id), json=payload)


def _list(limit: int | None) -> Callable[[str | None], Call]:
    def call_at(cursor: str | None) -> Call:
        return Call("GET", "/v1/webhooks", params=query(limit=limit, cursor=cursor))

    return call_at


def _deliveries(
    webhook_id: str, status: str | None, limit: int | None
) -> Callable[[str | None], Call]:
    path = f"{_path(webhook_id)}/deliveries"

    def call_at(cursor: str | None) -> Call:
        return Call("GET", path, params=query(status=status, limit=limit, cursor=cursor))

    return call_at


def _retry(webhook_id: str, delivery_id: str) -> Call:
    delivery = segment(delivery_id, "delivery_id")
    # A replay sends the event again: not retried by the SDK on its own.
    return Call("POST", f"{_path(webhook_id)}/deliveries/{delivery}/retry", idempotent=False)


def _rotate(webhook_id: str) -> Call:
    return Call("POST", f"{_path(webhook_id)}/rotate", idempotent=False)


def _test(webhook_id: str) -> Call:
    return Call("POST", f"{_path(webhook_id)}/test", idempotent=False)


class Webhooks(SyncResource):
    def create(
        self,
        *,
        url: str,
        events: Iterable[EventType] | EventType,
        filter: Filter | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
    ) -> Webhook:
        """Register an endpoint for ``events``, optionally only for responses passing ``filter``
        (``{"survey": "srv_…", "max_score": 6, "has_comment": True}``). The result's ``secret``
        (``whsec_…``) is shown only now: keep it to verify deliveries with
        ``fiilis.webhooks.verify``."""
        fields = dict(filter=filter, description=description, active=active)
        return self._fetch(_create(url, events, fields), Webhook)

    def list(self, *, limit: int | None = None) -> Paginator[Webhook]:
        """Every webhook, newest first, fetched page by page."""
        return self._paginate(_list(limit), Webhook)

    def get(self, webhook_id: str) -> Webhook:
        """One webhook (without its secret)."""
        return self._fetch(Call("GET", _path(webhook_id)), Webhook)

    def update(
        self,
        webhook_id: str,
        *,
        url: str | NotGiven = NOT_GIVEN,
        events: Iterable[EventType] | EventType | NotGiven = NOT_GIVEN,
        filter: Filter | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
    ) -> Webhook:
        """Change the given fields; ``active=True`` turns a webhook the collector turned off on
        again (its failed deliveries can then be replayed)."""
        fields = dict(url=url, events=events, filter=filter, description=description, active=active)
        return self._fetch(_update(webhook_id, fields), Webhook)

    def delete(self, webhook_id: str) -> None:
        """Delete the webhook and its delivery log."""
        self._core.request(Call("DELETE", _path(webhook_id)))

    def rotate(self, webhook_id: str) -> Webhook:
        """A new signing secret (in the result's ``secret``); deliveries are signed with the old
        one too for 24 hours, so receivers can switch without losing any."""
        return self._fetch(_rotate(webhook_id), Webhook)

    def deliveries(
        self,
        webhook_id: str,
        *,
        status: DeliveryStatus | None = None,
        limit: int | None = None,
    ) -> Paginator[WebhookDelivery]:
        """The webhook's deliveries, newest first, with their tries."""
        return self._paginate(_deliveries(webhook_id, status, limit), WebhookDelivery)

    def retry(self, webhook_id: str, delivery_id: str) -> WebhookDelivery:
        """Send a delivery again now: the same event id and body, a fresh retry schedule."""
        return self._fetch(_retry(webhook_id, delivery_id), WebhookDelivery)

    def test(self, webhook_id: str) -> WebhookDelivery:
        """Send a ``webhook.test`` event to the webhook now; follow it in ``deliveries``."""
        return self._fetch(_test(webhook_id), WebhookDelivery)


class AsyncWebhooks(AsyncResource):
    async def create(
        self,
        *,
        url: str,
        events: Iterable[EventType] | EventType,
        filter: Filter | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
    ) -> Webhook:
        """Register an endpoint (see ``Fiilis.webhooks.create``); keep the result's ``secret``."""
        fields = dict(filter=filter, description=description, active=active)
        return await self._fetch(_create(url, events, fields), Webhook)

    def list(self, *, limit: int | None = None) -> AsyncPaginator[Webhook]:
        """Every webhook, newest first: ``async for webhook in client.webhooks.list()``."""
        return self._paginate(_list(limit), Webhook)

    async def get(self, webhook_id: str) -> Webhook:
        """One webhook (without its secret)."""
        return await self._fetch(Call("GET", _path(webhook_id)), Webhook)

    async def update(
        self,
        webhook_id: str,
        *,
        url: str | NotGiven = NOT_GIVEN,
        events: Iterable[EventType] | EventType | NotGiven = NOT_GIVEN,
        filter: Filter | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
    ) -> Webhook:
        """Change the given fields (see ``Fiilis.webhooks.update``)."""
        fields = dict(url=url, events=events, filter=filter, description=description, active=active)
        return await self._fetch(_update(webhook_id, fields), Webhook)

    async def delete(self, webhook_id: str) -> None:
        """Delete the webhook and its delivery log."""
        await self._core.request(Call("DELETE", _path(webhook_id)))

    async def rotate(self, webhook_id: str) -> Webhook:
        """A new signing secret; the old one signs too for 24 hours."""
        return await self._fetch(_rotate(webhook_id), Webhook)

    def deliveries(
        self,
        webhook_id: str,
        *,
        status: DeliveryStatus | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[WebhookDelivery]:
        """The webhook's deliveries, newest first: ``async for d in …``."""
        return self._paginate(_deliveries(webhook_id, status, limit), WebhookDelivery)

    async def retry(self, webhook_id: str, delivery_id: str) -> WebhookDelivery:
        """Send a delivery again now (same event id and body)."""
        return await self._fetch(_retry(webhook_id, delivery_id), WebhookDelivery)

    async def test(self, webhook_id: str) -> WebhookDelivery:
        """Send a ``webhook.test`` event to the webhook now."""
        return await self._fetch(_test(webhook_id), WebhookDelivery)
