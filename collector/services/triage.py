"""Triage: the follow-up of many responses changed at once, and the views people save.

A bulk change is one transaction: every response is changed, with one history entry each, or none
is (one of them belongs to another site, or a row is locked past the timeout).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector import outbox
from collector.domain.problems import Invalid, NotFound
from collector.models import Account, FollowupChange, Response, SavedView, Site, utcnow

MAX_BULK = 200
MAX_VIEWS = 30


def bulk_followup(
    db: Session, site: Site, response_ids: list[str], changes: dict, *, actor: str
) -> list[Response]:
    """Apply ``changes`` (``followup_status`` and/or ``followup_owner``) to every response;
    the ones it really changed, each with its history entry, in the order given."""
    wanted = list(dict.fromkeys(response_ids))
    if not wanted:
        raise Invalid("nothing_selected", "Select at least one response.", param="ids")
    if len(wanted) > MAX_BULK:
        raise Invalid("too_many", f"At most {MAX_BULK} responses at once.", param="ids")
    stmt = (
        select(Response)
        .where(Response.site_id == site.id, Response.id.in_(wanted))
        .with_for_update()
    )
    found = {r.id: r for r in db.scalars(stmt)}
    if len(found) != len(wanted):
        raise NotFound("response", "ids")
    now = utcnow()
    changed = []
    for response in (found[rid] for rid in wanted):
        touched = False
        for name in ("followup_status", "followup_owner"):
            if name in changes and getattr(response, name) != changes[name]:
                setattr(response, name, changes[name])
                touched = True
        if not touched:
            continue
        response.updated_at = now
        db.add(
            FollowupChange(
                response_id=response.id,
                status=response.followup_status,
                owner=response.followup_owner,
                note=response.followup_note,
                actor=actor,
                created_at=now,
            )
        )
        outbox.record(db, "followup.updated", site.id, response.id, now=now)
        changed.append(response)
    db.commit()
    return changed


# -- saved views ---------------------------------------------------------------------------------


def views(db: Session, account: Account, site: Site) -> list[SavedView]:
    stmt = (
        select(SavedView)
        .where(SavedView.account_id == account.id, SavedView.site_id == site.id)
        .order_by(SavedView.name)
    )
    return list(db.scalars(stmt))


def save_view(db: Session, account: Account, site: Site, name: str, query: dict) -> SavedView:
    """Save (or replace, by name) one of the account's views of this site's responses."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise Invalid("invalid_name", "A view's name has 1 to 80 characters.", param="name")
    existing = db.scalar(
        select(SavedView).where(
            SavedView.account_id == account.id,
            SavedView.site_id == site.id,
            SavedView.name == name,
        )
    )
    if existing is None:
        if len(views(db, account, site)) >= MAX_VIEWS:
            raise Invalid(
                "too_many", f"At most {MAX_VIEWS} saved views; delete one first.", param="name"
            )
        existing = SavedView(account_id=account.id, site_id=site.id, name=name)
        db.add(existing)
    existing.query = query
    db.commit()
    return existing


def delete_view(db: Session, account: Account, site: Site, view_id: int) -> None:
    view = db.get(SavedView, view_id)
    if view is None or view.account_id != account.id or view.site_id != site.id:
        raise NotFound("view", "id")
    db.delete(view)
    db.commit()
