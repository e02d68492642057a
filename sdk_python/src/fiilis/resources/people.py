"""``client.people``: the people a site mails surveys to (``/v1/people``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fiilis import _imports
from fiilis._core import Call
from fiilis._models import ErasureResult, PeopleImportReport, Person
from fiilis._pagination import AsyncPaginator, Paginator
from fiilis._params import NOT_GIVEN, NotGiven, body, query, segment, user_key
from fiilis.resources._base import AsyncResource, SyncResource

Traits = Mapping[str, str | int | float | bool | None]
_COUNTS = ("imported", "updated", "unchanged")


def _path(user_id: str | int) -> str:
    # A user id may hold "/", "@", spaces …: one quoted path segment.
    return f"/v1/people/{segment(user_key(user_id), 'user_id')}"


def _upsert(user_id: str | int, fields: dict[str, Any]) -> Call:
    payload = body(**fields)
    if isinstance(payload.get("traits"), Mapping):
        payload["traits"] = dict(payload["traits"])
    return Call("PUT", _path(user_id), json=payload)


def _list(limit: int | None, email: str | None) -> Callable[[str | None], Call]:
    def call_at(cursor: str | None) -> Call:
        return Call("GET", "/v1/people", params=query(limit=limit, email=email, cursor=cursor))

    return call_at


def _import_call(chunk: bytes) -> Call:
    # Idempotent by user_id on the collector: a retried call changes nothing twice.
    return Call("POST", "/v1/people/import", content=chunk, content_type="application/x-ndjson")


class People(SyncResource):
    def upsert(
        self,
        user_id: str | int,
        *,
        email: str | NotGiven | None = NOT_GIVEN,
        name: str | NotGiven | None = NOT_GIVEN,
        locale: str | NotGiven | None = NOT_GIVEN,
        traits: Traits | NotGiven = NOT_GIVEN,
    ) -> Person:
        """Add the person or change what is given (``None`` clears a field). ``traits`` are
        merged into the stored ones; a trait given as ``None`` is removed."""
        fields = dict(email=email, name=name, locale=locale, traits=traits)
        return self._fetch(_upsert(user_id, fields), Person)

    def get(self, user_id: str | int) -> Person:
        """One person; ``NotFoundError`` when the site has none by this id."""
        return self._fetch(Call("GET", _path(user_id)), Person)

    def list(self, *, email: str | None = None, limit: int | None = None) -> Paginator[Person]:
        """Every person (or those with ``email``), newest first, fetched page by page."""
        return self._paginate(_list(limit, email), Person)

    def delete(self, user_id: str | int) -> ErasureResult:
        """Erase the person with their prompts and answers; returns what was removed."""
        return self._fetch(Call("DELETE", _path(user_id)), ErasureResult)

    def import_(
        self, items: _imports.Source, *, batch_size: int = _imports.MAX_ITEMS_PER_CALL
    ) -> PeopleImportReport:
        """Add or update many people: a list (or any iterable) of ``{user_id, email?, name?,
        locale?, traits?}``, or a path or open file of JSON lines or a JSON array, read as it is
        sent. Matched by ``user_id``, so running it again is harmless. Returns the summed report,
        with each refused item's line in the file (or its position in ``items``, from 1)."""
        total = _imports.empty(*_COUNTS)
        size = min(batch_size, _imports.MAX_ITEMS_PER_CALL)
        for chunk, lines in _imports.chunks(_imports.numbered(items), size):
            _imports.add(total, self._core.request(_import_call(chunk)), lines)
        return _imports.report(total, PeopleImportReport)


class AsyncPeople(AsyncResource):
    async def upsert(
        self,
        user_id: str | int,
        *,
        email: str | NotGiven | None = NOT_GIVEN,
        name: str | NotGiven | None = NOT_GIVEN,
        locale: str | NotGiven | None = NOT_GIVEN,
        traits: Traits | NotGiven = NOT_GIVEN,
    ) -> Person:
        """Add the person or change what is given (see ``Fiilis.people.upsert``)."""
        fields = dict(email=email, name=name, locale=locale, traits=traits)
        return await self._fetch(_upsert(user_id, fields), Person)

    async def get(self, user_id: str | int) -> Person:
        """One person."""
        return await self._fetch(Call("GET", _path(user_id)), Person)

    def list(self, *, email: str | None = None, limit: int | None = None) -> AsyncPaginator[Person]:
        """Every person, newest first: ``async for person in client.people.list()``."""
        return self._paginate(_list(limit, email), Person)

    async def delete(self, user_id: str | int) -> ErasureResult:
        """Erase the person with their prompts and answers."""
        return await self._fetch(Call("DELETE", _path(user_id)), ErasureResult)

    async def import_(
        self, items: _imports.Source, *, batch_size: int = _imports.MAX_ITEMS_PER_CALL
    ) -> PeopleImportReport:
        """Add or update many people (see ``Fiilis.people.import_``)."""
        total = _imports.empty(*_COUNTS)
        size = min(batch_size, _imports.MAX_ITEMS_PER_CALL)
        for chunk, lines in _imports.chunks(_imports.numbered(items), size):
            _imports.add(total, await self._core.request(_import_call(chunk)), lines)
        return _imports.report(total, PeopleImportReport)
