"""Scheduled surveys benchmark: the scheduler's run over 100 000 people, and survey mails per
second through the worker to a local SMTP server (aiosmtpd).

- **Scheduler run**: a site with 100 000 people (with addresses) and a quarterly NPS spread over
  30 days. Times one run of ``run_schedules`` inside the send window (the run that opens the
  asks due now, each in its own transaction, and queues their mails), one more run at the same
  moment (nothing new is due: the steady cost of every run), and one outside the window. The
  baseline, in the same run on the same database: a bare ``SELECT`` of the same people's
  columns, i.e. what reading them costs with no deciding at all.
- **Mails per second**: ``--mails`` asks opened and their mails queued
  (``survey_mail.send``), then a real huey consumer (2 threads, as ``fiilis worker`` runs) sends
  them to a local aiosmtpd server; timed from the start of the consumer to the last message
  received. Baselines: the same number of the same messages sent by ``smtplib`` in one thread,
  with no database, in one connection each and all over one connection.

Both parts run on SQLite and on PostgreSQL in one run: a database of its own on the server of
``FIILIS_TEST_DATABASE_URL`` (default ``postgres@127.0.0.1:5432``), created and dropped here.

    .venv/bin/python bench/schedule.py [--people 100000] [--mails 500] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import smtplib
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, update  # noqa: E402

from collector import create_app, db, jobs, mail, migrate, schedule  # noqa: E402
from collector.models import Prompt, Site, Survey, SurveyAsk, User  # noqa: E402
from collector.services import schedules, sites, survey_mail, surveys  # noqa: E402
from tests.conftest import scratch_postgres  # noqa: E402
from tests.smtp import SMTPServer  # noqa: E402
from tests.workers import Worker  # noqa: E402

MONDAY = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # 08:00 in Helsinki
SCHEDULE = {
    "every_days": 90,
    "channel": "email",
    "spread_days": 30,
    "send_window": {"days": "mon-fri", "from": "09:00", "to": "11:00", "tz": "Europe/Helsinki"},
}


def make_app(url: str, folder: Path, **extra):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-" + "x" * 40,
            "DATABASE_URL": url,
            "QUEUE_URL": f"sqlite:///{folder / 'queue.db'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "PUBLIC_URL": "https://feedback.example.com",
            **extra,
        }
    )


def seed(app, people: int) -> str:
    with app.app_context():
        session = db.session()
        site = sites.create(session, name="Bench", origins=["https://app.example.com"]).site
        survey = surveys.create(
            session,
            site,
            {"kind": "nps", "question": {"en": "Recommend us?"}, "schedule": SCHEDULE},
        )
        session.execute(update(Survey).where(Survey.id == survey.id).values(schedule_since=MONDAY))
        rows = [
            {
                "site_id": site.id,
                "user_id": f"person-{i}",
                "email": f"person-{i}@example.com",
                "traits": {"plan": "pro"} if i % 3 else {},
                "created_at": MONDAY - timedelta(days=30),
                "last_seen_at": MONDAY - timedelta(days=1),
            }
            for i in range(people)
        ]
        for start in range(0, people, 10_000):
            session.execute(insert(User), rows[start : start + 10_000])
        session.commit()
        return site.id


def timed(func) -> tuple[float, object]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def scheduler(url: str, folder: Path, people: int, label: str) -> dict:
    app = make_app(url, folder)
    site_id = seed(app, people)
    inside = MONDAY + timedelta(days=3, hours=2)  # Thursday 10:00 in Helsinki
    outside = MONDAY + timedelta(days=3, hours=12)  # Thursday 20:00
    with app.app_context():
        columns = select(User.user_id, User.email, User.traits, User.created_at, User.locale)
        bare, found = timed(
            lambda: db.session().execute(columns.where(User.site_id == site_id)).all()
        )
        db.session().commit()
        assert len(found) == people
        first, opened = timed(lambda: schedule.run_schedules(inside))
        again, second = timed(lambda: schedule.run_schedules(inside))
        closed, _ = timed(lambda: schedule.run_schedules(outside))
    app.extensions["fiilis.engine"].dispose()
    print(
        f"{label}: {people} people; bare SELECT {bare * 1000:.0f} ms; "
        f"run opening {opened['opened']} asks {first * 1000:.0f} ms ({first / bare:.1f}×); "
        f"next run, none due {again * 1000:.0f} ms ({again / bare:.1f}×, opened "
        f"{second['opened']}); window closed {closed * 1000:.1f} ms"
    )
    return {"bare": bare, "first": first, "opened": opened["opened"], "again": again}


def mails(url: str, folder: Path, count: int, label: str) -> dict:
    server = SMTPServer().start()
    app = make_app(url, folder, SMTP_URL=server.url)
    seed(app, count)
    # Open every ask at once (spread over one day, run at the day's last slot), not yet sent.
    with app.app_context():
        session = db.session()
        session.execute(
            update(Survey).values(schedule={**SCHEDULE, "spread_days": 1}, schedule_since=MONDAY)
        )
        session.commit()
        scheduled = schedules.scheduled_surveys(session)[0]
        closing = MONDAY.replace(
            hour=8, minute=56
        )  # 10:56 in Helsinki: the last slots are before it
        for candidate, verdict in schedules.due(
            scheduled, schedules.candidates(session, scheduled, closing), closing
        ):
            schedules.open_ask(session, scheduled, candidate, verdict.turn, closing)
            session.commit()
        prompt_ids = list(session.scalars(select(SurveyAsk.prompt_id)))
        assert len(prompt_ids) == count, len(prompt_ids)
        for prompt_id in prompt_ids:
            jobs.enqueue(survey_mail.send, prompt_id, "ask")
        messages = []
        for prompt_id in prompt_ids:
            prompt = session.get(Prompt, prompt_id)
            person = session.scalar(select(User).where(User.user_id == prompt.user_id))
            built = survey_mail.compose(
                session.get(Site, prompt.site_id),
                session.get(Survey, prompt.survey_id),
                prompt,
                person,
                base="https://feedback.example.com",
            )
            messages.append(mail.build(built, sender="bench@example.com"))
    worker = Worker(app)
    started = time.perf_counter()
    worker.start()
    server.wait_for(count, timeout=600)
    through_worker = time.perf_counter() - started
    worker.drain(timeout=120)
    worker.stop()
    received = len(server.messages)

    # Baselines: smtplib alone, the same messages, with a connection each and over one connection.
    direct_server = SMTPServer().start()
    started = time.perf_counter()
    for message in messages:
        with smtplib.SMTP("127.0.0.1", direct_server.port, timeout=10) as client:
            client.send_message(message)
    direct_server.wait_for(count, timeout=600)
    direct = time.perf_counter() - started
    kept_server = SMTPServer().start()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", kept_server.port, timeout=10) as client:
        for message in messages:
            client.send_message(message)
    kept_server.wait_for(count, timeout=600)
    kept = time.perf_counter() - started
    for each in (server, direct_server, kept_server):
        each.stop()
    app.extensions["fiilis.engine"].dispose()
    print(
        f"{label} mails: {received} through the worker in {through_worker:.2f} s = "
        f"{count / through_worker:.0f}/s over {server.connections()} connection(s); smtplib alone "
        f"{count / direct:.0f}/s with a connection each, {count / kept:.0f}/s over one (the worker "
        f"at {direct / through_worker:.2f}× and {kept / through_worker:.2f}× of them)"
    )
    return {
        "worker_per_s": count / through_worker,
        "smtplib_per_s": count / direct,
        "smtplib_one_connection_per_s": count / kept,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--mails", type=int, default=500)
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    found: dict = {"people": args.people, "mails": args.mails}
    with tempfile.TemporaryDirectory() as tmp:
        for label, database in backends(not args.skip_postgres, Path(tmp)):
            with database() as (url, folder):
                migrate.upgrade(url)
                found[label] = scheduler(url, folder, args.people, label)
            with database() as (url, folder):
                migrate.upgrade(url)
                found[label]["mails"] = mails(url, folder, args.mails, label)
    print(json.dumps(found))


def backends(postgres: bool, tmp: Path):
    """``(label, database)``: each ``database()`` is a fresh, empty database and a folder."""
    counter = iter(range(100))

    @contextmanager
    def sqlite():
        folder = tmp / f"sqlite-{next(counter)}"
        folder.mkdir()
        yield f"sqlite:///{folder / 'bench.db'}", folder

    @contextmanager
    def postgresql():
        folder = tmp / f"postgres-{next(counter)}"
        folder.mkdir()
        with scratch_postgres() as url:
            yield url, folder

    yield "SQLite", sqlite
    if postgres:
        yield "PostgreSQL", postgresql


if __name__ == "__main__":
    main()
