"""The API reference page in a real Chromium: Swagger UI renders the OpenAPI document under the
dashboard's strict CSP (no violation, no error), "Try it out" calls this collector with the secret
key typed in, and the page is axe-clean (light and dark, desktop and phone)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.test_dashboard import AXE, log_in
from e2e.test_team import VIEWS, member
from tests.factories import Rows

WATCH_CSP = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def watched(context):
    """A page that records CSP violations, console errors and uncaught exceptions."""
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def rendered(page):
    ops = page.locator("#api-reference .opblock")
    expect(ops.first).to_be_visible()
    expect(
        page.locator("#api-reference .opblock-post").filter(has_text="/v1/prompts").first
    ).to_be_visible()
    return ops


def test_the_reference_renders_every_operation_with_no_csp_violation(browser, collector, site):
    email = member(collector, site, f"vera-{site.public_key[-6:]}@acme.test", "viewer")
    context = browser.new_context(viewport=VIEWS["desktop"])  # the page's real CSP applies
    page = watched(context)
    try:
        log_in(page, collector, email)
        page.get_by_role("navigation").get_by_role("link", name="API reference").click()
        expect(page.get_by_role("heading", name="API reference", level=1)).to_be_visible()
        ops = rendered(page)
        post = page.locator("#api-reference .opblock-post").filter(has_text="/v1/prompts").first
        expect(post.locator(".opblock-summary-method")).to_have_text("POST")
        spec = site.api.get("/v1/openapi.json").json()["paths"]
        assert ops.count() == sum(len(methods) for methods in spec.values())
        page.wait_for_timeout(300)
        assert page.evaluate("window.__violations") == []
        assert page.errors == []
    finally:
        context.close()


def test_try_it_out_calls_this_collector_with_the_typed_secret_key(browser, collector, site):
    Rows(collector.app, site).survey("csat", name="Paying an invoice")
    email = member(collector, site, f"eddie-{site.public_key[-6:]}@acme.test", "editor")
    context = browser.new_context(viewport=VIEWS["desktop"])
    page = watched(context)
    try:
        log_in(page, collector, email)
        page.goto(f"{collector.url}/dashboard/api")
        rendered(page)
        page.get_by_role("button", name="Authorize").first.click()
        dialog = page.locator(".modal-ux")
        dialog.locator(".auth-container").filter(has_text="secret_key").locator("input").fill(
            site.secret_key
        )
        dialog.get_by_role("button", name="Apply credentials").or_(
            dialog.get_by_role("button", name="Authorize", exact=True)
        ).first.click()
        dialog.get_by_role("button", name="Close").first.click()
        block = page.locator(".opblock-get").filter(has_text="/v1/surveys").first
        block.locator(".opblock-summary-control").click()
        block.get_by_role("button", name="Try it out").click()
        with page.expect_request(lambda r: r.url.startswith(f"{collector.url}/v1/surveys")) as sent:
            block.get_by_role("button", name="Execute").click()
        assert sent.value.headers["authorization"] == f"Bearer {site.secret_key}"
        live = block.locator(".live-responses-table td.response-col_status:not(.col_header)")
        expect(live.first).to_have_text("200")
        expect(block.locator(".live-responses-table")).to_contain_text("Paying an invoice")
        assert page.evaluate("window.__violations") == []
        assert page.errors == []
    finally:
        context.close()


#: Swagger UI's own structure, which our stylesheet cannot change: it renders its operations in a
#: <main id="operations"> (inside the dashboard's <main>) and its tag headings at <h3>/<h4> under our
#: <h2>. Only these rules, and only inside its container, are left out (docs/decisions.md).
VENDORED_STRUCTURE = [
    "landmark-main-is-top-level",
    "landmark-no-duplicate-main",
    "landmark-unique",
    "heading-order",
]


def axe_violations(page) -> list:
    """Every axe rule on the page; inside Swagger UI's container, all but its structure rules."""
    page.add_script_tag(content=AXE.read_text())
    return page.evaluate(
        """async (skipped) => {
          const brief = (r) => r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5)}));
          // the second <main> axe sees is Swagger UI's; outside its container there is one
          const mains = [...document.querySelectorAll('main')]
            .filter((m) => !m.closest('#api-reference'));
          const one = mains.length === 1 ? [] : [{id: 'one-main', nodes: mains.map((m) => m.id)}];
          const outside = await axe.run({exclude: [['#api-reference']]}, {
            resultTypes: ['violations'], rules: {'landmark-no-duplicate-main': {enabled: false}}});
          const inside = await axe.run({include: [['#api-reference']]}, {resultTypes: ['violations'],
            rules: Object.fromEntries(skipped.map((id) => [id, {enabled: false}]))});
          return [...one, ...brief(outside), ...brief(inside)];
        }""",
        VENDORED_STRUCTURE,
    )


@pytest.mark.parametrize("view", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_reference_looks_right_and_passes_axe(browser, collector, site, view, scheme, shoot):
    email = member(collector, site, f"vera-{site.public_key[-6:]}@acme.test", "viewer")
    # the page's own CSP would refuse the injected axe-core script
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport=VIEWS[view])
    page = context.new_page()
    try:
        log_in(page, collector, email)
        page.goto(f"{collector.url}/dashboard/api")
        rendered(page)
        page.wait_for_timeout(300)
        assert axe_violations(page) == []
        shoot(page, f"dashboard-api-{view}-{scheme}")
        page.locator(".opblock-post").filter(has_text="/v1/prompts").first.locator(
            ".opblock-summary-control"
        ).click()
        page.wait_for_timeout(300)
        assert axe_violations(page) == [], "an operation opened"
        shoot(page, f"dashboard-api-open-{view}-{scheme}")
    finally:
        context.close()
