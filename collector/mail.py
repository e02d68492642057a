"""Outgoing e-mail (DESIGN §12): SMTP from ``FIILIS_SMTP_URL``, or ``.eml`` files in development.

- ``smtp://user:pass@host:587`` speaks STARTTLS when the server offers it, and insists on it
  before sending a password to anything but loopback; ``smtps://user:pass@host:465`` is TLS
  from the first byte. ``?timeout=10`` (seconds, the default) bounds every network step.
- Without ``FIILIS_SMTP_URL`` in development (and in tests that set no server), each message is
  written as an ``.eml`` file under ``instance/mail/``; in production that is a configuration
  error reported at send time.
- :func:`compose` renders a message from two Jinja templates, ``mail/<name>.txt`` and
  ``mail/<name>.html``: every message has a text and an HTML part.
- :func:`send` delivers now and raises :class:`TemporaryMailError` (try again later: the
  server is down, busy, answered 4xx) or :class:`PermanentMailError` (5xx: the address or the
  message is refused) to the caller. :func:`send_later` hands the message to the worker, which
  retries temporary failures on ``MAIL_RETRY_SCHEDULE`` and logs permanent ones.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import smtplib
import ssl
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy.orm import Session

from collector import jobs
from collector.models import utcnow

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0


class MailError(Exception):
    """A message could not be sent."""


class TemporaryMailError(MailError):
    """Worth trying again later: no connection, a timeout, a 4xx answer."""


class PermanentMailError(MailError):
    """Trying again will not help: the server refused the address or the message (5xx), or
    mail is not configured. ``refused`` maps each refused recipient to the server's answer."""

    def __init__(self, message: str, refused: dict[str, str] | None = None):
        super().__init__(message)
        self.refused = refused or {}


@dataclass
class Message:
    """One e-mail: a text part, an HTML part, extra headers (``List-Unsubscribe`` …)."""

    to: list[str]
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    reply_to: str | None = None
    #: the local part of a ``Message-ID`` that stays the same when this very message is sent
    #: again (an alert after an interrupted send): mail clients show a repeated id once
    message_id: str | None = None


@dataclass
class Sent:
    """How a message left: ``smtp`` (with the recipients the server refused) or ``file``."""

    via: str
    message_id: str
    path: Path | None = None
    refused: dict[str, str] = field(default_factory=dict)


def compose(template: str, *, to: list[str] | str, subject: str, **context) -> Message:
    """A message from ``mail/<template>.txt`` and ``mail/<template>.html``."""
    env = current_app.jinja_env
    context.setdefault("subject", subject)
    text = env.get_template(f"mail/{template}.txt").render(**context)
    html = env.get_template(f"mail/{template}.html").render(**context)
    return Message(
        to=[to] if isinstance(to, str) else list(to), subject=subject, text=text, html=html
    )


