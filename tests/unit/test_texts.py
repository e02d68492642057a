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


def test_a_locale_tag_is_read_in_its_canonical_case_and_without_what_cannot_be_kept():
    assert texts.canonical("pt_br") == "pt-BR"
    assert texts.canonical("ZH-hant-tw") == "zh-Hant-TW"
    assert texts.canonical("es-419") == "es-419"
    assert texts.canonical("de-DE-1996") == "de-DE"
    assert texts.canonical("C") is None
    assert texts.canonical("") is None


def test_negotiation_goes_tag_language_site_default_english():
    both = ["en", "fi", "sv"]
    assert texts.candidates("fi-FI", "sv") == ["fi-FI", "fi", "sv", "en"]
    assert texts.negotiate("fi-FI", both, "sv") == "fi"
    assert texts.negotiate("de-AT", both, "sv") == "sv"
    assert texts.negotiate("no", ["en", "no"], None) == "no", "Norwegian reads Bokmål's texts"


def test_a_locale_without_texts_is_passed_over_as_a_whole():
    question = ["en", "fi", "pt-BR"]
    assert texts.negotiate("pt-BR", question, "fi") == "fi"
    given = {"pt-BR": {key: f"pt {key}" for key in texts.CARD_KEYS}}
    assert texts.negotiate("pt-BR", question, "fi", site_texts=given) == "pt-BR"
    # the answer page shows more than the card: pt-BR has only the card's texts
    assert texts.negotiate("pt-BR", question, "fi", keys=texts.KEYS, site_texts=given) == "fi"


def test_a_surveys_texts_win_over_the_sites_which_win_over_the_built_in_ones():
    site = {"de": {"send": "Abschicken", "skip": "Nein danke"}}
    survey = {"de": {"send": "Los"}}
    strings = texts.strings("de-AT", "nps", texts.CARD_KEYS, survey, site)
    assert strings["send"] == "Los"
    assert strings["skip"] == "Nein danke"
    assert strings["close"] == "Schließen"
    assert strings["low_label"] == "Überhaupt nicht wahrscheinlich"


def test_every_built_in_locale_has_every_text_translated():
    # the words these languages share with English
    alike = {"de": {"optional"}, "nb": {"send"}, "da": {"send"}}
    english = texts.strings("en", "csat", texts.KEYS)
    for locale in texts.LOCALES[1:]:
        assert texts.complete(locale, texts.KEYS), locale
        own = texts.strings(locale, "csat", texts.KEYS)
        same = {k for k in texts.KEYS if own[k] == english[k]}
        assert same == alike.get(locale, set()), locale


def test_a_band_asks_its_own_followup_in_the_locale_else_none():
    by_band = {"low": {"en": "What went wrong?", "de": "Was lief schief?"}}
    assert texts.band_followup(by_band, "low", "de-CH") == "Was lief schief?"
    assert texts.band_followup(by_band, "low", "fi") is None
    assert texts.band_followup(by_band, "high", "en") is None


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
    assert texts.scale_labels("ces", "de") == (
        "Stimme überhaupt nicht zu",
        "Stimme voll und ganz zu",
    )
    assert texts.scale_labels("ces", "pt") == texts.scale_labels("ces", "en")


def test_the_followup_is_the_surveys_own_else_a_builtin_one_in_the_same_language():
    own = {"en": "Why?", "fi": "Miksi?"}
    assert texts.followup(own, "fi") == "Miksi?"
    assert texts.followup(own, "sv") == "Vad är den främsta anledningen till ditt betyg?"
    assert texts.followup(None, "en") == "What is the main reason for your score?"
    assert texts.followup({"en": "Why?", "de": "Warum?"}, "de") == "Warum?"
    assert texts.followup({"en": "Why?"}, "de") == texts.default_followup("de")
    assert texts.followup({"en": "Why?"}, "pt") == "Why?"


def test_every_page_string_exists_in_every_locale_with_the_same_placeholders():
    english = texts.page("en")
    for locale in texts.LOCALES:
        strings = texts.page(locale)
        assert strings.keys() == english.keys(), locale
        for key, text in strings.items():
            assert set(re.findall(r"{\w+}", text)) == set(re.findall(r"{\w+}", english[key]))


def test_the_page_falls_back_to_english_for_other_languages():
    assert texts.page("pt")["send"] == "Send"
    assert texts.page("de")["send"] == "Senden"
    assert texts.page("fi-FI")["send"] == "Lähetä"
