"""Who is looking at the dashboard: the session cookie, the login, and the CSRF token of every form.

The session (Flask's signed cookie) holds the account id, a fingerprint of its password hash (a
session made before a password change is void) and a nonce made at each login. CSRF tokens are the
nonce signed with their own salt, so a token from another login, another browser or a forged form
never passes.
"""

from __future__ import annotations

import hmac
import posixpath
import secrets
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from flask import abort, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadData, URLSafeTimedSerializer

from collector import db
from collector.models import Account
from collector.services import accounts

LIFETIME = timedelta(days=14)
CSRF_MAX_AGE = int(timedelta(hours=24).total_seconds())
CSRF_FIELD = "csrf_token"
CSRF_FAILED = "The form's CSRF token is missing, expired or from another session."


class DashboardSession(SecureCookieSessionInterface):
    """Flask's signed cookie, HttpOnly, SameSite=Lax, and Secure whenever the dashboard is https."""

    def open_session(self, app, request):
        # The cookie is sent to /dashboard only: anywhere else there is no session to read.
        path = self.get_cookie_path(app)
        if request.path != path and not request.path.startswith(f"{path}/"):
            return None
        return super().open_session(app, request)

    def get_cookie_name(self, app) -> str:
        return "fiilis_session"

    def get_cookie_path(self, app) -> str:
        return "/dashboard"  # the API and the widget never see it

    def get_cookie_httponly(self, app) -> bool:
        return True

    def get_cookie_samesite(self, app) -> str:
        return "Lax"

    def get_cookie_secure(self, app) -> bool:
        public = app.config.get("PUBLIC_URL") or ""
        return bool(
            app.config.get("SESSION_COOKIE_SECURE")
            or request.is_secure
            or public.startswith("https:")
        )


def _keys() -> list[str]:
    """The secret keys still accepted, oldest first; the last one (the current key) signs."""
    return [*current_app.config.get("SECRET_KEY_FALLBACKS", []), current_app.secret_key]


def _csrf_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_keys(), salt="fiilis.csrf")


def _nonce() -> str:
    if "nonce" not in session:
        session["nonce"] = secrets.token_urlsafe(16)
    return session["nonce"]


def csrf_token() -> str:
    """The token for this session's forms (a template global)."""
    if "csrf" not in g:
        g.csrf = _csrf_serializer().dumps(_nonce())
    return g.csrf


def check_csrf() -> None:
    """400 unless the form (or ``X-CSRF-Token``) carries a token for this very session."""
    token = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token", "")
    nonce = session.get("nonce")
    try:
        value = _csrf_serializer().loads(token, max_age=CSRF_MAX_AGE)
    except BadData:
        value = None
    if not nonce or not isinstance(value, str) or not hmac.compare_digest(value, nonce):
        abort(400, description=CSRF_FAILED)


def log_in(account: Account) -> None:
    """A fresh session for ``account``: a new nonce, so tokens from before the login are void."""
    session.clear()
    session.permanent = True
    session["account_id"] = account.id
    session["fingerprint"] = accounts.fingerprint(account, current_app.secret_key)
    session["nonce"] = secrets.token_urlsafe(16)


def log_out() -> None:
    account = load_account()
    if account is not None:
        accounts.end_sessions(db.session(), account)
    session.clear()


def load_account() -> Account | None:
    """The logged-in account, or ``None``; sets ``g.site`` (the site chosen in the switcher, else
    the first), ``g.role`` on it and ``g.sites``, every site of the account with its role."""
    account_id = session.get("account_id")
    if not isinstance(account_id, int):
        return None
    account = accounts.get(db.session(), account_id)
    if account is None:
        return None
    stored = session.get("fingerprint", "")
    prints = [accounts.fingerprint(account, key) for key in _keys()]
    if not any(hmac.compare_digest(stored, p) for p in prints):
        return None
    # Made under a fallback key: re-made under the current one, so a rotation logs nobody out.
    if stored != prints[-1]:
        session["fingerprint"] = prints[-1]
    g.account = account
    g.sites = accounts.sites_of(db.session(), account)
    chosen = session.get("site_id")
    current = next((pair for pair in g.sites if pair[0].id == chosen), None)
    if current is None and g.sites:
        current = g.sites[0]
    g.site, g.role = current if current else (None, None)
    return account


def choose_site(site_id: str) -> bool:
    """Switch the session to ``site_id``; ``False`` when the account is not on that site."""
    if not any(site.id == site_id for site, _ in g.get("sites", ())):
        return False
    session["site_id"] = site_id
    return True


def safe_next(target: str | None) -> str | None:
    """A place inside the dashboard to go back to after login; anything else is dropped."""
    if not target:
        return None
    # Browsers drop tabs and newlines from a URL (and a header cannot hold them); they read
    # "%2e%2e" as "..", so the path is checked the way the browser will resolve it.
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    path = posixpath.normpath(unquote(parts.path))
    if path != "/dashboard" and not path.startswith("/dashboard/"):
        return None
    return target
