"""A stand-in for Slack's incoming-webhook endpoint: a real HTTP server on localhost.

It keeps every JSON body posted to it and answers ``ok`` (200), as Slack does, or what the test
sets with ``answer_with(status, text)``::

    slack = SlackStandIn().start()
    ...url=slack.url...
    messages = slack.wait_for(1)
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SlackStandIn:
    def __init__(self, port: int = 0):
        self.messages: list[dict] = []
        self._answers: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"null")
                with stand_in._lock:
                    status, text = stand_in._answers.pop(0) if stand_in._answers else (200, "ok")
                    if status == 200:
                        stand_in.messages.append(body)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/services/T000/B000/XXXX"

    def start(self) -> SlackStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_with(self, status: int, text: str) -> None:
        """Answer the next post with ``status`` (a failure is not kept as received)."""
        with self._lock:
            self._answers.append((status, text))

    def wait_for(self, count: int, timeout: float = 15.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.messages)} Slack messages arrived, {count} expected")
