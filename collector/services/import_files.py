"""Reading files to import, one item at a time: JSON (an array or JSON lines) and CSV.

Nothing here holds more than one item (and a 64 KiB read buffer), so an import's memory does not
grow with its file. Every item comes with the line it starts on, for the report.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import json
from collections.abc import Iterator
from typing import IO, Any

from collector.domain import jsontext
from collector.services.importing import ItemError

_CHUNK = 64 * 1024
#: A single JSON value in an array may be at most this long before we give up on the file.
_MAX_ITEM = 1024 * 1024
_WHITESPACE = " \t\r\n"


def json_items(stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    """``(line, value)`` for each item of a JSON array or of JSON lines (detected from the first
    character). A line of JSON lines that is not JSON gives ``(line, ItemError)`` and the next
    lines go on; in an array, broken JSON ends the reading (nothing after it can be trusted)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    first = b""
    while True:
        chunk = stream.read(_CHUNK)
        first += chunk
        head = first.lstrip()
        if head or not chunk:
            break
    if head.startswith(b"["):
        yield from _array(stream, decoder, first)
    else:
        yield from _lines(stream, decoder, first)


def _decoded(stream: IO[bytes], decoder, first: bytes) -> Iterator[str]:
    if first:
        yield decoder.decode(first)
    while chunk := stream.read(_CHUNK):
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def _lines(stream, decoder, first) -> Iterator[tuple[int, Any]]:
    rest = ""
    number = 0
    try:
        for text in _decoded(stream, decoder, first):
            rest += text
            *whole, rest = rest.split("\n")
            for line in whole:
                number += 1
                yield from _one_line(number, line)
    except UnicodeDecodeError:
        yield number + 1, ItemError(None, "The file is not UTF-8 text from here on.")
        return
    if rest.strip():
        yield from _one_line(number + 1, rest)


def _one_line(number: int, line: str) -> Iterator[tuple[int, Any]]:
    line = line.strip()
    if not line:
        return
    try:
        yield number, jsontext.loads(line)
    except ValueError as e:
        yield number, ItemError(None, f"Not valid JSON: {e.msg} (column {e.colno}).")


def _array(stream, decoder, first) -> Iterator[tuple[int, Any]]:
    parse = jsontext.raw_decode
    texts = _decoded(stream, decoder, first)
    buffer, pos, line, done = "", 0, 1, False

    def more() -> bool:
        nonlocal buffer, pos, done
        if done:
            return False
        try:
            text = next(texts)
        except StopIteration:
            done = True
            return False
        except UnicodeDecodeError:
            done = True
            raise
        buffer = buffer[pos:] + text
        pos = 0
        return True

    def skip_space() -> bool:
        nonlocal pos, line
        while True:
            while pos < len(buffer) and buffer[pos] in _WHITESPACE:
                if buffer[pos] == "\n":
                    line += 1
                pos += 1
            if pos < len(buffer) or not more():
                return pos < len(buffer)

    try:
        skip_space()
        pos += 1  # the "["
        expect_value = True
        while True:
            if not skip_space():
                yield line, ItemError(None, "The JSON array is not closed with ].")
                return
            if buffer[pos] == "]":
                return
            if not expect_value:
                if buffer[pos] != ",":
                    yield line, ItemError(None, "Not valid JSON: expected , or ] between items.")
                    return
                pos += 1
                expect_value = True
                continue
            while True:
                try:
                    value, end = parse(buffer, pos)
                    break
                except ValueError as e:
                    if len(buffer) - pos > _MAX_ITEM or not more():
                        yield (
                            line + buffer.count("\n", pos, e.pos),
                            ItemError(
                                None, f"Not valid JSON: {e.msg}; the rest of the file is not read."
                            ),
                        )
                        return
            yield line, value
            line += buffer.count("\n", pos, end)
            pos = end
            expect_value = False
    except UnicodeDecodeError:
        yield line, ItemError(None, "The file is not UTF-8 text from here on.")


def csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, {column: cell})`` for each record of a CSV file with a header row (UTF-8, with or
    without a BOM; the delimiter , ; or tab is detected from the header)."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield from _csv_records(text)
    finally:
        # The caller's file stays open, its position readable (unless the caller closed it).
        with contextlib.suppress(ValueError):
            text.detach()


