"""Who is on the page: the user key from a signed user id or an anonymous id, and their traits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.domain import keys
from collector.domain.widget import SiteSettings
from collector.models import Site, User
from collector.services.failures import Forbidden, Invalid

ANON = "anon:"
_HEX_HASH = re.compile(r"^[0-9a-fA-F]{64}$")


def user_key(site: SiteSettings, visit: Mapping[str, Any]) -> str:
    """The key eligibility and storage use for the visitor a widget call names: the user id, or
    ``anon:<anonymous id>``.

    A given ``user_hash`` must be the HMAC of the user id (403 otherwise); a site with
    ``require_identity`` refuses user ids without one. Anonymous visitors are always welcome.
    """
    user_id, user_hash = visit.get("user_id"), visit.get("user_hash")
    anonymous_id = visit.get("anonymous_id")
    if user_id is None:
        if user_hash is not None:
            raise Invalid("validation_failed", "user_hash: needs a user_id.", param="user_hash")
        if anonymous_id is None:
            raise Invalid(
                "validation_failed",
                "anonymous_id: required when there is no user_id.",
                param="anonymous_id",
            )
        return ANON + anonymous_id
    if user_hash is not None:
        # A malformed hash is simply not equal; it never reaches the constant-time compare.
        if not (
            _HEX_HASH.match(user_hash)
            and keys.user_hash_matches(site.identity_secret, user_id, user_hash)
        ):
            raise Forbidden(
                "identity_mismatch",
                "user_hash is not the HMAC-SHA256 of this user_id with the site's identity secret.",
                param="user_hash",
            )
    elif site.require_identity:
        raise Forbidden(
            "identity_required",
            "This site requires a user_hash with every user_id.",
            param="user_hash",
        )
    return user_id


def stored_traits(db: Session, site: Site, key: str) -> dict[str, Any]:
    """The traits last stored for this user; none for a user never seen."""
    traits = db.scalar(select(User.traits).where(User.site_id == site.id, User.user_id == key))
    return traits or {}
