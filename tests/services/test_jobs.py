"""The job runner (DESIGN §10): the queue the configuration names, run by ``fiilis worker``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from huey import RedisHuey, SqliteHuey
from sqlalchemy import select

from collector import create_app, db, jobs
from collector.config import ConfigError
from collector.models import OutboxEvent
from tests.api.prompting import answer, ask, make_survey
from tests.workers import Worker

REDIS_URL = os.environ.get("FIILIS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis does not answer at {REDIS_URL}; CI runs this")


def dispatched(app) -> list[bool]:
    with app.app_context():
        return [e.dispatched_at is not None for e in db.session().scalars(select(OutboxEvent))]


def an_answer(client, site) -> None:
    make_survey(client, site, "csat")
    assert answer(client, ask(client, site), 5).status_code == 201


def test_the_queue_is_a_sqlite_file_next_to_the_database_by_default(app_config, tmp_path):
    config = {**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'fiilis.db'}"}
    config.pop("QUEUE_URL")
    huey = jobs.make_huey(config, str(tmp_path / "instance"))
    assert isinstance(huey, SqliteHuey)
    assert huey.storage.filename == str(tmp_path / "data" / "fiilis-queue.db")
    postgres = {**config, "DATABASE_URL": "postgresql+psycopg://db.example/fiilis"}
    assert jobs.default_queue_file(postgres, str(tmp_path)) == tmp_path / "fiilis-queue.db"


def test_a_queue_url_that_is_neither_redis_nor_sqlite_is_refused(app_config):
    with pytest.raises(ConfigError, match="FIILIS_QUEUE_URL"):
        create_app({**app_config, "QUEUE_URL": "amqp://broker"})


def test_jobs_run_on_the_redis_queue(app_config, site):
    redis_or_skip()
    app = create_app({**app_config, "QUEUE_URL": REDIS_URL, "QUEUE_NAME": f"t{uuid.uuid4().hex}"})
    huey = jobs.queue(app).huey
    assert isinstance(huey, RedisHuey)
    client = app.test_client()
    an_answer(client, site)
    assert huey.pending_count() == 1
    running = Worker(app).start()
    try:
        running.drain()
    finally:
        running.stop()
        huey.storage.flush_all()
    assert dispatched(app) == [True]


def test_fiilis_worker_runs_what_the_web_process_queued(app, client, site, database_url, tmp_path):
    an_answer(client, site)
    assert dispatched(app) == [False]
    env = {
        **os.environ,
        "FIILIS_ENV": "production",
        "FIILIS_SECRET_KEY": "test-secret-key-of-the-worker-process-0123456789",
        "FIILIS_DATABASE_URL": database_url,
        "FIILIS_QUEUE_URL": app.config["QUEUE_URL"],
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "collector.cli", "worker", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while dispatched(app) != [True] and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGINT)
        out, _ = worker.communicate(timeout=30)
    assert dispatched(app) == [True], out
    assert "collector.outbox.dispatch" in out  # the worker knows the jobs the web process uses
