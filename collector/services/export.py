"""Responses as CSV: the management API's export and the dashboard's download.

The file is streamed, newest first, in batches of :data:`BATCH` rows read through a server-side
cursor: an export of millions never holds more than a batch, and no worker timeout cuts it (each
batch is sent as it is made). Should the database fail half-way, the response ends without the
last chunk of its chunked body, so the download fails visibly instead of leaving a short file that
looks whole.

Per row the work is what a spreadsheet needs and no more: ``context`` and ``traits`` come as the
database's own JSON text (decoding and encoding them again was half the time), the tags and reasons
of a batch come in two queries (a subquery per row was the other half), and each column has its
own converter: identifiers and timestamps as they are, free text through
:func:`~collector.domain.spreadsheet.neutralise`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import String, Text, any_, case, cast, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.orm import Session

from collector.domain import spreadsheet
from collector.domain.scales import DEFAULTS as DEFAULT_SCALES
from collector.domain.scales import Scale
from collector.models import ResponseReason, ResponseTag, Site, Survey
from collector.services import results

COLUMNS = (
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
    "scale",
    "reasons",
)
#: Rows per database round trip and per chunk of the body.
BATCH = 1000
#: The free-text columns between the score and the follow-up status.
_FREE_TEXT = ("comment", "user_id", "event", "url", "locale")


def csv_lines(db: Session, site: Site, filters: dict) -> Iterator[str]:
    """The filtered responses as CSV text, newest first, one chunk per batch.

    The filters are checked (and the survey looked up) before the first line is made, so a bad
    request still gets its JSON error.
    """
    base = results._filtered(db, site, filters).subquery()
    stmt = (
        select(
            base.c.id,
            cast(base.c.created_at, Text),
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
            cast(base.c.context, Text),
            cast(base.c.traits, Text),
            Survey.scale_min,
            Survey.scale_max,
        )
        .join(Survey, Survey.id == base.c.survey_id)
        .order_by(base.c.created_at.desc(), base.c.id.desc())
        .execution_options(yield_per=BATCH)
    )
    bind = db.get_bind()
    if bind.dialect.name == "postgresql":
        copy = _copy_statement(base, site.id)

        def lines() -> Iterator[str]:
            with Session(bind) as stream:
                yield from _copied(stream, copy)

    else:

        def lines() -> Iterator[str]:
            # Its own session: the request's is closed when the view returns, before the body
            # streams.
            with Session(bind) as stream:
                yield from _csv_text(stream, stream.execute(stmt).partitions())

    return lines()


# -- PostgreSQL: the database writes the CSV (COPY), the same cells as _csv_text -----------------


def _neutralised(value):
    """:func:`~collector.domain.spreadsheet.neutralise` in SQL (PostgreSQL text holds no NUL
    and no lone surrogate, so only the formula rule is left); ``NULL`` is the empty cell."""
    text = func.coalesce(value, literal(""))
    return case(
        (text.regexp_match(spreadsheet.FORMULA_PATTERN), literal("'").concat(text)),
        else_=text,
    )


def _iso(instant):
    """``2025-03-01T12:00:00+00:00``, with ``.123456`` when there are microseconds: Python's
    ``isoformat`` of the UTC instant."""
    utc = func.timezone("UTC", instant)
    fraction = case(
        (func.to_char(utc, "US") != "000000", func.to_char(utc, ".US")),
        else_=literal(""),
    )
    return func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS').concat(fraction).concat("+00:00")


def _joined(value, owner, site_id: str):
    """Each response's tags or reasons, sorted and comma-separated (one hash join, not a
    subquery per row)."""
    agg = func.string_agg(value, aggregate_order_by(literal(","), value))
    table = owner.class_
    return (
        select(owner.label("response_id"), agg.label("cell"))
        .where(table.site_id == site_id)
        .group_by(owner)
        .subquery()
    )


def _copy_statement(base, site_id: str) -> tuple[str, dict]:
    tags = _joined(ResponseTag.tag, ResponseTag.response_id, site_id)
    reasons = _joined(ResponseReason.reason, ResponseReason.response_id, site_id)
    defaults = case(
        {kind: f"{low}-{high}" for kind, (low, high) in DEFAULT_SCALES.items()},
        value=Survey.kind,
    )
    scale = func.coalesce(
        cast(Survey.scale_min, Text).concat("-").concat(cast(Survey.scale_max, Text)), defaults
    )
    cells = [
        _neutralised(base.c.id),
        _iso(base.c.created_at),
        base.c.survey_id,
        base.c.prompt_id,
        Survey.kind,
        base.c.score,
        *(_neutralised(getattr(base.c, name)) for name in _FREE_TEXT),
        base.c.followup_status,
        _neutralised(base.c.followup_owner),
        _neutralised(base.c.followup_note),
        func.coalesce(cast(base.c.context, Text), ""),
        func.coalesce(cast(base.c.traits, Text), ""),
        _neutralised(tags.c.cell),
        scale,
        _neutralised(reasons.c.cell),
    ]
    names = [f"c{n}" for n in range(len(cells))]
    query = (
        select(*(cell.label(name) for cell, name in zip(cells, names, strict=True)))
        .join(Survey, Survey.id == base.c.survey_id)
        .outerjoin(tags, tags.c.response_id == base.c.id)
        .outerjoin(reasons, reasons.c.response_id == base.c.id)
        .order_by(base.c.created_at.desc(), base.c.id.desc())
    )
    compiled = query.compile(
        dialect=postgresql.psycopg.dialect(), compile_kwargs={"render_postcompile": True}
    )
    quoted = ", ".join(
        name for name, column in zip(names, COLUMNS, strict=True) if column != "score"
    )
    sql = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE ({quoted}))"
    return sql, compiled.params


#: Bytes of CSV per chunk of the body.
_CHUNK = 1 << 16


def _copied(db: Session, copy: tuple[str, dict]) -> Iterator[str]:
    sql, params = copy
    cursor = db.connection().connection.dbapi_connection.cursor()
    yield "\ufeff" + ",".join(COLUMNS) + "\r\n"
    parts: list[bytes] = []
    size = 0
    with cursor.copy(sql, params) as rows:
        for row in rows:  # one row per message, ending in "\n": CSV rows end in "\r\n"
            parts.append(bytes(row[:-1]))
            size += len(row)
            if size >= _CHUNK:
                yield (b"\r\n".join(parts) + b"\r\n").decode()
                parts, size = [], 0
    if parts:
        yield (b"\r\n".join(parts) + b"\r\n").decode()


def _plain(value) -> str:
    return "" if value is None else value


def _text(value) -> str:
    return "" if value is None else spreadsheet.neutralise(value)


def _json_text(value) -> str:
    """The database's JSON text as the cell (JSON never starts like a formula); escaped letters
    (``\\u00e4``) are spelled out, as a reader of the file expects ``ä``."""
    if value is None:
        return ""
    if "\\u" in value:
        return spreadsheet.neutralise(json.dumps(json.loads(value), ensure_ascii=False))
    return value


def _instant(stored: str) -> str:
    """SQLite's stored UTC text (``2025-03-01 12:00:00.000000``, SQLAlchemy's form) as Python's
    ``isoformat`` of the instant (``2025-03-01T12:00:00+00:00``), without parsing a datetime."""
    fraction = stored[19:]
    if fraction.strip(".0") == "":
        fraction = ""
    return f"{stored[:10]}T{stored[11:19]}{fraction}+00:00"


#: One converter per selected column, in order (the scale's two columns are handled apart).
_CELLS: tuple[Callable, ...] = (
    _text,  # id: the browser's own for widget answers
    _instant,
    _plain,  # survey and prompt ids are made here
    _plain,
    _plain,  # kind
    int,  # score
    _text,  # comment
    _text,  # user_id
    _text,  # event
    _text,  # url
    _text,  # locale
    _plain,  # followup_status
    _text,  # followup_owner
    _text,  # followup_note
    _json_text,  # context
    _json_text,  # traits
)


def _labels(db: Session, ids: list[str]) -> tuple[dict, dict]:
    """The tags and the reasons of a batch of responses, each sorted: ``{id: [...]}`` twice."""
    tags: dict[str, list[str]] = {rid: [] for rid in ids}
    reasons: dict[str, list[str]] = {rid: [] for rid in ids}
    if db.get_bind().dialect.name == "postgresql":
        # One array parameter: a thousand bound values cost more to send than the rows.
        among = any_(cast(literal(ids), ARRAY(String)))
        tag_of, reason_of = ResponseTag.response_id == among, ResponseReason.response_id == among
    else:
        tag_of, reason_of = ResponseTag.response_id.in_(ids), ResponseReason.response_id.in_(ids)
    for response_id, tag in db.execute(
        select(ResponseTag.response_id, ResponseTag.tag).where(tag_of).order_by(ResponseTag.tag)
    ):
        tags[response_id].append(tag)
    for response_id, reason in db.execute(
        select(ResponseReason.response_id, ResponseReason.reason)
        .where(reason_of)
        .order_by(ResponseReason.reason)
    ):
        reasons[response_id].append(reason)
    return tags, reasons


def _csv_text(db: Session, batches: Iterable) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, **spreadsheet.WRITER_OPTIONS)
    buffer.write("\ufeff")  # the BOM makes Excel read UTF-8 (ä, ö, å)
    buffer.write(",".join(COLUMNS) + "\r\n")  # plain names: only cells are quoted
    scales: dict[tuple, str] = {}
    for rows in batches:
        tags, reasons = _labels(db, [row[0] for row in rows])
        for row in rows:
            *cells, scale_min, scale_max = row
            kind = cells[4]
            scale = scales.get((kind, scale_min, scale_max))
            if scale is None:
                of = Scale.of(kind, scale_min, scale_max)
                scale = scales[(kind, scale_min, scale_max)] = f"{of.min}-{of.max}"
            writer.writerow(
                [
                    *[convert(value) for convert, value in zip(_CELLS, cells, strict=True)],
                    _text(",".join(tags[row[0]])),
                    scale,
                    _text(",".join(reasons[row[0]])),
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
