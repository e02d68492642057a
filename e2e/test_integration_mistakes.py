"""The common integration mistakes say what is wrong, in the console, and never break the page:
an origin off the allowlist, an unknown or a secret key, calls made before the bundle arrived."""

from __future__ import annotations

import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask, Response
from playwright.sync_api import expect

from collector.api.bundle import WIDGET_DIR, manifest
from collector.domain import keys
from collector.domain.snippet import snippet
from e2e.conftest import BUTTONS, Server, card, embed, make_survey, responses
from e2e.test_widget import wait_for

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def fiilis_warnings(page) -> list[str]:
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    return warnings


def collector_requests(page, collector) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.url.startswith(collector.url) else None)
    return seen


def settle(page, ms: int = 800) -> None:
    """Let the session call and anything after it finish; a warning comes after an answer."""
    page.wait_for_timeout(ms)


def test_an_origin_off_the_allowlist_is_one_warning_naming_the_origin_and_the_setting(
    page, host, collector, site
):
    make_survey(site, "csat")
    site.api.patch("/v1/site", json={"allowed_origins": ["https://app.acme.test"]})
    warnings = fiilis_warnings(page)
    page.goto(host.add("/wrong-origin", embed(collector, site, user_id="u1", body=BUTTONS)))
    page.wait_for_function("window.fiilis && window.fiilis.version")
    settle(page)
    page.click("#pay")  # a tracked action after the refusal adds nothing
    settle(page, 400)
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("[fiilis]")
    assert host.url in warnings[0]
    assert site.public_key in warnings[0]
    assert "Settings → Allowed origins" in warnings[0]
    expect(card(page)).to_have_count(0)


def test_an_unknown_site_key_is_one_warning(page, host, collector, site):
    stranger = SimpleNamespace(public_key="pk_doesnotexist0000", identity_secret="x")
    warnings = fiilis_warnings(page)
    page.goto(host.add("/unknown-key", embed(collector, stranger, body=BUTTONS)))
    page.wait_for_function("window.fiilis && window.fiilis.version")
    settle(page)
    page.click("#pay")
    settle(page, 400)
    assert len(warnings) == 1, warnings
    assert re.search(r"^\[fiilis\] .*401 invalid_site_key.*Install page", warnings[0]), warnings


def test_a_secret_key_in_the_tag_sends_nothing_and_is_one_warning(page, host, collector, site):
    make_survey(site, "csat")
    leaked = SimpleNamespace(public_key=site.secret_key, identity_secret=site.identity_secret)
    warnings = fiilis_warnings(page)
    seen = collector_requests(page, collector)
    page.goto(host.add("/secret-key", embed(collector, leaked, body=BUTTONS)))
    page.wait_for_function("window.fiilis && window.fiilis.version")
    page.click("#pay")
    settle(page)
    assert [u for u in seen if "/v1/" in u] == []  # only the bundle was fetched
    assert len(warnings) == 1, warnings
    assert "secret key" in warnings[0] and "pk_" in warnings[0]


@pytest.fixture(scope="module")
def slow_cdn():
    """The bundle's bytes from another server, 1.5 s late: a slow network or a busy CDN."""
    app = Flask("slow-cdn")

    @app.get("/widget/<name>")
    def bundle(name):
        time.sleep(1.5)
        body = (WIDGET_DIR / name).read_bytes()
        return Response(
            body, mimetype="text/javascript", headers={"Access-Control-Allow-Origin": "*"}
        )

    server = Server(app, "127.0.0.1")
    yield server
    server.stop()


