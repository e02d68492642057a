"""A series, the period's total and ``group_by=event`` add up hourly and daily counts kept by the
writes (collector/services/rollups.py), and every figure equals a recount of the answers after
answers, a score change, an erasure, a purge and an import; the partial hours and days at a
period's edges come from the answers; one site's counts never reach another's figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select

from collector import db
from collector.models import (
    EventCount,
    FunnelDay,
    LabelDay,
    LabelDayCount,
    Prompt,
    Response,
    ResponseReason,
    ScoreCount,
)
from collector.services import rollups, users
from tests.api import prompting
from tests.factories import Rows

EVENTS = ["invoice.paid", "ticket.closed", None]
T0 = datetime(2026, 3, 1, tzinfo=UTC)
SOON = (datetime.now(UTC) + timedelta(days=1)).isoformat()  # after every answer made now


def metrics(client, site, **params):
    resp = client.get("/v1/metrics", query_string=params, headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def recount(client, site, monkeypatch, **params):
    """The same call with every figure counted from the answers, as before the counts."""
    with monkeypatch.context() as m:
        m.setattr(rollups, "whole_hours", lambda *args: None)
        m.setattr(rollups, "whole_days", lambda *args: None)
        return metrics(client, site, **params)


def kept(app, survey_id) -> tuple[int, int]:
    """How many answers the hourly and the daily counts hold for the survey."""
    with app.app_context():
        session = db.session()
        hourly = session.scalars(select(ScoreCount.n).where(ScoreCount.survey_id == survey_id))
        daily = session.scalars(select(EventCount.n).where(EventCount.survey_id == survey_id))
        return sum(hourly), sum(daily)


PERIODS = [
    {"until": "2030-01-01"},  # from the survey's first answer
    {"since": "2026-03-01", "until": "2026-03-20", "interval": "week"},  # whole hours and days
    {"since": "2026-03-02T13:30:00Z", "until": "2026-03-09T06:20:00Z", "interval": "day"},
    {"since": "2026-03-03", "until": "2026-03-10", "interval": "day", "tz": "Europe/Helsinki"},
    {"since": "2026-03-01", "until": "2026-03-12", "interval": "day", "tz": "Asia/Kolkata"},
    {"since": "2026-03-01", "until": "2026-04-01", "interval": "month", "tz": "America/St_Johns"},
    {"since": "2026-03-04T01:10:00Z", "until": "2026-03-04T01:50:00Z"},  # inside one hour
    {"since": "2026-03-04T01:00:00Z", "until": "2026-03-04T23:00:00Z", "group_by": "event"},
    {"since": "2026-03-02T13:30:00Z", "until": "2026-03-09T06:20:00Z", "group_by": "event"},
]


def assert_equal_to_recount(client, site, monkeypatch, survey_id):
    for period in PERIODS:
        for group_by in ("event", None):
            params = {"survey": survey_id, **period}
            if group_by:
                params["group_by"] = group_by
            got = metrics(client, site, **params)
            assert got == recount(client, site, monkeypatch, **params), params


@pytest.fixture
def answered(client, site):
    """An NPS survey answered over ten days after three events (and none)."""
    rows = Rows(client.application, site)
    survey = rows.survey("nps")
    rows.responses(
        survey,
        [
            {
                "score": (i * 7) % 11,
                "at": T0 + timedelta(minutes=301 * i + 17),
                "user_id": f"u{i % 9}",
                "event": EVENTS[i % 3],
            }
            for i in range(48)
        ],
    )
    return rows, survey


def test_the_counts_hold_every_answer_and_equal_a_recount(app, client, site, answered, monkeypatch):
    _, survey = answered
    assert kept(app, survey) == (48, 48)
    assert_equal_to_recount(client, site, monkeypatch, survey)
    body = metrics(client, site, survey=survey, group_by="event", until="2030-01-01")
    assert {(g["key"], g["n"]) for g in body["groups"]} == {
        ("invoice.paid", 16),
        ("ticket.closed", 16),
        (None, 16),
    }


def _bump(app, model, **where) -> None:
    """A count off by 5, which only a read of the counts would show."""
    with app.app_context():
        session = db.session()
        stmt = select(model).filter_by(**where)
        row = session.scalars(stmt).first()
        row.n += 5
        session.commit()


def test_whole_hours_are_read_from_the_counts_and_the_edges_from_the_answers(
    app, client, site, answered
):
    _, survey = answered
    at = T0 + timedelta(minutes=17)  # the first answer, at 00:17
    whole = {"survey": survey, "since": "2026-03-01T00:00:00Z", "until": "2026-03-01T02:00:00Z"}
    edge = whole | {"since": "2026-03-01T00:00:01Z", "until": "2026-03-01T00:59:59Z"}
    before = metrics(client, site, **whole)["n"], metrics(client, site, **edge)["n"]
    assert before == (1, 1)
    _bump(app, ScoreCount, survey_id=survey, hour=int(at.timestamp()) // 3600)
    after = metrics(client, site, **whole)["n"], metrics(client, site, **edge)["n"]
    assert after == (6, 1)


def test_whole_days_of_events_are_read_from_the_counts_and_the_edges_from_the_answers(
    app, client, site, answered
):
    _, survey = answered
    whole = {"survey": survey, "group_by": "event", "since": "2026-03-02", "until": "2026-03-04"}
    edge = whole | {"since": "2026-03-02T00:00:01Z", "until": "2026-03-02T23:59:59Z"}

    def paid(params):
        groups = metrics(client, site, **params)["groups"]
        return next(g["n"] for g in groups if g["key"] == "invoice.paid")

    before = paid(whole), paid(edge)
    _bump(app, EventCount, survey_id=survey, day=T0.date().replace(day=2), event="invoice.paid")
    assert (paid(whole), paid(edge)) == (before[0] + 5, before[1])


def test_answers_in_the_widget_are_counted_as_they_are_written(app, client, site, monkeypatch):
    survey = prompting.make_survey(client, site, "nps")
    for i, score in enumerate([9, 3, 10, 7]):
        prompt = prompting.ask(client, site, user_id=f"w{i}")
        assert prompting.answer(client, prompt, score).status_code == 201
    assert kept(app, survey["id"]) == (4, 4)
    params = {"survey": survey["id"], "interval": "day", "group_by": "event", "until": SOON}
    body = metrics(client, site, **params)
    assert body["n"] == sum(point["n"] for point in body["series"]) == 4
    assert body == recount(client, site, monkeypatch, **params)


def test_a_score_changed_in_the_widget_moves_its_count(app, client, site, monkeypatch):
    survey = prompting.make_survey(client, site, "nps")
    prompt = prompting.ask(client, site)
    response_id = prompting.answer(client, prompt, 2).get_json()["id"]
    resp = prompting.call(
        client,
        f"/v1/widget/responses/{response_id}",
        {"token": prompt["token"], "score": 10},
        method="PATCH",
    )
    assert resp.status_code == 200, resp.get_json()
    params = {
        "survey": survey["id"],
        "interval": "week",
        "group_by": "event",
        "until": SOON,
    }
    body = metrics(client, site, **params)
    assert body["n"] == body["distribution"]["10"] == 1
    assert body["score"] == 100.0
    assert body == recount(client, site, monkeypatch, **params)
    assert kept(app, survey["id"]) == (1, 1)


def test_an_erased_users_answers_leave_the_counts(app, client, site, answered, monkeypatch):
    _, survey = answered
    resp = client.delete("/v1/users/u3", headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    gone = resp.get_json()["deleted"]["responses"]
    assert gone > 0
    assert kept(app, survey) == (48 - gone, 48 - gone)
    assert_equal_to_recount(client, site, monkeypatch, survey)


def test_purged_answers_leave_the_counts(app, client, site, answered, monkeypatch):
    _, survey = answered
    client.patch("/v1/site", json={"retention_days": 30}, headers=site.auth)
    with app.app_context():
        (done,) = users.purge(db.session(), now=T0 + timedelta(days=35))
    assert 0 < done.responses < 48
    assert kept(app, survey) == (48 - done.responses, 48 - done.responses)
    assert_equal_to_recount(client, site, monkeypatch, survey)


def test_imported_answers_are_counted(app, client, site, monkeypatch):
    survey = prompting.make_survey(client, site, "nps")
    items = [
        {
            "external_id": f"ext-{n}",
            "survey": survey["id"],
            "user_id": f"user-{n}",
            "score": n % 11,
            "created_at": (T0 + timedelta(minutes=419 * n)).isoformat(),
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
    assert kept(app, survey["id"]) == (30, 30)
    assert_equal_to_recount(client, site, monkeypatch, survey["id"])


def test_another_sites_answers_never_reach_the_counts(
    app, client, site, other_site, answered, monkeypatch
):
    _, survey = answered
    theirs = Rows(app, other_site)
    their_survey = theirs.survey("nps")
    theirs.responses(
        their_survey,
        [{"score": 0, "at": T0 + timedelta(hours=h), "event": "invoice.paid"} for h in range(20)],
    )
    assert kept(app, their_survey) == (20, 20)
    params = {"survey": survey, "group_by": "event", "interval": "week", "until": "2030-01-01"}
    ours = metrics(client, site, **params)
    assert ours["n"] == 48
    assert ours == recount(client, site, monkeypatch, **params)
    resp = client.get("/v1/metrics", query_string={"survey": their_survey}, headers=site.auth)
    assert resp.status_code == 404


answers_strategy = st.lists(
    st.tuples(
        st.integers(0, 10),  # score
        st.integers(0, 20 * 24 * 60),  # minutes after T0
        st.sampled_from(EVENTS),
    ),
    max_size=40,
)
instants = st.integers(0, 21 * 24 * 4).map(lambda q: T0 + timedelta(minutes=15 * q))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answers=answers_strategy,
    since=instants,
    length=st.integers(1, 21 * 24 * 4),
    interval=st.sampled_from(["day", "week", None]),
    tz=st.sampled_from(["UTC", "Europe/Helsinki", "Asia/Kathmandu"]),
)
def test_any_answers_over_any_period_equal_a_recount(
    app, client, site, monkeypatch, answers, since, length, interval, tz
):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    rows.responses(
        survey,
        [
            {"score": score, "at": T0 + timedelta(minutes=minutes), "event": event}
            for score, minutes, event in answers
        ],
    )
    params = {
        "survey": survey,
        "group_by": "event",
        "since": since.isoformat(),
        "until": (since + timedelta(minutes=15 * length)).isoformat(),
        "tz": tz,
    }
    if interval:
        params["interval"] = interval
    assert metrics(client, site, **params) == recount(client, site, monkeypatch, **params)


# -- the funnel's settled days -------------------------------------------------------------------

STATUSES = ["shown", "dismissed", "pending", "pending", "answered"]


def unanswered(rows, survey, count: int, start: datetime, step: timedelta) -> None:
    """Prompts of every status, a pending one mailed (seen) or not."""
    for i in range(count):
        status, at = STATUSES[i % 5], start + i * step
        seen = {"shown_at": at} if i % 5 == 2 else {}
        rows.prompt(survey, user_id=f"p{i % 7}", status=status, at=at, **seen)


def funnel(body) -> tuple:
    return body["shown"], body["answered"], body["dismissed"], body["response_rate"]


def funnel_rows(app, survey) -> int:
    with app.app_context():
        return db.session().scalar(
            select(func.count()).select_from(FunnelDay).where(FunnelDay.survey_id == survey)
        )


def recount_funnel(client, site, monkeypatch, **params):
    with monkeypatch.context() as m:
        m.setattr(rollups, "whole_days", lambda *args: None)
        return metrics(client, site, **params)


def test_settled_days_are_filled_by_the_job_and_read_as_a_recount(
    app, client, site, answered, monkeypatch
):
    rows, survey = answered
    unanswered(rows, survey, 60, T0 + timedelta(minutes=7), timedelta(minutes=233))
    with app.app_context():
        rollups.fill_funnel_days()
    assert funnel_rows(app, survey) >= 10  # a row per day since the first prompt, zeros too
    for period in PERIODS:
        params = {"survey": survey, **period}
        got = metrics(client, site, **params)
        assert funnel(got) == funnel(recount_funnel(client, site, monkeypatch, **params)), params
    whole = metrics(client, site, survey=survey, until="2030-01-01")
    # the answers, 12 left open, 12 dismissed, 12 mailed and never answered
    assert whole["shown"] == 48 + 12 + 12 + 12
    assert whole["dismissed"] == 12


def test_a_settled_days_row_is_read_and_the_days_edges_are_counted(app, client, site, answered):
    rows, survey = answered
    unanswered(rows, survey, 20, T0 + timedelta(days=2, hours=1), timedelta(minutes=61))
    with app.app_context():
        rollups.fill_funnel_days()
        row = db.session().get(FunnelDay, (survey, T0.date().replace(day=3)))
        row.dismissed += 5  # off by 5: only a read of the row shows it
        db.session().commit()
    whole = {"survey": survey, "since": "2026-03-03", "until": "2026-03-04"}
    edge = whole | {"since": "2026-03-03T00:00:01Z"}
    before = metrics(client, site, **edge)["dismissed"]
    assert metrics(client, site, **whole)["dismissed"] == before + 5


def test_a_write_to_a_prompt_of_a_settled_day_forgets_the_day(
    app, client, site, answered, monkeypatch
):
    rows, survey = answered
    unanswered(rows, survey, 30, T0 + timedelta(minutes=5), timedelta(hours=5))
    with app.app_context():
        rollups.fill_funnel_days()
    filled = funnel_rows(app, survey)
    params = {"survey": survey, "until": "2030-01-01"}
    with app.app_context():  # an old prompt dismissed late, a new old one, an erased user
        session = db.session()
        prompt = session.scalars(select(Prompt).where(Prompt.status == "shown")).first()
        prompt.status = "dismissed"
        session.commit()
    rows.prompt(survey, status="shown", at=T0 + timedelta(days=4, minutes=3))
    assert client.delete("/v1/users/p3", headers=site.auth).status_code == 200
    assert funnel_rows(app, survey) < filled
    assert funnel(metrics(client, site, **params)) == funnel(
        recount_funnel(client, site, monkeypatch, **params)
    )
    with app.app_context():
        rollups.fill_funnel_days()
    assert funnel_rows(app, survey) == filled
    assert funnel(metrics(client, site, **params)) == funnel(
        recount_funnel(client, site, monkeypatch, **params)
    )


def test_recent_days_are_not_filled_and_still_counted(app, client, site, monkeypatch):
    rows = Rows(app, site)
    survey = rows.survey("nps")
    now = datetime.now(UTC)
    unanswered(rows, survey, 25, now - timedelta(days=40), timedelta(days=1, hours=1))
    with app.app_context():
        rollups.fill_funnel_days()
        newest = db.session().scalar(select(func.max(FunnelDay.day)))
    assert newest < (now - rollups.SETTLED).date()
    params = {"survey": survey, "until": SOON}
    body = metrics(client, site, **params)
    assert funnel(body) == funnel(recount_funnel(client, site, monkeypatch, **params))
    assert body["dismissed"] == 5


# -- tags and reasons of settled days ------------------------------------------------------------

TAGS = ["billing", "ux", "speed"]
REASONS = ["price", "support"]


@pytest.fixture
def labelled(client, site, answered):
    """The answered survey's answers tagged and given reasons: none, one or two of each."""
    rows, survey = answered
    with client.application.app_context():
        ids = list(
            db.session().scalars(
                select(Response.id).where(Response.survey_id == survey).order_by(Response.id)
            )
        )
    for i, rid in enumerate(ids):
        tags = TAGS[: i % 3]
        if tags:
            resp = client.patch(f"/v1/responses/{rid}", json={"tags": tags}, headers=site.auth)
            assert resp.status_code == 200, resp.get_json()
        if i % 4:
            rows.reasons(rid, *REASONS[: 1 + i % 2])
    return rows, survey, ids


