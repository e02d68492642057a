"""The survey editor and the settings form keep what they are given and say plainly what is wrong."""

# ruff: noqa: F811

from __future__ import annotations

import html
import re

# the dashboard tests' fixtures (account, user) are used by name
from tests.api.test_dashboard import account, rows, text, token, user  # noqa: F401


def form_fields(page: str) -> dict[str, str]:
    """The form as the browser would post it back: every named input with its value."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]+)"', tag)
        if not name or re.search(r'type="(radio|checkbox|submit)"', tag):
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, checked in re.findall(r'<input[^>]*name="(kind|active)"[^>]*?( checked)?[ />]', page):
        if checked:
            fields[name] = "on" if name == "active" else fields.get(name, "")
    return fields


def test_an_edit_of_the_name_keeps_german_and_french_texts(user, site):
    made = user.post(
        "/v1/surveys",
        headers=site.auth,
        json={
            "kind": "csat",
            "question": {"en": "How was it?", "de": "Wie war es?", "fr": "C'était comment ?"},
            "followup": {"en": "Why?", "de": "Warum?"},
            "trigger_events": ["invoice.paid"],
        },
    )
    survey_id = made.get_json()["id"]
    path = f"/dashboard/surveys/{survey_id}"
    page = text(user.get(path))
    assert 'id="question_de"' in page and 'id="question_fr"' in page  # shown, so kept
    fields = form_fields(page)
    assert fields["question_de"] == "Wie war es?"
    fields.update(name="Invoices", active="on", csrf_token=token(user, path))
    resp = user.post(path, data=fields)
    assert resp.status_code == 302, text(resp)
    got = user.get(f"/v1/surveys/{survey_id}", headers=site.auth).get_json()
    assert got["name"] == "Invoices"
    assert got["question"] == {"en": "How was it?", "de": "Wie war es?", "fr": "C'était comment ?"}
    assert got["followup"] == {"en": "Why?", "de": "Warum?"}


def post_new(user, **fields):
    data = {
        "kind": "csat",
        "question_en": "How was it?",
        "sample_rate": "1",
        "delay_ms": "0",
        "recontact_days": "90",
        "dismiss_snooze_days": "30",
        "priority": "0",
        "active": "on",
        **fields,
        "csrf_token": token(user, "/dashboard/surveys/new"),
    }
    return user.post("/dashboard/surveys/new", data=data)


def test_a_trigger_with_a_space_is_a_field_error_not_two_events(user):
    resp = post_new(user, trigger_events="invoice paid, ticket.closed")
    assert resp.status_code == 422
    page = text(resp)
    assert re.search(r'id="trigger_events"[^>]*aria-invalid="true"', page)
    error = re.search(r'id="trigger_events-error">.*?<span>(.*?)</span>', page, re.S).group(1)
    assert "one word" in error and "invoice.paid" in error
    assert 'value="invoice paid, ticket.closed"' in page  # as typed


def test_events_are_split_on_commas_and_lines_only(user, site):
    resp = post_new(user, trigger_events="invoice.paid,ticket.closed\nplan.upgraded")
    assert resp.status_code == 302
    survey_id = resp.headers["Location"].split("/")[-1].split("?")[0]
    got = user.get(f"/v1/surveys/{survey_id}", headers=site.auth).get_json()
    assert got["trigger_events"] == ["invoice.paid", "ticket.closed", "plan.upgraded"]


def test_messages_read_as_sentences(user):
    page = text(post_new(user, delay_ms="900000", question_en="", sample_rate="5"))
    assert "At most 10 minutes" in page
    assert "less than or equal" not in page and "600000." not in page.replace("600000 ms", "")
    assert "An English text is required" in page
    assert "`" not in re.sub(r"<code>.*?</code>", "", page)


def test_a_sample_rate_under_one_percent_warns_how_rarely_it_asks(user):
    resp = post_new(user, sample_rate="0.002")
    survey_page = user.get(resp.headers["Location"])
    assert "About 1 in 500 eligible users will be asked." in text(survey_page)
    page = text(post_new(user, sample_rate="0.5", name="Half"))
    assert "eligible users will be asked" not in page


def test_the_settings_origin_list_names_the_bad_line(user):
    data = {
        "name": "Acme",
        "allowed_origins": "https://app.acme.test\nhttps://admin.acme.test\nnot a url",
        "cooldown_days": "7",
        "default_locale": "en",
        "csrf_token": token(user, "/dashboard/settings"),
    }
    resp = user.post("/dashboard/settings", data=data)
    assert resp.status_code == 422
    page = text(resp)
    assert "Line 3 (not a url):" in page
    assert re.search(r'id="allowed_origins"[^>]*aria-invalid="true"', page)


def test_a_paused_surveys_results_stay_on_the_overview(user, site, rows):
    paused = rows.survey("csat", name="Old checkout", active=False)
    rows.responses(paused, [{"score": s} for s in (5, 4, 2)])
    rows.survey("nps", name="Relationship NPS")
    page = text(user.get("/dashboard/"))
    assert "Old checkout" in page and 'class="badge paused">Paused<' in page
    assert page.index("Relationship NPS") < page.index("Old checkout")  # active ones first
    assert 'data-n="3"' in page


def ticked_bands(page: str) -> list[str]:
    """The follow-up bands ticked on the editor, as the browser would post them."""
    found = []
    for tag in re.findall(r'<input\b[^>]*name="followup_bands"[^>]*>', page):
        if " checked" in tag:
            found.append(re.search(r'value="([^"]+)"', tag).group(1))
    return found


def band_labels(page: str) -> list[str]:
    """The visible words of each band's checkbox label (the survey's kind)."""
    labels = re.findall(r'<label for="followup_bands_\w+">(.*?)</label>', page, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", label).split()) for label in labels]


def test_the_editor_keeps_the_follow_up_policy_after_an_edit(user, site):
    made = user.post(
        "/v1/surveys",
        headers=site.auth,
        json={"kind": "nps", "question": {"en": "Recommend us?"}, "followup_bands": ["low", "mid"]},
    )
    survey_id = made.get_json()["id"]
    path = f"/dashboard/surveys/{survey_id}"
    page = text(user.get(path))
    assert band_labels(page) == ["Detractors 0–6", "Passives 7–8", "Promoters 9–10"]
    assert ticked_bands(page) == ["low", "mid"]

    # Another field changes; the page's ticks go back as they are.
    fields = {**form_fields(page), "followup_bands": ticked_bands(page), "name": "Recommend"}
    fields["csrf_token"] = token(user, path)
    assert user.post(path, data=fields).status_code == 302
    got = user.get(f"/v1/surveys/{survey_id}", headers=site.auth).get_json()
    assert (got["name"], got["followup_bands"]) == ("Recommend", ["low", "mid"])
    assert ticked_bands(text(user.get(path))) == ["low", "mid"]

    # Unticking every band is a policy too: nothing opens a follow-up.
    fields = {**form_fields(text(user.get(path))), "csrf_token": token(user, path)}
    assert user.post(path, data=fields).status_code == 302
    assert (
        user.get(f"/v1/surveys/{survey_id}", headers=site.auth).get_json()["followup_bands"] == []
    )


def test_a_new_survey_starts_with_low_scores_ticked_and_keeps_what_is_ticked(user, site):
    page = text(user.get("/dashboard/surveys/new"))
    assert ticked_bands(page) == ["low"]
    # Each kind's names are there for the kind picked on the page.
    assert "Dissatisfied 1–2" in page and "Difficult 1–3" in page and "Detractors 0–6" in page

    resp = post_new(user, kind="ces", followup_bands=["low", "high"])
    assert resp.status_code == 302, text(resp)
    survey_id = resp.headers["Location"].split("/surveys/")[1].split("?")[0]
    got = user.get(f"/v1/surveys/{survey_id}", headers=site.auth).get_json()
    assert got["followup_bands"] == ["low", "high"]
    page = text(user.get(f"/dashboard/surveys/{survey_id}"))
    assert band_labels(page) == ["Difficult 1–3", "Neutral 4", "Easy 5–7"]


def test_a_refused_survey_keeps_the_ticks_and_a_forged_band_is_a_field_error(user, site):
    resp = post_new(user, question_en="", followup_bands=["mid", "high"])
    assert resp.status_code == 422
    assert ticked_bands(text(resp)) == ["mid", "high"]

    resp = post_new(user, followup_bands=["low", "neutral"])
    assert resp.status_code == 422
    page = text(resp)
    assert re.search(r'id="followup_bands-error">.*?low, mid or high', page, re.S), page[-3000:]
    assert user.get("/v1/surveys", headers=site.auth).get_json()["data"] == []


# -- follow-ups by band, reasons and texts (_editor_texts.html) --------------------------------


def test_the_editor_saves_band_follow_ups_reasons_and_texts_and_shows_them_again(user, site):
    resp = post_new(
        user,
        kind="nps",
        card_fields="1",
        band_low_en="What went wrong?",
        band_high_en="What do you like most?",
        reason_label_0_en="Price",
        reason_id_1="slow",
        reason_label_1_en="Too slow",
        reasons_multiple="on",
        reasons_bands="low",
        text_de_send="Abschicken",
    )
    assert resp.status_code == 302, text(resp)
    survey = user.get("/v1/surveys", headers=site.auth).get_json()["data"][0]
    assert survey["followup_by_band"] == {
        "low": {"en": "What went wrong?"},
        "high": {"en": "What do you like most?"},
    }
    assert survey["reasons"] == {
        "choices": [
            {"id": "price", "label": {"en": "Price"}},
            {"id": "slow", "label": {"en": "Too slow"}},
        ],
        "multiple": True,
        "bands": ["low"],
    }
    assert survey["texts"] == {"de": {"send": "Abschicken"}}
    page = text(user.get(resp.headers["Location"]))
    fields = form_fields(page)
    assert (fields["band_low_en"], fields["reason_id_1"], fields["text_de_send"]) == (
        "What went wrong?",
        "slow",
        "Abschicken",
    )
    assert 'id="text_de_close"' in page and 'placeholder="Schließen"' in page


def test_add_a_language_shows_its_fields_without_saving_and_keeps_what_was_typed(user, site):
    resp = post_new(
        user, card_fields="1", band_low_en="What went wrong?", add_locale="pt_br", add_language="1"
    )
    assert resp.status_code == 200
    page = text(resp)
    assert 'id="question_bands"' not in page  # the follow-up policy is no language
    for field in ("question_pt-BR", "band_low_pt-BR", "reason_label_0_pt-BR", "text_pt-BR_close"):
        assert f'id="{field}"' in page, field
    assert "every text needed" in page
    assert form_fields(page)["band_low_en"] == "What went wrong?"
    assert user.get("/v1/surveys", headers=site.auth).get_json()["data"] == []
    bad = post_new(user, card_fields="1", add_locale="Portuguese", add_language="1")
    assert bad.status_code == 422
    assert re.search(r'id="add_locale"[^>]*aria-invalid="true"', text(bad))


def test_bad_reasons_and_texts_are_field_errors_in_the_editor(user, site):
    twice = post_new(user, card_fields="1", reason_label_0_en="Price", reason_label_1_en="Price")
    assert twice.status_code == 422
    assert re.search(r'id="reasons-choices-error">.*?twice', text(twice), re.S)
    half = post_new(user, card_fields="1", text_xx_send="Go")
    assert half.status_code == 422
    assert re.search(r'id="texts-error">.*?xx has no built-in texts', text(half), re.S)
    assert 'value="Go"' in text(half)
    assert user.get("/v1/surveys", headers=site.auth).get_json()["data"] == []