def test_track_called_before_the_bundle_loads_is_kept_and_shown_once(
    page, host, collector, site, slow_cdn
):
    survey = make_survey(site, "csat")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    with collector.app.app_context():
        build = manifest()
    tag = snippet(
        slow_cdn.url,
        public_key=site.public_key,
        file=build["file"],
        integrity=build["integrity"],
        user_id="early1",
        user_hash=keys.user_hash(site.identity_secret, "early1"),
    ).replace("<script async ", f'<script async data-host="{collector.url}" ', 1)
    # the app's own code runs first and calls the widget at once, as apps do
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Acme</title></head>"
        f"<body><main><h1>Paid</h1></main>{tag}"
        "<script>fiilis.track('invoice.paid'); fiilis('identify', 'early1', "
        f"{{userHash: '{keys.user_hash(site.identity_secret, 'early1')}'}});</script></body></html>"
    )
    page.goto(host.add("/early-track", html), wait_until="domcontentloaded")
    assert page.evaluate("window.fiilis.version") is None  # the stub, not the bundle yet
    expect(card(page)).to_be_visible(timeout=10_000)
    page.wait_for_timeout(500)
    expect(card(page)).to_have_count(1)
    page.get_by_role("radio", name="5", exact=True).click()
    rows = wait_for(lambda: responses(site, survey["id"]))
    assert [r["score"] for r in rows] == [5]
    assert errors == []


def test_a_blocked_bundle_never_throws_in_the_host_app(page, host, collector, site):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(re.compile(r".*/widget/fiilis\.[0-9a-f]+\.js$"), lambda route: route.abort())
    with collector.app.app_context():
        build = manifest()
    tag = snippet(
        collector.url, public_key=site.public_key, file=build["file"], integrity=build["integrity"]
    )
    html = (
        f"<!doctype html><html lang='en'><head><title>Acme</title>{tag}</head><body>"
        "<button id='pay' onclick=\"fiilis.track('invoice.paid'); fiilis.show('srv_1'); "
        "fiilis.identify('u1'); fiilis.on('response', function () {}); fiilis.reset(); "
        "this.textContent = 'Paid'\">Pay</button></body></html>"
    )
    page.goto(host.add("/blocked", html))
    page.click("#pay")
    expect(page.locator("#pay")).to_have_text("Paid")
    assert page.evaluate("fiilis.q.length") == 5
    assert errors == []


# -- colours ----------------------------------------------------------------------------------

ACCENTS = ["#f59e0b", "#22c55e", "#0ea5e9", "#ef4444", "#4f46e5", "#111111"]


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast of two computed CSS colours (``rgb(…)`` strings)."""
    la, lb = sorted((luminance(parse(a)), luminance(parse(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def parse(css: str) -> tuple[int, int, int]:
    r, g, b = re.search(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", css).groups()
    return int(r), int(g), int(b)


STYLE_OF = """(sel) => {
  const root = document.querySelector('fiilis-widget').shadowRoot;
  const s = (el) => getComputedStyle(el);
  const el = root.querySelector(sel);
  return {color: s(el).color, background: s(el).backgroundColor, outline: s(el).outlineColor,
          shadow: s(el).boxShadow, card: s(root.querySelector('.c')).backgroundColor};
}"""


def axe_violations(page) -> list:
    page.add_script_tag(content=AXE.read_text())
    return page.evaluate(
        """async () => {
          const host = document.querySelector('fiilis-widget');
          const r = await axe.run(host, {resultTypes: ['violations']});
          return r.violations.map((v) => ({id: v.id, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3)}));
        }"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_on_every_accent_reads_and_the_focus_ring_stands_out(
    page, open_host, site, scheme, shoot
):
    page.emulate_media(color_scheme=scheme)
    make_survey(site, "csat")
    for i, accent in enumerate(ACCENTS):
        site.api.patch("/v1/site", json={"theme": {"accent": accent}}).raise_for_status()
        page = open_host(f"colour-{scheme}-{i}")
        page.focus("#pay")
        page.keyboard.press("Enter")
        expect(card(page)).to_be_visible()
        page.wait_for_timeout(300)
        for _ in range(6):  # Tab into the card: the close button, then the scale
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.tagName") == "FIILIS-WIDGET":
                focused = page.evaluate(
                    "document.activeElement.shadowRoot.activeElement.getAttribute('role')"
                )
                if focused == "radio":
                    break
        ring = page.evaluate(STYLE_OF, "[role=radio]:focus-visible")
        assert contrast(ring["outline"], ring["card"]) >= 3, (accent, scheme, ring)
        page.keyboard.press("Enter")  # picks the first score
        picked = page.evaluate(STYLE_OF, "[aria-checked=true]")
        assert contrast(picked["color"], picked["background"]) >= 4.5, (accent, picked)
        assert contrast(picked["shadow"], picked["card"]) >= 3, (accent, scheme, picked)
        send = page.evaluate(STYLE_OF, ".p")
        assert contrast(send["color"], send["background"]) >= 4.5, (accent, send)
        assert axe_violations(page) == [], accent
        if accent == "#f59e0b":
            shoot(page, f"widget-amber-{scheme}", page.get_by_role("region"))


