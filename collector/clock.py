"""The collector's "now": one clock per app, read by the handlers and passed to the services.

``now()`` is UTC now unless the app runs on another clock (:func:`use`; the tests move one to
check lifetimes, cooldowns and comment windows). Services take ``now`` as an argument and never
read a clock of their own on the widget path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app

from collector.models import utcnow

_KEY = "fiilis.clock"


def init_app(app: Flask) -> None:
    app.extensions.setdefault(_KEY, utcnow)


def use(app: Flask, clock: Callable[[], datetime]) -> None:
    """Run ``app`` on ``clock`` from now on (a callable giving an aware UTC datetime)."""
    app.extensions[_KEY] = clock


def now() -> datetime:
    return current_app.extensions[_KEY]()
