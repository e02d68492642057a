"""The snippet a product team pastes (DESIGN §3): the queue stub, then the script tag with
Subresource Integrity."""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

#: Calls made before the bundle runs wait in ``fiilis.q``; the bundle replays them in order. It
#: also keeps ``fiilis.track(…)`` from throwing in the host app when the bundle never runs at all
#: (an ad-blocker, a CSP, a stale integrity hash): the calls just wait.
QUEUE_STUB = (
    "<script>window.fiilis=window.fiilis||function(){(fiilis.q=fiilis.q||[]).push(arguments)};"
    '["identify","track","show","reset","on"].forEach(function(m){fiilis[m]=fiilis[m]||'
    "function(){fiilis.apply(null,[m].concat([].slice.call(arguments)))}})</script>"
)


def script_tag(
    base_url: str,
    *,
    public_key: str,
    file: str,
    integrity: str,
    user_id: str | None = None,
    user_hash: str | None = None,
    locale: str | None = None,
) -> str:
    """The ``<script>`` tag for a site.

    It points at the content-addressed bundle (``/widget/fiilis.<hash>.js``): an integrity hash on
    the stable URL would break the day the widget is upgraded, a hashed URL never changes bytes.
    """
    attrs = [
        ("async", None),
        ("src", f"{base_url.rstrip('/')}/widget/{file}"),
        ("integrity", integrity),
        ("crossorigin", "anonymous"),
        ("data-site-key", public_key),
        ("data-user-id", user_id),
        ("data-user-hash", user_hash),
        ("data-locale", locale),
    ]
    parts = [
        name if value is None and name == "async" else f'{name}="{escape(value, quote=True)}"'
        for name, value in attrs
        if value is not None or name == "async"
    ]
    return f"<script {' '.join(parts)}></script>"


def snippet(base_url: str, **tag) -> str:
    """The queue stub and the script tag, on two lines: what every printed snippet holds."""
    return QUEUE_STUB + "\n" + script_tag(base_url, **tag)


def points_at_this_machine(base_url: str) -> bool:
    """A collector URL that only works on the machine it was made on."""
    host = (urlsplit(base_url).hostname or "").lower()
    return (
        host in ("localhost", "0.0.0.0", "::1")
        or host.startswith("127.")
        or host.endswith(".localhost")
    )
