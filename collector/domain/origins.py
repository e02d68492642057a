"""Web origins in one spelling, so a stored origin and the ``Origin`` a browser sends compare equal.

Browsers send ``scheme://host[:port]``: the host in lower case and, for an internationalised
domain name, in its ASCII (punycode) form by UTS #46 (``https://bücher.example`` arrives as
``https://xn--bcher-kva.example``), and no port when it is the scheme's default. A team types
whichever they see. :func:`normalise` turns either into the browser's spelling; it is applied
when an origin is stored and to both sides when one is compared.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import idna

DEFAULT_PORTS = {"http": 80, "https": 443}


class NotAnOrigin(ValueError):
    """The text is not ``scheme://host[:port]`` with an http(s) scheme."""


def normalise(text: str) -> str:
    """``text`` as a browser spells the origin: ``HTTPS://Bücher.Example:443/`` →
    ``https://xn--bcher-kva.example``. Raises :class:`NotAnOrigin`."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:  # "http://[" is an IPv6 host never closed
        raise NotAnOrigin(
            "An origin is scheme://host[:port], e.g. https://app.example.com."
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise NotAnOrigin("An origin is scheme://host[:port], e.g. https://app.example.com.")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise NotAnOrigin("An origin has no path, query, fragment or user.")
    try:
        port = parts.port
    except ValueError:
        raise NotAnOrigin("The port is not a number.") from None
    host = parts.hostname  # lower case already
    if ":" in host:
        host = f"[{host}]"  # IPv6
    elif not host.isascii() or "xn--" in host:
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as e:
            raise NotAnOrigin(f"The host is not a valid domain name: {e}.") from None
    return f"{scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS[scheme] else "")


def same(origin: str, allowed: list[str]) -> bool:
    """Whether ``origin`` (as a browser sent it) is one of ``allowed`` (as stored, perhaps by an
    older version in another spelling)."""
    try:
        sent = normalise(origin)
    except NotAnOrigin:
        return False  # "null" (a sandboxed page or a file) is never on a list
    for entry in allowed:
        try:
            if normalise(entry) == sent:
                return True
        except NotAnOrigin:
            continue
    return False
