"""Outbound HTTP, the one way the collector makes requests of its own (webhook deliveries, Slack
alerts, tests of either): only to public addresses, pinned to the address that was checked.

The host is resolved once; every address must be public (``domain.outbound``)
unless ``FIILIS_ALLOW_PRIVATE_WEBHOOKS=1``; the request then goes to the first address itself,
with the original ``Host`` header and, for HTTPS, the name as SNI and for the certificate check.
A name that resolves to a public address when checked and to ``127.0.0.1`` when connecting (DNS
rebinding) therefore cannot reach the inside. Redirects are never followed; 10 s for everything.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from collector.domain.outbound import address_refusal

TIMEOUT = 10.0
USER_AGENT = "Fiilis-Webhooks/1"
#: the receiver's answer kept in the delivery log
BODY_EXCERPT = 1000


class UnsafeTarget(Exception):
    """The URL's host is, or resolves to, an address requests must not go to."""


@dataclass
class Outcome:
    status: int | None  # the receiver's HTTP status; None when there was no answer
    ms: int
    body: str | None = None
    error: str | None = None
    #: why there was no answer: "refused" (the guard; nothing was sent), "connect" (no
    #: connection was made; nothing was sent), "timeout" or "error" (the request may have
    #: reached the receiver)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def resolve(url: str, *, allow_private: bool) -> list[str]:
    """The addresses of the URL's host, all of them allowed; raises :class:`UnsafeTarget`."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise UnsafeTarget("The URL has no host.")
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as e:
        raise UnsafeTarget(f"{host} does not resolve ({e}).") from e
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        refused = [a for a in addresses if address_refusal(a)]
        if refused:
            what = "is" if refused == [host] else f"resolves to {', '.join(refused)}, which is"
            raise UnsafeTarget(
                f"{host} {what} a loopback, private or link-local address; requests go to "
                "public addresses only."
            )
    return addresses


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
    timeout: float = TIMEOUT,
    user_agent: str = USER_AGENT,
) -> Outcome:
    """POST ``body`` to ``url``; the outcome, never an exception."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        address = resolve(url, allow_private=allow_private)[0]
    except UnsafeTarget as e:
        return Outcome(None, elapsed(), error=f"refused: {e}", failure="refused")
    parts = urlsplit(url)
    netloc_ip = f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    if parts.port:
        netloc_ip += f":{parts.port}"
    pinned = urlunsplit((parts.scheme, netloc_ip, parts.path or "/", parts.query, ""))
    host_header = parts.hostname + (f":{parts.port}" if parts.port else "")
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    request_headers = {
        **headers,
        "Host": host_header,
        "User-Agent": user_agent,
        "Content-Type": "application/json",
    }
    try:
        with _client().stream(
            "POST",
            pinned,
            content=body,
            headers=request_headers,
            extensions=extensions,
            timeout=timeout,
        ) as answer:
            return Outcome(answer.status_code, elapsed(), body=_excerpt(answer))
    except (httpx.ConnectError, httpx.ConnectTimeout) as e:
        return Outcome(None, elapsed(), error=f"could not connect: {e}"[:500], failure="connect")
    except httpx.TimeoutException:
        return Outcome(None, elapsed(), error=f"no answer within {timeout:g} s", failure="timeout")
    except httpx.HTTPError as e:
        return Outcome(None, elapsed(), error=f"{type(e).__name__}: {e}"[:500], failure="error")


_shared: httpx.Client | None = None
_shared_lock = threading.Lock()


def _client() -> httpx.Client:
    """One client per process: making one loads the CA bundle, which took longer than a
    delivery. Connections are not kept: the next delivery to this address may name another host
    (its own Host header and TLS name)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = httpx.Client(
                timeout=TIMEOUT,
                follow_redirects=False,
                trust_env=False,  # no proxy from the environment: the address checked is the one used
                limits=httpx.Limits(max_keepalive_connections=0),
            )
        return _shared


def _excerpt(answer: httpx.Response) -> str | None:
    read = b""
    for chunk in answer.iter_bytes():
        read += chunk
        if len(read) >= BODY_EXCERPT:
            break
    return read[:BODY_EXCERPT].decode(errors="replace") or None
