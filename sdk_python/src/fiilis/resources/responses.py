"""``client.responses``: list, read and follow up answers, or export them as CSV."""

from __future__ import annotations

import codecs
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

from fiilis import _imports
from fiilis._core import Call
from fiilis._models import ImportReport, Response
from fiilis._pagination import AsyncPaginator, Paginator
from fiilis._params import NOT_GIVEN, NotGiven, TimeLike, body, query, segment, time_param, user_key
from fiilis.resources._base import AsyncResource, SyncResource

FollowupStatus = Literal["open", "in_progress", "closed", "none"]
Target = str | os.PathLike[str] | IO[bytes] | IO[str]


def _filters(
    survey: str | None,
    user_id: str | int | None,
    since: TimeLike | None,
    until: TimeLike | None,
    min_score: int | None,
    max_score: int | None,
    followup_status: str | None,
    has_comment: bool | None,
    tag: str | None = None,
    reason: str | None = None,
) -> dict[str, str]:
    return query(
        survey=survey,
        user_id=None if user_id is None else user_key(user_id),
        since=None if since is None else time_param(since),
        until=None if until is None else time_param(until),
        min_score=min_score,
        max_score=max_score,
        followup_status=followup_status,
        has_comment=has_comment,
        tag=tag,
        reason=reason,
    )


def _list(filters: dict[str, str], limit: int | None) -> Callable[[str | None], Call]:
    def call_at(cursor: str | None) -> Call:
        return Call("GET", "/v1/responses", params={**filters, **query(limit=limit, cursor=cursor)})

    return call_at


def _get(response_id: str) -> Call:
    return Call("GET", f"/v1/responses/{segment(response_id, 'response_id')}")


def _update(
    response_id: str, status: Any, owner: Any, note: Any, tags: Any, add_tags: Any, remove_tags: Any
) -> Call:
    # The SDK's short names are the API's follow-up fields.
    payload = body(
        followup_status=status,
        followup_owner=owner,
        followup_note=note,
        tags=_listed(tags),
        add_tags=_listed(add_tags),
        remove_tags=_listed(remove_tags),
    )
    if not payload:
        raise ValueError(
            "responses.update() needs status=, owner=, note=, tags=, add_tags= or remove_tags="
        )
    return Call("PATCH", f"/v1/responses/{segment(response_id, 'response_id')}", json=payload)


def _listed(value: Any) -> Any:
    if isinstance(value, str):
        raise TypeError("tags take a list of strings, not one string")
    return value if isinstance(value, NotGiven) else list(value)


def _import_call(body: bytes, source: str | None) -> Call:
    # Idempotent by (source, external_id) on the collector: a retried call stores nothing twice.
    return Call(
        "POST",
        "/v1/responses/import",
        params=query(source=source),
        content=body,
        content_type="application/x-ndjson",
    )


def _export(filters: dict[str, str]) -> Call:
    return Call("GET", "/v1/responses.csv", params=filters, accept="text/csv")


class _CsvSink:
    """Where exported bytes go as they arrive. A path is written through a temporary file beside
    it and renamed at the end, so a failed export never leaves half a file; an open file is written
    to directly (bytes, or text decoded as UTF-8)."""

    def __init__(self, target: Target) -> None:
        self._path: Path | None = None
        self._temp: IO[bytes] | None = None
        self._decoder: codecs.IncrementalDecoder | None = None
        self.written = 0
        if isinstance(target, str | os.PathLike):
            self._path = Path(target)
            self._temp = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in __exit__)
                "wb",
                dir=self._path.parent,
                prefix=f".{self._path.name}.",
                suffix=".part",
                delete=False,
            )
            self._file: Any = self._temp
        elif callable(getattr(target, "write", None)):
            self._file = target
            if isinstance(target, io.TextIOBase):
                self._decoder = codecs.getincrementaldecoder("utf-8")()
        else:
            raise TypeError(f"export_csv() takes a path or a file object, not {target!r}")

    def write(self, chunk: bytes) -> None:
        if not chunk:
            return
        self._file.write(self._decoder.decode(chunk) if self._decoder else chunk)
        self.written += len(chunk)

    def __enter__(self) -> _CsvSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._decoder is not None and exc is None:
            self._file.write(self._decoder.decode(b"", final=True))
        if self._temp is None or self._path is None:
            return
        self._temp.close()
        if exc is None:
            os.replace(self._temp.name, self._path)
        else:
            os.unlink(self._temp.name)


