"""The survey editor's follow-ups by band, reasons and texts, with the live preview switching
locale and band: the real card, from the form as it is typed."""

# ruff: noqa: F811
import re

import pytest
from playwright.sync_api import expect

from e2e.test_dashboard import account, dashboard, log_in  # noqa: F401 (fixtures)
from e2e.test_dashboard import axe_violations as dashboard_axe


def test_the_editor_sets_band_follow_ups_reasons_and_a_new_locale_and_previews_them(
    dashboard,
    collector,
    site,
    shoot,
):
    page = dashboard
    page.goto(f"{collector.url}/dashboard/surveys/new")
    page.get_by_role("radio", name=re.compile("^NPS")).check()
    page.get_by_label("English required").fill("How likely are you to recommend Acme?")
    page.get_by_label("Trigger events").fill("nps.ask")
    page.locator("#band_low_en").fill("What went wrong?")
    page.locator("#band_high_en").fill("What do you like most?")
    page.locator("#reason_label_0_en").fill("Price")
    page.locator("#reason_label_1_en").fill("Too slow")
    page.get_by_label("Several may be chosen").check()

    preview = page.locator("[data-preview]")
    page.get_by_role("radio", name="Low score").check()
    expect(preview.get_by_text("What went wrong?")).to_be_visible()
    expect(preview.get_by_role("button", name="Too slow")).to_have_attribute(
        "aria-pressed", "false"
    )
    page.get_by_role("radio", name="High score").check()
    expect(preview.get_by_text("What do you like most?")).to_be_visible()

    # a language without built-in texts: its fields appear, every card text is needed
    page.get_by_label("Add a language").fill("pt-br")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#question_pt-BR")).to_be_visible()
    expect(page.locator("#band_low_en")).to_have_value("What went wrong?")  # nothing typed is lost
    page.locator("#question_pt-BR").fill("Recomendaria a Acme?")
    portuguese = {
        "close": "Fechar",
        "send": "Enviar",
        "skip": "Pular",
        "thanks": "Obrigado!",
        "placeholder": "Conte mais (opcional)",
        "followup": "Por quê?",
        "low_label": "Nada provável",
        "high_label": "Muito provável",
    }
    for key, text in portuguese.items():
        page.locator(f"#text_pt-BR_{key}").fill(text)
    page.locator("#reason_label_0_pt-BR").fill("Preço")
    page.get_by_role("group", name="Preview language").get_by_role(
        "radio", name="Portuguese"
    ).check()
    page.get_by_role("radio", name="Low score").check()
    expect(preview.get_by_text("Recomendaria a Acme?")).to_be_visible()
    expect(preview.get_by_role("button", name="Preço")).to_be_visible()
    expect(preview.get_by_role("button", name="Enviar")).to_be_visible()
    page.wait_for_timeout(300)

    page.get_by_role("button", name="Create survey").click()
    expect(page.get_by_role("status").filter(has_text="Survey saved.")).to_be_visible()
    survey = site.api.get("/v1/surveys").json()["data"][0]
    assert survey["followup_by_band"] == {
        "low": {"en": "What went wrong?"},
        "high": {"en": "What do you like most?"},
    }
    assert survey["reasons"] == {
        "choices": [
            {"id": "price", "label": {"en": "Price", "pt-BR": "Preço"}},
            {"id": "too-slow", "label": {"en": "Too slow"}},
        ],
        "multiple": True,
        "bands": None,
    }
    assert survey["texts"] == {"pt-BR": portuguese}
    # the saved survey shows what it has, in every language it has
    expect(page.locator("#text_pt-BR_send")).to_have_value("Enviar")
    expect(page.locator("#reason_id_1")).to_have_value("too-slow")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_editors_new_sections_read_well_and_pass_axe(
    browser,
    collector,
    site,
    account,
    shoot,
    scheme,
    width,
):
    made = site.api.post(
        "/v1/surveys",
        json={
            "kind": "nps",
            "question": {"en": "Would you recommend Acme?", "de": "Würden Sie Acme empfehlen?"},
            "followup_by_band": {"low": {"en": "What went wrong?", "de": "Was lief schief?"}},
            "reasons": {
                "choices": [
                    {"id": "price", "label": {"en": "Price", "de": "Preis"}},
                    {"id": "speed", "label": {"en": "Speed", "de": "Tempo"}},
                ],
                "bands": ["low", "mid"],
            },
            "texts": {"de": {"send": "Abschicken"}},
        },
    )
    assert made.status_code == 201, made.text
    # the page's own CSP would refuse the injected axe-core script
    context = browser.new_context(
        bypass_csp=True, color_scheme=scheme, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        log_in(page, collector, account)
        page.goto(f"{collector.url}/dashboard/surveys/{made.json()['id']}")
        page.get_by_role("group", name="Preview language").get_by_role(
            "radio", name="German"
        ).check()
        page.get_by_role("radio", name="Low score").check()
        preview = page.locator("[data-preview]")
        expect(preview.get_by_text("Was lief schief?")).to_be_visible()
        expect(preview.get_by_role("button", name="Preis")).to_be_visible()
        expect(preview.get_by_role("button", name="Abschicken")).to_be_visible()
        page.wait_for_timeout(300)
        assert dashboard_axe(page) == []
        shoot(page, f"editor-card-{width}-{scheme}", full_page=True)
    finally:
        context.close()
