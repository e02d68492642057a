"""Scheduled surveys (DESIGN §13 ``schedule``): the field on ``/v1/surveys``, and the scheduler
on a compressed clock through the real worker and a real SMTP server: each person once per
turn, inside the send window, spread evenly; ``widget_then_email`` asks in the app first."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from collector import db, schedule
from collector.domain import schedule as rules
from collector.models import Prompt, Suppression, Survey, SurveyAsk, SurveyMail
from tests.api.prompting import call, make_survey, visitor

HELSINKI = "Europe/Helsinki"


def _next_monday() -> datetime:
    """The coming Monday, 06:00 UTC (08:00 in Helsinki): the simulated clock starts there, ahead
    of the wall clock that the widget's own calls and the sends run on."""
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime(monday.year, monday.month, monday.day, 6, 0, tzinfo=UTC)


START = _next_monday()
TICK = timedelta(minutes=5)
WINDOW = {"days": "mon-fri", "from": "09:00", "to": "11:00", "tz": HELSINKI}
QUARTERLY = {"every_days": 90, "channel": "email", "spread_days": 30, "send_window": WINDOW}


def scheduled_survey(client, site, **changes):
    body = {**QUARTERLY, **changes}
    made = make_survey(client, site, "nps", trigger_events=[], schedule=body)
    return made


def import_people(client, site, count: int, *, start: int = 0, **extra) -> None:
    lines = [
        json.dumps({"user_id": f"p{i}", "email": f"p{i}@example.com", **extra})
        for i in range(start, start + count)
    ]
    resp = client.post(
        "/v1/people/import",
        data="\n".join(lines).encode(),
        headers={**site.auth, "Content-Type": "application/x-ndjson"},
    )
    assert resp.status_code == 200, resp.get_json()


def begin_at(app, survey_id: str, since: datetime) -> None:
    """The schedule as if set at ``since`` (and the people as if there since then)."""
    from collector.models import User

    with app.app_context():
        session = db.session()
        session.execute(update(Survey).where(Survey.id == survey_id).values(schedule_since=since))
        session.execute(update(User).values(created_at=since - timedelta(days=1)))
        session.commit()


def tick(app, now: datetime) -> dict:
    with app.app_context():
        return schedule.run_schedules(now)


def mails(app) -> dict[str, str]:
    """How each person's survey e-mail went (``survey_mails``, the mailer's own record)."""
    with app.app_context():
        session = db.session()
        rows = session.execute(
            select(Prompt.user_id, SurveyMail.kind, SurveyMail.status).join(
                Prompt, Prompt.id == SurveyMail.prompt_id
            )
        ).all()
        session.commit()
    return {f"{user}:{kind}": status for user, kind, status in rows}


def asks(app, survey_id: str) -> list[SurveyAsk]:
    with app.app_context():
        session = db.session()
        found = list(session.scalars(select(SurveyAsk).where(SurveyAsk.survey_id == survey_id)))
        session.expunge_all()
        return found


@pytest.fixture
def mailing(app, smtp_server, worker):
    app.config["SMTP_URL"] = smtp_server.url
    app.config["PUBLIC_URL"] = "https://feedback.example.com"
    return smtp_server


# -- the field -----------------------------------------------------------------------------------


def test_a_survey_keeps_its_schedule_and_a_patch_replaces_or_removes_it(client, site):
    made = scheduled_survey(client, site)
    assert made["schedule"] == {**QUARTERLY, "reminder_days": None, "widget_days": 7}
    changed = client.patch(
        f"/v1/surveys/{made['id']}",
        json={"schedule": {**QUARTERLY, "every_days": 365, "reminder_days": 3}},
        headers=site.auth,
    ).get_json()
    assert changed["schedule"]["every_days"] == 365
    assert changed["schedule"]["reminder_days"] == 3
    half = client.patch(
        f"/v1/surveys/{made['id']}", json={"schedule": {"every_days": 30}}, headers=site.auth
    )
    assert half.status_code == 422  # the whole schedule or null, never half of one
    assert half.get_json()["error"]["param"].startswith("schedule.")
    gone = client.patch(f"/v1/surveys/{made['id']}", json={"schedule": None}, headers=site.auth)
    assert gone.get_json()["schedule"] is None


