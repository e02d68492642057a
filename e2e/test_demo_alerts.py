"""The demo with its worker (`make run`): answering 2 with a comment on the Acme Billing page
puts the alert in the demo's team inbox, on its Slack stand-in and as an e-mail."""

import os
import re
import subprocess
import sys
import uuid

from playwright.sync_api import expect

from e2e.conftest import SCREENSHOTS, card, free_port
from e2e.test_demo import start_demo, start_worker, stop


def test_a_low_score_with_a_comment_reaches_the_team_inbox(page, tmp_path):
    env = {
        **os.environ,
        "FIILIS_ENV": "development",
        "FIILIS_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "FIILIS_MAIL_FOLDER": str(tmp_path / "mail"),
        "FIILIS_ALLOW_PRIVATE_WEBHOOKS": "1",
        "FIILIS_ALERT_GRACE_SECONDS": "2",
    }
    subprocess.run(
        [sys.executable, "-m", "collector.cli", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    port, page_port = free_port(), free_port()
    demo = start_demo(env, port, page_port)
    worker = start_worker(env)
    comment = f"The receipt never arrived ({uuid.uuid4().hex[:6]})"
    try:
        page.goto(f"http://127.0.0.1:{page_port}/?user=alerts-e2e-{uuid.uuid4().hex[:6]}")
        page.wait_for_function("window.fiilis && window.fiilis.version")
        page.get_by_role("button", name="Pay invoice").first.click()
        expect(card(page)).to_be_visible()
        page.get_by_role("radio", name="2", exact=True).click()
        page.get_by_role("textbox").fill(comment)
        page.get_by_role("button", name=re.compile("send", re.I)).click()
        expect(page.get_by_text(re.compile("thank", re.I))).to_be_visible()

        page.goto(f"http://127.0.0.1:{page_port}/inbox")
        slack = page.locator(".slack-message").filter(has_text=comment)
        expect(slack).to_be_visible(timeout=45_000)  # the page reloads every 5 s
        expect(slack).to_contain_text("2 / 5 · Dissatisfied · Paying an invoice")
        mail = page.locator(".mail").filter(has_text="Dissatisfied 2 / 5 on Paying an invoice")
        expect(mail.first).to_be_visible(timeout=20_000)
        if os.environ.get("FIILIS_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "demo-team-inbox.png"), full_page=True)
    finally:
        worker.terminate()
        worker_log = worker.communicate(timeout=15)[0]
        stop(demo)
    assert "Traceback" not in worker_log, worker_log
