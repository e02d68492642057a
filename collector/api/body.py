"""Reading request bodies and query strings through marshmallow, with the one error shape."""

from __future__ import annotations

import json

from flask import g, request
from marshmallow import Schema

from collector.errors import APIError


def json_body(schema: Schema, *, text_plain: bool = False, partial: bool = False) -> dict:
    """Parse and validate the JSON body. ``text_plain`` admits JSON sent as text/plain (browser API)."""
    mimetype = request.mimetype
    accepted = ("application/json", "text/plain") if text_plain else ("application/json",)
    if mimetype not in accepted and not mimetype.endswith("+json"):
        raise APIError(
            415,
            "unsupported_media_type",
            f"Send the body as {' or '.join(accepted)}.",
        )
    data = _parsed()
    if isinstance(data, ValueError):
        raise APIError(400, "invalid_json", f"The body is not valid JSON: {data}.")
    if not isinstance(data, dict):
        raise APIError(400, "invalid_json", "The body must be a JSON object.")
    return schema.load(data, partial=partial)


def peek() -> dict | None:
    """The body's JSON object, read before the handler validates it (the browser API's origin
    gate), or ``None``; parsed once per request either way."""
    data = _parsed()
    return data if isinstance(data, dict) else None


def _parsed():
    """The body as parsed JSON, or the ``ValueError`` that says why it is not, once a request."""
    if "json_body" not in g:
        try:
            g.json_body = json.loads(request.get_data(cache=True) or b"null")
        except (ValueError, UnicodeDecodeError) as e:
            g.json_body = ValueError(str(e))
    return g.json_body


def query(schema: Schema) -> dict:
    """Validate the query string (single-valued keys)."""
    return schema.load(request.args.to_dict())