def _csv_records(text: io.TextIOWrapper) -> Iterator[tuple[int, dict[str, str]]]:
    header = text.readline()
    delimiter = max(",;\t", key=header.count)
    reader = csv.reader(io.StringIO(header), delimiter=delimiter)
    columns = [c.strip() for c in next(reader, [])]
    records = csv.reader(text, delimiter=delimiter)
    line = 1
    for record in records:
        line += 1
        start = line
        line = records.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        yield start, dict(zip(columns, record, strict=False))


def row_fingerprint(row: dict[str, str]) -> str:
    """A stable id for a CSV row without one: the same row imports once."""
    raw = json.dumps(row, sort_keys=True, ensure_ascii=False).encode()
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:32]


# -- Delighted --------------------------------------------------------------------------------

#: Delighted's survey types Fiilis can take, with the kind and scale of their answers.
DELIGHTED_TYPES: dict[str, tuple[str, int, int]] = {
    "nps": ("nps", 0, 10),
    "enps": ("nps", 0, 10),
    "csat": ("csat", 1, 5),
    "ces": ("ces", 1, 5),
}


def delighted_type_fits(survey_type: str, kind: str, low: int, high: int) -> str | None:
    """Why answers of this Delighted type cannot go into a survey of this kind and scale
    (``None`` when they can)."""
    if survey_type not in DELIGHTED_TYPES:
        known = ", ".join(DELIGHTED_TYPES)
        return f"survey_type: Delighted's {survey_type!r} surveys cannot be imported ({known} can)."
    want_kind, want_low, want_high = DELIGHTED_TYPES[survey_type]
    if (want_kind, want_low, want_high) != (kind, low, high):
        return (
            f"survey_type: Delighted's {survey_type} answers are {want_kind.upper()} "
            f"{want_low}–{want_high}; this survey is {kind.upper()} {low}–{high}. Import them "
            f"into a {want_kind.upper()} survey with scale {want_low}–{want_high}."
        )
    return None


def delighted_item(
    obj: Any,
    *,
    survey: str,
    kind: str,
    scale: tuple[int, int],
    user_id_property: str | None = None,
) -> dict[str, Any]:
    """A Delighted ``survey_response`` object as an import item (raises :class:`ItemError`)."""
    if not isinstance(obj, dict):
        raise ItemError(None, "A Delighted survey response is a JSON object.")
    why = delighted_type_fits(str(obj.get("survey_type") or "nps"), kind, *scale)
    if why:
        raise ItemError("survey_type", why)
    person = obj.get("person")
    if not isinstance(person, dict):
        if user_id_property is None:
            raise ItemError(
                "person",
                "person: not expanded (only its id is here); list the responses with "
                "expand[]=person so the e-mail comes along, or give --user-id-property.",
            )
        person = {}
    properties = obj.get("person_properties")
    properties = properties if isinstance(properties, dict) else {}
    traits = {k: v for k, v in properties.items() if isinstance(k, str) and 0 < len(k) <= 64}
    if person.get("name") and "name" not in traits:
        traits["name"] = person["name"]
    item: dict[str, Any] = {
        "external_id": obj.get("id"),
        "survey": survey,
        "score": obj.get("score"),
        "comment": obj.get("comment"),
        "created_at": obj.get("created_at"),
        "traits": traits,
        "tags": obj.get("tags") or [],
        "source_ref": obj.get("permalink"),
        "notes": [
            {
                "text": n.get("text"),
                "author": n.get("user_email"),
                "created_at": n.get("created_at"),
            }
            for n in (obj.get("notes") or [])
            if isinstance(n, dict)
        ],
    }
    if person.get("email"):
        item["email"] = person["email"]
    if user_id_property:
        user_id = properties.get(user_id_property)
        if user_id in (None, ""):
            raise ItemError(
                f"person_properties.{user_id_property}",
                f"person_properties.{user_id_property}: missing; it holds the user id.",
            )
        item["user_id"] = str(user_id)
    return item


# -- CSV --------------------------------------------------------------------------------------

