"""The demo behind `make run`: `fiilis demo` serves the Acme Billing page with a working widget,
and its dashboard login works — also when the demo is started again on the same database."""

import os
import re
import subprocess
import sys
import time

import httpx
from playwright.sync_api import expect

from collector.demo import DEMO_LOGIN
from e2e.conftest import card, free_port


def start_worker(env):
    """`fiilis worker` as `make run` starts it beside the demo."""
    return subprocess.Popen(
        [sys.executable, "-m", "collector.cli", "worker", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def start_demo(env, port, page_port):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "collector.cli",
            "demo",
            "--port",
            str(port),
            "--page-port",
            str(page_port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{page_port}/", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError(f"the demo did not start: {proc.communicate()[0]}")


def stop(proc) -> str:
    proc.terminate()
    return proc.communicate(timeout=10)[0]


def test_demo_page_shows_the_csat_card_and_the_dashboard_opens(page, tmp_path):
    env = {
        **os.environ,
        "FIILIS_ENV": "development",
        "FIILIS_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
    }
    subprocess.run(
        [sys.executable, "-m", "collector.cli", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    port, page_port = free_port(), free_port()
    proc = start_demo(env, port, page_port)
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    try:
        page.goto(f"http://127.0.0.1:{page_port}/?user=demo-e2e")
        page.wait_for_function("window.fiilis && window.fiilis.version")
        page.get_by_role("button", name="Pay invoice").first.click()
        expect(card(page)).to_be_visible()
        expect(page.get_by_text(re.compile("paying invoices", re.I))).to_be_visible()

        # The backend trigger is what a customer's backend does: the fatigue rules hold, so a
        # second trigger for a user with a question waiting is held back, and the page says so.
        page.goto(f"http://127.0.0.1:{page_port}/?user=demo-backend")
        trigger = page.get_by_role("button", name="Trigger NPS from the backend")
        trigger.click()
        expect(page.get_by_text("The backend asked for an NPS answer")).to_be_visible()
        page.get_by_role("button", name="Trigger NPS from the backend").click()
        expect(page.get_by_text("held back by the fatigue rules")).to_be_visible()
        assert failed == []  # no 404 (favicon included) on the demo page
    finally:
        out = stop(proc)
    assert "demo page" in out and DEMO_LOGIN[0] in out
    assert f"API reference             http://127.0.0.1:{port}/dashboard/api" in out

    # Started again on the seeded database: nothing is seeded twice and logins still write.
    proc = start_demo(env, port, page_port)
    try:
        page.goto(f"http://127.0.0.1:{port}/dashboard/login")
        page.get_by_label("E-mail").fill(DEMO_LOGIN[0])
        page.get_by_label("Password").fill(DEMO_LOGIN[1])
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name=re.compile("Paying an invoice"))).to_be_visible()
        page.goto(f"http://127.0.0.1:{port}/dashboard/api")  # the banner's API reference
        expect(page.locator(".opblock-post").filter(has_text="/v1/prompts").first).to_be_visible()
    finally:
        stop(proc)
