"""Every statement the widget path runs, one module per aggregate, behind a unit of work.

A use case takes a :class:`Work` and opens it (``with work.begin(write=True) as tx:``); ``tx``
holds the stores of that transaction: ``tx.settings`` (sites and surveys), ``tx.visitors``,
``tx.prompts`` and ``tx.answers``. How a statement runs (prepared on the driver or through
SQLAlchemy Core) is each store module's own business. The unit tests run the same use cases on
an in-memory fake of these four (``tests/unit/fake_store.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy.orm import Session

from collector import db, outbox
from collector.db import uow
from collector.domain import keys
from collector.domain.widget import SiteSettings, SurveySettings
from collector.store.answers import Answers
from collector.store.prompts import Prompts
from collector.store.settings import Settings
from collector.store.visitors import Visitors

if TYPE_CHECKING:
    from collector.services.settings_cache import SettingsCache


@dataclass(frozen=True)
class Tx:
    """The stores of one unit of work."""

    settings: Settings
    visitors: Visitors
    prompts: Prompts
    answers: Answers


class Work:
    """Units of work on a session (the request's, in the app), and the site settings they start
    from, kept by the process's settings cache (``collector.services.settings_cache``)."""

    def __init__(self, session: Session, cache: SettingsCache):
        self.session = session
        self.cache = cache

    @contextmanager
    def begin(self, *, write: bool) -> Iterator[Tx]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with uow(self.session, write=write) as db:
            conn = db.connection()
            yield Tx(Settings(conn), Visitors(conn), Prompts(conn), Answers(conn))

    def record(self, type_: str, site_id: str, subject_id: str, now) -> None:
        """An outbox event (``collector.outbox``) in the open unit of work's transaction."""
        outbox.record(self.session, type_, site_id, subject_id, now=now)

    def site_by_public_key(self, public_key: str) -> SiteSettings | None:
        """What cannot be a public key is not looked up (nor remembered)."""
        if not keys.looks_like_public_key(public_key):
            return None
        return self._cached(("site_key", public_key), Settings.site_by_public_key, public_key)

    def site_by_id(self, site_id: str) -> SiteSettings | None:
        return self._cached(("site", site_id), Settings.site_by_id, site_id)

    def live_surveys(self, site_id: str) -> list[SurveySettings]:
        return self._cached(("surveys", site_id), Settings.live_surveys, site_id)

    def _cached(self, key: tuple, read, arg: str):
        def load():
            # A transaction of its own: the use case's unit of work begins after it.
            with self.begin(write=False) as tx:
                return read(tx.settings, arg)

        return self.cache.get(key, load)


def work() -> Work:
    """The request's units of work, on its session and the app's settings cache."""
    return Work(db.session(), current_app.extensions["fiilis.settings_cache"])
