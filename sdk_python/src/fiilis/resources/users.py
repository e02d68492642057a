"""``client.users``: why a user is (not) asked, what is held about them, and erasing them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from fiilis._core import Call
from fiilis._models import Eligibility, ErasureResult, UserExport
from fiilis._params import query, required, segment, user_key
from fiilis.resources._base import AsyncResource, SyncResource

Origin = Literal["event", "api"]


def _path(user_id: str | int) -> str:
    # User ids come from the host app and may hold "/", "@", spaces …: one quoted path segment.
    return f"/v1/users/{segment(user_key(user_id), 'user_id')}"


def _eligibility(
    user_id: str | int,
    survey: str,
    origin: str | None,
    event: str | None,
    props: Mapping[str, Any] | None = None,
    url: str | None = None,
) -> Call:
    # In the query, not below the user's path: there a user id is the whole rest of the path.
    params = query(
        user_id=user_key(user_id),
        survey=required(survey, "survey"),
        origin=origin,
        event=event,
        props=None if props is None else json.dumps(dict(props)),
        url=url,
    )
    return Call("GET", "/v1/eligibility", params=params)


class Users(SyncResource):
    def eligibility(
        self,
        user_id: str | int,
        *,
        survey: str,
        origin: Origin | None = None,
        event: str | None = None,
        props: Mapping[str, Any] | None = None,
        url: str | None = None,
    ) -> Eligibility:
        """Every rule of who-gets-asked for this user and survey, each passed, failed or skipped,
        and the first failure as ``reason``: the answer to "why was (or wasn't) this user asked?".

        ``origin="api"`` checks a backend trigger (``prompts.create``), ``"event"`` a widget event
        (``event``, default the survey's first trigger, with its ``props`` and the page ``url``);
        the default depends on the survey."""
        return self._fetch(_eligibility(user_id, survey, origin, event, props, url), Eligibility)

    def export(self, user_id: str | int) -> UserExport:
        """Everything held about the user: traits, prompts, responses (for an access request)."""
        return self._fetch(Call("GET", _path(user_id)), UserExport)

    def delete(self, user_id: str | int) -> ErasureResult:
        """Erase the user and everything held about them; returns what was removed."""
        return self._fetch(Call("DELETE", _path(user_id)), ErasureResult)


class AsyncUsers(AsyncResource):
    async def eligibility(
        self,
        user_id: str | int,
        *,
        survey: str,
        origin: Origin | None = None,
        event: str | None = None,
        props: Mapping[str, Any] | None = None,
        url: str | None = None,
    ) -> Eligibility:
        """Every rule of who-gets-asked for this user and survey (see ``Fiilis.users``)."""
        return await self._fetch(
            _eligibility(user_id, survey, origin, event, props, url), Eligibility
        )

    async def export(self, user_id: str | int) -> UserExport:
        """Everything held about the user."""
        return await self._fetch(Call("GET", _path(user_id)), UserExport)

    async def delete(self, user_id: str | int) -> ErasureResult:
        """Erase the user and everything held about them; returns what was removed."""
        return await self._fetch(Call("DELETE", _path(user_id)), ErasureResult)
