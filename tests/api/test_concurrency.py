"""Racing callers: the database, not a read-then-write, keeps one answer per prompt."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from collector import create_app, db
from collector.models import EventCount, Prompt, Response, ScoreCount, SegmentCount
from tests.api.prompting import answer, ask, count, make_survey, track


@pytest.fixture
def unlimited(app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": False})
    yield app
    app.extensions["fiilis.engine"].dispose()


def race(app, n: int, call) -> list:
    """Run ``call(client)`` from ``n`` threads at once, each with its own test client."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        try:
            results[i] = call(client)
        except Exception as e:  # reported below, with the others
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_200_concurrent_submissions_of_one_answer_store_one_row(unlimited, site):
    client = unlimited.test_client()
    make_survey(client, site)
    prompt = ask(client, site)
    rid = str(uuid.uuid4())

    results = race(unlimited, 200, lambda c: answer(c, prompt, 4, rid))
    statuses = Counter(r.status_code if not isinstance(r, Exception) else repr(r) for r in results)
    assert statuses == {201: 1, 200: 199}
    bodies = {r.get_json()["id"] for r in results}
    assert bodies == {rid}
    assert count(unlimited, Response) == 1


def test_racing_different_scores_keep_the_first_and_refuse_the_rest(unlimited, site):
    client = unlimited.test_client()
    make_survey(client, site, "nps")
    prompt = ask(client, site)

    results = race(unlimited, 40, lambda c: answer(c, prompt, 7 + (id(c) % 3)))
    statuses = Counter(r.status_code for r in results)
    assert statuses[201] == 1
    assert set(statuses) <= {201, 200, 409}
    assert count(unlimited, Response) == 1


def test_racing_events_of_one_user_open_one_prompt(unlimited, site):
    client = unlimited.test_client()
    make_survey(client, site)

    results = race(unlimited, 30, lambda c: track(c, site))
    assert {r.status_code for r in results} == {200}
    assert len({r.get_json()["prompt"]["id"] for r in results}) == 1
    assert count(unlimited, Prompt) == 1


def test_racing_triggers_with_one_idempotency_key_open_one_prompt(unlimited, site):
    client = unlimited.test_client()
    survey = make_survey(client, site)
    body = {"user_id": "u1", "survey": survey["id"], "channel": "link"}
    headers = {**site.auth, "Idempotency-Key": "one-key"}

    results = race(unlimited, 30, lambda c: c.post("/v1/prompts", json=body, headers=headers))
    assert {r.status_code for r in results} == {201}
    assert len({r.get_json()["id"] for r in results}) == 1
    assert count(unlimited, Prompt) == 1


def test_racing_answers_of_one_count_are_all_counted(unlimited, site):
    """Many writers add to the same counts (a segment's, the hour's, the event's) at once: none
    is lost."""
    client = unlimited.test_client()
    survey = make_survey(client, site, "nps")
    resp = client.patch("/v1/site", json={"segments": ["plan"]}, headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    prompts = [ask(client, site, user_id=f"r{i}", traits={"plan": "pro"}) for i in range(40)]
    results = race(unlimited, 40, lambda c: answer(c, prompts.pop(), 9))
    assert [getattr(r, "status_code", r) for r in results] == [201] * 40
    with unlimited.app_context():
        counts = db.session().execute(
            select(SegmentCount.value, SegmentCount.score, SegmentCount.n).where(
                SegmentCount.survey_id == survey["id"]
            )
        )
        assert counts.all() == [("pro", 9, 40)]
        # The hourly and daily answer counts too (all 40 in this hour and day, unless the race
        # straddled an hour: then the two hours add up).
        hourly = select(ScoreCount.score, func.sum(ScoreCount.n)).group_by(ScoreCount.score)
        assert db.session().execute(hourly.where(ScoreCount.survey_id == survey["id"])).all() == [
            (9, 40)
        ]
        daily = select(EventCount.event, EventCount.score, func.sum(EventCount.n))
        daily = daily.where(EventCount.survey_id == survey["id"])
        assert db.session().execute(daily.group_by(EventCount.event, EventCount.score)).all() == [
            ("invoice.paid", 9, 40)
        ]
