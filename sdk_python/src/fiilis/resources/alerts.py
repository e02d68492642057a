"""``client.alerts``: Slack and e-mail alerts about answers (``/v1/alerts``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from fiilis._core import Call
from fiilis._models import Alert, AlertFilter, AlertTest, Deleted
from fiilis._pagination import AsyncPaginator, Paginator
from fiilis._params import NOT_GIVEN, NotGiven, body, query, segment
from fiilis.resources._base import AsyncResource, SyncResource

Channel = Literal["slack", "email"]
Digest = Literal["daily", "weekly"]
Filter = AlertFilter | Mapping[str, Any]
Target = str | Iterable[str]


def _alert_body(fields: dict[str, Any]) -> dict[str, Any]:
    out = body(**fields)
    target = out.get("target")
    if target is not None and not isinstance(target, str):
        out["target"] = ", ".join(target)  # e-mail addresses may come as a list
    rule_filter = out.get("filter")
    if isinstance(rule_filter, AlertFilter):
        out["filter"] = {k: v for k, v in rule_filter.to_dict().items() if v is not None}
    elif rule_filter is not None:
        out["filter"] = dict(rule_filter)
    return out


def _create(fields: dict[str, Any], key: str | None) -> Call:
    # The collector deduplicates prompts by Idempotency-Key, not alerts: see Call.idempotent.
    return Call(
        "POST", "/v1/alerts", json=_alert_body(fields), idempotency_key=key, idempotent=False
    )


def _update(alert_id: str, fields: dict[str, Any]) -> Call:
    payload = _alert_body(fields)
    if not payload:
        raise ValueError("alerts.update() needs at least one field to change")
    return Call("PATCH", f"/v1/alerts/{segment(alert_id, 'alert_id')}", json=payload)


def _list(limit: int | None) -> Callable[[str | None], Call]:
    def call_at(cursor: str | None) -> Call:
        return Call("GET", "/v1/alerts", params=query(limit=limit, cursor=cursor))

    return call_at


def _get(alert_id: str) -> Call:
    return Call("GET", f"/v1/alerts/{segment(alert_id, 'alert_id')}")


def _test(alert_id: str) -> Call:
    # Not repeated on a lost answer: a second try would post a second sample.
    return Call("POST", f"/v1/alerts/{segment(alert_id, 'alert_id')}/test", idempotent=False)


def _delete(alert_id: str) -> Call:
    return Call("DELETE", f"/v1/alerts/{segment(alert_id, 'alert_id')}")


class Alerts(SyncResource):
    def create(
        self,
        *,
        channel: Channel,
        target: Target,
        filter: Filter | NotGiven = NOT_GIVEN,
        digest: Digest | NotGiven | None = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Alert:
        """Create an alert. ``target`` is a Slack incoming-webhook URL for ``channel="slack"``,
        or e-mail addresses (a list, or one string separated by commas) for ``"email"``.
        ``filter`` (``survey``, ``max_score``, ``min_score``, ``has_comment``) picks the answers;
        ``digest`` ``"daily"``/``"weekly"`` gathers them into one message per period."""
        fields = dict(channel=channel, target=target, filter=filter, digest=digest, active=active)
        return self._fetch(_create(fields, idempotency_key), Alert)

    def list(self, *, limit: int | None = None) -> Paginator[Alert]:
        """Every alert, newest first, fetched page by page (``limit`` per page, 1–100)."""
        return self._paginate(_list(limit), Alert)

    def get(self, alert_id: str) -> Alert:
        """One alert."""
        return self._fetch(_get(alert_id), Alert)

    def update(
        self,
        alert_id: str,
        *,
        channel: Channel | NotGiven = NOT_GIVEN,
        target: Target | NotGiven = NOT_GIVEN,
        filter: Filter | NotGiven = NOT_GIVEN,
        digest: Digest | NotGiven | None = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
    ) -> Alert:
        """Change the given fields (``filter`` is replaced as a whole; ``digest=None`` makes the
        alert instant again). A new ``channel`` needs its ``target``."""
        fields = dict(channel=channel, target=target, filter=filter, digest=digest, active=active)
        return self._fetch(_update(alert_id, fields), Alert)

    def delete(self, alert_id: str) -> Deleted:
        """Delete an alert: nothing more is sent for it."""
        return self._fetch(_delete(alert_id), Deleted)

    def test(self, alert_id: str) -> AlertTest:
        """Send a sample alert to its Slack channel or addresses now; raises ``APIError``
        (status 502) with Slack's or the mail server's answer when it was not delivered."""
        return self._fetch(_test(alert_id), AlertTest)


class AsyncAlerts(AsyncResource):
    async def create(
        self,
        *,
        channel: Channel,
        target: Target,
        filter: Filter | NotGiven = NOT_GIVEN,
        digest: Digest | NotGiven | None = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Alert:
        """Create an alert (see ``Fiilis.alerts.create``)."""
        fields = dict(channel=channel, target=target, filter=filter, digest=digest, active=active)
        return await self._fetch(_create(fields, idempotency_key), Alert)

    def list(self, *, limit: int | None = None) -> AsyncPaginator[Alert]:
        """Every alert, newest first: ``async for alert in client.alerts.list()``."""
        return self._paginate(_list(limit), Alert)

    async def get(self, alert_id: str) -> Alert:
        """One alert."""
        return await self._fetch(_get(alert_id), Alert)

    async def update(
        self,
        alert_id: str,
        *,
        channel: Channel | NotGiven = NOT_GIVEN,
        target: Target | NotGiven = NOT_GIVEN,
        filter: Filter | NotGiven = NOT_GIVEN,
        digest: Digest | NotGiven | None = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
    ) -> Alert:
        """Change the given fields (see ``Fiilis.alerts.update``)."""
        fields = dict(channel=channel, target=target, filter=filter, digest=digest, active=active)
        return await self._fetch(_update(alert_id, fields), Alert)

    async def delete(self, alert_id: str) -> Deleted:
        """Delete an alert: nothing more is sent for it."""
        return await self._fetch(_delete(alert_id), Deleted)

    async def test(self, alert_id: str) -> AlertTest:
        """Send a sample alert now (see ``Fiilis.alerts.test``)."""
        return await self._fetch(_test(alert_id), AlertTest)
