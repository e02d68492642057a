"""Segments: ``group_by=trait:<name>`` on a trait the site declared reads daily counts kept by
the writes, and its every figure equals a recount of the answers (the path of a trait that is
not declared), after answers, a score change, an erasure, a purge, an import and a late
declaration; one site's counts never reach another's figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from collector import db
from collector.models import Response, SegmentCount, SiteSegment
from collector.services import segments, users
from tests.api import prompting
from tests.factories import Rows

PLANS = ["free", "pro", "team", None]
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def declare(client, site, *names):
    resp = client.patch("/v1/site", json={"segments": list(names)}, headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def metrics(client, site, **params):
    resp = client.get("/v1/metrics", query_string=params, headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def recount(client, site, monkeypatch, **params):
    """The same call with every answer's traits read again, as for a trait not declared."""
    with monkeypatch.context() as m:
        m.setattr(segments, "is_declared", lambda *args: False)
        return metrics(client, site, **params)


def kept(app, survey_id) -> int:
    """How many answers the daily counts hold for the survey (per segment, summed)."""
    with app.app_context():
        return sum(
            db.session().scalars(select(SegmentCount.n).where(SegmentCount.survey_id == survey_id))
        )


PERIODS = [
    {"until": "2030-01-01"},  # from the survey's first answer
    {"since": "2026-03-01", "until": "2026-03-20"},  # whole UTC days
    {"since": "2026-03-02T13:30:00Z", "until": "2026-03-09T06:00:00Z"},  # partial edges
    {"since": "2026-03-03", "until": "2026-03-10", "tz": "Europe/Helsinki"},  # local midnights
    {"since": "2026-03-04T01:00:00Z", "until": "2026-03-04T23:00:00Z"},  # inside one day
    {"since": "2026-03-05", "until": "2026-03-12", "interval": "day"},
]


def assert_equal_to_recount(client, site, monkeypatch, survey_id, name="plan"):
    for period in PERIODS:
        params = {"survey": survey_id, "group_by": f"trait:{name}", **period}
        got = metrics(client, site, **params)
        assert got == recount(client, site, monkeypatch, **params), period


@pytest.fixture
def answered(client, site):
    """An NPS survey answered over ten days by users of every plan (one with no plan)."""
    rows = Rows(client.application, site)
    survey = rows.survey("nps")
    rows.responses(
        survey,
        [
            {
                "score": (i * 7) % 11,
                "at": T0 + timedelta(hours=5 * i + 1),
                "user_id": f"u{i % 9}",
                "traits": {} if PLANS[i % 4] is None else {"plan": PLANS[i % 4]},
            }
            for i in range(48)
        ],
    )
    return rows, survey


def test_a_declared_segment_is_counted_for_the_past_and_equals_a_recount(
    app, client, site, answered, monkeypatch
):
    _, survey = answered
    assert declare(client, site, "plan")["segments"] == ["plan"]
    assert kept(app, survey) == 48
    assert_equal_to_recount(client, site, monkeypatch, survey)
    body = metrics(client, site, survey=survey, group_by="trait:plan")
    assert {g["key"] for g in body["groups"]} == {"free", "pro", "team", None}
    assert sum(g["n"] for g in body["groups"]) == body["n"] == 48


def test_whole_days_are_read_from_the_counts_and_the_edges_from_the_answers(
    app, client, site, answered
):
    _, survey = answered
    declare(client, site, "plan")
    whole = {"survey": survey, "group_by": "trait:plan", "since": "2026-03-02"}
    whole["until"] = "2026-03-04"
    edge = whole | {"since": "2026-03-04T00:00:01Z", "until": "2026-03-05"}  # no whole day
    before = metrics(client, site, **whole)["n"], metrics(client, site, **edge)["n"]
    with app.app_context():  # a count off by 5 on the 3rd, which only the fast path would show
        session = db.session()
        row = session.scalars(
            select(SegmentCount).where(
                SegmentCount.survey_id == survey, SegmentCount.day == T0.date().replace(day=3)
            )
        ).first()
        row.n += 5
        session.commit()
    after = metrics(client, site, **whole)["n"], metrics(client, site, **edge)["n"]
    assert after == (before[0] + 5, before[1])


