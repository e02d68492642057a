"""What the card says and asks (DESIGN §13): texts for any locale, follow-ups by band, reasons,
and a score changed before Send. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from collector import db
from collector.domain import texts
from collector.models import OutboxEvent, ResponseReason
from tests.api.prompting import (
    DAY,
    SECOND,
    answer,
    ask,
    assert_error,
    call,
    frozen_clock,
    make_survey,
    rows,
    visitor,
)

GERMAN = {
    "close": "Zumachen",
    "send": "Abschicken",
    "skip": "Nicht jetzt",
    "thanks": "Danke schön!",
    "placeholder": "Noch etwas? (freiwillig)",
    "followup": "Woran lag es?",
    "low_label": "Gar nicht",
    "high_label": "Auf jeden Fall",
}
REASONS = {
    "choices": [
        {"id": "price", "label": {"en": "Price", "de": "Preis"}},
        {"id": "speed", "label": {"en": "Speed", "de": "Tempo"}},
        {"id": "support", "label": {"en": "Support", "de": "Support"}},
    ],
    "multiple": True,
}
BY_BAND = {
    "low": {"en": "What went wrong?", "de": "Was lief schief?"},
    "high": {"en": "What do you like most?"},
}


@pytest.fixture
def clock(monkeypatch):
    return frozen_clock(monkeypatch)


def nps(client, site, **fields):
    return make_survey(
        client,
        site,
        "nps",
        question={"en": "Would you recommend Acme?", "de": "Würden Sie Acme empfehlen?"},
        **fields,
    )


OTHER = "https://other.example.org"


def patch(client, prompt, response_id, origin=None, **body):
    return call(
        client,
        f"/v1/widget/responses/{response_id}",
        {"token": prompt["token"], **body},
        method="PATCH",
        **({"origin": origin} if origin else {}),
    )


def events(app, subject_id):
    with app.app_context():
        stmt = select(OutboxEvent.type).where(OutboxEvent.subject_id == subject_id)
        return list(db.session().scalars(stmt.order_by(OutboxEvent.created_at)))


# -- texts ----------------------------------------------------------------------------------


def test_a_german_card_has_every_string_from_the_surveys_texts(client, site):
    nps(client, site, texts={"de": GERMAN}, followup={"en": "Why?", "de": "Warum?"})
    prompt = ask(client, site, locale="de-DE")
    assert prompt["locale"] == "de"
    assert prompt["question"] == "Würden Sie Acme empfehlen?"
    assert prompt["followup"] == "Warum?"
    assert prompt["texts"] == {
        k: GERMAN[k] for k in ("close", "send", "skip", "thanks", "placeholder")
    }
    assert (prompt["scale"]["low_label"], prompt["scale"]["high_label"]) == (
        "Gar nicht",
        "Auf jeden Fall",
    )


def test_built_in_german_texts_come_without_any_texts_given(client, site):
    nps(client, site)
    prompt = ask(client, site, locale="de")
    assert prompt["texts"]["close"] == "Schließen"
    assert prompt["followup"] == "Was ist der wichtigste Grund für Ihre Bewertung?"
    assert prompt["scale"]["high_label"] == "Äußerst wahrscheinlich"


def test_a_locale_without_texts_falls_back_to_the_sites_default_as_a_whole(client, site):
    client.patch("/v1/site", json={"default_locale": "de"}, headers=site.auth)
    make_survey(
        client,
        site,
        "nps",
        question={"en": "Recommend?", "de": "Empfehlen?", "pt-BR": "Recomendaria?"},
    )
    prompt = ask(client, site, locale="pt-BR")
    assert prompt["locale"] == "de"
    assert prompt["question"] == "Empfehlen?"
    assert prompt["texts"]["send"] == "Senden"


def test_the_sites_texts_make_a_new_locale_and_a_surveys_texts_win_over_them(client, site):
    portuguese = {key: f"[pt] {key}" for key in texts.CARD_KEYS}
    resp = client.patch("/v1/site", json={"texts": {"pt-BR": portuguese}}, headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["texts"] == {"pt-BR": portuguese}
    make_survey(
        client,
        site,
        "nps",
        question={"en": "Recommend?", "pt-BR": "Recomendaria?"},
        texts={"pt-BR": {"send": "Enviar"}},
    )
    prompt = ask(client, site, locale="pt-BR")
    assert prompt["locale"] == "pt-BR"
    assert prompt["texts"]["send"] == "Enviar"
    assert prompt["texts"]["close"] == "[pt] close"
    assert prompt["followup"] == "[pt] followup"


def test_the_default_locale_may_be_any_language_tag(client, site):
    for tag in ("pt-BR", "zh-Hant", "es-419", "nb"):
        resp = client.patch("/v1/site", json={"default_locale": tag}, headers=site.auth)
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["default_locale"] == tag


@pytest.mark.parametrize(
    ("bad", "param"),
    [
        ({"Deutsch": {"send": "Los"}}, "texts.Deutsch"),
        ({"de": {"submit": "Los"}}, "texts.de.submit"),
        ({"de": {"send": ""}}, "texts.de.send"),
        ({"de": {"send": 5}}, "texts.de.send"),
        ({"de": "Los"}, "texts.de"),
    ],
)
def test_bad_texts_are_refused_naming_the_text(client, site, bad, param):
    body = {"kind": "csat", "question": {"en": "How was it?"}, "texts": bad}
    resp = client.post("/v1/surveys", json=body, headers=site.auth)
    assert_error(resp, 422, "validation_failed", param)
    assert_error(client.patch("/v1/site", json={"texts": bad}, headers=site.auth), 422, param=param)


def test_a_new_locale_needs_every_text_of_the_card_never_half_in_english(client, site):
    partial = {"pt-BR": {"send": "Enviar"}}
    resp = client.patch("/v1/site", json={"texts": partial}, headers=site.auth)
    assert_error(resp, 422, "validation_failed", "texts.pt-BR.close")
    body = {"kind": "csat", "question": {"en": "How was it?"}, "texts": partial}
    err = assert_error(client.post("/v1/surveys", json=body, headers=site.auth), 422)
    assert (err["code"], err["param"]) == ("incomplete_texts", "texts")
    assert "close" in err["message"]
    whole = {"pt-BR": {key: f"[pt] {key}" for key in texts.CARD_KEYS}}
    assert client.patch("/v1/site", json={"texts": whole}, headers=site.auth).status_code == 200
    assert client.post("/v1/surveys", json=body, headers=site.auth).status_code == 201


# -- follow-ups by band ---------------------------------------------------------------------


def test_the_prompt_carries_each_bands_followup_and_where_the_bands_are(client, site):
    nps(client, site, followup={"en": "Why that score?"}, followup_by_band=BY_BAND)
    prompt = ask(client, site)
    assert prompt["followup_by_band"] == {
        "low": "What went wrong?",
        "mid": "Why that score?",
        "high": "What do you like most?",
    }
    assert prompt["scale"]["bands"] == {"low": [0, 6], "mid": [7, 8], "high": [9, 10]}
    german = ask(client, site, user_id="u2", locale="de")
    # a band without the locale asks the plain follow-up, in that locale
    assert german["followup_by_band"]["low"] == "Was lief schief?"
    assert german["followup_by_band"]["high"] == german["followup"]


@pytest.mark.parametrize(
    ("bad", "param"),
    [
        ({"worst": {"en": "Why?"}}, "followup_by_band.worst"),
        ({"low": {"fi": "Miksi?"}}, "followup_by_band.low"),
        ({"low": "Why?"}, "followup_by_band.low"),
    ],
)
def test_bad_followups_by_band_are_refused(client, site, bad, param):
    body = {"kind": "nps", "question": {"en": "Recommend?"}, "followup_by_band": bad}
    err = assert_error(client.post("/v1/surveys", json=body, headers=site.auth), 422)
    assert err["param"].startswith(param), err


# -- reasons: the survey ----------------------------------------------------------------------


def test_reasons_come_with_the_prompt_labelled_in_its_locale(client, site):
    nps(client, site, reasons={**REASONS, "bands": ["low", "mid"]})
    prompt = ask(client, site, locale="de")
    assert prompt["reasons"] == {
        "multiple": True,
        "bands": ["low", "mid"],
        "choices": [
            {"id": "price", "label": "Preis"},
            {"id": "speed", "label": "Tempo"},
            {"id": "support", "label": "Support"},
        ],
    }


@pytest.mark.parametrize(
    ("bad", "param", "code"),
    [
        ({"choices": REASONS["choices"][:1]}, "reasons.choices", "validation_failed"),
        ({"choices": REASONS["choices"] * 3}, "reasons.choices", "validation_failed"),
        (
            {"choices": [{"id": "Price!", "label": {"en": "Price"}}] * 2},
            "reasons.choices.0.id",
            None,
        ),
        ({"choices": [{"id": "a", "label": {"fi": "Hinta"}}] * 2}, "reasons.choices.0.label", None),
        ({**REASONS, "bands": ["worst"]}, "reasons.bands.0", "validation_failed"),
        ({**REASONS, "bands": []}, "reasons.bands", "validation_failed"),
        (
            {"choices": [{"id": "price", "label": {"en": "Price"}}] * 2},
            "reasons.choices",
            "duplicate_reason",
        ),
    ],
)
def test_bad_reasons_are_refused_naming_the_field(client, site, bad, param, code):
    body = {"kind": "nps", "question": {"en": "Recommend?"}, "reasons": bad}
    assert_error(client.post("/v1/surveys", json=body, headers=site.auth), 422, code, param)
    made = nps(client, site)
    resp = client.patch(f"/v1/surveys/{made['id']}", json={"reasons": bad}, headers=site.auth)
    assert_error(resp, 422, code, param)


# -- a score changed before Send, and the reasons ------------------------------------------------


def test_a_changed_score_replaces_the_first_and_its_follow_up_status(client, site):
    nps(client, site)
    prompt = ask(client, site)
    rid = answer(client, prompt, 2).get_json()["id"]
    assert rows(client.application)[0].followup_status == "open"
    resp = patch(client, prompt, rid, score=9)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["score"] == 9
    stored = client.get(f"/v1/responses/{rid}", headers=site.auth).get_json()
    assert (stored["score"], stored["followup_status"]) == (9, "none")
    assert events(client.application, rid) == ["response.created", "response.updated"]


def test_a_changed_score_must_be_on_the_surveys_scale(client, site):
    make_survey(client, site, "csat")
    prompt = ask(client, site)
    rid = answer(client, prompt, 2).get_json()["id"]
    for bad in (6, 0, "5", True):
        assert_error(patch(client, prompt, rid, score=bad), 422, "validation_failed", "score")
    assert rows(client.application)[0].score == 2
    assert events(client.application, rid) == ["response.created"]


def test_reasons_are_stored_and_shown_on_the_response(client, site):
    nps(client, site, reasons=REASONS)
    prompt = ask(client, site)
    rid = answer(client, prompt, 3).get_json()["id"]
    resp = patch(client, prompt, rid, reasons=["speed", "price"], comment="Slow and dear")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["reasons"] == ["price", "speed"]
    stored = client.get(f"/v1/responses/{rid}", headers=site.auth).get_json()
    assert (stored["reasons"], stored["comment"]) == (["price", "speed"], "Slow and dear")
    listed = client.get("/v1/responses", headers=site.auth).get_json()["data"]
    assert listed[0]["reasons"] == ["price", "speed"]
    patch(client, prompt, rid, reasons=["support"])
    assert client.get(f"/v1/responses/{rid}", headers=site.auth).get_json()["reasons"] == [
        "support"
    ]


def test_the_webhook_payload_carries_the_reasons(client, site):
    from collector import outbox

    nps(client, site, reasons=REASONS)
    prompt = ask(client, site)
    rid = answer(client, prompt, 3).get_json()["id"]
    patch(client, prompt, rid, reasons=["price"])
    with client.application.app_context():
        session = db.session()
        event = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "response.updated")
        ).one()
        assert outbox.render(session, event)["reasons"] == ["price"]


@pytest.mark.parametrize(
    ("fields", "chosen", "param"),
    [
        ({"reasons": REASONS}, ["cheap"], "reasons.0"),
        ({"reasons": {**REASONS, "multiple": False}}, ["price", "speed"], "reasons"),
        ({"reasons": {**REASONS, "bands": ["high"]}}, ["price"], "reasons"),
        ({}, ["price"], "reasons"),
    ],
)
def test_only_the_surveys_own_reasons_are_taken(client, site, fields, chosen, param):
    nps(client, site, **fields)
    prompt = ask(client, site)
    rid = answer(client, prompt, 3).get_json()["id"]
    assert_error(patch(client, prompt, rid, reasons=chosen), 422, "validation_failed", param)
    with client.application.app_context():
        assert db.session().scalars(select(ResponseReason)).all() == []


def test_a_score_moved_out_of_the_reasons_bands_drops_them(client, site):
    nps(client, site, reasons={**REASONS, "bands": ["low"]})
    prompt = ask(client, site)
    rid = answer(client, prompt, 3).get_json()["id"]
    assert patch(client, prompt, rid, reasons=["price"]).status_code == 200
    assert patch(client, prompt, rid, score=10).get_json()["reasons"] == []


def test_a_change_needs_something_to_change(client, site):
    nps(client, site)
    prompt = ask(client, site)
    rid = answer(client, prompt, 3).get_json()["id"]
    assert_error(patch(client, prompt, rid), 422, "validation_failed", "comment")


def test_another_sites_prompt_cannot_change_an_answer(client, site, other_site):
    nps(client, site, reasons=REASONS)
    nps(client, other_site, reasons=REASONS)
    mine = ask(client, site)
    event = {**visitor(other_site), "event": "invoice.paid"}
    theirs = call(client, "/v1/widget/events", event, origin=OTHER).get_json()["prompt"]
    rid = answer(client, mine, 3).get_json()["id"]
    assert_error(patch(client, theirs, rid, origin=OTHER, score=10), 404)
    assert_error(patch(client, theirs, rid, origin=OTHER, reasons=["price"]), 404)
    assert rows(client.application)[0].score == 3
    other = client.get(f"/v1/responses/{rid}", headers=other_site.auth)
    assert_error(other, 404)


def test_the_score_and_reasons_change_up_to_24_hours_after_the_score(client, site, clock):
    nps(client, site, reasons=REASONS)
    prompt = ask(client, site)
    rid = answer(client, prompt, 3).get_json()["id"]
    clock.now += DAY - SECOND
    assert patch(client, prompt, rid, score=4).status_code == 200
    clock.now += SECOND
    assert_error(patch(client, prompt, rid, score=5), 409, "comment_window_closed", "score")
    assert_error(patch(client, prompt, rid, reasons=["price"]), 409, param="reasons")
    assert rows(client.application)[0].score == 4
