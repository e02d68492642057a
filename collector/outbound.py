"""The I/O half of the SSRF guard: resolve a URL's host and check every address it names.

The rules are in :mod:`collector.domain.outbound`; this module only asks the resolver. Checked
when a URL is saved and again right before each request.
"""

from __future__ import annotations

import ipaddress
import socket

from flask import current_app

from collector.domain.outbound import OutboundRefused, check_addresses, check_url

__all__ = ["OutboundRefused", "guard", "resolve"]


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
    return bool((config or current_app.config).get("ALLOW_PRIVATE_WEBHOOKS"))


def guard(url: str, config=None) -> None:
    """Raise :class:`OutboundRefused` if the collector must not request ``url``."""
    config = config or current_app.config
    private = allow_private(config)
    host = check_url(url, allow_http=private or bool(config.get("DEV")))
    check_addresses(host, resolve(host), allow_private=private)
