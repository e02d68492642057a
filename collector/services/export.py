"""Responses as CSV: the management API's export and the dashboard's download.

The file is streamed, newest first, in batches of :data:`BATCH` rows read through a server-side
cursor: an export of millions never holds more than a batch, and no worker timeout cuts it (each
batch is sent as it is made). Should the database fail half-way, the response ends without the
last chunk of its chunked body, so the download fails visibly instead of leaving a short file that
looks whole.

Per row the work is what a spreadsheet needs and no more, and the database does most of it.
PostgreSQL writes the whole CSV itself (``COPY``, the formula rule in SQL). SQLite's statement
makes every cell as text (instants in ISO 8601, ``context`` and ``traits`` as their stored JSON,
the tags and the reasons joined by a probe of their key), read through the driver's own cursor;
Python then looks at each row once (:func:`_needs_care`: one search over its joined cells) and
only the rare row that starts a cell like a formula, holds a NUL or an escaped letter goes
through :func:`~collector.domain.spreadsheet.neutralise` cell by cell.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from operator import itemgetter

from sqlalchemy import Text, case, cast, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from collector.domain import spreadsheet
from collector.domain.scales import DEFAULTS as DEFAULT_SCALES
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
    bind = db.get_bind()
    if bind.dialect.name == "postgresql":
        copy = _copy_statement(base, site.id)

        def lines() -> Iterator[str]:
            with Session(bind) as stream:
                yield from _copied(stream, copy)

    else:
        compiled = _sqlite_statement(base).compile(
            dialect=bind.dialect, compile_kwargs={"render_postcompile": True}
        )
        params = tuple(compiled.params[name] for name in compiled.positiontup)

        def lines() -> Iterator[str]:
            # Its own session: the request's is closed when the view returns, before the body
            # streams. The driver's own cursor: its rows are already the cells.
            with Session(bind) as stream:
                cursor = stream.connection().connection.dbapi_connection.cursor()
                cursor.arraysize = BATCH
                rows = cursor.execute(compiled.string, params)
                yield from _csv_text(iter(lambda: rows.fetchmany(), []))

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


def _scale():
    """The survey's scale as ``1-5``: its own, or its kind's default."""
    defaults = case(
        {kind: f"{low}-{high}" for kind, (low, high) in DEFAULT_SCALES.items()},
        value=Survey.kind,
    )
    return func.coalesce(
        cast(Survey.scale_min, Text).concat("-").concat(cast(Survey.scale_max, Text)), defaults
    )


def _copy_statement(base, site_id: str) -> tuple[str, dict]:
    tags = _joined(ResponseTag.tag, ResponseTag.response_id, site_id)
    reasons = _joined(ResponseReason.reason, ResponseReason.response_id, site_id)
    scale = _scale()
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


# -- SQLite: the database makes every cell but the formula rule; Python writes the rows ----------


def _sqlite_statement(base):
    """The 19 cells of each row, in :data:`COLUMNS`' order, as text (the score a number)."""
    text = func.ifnull

    def listed(value, owner):  # sorted and comma-separated: one probe of the key per row
        inner = select(value).where(owner == base.c.id).order_by(value).correlate(base)
        return text(select(func.group_concat(inner.subquery().c[0], ",")).scalar_subquery(), "")

    stored = base.c.created_at  # SQLAlchemy's text: 2025-03-01 12:00:00.000000
    fraction = func.substr(stored, 20)
    instant = (
        func.substr(stored, 1, 10)
        .concat("T")
        .concat(func.substr(stored, 12, 8))
        .concat(case((func.rtrim(fraction, ".0") == "", ""), else_=fraction))
        .concat("+00:00")
    )
    return (
        select(
            base.c.id,
            instant,
            base.c.survey_id,
            text(base.c.prompt_id, ""),
            Survey.kind,
            base.c.score,
            *(text(getattr(base.c, name), "") for name in _FREE_TEXT),
            text(base.c.followup_status, ""),
            text(base.c.followup_owner, ""),
            text(base.c.followup_note, ""),
            text(cast(base.c.context, Text), ""),
            text(cast(base.c.traits, Text), ""),
            listed(ResponseTag.tag, ResponseTag.response_id),
            _scale(),
            listed(ResponseReason.reason, ResponseReason.response_id),
        )
        .join(Survey, Survey.id == base.c.survey_id)
        .order_by(base.c.created_at.desc(), base.c.id.desc())
    )


def _json_text(value: str) -> str:
    """The database's JSON text as the cell (JSON never starts like a formula); escaped letters
    (``\\u00e4``) are spelled out, as a reader of the file expects ``ä``."""
    if "\\u" in value:
        return spreadsheet.neutralise(json.dumps(json.loads(value), ensure_ascii=False))
    return value


#: Where each kind of cell is in a row: the score is the one number.
_SCORE = COLUMNS.index("score")
_JSON = (COLUMNS.index("context"), COLUMNS.index("traits"))
_TEXTS = tuple(i for i in range(len(COLUMNS)) if i != _SCORE)
_texts_of = itemgetter(*_TEXTS)
#: A row none of whose cells needs a change has no cell that starts like a formula (one search
#: over the cells joined by a separator; a false alarm, a text holding the separator, only sends
#: the row through the exact rule), no NUL and no escape in its JSON. (A lone surrogate cannot
#: come from SQLite: Python's driver decodes its UTF-8 strictly.)
_SEPARATOR = "\x1f"
_FORMULA_IN_CELLS = re.compile(_SEPARATOR + spreadsheet.FORMULA_PATTERN.removeprefix("^"))


def _needs_care(cells: str) -> bool:
    return "\x00" in cells or "\\u" in cells or _FORMULA_IN_CELLS.search(cells) is not None


def _careful(row) -> list:
    cells = list(row)
    for i in _TEXTS:
        cells[i] = _json_text(cells[i]) if i in _JSON else spreadsheet.neutralise(cells[i])
    return cells


def _csv_text(batches: Iterable) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, **spreadsheet.WRITER_OPTIONS)
    buffer.write("\ufeff")  # the BOM makes Excel read UTF-8 (ä, ö, å)
    buffer.write(",".join(COLUMNS) + "\r\n")  # plain names: only cells are quoted
    join = _SEPARATOR.join
    for rows in batches:
        writer.writerows(
            _careful(row) if _needs_care(_SEPARATOR + join(_texts_of(row))) else row for row in rows
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