class Responses(SyncResource):
    def list(
        self,
        *,
        survey: str | None = None,
        user_id: str | int | None = None,
        since: TimeLike | None = None,
        until: TimeLike | None = None,
        min_score: int | None = None,
        max_score: int | None = None,
        followup_status: FollowupStatus | None = None,
        has_comment: bool | None = None,
        tag: str | None = None,
        reason: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Paginator[Response]:
        """Every response matching the filters, newest first, fetched page by page as you iterate
        (``limit`` per page, 1–100; ``cursor`` resumes after a page you already have).

        ``since`` (inclusive) and ``until`` (exclusive) take datetimes, dates or ISO 8601 strings;
        a date or a naive datetime is UTC. ``min_score``/``max_score`` bound the score,
        ``followup_status`` and ``has_comment`` pick the answers to follow up, ``tag`` the answers
        carrying that tag, ``reason`` the answers that gave that reason (a choice's id)."""
        filters = _filters(
            survey,
            user_id,
            since,
            until,
            min_score,
            max_score,
            followup_status,
            has_comment,
            tag,
            reason,
        )
        return self._paginate(_list(filters, limit), Response, cursor)

    def get(self, response_id: str) -> Response:
        """One response."""
        return self._fetch(_get(response_id), Response)

    def update(
        self,
        response_id: str,
        *,
        status: FollowupStatus | NotGiven = NOT_GIVEN,
        owner: str | NotGiven | None = NOT_GIVEN,
        note: str | NotGiven | None = NOT_GIVEN,
        tags: list[str] | NotGiven = NOT_GIVEN,
        add_tags: list[str] | NotGiven = NOT_GIVEN,
        remove_tags: list[str] | NotGiven = NOT_GIVEN,
    ) -> Response:
        """Close the loop: set the follow-up ``status`` (open, in_progress, closed, none), ``owner`` and
        ``note`` of a response. Only the given ones change; ``None`` clears owner or note.
        ``tags`` replaces the response's tags, ``add_tags`` and ``remove_tags`` change them
        (lower-cased, 1–40 characters, at most 20)."""
        call = _update(response_id, status, owner, note, tags, add_tags, remove_tags)
        return self._fetch(call, Response)

    def import_(
        self,
        items: _imports.Source,
        *,
        source: str | None = None,
        batch_size: int = _imports.MAX_ITEMS_PER_CALL,
    ) -> ImportReport:
        """Import answers from another tool: a list (or any iterable) of items, or a path or open
        file of JSON lines or a JSON array, read as it is sent (constant memory). Each item is
        ``{external_id, survey, user_id | email, score, created_at, comment?, traits?, tags?,
        notes?}``; ``source`` (default ``api``) names the tool, and an answer is stored once per
        (source, external_id), so running an import again is harmless. Sent in calls of at most
        ``batch_size`` (≤ 10 000) items; returns the summed report, with each refused item's line
        in the file (or its position in ``items``, from 1)."""
        total = _imports.empty()
        size = min(batch_size, _imports.MAX_ITEMS_PER_CALL)
        for chunk, lines in _imports.chunks(_imports.numbered(items), size):
            _imports.add(total, self._core.request(_import_call(chunk, source)), lines)
        return _imports.report(total)

    def export_csv(
        self,
        path_or_file: Target,
        *,
        survey: str | None = None,
        user_id: str | int | None = None,
        since: TimeLike | None = None,
        until: TimeLike | None = None,
        min_score: int | None = None,
        max_score: int | None = None,
        followup_status: FollowupStatus | None = None,
        has_comment: bool | None = None,
        tag: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Stream the matching responses as CSV into a path or an open file, writing bytes as they
        arrive (any size, constant memory). Returns the number of bytes written."""
        call = _export(
            _filters(
                survey,
                user_id,
                since,
                until,
                min_score,
                max_score,
                followup_status,
                has_comment,
                tag,
                reason,
            )
        )
        with self._core.stream(call) as answer, _CsvSink(path_or_file) as sink:
            for chunk in self._core.iter_bytes(answer):
                sink.write(chunk)
        return sink.written


class AsyncResponses(AsyncResource):
    def list(
        self,
        *,
        survey: str | None = None,
        user_id: str | int | None = None,
        since: TimeLike | None = None,
        until: TimeLike | None = None,
        min_score: int | None = None,
        max_score: int | None = None,
        followup_status: FollowupStatus | None = None,
        has_comment: bool | None = None,
        tag: str | None = None,
        reason: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> AsyncPaginator[Response]:
        """Every matching response: ``async for r in client.responses.list(survey=...)``."""
        filters = _filters(
            survey,
            user_id,
            since,
            until,
            min_score,
            max_score,
            followup_status,
            has_comment,
            tag,
            reason,
        )
        return self._paginate(_list(filters, limit), Response, cursor)

    async def get(self, response_id: str) -> Response:
        """One response."""
        return await self._fetch(_get(response_id), Response)

    async def update(
        self,
        response_id: str,
        *,
        status: FollowupStatus | NotGiven = NOT_GIVEN,
        owner: str | NotGiven | None = NOT_GIVEN,
        note: str | NotGiven | None = NOT_GIVEN,
        tags: list[str] | NotGiven = NOT_GIVEN,
        add_tags: list[str] | NotGiven = NOT_GIVEN,
        remove_tags: list[str] | NotGiven = NOT_GIVEN,
    ) -> Response:
        """Set the follow-up ``status``, ``owner`` and ``note`` of a response, and its tags."""
        call = _update(response_id, status, owner, note, tags, add_tags, remove_tags)
        return await self._fetch(call, Response)

    async def import_(
        self,
        items: _imports.Source,
        *,
        source: str | None = None,
        batch_size: int = _imports.MAX_ITEMS_PER_CALL,
    ) -> ImportReport:
        """Import answers from another tool (see ``Fiilis.responses.import_``)."""
        total = _imports.empty()
        size = min(batch_size, _imports.MAX_ITEMS_PER_CALL)
        for chunk, lines in _imports.chunks(_imports.numbered(items), size):
            _imports.add(total, await self._core.request(_import_call(chunk, source)), lines)
        return _imports.report(total)

    async def export_csv(
        self,
        path_or_file: Target,
        *,
        survey: str | None = None,
        user_id: str | int | None = None,
        since: TimeLike | None = None,
        until: TimeLike | None = None,
        min_score: int | None = None,
        max_score: int | None = None,
        followup_status: FollowupStatus | None = None,
        has_comment: bool | None = None,
        tag: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Stream the matching responses as CSV into a path or an open file; returns bytes written."""
        call = _export(
            _filters(
                survey,
                user_id,
                since,
                until,
                min_score,
                max_score,
                followup_status,
                has_comment,
                tag,
                reason,
            )
        )
        async with self._core.stream(call) as answer:
            with _CsvSink(path_or_file) as sink:
                async for chunk in self._core.iter_bytes(answer):
                    sink.write(chunk)
        return sink.written
