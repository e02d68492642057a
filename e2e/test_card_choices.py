"""The card asks what fits the score (DESIGN §13): a follow-up per band that follows a changed
score, reason toggles, and every string in the reader's language. Real Chromium, real collector."""

import re
import time

import pytest
from playwright.sync_api import expect

from e2e.conftest import card, make_survey, responses
from e2e.test_accessibility import axe_violations

BY_BAND = {
    "low": {"en": "What went wrong?"},
    "mid": {"en": "What would make it a 10?"},
    "high": {"en": "What do you like most?"},
}
REASONS = {
    "choices": [
        {"id": "price", "label": {"en": "Price", "de": "Preis"}},
        {"id": "speed", "label": {"en": "Speed", "de": "Tempo"}},
        {"id": "support", "label": {"en": "Support", "de": "Kundendienst"}},
    ],
    "multiple": True,
}
GERMAN = {
    "close": "Fenster schließen",
    "send": "Abschicken",
    "skip": "Lieber nicht",
    "thanks": "Herzlichen Dank!",
    "placeholder": "Möchten Sie mehr erzählen?",
    "followup": "Warum diese Bewertung?",
    "low_label": "Auf keinen Fall",
    "high_label": "Auf jeden Fall",
}


def wait_for(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_the_follow_up_follows_the_score_and_a_changed_score_is_the_one_stored(
    open_host, site, shoot
):
    survey = make_survey(site, "nps", followup_by_band=BY_BAND)
    page = open_host("band1")
    page.click("#nps")
    expect(card(page)).to_be_visible()
    page.get_by_role("radio", name="2", exact=True).click()
    expect(page.get_by_text("What went wrong?")).to_be_visible()
    page.get_by_role("radio", name="9", exact=True).click()
    expect(page.get_by_text("What do you like most?")).to_be_visible()
    expect(page.get_by_text("What went wrong?")).to_have_count(0)
    expect(page.get_by_role("radio", name="9", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )
    expect(page.get_by_role("radio", name="2", exact=True)).to_have_attribute(
        "aria-checked", "false"
    )
    shoot(page, "widget-band-followup", page.get_by_role("region"))
    page.get_by_role("textbox").fill("The reports.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text(re.compile("thank", re.I))).to_be_visible()
    rows = wait_for(lambda: [r for r in responses(site, survey["id"]) if r["comment"]])
    assert [(r["score"], r["comment"]) for r in rows] == [(9, "The reports.")]
    assert rows[0]["followup_status"] == "none", "9 is a promoter: no follow-up opened"


def test_reasons_are_toggled_with_the_keyboard_announced_and_stored(page, open_host, site, shoot):
    survey = make_survey(site, "nps", followup_by_band=BY_BAND, reasons=REASONS)
    page = open_host("why1")
    page.click("#nps")
    expect(card(page)).to_be_visible()
    page.get_by_role("radio", name="3", exact=True).focus()
    page.keyboard.press("Enter")
    group = page.get_by_role("group", name="What went wrong?")
    expect(group).to_be_visible()
    price = group.get_by_role("button", name="Price")
    expect(price).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Tab")  # from the scale to the first reason
    page.keyboard.press("Space")
    expect(price).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(group.get_by_role("button", name="Support")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(300)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Skip").click()
    expect(page.get_by_text(re.compile("thank", re.I))).to_be_visible()
    rows = wait_for(lambda: [r for r in responses(site, survey["id"]) if r["reasons"]])
    assert [(r["score"], r["reasons"]) for r in rows] == [(3, ["price", "support"])]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_reasons_read_well_light_and_dark_on_desktop_and_phone(
    page, open_host, site, shoot, width, scheme
):
    page.set_viewport_size({"width": width, "height": 844})
    page.emulate_media(color_scheme=scheme)
    make_survey(site, "nps", followup_by_band=BY_BAND, reasons=REASONS)
    page = open_host(f"why-{width}-{scheme}")
    page.click("#nps")
    page.get_by_role("radio", name="5", exact=True).click()
    price = page.get_by_role("button", name="Price")
    price.click()
    if width < 480:
        assert price.bounding_box()["height"] >= 44, "a phone's tap target"
    page.wait_for_timeout(300)
    assert axe_violations(page) == []
    shoot(page, f"widget-reasons-{width}-{scheme}", page.get_by_role("region"))


def test_a_german_card_says_everything_in_german_from_the_texts(page, open_host, site, shoot):
    survey = make_survey(
        site,
        "nps",
        question={
            "en": "How likely are you to recommend Acme?",
            "de": "Würden Sie Acme empfehlen?",
        },
        followup=None,
        texts={"de": GERMAN},
        reasons=REASONS,
    )
    page = open_host("de1", locale="de-DE")
    page.click("#nps")
    expect(page.get_by_text("Würden Sie Acme empfehlen?")).to_be_visible()
    page.get_by_role("radio", name="4", exact=True).click()
    expect(page.get_by_text("Warum diese Bewertung?")).to_be_visible()
    shown = page.evaluate(
        """() => {
          const root = [...document.body.children].find((el) => el.shadowRoot).shadowRoot;
          const out = [];
          const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          while (walk.nextNode()) if (walk.currentNode.textContent.trim()) out.push(walk.currentNode.textContent.trim());
          for (const el of root.querySelectorAll('[aria-label], [placeholder]'))
            out.push(el.getAttribute('aria-label') || el.getAttribute('placeholder'));
          return {strings: out, lang: root.querySelector('[lang]').getAttribute('lang')};
        }"""
    )
    words = [s for s in shown["strings"] if not s.isdigit() and s != "×"]
    expected = {
        "Würden Sie Acme empfehlen?",
        "Warum diese Bewertung?",
        "Preis",
        "Tempo",
        "Kundendienst",
        *GERMAN.values(),
    } - {GERMAN["thanks"], GERMAN["followup"]}
    assert set(words) == expected | {"Warum diese Bewertung?"}, words
    assert shown["lang"] == "de"
    page.wait_for_timeout(300)
    shoot(page, "widget-german", page.get_by_role("region"))
    page.get_by_role("button", name="Abschicken").click()
    expect(page.get_by_text("Herzlichen Dank!")).to_be_visible()
    rows = wait_for(lambda: responses(site, survey["id"]))
    assert rows[0]["locale"] == "de"


def test_a_locale_without_texts_falls_back_to_the_sites_default_without_an_error(
    page, open_host, site
):
    site.api.patch("/v1/site", json={"default_locale": "fi"}).raise_for_status()
    make_survey(
        site,
        "csat",
        question={"en": "How was paying?", "fi": "Miten maksaminen sujui?", "pt-BR": "Como foi?"},
    )
    problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page = open_host("pt1", locale="pt-BR")
    page.click("#pay")
    expect(page.get_by_text("Miten maksaminen sujui?")).to_be_visible()
    expect(page.get_by_role("button", name="Sulje")).to_be_visible()
    expect(page.get_by_text("Erittäin tyytymätön")).to_be_visible()
    assert problems == []
