"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives: the ``smtp_server`` fixture.

::

    def test_mail_arrives(app, smtp_server):
        app.config["SMTP_URL"] = smtp_server.url
        ...
        message = smtp_server.wait_for(1)[0]      # an email.message.EmailMessage
        assert message["To"] == "ana@example.com"

``smtp_server.answer_next_rcpt("451 4.3.0 Try again later")`` makes the server refuse the next
recipient with that answer (a temporary or a permanent failure); ``stop()`` takes it down
(nothing listens on the port) and ``start()`` brings it back on the same port. ``connections()``
counts the connections the messages came over.
"""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.server._next_rcpt_answer()
        if answer is not None:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.server._lock:
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.server.messages.append(message)
            # one session per connection, numbered at its first message (ids may be reused)
            if not hasattr(session, "number"):
                session.number = len(set(self.server.sessions)) + 1
            self.server.sessions.append(session.number)
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.sessions: list[int] = []  # the connection each message came over
        self.envelopes: list[tuple[str, list[str]]] = []
        self._rcpt_answers: list[str] = []
        self._lock = threading.Lock()
        self.port = _free_port()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?timeout=5"

    def start(self) -> SMTPServer:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def connections(self) -> int:
        with self._lock:
            return len(set(self.sessions))

    def answer_next_rcpt(self, answer: str) -> None:
        with self._lock:
            self._rcpt_answers.append(answer)

    def _next_rcpt_answer(self) -> str | None:
        with self._lock:
            return self._rcpt_answers.pop(0) if self._rcpt_answers else None

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.messages)} messages arrived, {count} expected")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
