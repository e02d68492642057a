"""The survey editor's e-mail preview: the survey e-mail as a person gets it, made by the same
``survey_mail.compose``, for the saved survey and for the editor's unsaved fields, in a frame the
editor may show and nothing else may."""

# ruff: noqa: F811

from __future__ import annotations

import html
import re

from tests.api.test_dashboard import account, text, token, user  # noqa: F401

QUESTION = {"en": "How likely are you to recommend Acme?", "fi": "Suosittelisitko Acmea?"}


def nps(user, site) -> str:
    user.patch("/v1/site", headers=site.auth, json={"theme": {"accent": "#0f766e"}})
    made = user.post(
        "/v1/surveys",
        headers=site.auth,
        json={"kind": "nps", "question": QUESTION, "trigger_events": []},
    )
    return made.get_json()["id"]


def shown_mail(page: str) -> str:
    """The HTML part inside the preview's frame (its ``srcdoc``)."""
    return html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))


def test_the_preview_shows_the_question_eleven_score_links_and_the_accent(user, site):
    survey_id = nps(user, site)
    resp = user.get(f"/dashboard/surveys/mail-preview?survey={survey_id}")
    assert resp.status_code == 200
    page = text(resp)
    assert f'<strong id="subject">{QUESTION["en"]}</strong>' in page
    mail = shown_mail(page)
    assert f">{QUESTION['en']}</h1>" in mail
    scores = re.findall(r'href="[^"]*/r/[^"?]+\?score=(\d+)"', mail)
    assert scores == [str(n) for n in range(11)]
    assert mail.count("background:#0f766e") == 11
    assert "Unsubscribe from survey e-mails" in mail
    assert '<base target="_blank">' in mail  # and the frame's sandbox has no popups: inert


def test_the_preview_follows_the_editors_unsaved_question_and_language(user, site):
    survey_id = nps(user, site)
    path = f"/dashboard/surveys/{survey_id}"
    fields = {
        "csrf_token": token(user, path),
        "question_en": "Would you tell a friend about Acme?",
        "question_fi": "Kertoisitko ystävälle Acmesta?",
        "mail_locale": "fi",
    }
    resp = user.post(f"/dashboard/surveys/mail-preview?survey={survey_id}", data=fields)
    assert resp.status_code == 200, text(resp)
    page = text(resp)
    assert "Kertoisitko ystävälle Acmesta?" in shown_mail(page)
    assert "Peru kyselyviestit" in shown_mail(page)  # the Finnish texts
    fields["mail_part"] = "text"
    page = text(user.post(f"/dashboard/surveys/mail-preview?survey={survey_id}", data=fields))
    assert "srcdoc" not in page
    assert re.search(r"^9: http\S+/r/\S+\?score=9$", html.unescape(page), re.M)
    # Nothing was saved.
    got = user.get(f"/v1/surveys/{survey_id}", headers=site.auth).get_json()
    assert got["question"] == QUESTION


def test_the_preview_may_be_framed_by_the_editor_only_and_runs_nothing(user, site):
    survey_id = nps(user, site)
    resp = user.get(f"/dashboard/surveys/mail-preview?survey={survey_id}")
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    policy = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "sandbox" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    editor = user.get(f"/dashboard/surveys/{survey_id}")
    assert "frame-src 'self'" in editor.headers["Content-Security-Policy"]
    assert editor.headers["X-Frame-Options"] == "DENY"
    assert 'sandbox="" title="Preview of the survey e-mail"' in text(editor)


def test_a_new_survey_previews_before_it_has_a_question(user, site):
    resp = user.get("/dashboard/surveys/mail-preview")
    assert resp.status_code == 200
    assert "Your question appears here." in shown_mail(text(resp))


def test_a_bad_language_or_part_is_refused_without_a_500(user, site):
    survey_id = nps(user, site)
    path = f"/dashboard/surveys/mail-preview?survey={survey_id}"
    for bad in ({"mail_locale": "../etc"}, {"mail_part": "pdf"}):
        resp = user.post(path, data={"csrf_token": token(user, "/dashboard/"), **bad})
        assert resp.status_code == 422
        assert "The preview cannot be shown" in text(resp)
    # The editor's other fields are not the preview's business, however wrong.
    odd = {"sample_rate": "lots", "schedule": "on", "schedule_every_days": "x", "mail_part": "text"}
    resp = user.post(path, data={"csrf_token": token(user, "/dashboard/"), **odd})
    assert resp.status_code == 200 and "?score=10" in text(resp)
    no_token = user.post(path, data={"question_en": "Hi"})
    assert no_token.status_code == 400  # the session's CSRF token, as every dashboard form


def test_another_sites_survey_is_not_found(user, site, app):
    from collector import db
    from collector.services import sites, surveys

    with app.app_context():
        other = sites.create(db.session(), name="Other", origins=[])
        theirs = surveys.create(
            db.session(),
            sites.by_public_key(db.session(), other.to_dict()["public_key"]),
            {"kind": "nps", "question": {"en": "Secret question?"}, "trigger_events": []},
        )
        theirs_id = theirs.id
    resp = user.get(f"/dashboard/surveys/mail-preview?survey={theirs_id}")
    assert resp.status_code == 404
    assert "Secret question?" not in text(resp)
