"""``client.metrics``: a survey's score with its interval, over time and by group (DESIGN §7)."""

from __future__ import annotations

from typing import Literal

from fiilis._core import Call
from fiilis._models import Metrics
from fiilis._params import TimeLike, query, required, time_param
from fiilis.resources._base import AsyncResource, SyncResource

Interval = Literal["day", "week", "month"]


def _get(
    survey: str,
    since: TimeLike | None,
    until: TimeLike | None,
    interval: str | None,
    group_by: str | None,
    tz: str | None,
) -> Call:
    params = query(
        survey=required(survey, "survey"),
        since=None if since is None else time_param(since),
        until=None if until is None else time_param(until),
        interval=interval,
        group_by=group_by,
        tz=tz,
    )
    return Call("GET", "/v1/metrics", params=params)


class MetricsResource(SyncResource):
    def get(
        self,
        *,
        survey: str,
        since: TimeLike | None = None,
        until: TimeLike | None = None,
        interval: Interval | None = None,
        group_by: str | None = None,
        tz: str | None = None,
    ) -> Metrics:
        """The survey's score, 95 % interval, distribution and response rate; with ``interval``
        a ``series`` per day/week/month (in time zone ``tz``, e.g. ``Europe/Helsinki``); with
        ``group_by="event"``, ``"tag"``, ``"reason"`` or ``"trait:<name>"`` the ``groups`` (with
        ``"tag"`` and ``"reason"`` an answer counts in each of its groups, and the answers with
        none are the group whose ``key`` is ``None``)."""
        return self._fetch(_get(survey, since, until, interval, group_by, tz), Metrics)


class AsyncMetricsResource(AsyncResource):
    async def get(
        self,
        *,
        survey: str,
        since: TimeLike | None = None,
        until: TimeLike | None = None,
        interval: Interval | None = None,
        group_by: str | None = None,
        tz: str | None = None,
    ) -> Metrics:
        """The survey's score and more (see ``Fiilis.metrics.get``)."""
        return await self._fetch(_get(survey, since, until, interval, group_by, tz), Metrics)
