"""``client.reviews`` and ``client.actions``: the team's monthly review and what it decided
(``/v1/reviews``, ``/v1/actions``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Literal

from fiilis._core import Call
from fiilis._models import Action, Review
from fiilis._pagination import AsyncPaginator, Paginator
from fiilis._params import NOT_GIVEN, NotGiven, body, query, segment
from fiilis.resources._base import AsyncResource, SyncResource

Status = Literal["open", "done", "dropped"]
DateLike = date | str


def _day(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _payload(fields: dict[str, Any]) -> dict[str, Any]:
    out = body(**fields)
    for name in ("since", "until", "next_review_on", "due_on"):
        if name in out:
            out[name] = _day(out[name])
    for name in ("attendees", "response_ids"):
        if name in out and out[name] is not None:
            out[name] = [out[name]] if isinstance(out[name], str) else list(out[name])
    return out


def _review_path(review_id: str) -> str:
    return f"/v1/reviews/{segment(review_id, 'review_id')}"


def _action_path(action_id: str) -> str:
    return f"/v1/actions/{segment(action_id, 'action_id')}"


def _update(path: str, fields: dict[str, Any], what: str) -> Call:
    payload = _payload(fields)
    if not payload:
        raise ValueError(f"{what}.update() needs at least one field to change")
    return Call("PATCH", path, json=payload)


def _list(path: str, params: dict[str, Any]) -> Callable[[str | None], Call]:
    def call_at(cursor: str | None) -> Call:
        return Call("GET", path, params=query(**params, cursor=cursor))

    return call_at


class Reviews(SyncResource):
    def create(
        self,
        *,
        since: DateLike,
        until: DateLike,
        summary: str | NotGiven | None = NOT_GIVEN,
        attendees: Iterable[str] | NotGiven = NOT_GIVEN,
        next_review_on: DateLike | NotGiven | None = NOT_GIVEN,
    ) -> Review:
        """Record a review of ``[since, until)`` (``until`` is the day after its last day)."""
        fields = dict(
            since=since,
            until=until,
            summary=summary,
            attendees=attendees,
            next_review_on=next_review_on,
        )
        return self._fetch(
            Call("POST", "/v1/reviews", json=_payload(fields), idempotent=False), Review
        )

    def list(self, *, limit: int | None = None) -> Paginator[Review]:
        """Every review, newest first, fetched page by page."""
        return self._paginate(_list("/v1/reviews", {"limit": limit}), Review)

    def get(self, review_id: str) -> Review:
        """One review."""
        return self._fetch(Call("GET", _review_path(review_id)), Review)

    def update(
        self,
        review_id: str,
        *,
        since: DateLike | NotGiven = NOT_GIVEN,
        until: DateLike | NotGiven = NOT_GIVEN,
        summary: str | NotGiven | None = NOT_GIVEN,
        attendees: Iterable[str] | NotGiven = NOT_GIVEN,
        next_review_on: DateLike | NotGiven | None = NOT_GIVEN,
    ) -> Review:
        """Change the given fields (``next_review_on=None`` leaves the next review unplanned)."""
        fields = dict(
            since=since,
            until=until,
            summary=summary,
            attendees=attendees,
            next_review_on=next_review_on,
        )
        return self._fetch(_update(_review_path(review_id), fields, "reviews"), Review)


class AsyncReviews(AsyncResource):
    async def create(
        self,
        *,
        since: DateLike,
        until: DateLike,
        summary: str | NotGiven | None = NOT_GIVEN,
        attendees: Iterable[str] | NotGiven = NOT_GIVEN,
        next_review_on: DateLike | NotGiven | None = NOT_GIVEN,
    ) -> Review:
        """Record a review of ``[since, until)`` (see ``Fiilis.reviews.create``)."""
        fields = dict(
            since=since,
            until=until,
            summary=summary,
            attendees=attendees,
            next_review_on=next_review_on,
        )
        call = Call("POST", "/v1/reviews", json=_payload(fields), idempotent=False)
        return await self._fetch(call, Review)

    def list(self, *, limit: int | None = None) -> AsyncPaginator[Review]:
        """Every review, newest first: ``async for review in client.reviews.list()``."""
        return self._paginate(_list("/v1/reviews", {"limit": limit}), Review)

    async def get(self, review_id: str) -> Review:
        """One review."""
        return await self._fetch(Call("GET", _review_path(review_id)), Review)

    async def update(
        self,
        review_id: str,
        *,
        since: DateLike | NotGiven = NOT_GIVEN,
        until: DateLike | NotGiven = NOT_GIVEN,
        summary: str | NotGiven | None = NOT_GIVEN,
        attendees: Iterable[str] | NotGiven = NOT_GIVEN,
        next_review_on: DateLike | NotGiven | None = NOT_GIVEN,
    ) -> Review:
        """Change the given fields (see ``Fiilis.reviews.update``)."""
        fields = dict(
            since=since,
            until=until,
            summary=summary,
            attendees=attendees,
            next_review_on=next_review_on,
        )
        return await self._fetch(_update(_review_path(review_id), fields, "reviews"), Review)


class Actions(SyncResource):
    def create(
        self,
        *,
        title: str,
        due_on: DateLike,
        owner: str | NotGiven | None = NOT_GIVEN,
        survey: str | NotGiven | None = NOT_GIVEN,
        response_ids: Iterable[str] | NotGiven = NOT_GIVEN,
        review: str | NotGiven | None = NOT_GIVEN,
        status: Status | NotGiven = NOT_GIVEN,
    ) -> Action:
        """Record an action: ``owner`` is a team member's e-mail; ``survey``, ``response_ids``
        and ``review`` say what led to it. The owner is reminded by e-mail before ``due_on``."""
        fields = dict(
            title=title,
            due_on=due_on,
            owner=owner,
            survey=survey,
            response_ids=response_ids,
            review=review,
            status=status,
        )
        return self._fetch(
            Call("POST", "/v1/actions", json=_payload(fields), idempotent=False), Action
        )

    def list(
        self,
        *,
        status: Status | None = None,
        review: str | None = None,
        survey: str | None = None,
        owner: str | None = None,
        limit: int | None = None,
    ) -> Paginator[Action]:
        """Actions, newest first, narrowed by status, review, survey or owner (an e-mail)."""
        params = dict(status=status, review=review, survey=survey, owner=owner, limit=limit)
        return self._paginate(_list("/v1/actions", params), Action)

    def get(self, action_id: str) -> Action:
        """One action."""
        return self._fetch(Call("GET", _action_path(action_id)), Action)

    def update(
        self,
        action_id: str,
        *,
        title: str | NotGiven = NOT_GIVEN,
        due_on: DateLike | NotGiven = NOT_GIVEN,
        owner: str | NotGiven | None = NOT_GIVEN,
        survey: str | NotGiven | None = NOT_GIVEN,
        response_ids: Iterable[str] | NotGiven = NOT_GIVEN,
        review: str | NotGiven | None = NOT_GIVEN,
        status: Status | NotGiven = NOT_GIVEN,
    ) -> Action:
        """Change the given fields; ``status="done"`` records ``done_at``."""
        fields = dict(
            title=title,
            due_on=due_on,
            owner=owner,
            survey=survey,
            response_ids=response_ids,
            review=review,
            status=status,
        )
        return self._fetch(_update(_action_path(action_id), fields, "actions"), Action)


class AsyncActions(AsyncResource):
    async def create(
        self,
        *,
        title: str,
        due_on: DateLike,
        owner: str | NotGiven | None = NOT_GIVEN,
        survey: str | NotGiven | None = NOT_GIVEN,
        response_ids: Iterable[str] | NotGiven = NOT_GIVEN,
        review: str | NotGiven | None = NOT_GIVEN,
        status: Status | NotGiven = NOT_GIVEN,
    ) -> Action:
        """Record an action (see ``Fiilis.actions.create``)."""
        fields = dict(
            title=title,
            due_on=due_on,
            owner=owner,
            survey=survey,
            response_ids=response_ids,
            review=review,
            status=status,
        )
        call = Call("POST", "/v1/actions", json=_payload(fields), idempotent=False)
        return await self._fetch(call, Action)

    def list(
        self,
        *,
        status: Status | None = None,
        review: str | None = None,
        survey: str | None = None,
        owner: str | None = None,
        limit: int | None = None,
    ) -> AsyncPaginator[Action]:
        """Actions, newest first: ``async for action in client.actions.list(status="open")``."""
        params = dict(status=status, review=review, survey=survey, owner=owner, limit=limit)
        return self._paginate(_list("/v1/actions", params), Action)

    async def get(self, action_id: str) -> Action:
        """One action."""
        return await self._fetch(Call("GET", _action_path(action_id)), Action)

    async def update(
        self,
        action_id: str,
        *,
        title: str | NotGiven = NOT_GIVEN,
        due_on: DateLike | NotGiven = NOT_GIVEN,
        owner: str | NotGiven | None = NOT_GIVEN,
        survey: str | NotGiven | None = NOT_GIVEN,
        response_ids: Iterable[str] | NotGiven = NOT_GIVEN,
        review: str | NotGiven | None = NOT_GIVEN,
        status: Status | NotGiven = NOT_GIVEN,
    ) -> Action:
        """Change the given fields (see ``Fiilis.actions.update``)."""
        fields = dict(
            title=title,
            due_on=due_on,
            owner=owner,
            survey=survey,
            response_ids=response_ids,
            review=review,
            status=status,
        )
        return await self._fetch(_update(_action_path(action_id), fields, "actions"), Action)
