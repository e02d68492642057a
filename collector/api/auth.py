"""Secret-key authentication for the management API."""

from __future__ import annotations

from flask import g, request

from collector import db
from collector.errors import APIError
from collector.models import Site
from collector.services import sites


def require_secret_key() -> None:
    """``before_request`` of the management API: sets ``g.site`` from ``Authorization: Bearer sk_…``."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise APIError(
            401,
            "missing_api_key",
            "Send your secret key as `Authorization: Bearer sk_…`.",
            headers={"WWW-Authenticate": 'Bearer realm="fiilis"'},
        )
    site = sites.by_secret_key(db.session(), token.strip())
    if site is None:
        raise APIError(
            401,
            "invalid_api_key",
            "This secret key is not valid.",
            headers={"WWW-Authenticate": 'Bearer realm="fiilis", error="invalid_token"'},
        )
    g.site = site


def current_site() -> Site:
    return g.site
