"""A scheduled survey's Sends page: per turn what was sent, opened, answered, bounced and
unsubscribed; the next people to be asked, with when; and the schedule in the survey editor."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from tests.api.test_schedule import START, begin_at, import_people, scheduled_survey, walk
from tests.api.test_team import logged_in, token


@pytest.fixture
def viewer(app, site):
    return logged_in(app, site, "val@acme.test", "viewer")


def cells(page: str, turn: int) -> dict[str, str]:
    row = re.search(rf'<tr data-turn="{turn}">(.*?)</tr>', page, re.S).group(1)
    found = re.findall(r'data-label="([^"]+)">([0-9 ]+)', row)
    return {label: value.strip() for label, value in found}


def test_the_sends_page_counts_each_turn_and_lists_who_is_next(
    app, client, site, viewer, smtp_server, worker
):
    app.config["SMTP_URL"] = smtp_server.url
    survey = scheduled_survey(client, site, spread_days=1)
    import_people(client, site, 4)
    client.post(
        "/v1/suppressions",
        json={"email": "p3@example.com", "reason": "unsubscribed"},
        headers=site.auth,
    )
    smtp_server.answer_next_rcpt("550 5.1.1 No such user")
    began = START - timedelta(days=14)  # a Monday in the past: the unsubscribe comes after it
    begin_at(app, survey["id"], began)
    walk(app, began, days=2)
    worker.drain()
    messages = smtp_server.wait_for(2)
    text = messages[0].get_body(("plain",)).get_content()
    nine = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("9"))
    parts = urlsplit(nine)
    assert client.get(f"{parts.path}?{parts.query}").status_code == 200
    unsubscribe = messages[1]["List-Unsubscribe"].strip("<>")
    client.post(urlsplit(unsubscribe).path, data={"List-Unsubscribe": "One-Click"})

    page = viewer.get(f"/dashboard/surveys/{survey['id']}/sends")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert cells(html, 0) == {
        "Asked": "3",
        "Sent": "2",
        "Opened": "1",
        "Answered": "1",
        "Bounced": "1",
        "Unsubscribed": "1",
        "Asked in the app": "0",
    }
    # Next comes the next turn of the one who answered; the bounced address, the one that
    # unsubscribed and p3 (suppressed from the start) are never asked again.
    upcoming = re.findall(r"<th scope=\"row\"><code>(p\d)</code>", html)
    assert upcoming == [messages[0]["To"].split("@")[0]]


def test_another_sites_survey_has_no_sends_page(app, client, site, other_site):
    theirs = scheduled_survey(client, other_site)
    mine = logged_in(app, site, "val@acme.test", "viewer")
    assert mine.get(f"/dashboard/surveys/{theirs['id']}/sends").status_code == 404


def test_the_editor_sets_changes_and_stops_a_schedule(app, client, site):
    editor = logged_in(app, site, "eda@acme.test", "editor")
    made = scheduled_survey(client, site)
    path = f"/dashboard/surveys/{made['id']}"
    form = editor.get(path).get_data(as_text=True)
    assert 'name="schedule" checked' in form and 'value="Europe/Helsinki"' in form
    fields = {
        "csrf_token": token(editor, path),
        "question_en": made["question"]["en"],
        "active": "on",
        "schedule": "on",
        "schedule_every_days": "365",
        "schedule_spread_days": "30",
        "schedule_channel": "email",
        "schedule_widget_days": "7",
        "schedule_days": "mon,wed",
        "schedule_from": "10:00",
        "schedule_to": "12:00",
        "schedule_tz": "Europe/Stockholm",
        "schedule_reminder_days": "",
    }
    assert editor.post(path, data=fields).status_code == 302
    stored = client.get(f"/v1/surveys/{made['id']}", headers=site.auth).get_json()["schedule"]
    assert stored["every_days"] == 365 and stored["send_window"]["tz"] == "Europe/Stockholm"
    refused = editor.post(path, data={**fields, "schedule_tz": "Stockholm"})
    assert refused.status_code == 422
    assert "IANA" in refused.get_data(as_text=True)
    del fields["schedule"]
    assert editor.post(path, data=fields).status_code == 302
    stopped = client.get(f"/v1/surveys/{made['id']}", headers=site.auth).get_json()
    assert stopped["schedule"] is None


def test_the_next_turn_shows_when_each_person_is_asked(app, client, site, viewer):
    survey = scheduled_survey(client, site, spread_days=30)
    import_people(client, site, 30)
    begin_at(app, survey["id"], START - timedelta(days=1))
    html = viewer.get(f"/dashboard/surveys/{survey['id']}/sends").get_data(as_text=True)
    assert "Nothing sent yet." in html
    times = re.findall(r'<td data-label="Asked"><time datetime="([^"]+)"', html)
    assert len(times) == 20 and times == sorted(times)


def test_who_is_asked_next_is_never_shown_at_a_moment_past(app, client, site):
    """Long due (a spread begun weeks ago), looked at inside the window, as it closes, and at
    night: each shown moment is a coming run inside the window, the first the next run."""
    from collector import db
    from collector.domain import schedule as rules
    from collector.models import Survey
    from collector.services import schedules

    survey = scheduled_survey(client, site, spread_days=30)
    import_people(client, site, 30)
    begin_at(app, survey["id"], START - timedelta(days=28))
    thursday = START + timedelta(days=3)  # 06:00 UTC, 08:00 in Helsinki
    with app.app_context():
        found = schedules.scheduled(db.session(), db.session().get(Survey, survey["id"]))
        for now in (
            thursday + timedelta(hours=1, minutes=12, seconds=40),  # 10:12:40, open
            thursday + timedelta(hours=2, minutes=57),  # 10:57, the 11:00 run is outside
            thursday + timedelta(hours=16),  # midnight
        ):
            upcoming = schedules.due_next(db.session(), found, now)
            assert len(upcoming) == 20
            for person in upcoming:
                assert person.at > now, (now, person)
                assert rules.in_window(found.schedule, "Europe/Helsinki", person.at)
        inside = schedules.due_next(db.session(), found, thursday + timedelta(hours=1, minutes=12))
        assert inside[0].at == thursday + timedelta(hours=1, minutes=15)  # the next run
        closing = schedules.due_next(db.session(), found, thursday + timedelta(hours=2, minutes=57))
        assert closing[0].at == thursday + timedelta(days=1, hours=1)  # Friday 09:00


def test_the_page_says_now_for_those_asked_at_the_next_run(app, client, site, viewer):
    survey = scheduled_survey(
        client,
        site,
        spread_days=1,
        send_window={"days": "mon-sun", "from": "00:00", "to": "23:59", "tz": "Europe/Helsinki"},
    )
    import_people(client, site, 3)
    begin_at(app, survey["id"], START - timedelta(days=14))  # long due, in an always-open window
    html = viewer.get(f"/dashboard/surveys/{survey['id']}/sends").get_data(as_text=True)
    assert html.count("Now, at the next run") == 3
