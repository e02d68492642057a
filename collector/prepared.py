"""Prepared statements for the browser API's hot path: SQLAlchemy writes the SQL, the driver runs it.

Each widget call runs two to four statements. Through ``Connection.execute`` most of their time
went to SQLAlchemy's execution machinery around the driver (execution context, parameter and
result objects, events), several times the time the database itself took (docs/benchmarks.md,
"Ingest"). A :class:`Prepared` statement is compiled once per database driver, converts its
parameters and results with the same type processors SQLAlchemy would use
(``TypeEngine.bind_processor`` and ``result_processor``: UTC datetimes, JSON), and runs on the
DBAPI cursor of the connection, inside the transaction the session began. Driver errors come out as SQLAlchemy's exceptions
(``IntegrityError`` and the rest), as they do from ``Connection.execute``.

What it refuses, at first use: Python-side column defaults and ``onupdate`` (pass every column),
expanding ``IN`` parameters (spell the values out), and running outside a transaction. What it
does not do: engine events and echo (these statements do not show in ``echo=True``). A connection
the database dropped is invalidated as ``Connection.execute`` would, and the error says so
(``connection_invalidated``): ``collector.db`` then retries the request or answers 503.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable


class Prepared:
    """``statement`` compiled once per driver; ``keys`` names an INSERT's columns, all given."""

    def __init__(self, statement: Executable, keys: tuple[str, ...] | None = None):
        self.statement = statement
        self.keys = keys
        self._plans: dict[tuple[str, str], _Plan] = {}

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple]:
        """Every row, as named tuples (``row.column``) with the columns' Python types."""
        plan, cursor = self._run(conn, params)
        try:
            with _driver_errors(plan.sql, params, conn, cursor):
                return _rows_of(conn, plan, cursor)
        finally:
            cursor.close()

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple | None:
        rows = self.rows(conn, params)
        return rows[0] if rows else None

    def run(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """A statement without rows; the number of rows it changed."""
        _, cursor = self._run(conn, params)
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    def many(self, conn: Connection, rows: list[Mapping[str, Any]]) -> None:
        """The statement once per row, in one ``executemany`` of the driver (an INSERT of many
        rows; PostgreSQL's driver sends them in one pipeline)."""
        if not rows:
            return
        plan, cursor = self._cursor(conn)
        try:
            values = plan.many_values(rows)
            with _driver_errors(plan.sql, values[0], conn, cursor):
                cursor.executemany(plan.sql, values)
        finally:
            cursor.close()

    def _run(self, conn: Connection, params: Mapping[str, Any]):
        plan, cursor = self._cursor(conn)
        try:
            values = plan.values(params)
        except Exception:
            cursor.close()
            raise
        with _driver_errors(plan.sql, values, conn, cursor), _one_trip(conn, first_only=True):
            cursor.execute(plan.sql, values)
        return plan, cursor

    def _cursor(self, conn: Connection):
        if not conn.in_transaction():
            # SQLAlchemy would begin one on its own; here a write would skip the SQLite writers'
            # queue, or be lost on PostgreSQL at the next rollback.
            raise RuntimeError("prepared statements run inside the session's transaction")
        dialect = conn.dialect
        plan = self._plans.get((dialect.name, dialect.driver))
        if plan is None:
            plan = _Plan(self.statement, self.keys, dialect)
            self._plans[(dialect.name, dialect.driver)] = plan
        return plan, conn.connection.cursor()


def together(conn: Connection, *calls: tuple[Prepared, Mapping[str, Any]]) -> list[list[tuple]]:
    """Each statement's rows (none for a write), the statements sent one after the other in one
    round trip where the driver can (psycopg's pipeline mode; the transaction's BEGIN goes with
    them), else run in turn. The database still runs them in order, each seeing what the
    previous ones did: only the waits between them are saved. For statements that do not need
    each other's results."""
    if not _pipelines(conn):
        return [prepared.rows(conn, params) for prepared, params in calls]
    opened = [(*prepared._cursor(conn), params) for prepared, params in calls]
    sql = ";\n".join(plan.sql for plan, _, _ in opened)
    try:
        with _driver_errors(sql, None, conn, None):
            with _one_trip(conn):
                for plan, cursor, params in opened:
                    cursor.execute(plan.sql, plan.values(params))
            return [_rows_of(conn, plan, cursor) for plan, cursor, _ in opened]
    finally:
        for _, cursor, _ in opened:
            cursor.close()


def _rows_of(conn: Connection, plan: _Plan, cursor) -> list[tuple]:
    if cursor.description is None:  # a statement without rows
        return []
    raw = cursor.fetchall()
    convert = plan.converter(conn.dialect, cursor.description)
    return [plan.row(*convert(r)) for r in raw]


def _pipelines(conn: Connection) -> bool:
    return conn.dialect.driver == "psycopg"


@contextmanager
def _one_trip(conn: Connection, *, first_only: bool = False):
    """psycopg's pipeline mode around the statements run inside: they, and the BEGIN psycopg
    sends before a transaction's first statement, travel together. With ``first_only``, only when
    no transaction has begun on the connection yet (then the BEGIN would cost a round trip of
    its own)."""
    raw = conn.connection.dbapi_connection
    if not _pipelines(conn) or (first_only and raw.info.transaction_status != _IDLE):
        yield
        return
    with raw.pipeline():
        yield


_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: no transaction open on the connection


@contextmanager
def _driver_errors(sql: str, values, conn: Connection, cursor):
    """The driver's exceptions as SQLAlchemy's (``IntegrityError`` …), the cursor closed; a
    connection the database dropped is invalidated, so the pool never hands it out again."""
    dialect = conn.dialect
    try:
        yield
    except dialect.loaded_dbapi.Error as e:
        dropped = dialect.is_disconnect(e, conn.connection.dbapi_connection, cursor)
        if cursor is not None:
            cursor.close()
        if dropped:
            conn.invalidate(e)
        raise DBAPIError.instance(
            sql, values, e, dialect.loaded_dbapi.Error, dialect=dialect,
            connection_invalidated=dropped,
        ) from e  # fmt: skip


class _Plan:
    """The SQL for one driver, the order of its parameters and the conversions both ways."""

    def __init__(self, statement: Executable, keys: tuple[str, ...] | None, dialect: Dialect):
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("expanding IN parameters cannot be prepared; spell the values out")
        if compiled.insert_prefetch or compiled.update_prefetch:
            names = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            raise ValueError(f"Python-side defaults are not applied here; pass {', '.join(names)}")
        self.sql = compiled.string
        self.names = tuple(compiled.positiontup) if compiled.positional else None
        binds = compiled.binds
        #: literal values written into the statement (``column == "api"``) and not given by callers
        self.fixed = {name: b.effective_value for name, b in binds.items() if not b.required}
        self.bind_processors = [
            (name, proc)
            for name, b in binds.items()
            if (proc := b.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        ]
        self.bind_types = {name: type(b.type) for name, b in binds.items()}
        self.columns = list(getattr(statement, "exported_columns", ()))
        self.row = namedtuple("Row", [c.key for c in self.columns], rename=True)
        self._converter = None

    def values(self, params: Mapping[str, Any]):
        values = {**self.fixed, **params}
        for name, proc in self.bind_processors:
            values[name] = proc(values[name])
        return values if self.names is None else tuple(values[name] for name in self.names)

    def many_values(self, rows: list[Mapping[str, Any]]) -> list:
        """:meth:`values` of many rows. A value met again (an answer's time is in five columns)
        is converted once: the conversions are pure, and columns of one type convert a value
        alike."""
        if self.names is None or self.fixed:
            return [self.values(r) for r in rows]
        processors = dict(self.bind_processors)
        memos: dict[type, Callable[[Any, Any], Any]] = {}
        order = []
        for name in self.names:
            proc = processors.get(name)
            if proc is not None:
                kind = self.bind_types[name]
                proc = _memoised(proc, memos.setdefault(kind, {}))
            order.append((name, proc))
        return [
            tuple([r[name] if proc is None else proc(r[name]) for name, proc in order])
            for r in rows
        ]

    def converter(self, dialect: Dialect, description) -> Callable[[tuple], tuple]:
        """Row values to Python types, made on the first result: some drivers' processors depend
        on the type the database reports for the column (``cursor.description``)."""
        if self._converter is None:
            processors = [
                column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(self.columns, description, strict=True)
            ]
            if not any(processors):
                self._converter = tuple
            else:
                self._converter = lambda raw: tuple(
                    value if proc is None or value is None else proc(value)
                    for proc, value in zip(processors, raw, strict=True)
                )
        return self._converter


def _memoised(proc: Callable[[Any], Any], seen: dict) -> Callable[[Any], Any]:
    """``proc`` remembering its results in ``seen`` for one call: by type and value (datetimes,
    strings; typed since ``1 == True``), a dict or list by identity (the rows of one call are
    alive throughout, so one object is one value)."""

    def convert(value):
        key = id(value) if type(value) in (dict, list) else (type(value), value)
        out = seen.get(key, seen)
        if out is seen:
            seen[key] = out = proc(value)
        return out

    return convert


class BulkInsert:
    """Many rows into one table, every column given: PostgreSQL's ``COPY … FROM STDIN``, else
    one ``executemany`` (:meth:`Prepared.many`). The values are converted by the columns' types
    as SQLAlchemy would (UTC datetimes, JSON). COPY fires the table's triggers and checks its
    constraints like an INSERT does; a violated one raises SQLAlchemy's ``IntegrityError``."""

    def __init__(self, table, columns: tuple[str, ...]):
        missing = [c.key for c in table.columns if c.default is not None and c.key not in columns]
        if missing:
            # As Prepared: Python-side defaults are not applied here; a new column must be given.
            raise ValueError(
                f"Python-side defaults are not applied here; pass {', '.join(missing)}"
            )
        self.table = table
        self.columns = columns
        self.insert = Prepared(table.insert(), keys=columns)
        self._copies: dict[tuple[str, str], tuple[str, list]] = {}

    def run(self, conn: Connection, rows: list[Mapping[str, Any]]) -> None:
        if not rows:
            return
        dialect = conn.dialect
        if dialect.name != "postgresql" or dialect.driver != "psycopg":
            self.insert.many(conn, rows)
            return
        sql, processors = self._copy_plan(dialect)
        if not conn.in_transaction():
            raise RuntimeError("prepared statements run inside the session's transaction")
        cursor = conn.connection.cursor()
        try:
            with _driver_errors(sql, None, conn, cursor), cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(
                        [
                            row[name] if proc is None or row[name] is None else proc(row[name])
                            for name, proc in processors
                        ]
                    )
        finally:
            cursor.close()

    def _copy_plan(self, dialect: Dialect) -> tuple[str, list]:
        key = (dialect.name, dialect.driver)
        if key not in self._copies:
            quote = dialect.identifier_preparer.quote
            names = ", ".join(quote(self.table.c[name].name) for name in self.columns)
            processors = [
                (name, self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                for name in self.columns
            ]
            self._copies[key] = (f"COPY {quote(self.table.name)} ({names}) FROM STDIN", processors)
        return self._copies[key]
