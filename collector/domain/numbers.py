"""How a number reads, the same on every page, e-mail and Slack message (docs/decisions.md,
"Numbers read one way").

- **NPS** is a signed whole number: ``+32``, ``−8``, ``0``; its interval keeps the signs:
  ``+18 to +45``, ``−12 to +9``.
- **Percentages** (CSAT's satisfied share, shares of promoters or "easy" answers, response rates)
  are whole numbers with a no-break space before the sign (it never wraps alone): ``82 %``; an
  interval ``76–88 %``.
- **Means** (CES, CSAT's mean score) have two decimals: ``5.21``, ``4.98–5.44``.
- A change carries its sign and its unit: ``+4`` (NPS), ``+4 points`` (CSAT), ``+0.12`` (CES).
- Minus is the typographic minus sign (U+2212), never a hyphen; nothing is ``−0``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MINUS = "\u2212"
PCT = "\u00a0%"  # a no-break space: "82" and "%" stay on one line
NONE = "–"


def _rounded(value: float, places: int) -> Decimal:
    """Half away from zero (``12.5`` → ``13``, ``−12.5`` → ``−13``), as people round."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def _text(value: float, places: int, *, signed: bool = False) -> str:
    d = _rounded(value, places)
    if d == 0:
        d = abs(d)  # never "−0" or "+0"
        return f"{d:.{places}f}"
    text = f"{d:+.{places}f}" if signed else f"{d:.{places}f}"
    return text.replace("-", MINUS)


def count(value: int) -> str:
    """``12 345``: thousands apart by a no-break space, so a count never wraps."""
    return f"{value:,}".replace(",", "\u00a0")


def signed(value: float, places: int = 0) -> str:
    """``+4``, ``−0.12`` (with ``places=2``), ``0``: a difference, with its sign."""
    return _text(value, places, signed=True)


def percent(value: float | None) -> str:
    """``82 %`` from ``82.4`` (a value already in percent)."""
    return NONE if value is None else f"{_text(value, 0)}{PCT}"


def rate(value: float | None) -> str:
    """``43 %`` from ``0.43`` (a share between 0 and 1)."""
    return NONE if value is None else percent(value * 100)


def sample(value: float) -> str:
    """A sample rate as set (a share between 0 and 1): ``100 %``, ``12.5 %``, ``0.5 %``."""
    return f"{value * 100:.3g}{PCT}"


def mean(value: float | None) -> str:
    return NONE if value is None else _text(value, 2)


def score(kind: str, value: float | None) -> str:
    """A survey's headline score: NPS ``+32``, CSAT ``82 %``, CES ``5.21``."""
    if value is None:
        return NONE
    if kind == "nps":
        return _text(value, 0, signed=True)
    if kind == "csat":
        return percent(value)
    return mean(value)


def interval(kind: str, ci: list[float] | tuple[float, float] | None) -> str:
    """A 95 % interval in the score's own format: ``+18 to +45``, ``76–88 %``, ``4.98–5.44``."""
    if not ci:
        return NONE
    low, high = ci
    if kind == "nps":
        return f"{_text(low, 0, signed=True)} to {_text(high, 0, signed=True)}"
    if kind == "csat":
        return f"{_text(low, 0)}–{_text(high, 0)}{PCT}"
    return f"{mean(low)}–{mean(high)}"


def mean_interval(ci: list[float] | tuple[float, float] | None) -> str:
    """The interval of a mean score (CES, or CSAT's mean)."""
    return interval("ces", ci)


def change(kind: str, delta: float) -> str:
    """A change of the score, signed, in the score's unit: ``+4``, ``−3 points``, ``+0.12``."""
    if kind == "ces":
        return _text(delta, 2, signed=True)
    text = _text(delta, 0, signed=True)
    if kind != "csat":
        return text
    return f"{text} point" if text in ("+1", f"{MINUS}1") else f"{text} points"