def test_new_answers_are_counted_as_they_are_written(app, client, site, monkeypatch):
    survey = prompting.make_survey(client, site, "nps")
    declare(client, site, "plan", "seats")
    for i, (plan, score) in enumerate([("pro", 9), ("free", 3), ("pro", 10), (None, 7)]):
        traits = {"seats": i % 2} if plan is None else {"plan": plan, "seats": i % 2}
        prompt = prompting.ask(client, site, user_id=f"w{i}", traits=traits)
        assert prompting.answer(client, prompt, score).status_code == 201
    assert kept(app, survey["id"]) == 8  # four answers, two segments
    for name in ("plan", "seats"):
        params = {"survey": survey["id"], "group_by": f"trait:{name}", "until": "2030-01-01"}
        body = metrics(client, site, **params)
        assert body["n"] == 4
        assert body == recount(client, site, monkeypatch, **params)
    plan = metrics(client, site, survey=survey["id"], group_by="trait:plan")
    assert [(g["key"], g["n"]) for g in plan["groups"]] == [("pro", 2), ("free", 1), (None, 1)]


def test_a_score_changed_in_the_widget_moves_its_count(app, client, site, monkeypatch):
    survey = prompting.make_survey(client, site, "nps")
    declare(client, site, "plan")
    prompt = prompting.ask(client, site, traits={"plan": "pro"})
    response_id = prompting.answer(client, prompt, 2).get_json()["id"]
    resp = prompting.call(
        client,
        f"/v1/widget/responses/{response_id}",
        {"token": prompt["token"], "score": 10},
        method="PATCH",
    )
    assert resp.status_code == 200, resp.get_json()
    params = {"survey": survey["id"], "group_by": "trait:plan", "until": "2030-01-01"}
    body = metrics(client, site, **params)
    assert body["groups"][0]["key"] == "pro"
    assert body["groups"][0]["score"] == 100.0
    assert body["n"] == body["distribution"]["10"] == 1
    assert body == recount(client, site, monkeypatch, **params)
    assert kept(app, survey["id"]) == 1


