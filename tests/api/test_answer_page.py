"""The hosted answer page of an e-mail link, end to end with the Flask client."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from collector.domain.tokens import PromptTokens
from collector.models import Response
from tests.api.prompting import (
    DAY,
    SECOND,
    ask,
    count,
    frozen_clock,
    make_survey,
    rows,
)


@pytest.fixture
def clock(monkeypatch):
    return frozen_clock(monkeypatch)


class Page(HTMLParser):
    """The parts of the page a person (and a screen reader) meets."""

    def __init__(self, html: str):
        super().__init__()
        self.html_lang = None
        self.links: list[dict] = []
        self.headings: list[str] = []
        self.forms: list[dict] = []
        self.textareas: list[dict] = []
        self.scripts = 0
        self.inline_styles: list[str] = []
        self._in: str | None = None
        self._text: list[str] = []
        self._style = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "a":
            self.links.append(a)
        elif tag == "h1":
            self._in, self._text = "h1", []
        elif tag == "form":
            self.forms.append(a)
        elif tag == "textarea":
            self.textareas.append(a)
        elif tag == "script":
            self.scripts += 1
        elif tag == "style":
            self._style = True
        if "style" in a:
            self.inline_styles.append(a["style"])

    def handle_endtag(self, tag):
        if tag == "h1" and self._in == "h1":
            self.headings.append("".join(self._text).strip())
            self._in = None
        if tag == "style":
            self._style = False

    def handle_data(self, data):
        if self._in:
            self._text.append(data)
        if self._style:
            self.inline_styles.append(data)


def link_prompt(client, site, kind: str = "nps", user_id: str = "mail1", **fields) -> str:
    survey = make_survey(client, site, kind, trigger_events=[], **fields)
    body = {"user_id": user_id, "survey": survey["id"], "channel": "link"}
    resp = client.post("/v1/prompts", json=body, headers=site.auth)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["url"]


def path_of(url: str) -> str:
    return url.removeprefix("http://localhost")


def test_the_link_flow_from_email_click_to_thanks(client, site):
    url = path_of(link_prompt(client, site))
    first = client.get(url)
    assert first.status_code == 200
    page = Page(first.get_data(as_text=True))
    assert page.headings == ["How likely are you to recommend Acme to a friend?"]
    assert [a["href"] for a in page.links] == [f"?score={n}" for n in range(11)]
    assert count(client.application) == 0  # opening the page records nothing

    # The e-mail's own link for 9: one click, one GET.
    scored = client.get(url + "?score=9")
    assert scored.status_code == 200
    [row] = rows(client.application)
    assert (row.score, row.user_id, row.event) == (9, "mail1", None)
    assert row.id.startswith("rsp_")
    page = Page(scored.get_data(as_text=True))
    assert page.textareas and page.textareas[0]["name"] == "comment"
    assert next(a for a in page.links if a.get("aria-current") == "true")["href"] == "?score=9"

    sent = client.post(url, data={"comment": "Reminders are great."})
    assert sent.status_code == 303
    thanks = client.get(sent.headers["Location"])
    assert thanks.status_code == 200
    assert Page(thanks.get_data(as_text=True)).headings == ["Thank you for your feedback!"]
    [row] = rows(client.application)
    assert (row.score, row.comment) == (9, "Reminders are great.")
    prompt = client.get(f"/v1/prompts/{row.prompt_id}", headers=site.auth).get_json()
    assert prompt["status"] == "answered"
    assert prompt["shown_at"] is not None


def test_the_same_click_twice_records_one_answer(client, site):
    url = path_of(link_prompt(client, site))
    assert client.get(url + "?score=7").status_code == 200
    assert client.get(url + "?score=7").status_code == 200
    assert [r.score for r in rows(client.application)] == [7]


def test_a_later_click_replaces_a_scanners_prefetch_until_the_comment(client, site, clock):
    url = path_of(link_prompt(client, site))
    for score in range(11):  # a mail scanner opening every link
        client.get(url + f"?score={score}")
        clock.now += SECOND / 10
    clock.now += 3 * SECOND
    assert client.get(url + "?score=8").status_code == 200  # the person's own click
    assert [r.score for r in rows(client.application)] == [8]
    client.post(url, data={"comment": "ok"})
    final = client.get(url + "?score=2")
    assert final.status_code == 409
    assert "You already answered 8" in final.get_data(as_text=True)
    assert [r.score for r in rows(client.application)] == [8]


def test_another_score_is_final_after_the_comment_window(client, site, clock):
    url = path_of(link_prompt(client, site))
    client.get(url + "?score=3")
    clock.now += DAY
    assert client.get(url + "?score=10").status_code == 409
    assert client.get(url).status_code == 200  # the thanks, still
    assert [r.score for r in rows(client.application)] == [3]


def test_a_head_request_never_records(client, site):
    url = path_of(link_prompt(client, site))
    assert client.head(url + "?score=5").status_code == 200
    assert count(client.application) == 0


def test_an_empty_comment_still_ends_with_thanks(client, site):
    url = path_of(link_prompt(client, site))
    client.get(url + "?score=6")
    sent = client.post(url, data={"comment": "   "})
    assert sent.status_code == 303
    page = Page(client.get(sent.headers["Location"]).get_data(as_text=True))
    assert page.headings == ["Thank you for your feedback!"]
    assert rows(client.application)[0].comment is None


def test_a_comment_over_2000_characters_is_sent_back(client, site):
    url = path_of(link_prompt(client, site))
    client.get(url + "?score=6")
    resp = client.post(url, data={"comment": "x" * 2001})
    assert resp.status_code == 422
    assert "at most 2000 characters" in resp.get_data(as_text=True)
    assert rows(client.application)[0].comment is None


@pytest.mark.parametrize("bad", ["11", "-1", "abc", "4.5", ""])
def test_a_score_off_the_scale_shows_the_question_again(client, site, bad):
    url = path_of(link_prompt(client, site))
    resp = client.get(url + f"?score={bad}")
    assert resp.status_code == 422
    assert "Please choose a score from 0 to 10." in resp.get_data(as_text=True)
    assert count(client.application) == 0


def test_the_page_speaks_the_prompts_locale_and_lang_overrides_it(client, site):
    survey = make_survey(
        client,
        site,
        "csat",
        trigger_events=[],
        question={"en": "How satisfied are you?", "fi": "Kuinka tyytyväinen olet?"},
    )
    body = {"user_id": "u1", "survey": survey["id"], "channel": "link", "locale": "fi"}
    url = path_of(client.post("/v1/prompts", json=body, headers=site.auth).get_json()["url"])
    fi = client.get(url)
    page = Page(fi.get_data(as_text=True))
    assert page.html_lang == "fi"
    assert page.headings == ["Kuinka tyytyväinen olet?"]
    assert "1 asteikolla 1–5: Erittäin tyytymätön" in [a["aria-label"] for a in page.links]

    sv = Page(client.get(url + "?lang=sv").get_data(as_text=True))
    assert sv.html_lang == "sv"
    assert sv.headings == ["How satisfied are you?"]  # no Swedish question: English, marked so
    assert 'lang="en"' in client.get(url + "?lang=sv").get_data(as_text=True)
    assert sv.links[0]["href"] == "?score=1&lang=sv"

    client.get(url + "?score=4&lang=en")
    assert rows(client.application)[0].locale == "en"


def test_every_score_link_has_an_accessible_name(client, site):
    url = path_of(link_prompt(client, site, "ces"))
    page = Page(client.get(url).get_data(as_text=True))
    labels = [a["aria-label"] for a in page.links]
    assert labels[0] == "1 on a scale from 1 to 7: Strongly disagree"
    assert labels[3] == "4 on a scale from 1 to 7"
    assert labels[-1] == "7 on a scale from 1 to 7: Strongly agree"


def test_the_page_has_a_strict_csp_no_script_and_its_own_stylesheet(client, site):
    url = path_of(link_prompt(client, site))
    resp = client.get(url)
    csp = resp.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'; style-src 'self';")
    assert "script-src" not in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    page = Page(resp.get_data(as_text=True))
    assert page.scripts == 0 and page.inline_styles == []
    css = client.get("/static/answer.css")
    assert css.status_code == 200
    assert css.mimetype == "text/css"
    assert "prefers-color-scheme: dark" in css.get_data(as_text=True)
    assert ":focus-visible" in css.get_data(as_text=True)


def test_the_sites_accent_comes_as_one_hashed_inline_style(client, site):
    client.patch("/v1/site", json={"theme": {"accent": "#FACC15"}}, headers=site.auth)
    resp = client.get(path_of(link_prompt(client, site)))
    [style] = Page(resp.get_data(as_text=True)).inline_styles
    assert style == ":root{--accent:#facc15;--on-accent:#111111}"  # dark text on yellow
    assert re.search(
        r"style-src 'self' 'sha256-[A-Za-z0-9+/=]{44}';", resp.headers["Content-Security-Policy"]
    )


def test_an_invalid_link_gets_a_friendly_not_found_page(client, site):
    url = path_of(link_prompt(client, site))
    token = url.removeprefix("/r/")
    for bad in (
        "nonsense",
        token[:-3] + "abc",
        PromptTokens("forged").sign("prm_x", site.site_id, _soon()),
    ):
        resp = client.get(f"/r/{bad}?score=5&lang=sv")
        assert resp.status_code == 404
        page = Page(resp.get_data(as_text=True))
        assert page.headings == ["Länken fungerar inte"]
        assert page.html_lang == "sv"
    assert count(client.application) == 0


def test_a_widget_prompts_token_does_not_open_the_page(client, site):
    make_survey(client, site)
    token = ask(client, site)["token"]
    assert client.get(f"/r/{token}?score=3").status_code == 404
    assert count(client.application) == 0


def test_an_expired_link_is_closed_politely(client, site, clock):
    url = path_of(link_prompt(client, site))
    clock.now += 30 * DAY - SECOND
    assert client.get(url).status_code == 200
    clock.now += SECOND
    resp = client.get(url + "?score=9")
    assert resp.status_code == 410
    assert Page(resp.get_data(as_text=True)).headings == ["This survey has closed"]
    assert count(client.application) == 0


def test_an_answer_given_before_the_link_expired_is_still_thanked(client, site, clock):
    url = path_of(link_prompt(client, site))
    client.get(url + "?score=9")
    client.post(url, data={"comment": "fine"})
    clock.now += 40 * DAY
    resp = client.get(url)
    assert resp.status_code == 200
    assert Page(resp.get_data(as_text=True)).headings == ["Thank you for your feedback!"]
    assert count(client.application, Response) == 1


def _soon():
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) + timedelta(days=1)


# -- follow-ups by band, reasons and texts (DESIGN §13) ----------------------------------------

BY_BAND = {"low": {"en": "What went wrong?"}, "high": {"en": "What do you like most?"}}
REASONS = {
    "choices": [
        {"id": "price", "label": {"en": "Price"}},
        {"id": "speed", "label": {"en": "Speed"}},
    ],
    "multiple": True,
    "bands": ["low"],
}


def test_the_page_asks_the_follow_up_of_the_scores_band_and_a_changed_score_changes_it(
    client, site, clock
):
    url = path_of(link_prompt(client, site, followup_by_band=BY_BAND))
    low = client.get(url + "?score=2").get_data(as_text=True)
    assert "What went wrong?" in low and "What do you like most?" not in low
    clock.now += 3 * SECOND  # a person's second thought, not a mail scanner's burst
    high = client.get(url + "?score=10").get_data(as_text=True)
    assert "What do you like most?" in high and "What went wrong?" not in high
    [row] = rows(client.application)
    assert row.score == 10


def test_reasons_are_a_form_control_without_javascript_and_are_stored(client, site):
    url = path_of(link_prompt(client, site, reasons=REASONS))
    html = client.get(url + "?score=3").get_data(as_text=True)
    assert Page(html).scripts == 0
    boxes = re.findall(r'<input type="checkbox" name="reasons" value="(\w+)"', html)
    assert boxes == ["price", "speed"]
    assert "<legend>" in html
    sent = client.post(url, data={"comment": "", "reasons": ["speed", "price"]})
    assert sent.status_code == 303
    [row] = rows(client.application)
    got = client.get(f"/v1/responses/{row.id}", headers=site.auth).get_json()
    assert got["reasons"] == ["price", "speed"]


def test_reasons_show_only_after_a_score_in_their_bands_and_forged_ones_are_refused(
    client, site, clock
):
    url = path_of(link_prompt(client, site, reasons=REASONS))
    assert 'name="reasons"' not in client.get(url + "?score=9").get_data(as_text=True)
    clock.now += 3 * SECOND
    client.get(url + "?score=2")
    forged = client.post(url, data={"comment": "x", "reasons": ["cheap"]})
    assert forged.status_code == 422
    [row] = rows(client.application)
    assert row.comment is None


def test_the_page_speaks_a_built_in_locale_the_survey_asks_in(client, site):
    url = path_of(
        link_prompt(client, site, question={"en": "Recommend?", "de": "Empfehlen Sie uns?"})
    )
    page = client.get(url + "?lang=de-AT").get_data(as_text=True)
    assert Page(page).html_lang == "de-AT"
    assert "Empfehlen Sie uns?" in page
    assert "Wählen Sie eine Bewertung von 0 bis 10." in page


def test_a_new_locale_needs_the_pages_texts_too_else_the_page_falls_back_as_a_whole(client, site):
    from collector.domain import texts

    card_only = {"pt-BR": {key: f"[pt] {key}" for key in texts.CARD_KEYS}}
    client.patch("/v1/site", json={"texts": card_only}, headers=site.auth)
    url = path_of(link_prompt(client, site, question={"en": "Recommend?", "pt-BR": "Recomenda?"}))
    page = client.get(url + "?lang=pt-BR").get_data(as_text=True)
    assert "Recommend?" in page and "[pt]" not in page
    whole = {"pt-BR": {key: f"[pt] {key}" for key in texts.KEYS}}
    client.patch("/v1/site", json={"texts": whole}, headers=site.auth)
    page = client.get(url + "?lang=pt-BR").get_data(as_text=True)
    assert "Recomenda?" in page and "[pt] choose" in page
