"""``client.prompts``: ask a user for feedback from the backend (``/v1/prompts``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from fiilis._core import Call
from fiilis._models import Prompt
from fiilis._params import required, segment, user_key
from fiilis.resources._base import AsyncResource, SyncResource

Channel = Literal["widget", "link"]


def _create(
    *,
    user_id: str | int,
    survey: str,
    channel: str,
    context: Mapping[str, Any] | None,
    traits: Mapping[str, Any] | None,
    force: bool,
    locale: str | None,
    idempotency_key: str | None,
) -> Call:
    payload: dict[str, Any] = {
        "user_id": user_key(user_id),
        "survey": required(survey, "survey"),
        "channel": channel,
    }
    if context is not None:
        payload["context"] = dict(context)
    if traits is not None:
        payload["traits"] = dict(traits)
    if force:
        payload["force"] = True
    if locale is not None:
        payload["locale"] = locale
    return Call("POST", "/v1/prompts", json=payload, idempotency_key=idempotency_key)


def _get(prompt_id: str) -> Call:
    return Call("GET", f"/v1/prompts/{segment(prompt_id, 'prompt_id')}")


class Prompts(SyncResource):
    def create(
        self,
        *,
        user_id: str | int,
        survey: str,
        channel: Channel = "widget",
        context: Mapping[str, Any] | None = None,
        traits: Mapping[str, Any] | None = None,
        force: bool = False,
        locale: str | None = None,
        idempotency_key: str | None = None,
    ) -> Prompt:
        """Ask ``user_id`` the survey, e.g. right after a ticket was closed.

        ``channel="widget"`` shows it the next time the user is in the app; ``"link"`` returns a
        ``url`` for an e-mail (one click per score). When the fatigue rules hold the prompt back the
        result has ``status == "suppressed"`` and a ``reason``: that is not an error. ``force=True``
        skips the fatigue rules; ``locale`` (``fi``, ``sv`` …) picks the language of the question. Retries are safe: one ``Idempotency-Key`` is made per call (or pass
        your own, e.g. derived from the event, to make repeated calls return the same prompt).
        """
        call = _create(
            user_id=user_id,
            survey=survey,
            channel=channel,
            context=context,
            traits=traits,
            force=force,
            locale=locale,
            idempotency_key=idempotency_key,
        )
        return self._fetch(call, Prompt)

    def get(self, prompt_id: str) -> Prompt:
        """One prompt and where it stands (pending, shown, answered, dismissed, expired)."""
        return self._fetch(_get(prompt_id), Prompt)


class AsyncPrompts(AsyncResource):
    async def create(
        self,
        *,
        user_id: str | int,
        survey: str,
        channel: Channel = "widget",
        context: Mapping[str, Any] | None = None,
        traits: Mapping[str, Any] | None = None,
        force: bool = False,
        locale: str | None = None,
        idempotency_key: str | None = None,
    ) -> Prompt:
        """Ask ``user_id`` the survey (see ``Fiilis.prompts.create``)."""
        call = _create(
            user_id=user_id,
            survey=survey,
            channel=channel,
            context=context,
            traits=traits,
            force=force,
            locale=locale,
            idempotency_key=idempotency_key,
        )
        return await self._fetch(call, Prompt)

    async def get(self, prompt_id: str) -> Prompt:
        """One prompt and where it stands."""
        return await self._fetch(_get(prompt_id), Prompt)
