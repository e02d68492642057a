"""Two worker processes run the same schedule at once and one is killed (SIGKILL) halfway: every
person still gets one prompt and one mail for the turn, through a real SMTP server."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from collector import db, jobs, schedule
from collector.models import Prompt, SurveyAsk, SurveyMail
from collector.services import schedules, survey_mail
from tests.api.test_schedule import START, begin_at, import_people, scheduled_survey

PEOPLE = 300

# A worker as `fiilis worker` runs one: a huey consumer of the app's queue, in its own process.
WORKER = r"""
import json, sys
from datetime import timedelta
from collector import create_app, jobs
from collector.services import schedules, survey_mail
# What the kill cuts off is taken up a second later: a send it held, a hand-over it lost.
survey_mail.LEASE = schedules.REQUEUE_AFTER = timedelta(seconds=1)
app = create_app(json.loads(sys.argv[1]))
consumer = jobs.queue(app).huey.create_consumer(
    workers=2, worker_type="thread", periodic=False, initial_delay=0.01, backoff=1.2,
    max_delay=0.05, scheduler_interval=1, check_worker_health=False,
)
consumer.run()
"""


def count(app, what) -> int:
    with app.app_context():
        session = db.session()
        found = session.scalar(select(func.count()).select_from(what))
        session.commit()
        return found


def test_two_workers_and_one_killed_mid_run_still_ask_and_mail_each_person_once(
    app, app_config, client, site, smtp_server, monkeypatch
):
    monkeypatch.setattr(survey_mail, "LEASE", timedelta(seconds=1))
    monkeypatch.setattr(schedules, "REQUEUE_AFTER", timedelta(seconds=1))
    survey = scheduled_survey(client, site, spread_days=1)
    import_people(client, site, PEOPLE)
    begin_at(app, survey["id"], START)
    # The last run of the day's window: every one of the people is due at once.
    closing = START.replace(hour=8, minute=56)  # 10:56 in Helsinki: after the last slot
    config = {
        **app_config,
        "SMTP_URL": smtp_server.url,
        "PUBLIC_URL": "https://feedback.example.com",
    }
    app.config.update(config)
    with app.app_context():
        for _ in range(2):  # the periodic run, picked up by both workers at once
            jobs.enqueue(schedule.run_schedules, closing)
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(config)]) for _ in range(2)
    ]
    killed, other = workers
    try:
        deadline = time.monotonic() + 120
        while count(app, SurveyAsk) < PEOPLE // 5:
            assert time.monotonic() < deadline, "the runs did not start"
            time.sleep(0.01)
        killed.kill()  # SIGKILL: no clean-up, whatever it was doing
        killed.wait(30)
        while jobs.queue(app).huey.pending_count():  # the survivor finishes what is queued
            assert other.poll() is None and time.monotonic() < deadline, "the worker stopped"
            time.sleep(0.05)
        time.sleep(0.5)  # its last jobs end
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(30)
    assert killed.returncode == -9

    # The next periodic run (by a worker started afresh) finishes what the killed one left.
    from tests.workers import Worker

    time.sleep(1.1)  # past the killed worker's hold on a send it claimed or a mail it handed over
    again = Worker(app).start()
    try:
        with app.app_context():
            jobs.enqueue(schedule.run_schedules, closing)  # hand-overs the kill lost
            jobs.enqueue(survey_mail.sweep)  # sends the kill cut off
        again.drain(timeout=120)
    finally:
        again.stop()
    again.raise_errors()

    assert count(app, SurveyAsk) == PEOPLE
    assert count(app, Prompt) == PEOPLE
    with app.app_context():
        statuses = Counter(db.session().scalars(select(SurveyMail.status)))
    assert statuses == {"sent": PEOPLE}
    # One mail each. (A worker killed after the mail server took a message and before it wrote
    # "sent" leaves a send the next run makes again: the same message, the same Message-ID, which
    # mail clients show once. So messages are counted by Message-ID.)
    messages = smtp_server.wait_for(PEOPLE, timeout=60)
    mails = {(m["To"], m["Message-ID"]) for m in messages}
    assert Counter(to for to, _ in mails) == {f"p{i}@example.com": 1 for i in range(PEOPLE)}