def build(message: Message, *, sender: str, now: datetime | None = None) -> EmailMessage:
    """The MIME message: ``multipart/alternative`` with the text part first."""
    if not message.to:
        raise PermanentMailError("A message needs at least one recipient.")
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = ", ".join(message.to)
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(now or utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    mime["Message-ID"] = (
        f"<{message.message_id}@{domain}>" if message.message_id else make_msgid(domain=domain)
    )
    if message.reply_to:
        mime["Reply-To"] = message.reply_to
    for name, value in message.headers.items():
        mime[name] = value
    mime.set_content(message.text)
    if message.html:
        mime.add_alternative(message.html, subtype="html")
    return mime


def send(message: Message) -> Sent:
    """Deliver now: through SMTP, or to an ``.eml`` file when no SMTP server is configured in
    development. Raises :class:`TemporaryMailError` or :class:`PermanentMailError`."""
    config = current_app.config
    mime = build(message, sender=config["MAIL_FROM"])
    url = config.get("SMTP_URL")
    if not url:
        if not (config.get("DEV") or config.get("TESTING")):
            raise PermanentMailError(
                "Mail is not configured: set FIILIS_SMTP_URL (smtp://user:pass@host:587)."
            )
        return _write_file(mime)
    refused = _smtp(url, mime)
    return Sent("smtp", mime["Message-ID"], refused=refused)


def send_later(message: Message, *, db: Session | None = None) -> None:
    """Hand the message to the worker; with ``db``, only once its transaction commits."""
    if db is not None:
        jobs.enqueue_after_commit(db, deliver, asdict(message))
    else:
        jobs.enqueue(deliver, asdict(message))


@jobs.job()
def deliver(message: dict, attempt: int = 0) -> str:
    """The worker's send: a temporary failure is tried again on ``MAIL_RETRY_SCHEDULE``."""
    mail = Message(**message)
    try:
        sent = send(mail)
    except TemporaryMailError as e:
        schedule = current_app.config["MAIL_RETRY_SCHEDULE"]
        if attempt >= len(schedule):
            log.error("Mail to %s given up after %d tries: %s", mail.to, attempt + 1, e)
            return "failed"
        delay = schedule[attempt] * random.uniform(0.8, 1.2)  # jitter: retries do not bunch up
        log.warning("Mail to %s failed (%s); trying again in %.0f s", mail.to, e, delay)
        jobs.enqueue(deliver, message, attempt + 1, delay=delay)
        return "retrying"
    except PermanentMailError as e:
        log.error("Mail to %s refused: %s %s", mail.to, e, e.refused or "")
        return "refused"
    if sent.refused:
        log.error("Mail %s: refused for %s", sent.message_id, sent.refused)
    return "sent"


# -- SMTP ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SMTPSettings:
    tls: bool  # smtps://: TLS from the first byte
    host: str
    port: int
    username: str | None
    password: str | None
    timeout: float

    @classmethod
    def parse(cls, url: str) -> SMTPSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise PermanentMailError("FIILIS_SMTP_URL must be smtp://host:587 or smtps://host:465")
        query = parse_qs(parts.query)
        tls = parts.scheme == "smtps"
        return cls(
            tls=tls,
            host=parts.hostname,
            port=parts.port or (465 if tls else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=float(query.get("timeout", [DEFAULT_TIMEOUT])[0]),
        )


@cache
def _tls() -> ssl.SSLContext:
    """One context for every connection: building one reads the system's CA store (about 10 ms, the
    better part of a message's cost on a local server). Shared safely across threads."""
    return ssl.create_default_context()


class _Kept(threading.local):
    """Each thread's open connection, kept for its next message: a thousand mails are one
    handshake, STARTTLS and login instead of a thousand (providers also limit connections)."""

    url: str | None = None
    client: smtplib.SMTP | None = None


_kept = _Kept()


def _smtp(url: str, mime: EmailMessage) -> dict[str, str]:
    settings = SMTPSettings.parse(url)
    try:
        client = _connection(url, settings)
        try:
            refused = client.send_message(mime)
        except smtplib.SMTPRecipientsRefused:
            raise  # smtplib reset the transaction: the connection stays good
        except BaseException:
            _forget()  # in an unknown state: the next message starts afresh
            raise
    except smtplib.SMTPRecipientsRefused as e:
        answers = {rcpt: f"{code} {_text(text)}" for rcpt, (code, text) in e.recipients.items()}
        if all(code >= 500 for code, _ in e.recipients.values()):
            raise PermanentMailError("Every recipient was refused.", answers) from e
        raise TemporaryMailError(f"Recipients refused for now: {answers}") from e
    except smtplib.SMTPResponseException as e:
        reply = f"{e.smtp_code} {_text(e.smtp_error)}"
        if e.smtp_code >= 500:
            raise PermanentMailError(f"The mail server refused the message: {reply}") from e
        raise TemporaryMailError(f"The mail server answered {reply}") from e
    except smtplib.SMTPNotSupportedError as e:
        raise PermanentMailError(f"The mail server does not support this: {e}") from e
    except (smtplib.SMTPException, OSError) as e:  # refused, unreachable, timed out, cut off
        raise TemporaryMailError(
            f"Could not talk to {settings.host}:{settings.port}: {e or type(e).__name__}"
        ) from e
    return {rcpt: f"{code} {_text(text)}" for rcpt, (code, text) in (refused or {}).items()}


def _connection(url: str, settings: SMTPSettings) -> smtplib.SMTP:
    """This thread's kept connection if the server still answers NOOP (servers close idle ones),
    else a new one. A message is never sent twice: nothing of it goes out before the check."""
    client = _kept.client
    if client is not None and _kept.url == url:
        try:
            if client.noop()[0] == 250:
                return client
        except (smtplib.SMTPException, OSError):
            pass
    _forget()
    client = _connect(settings)
    _kept.url, _kept.client = url, client
    return client


def _forget() -> None:
    client, _kept.client = _kept.client, None
    if client is not None:
        client.close()


def _connect(settings: SMTPSettings) -> smtplib.SMTP:
    if settings.tls:
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=_tls()
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if not settings.tls:
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls(context=_tls())
                client.ehlo()
            elif settings.username and not _loopback(settings.host):
                raise TemporaryMailError(
                    f"{settings.host} does not offer STARTTLS: the password is not sent in clear"
                )
        if settings.username:
            client.login(settings.username, settings.password or "")
    except BaseException:
        client.close()
        raise
    return client


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- development: files ----------------------------------------------------------------------


def mail_folder() -> Path:
    """Where development mail is written: ``instance/mail/``."""
    return Path(current_app.config.get("MAIL_FOLDER") or Path(current_app.instance_path) / "mail")


def _write_file(mime: EmailMessage) -> Sent:
    folder = mail_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S-%f")
    local = mime["Message-ID"].strip("<>").split("@")[0][-12:]
    path = folder / f"{stamp}-{local}.eml"
    path.write_bytes(bytes(mime))
    log.info("Mail to %s written to %s (no FIILIS_SMTP_URL)", mime["To"], path)
    return Sent("file", mime["Message-ID"], path=path)


def framed_html(html: str) -> str:
    """An HTML part as a web page shows it in a frame: its links open in a new tab (Gmail and
    Outlook on the web do the same), never inside the frame; a sandbox without popups makes
    them inert."""
    return html.replace("<head>", '<head><base target="_blank">', 1)


def address(email: str, name: str | None = None) -> str:
    """``Name <email>``, quoted as needed."""
    return str(Address(display_name=name or "", addr_spec=email))
