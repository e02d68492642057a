"""Page rules (DESIGN §13 ``pages``): which part of the URL each op looks at, and how."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collector.domain.pages import MAX_VALUE, PageRule, glob_matches, on_page

CASES = json.loads((Path(__file__).parent / "page_rules.json").read_text())["cases"]


@pytest.mark.parametrize(("op", "value", "url", "matches"), CASES)
def test_page_rules_match_the_path_and_the_query_or_fragment_only_when_asked(
    op, value, url, matches
):
    assert PageRule(op, value).matches(url) is matches


@pytest.mark.parametrize(("op", "value", "url", "matches"), CASES)
def test_every_rule_as_the_glob_the_widget_gets_matches_the_same_pages(op, value, url, matches):
    glob = PageRule(op, value).as_glob()

    assert PageRule("glob", glob).matches(url) is matches


def test_a_survey_without_page_rules_asks_on_every_page_and_without_a_url():
    assert on_page([], "https://app.example/settings") is True
    assert on_page([], None) is True


def test_any_page_rule_may_match_and_without_a_url_none_does():
    rules = [PageRule("equals", "/settings"), PageRule("glob", "/billing/*")]

    assert on_page(rules, "https://app.example/billing/invoices") is True
    assert on_page(rules, "https://app.example/settings") is True
    assert on_page(rules, "https://app.example/reports") is False
    assert on_page(rules, None) is False


def test_a_long_glob_with_many_stars_is_matched_without_backtracking():
    pattern = "/" + "a*" * 8 + "b"
    text = "/" + "a" * 2000

    assert glob_matches(pattern, text) is False
    assert glob_matches(pattern, text + "b") is True


def test_malformed_page_rules_are_refused():
    with pytest.raises(ValueError, match="op"):
        PageRule("regex", "/billing")
    with pytest.raises(ValueError, match="characters"):
        PageRule("equals", "")
    with pytest.raises(ValueError, match="characters"):
        PageRule("equals", "/" * (MAX_VALUE + 1))
