"""`fiilis demo` started again, or failing to start: what was edited in Settings stays, and a
start that cannot listen writes nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from collector import db
from collector.demo import setup
from collector.models import Site, Survey
from collector.services import sites


def test_a_restart_keeps_the_origins_and_theme_edited_in_settings(app, tmp_path):
    demo_origins = ["http://127.0.0.1:5001", "http://localhost:5001"]
    with app.app_context():
        k, _ = setup(db.session(), tmp_path, demo_origins)
        site = sites.by_public_key(db.session(), k["public_key"])
        assert site.theme == {"accent": "#4f46e5"}
        sites.update(
            db.session(),
            site,
            {
                "allowed_origins": [*site.allowed_origins, "https://app.mine.test"],
                "theme": {"accent": "#ef4444", "position": "top-left"},
            },
        )
    with app.app_context():
        again, _ = setup(db.session(), tmp_path, demo_origins)
        assert again["public_key"] == k["public_key"]
        site = sites.by_public_key(db.session(), k["public_key"])
        assert site.allowed_origins == [*demo_origins, "https://app.mine.test"]
        assert site.theme == {"accent": "#ef4444", "position": "top-left"}


def test_a_start_that_cannot_listen_changes_nothing(app_config, tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {**os.environ, "FIILIS_ENV": "development", "FIILIS_DATABASE_URL": url}
    cli = [sys.executable, "-m", "collector.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [*cli, "demo", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
    assert done.returncode == 2, done.stderr
    assert f"Cannot listen on 127.0.0.1:{port}" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    from sqlalchemy import create_engine, func, select

    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Site)) == 0
        assert conn.scalar(select(func.count()).select_from(Survey)) == 0
    engine.dispose()


def test_the_demo_holds_last_months_review_with_one_action_done(app, tmp_path):
    from collector.models import Action, Review
    from collector.services import reviews

    origins = ["http://127.0.0.1:5001"]
    for _ in range(2):  # a restart adds nothing
        with app.app_context():
            k, ids = setup(db.session(), tmp_path, origins)
    with app.app_context():
        session = db.session()
        site = sites.by_public_key(session, k["public_key"])
        (review,) = session.query(Review).filter_by(site_id=site.id).all()
        actions = session.query(Action).filter_by(review_id=review.id).all()
        assert sorted(a.status for a in actions) == ["done", "open", "open"]
        (done,) = [a for a in actions if a.status == "done"]
        since = reviews.since_done(
            session,
            session.get(Survey, ids["csat"]),
            done.done_at,
            review.until - review.since,
            done.done_at + (review.until - review.since),
        )
        assert since.n_before > 0 and since.n_after > 0  # something to show beside it


def test_the_demos_relationship_nps_mails_its_people_at_the_next_run_and_only_then(app, tmp_path):
    from collector import schedule
    from collector.demo import PEOPLE, run_schedule
    from collector.models import SurveyAsk

    origins = ["http://127.0.0.1:5001"]
    for _ in range(2):  # a restart adds nobody
        with app.app_context():
            _, ids = setup(db.session(), tmp_path, origins)
    assert run_schedule(app)["opened"] == len(PEOPLE)
    with app.app_context():
        asked = db.session().query(SurveyAsk).filter_by(survey_id=ids["nps"]).all()
        assert sorted(a.user_id for a in asked) == sorted(p[0] for p in PEOPLE)
        assert {a.mail_status for a in asked} == {"queued"}
        assert schedule.run_schedules()["opened"] == 0  # once a turn
