"""A real HTTP receiver on localhost for outbound calls (webhooks, Slack): the ``receiver`` fixture.

It keeps every request (method, path, headers, raw body) and answers with ``status`` (a number, or
a list consumed one per request, the last one repeated), optionally with extra headers, after
``delay`` seconds. ``stop()``
closes the port (connections are refused) and ``start()`` opens it again on the same port.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class Receiver:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None):
        self.host = host  # any of 127.0.0.0/8: two receivers may share a port
        self.requests: list[Received] = []
        self.answers: list[int] = [200]
        self.answer_headers: dict[str, str] = {}
        self.delay = 0.0  # seconds before answering
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port: int | None = port

    def url(self, path: str = "/hooks") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def answer(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        with self._lock:
            self.answers = list(statuses)
            self.answer_headers = headers or {}

    def _next_status(self) -> int:
        with self._lock:
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def start(self) -> Receiver:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with owner._lock:
                    owner.requests.append(
                        Received("POST", self.path, dict(self.headers.items()), body)
                    )
                status = owner._next_status()
                time.sleep(owner.delay)
                self.send_response(status)
                for name, value in owner.answer_headers.items():
                    self.send_header(name, value)
                payload = b'{"ok": true}' if status < 300 else b'{"error": "nope"}'
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # quiet
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer((self.host, self.port or 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.requests)} requests arrived, {count} expected")
