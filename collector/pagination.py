"""Opaque, stable cursors over (created_at, id), newest first.

A cursor names the last item of a page; the next page holds what sorts strictly after it, so items
inserted meanwhile (which are newer) never shift the pages still to come.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Select, literal, tuple_
from sqlalchemy.orm import Session

MAX_LIMIT = 100


class PageQuerySchema(Schema):
    limit = fields.Int(load_default=20, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.Str(load_default=None)


def encode(created_at: datetime, id: str) -> str:
    raw = json.dumps([created_at.isoformat(), id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, id = json.loads(raw)
        instant = datetime.fromisoformat(created)
        # Ours hold an aware instant; a naive or unrepresentable one must not reach the query.
        if instant.tzinfo is None:
            raise ValueError("a cursor's instant has an offset")
        return instant.astimezone(UTC), str(id)
    except (ValueError, TypeError, OverflowError) as e:
        raise ValidationError("Not a cursor from this API.", field_name="cursor") from e


def page(db: Session, stmt: Select, model, *, limit: int, cursor: str | None) -> tuple[list, bool]:
    """One page of ``stmt`` (selecting ``model``) and whether more follow."""
    if cursor:
        created, id = decode(cursor)
        if model.id.type.python_type is int:  # a table numbered by the database
            try:
                id = int(id)
            except ValueError:
                raise ValidationError("Not a cursor from this API.", field_name="cursor") from None
        # One row-value comparison: both databases read it as a range of the (…, created_at, id)
        # index, so a deep page costs what the first one does (an OR of two terms is a scan).
        bound = tuple_(
            literal(created, model.created_at.type), literal(id, model.id.type)
        )  # typed as the columns, so each database compares what it stores
        stmt = stmt.where(tuple_(model.created_at, model.id) < bound)
    stmt = stmt.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)
    rows = list(db.scalars(stmt))
    return rows[:limit], len(rows) > limit


def envelope(items: list, has_more: bool) -> dict:
    """A page as ``list_of`` documents and dumps it: the items, whether more follow, the cursor."""
    last = items[-1] if items and has_more else None
    return {
        "data": items,
        "has_more": has_more,
        "next_cursor": encode(last.created_at, last.id) if last is not None else None,
    }