def grouped(client, site, survey, group_by, **period):
    body = metrics(client, site, survey=survey, group_by=group_by, **period)
    return {g["key"]: (g["n"], g["score"]) for g in body["groups"]}


def assert_labels_equal_a_recount(client, site, monkeypatch, survey):
    for period in PERIODS:
        period = {k: v for k, v in period.items() if k != "group_by"}
        for group_by in ("tag", "reason"):
            params = {"survey": survey, "group_by": group_by, **period}
            got = metrics(client, site, **params)
            assert got == recount(client, site, monkeypatch, **params), params


def filled_days(app, survey) -> int:
    with app.app_context():
        return db.session().scalar(
            select(func.count()).select_from(LabelDay).where(LabelDay.survey_id == survey)
        )


def test_settled_days_of_labels_are_filled_and_equal_a_recount(
    app, client, site, labelled, monkeypatch
):
    _, survey, _ = labelled
    with app.app_context():
        rollups.fill_label_days()
    assert filled_days(app, survey) >= 10
    assert_labels_equal_a_recount(client, site, monkeypatch, survey)
    tags = grouped(client, site, survey, "tag", until="2030-01-01")
    assert {k: n for k, (n, _) in tags.items()} == {None: 16, "billing": 32, "ux": 16}


def test_a_filled_days_count_is_read_and_its_edges_are_counted(app, client, site, labelled):
    _, survey, _ = labelled
    with app.app_context():
        rollups.fill_label_days()
        row = (
            db.session()
            .scalars(
                select(LabelDayCount).where(
                    LabelDayCount.survey_id == survey,
                    LabelDayCount.kind == "reason",
                    LabelDayCount.day == T0.date().replace(day=3),
                    LabelDayCount.label == "price",
                )
            )
            .first()
        )
        row.n += 5  # off by 5: only a read of the row shows it
        db.session().commit()
    whole = {"since": "2026-03-03", "until": "2026-03-04"}
    edge = {"since": "2026-03-03T00:00:01Z", "until": "2026-03-04"}
    price = grouped(client, site, survey, "reason", **edge).get("price", (0, None))[0]
    assert grouped(client, site, survey, "reason", **whole)["price"][0] == price + 5


