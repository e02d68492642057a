"""What alerts and digests say: Slack Block Kit and e-mail parts, from plain values."""

import json
import re

from collector.domain import messages
from collector.domain.messages import Answer, Digest, Followup, SurveyFigures

ANSWER = Answer(
    response_id="0b5e…",
    survey="After payment",
    kind="nps",
    score=2,
    scale=(0, 10),
    band="Detractor",
    band_key="low",
    comment="  The invoice page timed out <!channel> *twice*  ",
    user_id="user-42",
    page="https://app.example.com/invoices?id=1&x=<y>",
    traits={"plan": "pro", "blob": {"a": 1}, "name": "Ada", "zzz": "last", "beta": True},
    when="Tue 1 Dec 2026 20:15 (Europe/Helsinki)",
    link="https://fiilis.example.com/dashboard/responses/abc",
)


def texts_of(blocks):
    """Every text of a Block Kit message with its type, in order."""
    out = []
    for block in blocks:
        for part in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(part, dict) and "type" in part and "text" in part:
                text = part["text"]
                out.append((part["type"], text if isinstance(text, str) else text["text"]))
    return out


def test_slack_message_leads_with_score_band_and_survey():
    message = messages.slack_message(ANSWER, site="Acme")
    header = message["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["text"] == "2 / 10 · Detractor · After payment"
    assert message["text"].startswith("2 / 10 · Detractor · After payment: The invoice page")


def test_slack_message_carries_comment_user_page_traits_and_a_link_to_the_response():
    message = messages.slack_message(ANSWER, site="Acme")
    texts = dict((text, kind) for kind, text in texts_of(message["blocks"]))
    assert "“The invoice page timed out <!channel> *twice*”" in texts
    assert "User: user-42" in texts
    assert "Survey: After payment" in texts
    assert "name: Ada" in texts and "plan: pro" in texts and "beta: yes" in texts
    assert not any("blob" in t for t in texts)
    button = message["blocks"][-1]["elements"][0]
    assert button["url"] == ANSWER.link


def test_visitor_text_in_slack_cannot_format_or_mention_anyone():
    message = messages.slack_message(ANSWER, site="Acme")
    for kind, text in texts_of(message["blocks"]):
        if "channel" in text or "user-42" in text or "Ada" in text:
            assert kind == "plain_text", text
    page = next(t for k, t in texts_of(message["blocks"]) if t.startswith("*Page*"))
    assert page == (
        "*Page*\n<https://app.example.com/invoices?id=1&amp;x=&lt;y&gt;|"
        "https://app.example.com/invoices?id=1&amp;x=&lt;y&gt;>"
    )


def test_slack_message_stays_within_slacks_limits():
    long = Answer(**{**ANSWER.__dict__, "comment": "x" * 10_000, "survey": "s" * 500})
    message = messages.slack_message(long, site="Acme")
    assert len(message["blocks"][0]["text"]["text"]) <= 150
    assert len(message["blocks"][1]["text"]["text"]) <= 3000
    assert len(message["blocks"][2]["fields"]) <= 10
    json.dumps(message)


def test_anonymous_answer_without_comment_says_so():
    quiet = Answer(**{**ANSWER.__dict__, "comment": None, "user_id": "anon:1234"})
    message = messages.slack_message(quiet, site="Acme")
    assert ("plain_text", "No comment.") in texts_of(message["blocks"])
    assert ("plain_text", "User: an anonymous visitor") in texts_of(message["blocks"])
    assert message["text"] == "2 / 10 · Detractor · After payment"


def test_alert_email_has_text_and_html_parts_with_the_same_facts():
    email = messages.alert_email(ANSWER, site="Acme", manage_link="https://f.example/c")
    assert (
        email.subject
        == "Detractor 2 / 10 on After payment: “The invoice page timed out <!channel> *twice*”"
    )
    for part in (email.text, email.html):
        assert "2 / 10" in part and "Detractor" in part and "After payment" in part
        assert "user-42" in part and "Tue 1 Dec 2026 20:15 (Europe/Helsinki)" in part
        assert ANSWER.link in part and "https://f.example/c" in part
    assert "“The invoice page timed out <!channel> *twice*”" in email.text
    assert "The invoice page timed out &lt;!channel&gt; *twice*" in email.html


def test_email_html_escapes_visitor_text_and_loads_nothing_remote():
    hostile = Answer(**{**ANSWER.__dict__, "comment": '<img src="https://evil.example/t.gif">'})
    html = messages.alert_email(hostile, site="Acme", manage_link="https://f.example/c").html
    assert "<img" not in html
    assert "&lt;img src=&#34;https://evil.example/t.gif&#34;&gt;" in html
    assert not re.search(r"""(src|background)=["']?https?:""", html)
    assert "<link" not in html and "<script" not in html


DIGEST = Digest(
    site="Acme",
    account="ada@example.com",
    frequency="weekly",
    period="Mon 23 Nov – Sun 29 Nov 2026 (Europe/Helsinki)",
    surveys=[
        SurveyFigures(
            name="After payment",
            score="+12.5",
            interval="−20.1 to 45.3",
            change="+4.0 since the previous week (+8.5). Within noise (95 % interval −38.0 to +46.0).",
            n=8,
            response_rate="40 %",
            low_n=True,
        )
    ],
    low_comments=[ANSWER],
    more_low_comments=3,
    followups=[
        Followup(
            link="https://f.example/r/1",
            survey="After payment",
            score_text="1 / 10",
            band="Detractor",
            status="open",
            comment="Refund please",
            note="Called, waiting",
        )
    ],
    dashboard_link="https://f.example/dashboard/responses",
    settings_link="https://f.example/dashboard/connections",
)


def test_digest_email_lists_figures_low_comments_and_followups():
    digest = DIGEST
    email = messages.digest_email(digest)
    assert email.subject == (
        "Weekly feedback digest for Acme: Mon 23 Nov – Sun 29 Nov 2026 (Europe/Helsinki)"
    )
    for part in (email.text, email.html):
        for fact in (
            "+12.5",
            "−20.1 to 45.3",
            "+4.0 since the previous week",
            "Within noise (95 % interval −38.0 to +46.0).",
            "8 answers",
            "40 %",
            "few answers",
            "Refund please",
            "Called, waiting",
            "3 more",
            "https://f.example/dashboard/connections",
        ):
            assert fact in part, fact


def test_empty_digest_says_there_was_nothing():
    digest = Digest(
        site="Acme",
        account="a@example.com",
        frequency="daily",
        period="Tue 1 Dec 2026 (UTC)",
        surveys=[],
        low_comments=[],
        more_low_comments=0,
        followups=[],
        dashboard_link="https://f.example/d",
        settings_link="https://f.example/s",
    )
    email = messages.digest_email(digest)
    assert email.subject.startswith("Daily feedback digest for Acme")
    for part in (email.text, email.html):
        assert "No active surveys." in part
        assert "None in this period." in part
        assert "Nothing open for you." in part


def test_known_traits_come_first_and_long_values_are_left_out():
    traits = {"zeta": "z", "plan": "pro", "email": "a@b.c", "notes": "n" * 200, "seats": 12}
    assert messages.notable_traits(traits) == [
        ("email", "a@b.c"),
        ("plan", "pro"),
        ("seats", "12"),
        ("zeta", "z"),
    ]


def test_digest_alert_lists_each_answer_once_and_counts_the_rest():
    many = [Answer(**{**ANSWER.__dict__, "response_id": str(i)}) for i in range(3)]
    slack = messages.slack_digest(
        many, site="Acme", title="Daily alert digest, Tue 1 Dec 2026 (UTC)", more=4, link="L"
    )
    assert slack["text"] == "Daily alert digest, Tue 1 Dec 2026 (UTC): 7 answers"
    sections = [b for b in slack["blocks"] if b["type"] == "section"]
    assert len(sections) == 3
    assert sections[0]["text"]["type"] == "plain_text"
    assert sections[0]["accessory"]["url"] == ANSWER.link
    assert "… and 4 more" in slack["blocks"][-2]["elements"][0]["text"]
    email = messages.alert_digest_email(
        many, site="Acme", title="Daily alert digest", more=4, link="L", manage_link="M"
    )
    assert email.subject == "Daily alert digest: 7 answers"
    for part in (email.text, email.html):
        assert part.count("After payment") == 3 and "4 more" in part
