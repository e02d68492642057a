"""What every resource has: its client's core, and how to turn calls into results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fiilis._core import AsyncCore, Call, SyncCore
from fiilis._models import Model, Page
from fiilis._pagination import AsyncPaginator, Paginator

M = TypeVar("M", bound=Model)


def _model(model: type[M], data: Any) -> M:
    return model._from_dict(data if isinstance(data, dict) else {})


class SyncResource:
    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def _fetch(self, call: Call, model: type[M]) -> M:
        return _model(model, self._core.request(call))

    def _paginate(
        self, call_at: Callable[[str | None], Call], model: type[M], cursor: str | None = None
    ) -> Paginator[M]:
        def fetch(cursor: str | None) -> Page[M]:
            return Page._from_dict(self._core.request(call_at(cursor)), model)

        return Paginator(fetch, cursor=cursor)


class AsyncResource:
    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def _fetch(self, call: Call, model: type[M]) -> M:
        return _model(model, await self._core.request(call))

    def _paginate(
        self, call_at: Callable[[str | None], Call], model: type[M], cursor: str | None = None
    ) -> AsyncPaginator[M]:
        async def fetch(cursor: str | None) -> Page[M]:
            return Page._from_dict(await self._core.request(call_at(cursor)), model)

        return AsyncPaginator(fetch, cursor=cursor)
