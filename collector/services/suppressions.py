"""Addresses survey e-mail never goes to again (DESIGN §12), per site.

An address is suppressed once: adding it again keeps the first suppression (its reason and time)
and changes nothing, so a provider's webhook that reports one bounce three times, or a person who
presses "unsubscribe" twice, leaves one row and one ``person.unsubscribed`` event. Addresses are
compared as stored: normalised, in lower case (``domain.people.address``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from collector import outbox, pagination
from collector.domain import keys, people
from collector.domain.problems import NotFound
from collector.models import Site, Suppression

REASONS = ("unsubscribed", "bounced", "complained", "manual")
_TABLE = Suppression.__table__
_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def add(
    db: Session,
    site_id: str,
    email: str,
    reason: str,
    now: datetime,
    *,
    detail: str | None = None,
) -> tuple[Suppression, bool]:
    """Suppress the address in ``db``'s transaction (the caller commits); ``(suppression,
    created)``. Two callers racing for one address both get the one row. An unsubscribe writes
    its ``person.unsubscribed`` event in the same transaction, once."""
    address = people.address(email)
    insert = _INSERTS[db.get_bind().dialect.name]
    new_id = keys.new_id("sup")
    stmt = (
        insert(_TABLE)
        .values(
            id=new_id, site_id=site_id, email=address, reason=reason, detail=detail, created_at=now
        )
        .on_conflict_do_nothing(index_elements=["site_id", "email"])
        .returning(_TABLE.c.id)
    )
    created = db.execute(stmt).first() is not None
    row = db.scalar(
        select(Suppression)
        .where(Suppression.site_id == site_id, Suppression.email == address)
        .execution_options(populate_existing=True)
    )
    if created and reason == "unsubscribed":
        outbox.record(db, "person.unsubscribed", site_id, row.id, now=now)
    return row, created


def create(db: Session, site: Site, fields: dict, now: datetime) -> tuple[Suppression, bool]:
    """``POST /v1/suppressions``: add and commit."""
    row, created = add(db, site.id, fields["email"], fields["reason"], now, detail=fields["detail"])
    db.commit()
    return row, created


def suppressed(db: Session, site_id: str, email: str) -> Suppression | None:
    """The address's suppression on the site, if any (the check before every survey e-mail)."""
    try:
        address = people.address(email)
    except people.InvalidAddress:
        return None
    return db.scalar(
        select(Suppression).where(Suppression.site_id == site_id, Suppression.email == address)
    )


def get(db: Session, site: Site, email: str) -> Suppression:
    row = suppressed(db, site.id, email)
    if row is None:
        raise NotFound("suppression", "email")
    return row


def list_page(db: Session, site: Site, *, limit: int, cursor: str | None, reason: str | None):
    stmt = select(Suppression).where(Suppression.site_id == site.id)
    if reason is not None:
        stmt = stmt.where(Suppression.reason == reason)
    return pagination.page(db, stmt, Suppression, limit=limit, cursor=cursor)


def remove(db: Session, site: Site, email: str) -> str:
    """Let survey e-mail go to the address again; its stored form."""
    row = get(db, site, email)
    address = row.email
    db.execute(delete(Suppression).where(Suppression.id == row.id))
    db.commit()
    return address
