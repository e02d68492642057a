"""The responses as CSV: the list's filters, streamed in batches, cells safe for spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from collector.db import reading_session
from collector.domain import spreadsheet
from collector.models import (
    ResponseTag,
    Site,
    Survey,
)
from collector.services import results

CSV_COLUMNS = (
    "id",
    "created_at",
    "survey",
    "prompt",
    "kind",
    "score",
    "comment",
    "user_id",
    "event",
    "url",
    "locale",
    "followup_status",
    "followup_owner",
    "followup_note",
    "context",
    "traits",
    "tags",
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CSV_BATCH = 500


def neutralise(cell: str) -> str:
    """Make a text cell inert in spreadsheets: a leading ``'`` before a formula character."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return neutralise(str(value))


def csv_lines(db: Session, site: Site, filters: dict) -> Iterator[str]:
    """The filtered responses as CSV text, newest first, streamed in batches.

    The filters are checked (and the survey looked up) before the first line is made, so a bad
    request still gets its JSON error. Rows come through a server-side cursor (``yield_per``): the
    export never holds more than a batch.
    """
    base = results.filtered(db, site, filters).subquery()
    stmt = (
        select(
            base.c.id,
            base.c.created_at,
            base.c.survey_id,
            base.c.prompt_id,
            Survey.kind,
            base.c.score,
            base.c.comment,
            base.c.user_id,
            base.c.event,
            base.c.url,
            base.c.locale,
            base.c.followup_status,
            base.c.followup_owner,
            base.c.followup_note,
            base.c.context,
            base.c.traits,
            _tag_list(db, base.c.id).label("tags"),
        )
        .join(Survey, Survey.id == base.c.survey_id)
        .order_by(base.c.created_at.desc(), base.c.id.desc())
        .execution_options(yield_per=_CSV_BATCH)
    )
    bind = db.get_bind()

    def lines() -> Iterator[str]:
        # Its own session: the request's is closed when the view returns, before the body streams.
        with reading_session(bind) as stream:
            yield from _csv_text(stream.execute(stmt))

    return lines()


def _tag_list(db: Session, response_id):
    """A response's tags as one comma-separated cell (sorted when written)."""
    tag = ResponseTag.tag
    joined = (
        func.string_agg(tag, literal(","))
        if db.get_bind().dialect.name == "postgresql"
        else func.group_concat(tag, literal(","))
    )
    return select(joined).where(ResponseTag.response_id == response_id).scalar_subquery()


def _csv_text(rows) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, **spreadsheet.WRITER_OPTIONS)
    buffer.write("\ufeff")  # the BOM makes Excel read UTF-8 (ä, ö, å)
    buffer.write(",".join(CSV_COLUMNS) + "\r\n")  # plain names: only cells are quoted
    for count, row in enumerate(rows, 1):
        *cells, tags = row
        tag_cell = ",".join(sorted((tags or "").split(",")))
        writer.writerow([*(spreadsheet.cell(v) for v in cells), spreadsheet.cell(tag_cell)])
        if count % _CSV_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
