"""The demo's team inbox: its Slack stand-in keeps what alerts post, and the page shows those
messages and the development mail (.eml files)."""

from email.message import EmailMessage

from flask import Flask

from collector import demo_inbox
from collector.domain import messages
from tests.unit.test_messages import ANSWER


def inbox_app(tmp_path) -> Flask:
    host = Flask("collector.demo", template_folder="templates/demo")
    demo_inbox.register(host, instance=tmp_path, mail_folder=tmp_path / "mail")
    return host


def test_a_slack_message_posted_to_the_stand_in_shows_in_the_inbox(tmp_path):
    client = inbox_app(tmp_path).test_client()
    assert "No messages yet" in client.get("/inbox").get_data(as_text=True)
    resp = client.post(demo_inbox.SLACK_PATH, json=messages.slack_message(ANSWER, site="Acme"))
    assert (resp.status_code, resp.get_data(as_text=True)) == (200, "ok")
    page = client.get("/inbox").get_data(as_text=True)
    assert "2 / 10 · Detractor · After payment" in page
    assert "The invoice page timed out &lt;!channel&gt; *twice*" in page
    assert f'href="{ANSWER.link}"' in page


def test_the_stand_in_refuses_what_slack_would_refuse(tmp_path):
    client = inbox_app(tmp_path).test_client()
    assert client.post(demo_inbox.SLACK_PATH, json={"blocks": []}).status_code == 400
    assert not demo_inbox.slack_file(tmp_path).exists()


def test_development_mail_shows_with_its_text_and_html_parts(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    email = messages.alert_email(ANSWER, site="Acme", manage_link="https://f.example/c")
    mime = EmailMessage()
    mime["Subject"], mime["To"] = email.subject, "team@example.com"
    mime.set_content(email.text)
    mime.add_alternative(email.html, subtype="html")
    (folder / "20261201-101010-000000-abc.eml").write_bytes(bytes(mime))
    page = inbox_app(tmp_path).test_client().get("/inbox").get_data(as_text=True)
    assert "Detractor 2 / 10 on After payment" in page
    assert "To team@example.com" in page
    assert "<iframe" in page and "sandbox" in page
    assert (
        "&lt;base target=&#34;_blank&#34;&gt;" in page
    )  # its links open in a new tab, as in webmail


def test_the_run_button_runs_the_schedule_and_says_how_many_were_asked(tmp_path):
    runs = []
    host = Flask("collector.demo", template_folder="templates/demo")
    demo_inbox.register(
        host,
        instance=tmp_path,
        mail_folder=tmp_path / "mail",
        run_schedule=lambda: runs.append(1) or {"opened": 3, "mailed": 1},
    )
    client = host.test_client()
    page = client.post("/inbox/run-schedule", follow_redirects=True).get_data(as_text=True)
    assert runs == [1]
    assert "The schedule asked 4 people" in page


def test_without_a_schedule_runner_the_inbox_has_no_run_button(tmp_path):
    client = inbox_app(tmp_path).test_client()
    assert "Run the schedule now" not in client.get("/inbox").get_data(as_text=True)
    assert client.post("/inbox/run-schedule").status_code == 404
