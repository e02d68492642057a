"""Sites and their keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.db import uow
from collector.domain import keys
from collector.models import Site


@dataclass(frozen=True)
class NewSite:
    """A freshly made site with its secrets: the only moment the secret key exists in clear."""

    site: Site
    secret_key: str

    def to_dict(self) -> dict:
        return {
            "site_id": self.site.id,
            "public_key": self.site.public_key,
            "secret_key": self.secret_key,
            "identity_secret": self.site.identity_secret,
        }


def create(
    db: Session, *, name: str, origins: list[str] = (), default_locale: str = "en"
) -> NewSite:
    with uow(db, write=True):
        secret = keys.new_secret_key()
        site = Site(
            id=keys.new_id("site"),
            name=name,
            public_key=keys.new_public_key(),
            secret_key_hash=keys.hash_secret(secret),
            secret_key_hint=keys.hint(secret),
            identity_secret=keys.new_identity_secret(),
            allowed_origins=list(origins),
            default_locale=default_locale,
            theme={},
            cooldown_days=7,
            require_identity=False,
        )
        db.add(site)
        return NewSite(site, secret)


def by_secret_key(db: Session, secret: str) -> Site | None:
    """The site owning this secret key; the lookup is by hash, the final check constant-time."""
    site = db.scalar(select(Site).where(Site.secret_key_hash == keys.hash_secret(secret)))
    if site is None or not keys.secret_matches(secret, site.secret_key_hash):
        return None
    return site


def by_public_key(db: Session, public_key: str) -> Site | None:
    return db.scalar(select(Site).where(Site.public_key == public_key))


def update(db: Session, site: Site, changes: dict) -> Site:
    with uow(db, write=True):
        for field, value in changes.items():
            setattr(site, field, value)
        return site


def rotate_secret_key(db: Session, site: Site) -> str:
    with uow(db, write=True):
        secret = keys.new_secret_key()
        site.secret_key_hash = keys.hash_secret(secret)
        site.secret_key_hint = keys.hint(secret)
        return secret


def rotate_identity_secret(db: Session, site: Site) -> str:
    with uow(db, write=True):
        site.identity_secret = keys.new_identity_secret()
        return site.identity_secret
