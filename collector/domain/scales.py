"""A survey's answer scale (DESIGN §13) and where its bands fall.

CSAT is 1–5 or 1–7, CES 1–5 or 1–7, NPS always 0–10; a survey without a scale of its own has its
kind's default (CSAT 1–5, CES 1–7, NPS 0–10). The bands are relative to the scale:

- **CSAT** top-2 box ("satisfied"): the two highest points (4–5 on 1–5, 6–7 on 1–7).
- **CES** "easy": the points above the midpoint (5–7 on 1–7, 4–5 on 1–5).
- **NPS** promoters 9–10, passives 7–8, detractors 0–6 (the scale never changes).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULTS: dict[str, tuple[int, int]] = {"csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}
ALLOWED: dict[str, tuple[tuple[int, int], ...]] = {
    "csat": ((1, 5), (1, 7)),
    "ces": ((1, 5), (1, 7)),
    "nps": ((0, 10),),
}


@dataclass(frozen=True)
class Scale:
    kind: str
    min: int
    max: int

    @classmethod
    def of(cls, kind: str, low: int | None = None, high: int | None = None) -> Scale:
        """The scale of a survey of ``kind`` with the stored bounds (``None``: the default)."""
        default = DEFAULTS[kind]
        return cls(kind, default[0] if low is None else low, default[1] if high is None else high)

    def __contains__(self, score: object) -> bool:
        return isinstance(score, int) and self.min <= score <= self.max

    @property
    def points(self) -> range:
        return range(self.min, self.max + 1)

    @property
    def satisfied(self) -> tuple[int, int]:
        """CSAT's top-2 box."""
        return self.max - 1, self.max

    @property
    def easy(self) -> tuple[int, int]:
        """CES's "easy" answers: above the midpoint."""
        return (self.min + self.max) // 2 + 1, self.max

    def label(self) -> str:
        return f"{self.min}–{self.max}"


def allowed(kind: str, low: int, high: int) -> bool:
    return (low, high) in ALLOWED[kind]
