"""The I/O half of the SSRF guard: resolve a URL's host and check every address it names.

The rules are in :mod:`collector.domain.outbound`; this module only asks the resolver. Checked
when a URL is saved and again right before each request.
"""

from __future__ import annotations

import ipaddress
import socket

import httpx
from flask import current_app

from collector.domain.outbound import OutboundRefused, check_addresses, check_url

__all__ = ["OutboundRefused", "PostFailed", "guard", "post_json", "resolve"]


def resolve(host: str) -> list[str]:
    """Every address ``host`` names (an IP literal is itself); empty when it does not resolve."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return [host]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({info[4][0] for info in infos})


def allow_private(config=None) -> bool:
    return bool((current_app.config if config is None else config).get("ALLOW_PRIVATE_WEBHOOKS"))


def guard(url: str, config=None) -> None:
    """Raise :class:`OutboundRefused` if the collector must not request ``url``."""
    config = current_app.config if config is None else config
    private = allow_private(config)
    host = check_url(url, allow_http=private or bool(config.get("DEV")))
    check_addresses(host, resolve(host), allow_private=private)


class PostFailed(Exception):
    """A POST that did not get a 2xx; ``retry`` says whether trying again may help and cannot
    make the receiver see it twice (it never got it, or said so)."""

    def __init__(self, message: str, *, retry: bool, status: int | None = None):
        super().__init__(message)
        self.retry = retry
        self.status = status


def post_json(url: str, body: dict, *, timeout: float = 10.0, config=None) -> int:
    """POST ``body`` as JSON to ``url`` after the SSRF guard; the status code of a 2xx answer.

    Redirects are not followed (a 3xx is a failure). Raises :class:`OutboundRefused` for a URL
    the guard refuses and :class:`PostFailed` otherwise. A connection that could not be made,
    a 429 and a 5xx may be retried; a timeout after sending may not (the receiver may have
    acted on it), nor a 4xx.
    """
    guard(url, config)
    try:
        answer = httpx.post(url, json=body, timeout=timeout, follow_redirects=False)
    except httpx.ConnectError as e:
        raise PostFailed(f"could not connect: {e}", retry=True) from None
    except httpx.TimeoutException:
        raise PostFailed(f"no answer within {timeout:g} s", retry=False) from None
    except httpx.HTTPError as e:
        raise PostFailed(f"request failed: {e}", retry=False) from None
    if 200 <= answer.status_code < 300:
        return answer.status_code
    detail = answer.text[:200].strip()
    retry = answer.status_code == 429 or answer.status_code >= 500
    raise PostFailed(
        f"answered {answer.status_code}" + (f": {detail}" if detail else ""),
        retry=retry,
        status=answer.status_code,
    )
