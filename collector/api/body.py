"""Reading request bodies and query strings through marshmallow, with the one error shape."""

from __future__ import annotations

import json

from flask import request
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
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as e:
        raise APIError(400, "invalid_json", f"The body is not valid JSON: {e}.") from None
    if not isinstance(data, dict):
        raise APIError(400, "invalid_json", "The body must be a JSON object.")
    return schema.load(data, partial=partial)


def query(schema: Schema) -> dict:
    """Validate the query string (single-valued keys)."""
    return schema.load(request.args.to_dict())
