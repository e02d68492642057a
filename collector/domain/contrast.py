"""Colours on the site's accent: one rule for the widget card and the hosted answer page.

WCAG 2.x contrast: text on the accent (a picked score, Send) needs 4.5:1, so it is black or white,
whichever reads better — on #f59e0b or #22c55e white is about 2:1, black above 8:1. A focus ring
and the outline of the picked score are interface parts: 3:1 against the card. The accent itself
when it reaches that, else the card's text colour (an accent of #111111 vanishes on a dark card).
"""

from __future__ import annotations

import re

DEFAULT_ACCENT = "#4f46e5"
#: The card's background and text colour, light and dark (widget/src/styles.js).
CARD = {"light": ("#ffffff", "#0f172a"), "dark": ("#1c1c21", "#f4f4f5")}
INKS = ("#ffffff", "#111111")
TEXT_MIN = 4.5
UI_MIN = 3.0
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def luminance(colour: str) -> float:
    """Relative luminance of ``#rrggbb`` (WCAG 2.x)."""

    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: str, b: str) -> float:
    """The contrast ratio of two colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_on(accent: str) -> str:
    """Black or white text on ``accent``, whichever contrasts more."""
    return max(INKS, key=lambda ink: ratio(accent, ink))


def ring(accent: str, mode: str) -> str:
    """The focus ring and picked-score outline on the card of ``mode`` (light or dark)."""
    background, text = CARD[mode]
    return accent if ratio(accent, background) >= UI_MIN else text


def accent_of(theme: dict | None) -> str:
    accent = (theme or {}).get("accent")
    return accent.lower() if isinstance(accent, str) and HEX.match(accent) else DEFAULT_ACCENT


def widget_theme(theme: dict | None) -> dict:
    """The site's theme as the widget receives it: the accent with its computed colours."""
    accent = accent_of(theme)
    return {
        **(theme or {}),
        "accent": accent,
        "accent_text": ink_on(accent),
        "ring": ring(accent, "light"),
        "ring_dark": ring(accent, "dark"),
    }
