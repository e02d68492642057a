"""The answer scales and their bands: one definition that scoring, the dashboard and the API read."""

import pytest

from collector.domain import scale
from collector.domain.scoring import summarize


@pytest.mark.parametrize("kind", scale.KINDS)
def test_the_bands_of_a_kind_cover_its_scale_once_each_point(kind):
    points = [p for band in scale.bands(kind) for p in range(band.low, band.high + 1)]
    assert points == list(scale.of(kind).points)


def test_each_kind_has_its_design_scale():
    assert scale.of("csat") == scale.Scale(1, 5)
    assert scale.of("ces") == scale.Scale(1, 7)
    assert scale.of("nps") == scale.Scale(0, 10)
    assert scale.Scale(0, 10) == scale.ANY


def test_a_score_is_on_a_scale_only_as_a_whole_number_within_it():
    nps = scale.of("nps")
    assert 0 in nps and 10 in nps
    assert -1 not in nps and 11 not in nps and 2**31 not in nps
    assert "5" not in nps and 5.0 not in nps


def test_a_scale_is_a_value_with_its_own_points():
    ten = scale.Scale(1, 10)
    assert ten == scale.Scale(1, 10)
    assert list(ten.points) == list(range(1, 11))
    assert ten.to_dict() == {"min": 1, "max": 10}
    with pytest.raises(ValueError):
        scale.Scale(5, 5)


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown survey kind 'star'"):
        scale.of("star")


@pytest.mark.parametrize(
    ("kind", "score", "band"),
    [
        ("nps", 6, "low"),
        ("nps", 7, "mid"),
        ("nps", 9, "high"),
        ("csat", 3, "mid"),
        ("ces", 5, "high"),
    ],
)
def test_the_band_of_a_score(kind, score, band):
    assert scale.band_of(kind, score) == band


def test_scoring_counts_the_same_bands_the_dashboard_shows():
    # One answer in each NPS band: the promoter, passive and detractor shares are a third each.
    summary = summarize("nps", {0: 1, 7: 1, 10: 1})
    assert summary.promoters_pct == summary.passives_pct == summary.detractors_pct == 100 / 3
    # CSAT's top-2 box is its high band, CES "easy" its high band.
    assert summarize("csat", {4: 1, 3: 1}).satisfied_pct == 50.0
    assert summarize("ces", {5: 1, 4: 1}).easy_pct == 50.0


def test_a_survey_may_have_its_own_scale_among_the_allowed():
    assert scale.of("csat", 1, 7) == scale.Scale(1, 7)
    assert scale.of("csat", None, None) == scale.Scale(1, 5)
    assert scale.allowed("ces", 1, 5) and scale.allowed("csat", 1, 7)
    assert not scale.allowed("nps", 1, 10) and not scale.allowed("csat", 0, 10)


@pytest.mark.parametrize(
    ("kind", "points", "high"),
    [("csat", scale.Scale(1, 7), (6, 7)), ("ces", scale.Scale(1, 5), (4, 5))],
)
def test_bands_follow_a_surveys_own_scale(kind, points, high):
    bands = scale.bands(kind, points)
    assert (bands.high.low, bands.high.high) == high
    covered = [p for band in bands for p in range(band.low, band.high + 1)]
    assert covered == list(points.points)
