"""The I/O half of the SSRF guard: resolve a URL's host and check every address it names.

The rules are in :mod:`collector.domain.outbound`; this module only asks the resolver. Checked
when a URL is saved (:func:`guard`) and again for each request: :func:`post_json` (Slack) goes
through the webhooks' poster (:mod:`collector.webhooks.outbound`), which resolves the name once,
checks every address and connects to the address it checked, so that a name pointed at
``127.0.0.1`` after the check (DNS rebinding) cannot reach the inside.
"""

from __future__ import annotations

import ipaddress
import json
import socket

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


USER_AGENT = "Fiilis-Alerts/1"


def post_json(url: str, body: dict, *, timeout: float = 10.0, config=None) -> int:
    """POST ``body`` as JSON to ``url`` after the SSRF guard; the status code of a 2xx answer.

    The request goes to the address that was checked (pinned). Redirects are not followed (a
    3xx is a failure). Raises :class:`OutboundRefused` for a URL the guard refuses and
    :class:`PostFailed` otherwise. A connection that could not be made, a 429 and a 5xx may be
    retried; a timeout after sending may not (the receiver may have acted on it), nor a 4xx.
    """
    from collector.webhooks import outbound as pinned

    config = current_app.config if config is None else config
    private = allow_private(config)
    check_url(url, allow_http=private or bool(config.get("DEV")))
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    outcome = pinned.post(
        url, data, {}, allow_private=private, timeout=timeout, user_agent=USER_AGENT
    )
    if outcome.failure == "refused":
        raise OutboundRefused(outcome.error.removeprefix("refused: "))
    if outcome.failure is not None:
        raise PostFailed(outcome.error, retry=outcome.failure == "connect")
    if outcome.ok:
        return outcome.status
    detail = (outcome.body or "")[:200].strip()
    retry = outcome.status == 429 or outcome.status >= 500
    raise PostFailed(
        f"answered {outcome.status}" + (f": {detail}" if detail else ""),
        retry=retry,
        status=outcome.status,
    )
