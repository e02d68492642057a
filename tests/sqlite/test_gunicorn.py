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
            "FIILIS_SECRET_KEY": "test-secret-key",
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
