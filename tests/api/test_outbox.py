"""The outbox: every reported change is written with the change, dispatched only after its commit,
and found again by the sweep when its enqueue was lost."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from collector import create_app, db, jobs, outbox
from collector.models import OutboxEvent
from tests.api.prompting import answer as answer_widget
from tests.api.prompting import ask, call, make_survey
from tests.workers import Worker


@pytest.fixture
def delivered():
    """What an outbox consumer is handed, as the envelopes receivers get."""
    seen: list[dict] = []

    def keep(_db, event):
        seen.append(outbox.envelope(event))

    outbox.consumer(keep)
    yield seen
    outbox._consumers.remove(keep)


@pytest.fixture(autouse=True)
def csat(client, site):
    return make_survey(client, site, "csat")


def answered(client, site, score=3, comment=None, user_id="u1"):
    prompt = ask(client, site, user_id=user_id)
    resp = answer_widget(client, prompt, score)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    if comment is not None:
        patched = call(
            client,
            f"/v1/widget/responses/{body['id']}",
            {"token": prompt["token"], "comment": comment},
            method="PATCH",
        )
        assert patched.status_code == 200, patched.get_json()
    return body["id"]


def events_in_outbox(app) -> list[OutboxEvent]:
    with app.app_context():
        return list(db.session().scalars(select(OutboxEvent).order_by(OutboxEvent.created_at)))


def test_an_answer_reaches_consumers_as_the_api_shows_it(app, client, site, worker, delivered):
    response_id = answered(client, site, score=2)
    worker.drain()
    assert [e["type"] for e in delivered] == ["response.created"]
    event = delivered[0]
    assert event["id"].startswith("evt_")
    assert event["created_at"].endswith("Z")
    shown = client.get(f"/v1/responses/{response_id}", headers=site.auth).get_json()
    assert event["data"] == shown
    assert events_in_outbox(app)[0].dispatched_at is not None


def test_comment_and_follow_up_are_events_of_their_own_in_order(client, site, worker, delivered):
    response_id = answered(client, site, score=1, comment="Too slow")
    changed = client.patch(
        f"/v1/responses/{response_id}",
        json={"followup_status": "in_progress", "followup_owner": "ana"},
        headers=site.auth,
    )
    assert changed.status_code == 200
    worker.drain()
    types = [e["type"] for e in delivered]
    assert sorted(types) == ["followup.updated", "response.created", "response.updated"]
    by_type = {e["type"]: e for e in delivered}
    assert by_type["response.updated"]["data"]["comment"] == "Too slow"
    assert by_type["followup.updated"]["data"]["followup_owner"] == "ana"
    assert len({e["id"] for e in delivered}) == 3


def test_a_follow_up_patch_that_changes_nothing_sends_nothing(app, client, site, worker):
    response_id = answered(client, site)
    status = client.get(f"/v1/responses/{response_id}", headers=site.auth).get_json()
    client.patch(
        f"/v1/responses/{response_id}",
        json={"followup_status": status["followup_status"]},
        headers=site.auth,
    )
    assert [e.type for e in events_in_outbox(app)] == ["response.created"]


def test_a_rolled_back_change_leaves_no_event_and_queues_nothing(app, site):
    huey = jobs.queue(app).huey
    with app.app_context():
        session = db.session()
        outbox.record(session, "response.created", site.site_id, "rsp_never")
        session.rollback()
        session.commit()  # a later commit of the same session does not resurrect it
    assert events_in_outbox(app) == []
    assert huey.pending_count() == 0


def test_a_committed_event_is_queued_once_after_the_commit(app, site):
    huey = jobs.queue(app).huey
    with app.app_context():
        session = db.session()
        outbox.record(session, "response.created", site.site_id, "rsp_1")
        assert huey.pending_count() == 0  # not before the commit
        session.commit()
    assert huey.pending_count() == 1


def test_dispatching_an_event_twice_hands_it_over_once(app, client, site, worker, delivered):
    answered(client, site)
    worker.drain()
    event_id = delivered[0]["id"]
    worker.run(outbox.dispatch, event_id)
    assert [e["id"] for e in delivered] == [event_id]


def test_an_event_about_an_erased_response_sends_nothing(app, client, site, delivered):
    answered(client, site, user_id="gone")
    assert client.delete("/v1/users/gone", headers=site.auth).status_code in (200, 204)
    running = Worker(app).start()
    try:
        running.drain()
    finally:
        running.stop()
    assert delivered == []


def test_the_sweep_delivers_an_event_whose_enqueue_was_lost(app_config, client, site, delivered):
    # The web process commits the answer but cannot reach its queue (Redis down): the answer
    # stands, and the worker's sweep finds the event.
    broken = create_app({**app_config, "QUEUE_URL": "redis://127.0.0.1:1/0"})
    web = broken.test_client()
    prompt = ask(web, site)
    assert answer_widget(web, prompt, 4).status_code == 201
    broken.extensions["fiilis.engine"].dispose()

    worker_app = create_app({**app_config, "OUTBOX_SWEEP_AFTER": 0})
    running = Worker(worker_app).start()
    try:
        running.drain()
        assert delivered == []  # nothing was queued
        running.run(outbox.sweep)
    finally:
        running.stop()
        worker_app.extensions["fiilis.engine"].dispose()
    [event] = events_in_outbox(worker_app)
    assert [e["id"] for e in delivered] == [event.id]


def test_the_sweep_leaves_recently_queued_events_alone(app, client, site):
    answered(client, site)
    with app.app_context():
        assert outbox.sweep() == 0  # enqueued at commit, well within OUTBOX_SWEEP_AFTER
    assert jobs.queue(app).huey.pending_count() == 1


def test_old_dispatched_events_are_forgotten(app, client, site, worker):
    answered(client, site)
    worker.drain()
    app.config["OUTBOX_KEEP_DAYS"] = 0
    with app.app_context():
        assert outbox.forget_old_events() == 1
        assert db.session().scalar(select(func.count()).select_from(OutboxEvent)) == 0


def test_the_sweep_runs_every_minute_on_the_worker(app):
    from datetime import datetime

    huey = jobs.queue(app).huey
    for minute in (0, 1, 37):
        due = {t.name for t in huey.read_periodic(datetime(2026, 12, 1, 10, minute))}
        assert "collector.outbox.sweep" in due


def test_a_bulk_follow_up_change_is_one_event_per_response_it_changed(
    app, client, site, worker, delivered
):
    from collector.models import Site
    from collector.services import triage

    first, second = answered(client, site, user_id="a"), answered(client, site, user_id="b")
    worker.drain()
    delivered.clear()
    with app.app_context():
        session = db.session()
        owner = session.get(Site, site.site_id)
        triage.bulk_followup(session, owner, [first], {"followup_status": "closed"}, actor="ana")
        triage.bulk_followup(
            session, owner, [first, second], {"followup_status": "closed"}, actor="ana"
        )
    worker.drain()
    assert sorted((e["type"], e["data"]["id"]) for e in delivered) == sorted(
        [("followup.updated", first), ("followup.updated", second)]
    )


# -- one dispatch per window: the answer path writes to the queue about twice a second ----------


def test_a_burst_of_answers_is_one_queue_write_and_every_event_arrives_once(
    app, client, site, delivered
):
    app.config["OUTBOX_DISPATCH_WINDOW"] = 30.0  # as in production, but wide: nothing expires
    huey = jobs.queue(app).huey
    ids = [answered(client, site, score=s, user_id=f"u{s}") for s in (1, 2, 3, 4, 5)]
    [queued] = huey.pending()  # one drain, due at the end of the window
    assert queued.name == "collector.outbox.drain" and queued.eta is not None
    # The worker runs the drain when it is due; here, now.
    with app.app_context():
        assert outbox.drain() == 5
        assert outbox.drain() == 0
    assert sorted(e["data"]["id"] for e in delivered) == sorted(ids)
    assert len({e["id"] for e in delivered}) == 5


def test_a_commit_after_half_the_window_schedules_a_drain_of_its_own(app, client, site):
    import time

    app.config["OUTBOX_DISPATCH_WINDOW"] = 0.4
    huey = jobs.queue(app).huey
    answered(client, site, user_id="a")
    answered(client, site, user_id="b")  # the drain already scheduled runs after this commit
    assert huey.pending_count() == 1
    time.sleep(0.25)  # past half the window: that drain may start before the next commit
    answered(client, site, user_id="c")
    assert huey.pending_count() == 2


def test_events_gathered_in_a_window_reach_the_worker_within_seconds(
    app, client, site, worker, delivered
):
    app.config["OUTBOX_DISPATCH_WINDOW"] = 1.0  # the default
    first = answered(client, site, score=1, comment="Too slow")
    worker.drain()  # waits for the scheduled drain, then for what it enqueued
    assert sorted(e["type"] for e in delivered) == ["response.created", "response.updated"]
    assert {e["data"]["id"] for e in delivered} == {first}
    assert all(e.dispatched_at is not None for e in events_in_outbox(app))


def test_a_drain_dispatches_the_others_when_one_event_fails(app, client, site, delivered):
    ok, broken = answered(client, site, user_id="a"), answered(client, site, user_id="b")

    def refuse(_db, event):
        if event.subject_id == broken:
            raise RuntimeError("consumer bug")

    outbox.consumer(refuse)
    try:
        with app.app_context(), pytest.raises(RuntimeError, match="1 events could not"):
            outbox.drain()
    finally:
        outbox._consumers.remove(refuse)
    assert [e["data"]["id"] for e in delivered if e["data"]["id"] == ok] == [ok]
    left = [e.subject_id for e in events_in_outbox(app) if e.dispatched_at is None]
    assert left == [broken]  # for the sweep


def test_a_tag_change_is_a_response_updated_event_with_the_tags_and_no_change_is_none(
    client, site, worker, delivered
):
    response_id = answered(client, site, score=2)
    worker.drain()
    delivered.clear()
    tagged = client.patch(
        f"/v1/responses/{response_id}", json={"add_tags": ["Billing"]}, headers=site.auth
    )
    assert tagged.status_code == 200, tagged.get_json()
    again = client.patch(  # the same tag again changes nothing, so it says nothing
        f"/v1/responses/{response_id}", json={"add_tags": ["billing"]}, headers=site.auth
    )
    assert again.status_code == 200
    worker.drain()
    assert [(e["type"], e["data"]["tags"]) for e in delivered] == [
        ("response.updated", ["billing"])
    ]
