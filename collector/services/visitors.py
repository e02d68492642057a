"""Who is on the page: the user key from a signed user id or an anonymous id, and their traits."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from collector.domain import keys
from collector.domain.problems import Forbidden, Invalid
from collector.models import Site, User
from collector.prepared import Prepared

ANON = "anon:"
_USERS = User.__table__
_HEX_HASH = re.compile(r"^[0-9a-fA-F]{64}$")


def user_key(
    site: Site,
    *,
    user_id: str | None,
    user_hash: str | None,
    anonymous_id: str | None,
) -> str:
    """The key eligibility and storage use: the user id, or ``anon:<anonymous id>``.

    A given ``user_hash`` must be the HMAC of the user id (403 otherwise); a site with
    ``require_identity`` refuses user ids without one. Anonymous visitors are always welcome.
    """
    if user_id is None:
        if user_hash is not None:
            raise Invalid("validation_failed", "user_hash: needs a user_id.", param="user_hash")
        if anonymous_id is None:
            raise Invalid(
                "validation_failed",
                "anonymous_id: required when there is no user_id.",
                param="anonymous_id",
            )
        return ANON + anonymous_id
    if user_hash is not None:
        # A malformed hash is simply not equal; it never reaches the constant-time compare.
        if not (
            _HEX_HASH.match(user_hash)
            and keys.user_hash_matches(site.identity_secret, user_id, user_hash)
        ):
            raise Forbidden(
                "identity_mismatch",
                "user_hash is not the HMAC-SHA256 of this user_id with the site's identity secret.",
                param="user_hash",
            )
    elif site.require_identity:
        raise Forbidden(
            "identity_required",
            "This site requires a user_hash with every user_id.",
            param="user_hash",
        )
    return user_id


def remember(
    conn: Connection, site: Site | Row, key: str, traits: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """Upsert the user with their latest traits (kept as they are when none are sent); returns
    the traits now stored.

    In one transaction this is also the per-user lock: on PostgreSQL the upsert holds the user's
    row until commit, so two requests for one user decide one after the other (SQLite writers
    are serialised anyway).
    """
    statement, row = remembering(conn, site, key, traits, now)
    return remembered(statement.rows(conn, row))


def remembering(
    conn: Connection, site: Site | Row, key: str, traits: dict[str, Any] | None, now: datetime
) -> tuple[Prepared, dict[str, Any]]:
    """:func:`remember`'s statement and parameters, to send with others in one round trip
    (``prepared.together``); :func:`remembered` reads its rows."""
    row = {"site_id": site.id, "user_id": key, "created_at": now, "last_seen_at": now}
    row["traits"] = traits or {}
    return _upsert(conn.dialect.name, traits is not None), row


def remembered(rows: list) -> dict[str, Any]:
    """The traits now stored, from the rows of :func:`remembering`'s statement."""
    return rows[0].traits


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


def stored_traits(db: Session, site: Site, key: str) -> dict[str, Any]:
    """The traits last stored for this user; none for a user never seen."""
    traits = db.scalar(select(User.traits).where(User.site_id == site.id, User.user_id == key))
    return traits or {}
