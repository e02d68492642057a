"""The site's users as the widget path writes them: one upsert per call that names a user."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from collector.models import User
from collector.prepared import Prepared

_USERS = User.__table__


class Visitors:
    def __init__(self, conn: Connection):
        self.conn = conn

    def remember(
        self, site_id: str, key: str, traits: dict[str, Any] | None, now: datetime
    ) -> dict[str, Any]:
        """Upsert the user with their latest traits (kept as they are when none are sent);
        returns the traits now stored.

        In one transaction this is also the per-user lock: on PostgreSQL the upsert holds the
        user's row until commit, so two requests for one user decide one after the other (SQLite
        writers are serialised anyway).
        """
        row = {"site_id": site_id, "user_id": key, "created_at": now, "last_seen_at": now}
        row["traits"] = traits or {}
        upsert = _upsert(self.conn.dialect.name, traits is not None)
        return upsert.rows(self.conn, row)[0].traits


@cache
def _upsert(dialect: str, new_traits: bool) -> Prepared:
    """The user upsert for this database, built once: it runs on every widget call."""
    stmt = (postgresql if dialect == "postgresql" else sqlite).insert(_USERS)
    changes: dict[str, Any] = {"last_seen_at": stmt.excluded.last_seen_at}
    if new_traits:
        changes["traits"] = stmt.excluded.traits
    stmt = stmt.on_conflict_do_update(index_elements=["site_id", "user_id"], set_=changes)
    keys = ("site_id", "user_id", "traits", "created_at", "last_seen_at")
    return Prepared(stmt.returning(_USERS.c.traits), keys=keys)
