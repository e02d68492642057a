"""A site's team: change a member's role, remove a member; each change on the audit trail.

A site always keeps one admin at least: the last one can be neither demoted nor removed.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector.domain.problems import Conflict, NotFound
from collector.models import Account, Membership, Site
from collector.services import accounts, audit


def _member(db: Session, site: Site, account_id: int) -> tuple[Account, Membership]:
    membership = db.get(Membership, (account_id, site.id), with_for_update=True)
    account = db.get(Account, account_id) if membership else None
    if membership is None or account is None:
        raise NotFound("member of this site", param="account")
    return account, membership


def _admins(db: Session, site: Site) -> int:
    return db.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.site_id == site.id, Membership.role == "admin")
    )


def _keeps_an_admin(db: Session, site: Site, membership: Membership) -> None:
    if membership.role == "admin" and _admins(db, site) <= 1:
        raise Conflict(
            "last_admin",
            "A site needs an admin: make someone else admin first.",
            param="role",
        )


def change_role(db: Session, site: Site, account_id: int, role: str, *, actor: str) -> None:
    accounts.check_role(role)
    account, membership = _member(db, site, account_id)
    if membership.role == role:
        return
    if role != "admin":
        _keeps_an_admin(db, site, membership)
    audit.record(
        db, site, actor, "member.role_changed", email=account.email, role=[membership.role, role]
    )
    membership.role = role
    db.commit()


def remove(db: Session, site: Site, account_id: int, *, actor: str) -> None:
    account, membership = _member(db, site, account_id)
    _keeps_an_admin(db, site, membership)
    audit.record(db, site, actor, "member.removed", email=account.email, role=membership.role)
    db.delete(membership)
    # Sessions on this site end now, not at the next page (they re-read the membership anyway).
    db.commit()
