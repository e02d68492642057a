"""A stand-in for DNS: names that resolve as a test says, one answer per lookup.

The suite runs without a name server; the collector resolves names with
``socket.getaddrinfo``, so a test that needs a name to change its answer (DNS rebinding) gives
the answers here, and every other name goes to the real resolver::

    with names({"hooks.acme.test": ["93.184.216.34", "127.0.0.1"]}) as lookups:
        ...  # first lookup: the public address; every later one: loopback
    lookups["hooks.acme.test"]  # how many times it was looked up

Only answers are made up: connections go wherever the collector sends them.
"""

from __future__ import annotations

import contextlib
import socket
from collections import Counter


@contextlib.contextmanager
def names(answers: dict[str, list[str]]):
    real = socket.getaddrinfo
    lookups: Counter[str] = Counter()

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host not in answers:
            return real(host, port, family, type, proto, flags)
        given = answers[host]
        address = given[min(lookups[host], len(given) - 1)]
        lookups[host] += 1
        kind = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, port or 0) if kind == socket.AF_INET else (address, port or 0, 0, 0)
        return [(kind, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

    socket.getaddrinfo = getaddrinfo
    try:
        yield lookups
    finally:
        socket.getaddrinfo = real
