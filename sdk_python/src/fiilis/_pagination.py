"""Auto-paginating iterators over ``{data, has_more, next_cursor}`` list endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Generic, TypeVar

from fiilis._models import Page

__all__ = ["AsyncPaginator", "Paginator"]

T = TypeVar("T")


def _following(page: Page[T], seen: set[str]) -> str | None:
    """The cursor of the page after ``page``, or None at the end. A cursor seen before also ends
    the walk: a server bug must not turn into an endless loop."""
    cursor = page.next_cursor
    if not page.has_more or not cursor or cursor in seen:
        return None
    seen.add(cursor)
    return cursor


class Paginator(Generic[T]):
    """Every item of a list, fetching pages as iteration reaches them.

    ``for item in paginator`` walks all items; ``paginator.pages()`` walks the pages themselves.
    Nothing is fetched until iteration starts; each new iteration starts again from the first page.
    """

    def __init__(self, fetch: Callable[[str | None], Page[T]], *, cursor: str | None = None):
        self._fetch = fetch
        self._cursor = cursor

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.data

    def pages(self) -> Iterator[Page[T]]:
        cursor, seen = self._cursor, set[str]()
        while True:
            page = self._fetch(cursor)
            yield page
            cursor = _following(page, seen)
            if cursor is None:
                return

    def first_page(self) -> Page[T]:
        """Only the first page (one request)."""
        return self._fetch(self._cursor)


class AsyncPaginator(Generic[T]):
    """The async twin of ``Paginator``: ``async for item in client.responses.list(...)``."""

    def __init__(
        self, fetch: Callable[[str | None], Awaitable[Page[T]]], *, cursor: str | None = None
    ):
        self._fetch = fetch
        self._cursor = cursor

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.data:
                yield item

    async def pages(self) -> AsyncIterator[Page[T]]:
        cursor, seen = self._cursor, set[str]()
        while True:
            page = await self._fetch(cursor)
            yield page
            cursor = _following(page, seen)
            if cursor is None:
                return

    async def first_page(self) -> Page[T]:
        """Only the first page (one request)."""
        return await self._fetch(self._cursor)
