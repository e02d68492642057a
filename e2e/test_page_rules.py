"""Page rules and event-prop conditions in a real browser: the card appears on the pages and after
the events a survey asks on, and nowhere else, in a single-page app too."""

from playwright.sync_api import expect

from e2e.conftest import card, embed, make_survey

SPA = """<main><h1 id="where">Invoices</h1>
<button type="button" id="pay" onclick="fiilis.track('invoice.paid')">Pay invoice</button>
<a href="/settings" id="to-settings">Settings</a> <a href="/billing/plans" id="to-plans">Plans</a>
</main>
<script>
// a single-page app's router: links change the URL with the History API, no page load
document.addEventListener('click', (e) => {
  const link = e.target.closest('a');
  if (!link) return;
  e.preventDefault();
  history.pushState({}, '', link.getAttribute('href') + location.search);
  document.getElementById('where').textContent = link.textContent;
});
</script>"""

TICKETS = """<main><h1>Support</h1>
<button type="button" id="by-email" onclick="fiilis.track('ticket.closed', {channel: 'email'})">
Close e-mail ticket</button>
<button type="button" id="by-chat" onclick="fiilis.track('ticket.closed', {channel: 'chat'})">
Close chat</button></main>"""


def open_at(page, collector, host, site, path, *, user_id="u42", body=SPA):
    # a path of its own per site: the host server lives for the whole session
    url = host.add(path, embed(collector, site, user_id=user_id, body=body))
    page.goto(url)
    page.wait_for_function("window.fiilis && window.fiilis.version")
    return page


def tracked(page, button: str) -> dict:
    """Click a tracking button; the collector's answer to its event."""
    with page.expect_response(lambda r: r.url.endswith("/v1/widget/events")) as answer:
        page.click(button)
    return answer.value.json()


def metrics(site, survey) -> dict:
    resp = site.api.get("/v1/metrics", params={"survey": survey["id"]})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_a_billing_survey_shows_on_an_invoice_page_and_not_on_settings(page, collector, host, site):
    make_survey(site, "csat", pages=[{"op": "glob", "value": "/billing/*"}])
    key = site.public_key

    open_at(page, collector, host, site, f"/settings/{key}", user_id="u1")
    assert tracked(page, "#pay") == {"prompt": None, "reason": "page_mismatch"}
    expect(card(page)).to_have_count(0)

    open_at(page, collector, host, site, f"/billing/invoices/{key}", user_id="u2")
    assert tracked(page, "#pay")["prompt"]["pages"] == ["/billing/*"]
    expect(card(page)).to_be_visible()


def test_a_ticket_closed_by_email_gets_no_card_and_one_closed_in_chat_does(
    page, collector, host, site
):
    chat = {"event": "ticket.closed", "where": [{"prop": "channel", "op": "eq", "value": "chat"}]}
    make_survey(site, "ces", trigger_events=[chat])
    open_at(page, collector, host, site, f"/support/{site.public_key}", body=TICKETS)

    assert tracked(page, "#by-email") == {"prompt": None, "reason": "event_not_trigger"}
    expect(card(page)).to_have_count(0)
    assert tracked(page, "#by-chat")["prompt"]["kind"] == "ces"
    expect(card(page)).to_be_visible()
