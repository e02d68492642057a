"""A prompt sent as an e-mail link: one click records the score, then the comment."""

import re

from playwright.sync_api import expect

from e2e.conftest import make_survey, responses


def test_email_link_records_a_one_click_score_and_the_comment(page, site, collector, shoot):
    from fiilis import Fiilis

    survey = make_survey(site, "nps", trigger_events=[])
    with Fiilis(api_key=site.secret_key, base_url=collector.url) as client:
        prompt = client.prompts.create(user_id="mail1", survey=survey["id"], channel="link")
    assert prompt.url.startswith(collector.url + "/r/")

    page.goto(prompt.url)
    expect(page.get_by_role("heading", name=re.compile("recommend", re.I))).to_be_visible()
    shoot(page, "answer-page")
    # What an e-mail client shows: one link per score; a click is a plain GET.
    page.goto(prompt.url + "?score=10")
    rows = responses(site, survey["id"])
    assert [r["score"] for r in rows] == [10]

    page.get_by_role("textbox").fill("The invoice reminders are great.")
    page.get_by_role("button", name=re.compile("send", re.I)).click()
    expect(page.get_by_text(re.compile("thank", re.I)).first).to_be_visible()
    rows = responses(site, survey["id"])
    assert len(rows) == 1
    assert rows[0]["comment"] == "The invoice reminders are great."