def test_writes_to_a_filled_day_forget_it_until_it_is_filled_again(
    app, client, site, labelled, monkeypatch
):
    rows, survey, _ = labelled
    with app.app_context():
        rollups.fill_label_days()
        # answers of users other than the one erased below, so that each write stays visible
        ids = list(
            db.session().scalars(
                select(Response.id)
                .where(Response.survey_id == survey, Response.user_id != "u3")
                .order_by(Response.id)
            )
        )
    filled = filled_days(app, survey)
    # a tag added and one removed in triage, a reason given late, a changed score, an erasure
    tagged = client.patch(f"/v1/responses/{ids[0]}", json={"add_tags": ["late"]}, headers=site.auth)
    assert tagged.status_code == 200
    untagged = client.patch(
        f"/v1/responses/{ids[1]}", json={"remove_tags": ["billing"]}, headers=site.auth
    )
    assert untagged.status_code == 200
    rows.reasons(ids[4], "delivery")  # a reason none of the answers gave yet
    with app.app_context():
        session = db.session()
        session.get(Response, ids[5]).score = 0
        session.commit()
    assert client.delete("/v1/users/u3", headers=site.auth).status_code == 200
    assert filled_days(app, survey) < filled
    assert_labels_equal_a_recount(client, site, monkeypatch, survey)
    with app.app_context():
        rollups.fill_label_days()
    assert filled_days(app, survey) == filled
    assert_labels_equal_a_recount(client, site, monkeypatch, survey)
    assert "late" in grouped(client, site, survey, "tag", until="2030-01-01")


