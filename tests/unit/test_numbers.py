"""One way to write a number (collector/domain/numbers.py): what every page, mail and message shows."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.domain import numbers

MINUS = "\u2212"
PCT = "\u00a0%"


@pytest.mark.parametrize(
    ("kind", "value", "shown"),
    [
        ("nps", 32.4, "+32"),
        ("nps", -8.2, f"{MINUS}8"),
        ("nps", 12.5, "+13"),  # half away from zero, as people round
        ("nps", -12.5, f"{MINUS}13"),
        ("nps", -0.4, "0"),  # never "−0"
        ("nps", 0.0, "0"),
        ("csat", 82.4, f"82{PCT}"),
        ("csat", 100.0, f"100{PCT}"),
        ("ces", 5.214, "5.21"),
        ("ces", None, "–"),
    ],
)
def test_a_headline_score(kind, value, shown):
    assert numbers.score(kind, value) == shown


def test_an_nps_interval_keeps_its_signs_and_a_percentage_interval_its_unit():
    assert numbers.interval("nps", [-12.2, 9.4]) == f"{MINUS}12 to +9"
    assert numbers.interval("nps", [18.0, 45.0]) == "+18 to +45"
    assert numbers.interval("csat", [76.4, 88.6]) == f"76–89{PCT}"
    assert numbers.interval("ces", [4.981, 5.444]) == "4.98–5.44"
    assert numbers.interval("nps", None) == "–"


def test_a_change_carries_its_sign_and_unit():
    assert numbers.change("nps", 4.2) == "+4"
    assert numbers.change("csat", -3.0) == f"{MINUS}3 points"
    assert numbers.change("csat", 1.2) == "+1 point"
    assert numbers.change("ces", 0.123) == "+0.12"
    assert numbers.change("nps", 0.3) == "0"


def test_rates_counts_and_sample_rates():
    assert numbers.rate(0.434) == f"43{PCT}"
    assert numbers.rate(None) == "–"
    assert numbers.count(1234567) == "1\u00a0234\u00a0567"
    assert numbers.sample(0.005) == f"0.5{PCT}"  # a rate below 1 % is not "0 %"
    assert numbers.sample(1.0) == f"100{PCT}"


@given(st.floats(min_value=-100, max_value=100, allow_nan=False))
def test_no_score_reads_as_minus_zero_or_uses_a_hyphen(value):
    for kind in ("nps", "csat", "ces"):
        for text in (numbers.score(kind, value), numbers.change(kind, value)):
            assert "-" not in text
            assert not re.fullmatch(rf"[+{MINUS}]0(\.0+)?({PCT}| points?)?", text), text
