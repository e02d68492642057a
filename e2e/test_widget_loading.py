"""What the widget downloads and asks, counted at the collector: the loader on every page, the card
file only for a prompt, and nothing at all on a warm page view of an anonymous visitor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import BUTTONS, card, embed, make_survey

CARD = "/widget/fiilis-card."


@pytest.fixture
def served(collector):
    """Every request the collector answers during the test, as (method, path)."""
    seen: list[tuple[str, str]] = []
    inner = collector.app.wsgi_app

    def counting(environ, start_response):
        seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        return inner(environ, start_response)

    collector.app.wsgi_app = counting
    yield seen
    collector.app.wsgi_app = inner


def visit(page, host, collector, site, name, *, user_id=None, body=BUTTONS):
    page.goto(
        host.add(f"/{name}-{site.public_key}", embed(collector, site, user_id=user_id, body=body))
    )
    page.wait_for_function("window.fiilis && window.fiilis.version")
    page.wait_for_load_state("networkidle")


def test_a_page_with_no_survey_downloads_only_the_loader(page, host, collector, site, served):
    visit(page, host, collector, site, "plain")
    answer = page.evaluate("fiilis.track('invoice.paid')")
    assert answer["prompt"] is None
    page.wait_for_load_state("networkidle")
    paths = [path for _, path in served]
    assert [p for p in paths if p.startswith("/widget/")] == [f"/widget/{manifest_file(collector)}"]
    assert not any(p.startswith(CARD) for p in paths)
    assert "/v1/widget/events" in paths


def test_a_prompt_loads_the_card_file_once_and_the_next_prompt_takes_it_from_the_cache(
    page, host, collector, site, served
):
    make_survey(site, "csat")
    make_survey(site, "nps")
    visit(page, host, collector, site, "first", user_id="carded")
    assert not any(p.startswith(CARD) for _, p in served), "nothing before a prompt"
    page.click("#pay")
    expect(card(page)).to_be_visible()
    page.get_by_role("radio", name="4", exact=True).click()
    assert [p for _, p in served if p.startswith(CARD)] == [f"/widget/{card_file(collector)}"]

    # another visitor in the same browser (the site's cooldown would spare the first)
    visit(page, host, collector, site, "second", user_id="carded-too")
    page.click("#nps")
    expect(page.get_by_role("radio", name="10", exact=True)).to_be_visible()
    assert len([p for _, p in served if p.startswith(CARD)]) == 1, "from the browser's cache"


def test_a_warm_page_view_of_an_anonymous_visitor_asks_the_collector_nothing(
    page, host, collector, site, served
):
    visit(page, host, collector, site, "cold")
    assert ("POST", "/v1/widget/session") in served
    served.clear()
    visit(page, host, collector, site, "warm")
    page.wait_for_timeout(500)
    assert served == []
    # the page still works: an event asks at once
    page.evaluate("fiilis.track('report.exported')")
    assert [p for _, p in served] == ["/v1/widget/events"]


def test_a_signed_in_user_still_asks_for_a_waiting_prompt_on_every_page_view(
    page, host, collector, site, served
):
    visit(page, host, collector, site, "cold-user", user_id="u-warm")
    served.clear()
    visit(page, host, collector, site, "warm-user", user_id="u-warm")
    assert served == [("POST", "/v1/widget/session")]


def test_an_answer_lost_to_a_navigation_is_asked_again_on_a_warm_page_view(
    page, host, collector, site, served
):
    make_survey(site, "csat", delay_ms=800)
    visit(page, host, collector, site, "before")  # warm: the loader cached, the session remembered
    # the receipt comes from a backend, as it would (an instant page may start before the
    # invoice page's write of the carried event reaches the browser: see the test below)
    receipt = host.add(
        f"/receipt-{site.public_key}", embed(collector, site, body="<h1>Receipt</h1>"), delay=0.2
    )
    link = f'<a id="pay" href="{receipt}" data-fiilis-track="invoice.paid">Pay invoice</a>'
    visit(page, host, collector, site, "invoice", body=link)
    served.clear()
    page.click("#pay")
    page.wait_for_url(receipt)
    expect(card(page)).to_be_visible(timeout=10_000)
    events = [p for _, p in served if p == "/v1/widget/events"]
    assert len(events) == 2, "sent from the invoice page, and again from the receipt"
    assert ("POST", "/v1/widget/session") not in served


def manifest_file(collector) -> str:
    from collector.api.bundle import manifest

    with collector.app.app_context():
        return manifest()["file"]


def card_file(collector) -> str:
    from collector.api.bundle import manifest

    with collector.app.app_context():
        return manifest()["card"]["file"]


def test_a_carried_event_whose_write_reaches_the_next_page_late_is_still_sent(
    page, host, collector, site, served
):
    """The browser may start the next page (in another process) before the last page's write of the
    carried event reaches it: it then arrives as a storage event, taken in the page's first seconds.
    Later, such a write is another tab's event and this page leaves it alone."""
    make_survey(site, "csat")
    visit(page, host, collector, site, "warm-up")
    other = page.context.new_page()  # stands in for the page before, whose write is late
    other.goto(host.add(f"/blank-{site.public_key}", "<!doctype html><title>Blank</title>"))
    carry = (
        f"localStorage.setItem('fiilis:t:{site.public_key}', "
        "JSON.stringify(['invoice.paid', null, Date.now() - 200]))"
    )
    page.goto(host.add(f"/late-{site.public_key}", embed(collector, site, body="<h1>Late</h1>")))
    page.wait_for_function("window.fiilis && window.fiilis.version")  # it has read the carry
    served.clear()
    other.evaluate(carry)
    expect(card(page)).to_be_visible()
    assert [p for _, p in served if p == "/v1/widget/events"] == ["/v1/widget/events"]

    visit(page, host, collector, site, "settled", body="<h1>Settled</h1>")
    page.wait_for_function("performance.now() > 5000", timeout=15_000)
    served.clear()
    other.evaluate(carry)
    page.wait_for_timeout(1_000)
    assert not [p for _, p in served if p == "/v1/widget/events"], "another tab's event"
