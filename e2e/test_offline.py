"""An answer given while the collector is unreachable is kept and stored exactly once."""

import re

from playwright.sync_api import expect

from e2e.conftest import card, make_survey, responses
from e2e.test_widget import wait_for


def test_answer_sent_offline_arrives_once_after_reload(page, open_host, site):
    survey = make_survey(site, "csat")
    # Routes do not stop sendBeacon on pagehide; being offline means the beacon fails too.
    page.add_init_script(
        "Object.defineProperty(navigator, 'sendBeacon', {value: () => false, configurable: true})"
    )
    page = open_host("offline1")
    page.click("#pay")
    expect(card(page)).to_be_visible()

    blocked = re.compile(r".*/v1/widget/(responses|prompts/).*")
    page.route(blocked, lambda route: route.abort("internetdisconnected"))
    page.get_by_role("radio", name="2", exact=True).click()
    page.wait_for_timeout(500)
    assert responses(site, survey["id"]) == []
    queued = page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('fiilis:q'))")
    assert queued, "the answer should wait in localStorage"

    page.reload()
    page.wait_for_function("window.fiilis && window.fiilis.version")
    page.wait_for_timeout(500)
    assert responses(site, survey["id"]) == []  # still offline after the reload

    page.unroute(blocked)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    rows = wait_for(lambda: responses(site, survey["id"]))
    assert [r["score"] for r in rows] == [2]
    page.reload()
    page.wait_for_timeout(800)
    assert len(responses(site, survey["id"])) == 1
