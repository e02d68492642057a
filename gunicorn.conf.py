"""Gunicorn settings for the collector: ``gunicorn -c gunicorn.conf.py "collector:create_app()"``.

Threads (``gthread``) so that a slow client holds one thread, not a whole worker; a connection that
sends nothing goes back to the worker's poller after 5 s instead of holding a thread (gunicorn's own
guard). Once a request has begun, gunicorn does not bound how long reading it may take, so put a
buffering proxy (nginx, Caddy, a cloud load balancer) in front in production; it absorbs slow
clients before they reach a thread. Every setting can be overridden by its environment variable or on the command
line (``--workers 4``).
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("FIILIS_BIND", "0.0.0.0:8000")
worker_class = "gthread"
#: One process per core; each serves ``threads`` requests at once (they mostly wait on the database).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("FIILIS_GUNICORN_THREADS", "8"))
#: A worker whose main loop does not check in with the arbiter for this long is killed and restarted:
#: a hung worker, not a busy one (requests run in threads, and a long one, such as a CSV export of
#: millions of answers, is not cut off).
timeout = int(os.environ.get("FIILIS_GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
#: Idle keep-alive connections are closed after this many seconds, freeing their thread.
keepalive = 5
#: Headers: no request line over 4 KiB, at most 50 header fields of 8 KiB (the body limit, 64 KiB,
#: is the collector's).
limit_request_line = 4096
limit_request_fields = 50
limit_request_field_size = 8190
#: Restart workers now and then so that no slow leak accumulates (jittered: not all at once).
max_requests = 10_000
max_requests_jitter = 1_000
accesslog = "-"


def on_starting(server) -> None:
    """Warn when rate limits would be counted per worker: each worker then allows the full limit
    (the dashboard's login attempts included), so N workers allow N times as many."""
    store = os.environ.get("FIILIS_RATELIMIT_STORAGE_URI", "memory://")
    if server.cfg.workers > 1 and not store.startswith(("redis://", "rediss://")):
        server.log.warning(
            "%d workers without a shared rate-limit store (FIILIS_RATELIMIT_STORAGE_URI=%s): "
            "each worker counts alone, so every limit (the dashboard login's too) is %d times "
            "higher. Set FIILIS_RATELIMIT_STORAGE_URI=redis://… to share one count.",
            server.cfg.workers,
            store,
            server.cfg.workers,
        )
