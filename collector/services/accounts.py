"""Dashboard accounts: one e-mail and password per person, bound to one site."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from collector.db import uow
from collector.models import Account, Site, utcnow
from collector.services.failures import Conflict, Invalid

MIN_PASSWORD = 10
# Checked when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("fiilis-no-such-account", method="scrypt")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create(db: Session, site: Site, *, email: str, password: str) -> Account:
    """A new account for ``site``; 422 for an e-mail already taken or a short password."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise Invalid("invalid_email", "This is not an e-mail address.", param="email")
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            "weak_password",
            f"A password has at least {MIN_PASSWORD} characters.",
            param="password",
        )
    password_hash = generate_password_hash(password, method="scrypt")  # before the lock, as above
    with uow(db, write=True):
        if by_email(db, email) is not None:
            raise Conflict("email_taken", "An account with this e-mail exists.", param="email")
        account = Account(site_id=site.id, email=email, password_hash=password_hash)
        db.add(account)
        return account


def by_email(db: Session, email: str) -> Account | None:
    return db.scalar(select(Account).where(func.lower(Account.email) == normalise_email(email)))


def get(db: Session, account_id: int) -> Account | None:
    return db.get(Account, account_id)


def authenticate(db: Session, email: str, password: str) -> Account | None:
    """The account for this e-mail and password, with its login time recorded; else ``None``."""
    # The password is checked outside the writing transaction: scrypt takes a while, and on
    # SQLite every other writer would wait for it.
    with uow(db, write=False):
        account = by_email(db, email)
    if account is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(account.password_hash, password):
        return None
    with uow(db, write=True):
        account.last_login_at = utcnow()
    return account


def fingerprint(account: Account, secret: str) -> str:
    """A short keyed digest of the password hash and session epoch: a session made before a
    password change or a logout is void."""
    material = f"{account.session_epoch}:{account.password_hash}".encode()
    return hmac.new(secret.encode(), material, hashlib.sha256).hexdigest()[:32]


def end_sessions(db: Session, account: Account) -> None:
    """Void every session of this account, including copies of its cookie elsewhere."""
    with uow(db, write=True):
        account.session_epoch += 1


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            "weak_password",
            f"A password has at least {MIN_PASSWORD} characters.",
            param="password",
        )


def set_password(db: Session, account: Account, password: str) -> None:
    """A new password; every session made with the old one is void (the fingerprint changes)."""
    check_password(password)
    password_hash = generate_password_hash(password, method="scrypt")  # before the write lock
    with uow(db, write=True):
        account.password_hash = password_hash
        account.session_epoch += 1


def listed(db: Session, site: Site | None = None) -> list[tuple[Account, str]]:
    """Accounts with their site's name, by site then e-mail; of one site when given."""
    stmt = select(Account, Site.name).join(Site, Site.id == Account.site_id)
    if site is not None:
        stmt = stmt.where(Account.site_id == site.id)
    return [(a, name) for a, name in db.execute(stmt.order_by(Site.name, Account.email))]