@pytest.mark.parametrize(
    ("change", "param", "words"),
    [
        ({"every_days": 3}, "schedule.every_days", "7 to 730"),
        ({"spread_days": 120}, "schedule.spread_days", "cannot be longer"),
        ({"channel": "sms"}, "schedule.channel", "email"),
        ({"send_window": {**WINDOW, "days": "weekdays"}}, "schedule.send_window.days", "mon-fri"),
        ({"send_window": {**WINDOW, "from": "9am"}}, "schedule.send_window.from", "HH:MM"),
        ({"send_window": {**WINDOW, "to": "08:00"}}, "schedule.send_window.to", "before"),
        ({"send_window": {**WINDOW, "tz": "Helsinki"}}, "schedule.send_window.tz", "IANA"),
        ({"reminder_days": 0}, "schedule.reminder_days", "1 to 21"),
    ],
)
def test_a_schedule_that_cannot_be_kept_is_refused_naming_the_field(
    client, site, change, param, words
):
    body = {"kind": "nps", "question": {"en": "Recommend us?"}, "schedule": {**QUARTERLY, **change}}
    resp = client.post("/v1/surveys", json=body, headers=site.auth)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["param"] == param
    assert words in error["message"]


def test_the_openapi_document_states_the_schedule(client):
    spec = client.get("/v1/openapi.json").get_json()
    window = spec["components"]["schemas"]["SendWindow"]
    assert "Europe/Helsinki" in window["properties"]["tz"]["enum"]
    assert set(window["required"]) == {"days", "from", "to", "tz"}


# -- the scheduler -------------------------------------------------------------------------------


def test_a_thousand_people_are_mailed_once_each_inside_the_window_spread_evenly(
    app, client, site, mailing, worker
):
    survey = scheduled_survey(client, site, every_days=14, spread_days=5)
    import_people(client, site, 1000)
    begin_at(app, survey["id"], START)
    now, end = START, START + timedelta(days=5)  # Monday 08:00 to Saturday 08:00 in Helsinki
    while now < end:
        tick(app, now)
        now += TICK
    worker.drain(timeout=600)  # a thousand mails on a busy machine: no speed is asserted
    made = asks(app, survey["id"])
    assert len(made) == 1000 and {a.user_id for a in made} == {f"p{i}" for i in range(1000)}
    per_day = Counter()
    for ask in made:
        at = ask.created_at.astimezone(rules.zone(HELSINKI))
        assert at.weekday() < 5 and 9 <= at.hour < 11, at
        per_day[at.date()] += 1
    assert len(per_day) == 5  # Monday to Friday of the first week
    assert all(abs(count - 200) <= 20 for count in per_day.values()), per_day
    messages = mailing.wait_for(1000, timeout=600)
    assert sorted(m["To"] for m in messages) == sorted(f"p{i}@example.com" for i in range(1000))
    assert set(mails(app).values()) == {"sent"} and len(mails(app)) == 1000
    # The rest of the turn: nobody is asked again.
    for hours in range(0, 9 * 24, 2):
        assert tick(app, end + timedelta(hours=hours))["opened"] == 0


def test_each_mail_has_text_html_the_unsubscribe_headers_and_score_links_that_record(
    app, client, site, mailing, worker
):
    survey = scheduled_survey(client, site)
    import_people(client, site, 1)
    begin_at(app, survey["id"], START)
    walk(app, START, days=30)
    worker.drain()
    (message,) = mailing.wait_for(1)
    assert message["To"] == "p0@example.com"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<https://feedback.example.com/u/")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "How likely are you to recommend" in text and "How likely" in html
    nine = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("9:"))
    parts = urlsplit(nine)
    page = client.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200
    answered = client.get(f"/v1/responses?survey={survey['id']}", headers=site.auth).get_json()
    assert [r["score"] for r in answered["data"]] == [9]


def walk(app, start: datetime, *, days: int) -> None:
    now = start
    while now < start + timedelta(days=days):
        tick(app, now)
        now += TICK * 6  # every half hour: enough to land in a two-hour window


def test_mails_whose_hand_over_was_lost_go_out_once_with_a_later_run(
    app, client, site, mailing, worker, monkeypatch
):
    from collector import jobs
    from collector.services import schedules, survey_mail

    survey = scheduled_survey(client, site, spread_days=1)
    import_people(client, site, 5)
    begin_at(app, survey["id"], START)
    closing = START.replace(hour=8, minute=56)  # the day's last run: everyone is due
    # The queue refuses the mails as the asks open (down, or the process died after its commit).
    refuse = jobs.Queue.enqueue

    def queue_down(self, declared, *args, **kw):
        if declared is survey_mail.send:
            raise ConnectionError("queue unavailable")
        return refuse(self, declared, *args, **kw)

    monkeypatch.setattr(jobs.Queue, "enqueue", queue_down)
    monkeypatch.setattr(schedules, "REQUEUE_AFTER", timedelta(0))  # a lost hand-over's hold
    assert tick(app, closing)["opened"] == 5
    worker.drain()
    assert mails(app) == {} and mailing.messages == []
    monkeypatch.setattr(jobs.Queue, "enqueue", refuse)  # the queue is back
    assert tick(app, closing)["requeued"] == 5
    worker.drain()
    assert tick(app, closing)["requeued"] == 0  # the mailer has them now
    worker.drain()
    messages = mailing.wait_for(5)
    assert sorted(m["To"] for m in messages) == [f"p{i}@example.com" for i in range(5)]
    assert set(mails(app).values()) == {"sent"}


