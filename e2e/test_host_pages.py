"""Whatever the host page does — a strict CSP, hostile CSS, a tampered bundle — the card holds."""

import re

from playwright.sync_api import expect

from e2e.conftest import card, embed, make_survey

VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def test_widget_works_under_a_strict_csp_without_violations(page, open_host, site, collector):
    make_survey(site, "csat")
    csp = (
        f"default-src 'none'; script-src {collector.url}; connect-src {collector.url}; "
        "style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"
    )
    page.add_init_script(VIOLATIONS)
    page = open_host("csp1", headers={"Content-Security-Policy": csp})
    page.click("#pay")
    expect(card(page)).to_be_visible()
    page.get_by_role("radio", name="5", exact=True).click()
    expect(page.get_by_role("textbox")).to_be_visible()
    assert page.evaluate("window.__violations") == []


HOSTILE = """<style>
* { all: unset !important; }
button { font: 30px/3 'Comic Sans MS', cursive !important; background: red !important;
         padding: 40px !important; z-index: 1 !important; display: inline-block !important; }
div, section, span, textarea, h2, p { color: lime !important; font-size: 40px !important;
         margin: 50px !important; border: 9px solid hotpink !important; }
body > * { position: static !important; }
</style>"""

PROBE = """() => {
  const host = [...document.body.children].find((el) => el.shadowRoot);
  const root = host.shadowRoot;
  const pick = (el) => { const s = getComputedStyle(el); const b = el.getBoundingClientRect();
    return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.padding, s.margin,
            s.borderTopWidth, Math.round(b.width), Math.round(b.height)]; };
  return [pick(host), ...[...root.querySelectorAll('*')].map(pick)];
}"""


def test_hostile_host_css_does_not_change_the_card(page, open_host, site):
    make_survey(site, "csat")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(reduced_motion="reduce")

    plain = open_host("plain1")
    plain.click("#pay")
    expect(card(plain)).to_be_visible()
    plain.wait_for_timeout(400)
    plain_styles = plain.evaluate(PROBE)
    plain_shot = card(plain).screenshot()

    hostile = open_host("hostile1", head=HOSTILE)
    hostile.click("#pay")
    expect(card(hostile)).to_be_visible()
    hostile.wait_for_timeout(400)
    assert hostile.evaluate(PROBE) == plain_styles
    assert card(hostile).screenshot() == plain_shot


def test_the_printed_snippet_loads_and_a_tampered_bundle_is_refused(page, open_host, site):
    make_survey(site, "csat")
    page = open_host("sri1")
    assert page.evaluate("typeof window.fiilis.track") == "function"

    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    def tamper(route):
        body = route.fetch().text().replace("fiilis", "fiilix", 1)
        route.fulfill(
            status=200,
            body=body,
            headers={"Content-Type": "text/javascript", "Access-Control-Allow-Origin": "*"},
        )

    page.route(re.compile(r".*/widget/fiilis\.[0-9a-f]+\.js$"), tamper)
    page.goto(page.url)
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.fiilis") == "undefined"
    assert any("integrity" in e.lower() for e in errors), errors


def test_loading_the_script_twice_is_harmless(page, collector, host, site):
    make_survey(site, "csat")
    html = embed(
        collector,
        site,
        user_id="twice",
        body='<button id="pay" data-fiilis-track="invoice.paid">Pay</button>',
    )
    html = html.replace(
        "</body>", html[html.index("<script async") : html.index("</body>")] + "</body>"
    )
    page.goto(host.add("/twice", html))
    page.wait_for_function("window.fiilis && window.fiilis.version")
    page.click("#pay")
    expect(card(page)).to_have_count(1)
