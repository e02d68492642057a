"""Built-in strings and locale choice: every person reads one language on one card."""

import re

import pytest

from collector.domain import texts
from collector.domain.scoring import SCALES


def test_the_requested_locale_wins_when_the_survey_has_it():
    assert texts.pick_locale("fi", ["en", "fi"], "en") == "fi"


def test_a_regional_tag_falls_back_to_its_language():
    assert texts.pick_locale("fi-FI", ["en", "fi"], "en") == "fi"
    assert texts.pick_locale("sv_SE", ["en", "sv"], "en") == "sv"


def test_an_unknown_locale_falls_back_to_the_sites_default_then_english():
    assert texts.pick_locale("de", ["en", "fi"], "fi") == "fi"
    assert texts.pick_locale("de", ["en", "fi"], "sv") == "en"
    assert texts.pick_locale(None, ["en", "sv"], None) == "en"


@pytest.mark.parametrize("kind", list(SCALES))
@pytest.mark.parametrize("locale", texts.LOCALES)
def test_every_kind_has_distinct_end_labels_in_every_locale(kind, locale):
    low, high = texts.scale_labels(kind, locale)
    assert low and high and low != high


def test_end_labels_follow_each_kinds_question():
    assert texts.scale_labels("csat", "en") == ("Very dissatisfied", "Very satisfied")
    assert texts.scale_labels("ces", "en") == ("Strongly disagree", "Strongly agree")
    assert texts.scale_labels("nps", "en") == ("Not at all likely", "Extremely likely")
    assert texts.scale_labels("csat", "fi") == ("Erittäin tyytymätön", "Erittäin tyytyväinen")
    assert texts.scale_labels("nps", "sv") == ("Inte alls sannolikt", "Mycket sannolikt")
    assert texts.scale_labels("ces", "de") == texts.scale_labels("ces", "en")


def test_the_followup_is_the_surveys_own_else_a_builtin_one_in_the_same_language():
    own = {"en": "Why?", "fi": "Miksi?"}
    assert texts.followup(own, "fi") == "Miksi?"
    assert texts.followup(own, "sv") == "Vad är den främsta anledningen till ditt betyg?"
    assert texts.followup(None, "en") == "What is the main reason for your score?"
    assert texts.followup({"en": "Why?", "de": "Warum?"}, "de") == "Warum?"
    assert texts.followup({"en": "Why?"}, "de") == "Why?"


def test_every_page_string_exists_in_every_locale_with_the_same_placeholders():
    english = texts.page("en")
    for locale in texts.LOCALES:
        strings = texts.page(locale)
        assert strings.keys() == english.keys(), locale
        for key, text in strings.items():
            assert set(re.findall(r"{\w+}", text)) == set(re.findall(r"{\w+}", english[key]))


def test_the_page_falls_back_to_english_for_other_languages():
    assert texts.page("de")["send"] == "Send"
    assert texts.page("fi-FI")["send"] == "Lähetä"
