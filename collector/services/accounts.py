"""Dashboard accounts: one e-mail and password per person, and their role on each site."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from collector.domain.problems import Conflict, Invalid
from collector.domain.roles import ROLES
from collector.models import Account, Membership, Site, utcnow

MIN_PASSWORD = 10
# Checked when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("fiilis-no-such-account", method="scrypt")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    email = normalise_email(email)
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise Invalid("invalid_email", "This is not an e-mail address.", param="email")
    return email


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            "weak_password",
            f"A password has at least {MIN_PASSWORD} characters.",
            param="password",
        )
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise Invalid("invalid_role", "A role is admin, editor or viewer.", param="role")
    return role


def new(db: Session, site: Site, *, email: str, password: str, role: str) -> Account:
    """An account on ``site`` with ``role``, added to the session (the caller commits)."""
    email = check_email(email)
    check_password(password)
    check_role(role)
    if by_email(db, email) is not None:
        raise Conflict("email_taken", "An account with this e-mail exists.", param="email")
    account = Account(
        site_id=site.id,
        email=email,
        password_hash=generate_password_hash(password, method="scrypt"),
    )
    db.add(account)
    db.flush()
    db.add(Membership(account_id=account.id, site_id=site.id, role=role))
    return account


def create(db: Session, site: Site, *, email: str, password: str, role: str = "admin") -> Account:
    """A new account for ``site``; 422 for a bad e-mail, a short password or an unknown role,
    409 for an e-mail already taken."""
    account = new(db, site, email=email, password=password, role=role)
    db.commit()
    return account


def by_email(db: Session, email: str) -> Account | None:
    return db.scalar(select(Account).where(func.lower(Account.email) == normalise_email(email)))


def get(db: Session, account_id: int) -> Account | None:
    return db.get(Account, account_id)


def authenticate(db: Session, email: str, password: str) -> Account | None:
    """The account for this e-mail and password, with its login time recorded; else ``None``."""
    account = by_email(db, email)
    if account is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(account.password_hash, password):
        return None
    account.last_login_at = utcnow()
    db.commit()
    return account


def set_password(db: Session, account: Account, password: str) -> None:
    """A new password; every session of the account ends (the fingerprint changes)."""
    account.password_hash = generate_password_hash(check_password(password), method="scrypt")
    account.session_epoch += 1
    db.commit()


def fingerprint(account: Account, secret: str) -> str:
    """A short keyed digest of the password hash and session epoch: a session made before a
    password change or a logout is void."""
    material = f"{account.session_epoch}:{account.password_hash}".encode()
    return hmac.new(secret.encode(), material, hashlib.sha256).hexdigest()[:32]


def end_sessions(db: Session, account: Account) -> None:
    """Void every session of this account, including copies of its cookie elsewhere."""
    account.session_epoch += 1
    db.commit()


# -- memberships ---------------------------------------------------------------------------------


def sites_of(db: Session, account: Account) -> list[tuple[Site, str]]:
    """The sites this account is on, with its role there, by name."""
    stmt = (
        select(Site, Membership.role)
        .join(Membership, Membership.site_id == Site.id)
        .where(Membership.account_id == account.id)
        .order_by(Site.name, Site.id)
    )
    return [(site, role) for site, role in db.execute(stmt)]


def role_on(db: Session, account: Account, site_id: str) -> str | None:
    return db.scalar(
        select(Membership.role).where(
            Membership.account_id == account.id, Membership.site_id == site_id
        )
    )


def team(db: Session, site: Site) -> list[tuple[Account, Membership]]:
    """Everyone on the site with their membership, by e-mail."""
    stmt = (
        select(Account, Membership)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.site_id == site.id)
        .order_by(Account.email)
    )
    return [(account, membership) for account, membership in db.execute(stmt)]


def admins_of(db: Session, site: Site) -> list[str]:
    """The e-mail addresses of the site's admins (whom to tell about the site itself)."""
    stmt = (
        select(Account.email)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.site_id == site.id, Membership.role == "admin")
        .order_by(Account.email)
    )
    return list(db.scalars(stmt))


def join(db: Session, account: Account, site: Site, role: str) -> Membership:
    """Put ``account`` on ``site`` with ``role`` (a new role if it is already there); no commit."""
    check_role(role)
    membership = db.get(Membership, (account.id, site.id))
    if membership is None:
        membership = Membership(account_id=account.id, site_id=site.id, role=role)
        db.add(membership)
    else:
        membership.role = role
    return membership


def listed(db: Session, site: Site | None = None) -> list[tuple[Account, str, str]]:
    """Accounts with the name of each site they are on and their role there, by site then
    e-mail; of one site when given."""
    stmt = (
        select(Account, Site.name, Membership.role)
        .join(Membership, Membership.account_id == Account.id)
        .join(Site, Site.id == Membership.site_id)
    )
    if site is not None:
        stmt = stmt.where(Membership.site_id == site.id)
    rows = db.execute(stmt.order_by(Site.name, Account.email))
    return [(a, name, role) for a, name, role in rows]
