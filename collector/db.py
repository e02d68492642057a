"""Engine and session lifecycle: one engine per app, one session per request (closed in teardown)."""

from __future__ import annotations

import contextlib
import os
import select
import sqlite3
import stat
import time

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # not a Unix: SQLite's own busy handler queues the writers
    fcntl = None


#: Seconds a writer waits for the database before "database is locked" (SQLite's busy timeout,
#: and the writers' queue below).
BUSY_TIMEOUT = 15.0
#: Seconds after which a pooled PostgreSQL connection is replaced at checkout, before a proxy or
#: firewall that drops idle connections (often after an hour) would.
POOL_RECYCLE = 1800


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={
                "timeout": BUSY_TIMEOUT,
                "check_same_thread": False,
                "factory": QueuedWriterConnection,
            },
        )
        _sqlite_pragmas(engine)
        return engine
    # No ping at checkout (a round trip per request, SQLAlchemy's "pessimistic" handling): a
    # connection the server closed is seen without one (_closed_by_server); one that drops while in
    # use fails its statement and the request runs again (retry_dropped_connections).
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_recycle=POOL_RECYCLE)
    event.listen(engine, "checkout", _closed_by_server)
    return engine


def _closed_by_server(dbapi_conn, _record, _proxy) -> None:
    """An idle connection has nothing to read, unless the server has closed it (a restart, a
    terminated backend: it says so, then hangs up). One non-blocking poll of its socket, and the
    pool replaces it and every connection older (they were likely closed too)."""
    try:
        waiting = select.poll()
        waiting.register(dbapi_conn.fileno(), select.POLLIN)
        closed = bool(waiting.poll(0))
    except Exception:  # already closed by the driver: no socket left
        closed = True
    if closed:
        raise InvalidatePoolError("the database server closed this connection")


def _sqlite_pragmas(engine: Engine) -> None:
    # pysqlite opens transactions lazily and on its own terms; take control so that a writing
    # transaction starts with BEGIN IMMEDIATE and concurrent writers queue on busy_timeout.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Straight to the driver: this runs for every transaction.
        dbapi_conn = conn.connection.dbapi_connection
        if _reading():
            dbapi_conn.execute("BEGIN")
            return
        dbapi_conn.queue_for_write()
        try:
            dbapi_conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_conn.leave_queue()
            raise


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose writing transactions queue on a lock file before BEGIN IMMEDIATE.

    SQLite lets one writer in at a time and makes the others poll, sleeping 1, 2, 5, 10 … 100 ms
    between tries: under load most of a request's time went to those sleeps. Writers of this
    collector (every worker process and thread) first take an exclusive ``flock`` on
    ``<database>-writer.lock``, trying again within a quarter of a millisecond while another holds
    it, and give up like SQLite does after :data:`BUSY_TIMEOUT`. Other programs writing the same
    file (``sqlite3``) still meet SQLite's own busy timeout. The lock file gets the database
    file's owner and mode; when it cannot be opened the connection simply does not queue.
    """

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._queued = False
        self._queue_fd = None
        path = os.fsdecode(database)
        if fcntl is not None and path and path != ":memory:" and not path.startswith("file:"):
            self._queue_fd = _open_lock_file(path)

    def queue_for_write(self) -> None:
        if self._queue_fd is None or self._queued:
            return
        deadline = time.monotonic() + BUSY_TIMEOUT
        pause = 0.00005
        while True:
            try:
                fcntl.flock(self._queue_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.00025)
        self._queued = True

    def leave_queue(self) -> None:
        if self._queued:
            self._queued = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_queue()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None


def _open_lock_file(database: str) -> int | None:
    """``<database>-writer.lock``, with the database file's owner and mode (as SQLite does for its
    ``-wal`` and ``-shm`` files), so that the CLI run by root does not lock the service out."""
    try:
        owner = os.stat(database)
    except OSError:
        owner = None
    mode = stat.S_IMODE(owner.st_mode) if owner else 0o644
    try:
        fd = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, mode)
    except OSError:
        return None
    if owner is not None and os.geteuid() == 0:
        with contextlib.suppress(OSError):
            os.fchown(fd, owner.st_uid, owner.st_gid)
    return fd


def _reading() -> bool:
    """GET and HEAD requests read; anything else (and a GET that calls ``writing()``) writes."""
    return (
        has_request_context()
        and request.method in ("GET", "HEAD")
        and not g.get("db_writes", False)
    )


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["fiilis.engine"] = engine
    maker = sessionmaker(engine, expire_on_commit=False)
    event.listen(maker, "after_commit", _committed)
    app.extensions["fiilis.sessionmaker"] = maker
    app.teardown_appcontext(_close_session)
    retry_dropped_connections(app)


def retry_dropped_connections(app: Flask) -> None:
    """A request whose database connection was dropped (server restarted, backend terminated,
    idle connection cut by a proxy) runs once more on a new connection, if it had committed
    nothing: its transaction was lost whole, so running it again stores it once. The pool is
    emptied first (its other connections are likely dropped too). A second drop, or one after a
    commit, reaches ``errors``: a 503 the widget retries, never a 500."""
    dispatch = app.dispatch_request

    def dispatch_request():
        try:
            return dispatch()
        except DBAPIError as e:
            if not e.connection_invalidated or g.get("db_committed") or g.get("db_retried"):
                raise
            g.db_retried = True
            _close_session()
            engine().dispose()
            return dispatch()

    app.dispatch_request = dispatch_request


def _committed(session) -> None:
    if has_request_context() and not session.in_nested_transaction():  # not a savepoint's
        g.db_committed = True


def engine() -> Engine:
    return current_app.extensions["fiilis.engine"]


def session() -> Session:
    """The request's session, made on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["fiilis.sessionmaker"]()
    return g.db_session


def writing() -> Session:
    """The session for a GET request that writes (e.g. a one-click score link), before first use."""
    g.db_writes = True
    return session()


def _close_session(_exc=None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()
