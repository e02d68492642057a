"""The survey e-mail as a mail client shows it (its HTML part in Chromium), and its score links."""

import pytest
from playwright.sync_api import expect

from collector import db
from collector.models import Prompt, Site, Survey, User
from collector.services import survey_mail
from e2e.conftest import make_survey, responses


def e_mail(collector, site, survey_id, user_id, **person):
    """The HTML part of the survey e-mail of a new link prompt to a new person."""
    site.api.put(f"/v1/people/{user_id}", json=person).raise_for_status()
    made = site.api.post(
        "/v1/prompts", json={"user_id": user_id, "survey": survey_id, "channel": "link"}
    )
    made.raise_for_status()
    with collector.app.app_context():
        session = db.session()
        prompt = session.get(Prompt, made.json()["id"])
        someone = session.query(User).filter_by(site_id=site.site_id, user_id=user_id).one()
        message = survey_mail.compose(
            session.get(Site, site.site_id),
            session.get(Survey, survey_id),
            prompt,
            someone,
            base=collector.url,
        )
    return message


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("width", "screen"), [(1280, "desktop"), (390, "phone")])
def test_the_survey_e_mail_reads_well_and_its_score_9_records_9(
    page, collector, site, shoot, scheme, width, screen
):
    survey = make_survey(
        site, "nps", trigger_events=[], question={"en": "How likely are you to recommend Acme?"}
    )
    message = e_mail(
        collector, site, survey["id"], f"mail-{screen}-{scheme}", email="aino@acme.fi", name="Aino"
    )
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 700})
    page.set_content(message.html)
    expect(
        page.get_by_role("heading", name="How likely are you to recommend Acme?")
    ).to_be_visible()
    nine = page.get_by_role("link", name="9 out of 10")
    expect(nine).to_be_visible()
    box = nine.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 36  # a finger can hit it on a phone
    shoot(page, f"survey-mail-{screen}-{scheme}")
    nine.click()
    expect(page.get_by_role("textbox")).to_be_visible()  # the comment page
    assert [r["score"] for r in responses(site, survey["id"])] == [9]
