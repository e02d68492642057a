"""Sites and their surveys as the browser API reads them on every call, kept per process briefly.

Every widget call needs its site (allowed origins, identity secret, cooldown) and every event the
site's surveys; both change rarely (the dashboard, ``PATCH /v1/site``, the surveys API). Reading
them from the database on each call was a third of a call's work, so each process keeps what it
read for :data:`TTL` seconds:

- a change committed in this process clears its cache at once (a session event sees any
  :class:`Site` or :class:`Survey` written);
- other processes (the other gunicorn workers, the CLI) see a change within :data:`TTL` seconds.

See docs/decisions.md, "Settings cache".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from collector.models import Site, Survey

#: Seconds a site or its surveys are served from memory before being read again.
TTL = 5.0
#: Entries kept at most: past it, the expired ones go, and if that is not enough, all of them.
MAX_ENTRIES = 10_000
_CHANGED = "fiilis.settings_changed"


def init_app(app: Flask) -> None:
    made = SettingsCache()
    made.watch(app.extensions["fiilis.sessionmaker"])
    app.extensions["fiilis.settings_cache"] = made


def get(key: Hashable, load: Callable[[], Any]) -> Any:
    """From the app's cache (see :class:`SettingsCache`)."""
    return current_app.extensions["fiilis.settings_cache"].get(key, load)


class SettingsCache:
    """``get(key, load)``: the value ``load()`` gave less than ``ttl`` seconds ago, or a fresh one.
    Unknown keys are remembered too (``None``), so a made-up site key costs one read per TTL; at
    most ``max_entries`` are kept."""

    def __init__(
        self,
        ttl: float = TTL,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
    ):
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        # Bumped by clear(): a value read before a change was committed is not stored after it.
        self._generation = 0

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        now = self._clock()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        generation = self._generation
        value = load()
        if generation == self._generation:
            if len(self._entries) >= self.max_entries:
                self._evict(now)
            self._entries[key] = (now + self.ttl, value)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    def _evict(self, now: float) -> None:
        for key, (until, _) in list(self._entries.items()):
            if until <= now:
                self._entries.pop(key, None)
        if len(self._entries) >= self.max_entries:
            self._entries.clear()

    def watch(self, sessions: sessionmaker) -> None:
        """Clear this cache whenever a session of ``sessions`` commits a site or survey change."""

        @event.listens_for(sessions, "after_flush")
        def _note(session: Session, _context) -> None:
            touched = (*session.new, *session.dirty, *session.deleted)
            if any(isinstance(obj, Site | Survey) for obj in touched):
                session.info[_CHANGED] = True

        @event.listens_for(sessions, "after_commit")
        def _clear(session: Session) -> None:
            if session.in_nested_transaction():  # a savepoint was released, not committed
                return
            if session.info.pop(_CHANGED, False):
                self.clear()

        @event.listens_for(sessions, "after_rollback")
        def _forget(session: Session) -> None:
            session.info.pop(_CHANGED, None)
