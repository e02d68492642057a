"""Mail (DESIGN §12) against a real SMTP server on localhost, and as .eml files in development."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import text

from collector import db, mail
from collector.mail import Message, PermanentMailError, TemporaryMailError


def notice(to="ana@example.com"):
    return mail.compose(
        "notice",
        to=to,
        subject="Your webhook was turned off",
        heading="A <webhook> was turned off",
        paragraphs=["It failed for 3 days.", "Turn it on again when the receiver is back."],
        action_url="https://fiilis.example.com/dashboard/connections",
        action_label="Open Connections",
        site_name="Acme",
    )


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_a_message_arrives_with_a_text_and_an_html_part(app, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url, MAIL_FROM="Fiilis <noreply@fiilis.example.com>")
    with app.app_context():
        sent = mail.send(notice())
    [message] = smtp_server.wait_for(1)
    assert sent.via == "smtp" and sent.message_id == message["Message-ID"]
    assert message["From"] == "Fiilis <noreply@fiilis.example.com>"
    assert message["To"] == "ana@example.com"
    assert message["Subject"] == "Your webhook was turned off"
    text, html = parts(message)
    assert "It failed for 3 days." in text and "Open Connections: https://" in text
    assert "<h1" in html and "A &lt;webhook&gt; was turned off" in html  # escaped in HTML
    assert "A <webhook> was turned off" in text  # and plain in text
    assert smtp_server.envelopes == [("noreply@fiilis.example.com", ["ana@example.com"])]


def test_without_smtp_in_development_mail_is_written_as_eml_files(app, tmp_path):
    app.config.update(SMTP_URL=None, MAIL_FOLDER=str(tmp_path / "mail"))
    with app.app_context():
        sent = mail.send(notice())
    assert sent.via == "file" and sent.path.parent == Path(tmp_path / "mail")
    message = message_from_bytes(sent.path.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Your webhook was turned off"
    text, html = parts(message)
    assert "It failed for 3 days." in text and "<h1" in html


def test_without_smtp_in_production_the_caller_is_told(app):
    app.config.update(SMTP_URL=None, TESTING=False, DEV=False)
    with app.app_context(), pytest.raises(PermanentMailError, match="FIILIS_SMTP_URL"):
        mail.send(notice())


def test_a_refused_address_is_a_permanent_failure_for_the_caller(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    smtp_server.answer_next_rcpt("550 5.1.1 No such user here")
    with app.app_context(), pytest.raises(PermanentMailError) as refused:
        mail.send(notice("nobody@example.com"))
    assert refused.value.refused == {"nobody@example.com": "550 5.1.1 No such user here"}
    assert smtp_server.messages == []


def test_a_busy_server_is_a_temporary_failure(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    smtp_server.answer_next_rcpt("451 4.3.0 Try again later")
    with app.app_context(), pytest.raises(TemporaryMailError):
        mail.send(notice())


def test_no_server_listening_is_a_temporary_failure(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    smtp_server.stop()
    with app.app_context(), pytest.raises(TemporaryMailError, match="Could not talk"):
        mail.send(notice())


def test_messages_one_after_another_share_one_connection_refusals_included(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    with app.app_context():
        mail.send(notice("ana@example.com"))
        smtp_server.answer_next_rcpt("550 5.1.1 No such user here")
        with pytest.raises(PermanentMailError):
            mail.send(notice("nobody@example.com"))
        for name in ("ben", "cai", "dan"):
            mail.send(notice(f"{name}@example.com"))
    assert [m["To"] for m in smtp_server.wait_for(4)] == [
        "ana@example.com",
        "ben@example.com",
        "cai@example.com",
        "dan@example.com",
    ]
    assert smtp_server.connections() == 1


def test_a_message_after_the_server_dropped_the_kept_connection_still_arrives_once(
    app, smtp_server
):
    app.config["SMTP_URL"] = smtp_server.url
    with app.app_context():
        mail.send(notice("ana@example.com"))
        smtp_server.stop()  # a restart (or an idle timeout) closes the kept connection
        smtp_server.start()
        mail.send(notice("ben@example.com"))
    assert [m["To"] for m in smtp_server.wait_for(2)] == ["ana@example.com", "ben@example.com"]
    assert smtp_server.connections() == 2


def test_the_worker_retries_a_temporary_failure_until_it_is_delivered(app, smtp_server, worker):
    app.config.update(SMTP_URL=smtp_server.url, MAIL_RETRY_SCHEDULE=[1, 1])
    smtp_server.answer_next_rcpt("451 4.3.0 Try again later")
    with app.app_context():
        mail.send_later(notice())
    worker.drain()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "ana@example.com"
    assert worker.done.count("collector.mail.deliver") == 2  # refused once, then delivered


def test_the_worker_does_not_retry_a_permanent_failure(app, smtp_server, worker):
    app.config.update(SMTP_URL=smtp_server.url, MAIL_RETRY_SCHEDULE=[1, 1])
    smtp_server.answer_next_rcpt("550 5.1.1 No such user here")
    with app.app_context():
        mail.send_later(notice("nobody@example.com"))
    worker.drain()
    assert smtp_server.messages == []
    assert worker.done.count("collector.mail.deliver") == 1


def test_the_worker_gives_up_after_the_schedule(app, smtp_server, worker):
    app.config.update(SMTP_URL=smtp_server.url, MAIL_RETRY_SCHEDULE=[1])
    for _ in range(2):
        smtp_server.answer_next_rcpt("421 4.3.2 Service shutting down")
    with app.app_context():
        mail.send_later(notice())
    worker.drain()
    assert smtp_server.messages == []
    assert worker.done.count("collector.mail.deliver") == 2


def test_mail_sent_later_in_a_rolled_back_transaction_is_never_sent(app, smtp_server, worker):
    app.config["SMTP_URL"] = smtp_server.url
    with app.app_context():
        session = db.session()
        mail.send_later(notice(), db=session)
        session.rollback()
        mail.send_later(notice("bo@example.com"), db=session)
        session.commit()
    worker.drain()
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["bo@example.com"]


def test_mail_sent_later_waits_for_the_whole_transaction_not_a_savepoint(app, smtp_server, worker):
    """A savepoint released inside the transaction is not its commit: a mail queued before it
    goes when the transaction commits, and never if it then rolls back."""
    app.config["SMTP_URL"] = smtp_server.url
    with app.app_context():
        session = db.session()
        mail.send_later(notice("ana@example.com"), db=session)
        with session.begin_nested():
            session.execute(text("SELECT 1"))
        session.rollback()
        mail.send_later(notice("bo@example.com"), db=session)
        with session.begin_nested():
            session.execute(text("SELECT 1"))
        worker.drain()
        assert smtp_server.messages == [], "nothing goes before the commit"
        session.commit()
    worker.drain()
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["bo@example.com"]


def test_extra_headers_and_several_recipients(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    message = Message(
        to=["a@example.com", "b@example.com"],
        subject="Hei",
        text="Hei!",
        html="<p>Hei!</p>",
        headers={"List-Unsubscribe": "<https://x.example/u/t>"},
    )
    with app.app_context():
        mail.send(message)
    [received] = smtp_server.wait_for(1)
    assert received["List-Unsubscribe"] == "<https://x.example/u/t>"
    assert smtp_server.envelopes[0][1] == ["a@example.com", "b@example.com"]


def test_smtp_urls_are_read_with_their_defaults():
    plain = mail.SMTPSettings.parse("smtp://user%40x:p%3Ass@mail.example.com")
    assert (plain.tls, plain.port, plain.username, plain.password) == (
        False,
        587,
        "user@x",
        "p:ss",
    )
    secure = mail.SMTPSettings.parse("smtps://mail.example.com?timeout=3")
    assert (secure.tls, secure.port, secure.timeout) == (True, 465, 3.0)
    with pytest.raises(PermanentMailError):
        mail.SMTPSettings.parse("http://mail.example.com")
