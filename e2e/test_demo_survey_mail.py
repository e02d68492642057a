"""The demo's scheduled NPS by e-mail (`make run`): the schedule runs, the survey e-mail lands in
the demo's mail view with the 0–10 scale in the site's accent, a click on 9 records 9 and opens
the comment page, and the dashboard shows the answer and the turn's send as answered."""

import os
import re
import subprocess
import sys

from playwright.sync_api import expect

from collector.demo import DEMO_LOGIN
from e2e.conftest import SCREENSHOTS, free_port
from e2e.test_demo import start_demo, start_worker, stop

VIEWS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
QUESTION = "How likely are you to recommend Acme to a friend or colleague?"
ACCENT = "rgb(79, 70, 229)"  # the demo site's #4f46e5


def test_the_scheduled_nps_e_mail_is_answered_from_the_demo_mail_view(page, tmp_path):
    port, page_port = free_port(), free_port()
    env = {
        **os.environ,
        "FIILIS_ENV": "development",
        "FIILIS_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "FIILIS_MAIL_FOLDER": str(tmp_path / "mail"),
        "FIILIS_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    subprocess.run(
        [sys.executable, "-m", "collector.cli", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    demo = start_demo(env, port, page_port)
    worker = start_worker(env)
    comment = "Invoices are paid before my coffee is ready."
    try:
        page.goto(f"http://127.0.0.1:{page_port}/inbox")
        page.get_by_role("button", name="Run the schedule now").click()
        # The demo's four people (or fewer, if the worker's own run came first) are asked.
        expect(page.get_by_role("status")).to_contain_text(
            re.compile(r"The schedule asked \d people|Nobody was due")
        )
        mail = page.locator(".mail").filter(has_text="olivia@example.com")
        expect(mail).to_be_visible(timeout=45_000)  # the page reloads every 5 s
        expect(mail.get_by_role("heading", name=QUESTION)).to_be_visible()
        mail.get_by_text("HTML part").click()
        shown = mail.frame_locator("iframe")
        expect(shown.get_by_role("heading", name=QUESTION)).to_be_visible()
        scale = [shown.get_by_role("link", name=f"{n} out of 10", exact=True) for n in range(11)]
        for point in scale:
            expect(point).to_be_visible()
        expect(scale[9]).to_have_css("background-color", ACCENT)
        expect(shown.get_by_role("link", name="Unsubscribe from survey e-mails")).to_be_visible()
        shoot(page, "demo-mail-view")

        with page.expect_popup() as opened:  # as a mail client opens a link: a new tab
            scale[9].click()
        answer = opened.value
        expect(answer.get_by_role("status")).to_have_text("Thank you! You chose 9.")
        chosen = answer.get_by_role("link", name="9 on a scale from 0 to 10")
        expect(chosen).to_have_attribute("aria-current", "true")
        answer.get_by_role("textbox").fill(comment)
        answer.get_by_role("button", name="Send").click()
        expect(answer.get_by_role("heading", name=re.compile("thank", re.I))).to_be_visible()

        answer.goto(f"http://127.0.0.1:{port}/dashboard/login")
        answer.get_by_label("E-mail").fill(DEMO_LOGIN[0])
        answer.get_by_label("Password").fill(DEMO_LOGIN[1])
        answer.get_by_role("button", name="Log in").click()
        answer.get_by_role("navigation").get_by_role("link", name="Responses").click()
        answer.get_by_label("Survey").select_option(label="Relationship NPS")
        answer.get_by_label("Order").select_option("newest")
        answer.get_by_role("button", name="Apply").click()
        row = answer.locator("table.responses tbody tr").filter(has_text=comment)
        expect(row.locator('[data-label="Score"]')).to_contain_text("9")
        expect(row.locator('[data-label="Survey"]')).to_contain_text("by e-mail")
        expect(row.locator('[data-label="User"]')).to_have_text("olivia")
        shoot(answer, "dashboard-responses-by-e-mail")

        answer.get_by_role("navigation").get_by_role("link", name="Surveys").click()
        answer.get_by_role("link", name="Sends of Relationship NPS").click()
        turn = answer.locator('tr[data-turn="0"]')
        expect(turn.locator('[data-label="Sent"]')).to_have_text("4")
        expect(turn.locator('[data-label="Answered"]')).to_contain_text("1")
    finally:
        worker.terminate()
        worker_log = worker.communicate(timeout=15)[0]
        stop(demo)
    assert "Traceback" not in worker_log, worker_log


def shoot(page, name: str) -> None:
    """Desktop and phone, light and dark, with ``FIILIS_SCREENSHOTS=1``."""
    if os.environ.get("FIILIS_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for view, box in VIEWS.items():
        for scheme in ("light", "dark"):
            page.set_viewport_size(box)
            page.emulate_media(color_scheme=scheme)
            for frame in page.locator("iframe:visible").all():
                frame.scroll_into_view_if_needed()  # a frame out of view may not repaint
            page.wait_for_timeout(500)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{view}-{scheme}.png"), full_page=True)
    page.set_viewport_size(size)
    page.emulate_media(color_scheme="light")
