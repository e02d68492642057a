"""The shipped gunicorn.conf.py: slow clients do not stall the server, and a start with several
workers and no shared rate-limit store is warned about."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = "collector:create_app()"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve(tmp_path, database_url):
    started = []

    def start(*args: str, **env: str):
        port = free_port()
        environ = {
            **os.environ,
            "FIILIS_ENV": "production",
            "FIILIS_SECRET_KEY": "test-secret-key-" * 2,  # production asks for 32 characters
            "FIILIS_DATABASE_URL": database_url,
            "FIILIS_BIND": f"127.0.0.1:{port}",
            **env,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), *args, APP],
            cwd=tmp_path,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return proc, base, port
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start")

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(10)


def test_slow_clients_holding_their_headers_do_not_stall_the_server(serve):
    proc, base, port = serve("--workers", "1", FIILIS_GUNICORN_THREADS="4")
    slow = []
    for _ in range(2):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        slow.append(s)
    try:
        for _ in range(5):
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
    finally:
        for s in slow:
            s.close()
    proc.terminate()
    assert "without a shared rate-limit store" not in proc.communicate(timeout=10)[1]  # 1 worker


def test_slow_clients_dribbling_their_bodies_do_not_stall_the_server(serve):
    _, base, port = serve("--workers", "1", FIILIS_GUNICORN_THREADS="4")
    body = b'{"site_key": "pk_nobody", "anonymous_id": "anon-0001", "event": "invoice.paid"}'
    head = (
        b"POST /v1/widget/events HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n"
        b"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    slow = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
    for s in slow:
        s.sendall(head + body[:1])
    try:
        for i in range(1, 6):
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
            for s in slow:
                s.sendall(body[i : i + 1])  # a byte now and then: the body is still coming
        for s in slow:
            s.sendall(body[6:])
        # The slow clients are answered too, once their bodies are in (no such site here).
        for s in slow:
            assert s.recv(4096).startswith(b"HTTP/1.1 401")
    finally:
        for s in slow:
            s.close()


def test_several_workers_without_a_shared_store_are_warned_about(serve):
    proc, _, _ = serve("--workers", "2")
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert "2 workers without a shared rate-limit store" in err
    assert "FIILIS_RATELIMIT_STORAGE_URI=redis://" in err


def test_several_workers_sharing_redis_start_without_the_warning(serve):
    proc, _, _ = serve("--workers", "2", FIILIS_RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    proc.terminate()
    assert "without a shared rate-limit store" not in proc.communicate(timeout=10)[1]


# -- a long export -------------------------------------------------------------------------------

ANSWERS = 60_000


@pytest.fixture
def many_answers(database_url):
    """A site with one NPS survey and :data:`ANSWERS` answers, a third with a comment, written
    straight into the file (the API would take minutes); its secret key."""
    import sqlite3
    import uuid
    from datetime import UTC, datetime, timedelta

    from collector import create_app, db
    from collector.models import Survey
    from collector.services import sites

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 32})
    with app.app_context():
        made = sites.create(db.session(), name="Big")
        db.session().add(
            Survey(id="srv_big", site_id=made.site.id, kind="nps", name="Big", question={"en": "?"})
        )
        db.session().commit()
    app.extensions["fiilis.engine"].dispose()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    prompts, answers = [], []
    for i in range(ANSWERS):
        at = (start + timedelta(seconds=i)).strftime(stamp)
        pid = f"prm_{i:016d}"
        prompts.append(
            (pid, made.site.id, "srv_big", f"u{i}", "event", "widget", "answered", at, at)
        )
        comment = f"Comment {i}, with a comma" if i % 3 == 0 else None
        answers.append(
            (str(uuid.UUID(int=i)), made.site.id, "srv_big", pid, f"u{i}", i % 11, comment, at, at)
        )
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as raw:
        raw.executemany(
            "INSERT INTO prompts (id, site_id, survey_id, user_id, origin, channel, status, "
            "context, traits, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, '{}', '{}', ?, ?)",
            prompts,
        )
        raw.executemany(
            "INSERT INTO responses (id, site_id, survey_id, prompt_id, user_id, score, comment, "
            "context, traits, followup_status, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, '{}', '{}', 'open', ?, ?)",
            answers,
        )
    return made.secret_key


def test_an_export_longer_than_the_worker_timeout_arrives_whole_and_gzipped(serve, many_answers):
    # A one-second timeout, far shorter than the export: the stream must not be cut.
    _, base, _ = serve("--workers", "1", FIILIS_GUNICORN_TIMEOUT="1")
    headers = {"Authorization": f"Bearer {many_answers}", "Accept-Encoding": "gzip"}
    with httpx.stream("GET", f"{base}/v1/responses.csv", headers=headers, timeout=120) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-encoding"] == "gzip"
        assert resp.headers["vary"] == "Accept-Encoding"
        text = resp.read().decode("utf-8-sig")  # httpx undoes the gzip
    lines = text.split("\r\n")
    assert lines[-1] == ""  # the file ends with a whole row
    assert len(lines) - 2 == ANSWERS  # the header, every answer, nothing cut
    assert lines[1].startswith(f'"{uuid_of(ANSWERS - 1)}"')  # newest first
    assert lines[-2].startswith(f'"{uuid_of(0)}"')


def uuid_of(i: int) -> str:
    import uuid

    return str(uuid.UUID(int=i))


def test_an_export_that_fails_half_way_is_a_failed_download_not_a_short_file(
    serve, many_answers, database_url
):
    _, base, _ = serve("--workers", "1")
    headers = {"Authorization": f"Bearer {many_answers}"}
    with httpx.stream("GET", f"{base}/v1/responses.csv", headers=headers, timeout=60) as resp:
        assert resp.status_code == 200
        chunks = resp.iter_raw()
        next(chunks)
        # The database breaks under the running export: its file is cut to nothing.
        os.truncate(database_url.removeprefix("sqlite:///"), 0)
        with pytest.raises(httpx.RemoteProtocolError):
            for _ in chunks:
                pass