def test_an_erased_users_answers_leave_the_counts(app, client, site, answered, monkeypatch):
    _, survey = answered
    declare(client, site, "plan")
    resp = client.delete("/v1/users/u3", headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    gone = resp.get_json()["deleted"]["responses"]
    assert gone > 0
    assert kept(app, survey) == 48 - gone
    assert_equal_to_recount(client, site, monkeypatch, survey)


def test_purged_answers_leave_the_counts(app, client, site, answered, monkeypatch):
    _, survey = answered
    declare(client, site, "plan")
    client.patch("/v1/site", json={"retention_days": 30}, headers=site.auth)
    with app.app_context():
        (done,) = users.purge(db.session(), now=T0 + timedelta(days=35))
    assert 0 < done.responses < 48
    assert kept(app, survey) == 48 - done.responses
    assert_equal_to_recount(client, site, monkeypatch, survey)


def test_imported_answers_are_counted(app, client, site, monkeypatch):
    survey = prompting.make_survey(client, site, "nps")
    declare(client, site, "plan")
    items = [
        {
            "external_id": f"ext-{n}",
            "survey": survey["id"],
            "user_id": f"user-{n}",
            "score": n % 11,
            "created_at": (T0 + timedelta(hours=7 * n)).isoformat(),
            "traits": {"plan": PLANS[n % 3], "beta": n % 2 == 0},
        }
        for n in range(30)
    ]
    body = "\n".join(json.dumps(i) for i in items) + "\n"
    resp = client.post(
        "/v1/responses/import",
        data=body,
        content_type="application/x-ndjson",
        headers=site.auth,
    )
    assert resp.status_code == 200, resp.get_json()
    assert kept(app, survey["id"]) == 30
    assert_equal_to_recount(client, site, monkeypatch, survey["id"])


def test_values_of_every_type_group_as_a_recount_does(app, client, site, monkeypatch):
    rows = Rows(app, site)
    survey = rows.survey("csat")
    values = [True, False, 1, 0, 1.5, "1", "", None, {"a": 1}, ["x"], "x" * 300, "ä" * 200]
    rows.responses(
        survey,
        [
            {"score": 1 + i % 5, "at": T0 + timedelta(hours=9 * i), "traits": {"v": value}}
            for i, value in enumerate(values * 2)
        ],
    )
    declare(client, site, "v")
    assert_equal_to_recount(client, site, monkeypatch, survey, name="v")
    body = metrics(client, site, survey=survey, group_by="trait:v")
    assert {"true", "false", "1", "0", "", None} <= {g["key"] for g in body["groups"]}


def test_a_dropped_segment_forgets_its_counts_and_still_groups(app, client, site, answered):
    _, survey = answered
    declare(client, site, "plan")
    params = {"survey": survey, "group_by": "trait:plan", "until": "2030-01-01"}
    counted = metrics(client, site, **params)
    assert declare(client, site)["segments"] == []
    assert kept(app, survey) == 0
    assert metrics(client, site, **params) == counted
    declare(client, site, "plan")
    assert kept(app, survey) == 48


def test_another_sites_answers_never_reach_the_counts(
    app, client, site, other_site, answered, monkeypatch
):
    _, survey = answered
    theirs = Rows(app, other_site)
    their_survey = theirs.survey("nps")
    theirs.responses(
        their_survey,
        [{"score": 0, "at": T0 + timedelta(hours=h), "traits": {"plan": "pro"}} for h in range(20)],
    )
    declare(client, site, "plan")
    assert kept(app, their_survey) == 0  # the other site declared nothing
    params = {"survey": survey, "group_by": "trait:plan", "until": "2030-01-01"}
    ours = metrics(client, site, **params)
    assert ours["n"] == 48
    assert_equal_to_recount(client, site, monkeypatch, survey)
    resp = client.get(
        "/v1/metrics",
        query_string={"survey": their_survey, "group_by": "trait:plan"},
        headers=site.auth,
    )
    assert resp.status_code == 404
    declare(client, other_site, "plan")
    assert kept(app, their_survey) == 20
    assert metrics(client, site, **params) == ours


@pytest.mark.parametrize(
    "segments_value",
    [["a", "b", "c", "d", "e", "f"], ["plan", "plan"], ['pl"an'], [""], "plan", [7]],
)
def test_segments_are_validated(client, site, segments_value):
    resp = client.patch("/v1/site", json={"segments": segments_value}, headers=site.auth)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["param"].startswith("segments")
    assert client.get("/v1/site", headers=site.auth).get_json()["segments"] == []


answers_strategy = st.lists(
    st.tuples(
        st.integers(0, 10),  # score
        st.integers(0, 20 * 24 * 60),  # minutes after T0
        st.sampled_from(PLANS),
    ),
    max_size=40,
)
instants = st.integers(0, 21 * 24 * 4).map(lambda q: T0 + timedelta(minutes=15 * q))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=answers_strategy, since=instants, length=st.integers(1, 21 * 24 * 4))
def test_any_answers_over_any_period_equal_a_recount(
    app, client, site, monkeypatch, answers, since, length
):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    rows.responses(
        survey,
        [
            {
                "score": score,
                "at": T0 + timedelta(minutes=minutes),
                "traits": {} if plan is None else {"plan": plan},
            }
            for score, minutes, plan in answers
        ],
    )
    if not client.get("/v1/site", headers=site.auth).get_json()["segments"]:
        declare(client, site, "plan")
    params = {
        "survey": survey,
        "group_by": "trait:plan",
        "since": since.isoformat(),
        "until": (since + timedelta(minutes=15 * length)).isoformat(),
    }
    assert metrics(client, site, **params) == recount(client, site, monkeypatch, **params)


# -- the past counted in steps -------------------------------------------------------------------


def finish_counting(app) -> int:
    """Run the steps the ``count_past`` job would run, each in its own transaction, to the end;
    how many steps it took."""
    with app.app_context():
        session = db.session()
        unfinished = session.scalars(
            select(SiteSegment).where(SiteSegment.counting_from.is_not(None))
        ).all()
        steps = 0
        for segment in unfinished:
            site_id, name = segment.site_id, segment.name
            session.commit()
            while True:
                steps += 1
                done = segments.count_step(session, site_id, name)
                session.commit()
                if done:
                    break
        return steps