def test_an_imported_old_answer_forgets_its_day(app, client, site, labelled, monkeypatch):
    _, survey, _ = labelled
    with app.app_context():
        rollups.fill_label_days()
    filled = filled_days(app, survey)
    item = {
        "external_id": "ext-old",
        "survey": survey,
        "user_id": "imported",
        "score": 2,
        "created_at": (T0 + timedelta(days=2, hours=3)).isoformat(),
        "tags": ["imported"],
    }
    resp = client.post(
        "/v1/responses/import",
        data=json.dumps(item) + "\n",
        content_type="application/x-ndjson",
        headers=site.auth,
    )
    assert resp.status_code == 200, resp.get_json()
    assert filled_days(app, survey) == filled - 1
    assert_labels_equal_a_recount(client, site, monkeypatch, survey)


def test_today_is_not_filled(app, client, site, monkeypatch):
    survey = prompting.make_survey(client, site, "nps")
    prompt = prompting.ask(client, site)
    rid = prompting.answer(client, prompt, 9).get_json()["id"]
    client.patch(f"/v1/responses/{rid}", json={"tags": ["fresh"]}, headers=site.auth)
    with app.app_context():
        rollups.fill_label_days()
        newest = db.session().scalar(select(func.max(LabelDay.day)))
    assert newest is None or newest < (datetime.now(UTC) - rollups.LABELS_SETTLED).date()
    params = {"survey": survey["id"], "group_by": "tag", "until": SOON}
    assert grouped(client, site, survey["id"], "tag", until=SOON) == {"fresh": (1, 100.0)}
    assert metrics(client, site, **params) == recount(client, site, monkeypatch, **params)


def test_the_label_fill_gives_way_to_a_writer_and_fills_on_its_next_run(
    app, client, site, labelled, backend, monkeypatch
):
    """A writer that holds a label table (an answer's reasons being stored) keeps its lock: the
    fill waits half a second, gives up for this run, and fills on the next one."""
    if backend != "postgresql":
        pytest.skip("SQLite has no table locks: its one writer at a time waits its turn")
    _, survey, ids = labelled
    engine = app.extensions["fiilis.engine"]
    with engine.connect() as writer:
        writer.execute(
            insert(ResponseReason).values(
                response_id=ids[7], reason="held", site_id=site.site_id, survey_id=survey
            )
        )  # not committed yet: its lock stays while the job runs
        with app.app_context():
            rollups.fill_label_days()
        assert filled_days(app, survey) == 0
        writer.rollback()
    with app.app_context():
        rollups.fill_label_days()
    assert filled_days(app, survey) >= 10
    assert_labels_equal_a_recount(client, site, monkeypatch, survey)
