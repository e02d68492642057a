"""The survey editor's e-mail preview in a real Chromium, under the dashboard's real policy: the
survey e-mail with its 0–10 links in the site's accent, following the question as it is typed,
in Finnish and as its text part (screenshots with ``FIILIS_SCREENSHOTS=1``)."""

# ruff: noqa: F811
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from e2e.conftest import make_survey
from e2e.test_dashboard import account, axe_violations, log_in  # noqa: F401 (fixtures)
from e2e.test_team import VIEWS

ACCENT = "rgb(79, 70, 229)"  # the default accent, #4f46e5
QUESTION = {
    "en": "How likely are you to recommend Acme to a friend?",
    "fi": "Kuinka todennäköisesti suosittelisit Acmea ystävälle?",
}


def the_mail(page):
    """The HTML part, as the preview page's own sandboxed frame shows it."""
    return page.frame_locator("iframe.mail-preview-frame:not([hidden])").frame_locator("iframe")


def shown(page, ready, timeout: float = 10.0):
    """The preview frame on show once ``ready(frame)``. Each change loads a new frame; a frame
    locator could stay on the sandboxed mail frame of the one a change replaced (seen in Chromium:
    the new frame held the right e-mail while the locator found nothing), so the frame is looked
    up by name in the page's frames on every try."""
    deadline = time.monotonic() + timeout
    while True:
        name = page.evaluate(
            "document.querySelector('iframe.mail-preview-frame:not([hidden])')?.name"
        )
        frame = next((f for f in page.frames if name and f.name == name), None)
        try:
            if frame is not None and ready(frame):
                return frame
        except PlaywrightError:  # the frame went away between the look-up and the check
            pass
        assert time.monotonic() < deadline, "the preview did not show the change"
        page.wait_for_timeout(100)


def shows_heading(heading: str):
    return lambda frame: any(
        inner.get_by_role("heading", name=heading).is_visible() for inner in frame.child_frames
    )


def test_the_preview_shows_the_e_mail_and_follows_an_edited_question(
    page, collector, site, account
):
    survey = make_survey(site, "nps", trigger_events=[], question=QUESTION)
    log_in(page, collector, account)
    page.goto(f"{collector.url}/dashboard/surveys/{survey['id']}")
    section = page.locator(".mail-preview")
    section.scroll_into_view_if_needed()
    mail = the_mail(page)
    expect(mail.get_by_role("heading", name=QUESTION["en"])).to_be_visible()
    for n in range(11):
        expect(mail.get_by_role("link", name=f"{n} out of 10", exact=True)).to_be_visible()
    expect(mail.get_by_role("link", name="9 out of 10")).to_have_css("background-color", ACCENT)
    expect(mail.get_by_role("link", name="Unsubscribe from survey e-mails")).to_be_visible()
    subject = page.frame_locator("iframe.mail-preview-frame:not([hidden])").locator("#subject")
    expect(subject).to_have_text(QUESTION["en"])

    page.get_by_label("English required").fill("Would you tell a friend about Acme?")
    shown(page, shows_heading("Would you tell a friend about Acme?"))
    history = page.evaluate("history.length")

    section.get_by_role("radio", name="Finnish").check()
    shown(page, shows_heading(QUESTION["fi"]))
    section.get_by_role("radio", name="Text").check()
    text = shown(page, lambda frame: frame.locator("pre").count() == 1).locator("pre")
    expect(text).to_contain_text("?score=9")
    expect(text).to_contain_text(QUESTION["fi"])
    assert page.evaluate("history.length") == history  # a preview is not a page to go back to
    # Nothing was saved: the survey keeps its question until Save.
    assert site.api.get(f"/v1/surveys/{survey['id']}").json()["question"] == QUESTION


@pytest.mark.parametrize("view", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_mail_preview_passes_axe(browser, collector, site, account, view, scheme, shoot):
    survey = make_survey(site, "nps", trigger_events=[], question=QUESTION)
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport=VIEWS[view])
    page = context.new_page()
    try:
        log_in(page, collector, account)
        page.goto(f"{collector.url}/dashboard/surveys/{survey['id']}")
        section = page.locator(".mail-preview")
        section.scroll_into_view_if_needed()
        expect(the_mail(page).get_by_role("heading", name=QUESTION["en"])).to_be_visible()
        page.wait_for_timeout(300)  # the frames paint after their content is there
        shoot(page, f"dashboard-editor-mail-preview-{view}-{scheme}", section)
        assert axe_violations(page) == []
    finally:
        context.close()
