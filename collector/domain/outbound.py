"""Where the collector may send requests of its own (webhooks, Slack): DESIGN §11's SSRF guard.

A URL given by a site is fetched from inside the collector's network, so it must not reach the
loopback interface, private or link-local networks (cloud metadata at 169.254.169.254) or any
other address that is not public. The rules here are pure: the caller resolves the host name and
hands over the addresses, once when the URL is saved and again before every request (a name can
be pointed elsewhere after it was checked).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


class OutboundRefused(ValueError):
    """This URL or address must not be requested; the message says why, for the site's user."""


def address_refusal(address: str) -> str | None:
    """Why the collector must not connect to ``address`` (an IP literal), or ``None`` if public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "is not an IP address"
    if ip.version == 6:
        # ::ffff:127.0.0.1 is 127.0.0.1; 6to4 (2002:7f00:1::) and Teredo carry IPv4 too.
        ip = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None) or ip
    if ip.is_unspecified:  # 0.0.0.0 and :: reach this host
        return "is not a public address"
    if ip.is_loopback:
        return "is a loopback address"
    if ip.is_link_local:
        return "is a link-local address"
    if ip.is_private:
        return "is a private address"
    if ip.is_multicast or ip.is_reserved or not ip.is_global:
        return "is not a public address"
    return None


def check_url(url: str, *, allow_http: bool) -> str:
    """The host to resolve for ``url``; raises :class:`OutboundRefused` for a URL never fetched.

    ``https`` only (``http`` too when ``allow_http``, in development and tests); no user or
    password in the URL, which would end up in logs.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise OutboundRefused("This is not a valid URL.") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise OutboundRefused(
            "The URL must start with https://."
            if not allow_http
            else "The URL must start with https:// or http://."
        )
    if not parts.hostname:
        raise OutboundRefused("The URL has no host.")
    if parts.username or parts.password:
        raise OutboundRefused("The URL must not carry a user name or password.")
    return parts.hostname


def check_addresses(host: str, addresses: list[str], *, allow_private: bool) -> None:
    """Raise :class:`OutboundRefused` unless every address ``host`` resolved to is public.

    Every address must pass, not just one: the connection may go to any of them.
    """
    if not addresses:
        raise OutboundRefused(f"{host} does not resolve to any address.")
    if allow_private:
        return
    for address in addresses:
        why = address_refusal(address)
        if why is not None:
            shown = host if host == address else f"{host} ({address})"
            raise OutboundRefused(
                f"{shown} {why}; requests go only to public addresses "
                "(FIILIS_ALLOW_PRIVATE_WEBHOOKS=1 allows others, for development)."
            )
