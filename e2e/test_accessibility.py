"""axe-core finds no violations in the open card, for each kind, light and dark."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.conftest import card, make_survey

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
EVENTS = {"csat": "#pay", "ces": "#close", "nps": "#nps"}


def axe_violations(page) -> list:
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        """async () => {
          const host = [...document.body.children].find((el) => el.shadowRoot);
          const r = await axe.run(host, {resultTypes: ['violations']});
          return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3)}));
        }"""
    )
    return result


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", ["csat", "ces", "nps"])
def test_open_card_has_no_axe_violations(page, open_host, site, kind, scheme, shoot):
    page.emulate_media(color_scheme=scheme)
    make_survey(site, kind)
    page = open_host(f"axe-{kind}-{scheme}")
    page.click(EVENTS[kind])
    expect(card(page)).to_be_visible()
    page.wait_for_timeout(300)  # after the entrance animation
    shoot(page, f"widget-{kind}-{scheme}", page.get_by_role("region"))
    assert axe_violations(page) == []
    page.get_by_role("radio").nth(1).click()
    expect(page.get_by_role("textbox")).to_be_visible()
    assert axe_violations(page) == []
