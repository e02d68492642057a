"""The widget in a real Chromium, on a host page of another origin, against a real collector."""

import re

from playwright.sync_api import expect

from e2e.conftest import QUESTIONS, card, make_survey, responses


def test_csat_after_a_key_action_is_answered_with_a_comment(open_host, site):
    survey = make_survey(site, "csat")
    page = open_host("u42")
    expect(card(page)).to_have_count(0)

    page.click("#pay")
    expect(page.get_by_text(QUESTIONS["csat"]["en"])).to_be_visible()
    page.get_by_role("radio", name="4", exact=True).click()
    page.get_by_role("textbox").fill("Paying was quick, but the receipt is hard to find.")
    page.get_by_role("button", name=re.compile("send", re.I)).click()
    expect(page.get_by_text(re.compile("thank", re.I))).to_be_visible()

    def stored():
        rows = responses(site, survey["id"])
        return rows if rows and rows[0].get("comment") else None

    rows = wait_for(stored)
    assert len(rows) == 1
    row = rows[0]
    assert row["score"] == 4
    assert row["comment"] == "Paying was quick, but the receipt is hard to find."
    assert row["event"] == "invoice.paid"
    assert row["url"].startswith("http://localhost:")
    assert row["user_id"] == "u42"


def test_a_backend_triggered_nps_appears_on_the_next_page_view(open_host, site, collector):
    from fiilis import Fiilis

    survey = make_survey(site, "nps", trigger_events=[])
    page = open_host("u7")
    expect(card(page)).to_have_count(0)
    with Fiilis(api_key=site.secret_key, base_url=collector.url) as client:
        prompt = client.prompts.create(user_id="u7", survey=survey["id"])
    assert prompt.status == "pending"

    page = open_host("u7")
    expect(page.get_by_text(QUESTIONS["nps"]["en"])).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(11)
    page.get_by_role("radio", name="9", exact=True).click()
    rows = wait_for(lambda: responses(site, survey["id"]))
    assert [r["score"] for r in rows] == [9]


def test_a_dismissed_card_is_recorded_and_not_shown_again(open_host, site):
    survey = make_survey(site, "csat")
    page = open_host("u9")
    page.click("#pay")
    expect(card(page)).to_be_visible()
    page.get_by_role("button", name="Close", exact=True).click()
    expect(card(page)).to_have_count(0)

    def dismissed():
        body = site.api.get(
            "/v1/eligibility", params={"user_id": "u9", "survey": survey["id"]}
        ).json()
        return body if body["reason"] == "dismissed_recently" else None

    body = wait_for(dismissed)
    assert body["eligible"] is False
    page = open_host("u9")
    page.click("#pay")
    page.wait_for_timeout(800)
    expect(card(page)).to_have_count(0)


def test_keyboard_only_answer_and_escape_dismisses(open_host, site):
    csat = make_survey(site, "csat")
    make_survey(site, "ces")
    page = open_host("kb1")
    page.focus("#pay")
    page.keyboard.press("Enter")
    expect(card(page)).to_be_visible()
    # The card never steals focus: the pay button keeps it until the user moves on.
    assert page.evaluate("document.activeElement.id") == "pay"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.shadowRoot !== null"):
            focused = page.evaluate("document.activeElement.shadowRoot.activeElement.textContent")
            if focused == "1":
                break
    else:
        raise AssertionError("Tab never reached the scale")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.get_by_role("radio", name="3", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )
    page.keyboard.press("Tab")
    page.keyboard.type("Keyboard works.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile("thank", re.I))).to_be_visible()
    rows = wait_for(lambda: [r for r in responses(site, csat["id"]) if r.get("comment")])
    assert (rows[0]["score"], rows[0]["comment"]) == (3, "Keyboard works.")

    page = open_host("kb2")
    page.click("#close")
    expect(card(page)).to_be_visible()
    page.get_by_role("radio").first.focus()
    page.keyboard.press("Escape")
    expect(card(page)).to_have_count(0)


def test_texts_follow_the_locale_and_fall_back_to_the_sites_default(open_host, site):
    make_survey(site, "csat")
    page = open_host("fi1", locale="fi")
    page.click("#pay")
    expect(page.get_by_text(QUESTIONS["csat"]["fi"])).to_be_visible()

    page = open_host("sv1", locale="sv")
    page.click("#pay")
    expect(page.get_by_text(QUESTIONS["csat"]["sv"])).to_be_visible()

    site.api.patch("/v1/site", json={"default_locale": "fi"}).raise_for_status()
    page = open_host("de1", locale="de")
    page.click("#pay")
    expect(page.get_by_text(QUESTIONS["csat"]["fi"])).to_be_visible()


def test_phone_viewport_gets_a_bottom_sheet_with_large_tap_targets(open_host, site, page, shoot):
    page.set_viewport_size({"width": 390, "height": 844})
    make_survey(site, "nps", trigger_events=["nps.ask"])
    page = open_host("phone1")
    page.click("#nps")
    expect(card(page)).to_be_visible()
    page.wait_for_timeout(300)
    shoot(page, "widget-nps-phone")
    region = page.get_by_role("region").bounding_box()
    assert region["width"] >= 380
    assert abs(region["y"] + region["height"] - 844) <= 2
    for box in (r.bounding_box() for r in page.get_by_role("radio").all()):
        assert box["width"] >= 44 and box["height"] >= 44, box


def test_a_wrong_user_hash_gets_no_prompt_and_a_console_warning(open_host, site, page):
    make_survey(site, "csat")
    warnings = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page = open_host("mallory", signed=False, data_user_hash="0" * 64)
    page.click("#pay")
    page.wait_for_timeout(800)
    expect(card(page)).to_have_count(0)
    assert any("[fiilis]" in w and re.search("identity|user_hash|hash", w, re.I) for w in warnings)

    page = open_host("alice")
    page.click("#pay")
    expect(card(page)).to_be_visible()


def wait_for(probe, timeout: float = 5.0):
    """Poll ``probe`` until it returns something truthy (answers reach the collector async)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            assert value, "timed out waiting"
            return value
        time.sleep(0.1)
