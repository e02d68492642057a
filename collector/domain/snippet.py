"""The script tag a product team pastes (DESIGN §3), with Subresource Integrity."""

from __future__ import annotations

from html import escape


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
