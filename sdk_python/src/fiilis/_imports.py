"""Chunking an import into calls of at most 10 000 items, read from a file without loading it.

Each chunk becomes one ``POST /v1/responses/import`` body of JSON lines; the collector's line
numbers (lines of that body) are turned back into the caller's: the file's line where the item
starts, or the item's position counting from 1.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from typing import IO, Any, TypeVar

from fiilis._models import ImportReport, Model

M = TypeVar("M", bound=Model)

#: The collector takes at most this many items per call.
MAX_ITEMS_PER_CALL = 10_000
_CHUNK = 64 * 1024

Source = Iterable[dict[str, Any]] | str | os.PathLike[str] | IO[bytes] | IO[str]


def numbered(source: Source) -> Iterator[tuple[int, Any]]:
    """``(line or position, item)`` from a list of dicts, a path or an open file (JSON lines, or a
    JSON array read value by value). An item that is not JSON is passed on as text: the collector
    reports it."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            yield from _from_file(file)
        return
    if callable(getattr(source, "read", None)):
        yield from _from_file(source)  # type: ignore[arg-type]
        return
    if isinstance(source, dict):
        raise TypeError("import_() takes a list (or iterable) of items, not one item")
    yield from enumerate(source, 1)


def _texts(file: IO[Any]) -> Iterator[str]:
    while chunk := file.read(_CHUNK):
        yield chunk.decode("utf-8-sig") if isinstance(chunk, bytes) else chunk


def _from_file(file: IO[Any]) -> Iterator[tuple[int, Any]]:
    texts = _texts(file)
    buffer = ""
    for text in texts:
        buffer += text
        if buffer.strip():
            break
    if buffer.lstrip().startswith("["):
        yield from _array(buffer, texts)
        return
    number = 0
    for lines in _lines(buffer, texts):
        for line in lines:
            number += 1
            if line.strip():
                yield number, _Raw(line.strip())


def _lines(buffer: str, texts: Iterator[str]) -> Iterator[list[str]]:
    pending = buffer
    for text in texts:
        pending += text
        *whole, pending = pending.split("\n")
        yield whole
    *whole, pending = pending.split("\n")
    yield [*whole, pending] if pending else whole


def _array(buffer: str, texts: Iterator[str]) -> Iterator[tuple[int, Any]]:
    parse = json.JSONDecoder().raw_decode
    pos = buffer.index("[") + 1
    line = 1 + buffer.count("\n", 0, pos)
    while True:
        while True:
            while pos < len(buffer) and buffer[pos] in " \t\r\n,":
                line += buffer[pos] == "\n"
                pos += 1
            if pos < len(buffer):
                break
            more = next(texts, None)
            if more is None:
                return
            buffer, pos = buffer[pos:] + more, 0
        if buffer[pos] == "]":
            return
        while True:
            try:
                value, end = parse(buffer, pos)
                break
            except ValueError:
                more = next(texts, None)
                if more is None:
                    yield line, _Raw(buffer[pos:].strip())  # the collector says what is wrong
                    return
                buffer, pos = buffer[pos:] + more, 0
        yield line, value
        line += buffer.count("\n", pos, end)
        pos = end


class _Raw(str):
    """A line of JSON lines, sent as it is."""


def chunks(items: Iterator[tuple[int, Any]], size: int) -> Iterator[tuple[bytes, list[int]]]:
    """JSON-lines bodies of at most ``size`` items, each with the caller's line of every item."""
    body: list[str] = []
    lines: list[int] = []
    for line, item in items:
        body.append(item if isinstance(item, _Raw) else json.dumps(item, default=str))
        lines.append(line)
        if len(body) == size:
            yield ("\n".join(body) + "\n").encode(), lines
            body, lines = [], []
    if body:
        yield ("\n".join(body) + "\n").encode(), lines


def add(total: dict[str, Any], answer: dict[str, Any], lines: list[int]) -> None:
    """Sum one call's report into ``total`` (every count it holds, and its errors with the
    caller's lines)."""
    for key, value in answer.items():
        if key != "errors" and isinstance(value, int) and not isinstance(value, bool):
            total[key] = total.get(key, 0) + value
    if "errors_count" not in answer:
        total["errors_count"] += len(answer.get("errors", []))
    for error in answer.get("errors", []):
        at = error.get("line") or 0
        total["errors"].append({**error, "line": lines[at - 1] if 0 < at <= len(lines) else at})


def empty(*counts: str) -> dict[str, Any]:
    """A report with nothing yet: ``counts`` (default an answer import's) at 0, no errors."""
    names = counts or ("imported", "skipped_duplicates")
    return {**dict.fromkeys(names, 0), "errors": [], "errors_count": 0}


def report(total: dict[str, Any], model: type[M] = ImportReport) -> M:  # type: ignore[assignment]
    return model._from_dict(total)
