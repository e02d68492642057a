"""The widget bundle: a stable URL with a short cache and a content-addressed, immutable one."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Blueprint, current_app, send_from_directory

from collector.errors import not_found

bp = Blueprint("bundle", __name__)
_HEX = re.compile(r"[0-9a-f]{12}")
WIDGET_DIR = Path(__file__).resolve().parent.parent / "static" / "widget"


def manifest() -> dict:
    """The build's manifest (file, hash, integrity), read once per app."""
    cached = current_app.extensions.get("fiilis.widget_manifest")
    if cached is None:
        cached = json.loads((WIDGET_DIR / "manifest.json").read_text())
        current_app.extensions["fiilis.widget_manifest"] = cached
    return cached


def _send(name: str, max_age: int, immutable: bool = False):
    resp = send_from_directory(WIDGET_DIR, name, mimetype="text/javascript", max_age=max_age)
    resp.headers["Cache-Control"] = f"public, max-age={max_age}" + (
        ", immutable" if immutable else ""
    )
    # SRI with crossorigin="anonymous" needs a CORS-readable answer; the bundle holds no secrets.
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.get("/widget/fiilis.js")
def stable():
    return _send("fiilis.js", max_age=300)


@bp.get("/widget/fiilis.<digest>.js")
def hashed(digest: str):
    """The current build, or any earlier one: a pasted tag pins its bundle by integrity hash."""
    name = f"fiilis.{digest}.js"
    if digest == manifest()["hash"]:
        return _send(name, max_age=31_536_000, immutable=True)
    if _HEX.fullmatch(digest) and (WIDGET_DIR / "releases" / name).is_file():
        return _send(f"releases/{name}", max_age=31_536_000, immutable=True)
    raise not_found("widget build", "digest")