def test_a_segment_over_more_answers_than_a_step_is_counted_by_a_job(
    app, client, site, answered, monkeypatch, worker
):
    _, survey = answered
    monkeypatch.setattr(segments, "STEP", 5)
    declare(client, site, "plan")
    worker.drain()
    assert "collector.services.segments.count_past" in worker.done
    assert kept(app, survey) == 48
    assert_equal_to_recount(client, site, monkeypatch, survey)


def test_answers_written_while_the_past_is_counted_are_counted_once(
    app, client, site, answered, monkeypatch
):
    rows, survey = answered
    monkeypatch.setattr(segments, "STEP", 10)
    declare(client, site, "plan")  # one step in the request; no worker runs the rest here
    assert kept(app, survey) == 10
    assert_equal_to_recount(client, site, monkeypatch, survey)  # the answers are read meanwhile
    with app.app_context():
        mark = db.session().scalars(select(SiteSegment.counted_below)).one()
    assert T0 < mark < T0 + timedelta(days=10)
    # Answers below the mark (the triggers count them), in the range still to count (the steps
    # will), and after the declaration; an erasure and score changes on both sides of the mark.
    rows.responses(
        survey,
        [
            {"score": 3, "at": T0 + timedelta(minutes=1), "traits": {"plan": "pro"}},
            {"score": 4, "at": mark + timedelta(hours=30), "traits": {"plan": "team"}},
            {"score": 5, "at": datetime.now(UTC), "traits": {"plan": "free"}},
        ],
    )
    assert client.delete("/v1/users/u3", headers=site.auth).status_code == 200
    with app.app_context():
        session = db.session()
        for side in (Response.created_at < mark, Response.created_at > mark):
            changed = session.scalars(select(Response).where(side).limit(2)).all()
            for response in changed:
                response.score = 10 - response.score
                response.traits = {"plan": "moved"}
        session.commit()
    assert finish_counting(app) >= 3
    with app.app_context():
        stored = db.session().scalar(
            select(func.count()).select_from(Response).where(Response.survey_id == survey)
        )
    assert kept(app, survey) == stored
    assert_equal_to_recount(client, site, monkeypatch, survey)
    groups = metrics(client, site, survey=survey, group_by="trait:plan", until="2030-01-01")
    assert {"moved", "team"} <= {g["key"] for g in groups["groups"]}


def test_a_count_stopped_half_way_is_finished_by_the_periodic_job(
    app, client, site, answered, monkeypatch
):
    _, survey = answered
    monkeypatch.setattr(segments, "STEP", 7)
    declare(client, site, "plan")  # its job lost: no worker ever runs it
    assert kept(app, survey) == 7
    with app.app_context():
        segments.resume_counting()
    assert kept(app, survey) == 48
    assert_equal_to_recount(client, site, monkeypatch, survey)


def test_a_segment_dropped_while_it_is_counted_stops_and_forgets(
    app, client, site, answered, monkeypatch
):
    _, survey = answered
    monkeypatch.setattr(segments, "STEP", 5)
    declare(client, site, "plan")
    assert declare(client, site)["segments"] == []
    assert finish_counting(app) == 0
    with app.app_context():
        assert segments.count_step(db.session(), site.site_id, "plan") is True
    assert kept(app, survey) == 0


def test_more_answers_at_one_instant_than_a_step_are_counted_together(
    app, client, site, monkeypatch
):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    rows.responses(
        survey,
        [{"score": i % 11, "at": T0, "traits": {"plan": PLANS[i % 3]}} for i in range(30)]
        + [{"score": 7, "at": T0 + timedelta(days=1), "traits": {"plan": "pro"}}],
    )
    monkeypatch.setattr(segments, "STEP", 4)
    declare(client, site, "plan")
    assert finish_counting(app) <= 3
    assert kept(app, survey) == 31
    assert_equal_to_recount(client, site, monkeypatch, survey)
