"""SQLite writers queue on a lock file: the second waits its turn instead of polling or failing."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from collector.db import make_engine


@pytest.fixture
def engine(tmp_path):
    made = make_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    with made.begin() as conn:
        conn.execute(text("CREATE TABLE events (n INTEGER, writer TEXT)"))
    yield made
    made.dispose()


def second_writer(engine, done: list) -> threading.Thread:
    def write():
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO events VALUES (2, 'second')"))
        done.append("second")

    thread = threading.Thread(target=write)
    thread.start()
    return thread


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_a_writer_waits_for_the_one_writing_then_goes_ahead(engine, ending, tmp_path):
    done: list = []
    first = engine.connect()
    first.begin()
    first.execute(text("INSERT INTO events VALUES (1, 'first')"))
    thread = second_writer(engine, done)
    thread.join(timeout=0.5)
    assert thread.is_alive() and done == []  # queued behind the first writer, not failed
    getattr(first, ending)()
    done.append(f"first {ending}")
    first.close()
    thread.join(timeout=30)
    assert done == [f"first {ending}", "second"]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT writer FROM events ORDER BY n")).scalars().all()
    assert rows == (["first", "second"] if ending == "commit" else ["second"])
    assert (tmp_path / "queue.db-writer.lock").exists()


def test_a_writer_that_cannot_begin_leaves_the_queue(engine):
    """BEGIN IMMEDIATE failing (another program holds SQLite's lock past busy_timeout) must not
    keep this process's other writers queued forever."""
    import sqlite3

    path = engine.url.database
    outsider = sqlite3.connect(path, isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")
    failed = engine.connect()  # kept checked out: the next writer gets its own connection
    failed.connection.dbapi_connection.execute("PRAGMA busy_timeout=50")
    with pytest.raises(Exception, match="locked"):
        failed.begin()
    outsider.execute("ROLLBACK")
    outsider.close()
    done: list = []
    second_writer(engine, done).join(timeout=10)
    failed.close()
    assert done == ["second"]


def test_an_in_memory_database_needs_no_lock_file():
    engine = make_engine("sqlite://")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()


def test_a_writer_gives_up_like_sqlite_does_when_the_queue_never_moves(engine, monkeypatch):
    """A writer left open (an idle shell, a stuck job) makes the others fail with SQLite's own
    "database is locked" after the busy timeout, not wait forever."""
    monkeypatch.setattr("collector.db.BUSY_TIMEOUT", 0.3)
    idle = engine.connect()
    idle.begin()
    idle.execute(text("INSERT INTO events VALUES (1, 'idle')"))
    try:
        with pytest.raises(Exception, match="database is locked"), engine.begin() as conn:
            conn.execute(text("INSERT INTO events VALUES (2, 'second')"))
    finally:
        idle.rollback()
        idle.close()
    done: list = []
    second_writer(engine, done).join(timeout=10)
    assert done == ["second"]


def test_the_lock_file_takes_the_database_files_mode(tmp_path):
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    engine.dispose()
    assert (tmp_path / "shared.db-writer.lock").stat().st_mode & 0o777 == 0o640


def test_a_lock_file_that_cannot_be_opened_leaves_sqlite_to_queue(tmp_path):
    (tmp_path / "odd.db-writer.lock").mkdir()  # not a file: cannot be opened for writing
    engine = make_engine(f"sqlite:///{tmp_path / 'odd.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalar() == 1
    engine.dispose()
