"""Unsubscribe links (``/u/<token>``, DESIGN §12): one signed token per (site, address).

The token (its own itsdangerous salt, ``fiilis.unsubscribe``; no expiry) names the site, the
address and the language of the e-mail it came in. Following it shows a page with one button;
a POST — the button, or a mail client's RFC 8058 one-click ``List-Unsubscribe=One-Click`` —
suppresses the address (``unsubscribed``) and writes ``person.unsubscribed`` to the outbox in the
same transaction. Doing it again changes nothing and shows the same confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from collector.domain import links, people
from collector.models import Site
from collector.services import suppressions


def _links() -> links.Links:
    config = current_app.config
    return links.Links(
        current_app.secret_key,
        config.get("SECRET_KEY_FALLBACKS", []),
        salt=links.UNSUBSCRIBE_SALT,
        max_age=None,
    )


def token(site_id: str, email: str, locale: str | None = None) -> str:
    """The unsubscribe token for the address on the site (the same address, the same token)."""
    claims = {"s": site_id, "e": people.address(email)}
    if locale:
        claims["l"] = locale
    return _links().sign(claims)


@dataclass
class Page:
    """What ``/u/<token>`` shows: ``ask`` (the button), ``done``, or ``invalid`` (404)."""

    state: str
    status: int = 200
    site: Site | None = None
    email: str | None = None
    locale: str | None = None


def _read(db: Session, raw: str) -> Page:
    try:
        claims = _links().read(raw)
    except links.LinkError:
        return Page("invalid", 404)
    site_id, email, locale = claims.get("s"), claims.get("e"), claims.get("l")
    if not (isinstance(site_id, str) and isinstance(email, str)):
        return Page("invalid", 404)
    site = db.get(Site, site_id)
    if site is None:  # the site was deleted since
        return Page("invalid", 404)
    return Page("ask", 200, site, email, locale if isinstance(locale, str) else None)


def page(db: Session, raw: str) -> Page:
    """The page for a followed link: the button, or "done" when the address is suppressed."""
    shown = _read(db, raw)
    if shown.state == "ask" and suppressions.suppressed(db, shown.site.id, shown.email):
        shown.state = "done"
    db.rollback()
    return shown


def unsubscribe(db: Session, raw: str, now: datetime) -> Page:
    """Suppress the token's address (once) and commit; the confirmation page."""
    shown = _read(db, raw)
    if shown.state != "ask":
        db.rollback()
        return shown
    suppressions.add(db, shown.site.id, shown.email, "unsubscribed", now)
    db.commit()
    shown.state = "done"
    return shown
