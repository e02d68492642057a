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
