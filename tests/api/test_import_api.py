"""``POST /v1/responses/import``: answers from another tool, each checked alone, stored once, and
counted like any other answer by metrics and by the fatigue rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.prompting import ask, make_survey, reason

NOW = datetime.now(UTC)


def lines(*items) -> str:
    return "\n".join(i if isinstance(i, str) else json.dumps(i) for i in items) + "\n"


def send(client, site, body, *, content_type="application/x-ndjson", **params):
    resp = client.post(
        "/v1/responses/import",
        data=body,
        content_type=content_type,
        headers=site.auth,
        query_string=params,
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def item(survey, n, score=9, *, days_ago=30, **extra):
    return {
        "external_id": f"ext-{n}",
        "survey": survey["id"],
        "user_id": f"user-{n}",
        "score": score,
        "created_at": (NOW - timedelta(days=days_ago)).isoformat(),
        **extra,
    }


def listed(client, site, **params):
    resp = client.get("/v1/responses", query_string={"limit": 100, **params}, headers=site.auth)
    return resp.get_json()["data"]


def test_imported_answers_keep_their_time_comment_tags_traits_and_notes(client, site):
    survey = make_survey(client, site, "nps")
    at = NOW - timedelta(days=40)
    body = lines(
        item(
            survey,
            1,
            3,
            created_at=at.isoformat(),
            comment="Laskutus sekava",
            tags=["Billing"],
            traits={"plan": "pro"},
            source_ref="https://delighted.example/r/1",
            notes=[
                {
                    "text": "Soitettu",
                    "author": "cx@acme.test",
                    "created_at": (at + timedelta(hours=1)).isoformat(),
                }
            ],
        )
    )
    report = send(client, site, body)
    assert report == {"imported": 1, "skipped_duplicates": 0, "errors": [], "errors_count": 0}
    [stored] = listed(client, site)
    assert (stored["score"], stored["comment"], stored["tags"]) == (
        3,
        "Laskutus sekava",
        ["billing"],
    )
    assert datetime.fromisoformat(stored["created_at"]) == at.replace(microsecond=at.microsecond)
    assert (stored["source"], stored["external_id"]) == ("api", "ext-1")
    assert stored["source_ref"] == "https://delighted.example/r/1"
    assert stored["traits"] == {"plan": "pro"}
    one = client.get(f"/v1/responses/{stored['id']}", headers=site.auth).get_json()
    assert [(h["note"], h["actor"]) for h in one["followup_history"]] == [
        ("Soitettu", "cx@acme.test")
    ]
    person = client.get("/v1/users/user-1", headers=site.auth).get_json()
    assert person["user"]["traits"] == {"plan": "pro"}


def test_a_json_array_imports_like_json_lines(client, site):
    survey = make_survey(client, site, "nps")
    body = json.dumps([item(survey, n) for n in range(3)], indent=2)
    report = send(client, site, body, content_type="application/json")
    assert report["imported"] == 3


def test_importing_twice_imports_nothing_the_second_time(client, site):
    survey = make_survey(client, site, "csat")
    body = lines(*(item(survey, n, 1 + n % 5) for n in range(25)))
    assert send(client, site, body)["imported"] == 25
    again = send(client, site, body)
    assert (again["imported"], again["skipped_duplicates"]) == (0, 25)
    assert len(listed(client, site)) == 25
    # Another source may use the same ids: they are other answers.
    assert send(client, site, body, source="typeform")["imported"] == 25


def test_bad_items_are_reported_with_line_and_field_and_the_rest_imported(client, site):
    survey = make_survey(client, site, "nps")
    good = [item(survey, n) for n in range(4)]
    no_score = {k: v for k, v in item(survey, 10).items() if k != "score"}
    body = lines(
        good[0],
        no_score,
        item(survey, 11, 11),
        good[1],
        item(survey, 12, days_ago=-2),
        "{not json",
        good[2],
        {**item(survey, 13), "survey": "srv_nosuchsurvey"},
        {**item(survey, 14), "user_id": "x" * 300},
        {k: v for k, v in item(survey, 15).items() if k != "user_id"},
        item(survey, 16, tags=["a,b"]),
        good[3],
    )
    report = send(client, site, body)
    assert report["imported"] == 4
    assert [(e["line"], e["param"]) for e in report["errors"]] == [
        (2, "score"),
        (3, "score"),
        (5, "created_at"),
        (6, None),
        (8, "survey"),
        (9, "user_id"),
        (10, "user_id"),
        (11, "tags"),
    ]
    assert report["errors_count"] == 8
    assert "0–10" in report["errors"][1]["message"]
    assert "future" in report["errors"][2]["message"]
    assert {r["external_id"] for r in listed(client, site)} == {f"ext-{n}" for n in range(4)}


def test_another_sites_survey_is_not_found(client, site, other_site):
    theirs = make_survey(client, other_site, "nps")
    report = send(client, site, lines(item(theirs, 1)))
    assert report["imported"] == 0
    assert report["errors"][0]["param"] == "survey"
    assert listed(client, other_site) == []


def test_people_are_matched_by_email_and_their_address_kept(client, site, app):
    survey = make_survey(client, site, "nps")
    first = {k: v for k, v in item(survey, 1).items() if k != "user_id"} | {
        "email": "Aino@Example.test"
    }
    second = {k: v for k, v in item(survey, 2).items() if k != "user_id"} | {
        "email": "aino@example.test"
    }
    assert send(client, site, lines(first))["imported"] == 1
    assert send(client, site, lines(second))["imported"] == 1
    users = {r["user_id"] for r in listed(client, site)}
    assert users == {"aino@example.test"}
    from collector.models import User

    with app.extensions["fiilis.sessionmaker"]() as db:
        [person] = db.query(User).all()
        assert person.email == "aino@example.test"


def test_someone_who_answered_ten_days_ago_in_an_import_is_not_asked_again(client, site):
    survey = make_survey(client, site, "csat", recontact_days=90)
    send(client, site, lines(item(survey, 1, 4, days_ago=10, user_id="u1")))
    assert reason(client, site, user_id="u1") == "answered_recently"
    body = client.get(
        f"/v1/eligibility?user_id=u1&survey={survey['id']}", headers=site.auth
    ).get_json()
    assert (body["eligible"], body["reason"]) == (False, "answered_recently")
    # Someone whose imported answer is older than the recontact period is asked.
    send(client, site, lines(item(survey, 2, 4, days_ago=100, user_id="u2")))
    assert ask(client, site, user_id="u2")["kind"] == "csat"


def test_an_import_a_week_ago_keeps_the_site_cooldown(client, site):
    csat = make_survey(client, site, "csat", recontact_days=0)
    make_survey(client, site, "nps", recontact_days=0)
    send(client, site, lines(item(csat, 1, 5, days_ago=3, user_id="u1")))
    assert reason(client, site, user_id="u1") == "cooldown"


def test_imported_answers_count_in_metrics(client, site):
    survey = make_survey(client, site, "nps")
    scores = [10, 9, 9, 8, 3, 0]
    send(client, site, lines(*(item(survey, n, s) for n, s in enumerate(scores))))
    body = client.get(f"/v1/metrics?survey={survey['id']}", headers=site.auth).get_json()
    assert body["n"] == 6
    assert body["score"] == pytest.approx(100 * (3 - 2) / 6, abs=0.05)


def test_more_than_ten_thousand_items_are_refused_past_the_limit(client, site, monkeypatch):
    from collector.services import importing

    monkeypatch.setattr(importing, "MAX_ITEMS_PER_CALL", 3)
    survey = make_survey(client, site, "nps")
    report = send(client, site, lines(*(item(survey, n) for n in range(5))))
    assert report["imported"] == 3
    assert report["errors"] == [
        {
            "line": 4,
            "param": None,
            "message": "At most 3 items per call: this one and the rest were not read.",
        }
    ]


def test_the_import_needs_a_json_body_type(client, site):
    resp = client.post(
        "/v1/responses/import", data="a,b", content_type="text/csv", headers=site.auth
    )
    assert resp.status_code == 415
    assert resp.get_json()["error"]["code"] == "unsupported_media_type"


def n_answers(client, site, survey) -> int:
    body = client.get(f"/v1/metrics?survey={survey['id']}", headers=site.auth).get_json()
    return body["n"]


def test_bad_items_among_several_batches_are_reported_by_line_and_the_rest_imported(client, site):
    from collector.services import importing

    survey = make_survey(client, site, "nps")
    total = 2 * importing.BATCH + importing.BATCH // 2
    rows = [json.dumps(item(survey, n, n % 11)) for n in range(total)]
    middle = total // 2  # inside the second batch
    rows[middle] = json.dumps({k: v for k, v in item(survey, middle).items() if k != "score"})
    rows[importing.BATCH - 1] = "{broken"  # the last item of the first batch
    rows[importing.BATCH] = json.dumps(item(survey, importing.BATCH, 11))  # first of the second
    report = send(client, site, "\n".join(rows) + "\n")
    assert report["imported"] == total - 3
    assert [(e["line"], e["param"]) for e in report["errors"]] == [
        (importing.BATCH, None),
        (importing.BATCH + 1, "score"),
        (middle + 1, "score"),
    ]
    assert n_answers(client, site, survey) == total - 3


def test_an_answer_repeated_in_another_batch_is_stored_once(client, site):
    from collector.services import importing

    survey = make_survey(client, site, "nps")
    total = 2 * importing.BATCH + 500
    rows = [item(survey, n, n % 11) for n in range(total)]
    rows[importing.BATCH + 7] = rows[3]  # the next batch repeats an answer of the first
    rows[total - 1] = rows[importing.BATCH + 1]  # the last batch repeats one of the second
    rows[20] = rows[10]  # and a batch repeats one of its own
    report = send(client, site, lines(*rows))
    assert (report["imported"], report["skipped_duplicates"]) == (total - 3, 3)
    assert n_answers(client, site, survey) == total - 3
    again = send(client, site, lines(*rows))
    assert (again["imported"], again["skipped_duplicates"]) == (0, total)
    assert n_answers(client, site, survey) == total - 3


def test_a_person_the_app_knows_gets_the_imported_address_and_only_missing_traits(
    client, site, app
):
    from collector.models import User
    from tests.api.prompting import track

    survey = make_survey(client, site, "nps")
    assert track(client, site, "page.viewed", "u7", traits={"plan": "free"}).status_code == 200
    imported = item(survey, 1, user_id="u7", email="U7@Example.test")
    send(client, site, lines(imported | {"traits": {"plan": "pro", "seats": 3}}))
    person = client.get("/v1/users/u7", headers=site.auth).get_json()["user"]
    assert person["traits"] == {"plan": "free", "seats": 3}
    with app.extensions["fiilis.sessionmaker"]() as db:
        assert db.query(User.email).filter(User.user_id == "u7").scalar() == "u7@example.test"


def test_an_import_sends_no_events_while_a_widget_answer_does(client, site, app):
    from collector.models import OutboxEvent
    from tests.api.prompting import answer

    survey = make_survey(client, site, "nps")
    assert send(client, site, lines(*(item(survey, n) for n in range(5))))["imported"] == 5
    with app.extensions["fiilis.sessionmaker"]() as db:
        assert db.query(OutboxEvent).count() == 0
    answer(client, ask(client, site, user_id="live-1"), 9)
    with app.extensions["fiilis.sessionmaker"]() as db:
        assert [e.type for e in db.query(OutboxEvent)] == ["response.created"]
