"""Bands, top-2 box and "easy" share relative to a survey's scale (collector/domain/scales.py)."""

import pytest

from collector.domain import scoring
from collector.domain.scales import Scale, allowed


@pytest.mark.parametrize(
    ("kind", "low", "high", "bands"),
    [
        ("csat", 1, 5, {"low": (1, 2), "mid": (3, 3), "high": (4, 5)}),
        ("csat", 1, 7, {"low": (1, 3), "mid": (4, 5), "high": (6, 7)}),
        ("ces", 1, 7, {"low": (1, 3), "mid": (4, 4), "high": (5, 7)}),
        ("ces", 1, 5, {"low": (1, 2), "mid": (3, 3), "high": (4, 5)}),
        ("nps", 0, 10, {"low": (0, 6), "mid": (7, 8), "high": (9, 10)}),
    ],
)
def test_bands_cover_every_point_of_the_scale_once(kind, low, high, bands):
    scale = Scale.of(kind, low, high)
    assert scale.bands == bands
    assert [scale.band_of(p) for p in scale.points] == [
        name for name, (a, b) in bands.items() for _ in range(a, b + 1)
    ]


def test_a_survey_without_a_scale_has_its_kinds_default():
    assert [Scale.of(k).label() for k in ("csat", "ces", "nps")] == ["1–5", "1–7", "0–10"]


def test_only_the_allowed_scales_are_allowed():
    assert allowed("ces", 1, 5) and allowed("csat", 1, 7) and allowed("nps", 0, 10)
    assert not allowed("nps", 1, 5) and not allowed("ces", 0, 10) and not allowed("csat", 2, 5)


def test_ces_on_1_to_5_scores_easy_from_4_and_refuses_6():
    scale = Scale.of("ces", 1, 5)
    summary = scoring.summarize("ces", {5: 1, 4: 1, 3: 2}, scale)
    assert summary.easy_pct == 50.0
    assert set(summary.distribution) == {"1", "2", "3", "4", "5"}
    with pytest.raises(ValueError):
        scoring.summarize("ces", {6: 1}, scale)


def test_csat_on_1_to_7_counts_the_top_two_points():
    summary = scoring.summarize("csat", {7: 1, 6: 1, 5: 2}, Scale.of("csat", 1, 7))
    assert summary.satisfied_pct == 50.0
