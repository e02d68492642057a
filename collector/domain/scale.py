"""The one definition of the answer scales and their bands (DESIGN §7).

A :class:`Scale` is a value: the lowest and highest point a person can give. Each kind has its
default (CSAT 1–5, CES 1–7, NPS 0–10, :data:`DEFAULTS`); a survey may have its own (DESIGN §13:
CSAT and CES 1–5 or 1–7, :data:`ALLOWED`), a :class:`Scale` too, so everything that checks, lists
or labels points takes the scale and not the kind.

A :class:`Bands` splits a scale into ``low``, ``mid`` and ``high``, DESIGN §7's categories,
relative to the scale: NPS detractors 0–6, passives 7–8, promoters 9–10 (its scale never
changes); CSAT's top-2 box as high (4–5 on 1–5, 6–7 on 1–7) and the point below it as mid; CES
"easy", the points above the midpoint, as high (5–7 on 1–7, 4–5 on 1–5) and the midpoint as mid. Scoring (``scoring``), the dashboard's bands and charts, the answer
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

    def label(self) -> str:
        return f"{self.min}–{self.max}"


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
#: The scales a survey of each kind may have.
ALLOWED: dict[str, tuple[Scale, ...]] = {
    "csat": (Scale(1, 5), Scale(1, 7)),
    "ces": (Scale(1, 5), Scale(1, 7)),
    "nps": (Scale(0, 10),),
}
#: Every point of every kind: a score outside it is refused before any survey is read.
ANY = Scale(
    min(s.min for scales in ALLOWED.values() for s in scales),
    max(s.max for scales in ALLOWED.values() for s in scales),
)


def of(kind: str, low: int | None = None, high: int | None = None) -> Scale:
    """The scale of a survey of ``kind`` with its stored bounds (``None``: the kind's default);
    ``ValueError`` for an unknown kind."""
    try:
        default = DEFAULTS[kind]
    except KeyError:
        raise ValueError(
            f"unknown survey kind {kind!r}; expected one of {', '.join(KINDS)}"
        ) from None
    return Scale(default.min if low is None else low, default.max if high is None else high)


def allowed(kind: str, low: int, high: int) -> bool:
    """Whether a survey of ``kind`` may run on the scale ``low``–``high``."""
    return Scale(low, high) in ALLOWED[kind] if low < high else False


def bands(kind: str, points: Scale | None = None) -> Bands:
    """The low, middle and high bands of ``kind`` on ``points`` (the kind's default scale when
    not given)."""
    s = points or DEFAULTS[kind]
    if kind == "nps":
        return _bands((0, 6), (7, 8), (9, 10))
    if kind == "csat":
        return _bands((s.min, s.max - 3), (s.max - 2, s.max - 2), (s.max - 1, s.max))
    middle = (s.min + s.max) // 2
    return _bands((s.min, middle - 1), (middle, middle), (middle + 1, s.max))


#: Each kind's bands on its default scale.
BANDS: dict[str, Bands] = {kind: bands(kind) for kind in KINDS}


def band_of(kind: str, score: int, points: Scale | None = None) -> str:
    """The name of the band ``score`` falls in, on ``kind``'s scale (or ``points``)."""
    return bands(kind, points).of(score).name
