"""Install (the snippet and code samples) and Settings (the site's settings and keys)."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from collector import db
from collector.api.bundle import manifest
from collector.dashboard import bp, forms
from collector.dashboard.surveys import site_surveys
from collector.domain.eligibility import event_names
from collector.domain.snippet import QUEUE_STUB, script_tag
from collector.schemas import SiteSchema
from collector.services import audit, sightings, sites

site_schema = SiteSchema()


def public_url() -> str:
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


@bp.get("/install")
def install():
    build = manifest()
    base = public_url()
    tag = script_tag(
        base, public_key=g.site.public_key, file=build["file"], integrity=build["integrity"]
    )
    signed_tag = script_tag(
        base,
        public_key=g.site.public_key,
        file=build["file"],
        integrity=build["integrity"],
        user_id="{{ user.id }}",
        user_hash="{{ user_hash }}",
    )
    listed = site_surveys()
    return render_template(
        "dashboard/install.html",
        section="install",
        title="Install",
        tag=tag,
        signed_tag=signed_tag,
        stub=QUEUE_STUB,
        build=build,
        base=base,
        surveys=listed,
        # names a page can track: a wildcard is not one to paste into fiilis.track(…)
        events=sorted({e for s in listed for e in event_names(s.trigger_events) if "*" not in e}),
        calls=sightings.recent(db.session(), g.site, "call"),
        refusals=sightings.recent(db.session(), g.site, "refusal"),
        reasons=REFUSAL_WORDS,
    )


#: What each refusal on the Install page means, and what fixes it.
REFUSAL_WORDS = {
    "origin_not_allowed": "Origin not allowed: add it under Settings → Allowed origins.",
    "origin_required": "No Origin header: the browser API answers browsers only.",
    "identity_mismatch": "user_hash is not the HMAC of the user id with the identity secret.",
    "identity_required": "This site requires a user_hash with every user id.",
}


def _render_settings(values=None, errors=None, revealed=None, saved=False, status=200):
    page = render_template(
        "dashboard/settings.html",
        section="settings",
        title="Settings",
        values=values or _values(g.site),
        errors=errors or {},
        revealed=revealed,
        saved=saved,
        trail=audit.recent(db.session(), g.site),
        actions=audit.ACTIONS,
    )
    return page, status


def _values(site) -> dict:
    theme = site.theme or {}
    return {
        "name": site.name,
        "allowed_origins": "\n".join(site.allowed_origins or []),
        "cooldown_days": site.cooldown_days,
        "require_identity": site.require_identity,
        "segments": "\n".join(site.segments),
        "default_locale": site.default_locale,
        "accent": theme.get("accent", "#4f46e5"),
        "position": theme.get("position", "bottom-right"),
    }


@bp.get("/settings")
def settings():
    return _render_settings(saved=request.args.get("saved") == "1")


@bp.post("/settings")
def save_settings():
    try:
        changes = site_schema.load(forms.site(request.form), partial=True)
    except ValidationError as e:
        values = dict(request.form)
        values["require_identity"] = request.form.get("require_identity") == "on"
        found = forms.errors(e.normalized_messages())
        found.update(_bad_origin_lines(e.normalized_messages(), request.form))
        found.update(_bad_segments(e.normalized_messages(), request.form))
        for field in ("allowed_origins", "segments"):  # said once for the list, lines named
            if field in found:
                found = {k: v for k, v in found.items() if not k.startswith(field + ".")}
        return _render_settings(values, found, status=422)
    # A theme change merges into the stored theme, as PATCH /v1/site does.
    changes["theme"] = {**(g.site.theme or {}), **changes.get("theme", {})}
    diff = audit.settings_diff(g.site, changes)
    if diff:  # committed with the change by ``sites.update``
        audit.record(db.session(), g.site, g.account.email, "settings.updated", changes=diff)
    sites.update(db.session(), g.site, changes)
    return redirect(url_for("dashboard.settings", saved=1) + "#site-settings")


def _bad_origin_lines(messages: dict, form) -> dict[str, str]:
    """The origins' errors name the line they are on: a list of twelve says which one is wrong."""
    bad = messages.get("allowed_origins")
    if not isinstance(bad, dict):
        return {}
    typed = forms.lines(form.get("allowed_origins", ""))
    said = []
    for index, problem in sorted(bad.items()):
        message = problem[0] if isinstance(problem, list) else str(problem)
        line = typed[index] if index < len(typed) else ""
        said.append(f"Line {index + 1} ({line}): {message}")
    return {"allowed_origins": " ".join(said)}


def _bad_segments(messages: dict, form) -> dict[str, str]:
    """A bad segment name is quoted with its problem (the list is checked sorted, as it is stored)."""
    bad = messages.get("segments")
    if not isinstance(bad, dict):
        return {}
    typed = sorted(forms.lines(form.get("segments", "")))
    said = [
        f"“{typed[index]}”: {problem[0] if isinstance(problem, list) else problem}"
        for index, problem in sorted(bad.items())
        if index < len(typed)
    ]
    return {"segments": " ".join(said)}


@bp.post("/settings/secret-key")
def rotate_secret_key():
    audit.record(db.session(), g.site, g.account.email, "secret_key.rotated")
    secret = sites.rotate_secret_key(db.session(), g.site)
    return _render_settings(revealed={"what": "secret key", "value": secret})


@bp.post("/settings/identity-secret")
def rotate_identity_secret():
    audit.record(db.session(), g.site, g.account.email, "identity_secret.rotated")
    secret = sites.rotate_identity_secret(db.session(), g.site)
    return _render_settings(revealed={"what": "identity secret", "value": secret})