#: The fields a CSV column can be mapped to; ``trait.<name>`` maps a column to a trait.
CSV_FIELDS = ("score", "created_at", "comment", "email", "user_id", "external_id", "tags")
#: Date formats tried, in order, when none is given (the first that reads the first date wins).
DATE_FORMATS = (
    "iso",
    "unix",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)


def delighted_items(
    objects: Iterator[tuple[int, Any]],
    *,
    survey: str,
    kind: str,
    scale: tuple[int, int],
    user_id_property: str | None,
) -> Iterator[tuple[int, Any]]:
    """``(line, item)`` for each Delighted object of :func:`json_items`, or ``(line, ItemError)``
    for a line that is not one, so a bad line is reported and the rest go on."""
    for line, obj in objects:
        if isinstance(obj, ItemError):
            yield line, obj
            continue
        try:
            item = delighted_item(
                obj, survey=survey, kind=kind, scale=scale, user_id_property=user_id_property
            )
        except ItemError as e:
            yield line, e
        else:
            yield line, item


def parse_mapping(text: str) -> dict[str, str]:
    """``score=Score,created_at=Date,trait.plan=Plan`` → ``{field: column}``."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, column = part.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not column:
            raise ValueError(f"{part!r}: write field=Column, e.g. score=Score.")
        if name not in CSV_FIELDS and not (name.startswith("trait.") and len(name) > 6):
            raise ValueError(f"{name!r} is not a field; use {', '.join(CSV_FIELDS)} or trait.NAME.")
        mapping[name] = column
    for needed in ("score", "created_at"):
        if needed not in mapping:
            raise ValueError(f"Map {needed}: e.g. {needed}=<its column>.")
    if "email" not in mapping and "user_id" not in mapping:
        raise ValueError("Map email or user_id: who answered.")
    return mapping


def read_time(value: str, fmt: str, tz) -> Any:
    """A CSV cell in ``fmt`` as an aware datetime (naive times are in ``tz``)."""
    from datetime import datetime

    value = value.strip()
    if fmt == "unix":
        if not value.replace(".", "", 1).isdigit():
            raise ValueError(value)
        return datetime.fromtimestamp(float(value), tz)
    moment = datetime.fromisoformat(value) if fmt == "iso" else datetime.strptime(value, fmt)
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def detect_format(value: str, tz) -> str | None:
    for fmt in DATE_FORMATS:
        try:
            read_time(value, fmt, tz)
        except (ValueError, OverflowError, OSError):
            continue
        return fmt
    return None


def csv_item(
    row: dict[str, str], mapping: dict[str, str], *, survey: str, date_format: str, tz
) -> dict[str, Any]:
    """A CSV record as an import item (raises :class:`ItemError` naming the column)."""

    def cell(name: str) -> str:
        column = mapping[name]
        if column not in row:
            raise ItemError(name, f"{name}: the file has no column {column!r}.")
        return (row[column] or "").strip()

    raw_score = cell("score")
    try:
        score = int(raw_score)
    except ValueError:
        message = "missing" if not raw_score else f"{raw_score!r} is not a whole number"
        raise ItemError("score", f"score: {message} (column {mapping['score']}).") from None
    raw_time = cell("created_at")
    try:
        created_at = read_time(raw_time, date_format, tz)
    except (ValueError, OverflowError, OSError):
        raise ItemError(
            "created_at",
            f"created_at: {raw_time!r} is not a date in the format {date_format} "
            f"(column {mapping['created_at']}).",
        ) from None
    item: dict[str, Any] = {
        "survey": survey,
        "score": score,
        "created_at": created_at.isoformat(),
        "external_id": cell("external_id") if "external_id" in mapping else row_fingerprint(row),
        "traits": {
            name.removeprefix("trait."): row[column].strip()
            for name, column in mapping.items()
            if name.startswith("trait.") and (row.get(column) or "").strip()
        },
    }
    for name in ("comment", "email", "user_id"):
        if name in mapping and cell(name):
            item[name] = cell(name)
    if "tags" in mapping:
        item["tags"] = [
            t for t in (p.strip() for p in cell("tags").replace(";", ",").split(",")) if t
        ]
    return item