def test_a_suppressed_address_is_never_mailed_and_a_bounce_suppresses(
    app, client, site, mailing, worker
):
    survey = scheduled_survey(client, site, spread_days=1)
    import_people(client, site, 3)
    client.post(
        "/v1/suppressions",
        json={"email": "p1@example.com", "reason": "unsubscribed"},
        headers=site.auth,
    )
    mailing.answer_next_rcpt("550 5.1.1 No such user")
    begin_at(app, survey["id"], START)
    walk(app, START, days=3)
    worker.drain()
    made = {a.user_id: a for a in asks(app, survey["id"])}
    assert "p1" not in made  # never asked by e-mail at all
    went = mails(app)
    assert sorted(went.values()) == ["bounced", "sent"]
    with app.app_context():
        reasons = dict(db.session().execute(select(Suppression.email, Suppression.reason)).all())
    bounced = next(f"{key.split(':')[0]}@example.com" for key, v in went.items() if v == "bounced")
    assert reasons[bounced] == "bounced" and reasons["p1@example.com"] == "unsubscribed"


def test_an_answer_in_the_app_starts_the_cadence_again(app, client, site, mailing, worker):
    survey = scheduled_survey(client, site, every_days=30, spread_days=7)
    import_people(client, site, 1)
    begin_at(app, survey["id"], START)
    with app.app_context():
        session = db.session()
        session.add(
            Prompt(
                id="prm_inapp",
                site_id=session.get(Survey, survey["id"]).site_id,
                survey_id=survey["id"],
                user_id="p0",
                origin="event",
                channel="widget",
                status="answered",
                created_at=START - timedelta(days=10),
                expires_at=START - timedelta(days=9),
                shown_at=START - timedelta(days=10),
                answered_at=START - timedelta(days=10),
            )
        )
        session.commit()
    walk(app, START, days=14)
    assert asks(app, survey["id"]) == []  # answered ten days ago: not before day 20
    walk(app, START + timedelta(days=14), days=14)
    (ask,) = asks(app, survey["id"])
    assert ask.created_at >= START + timedelta(days=20)


def test_one_site_never_asks_another_sites_people(app, client, site, other_site, mailing, worker):
    scheduled_survey(client, site, spread_days=1)
    import_people(client, other_site, 5)
    walk(app, datetime.now(UTC), days=3)
    worker.drain()
    assert mailing.messages == []


def test_widget_then_email_asks_in_the_app_first_and_mails_only_those_who_did_not_come(
    app, client, site, mailing, worker
):
    survey = scheduled_survey(client, site, channel="widget_then_email", spread_days=1)
    import_people(client, site, 2)
    begin_at(app, survey["id"], START)
    walk(app, START, days=1)
    made = asks(app, survey["id"])
    assert sorted(a.mail_status for a in made) == ["waiting", "waiting"]
    # p0 opens the app two days later: the prompt waits for them there.
    seen = call(client, "/v1/widget/session", visitor(site, "p0"))
    assert seen.status_code == 200, seen.get_json()
    prompt = seen.get_json()["prompt"]
    assert prompt is not None and prompt["kind"] == "nps"
    shown = call(
        client,
        f"/v1/widget/prompts/{prompt['id']}/shown",
        {"token": prompt["token"]},
    )
    assert shown.status_code == 204, shown.get_json()
    walk(app, START + timedelta(days=1), days=9)
    worker.drain()
    by_person = {a.user_id: a.mail_status for a in asks(app, survey["id"])}
    assert by_person == {"p0": "in_app", "p1": "queued"}
    assert mails(app) == {"p1:ask": "sent"}
    assert [m["To"] for m in mailing.messages] == ["p1@example.com"]


def test_one_reminder_goes_to_those_who_did_not_answer(app, client, site, mailing, worker):
    survey = scheduled_survey(client, site, spread_days=1, reminder_days=3)
    import_people(client, site, 2)
    begin_at(app, survey["id"], START)
    walk(app, START, days=1)
    worker.drain()
    first = mailing.wait_for(2)
    link = next(
        line.split(": ", 1)[1]
        for line in first[0].get_body(("plain",)).get_content().splitlines()
        if line.startswith("10")
    )
    client.get(urlsplit(link).path + "?" + urlsplit(link).query)
    walk(app, START + timedelta(days=1), days=10)
    worker.drain()
    assert len(mailing.messages) == 3
    reminder = mailing.messages[2]
    assert reminder["To"] != first[0]["To"]
    assert reminder["Message-ID"].startswith("<survey.") and ".reminder@" in reminder["Message-ID"]
    with app.app_context():
        count = db.session().scalar(select(func.count()).select_from(Prompt))
    assert count == 2  # the reminder is the same prompt's link again
