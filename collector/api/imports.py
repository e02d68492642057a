"""``POST /v1/responses/import``: answers from another tool, JSON lines or a JSON array (DESIGN §14)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Blueprint, request
from marshmallow import Schema, fields

from collector import db
from collector.api.auth import current_site
from collector.api.body import query, streamed
from collector.errors import APIError
from collector.models import utcnow
from collector.openapi import doc
from collector.services import importing
from collector.services.import_files import json_items

bp = Blueprint("imports", __name__)

#: An import call's body may be this large (other calls: 64 KiB); 10 000 items fit easily.
MAX_IMPORT_BYTES = 32 * 1024 * 1024
BODY_TYPES = ("application/json", "application/x-ndjson", "application/jsonl", "text/plain")


class ImportQuerySchema(Schema):
    source = fields.Str(
        load_default="api",
        validate=importing.SOURCE,
        metadata={
            "description": "Where the answers come from; an answer is imported once per "
            "(source, external_id). Default api."
        },
    )


class ImportErrorSchema(Schema):
    line = fields.Int(
        required=True, metadata={"description": "Line of the body the item starts on"}
    )
    param = fields.Str(allow_none=True, required=True)
    message = fields.Str(required=True)


class ImportReportSchema(Schema):
    imported = fields.Int(required=True)
    skipped_duplicates = fields.Int(required=True)
    errors = fields.List(fields.Nested(ImportErrorSchema), required=True)
    errors_count = fields.Int(
        required=True, metadata={"description": "All refused items (the first 1000 are listed)"}
    )


import_query = ImportQuerySchema()
import_item = importing.ImportItemSchema()
import_report = ImportReportSchema()


def at_most(
    items: Iterable[tuple[int, Any]], limit: int, what: str = "items"
) -> Iterator[tuple[int, Any]]:
    """The first ``limit`` items, then one error saying the rest were not read."""
    for count, (line, item) in enumerate(items, 1):
        if count > limit:
            yield (
                line,
                importing.ItemError(
                    None, f"At most {limit} {what} per call: this one and the rest were not read."
                ),
            )
            return
        yield line, item


@bp.post("/responses/import")
@doc(
    "Import answers (JSON lines or a JSON array, at most 10 000 per call); a report per item",
    query=import_query,
    body=import_item,
    body_types=BODY_TYPES,
    response=import_report,
    tag="results",
)
@streamed(MAX_IMPORT_BYTES)
def import_():
    if request.mimetype not in BODY_TYPES:
        raise APIError(
            415, "unsupported_media_type", "Send JSON lines (application/x-ndjson) or a JSON array."
        )
    request.max_content_length = MAX_IMPORT_BYTES
    source = query(import_query)["source"]
    # Every item is checked there, NUL bytes and lone surrogates too (as for the CLI's files).
    items = at_most(json_items(request.stream), importing.MAX_ITEMS_PER_CALL)
    report = importing.import_items(
        db.session(), current_site(), items, source=source, now=utcnow()
    )
    return report.to_dict()
