"""``client.suppressions``: addresses survey e-mail never goes to again (``/v1/suppressions``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fiilis._core import Call
from fiilis._models import Suppression, SuppressionRemoved
from fiilis._pagination import AsyncPaginator, Paginator
from fiilis._params import NOT_GIVEN, NotGiven, body, query, required, segment
from fiilis.resources._base import AsyncResource, SyncResource

Reason = Literal["unsubscribed", "bounced", "complained", "manual"]


def _path(email: str) -> str:
    return f"/v1/suppressions/{segment(email, 'email')}"


def _create(email: str, reason: str, detail: str | NotGiven | None) -> Call:
    # Adding an address twice keeps the first suppression: repeating the call is harmless.
    payload = body(email=required(email, "email"), reason=reason, detail=detail)
    return Call("POST", "/v1/suppressions", json=payload)


def _list(limit: int | None, reason: str | None) -> Callable[[str | None], Call]:
    def call_at(cursor: str | None) -> Call:
        return Call(
            "GET", "/v1/suppressions", params=query(limit=limit, reason=reason, cursor=cursor)
        )

    return call_at


class Suppressions(SyncResource):
    def create(
        self, *, email: str, reason: Reason = "manual", detail: str | NotGiven | None = NOT_GIVEN
    ) -> Suppression:
        """Stop all survey e-mail to ``email`` (a bounce or complaint your mail provider
        reported, or ``manual``). An address already suppressed keeps its first suppression."""
        return self._fetch(_create(email, reason, detail), Suppression)

    def get(self, email: str) -> Suppression:
        """The address's suppression; ``NotFoundError`` when it may be mailed."""
        return self._fetch(Call("GET", _path(email)), Suppression)

    def list(
        self, *, reason: Reason | None = None, limit: int | None = None
    ) -> Paginator[Suppression]:
        """Every suppressed address (or those of one ``reason``), newest first."""
        return self._paginate(_list(limit, reason), Suppression)

    def delete(self, email: str) -> SuppressionRemoved:
        """Let survey e-mail go to the address again."""
        return self._fetch(Call("DELETE", _path(email)), SuppressionRemoved)


class AsyncSuppressions(AsyncResource):
    async def create(
        self, *, email: str, reason: Reason = "manual", detail: str | NotGiven | None = NOT_GIVEN
    ) -> Suppression:
        """Stop all survey e-mail to ``email`` (see ``Fiilis.suppressions.create``)."""
        return await self._fetch(_create(email, reason, detail), Suppression)

    async def get(self, email: str) -> Suppression:
        """The address's suppression."""
        return await self._fetch(Call("GET", _path(email)), Suppression)

    def list(
        self, *, reason: Reason | None = None, limit: int | None = None
    ) -> AsyncPaginator[Suppression]:
        """Every suppressed address, newest first: ``async for s in client.suppressions.list()``."""
        return self._paginate(_list(limit, reason), Suppression)

    async def delete(self, email: str) -> SuppressionRemoved:
        """Let survey e-mail go to the address again."""
        return await self._fetch(Call("DELETE", _path(email)), SuppressionRemoved)
