"""The one definition of the answer scales and their bands (DESIGN §7).

A :class:`Scale` is a value: the lowest and highest point a person can give. Each kind has its
default (CSAT 1–5, CES 1–7, NPS 0–10, :data:`DEFAULTS`); a survey's own scale, where it has one,
is a :class:`Scale` too, so everything that checks, lists or labels points takes the scale and
not the kind.

A :class:`Bands` splits a kind's default scale into ``low``, ``mid`` and ``high``, DESIGN §7's
categories: NPS detractors 0–6, passives 7–8, promoters 9–10; CSAT's top-2 box (4–5) as high;
CES "easy" (5–7) as high. Scoring (``scoring``), the dashboard's bands and charts, the answer
page and the widget's answer check all read them from here; the widget's own copy of the
default scales is ``widget/src/scale.js`` (the collector sends the scale with each prompt).
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("csat", "ces", "nps")
#: The bands of every kind, low to high.
BAND_NAMES = ("low", "mid", "high")


@dataclass(frozen=True, order=True)
class Scale:
    """The points ``min`` … ``max``, both included."""

    min: int
    max: int

    def __post_init__(self):
        if self.min >= self.max:
            raise ValueError(f"a scale runs from a lower to a higher point, not {self}")

    def __contains__(self, score: object) -> bool:
        return isinstance(score, int) and self.min <= score <= self.max

    @property
    def points(self) -> range:
        return range(self.min, self.max + 1)

    def to_dict(self) -> dict[str, int]:
        return {"min": self.min, "max": self.max}


@dataclass(frozen=True)
class Band:
    """A named run of points: ``low``, ``mid`` or ``high``."""

    name: str
    low: int
    high: int

    def __contains__(self, score: object) -> bool:
        return isinstance(score, int) and self.low <= score <= self.high

    @property
    def points(self) -> str:
        """``"0–6"``, or ``"3"`` for a band of one point."""
        return f"{self.low}" if self.low == self.high else f"{self.low}–{self.high}"


@dataclass(frozen=True)
class Bands:
    """The low, middle and high bands of a kind, in that order."""

    low: Band
    mid: Band
    high: Band

    def __iter__(self):
        return iter((self.low, self.mid, self.high))

    def of(self, score: int) -> Band:
        for band in self:
            if score in band:
                return band
        raise ValueError(f"{score} is in none of the bands {self}")

    def named(self, name: str) -> Band:
        return {band.name: band for band in self}[name]


def _bands(low: tuple[int, int], mid: tuple[int, int], high: tuple[int, int]) -> Bands:
    return Bands(Band("low", *low), Band("mid", *mid), Band("high", *high))


#: Each kind's scale.
DEFAULTS: dict[str, Scale] = {"csat": Scale(1, 5), "ces": Scale(1, 7), "nps": Scale(0, 10)}
#: Each kind's bands on its default scale.
BANDS: dict[str, Bands] = {
    "csat": _bands((1, 2), (3, 3), (4, 5)),
    "ces": _bands((1, 3), (4, 4), (5, 7)),
    "nps": _bands((0, 6), (7, 8), (9, 10)),
}
#: Every point of every kind: a score outside it is refused before any survey is read.
ANY = Scale(min(s.min for s in DEFAULTS.values()), max(s.max for s in DEFAULTS.values()))


def of(kind: str) -> Scale:
    """The scale of a survey of ``kind`` (``ValueError`` for an unknown kind)."""
    try:
        return DEFAULTS[kind]
    except KeyError:
        raise ValueError(
            f"unknown survey kind {kind!r}; expected one of {', '.join(KINDS)}"
        ) from None


def bands(kind: str) -> Bands:
    return BANDS[kind]


def band_of(kind: str, score: int) -> str:
    """The name of the band ``score`` falls in, on ``kind``'s scale."""
    return BANDS[kind].of(score).name
