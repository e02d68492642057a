"""Sites and their keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from collector.domain import keys
from collector.models import Site
from collector.services import segments, settings_cache


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
    db.commit()
    return NewSite(site, secret)


def by_secret_key(db: Session, secret: str) -> Site | None:
    """The site owning this secret key; the lookup is by hash, the final check constant-time."""
    site = db.scalar(select(Site).where(Site.secret_key_hash == keys.hash_secret(secret)))
    if site is None or not keys.secret_matches(secret, site.secret_key_hash):
        return None
    return site


def by_public_key(db: Session, public_key: str) -> Site | None:
    return db.scalar(select(Site).where(Site.public_key == public_key))


_SITES = Site.__table__
_BY_PUBLIC_KEY = select(_SITES).where(_SITES.c.public_key == bindparam("key"))
_BY_ID = select(_SITES).where(_SITES.c.id == bindparam("id"))


def row_by_public_key(db: Session, public_key: str) -> Row | None:
    """The site as a read-only row (same attribute names as :class:`Site`), as the browser API
    reads it on every call: from the process's settings cache (``settings_cache``). What cannot
    be a public key is not looked up (nor remembered)."""
    if not keys.looks_like_public_key(public_key):
        return None
    return settings_cache.get(
        ("site_key", public_key),
        lambda: db.connection().execute(_BY_PUBLIC_KEY, {"key": public_key}).first(),
    )


def row_by_id(db: Session, site_id: str) -> Row | None:
    """Like :func:`row_by_public_key`, by the site's id (a genuine prompt token names it)."""
    return settings_cache.get(
        ("site", site_id), lambda: db.connection().execute(_BY_ID, {"id": site_id}).first()
    )


def update(db: Session, site: Site, changes: dict) -> Site:
    if "segments" in changes:
        segments.declare(db, site, changes.pop("segments"))
    for field, value in changes.items():
        setattr(site, field, value)
    db.commit()
    return site


def rotate_secret_key(db: Session, site: Site) -> str:
    secret = keys.new_secret_key()
    site.secret_key_hash = keys.hash_secret(secret)
    site.secret_key_hint = keys.hint(secret)
    db.commit()
    return secret


def rotate_identity_secret(db: Session, site: Site) -> str:
    site.identity_secret = keys.new_identity_secret()
    db.commit()
    return site.identity_secret
