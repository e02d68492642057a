"""Engine and session lifecycle: one engine per app, one session per request (closed in teardown),
and the unit of work a use case runs in (:func:`uow`).

A use case says whether it writes: ``with uow(session, write=True):`` begins the transaction
(on SQLite as ``BEGIN IMMEDIATE``, queued behind the other writers), commits once when the block
ends and rolls back when it raises. ``write=False`` reads (a deferred ``BEGIN`` on SQLite). A
transaction the request's session begins outside a unit of work reads too; one begun on the
engine itself (migrations, scripts) writes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
from collections.abc import Iterator

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # not a Unix: SQLite's own busy handler queues the writers
    fcntl = None


#: Seconds a writer waits for the database before "database is locked" (SQLite's busy timeout,
#: and the writers' queue below).
BUSY_TIMEOUT = 15.0


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
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


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
        if not conn.get_execution_options().get(_WRITES, True):
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


#: The connection's execution option that says its transaction writes (set by :func:`uow`).
_WRITES = "fiilis_writes"
_OPEN = "fiilis.uow"


@contextlib.contextmanager
def uow(db: Session, *, write: bool) -> Iterator[Session]:
    """One transaction on ``db``: committed once when the block ends, rolled back if it raises.

    A read made on the session before (an API key looked up, a site for the origin check) is
    ended first, so that the unit of work begins its own transaction, writing or not; changes
    the caller made before it join it instead. Inside another unit of work this one joins it (a
    write only inside a writing one): the outermost commits.
    """
    outer = db.info.get(_OPEN)
    if outer is not None:
        if write and not outer:
            raise RuntimeError("a writing unit of work cannot run inside a reading one")
        yield db
        return
    # Changes the caller added first (an audit record of this very change) join this unit of
    # work in the transaction already begun; a mere read is ended so that this one begins anew.
    if db.in_transaction() and not (db.new or db.dirty or db.deleted):
        db.commit()
    db.info[_OPEN] = write
    try:
        db.connection(execution_options={_WRITES: write})
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.info.pop(_OPEN, None)


def reading_session(bind: Engine) -> Session:
    """A session of its own that reads (a streamed export outliving the request's session)."""
    return Session(bind, execution_options={_WRITES: False})


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["fiilis.engine"] = engine
    app.extensions["fiilis.sessionmaker"] = sessionmaker(
        engine, expire_on_commit=False, execution_options={_WRITES: False}
    )
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["fiilis.engine"]


def session() -> Session:
    """The request's session, made on first use."""
    if "db_session" not in g:
        # Outside a request (a job, the CLI) a transaction begun outside a unit of work writes, as
        # the code there was written for; in a request it reads.
        writes = {} if has_request_context() else {"execution_options": {_WRITES: True}}
        g.db_session = current_app.extensions["fiilis.sessionmaker"](**writes)
    return g.db_session


def _close_session(_exc=None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()
