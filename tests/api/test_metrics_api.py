"""``GET /v1/metrics`` equals the scoring rules applied to the stored answers (DESIGN §7).

The expected figures are computed here from the rows the test inserted, with a bucketing of its
own (each answer's local date, floored to its day, ISO week or month), never through the
collector's queries.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from collector.domain import scoring
from tests.factories import Rows

HELSINKI = ZoneInfo("Europe/Helsinki")
EVENTS = ["invoice.paid", "ticket.closed", "export.done", None]
PLANS = ["free", "pro", "team", None]


@pytest.fixture
def rows(app, site):
    return Rows(app, site)


def metrics(client, site, **params):
    return client.get("/v1/metrics", query_string=params, headers=site.auth)


def ok(client, site, **params):
    resp = metrics(client, site, **params)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def assert_error(resp, status, code=None, param=None):
    assert resp.status_code == status, resp.get_json()
    err = resp.get_json()["error"]
    assert set(err) >= {"type", "code", "message", "request_id"}
    if code:
        assert err["code"] == code
    if param:
        assert err["param"] == param


# -- an independent reference --------------------------------------------------------------------


def interval_start(day: date, interval: str) -> date:
    if interval == "week":
        return date.fromisocalendar(*day.isocalendar()[:2], 1)
    if interval == "month":
        return date(day.year, day.month, 1)
    return day


def expected_series(answers, kind, since, until, interval, tz):
    """Every interval start between since and until, each with the summary of its answers."""
    first, last = since.astimezone(tz).date(), (until - timedelta(microseconds=1)).astimezone(tz)
    starts = sorted(
        {
            interval_start(first + timedelta(days=i), interval)
            for i in range((last.date() - first).days + 1)
        }
    )
    per_start = defaultdict(list)
    for at, score in answers:
        if since <= at < until:
            per_start[interval_start(at.astimezone(tz).date(), interval)].append(score)
    return [
        {
            "start": datetime.combine(start, time(), tzinfo=tz).isoformat(),
            **scoring.summarize(kind, Counter(per_start[start])).to_dict(brief=True),
        }
        for start in starts
    ]


def random_answers(rng, kind, n, start, days):
    low, high = scoring.SCALES[kind]
    out = []
    for i in range(n):
        at = start + timedelta(
            seconds=rng.randrange(days * 86400), microseconds=rng.randrange(10**6)
        )
        out.append(
            {
                "score": rng.randint(low, high),
                "at": at,
                "event": EVENTS[i % len(EVENTS)],
                "traits": {} if PLANS[i % 4] is None else {"plan": PLANS[i % 4], "seats": i % 3},
                "user_id": f"u{i % 37}",
            }
        )
    return out


# -- worked examples -----------------------------------------------------------------------------


def test_sixty_percent_promoters_and_twenty_percent_detractors_is_nps_plus_40(client, site, rows):
    nps = rows.survey("nps")
    for score in [9, 10, 9, 10, 9, 10, 7, 8, 3, 6]:
        rows.response(nps, score, at=datetime(2025, 3, 3, 12, tzinfo=UTC))
    body = ok(client, site, survey=nps)
    assert body["score"] == 40.0
    assert body["n"] == 10
    assert (body["promoters_pct"], body["passives_pct"], body["detractors_pct"]) == (60, 20, 20)
    assert body["low_n"] is True
    assert body["distribution"] == {
        "0": 0, "1": 0, "2": 0, "3": 1, "4": 0, "5": 0, "6": 1, "7": 1, "8": 1, "9": 3, "10": 3,
    }  # fmt: skip
    assert body["kind"] == "nps"
    assert "easy_pct" not in body


def test_csat_answers_5_4_4_3_3_score_60_percent_with_mean_3_8(client, site, rows):
    csat = rows.survey("csat")
    for score in [5, 4, 4, 3, 3]:
        rows.response(csat, score, at=datetime(2025, 3, 3, 12, tzinfo=UTC))
    body = ok(client, site, survey=csat)
    assert (body["score"], body["mean"], body["n"]) == (60.0, 3.8, 5)
    assert body["ci95"] == scoring.summarize("csat", {5: 1, 4: 2, 3: 2}).to_dict()["ci95"]


def test_ces_reports_its_mean_and_the_share_of_easy_answers(client, site, rows):
    ces = rows.survey("ces")
    for score in [7, 6, 5, 2]:
        rows.response(ces, score, at=datetime(2025, 3, 3, 12, tzinfo=UTC))
    body = ok(client, site, survey=ces)
    assert (body["score"], body["easy_pct"]) == (5.0, 75.0)
    assert "promoters_pct" not in body


def test_a_survey_without_answers_has_n_0_and_no_scores(client, site, rows):
    body = ok(client, site, survey=rows.survey("csat"), interval="week")
    assert (body["n"], body["score"], body["ci95"], body["mean"]) == (0, None, None, None)
    assert body["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}
    assert body["response_rate"] is None
    assert body["series"] == []
    assert body["low_n"] is True


# -- equal to the scoring rules on the stored answers, per interval and group ---------------------


@pytest.mark.parametrize(
    ("kind", "interval", "tz"),
    [
        ("nps", "week", "UTC"),
        ("csat", "day", "Europe/Helsinki"),
        ("ces", "month", "America/New_York"),
        ("nps", "day", "Asia/Kolkata"),
    ],
)
def test_every_interval_equals_the_scores_of_its_own_answers(
    client, site, rows, kind, interval, tz
):
    rng = random.Random(f"{kind}{interval}")
    zone = ZoneInfo(tz)
    # Across both daylight-saving changes of 2025, with answers close to local midnights.
    answers = random_answers(rng, kind, 400, datetime(2025, 3, 1, tzinfo=UTC), 250)
    for day in (date(2025, 3, 30), date(2025, 3, 31), date(2025, 10, 26), date(2025, 10, 27)):
        for minutes in (-1, 0, 1):
            at = datetime.combine(day, time(), tzinfo=zone) + timedelta(minutes=minutes)
            answers.append({"score": scoring.SCALES[kind][1], "at": at.astimezone(UTC)})
    survey = rows.survey(kind)
    rows.responses(survey, answers)

    since, until = datetime(2025, 3, 10, 7, 30, tzinfo=UTC), datetime(2025, 11, 2, tzinfo=UTC)
    body = ok(
        client,
        site,
        survey=survey,
        since=since.isoformat(),
        until=until.isoformat(),
        interval=interval,
        tz=tz,
    )
    stored = [(a["at"], a["score"]) for a in answers]
    assert body["series"] == expected_series(stored, kind, since, until, interval, zone)
    in_period = Counter(score for at, score in stored if since <= at < until)
    summary = scoring.summarize(kind, in_period).to_dict()
    assert {name: body[name] for name in summary} == summary
    assert body["n"] == sum(p["n"] for p in body["series"])
    assert body["tz"] == tz


@pytest.mark.parametrize("group_by", ["event", "trait:plan", "trait:seats"])
def test_every_group_equals_the_scores_of_its_own_answers(client, site, rows, group_by):
    rng = random.Random(group_by)
    answers = random_answers(rng, "nps", 300, datetime(2025, 1, 1, tzinfo=UTC), 60)
    survey = rows.survey("nps")
    rows.responses(survey, answers)
    since, until = datetime(2025, 1, 5, tzinfo=UTC), datetime(2025, 2, 20, tzinfo=UTC)

    body = ok(
        client, site, survey=survey, since="2025-01-05", until="2025-02-20", group_by=group_by
    )

    def key(answer):
        if group_by == "event":
            return answer["event"]
        value = answer["traits"].get(group_by.removeprefix("trait:"))
        return None if value is None else str(value)

    per_key = defaultdict(Counter)
    for a in answers:
        if since <= a["at"] < until:
            per_key[key(a)][a["score"]] += 1
    expected = sorted(
        (
            {"key": k, **scoring.summarize("nps", dist).to_dict(brief=True)}
            for k, dist in per_key.items()
        ),
        key=lambda g: (-g["n"], g["key"] is None, g["key"] or ""),
    )
    assert body["groups"] == expected
    assert body["groups_truncated"] is False
    assert body["n"] == sum(per_key_dist.total() for per_key_dist in per_key.values())


def test_boolean_trait_values_group_as_true_and_false(client, site, rows):
    survey = rows.survey("csat")
    at = datetime(2025, 5, 5, tzinfo=UTC)
    rows.responses(
        survey,
        [
            {"score": 5, "at": at, "traits": {"beta": True}},
            {"score": 1, "at": at, "traits": {"beta": False}},
            {"score": 4, "at": at, "traits": {"beta": True}},
        ],
    )
    body = ok(client, site, survey=survey, group_by="trait:beta")
    assert [(g["key"], g["n"]) for g in body["groups"]] == [("true", 2), ("false", 1)]


def test_series_and_groups_together_and_a_period_in_local_dates(client, site, rows):
    survey = rows.survey("nps")
    # 2025-06-01 00:30 in Helsinki is still 31 May in UTC.
    rows.response(survey, 10, at=datetime(2025, 5, 31, 21, 30, tzinfo=UTC), event="a")
    rows.response(survey, 0, at=datetime(2025, 5, 31, 20, 30, tzinfo=UTC), event="b")
    body = ok(
        client,
        site,
        survey=survey,
        since="2025-06-01",
        until="2025-06-03",
        interval="day",
        group_by="event",
        tz="Europe/Helsinki",
    )
    assert body["since"] == "2025-05-31T21:00:00+00:00"
    assert [(p["start"], p["n"]) for p in body["series"]] == [
        ("2025-06-01T00:00:00+03:00", 1),
        ("2025-06-02T00:00:00+03:00", 0),
    ]
    assert body["series"][1]["score"] is None
    assert [(g["key"], g["score"]) for g in body["groups"]] == [("a", 100.0)]


# -- funnel ---------------------------------------------------------------------------------------


def test_funnel_counts_answers_and_the_prompts_seen_but_not_answered(client, site, rows):
    survey = rows.survey("csat")
    at = datetime(2025, 4, 2, 10, tzinfo=UTC)
    for _ in range(3):
        rows.response(survey, 5, at=at)
    rows.prompt(survey, status="dismissed", at=at)
    rows.prompt(survey, status="shown", at=at)
    rows.prompt(survey, status="pending", at=at, shown_at=at)  # mailed (seen), never answered
    rows.prompt(survey, status="pending", at=at - timedelta(hours=1))  # never seen
    rows.prompt(survey, status="pending", at=at)
    rows.prompt(survey, status="shown", at=datetime(2025, 1, 1, tzinfo=UTC))  # before the period
    body = ok(client, site, survey=survey, since="2025-04-01", until="2025-05-01")
    assert (body["shown"], body["answered"], body["dismissed"]) == (6, 3, 1)
    assert body["response_rate"] == 0.5


def test_funnel_periods_add_up_and_an_answer_counts_when_it_is_given(client, site, rows):
    survey = rows.survey("nps")
    march, april, may = (datetime(2025, m, 1, tzinfo=UTC) for m in (3, 4, 5))
    rows.prompt(survey, status="dismissed", at=march + timedelta(days=3))
    rows.prompt(survey, status="shown", at=april + timedelta(days=3))
    # An e-mail link sent in March and answered in April counts in April, once.
    rows.response(survey, 9, at=april + timedelta(days=1), asked_at=march + timedelta(days=30))
    rows.response(survey, 3, at=march + timedelta(days=9))

    def funnel(since, until):
        body = ok(client, site, survey=survey, since=since.isoformat(), until=until.isoformat())
        return body["shown"], body["answered"], body["dismissed"], body["n"]

    assert funnel(march, april) == (2, 1, 1, 1)
    assert funnel(april, may) == (2, 1, 0, 1)
    assert funnel(march, may) == (4, 2, 1, 2)


def test_period_defaults_to_the_first_activity_until_now(client, site, rows):
    survey = rows.survey("nps")
    first = datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)
    rows.prompt(survey, status="dismissed", at=first)
    rows.response(survey, 9, at=datetime(2024, 6, 1, tzinfo=UTC))
    body = ok(client, site, survey=survey, interval="month")
    assert body["since"] == first.isoformat()
    assert body["series"][0]["start"] == "2024-02-01T00:00:00+00:00"
    assert body["series"][4]["n"] == 1
    now = datetime.now(UTC)
    assert body["series"][-1]["start"] == f"{now:%Y-%m}-01T00:00:00+00:00"
    assert (body["n"], body["shown"], body["dismissed"]) == (1, 2, 1)


# -- errors ---------------------------------------------------------------------------------------


def test_metrics_need_a_key(client, rows):
    assert_error(client.get("/v1/metrics?survey=srv_x"), 401, "missing_api_key")


def test_another_sites_or_an_unknown_survey_is_not_found(client, site, other_site, app):
    theirs = Rows(app, other_site).survey("nps")
    assert_error(metrics(client, site, survey=theirs), 404, "not_found", "survey")
    assert_error(metrics(client, site, survey="srv_nope"), 404, "not_found", "survey")


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "survey"),
        ({"interval": "year"}, "interval"),
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"tz": "../../etc/passwd"}, "tz"),
        ({"group_by": "user"}, "group_by"),
        ({"group_by": 'trait:a"b'}, "group_by"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2025-03-01", "until": "2025-03-01"}, "until"),
        ({"since": "2020-01-01", "until": "2025-01-01", "interval": "day"}, "interval"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_parameters_name_the_field(client, site, rows, params, param):
    if param != "survey":
        params = {"survey": rows.survey("nps"), **params}
    assert_error(metrics(client, site, **params), 422, param=param)


def test_an_offset_sent_with_an_unencoded_plus_still_reads(client, site, rows):
    survey = rows.survey("nps")
    rows.response(survey, 9, at=datetime(2025, 3, 1, 10, tzinfo=UTC))
    resp = client.get(
        f"/v1/metrics?survey={survey}&since=2025-03-01T11:30:00+02:00", headers=site.auth
    )
    assert resp.get_json()["since"] == "2025-03-01T09:30:00+00:00"
    assert resp.get_json()["n"] == 1


@pytest.mark.parametrize(
    "period",
    [
        {"since": "0001-01-01T00:00:00+14:00"},
        {"since": "0001-01-01", "until": "0001-01-03", "interval": "day", "tz": "Etc/GMT-14"},
        {"until": "9999-12-31T23:00:00-14:00"},
        {"since": "9998-12-01", "until": "9998-12-31", "interval": "month"},
        {"since": "9998-12-25", "interval": "week", "until": "9999-12-31T23:59:59"},
    ],
)
def test_a_period_at_the_ends_of_the_calendar_is_read_not_a_server_error(
    client, site, rows, period
):
    survey = rows.survey("nps")
    rows.response(survey, 9, at=datetime(2025, 3, 1, 10, tzinfo=UTC))
    resp = metrics(client, site, survey=survey, **period)
    assert resp.status_code in (200, 422), resp.get_json()
    if "interval" not in period:
        assert resp.get_json()["n"] == 1  # every answer lies between the two ends
