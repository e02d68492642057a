"""Invitations to a site's team and password resets, each by an e-mailed link that works once.

Neither answers differently for an address with an account and one without: a reset is always
"if there is an account, a link is on its way" (the mail is queued for the worker, so the time
taken does not tell either), and an invitation link leads to "choose a password" or "log in to
accept" only once it is opened from the mailbox it was sent to.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from collector import db, jobs, mail
from collector.domain import links
from collector.domain.problems import Conflict, Invalid, NotFound
from collector.models import Account, Invite, Membership, Site, utcnow
from collector.services import accounts, audit


def _links(salt: str, max_age) -> links.Links:
    config = current_app.config
    return links.Links(
        current_app.secret_key,
        config.get("SECRET_KEY_FALLBACKS", []),
        salt=salt,
        max_age=max_age,
    )


def invite_links() -> links.Links:
    return _links(links.INVITE_SALT, links.INVITE_MAX_AGE)


def reset_links() -> links.Links:
    return _links(links.RESET_SALT, links.RESET_MAX_AGE)


# -- invitations ---------------------------------------------------------------------------------


def pending(db: Session, site: Site) -> list[Invite]:
    now = utcnow()
    stmt = (
        select(Invite)
        .where(
            Invite.site_id == site.id,
            Invite.accepted_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
        )
        .order_by(Invite.created_at.desc())
    )
    return list(db.scalars(stmt))


def invite(db: Session, targets: list[Site], *, email: str, role: str, actor: str, link_for) -> str:
    """Invite ``email`` to every site of ``targets`` with ``role`` and mail one link for all of
    them; ``link_for(token)`` makes the link's URL. Replaces any pending invitation of the same
    address to the same sites. Returns the normalised address."""
    email = accounts.check_email(email)
    accounts.check_role(role)
    if not targets:
        raise Invalid("no_site", "Choose at least one site.", param="sites")
    existing = accounts.by_email(db, email)
    now = utcnow()
    expires = now + links.INVITE_MAX_AGE
    made = []
    for site in targets:
        if existing is not None and db.get(Membership, (existing.id, site.id)) is not None:
            raise Conflict(
                "already_member", f"{email} is already on the team of {site.name}.",
                param="email",
            )  # fmt: skip
        for old in db.scalars(
            select(Invite).where(
                Invite.site_id == site.id,
                Invite.email == email,
                Invite.accepted_at.is_(None),
                Invite.revoked_at.is_(None),
            )
        ):
            old.revoked_at = now
        made.append(
            Invite(
                id=f"inv_{secrets.token_hex(10)}",
                site_id=site.id,
                email=email,
                role=role,
                invited_by=actor,
                created_at=now,
                expires_at=expires,
            )
        )
        audit.record(db, site, actor, "member.invited", email=email, role=role)
    db.add_all(made)
    token = invite_links().sign({"i": [i.id for i in made], "e": email})
    names = ", ".join(s.name for s in targets)
    message = mail.compose(
        "notice",
        to=email,
        subject=f"You are invited to {names} on Fiilis",
        site_name=names,
        heading=f"Join {names} on Fiilis",
        paragraphs=[
            f"{actor} invited you to the team of {names} as {_a(role)} {role}.",
            "Open the link to choose your password (or to log in, if you already have an "
            "account). It works once, for 7 days.",
        ],
        action_url=link_for(token),
        action_label="Accept the invitation",
    )
    mail.send_later(message, db=db)
    db.commit()
    return email


def _a(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def revoke(db: Session, site: Site, invite_id: str, *, actor: str) -> None:
    found = db.get(Invite, invite_id)
    if found is None or found.site_id != site.id or found.accepted_at or found.revoked_at:
        raise NotFound("pending invitation", param="invite")
    found.revoked_at = utcnow()
    audit.record(db, site, actor, "invite.revoked", email=found.email, role=found.role)
    db.commit()


@dataclass
class Invitation:
    """What an invitation link offers, once it is read and still good."""

    email: str
    invites: list[Invite]
    sites: list[Site]
    account: Account | None  # an account already has this address: log in to accept


class InviteUnusable(Exception):
    """The link is forged, expired, withdrawn or already used: the same page for all."""


def open_invitation(db: Session, token: str) -> Invitation:
    try:
        claims = invite_links().read(token)
    except links.LinkError:
        raise InviteUnusable() from None
    ids, email = claims.get("i"), claims.get("e")
    if not isinstance(ids, list) or not ids or not isinstance(email, str):
        raise InviteUnusable()
    found = list(db.scalars(select(Invite).where(Invite.id.in_(ids))))
    now = utcnow()
    good = [
        i
        for i in found
        if i.email == email and not i.accepted_at and not i.revoked_at and i.expires_at > now
    ]
    if len(good) != len(ids):
        raise InviteUnusable()
    sites = [db.get(Site, i.site_id) for i in good]
    return Invitation(email, good, sites, accounts.by_email(db, email))


def accept(db: Session, token: str, *, password: str) -> Account:
    """Use the invitation: a new account with ``password``, or the existing account (whose
    ``password`` must match). The link works this once."""
    invitation = open_invitation(db, token)
    now = utcnow()
    # Taken under a row lock: two tabs accepting at once make one membership, not two.
    for inv in invitation.invites:
        db.refresh(inv, with_for_update=True)
        if inv.accepted_at or inv.revoked_at:
            raise InviteUnusable()
    account = invitation.account
    if account is None:
        account = accounts.new(
            db,
            invitation.sites[0],
            email=invitation.email,
            password=password,
            role=invitation.invites[0].role,
        )
    elif accounts.authenticate(db, invitation.email, password) is None:
        raise Invalid("wrong_password", "That is not the password of this account.",
                       param="password")  # fmt: skip
    for inv, site in zip(invitation.invites, invitation.sites, strict=True):
        accounts.join(db, account, site, inv.role)
        inv.accepted_at = now
        audit.record(
            db, site, invitation.email, "member.joined", email=account.email, role=inv.role
        )
    account.last_login_at = now
    db.commit()
    return account


# -- password resets -----------------------------------------------------------------------------


@jobs.job()
def mail_reset_link(email: str, base_url: str) -> None:
    """On the worker: mail a reset link if an account has this address, else nothing."""
    session = db.session()
    account = accounts.by_email(session, email)
    if account is None:
        return
    token = reset_links().sign({"a": account.id, "p": links.password_digest(account.password_hash)})
    message = mail.compose(
        "notice",
        to=account.email,
        subject="Reset your Fiilis password",
        heading="Reset your password",
        paragraphs=[
            "Someone, probably you, asked to reset the password of this Fiilis account.",
            "The link works once, for one hour. If you did not ask, ignore this message: "
            "your password stays as it is.",
        ],
        action_url=f"{base_url.rstrip('/')}/dashboard/reset/{token}",
        action_label="Choose a new password",
    )
    mail.send_later(message)


class ResetUnusable(Exception):
    """Forged, expired, or already used (the password changed since it was made)."""


def open_reset(db: Session, token: str) -> Account:
    try:
        claims = reset_links().read(token)
    except links.LinkError:
        raise ResetUnusable() from None
    account = db.get(Account, claims.get("a")) if isinstance(claims.get("a"), int) else None
    if account is None or claims.get("p") != links.password_digest(account.password_hash):
        raise ResetUnusable()
    return account


def reset(db: Session, token: str, password: str) -> Account:
    account = open_reset(db, token)
    accounts.check_password(password)
    db.refresh(account, with_for_update=True)
    if open_reset(db, token) is not account:  # changed meanwhile: this link is spent
        raise ResetUnusable()
    accounts.set_password(db, account, password)
    return account
