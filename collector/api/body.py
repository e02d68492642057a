"""Every request's input, read once at the door, and read through marshmallow with the one error shape.

``init_app`` adds two hooks around the rate limiter:

- before it, :func:`_read` reads the body (at most ``MAX_CONTENT_LENGTH`` bytes, chunked or not)
  and parses a JSON one once, with a depth limit, so nothing after it (the limiter's key
  functions, the browser API's origin gate, the handler) parses it again or can overflow the stack;
- after it (so a refusal still counts against the client's limit), :func:`_refuse` refuses a path
  segment, query string or form field holding a NUL byte or a lone surrogate: 404 for a path (no
  object has such an id), 422 naming the field otherwise.

A JSON body's own faults (not JSON, too deep, a NUL or lone surrogate in any string or key) are
raised by :func:`json_body`, after the media type is checked: 400 for the first two, 422 naming the
field for the last. Such text is refused, never replaced: what a client sent is stored as sent or
not at all, and the client learns which field to fix (see docs/decisions.md).
"""

from __future__ import annotations

import io

from flask import Flask, current_app, g, request
from marshmallow import Schema
from werkzeug.exceptions import RequestEntityTooLarge

from collector.domain import jsontext, storable
from collector.domain.problems import NotFound
from collector.errors import APIError

MAX_DEPTH = jsontext.MAX_DEPTH
JSON_TYPES = ("application/json", "text/plain")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class _Parsed:
    """The body as JSON, or why it is not (raised only by a handler that takes JSON)."""

    __slots__ = ("error", "value")

    def __init__(self, value=None, error: APIError | None = None):
        self.value = value
        self.error = error


_NO_BODY = _Parsed()


def init_app(app: Flask) -> None:
    """Call before ``limits.init_app``: the read runs before the limiter, the refusal after it."""
    app.before_request(_read)


def init_refusals(app: Flask) -> None:
    """Call after ``limits.init_app``."""
    app.before_request(_refuse)


def streamed(max_bytes: int):
    """For a view that reads its own body as a stream (an import): the door leaves the body
    unread, and werkzeug holds it to ``max_bytes`` (chunked too) instead of the usual limit."""

    def mark(view):
        view.streamed_body = max_bytes
        return view

    return mark


def parsed():
    """The request's JSON body as parsed at the door: a value, or ``None`` (none, or not valid)."""
    return g.get("body", _NO_BODY).value


def json_body(schema: Schema, *, text_plain: bool = False, partial: bool = False) -> dict:
    """The validated JSON body. ``text_plain`` admits JSON sent as text/plain (browser API)."""
    mimetype = request.mimetype
    accepted = ("application/json", "text/plain") if text_plain else ("application/json",)
    if mimetype not in accepted and not mimetype.endswith("+json"):
        raise APIError(
            415,
            "unsupported_media_type",
            f"Send the body as {' or '.join(accepted)}.",
        )
    body = g.get("body", _NO_BODY)
    if body.error is not None:
        raise body.error
    if not isinstance(body.value, dict):
        raise APIError(400, "invalid_json", "The body must be a JSON object.")
    return schema.load(body.value, partial=partial)


def query(schema: Schema) -> dict:
    """Validate the query string (single-valued keys)."""
    return schema.load(request.args.to_dict())


# -- at the door ---------------------------------------------------------------------------------


def _read() -> None:
    g.input_refusal = None
    limit = getattr(current_app.view_functions.get(request.endpoint), "streamed_body", None)
    if limit is not None:
        request.max_content_length = limit
        return
    try:
        raw = _bounded_body()
    except RequestEntityTooLarge as e:
        g.input_refusal = e
        return
    mimetype = request.mimetype
    if raw and (mimetype in JSON_TYPES or mimetype.endswith("+json")):
        g.body = _parse(raw)


def _bounded_body() -> bytes:
    """The body, at most ``MAX_CONTENT_LENGTH`` bytes, or 413.

    Werkzeug refuses a ``Content-Length`` over the limit, but cuts a chunked body (no length,
    ``wsgi.input_terminated``) at the limit without a word. Such a body is read here up to one byte
    past the limit, then handed on as if it had come with its length.
    """
    environ = request.environ
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is None and environ.get("wsgi.input_terminated"):
        data = environ["wsgi.input"].read(limit + 1)
        if len(data) > limit:
            raise RequestEntityTooLarge()
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ.pop("wsgi.input_terminated")
        environ.pop("HTTP_TRANSFER_ENCODING", None)
    if request.mimetype in FORM_TYPES:
        return b""  # werkzeug's form parser reads it, within the same limit
    return request.get_data(cache=True)


def _parse(raw: bytes) -> _Parsed:
    if jsontext.depth(raw) > MAX_DEPTH:
        return _Parsed(
            error=APIError(
                400,
                "invalid_json",
                f"The body nests arrays and objects more than {MAX_DEPTH} levels deep.",
            )
        )
    try:
        value = jsontext.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        return _Parsed(error=APIError(400, "invalid_json", f"The body is not valid JSON: {e}."))
    if b"\\u" in raw:  # the only way JSON text spells a NUL or a lone surrogate
        path = storable.first_unstorable(value)
        if path is not None:
            return _Parsed(error=_unstorable_field(storable.dotted(path)))
    return _Parsed(value)


def _unstorable_field(param: str) -> APIError:
    return APIError(
        422,
        "validation_failed",
        f"{param}: holds a NUL byte or a lone UTF-16 surrogate, which cannot be stored.",
        param=param,
    )


def _refuse() -> None:
    if g.input_refusal is not None:
        raise g.input_refusal
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and storable.unstorable(value):
            raise NotFound("object")
    sources = [request.args, request.form] if request.mimetype in FORM_TYPES else [request.args]
    for source in sources:
        for key, values in source.lists():
            if storable.unstorable(key) or any(storable.unstorable(v) for v in values):
                raise _unstorable_field(storable.printable(key))
