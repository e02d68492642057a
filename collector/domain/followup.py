"""A survey's follow-up policy: which score bands open a follow-up.

An answer in one of the survey's ``followup_bands`` starts as ``open``; any other starts as
``none`` (nobody needs to act on it), so "Open" carries signal. The default is the low band
(NPS detractors, dissatisfied CSAT, difficult CES). The bands are the scale's own
(``collector.domain.scales``): ``low``, ``mid``, ``high``.

The policy is stored as one string, the bands in that order separated by commas (``"low,mid"``;
``""`` opens nothing). It decides a response's status once, when it is stored: a later change of
the policy leaves existing responses as they are.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, case, func, literal

from collector.domain.scales import ALLOWED, DEFAULTS, Scale

BANDS = ("low", "mid", "high")
DEFAULT = "low"
#: Statuses a response can have; ``none`` is an answer outside the policy.
STATUSES = ("open", "in_progress", "closed", "none")


def stored(bands: Iterable[str]) -> str:
    """The policy as the survey keeps it: ``["mid", "low"]`` → ``"low,mid"``."""
    chosen = set(bands)
    return ",".join(band for band in BANDS if band in chosen)


def parse(text: str | None) -> list[str]:
    """The stored policy as a list of bands (``None``, a survey not yet saved: the default)."""
    if text is None:
        text = DEFAULT
    return [band for band in BANDS if band in text.split(",")]


def initial_status(scale: Scale, policy: str | None, score: int) -> str:
    """``open`` when the score's band is in the policy, else ``none``."""
    return "open" if scale.band_of(score) in parse(policy) else "none"


def status_sql(
    kind: ColumnElement, scale_min: ColumnElement, scale_max: ColumnElement, policy, score
) -> ColumnElement:
    """:func:`initial_status` as SQL, for a statement that stores the answer without reading the
    survey first and checks the score is on its scale: the score's band, then whether the policy
    names it. Built
    from :meth:`Scale.bands` for every scale a survey may have, so the bands are written once, in
    Python (and the statement stays short: psycopg keeps the parsing of statements under 4 KiB)."""
    band = case(
        *(
            (
                and_(
                    kind == name,
                    func.coalesce(scale_min, DEFAULTS[name][0]) == low,
                    func.coalesce(scale_max, DEFAULTS[name][1]) == high,
                ),
                _band_sql(Scale(name, low, high), score),
            )
            for name, pairs in ALLOWED.items()
            for low, high in pairs
        )
    )
    # Band names are not parts of one another: a substring test is a member test.
    return case((policy.contains(band), "open"), else_=literal("none"))


def _band_sql(scale: Scale, score) -> ColumnElement:
    """The band of a score on ``scale``: its bands are contiguous, from low to high."""
    *lower, (top, _) = scale.bands.items()
    return case(*((score <= last, literal(band)) for band, (_, last) in lower), else_=literal(top))
