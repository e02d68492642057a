"""The widget's files: the loader at a stable URL with a short cache, and the content-addressed,
immutable loader and card. Each is served pre-compressed (brotli or gzip, built next to it by
``widget/build.mjs``) when the browser accepts it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Blueprint, current_app, request, send_from_directory

from collector.domain.problems import NotFound

bp = Blueprint("bundle", __name__)
_HEX = re.compile(r"[0-9a-f]{12}")
WIDGET_DIR = Path(__file__).resolve().parent.parent / "static" / "widget"
#: Best first: brotli is about a sixth smaller than gzip for the widget.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
YEAR = 31_536_000


def manifest() -> dict:
    """The build's manifest (file, hash, integrity; the same for its card), read once per app."""
    cached = current_app.extensions.get("fiilis.widget_manifest")
    if cached is None:
        cached = json.loads((WIDGET_DIR / "manifest.json").read_text())
        current_app.extensions["fiilis.widget_manifest"] = cached
    return cached


def _encoded(name: str) -> tuple[str, str | None]:
    """The file to send for ``name`` and its Content-Encoding: the best one the browser accepts."""
    for encoding, suffix in ENCODINGS:
        if request.accept_encodings[encoding] and (WIDGET_DIR / (name + suffix)).is_file():
            return name + suffix, encoding
    return name, None


def _send(name: str, max_age: int, immutable: bool = False):
    path, encoding = _encoded(name)
    # each encoding is its own file, so each gets its own ETag and a 304 never mixes them up
    resp = send_from_directory(WIDGET_DIR, path, mimetype="text/javascript", max_age=max_age)
    if encoding:
        resp.headers["Content-Encoding"] = encoding
    resp.vary.add("Accept-Encoding")
    resp.headers["Cache-Control"] = f"public, max-age={max_age}" + (
        ", immutable" if immutable else ""
    )
    # SRI with crossorigin="anonymous" needs a CORS-readable answer; the bundle holds no secrets.
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _built(prefix: str, digest: str, current: str):
    """The current build's file, or any earlier one's: a pasted tag pins its loader by integrity
    hash, and that loader pins its card."""
    name = f"{prefix}.{digest}.js"
    if digest == current:
        return _send(name, max_age=YEAR, immutable=True)
    if _HEX.fullmatch(digest) and (WIDGET_DIR / "releases" / name).is_file():
        return _send(f"releases/{name}", max_age=YEAR, immutable=True)
    raise NotFound("widget build", "digest")


@bp.get("/widget/fiilis.js")
def stable():
    return _send("fiilis.js", max_age=300)


@bp.get("/widget/fiilis.<digest>.js")
def hashed(digest: str):
    return _built("fiilis", digest, manifest()["hash"])


@bp.get("/widget/fiilis-card.<digest>.js")
def card(digest: str):
    return _built("fiilis-card", digest, manifest()["card"]["hash"])
