"""The audit trail: who changed a site's settings, keys or team, what, and when.

An entry is added to the session of the change it describes, so the two are committed (or rolled
back) together: the trail never shows a change that did not happen.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.models import AuditEvent, Site, utcnow

#: What each action reads as on the settings page.
ACTIONS = {
    "settings.updated": "changed the settings",
    "secret_key.rotated": "made a new secret key",
    "identity_secret.rotated": "made a new identity secret",
    "member.invited": "invited",
    "member.joined": "joined",
    "member.role_changed": "changed the role of",
    "member.removed": "removed",
    "invite.revoked": "withdrew the invitation of",
}


def record(db: Session, site: Site | str, actor: str | None, action: str, **detail) -> None:
    """Add an entry to the current transaction (the caller commits it with the change)."""
    site_id = site if isinstance(site, str) else site.id
    db.add(
        AuditEvent(site_id=site_id, actor=actor, action=action, detail=detail, created_at=utcnow())
    )


def recent(db: Session, site: Site, *, limit: int = 50) -> list[AuditEvent]:
    """The site's latest entries, newest first."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.site_id == site.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.scalars(stmt))


def settings_diff(site: Site, changes: dict) -> dict:
    """``{field: [before, after]}`` for the settings ``changes`` really change."""
    out = {}
    for name, value in changes.items():
        before = getattr(site, name, None)
        if before != value:
            out[name] = [before, value]
    return out
