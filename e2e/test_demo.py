"""The demo behind `make run`: `fiilis demo` serves the Acme Billing page with a working widget."""

import os
import re
import subprocess
import sys
import time

import httpx
from playwright.sync_api import expect

from e2e.conftest import card, free_port


def test_demo_page_shows_the_csat_card_after_paying_an_invoice(page, tmp_path):
    port, page_port = free_port(), free_port()
    env = {
        **os.environ,
        "FIILIS_ENV": "development",
        "FIILIS_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
    }
    fiilis = [sys.executable, "-m", "collector.cli"]
    subprocess.run([*fiilis, "db", "upgrade"], env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        [*fiilis, "demo", "--port", str(port), "--page-port", str(page_port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{page_port}/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise AssertionError("the demo did not start")
        page.goto(f"http://127.0.0.1:{page_port}/?user=demo-e2e")
        page.wait_for_function("window.fiilis && window.fiilis.version")
        page.get_by_role("button", name="Pay invoice").first.click()
        expect(card(page)).to_be_visible()
        expect(page.get_by_text(re.compile("paying invoices", re.I))).to_be_visible()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "Acme Billing" in out or "demo page" in out