def test_the_comment_counter_near_the_limit_and_16px_on_phones(page, open_host, site, shoot):
    page.set_viewport_size({"width": 390, "height": 844})
    survey = make_survey(site, "csat")
    page = open_host("counter1")
    page.click("#pay")
    page.get_by_role("radio", name="2", exact=True).click()
    box = page.get_by_role("textbox")
    font = (
        "getComputedStyle(document.querySelector('fiilis-widget').shadowRoot"
        ".querySelector('textarea')).fontSize"
    )
    assert page.evaluate(font) == "16px"  # iOS zooms into smaller fields
    box.fill("x" * 2010)
    expect(page.get_by_text("2010 / 2000")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    shoot(page, "widget-counter-phone")
    box.press("Backspace")
    for _ in range(10):
        box.press("Backspace")
    expect(page.get_by_text("1999 / 2000")).to_be_visible()
    page.get_by_role("button", name="Send").click()
    rows = wait_for(lambda: [r for r in responses(site, survey["id"]) if r.get("comment")])
    assert len(rows[0]["comment"]) == 1999  # nothing cut


# -- navigation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("server_delay", [0, 2.0], ids=["fast-next-page", "slow-next-page"])
def test_a_tracked_link_to_another_page_shows_the_card_there_once(
    page, host, collector, site, server_delay
):
    # slow: the next page takes longer than the prompt's delay, so the old page is still there
    # when the prompt is due; it must not be shown (and marked shown) on a page being left.
    survey = make_survey(site, "csat", delay_ms=800)
    user = f"walker-{server_delay}"
    body = "<h1>Receipt</h1>"
    next_page = host.add(
        f"/receipt-{server_delay}",
        embed(collector, site, user_id=user, body=body),
        delay=server_delay,
    )
    link = f'<a id="pay" href="{next_page}" data-fiilis-track="invoice.paid">Pay invoice</a>'
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(host.add(f"/invoice-{server_delay}", embed(collector, site, user_id=user, body=link)))
    page.wait_for_function("window.fiilis && window.fiilis.version")
    page.click("#pay")
    page.wait_for_url(next_page)
    expect(page.get_by_role("heading", name="Receipt")).to_be_visible()
    expect(card(page)).to_be_visible(timeout=10_000)
    expect(card(page)).to_have_count(1)
    page.get_by_role("radio", name="4", exact=True).click()
    rows = wait_for(lambda: responses(site, survey["id"]))
    assert [(r["score"], r["event"]) for r in rows] == [(4, "invoice.paid")]

    # never shown twice: the next page view, and the one after, ask nothing
    for _ in range(2):
        page.goto(next_page)
        page.wait_for_function("window.fiilis && window.fiilis.version")
        page.wait_for_timeout(1500)
        expect(card(page)).to_have_count(0)
    prompts = site.api.get(f"/v1/users/{user}").json()["prompts"]
    assert len(prompts) == 1 and prompts[0]["status"] == "answered"
    assert len(responses(site, survey["id"])) == 1
    assert errors == []
