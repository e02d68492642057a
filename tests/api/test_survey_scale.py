"""A scale per survey (DESIGN §13): a CES survey on 1–5 is drawn 1–5, takes 1–5 only, and scores
its "easy" share from 4–5, the same in metrics, the CSV and the dashboard."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.api.prompting import answer, ask, assert_error, make_survey
from tests.api.test_answer_page import Page, path_of
from tests.api.test_dashboard import account, text, user  # noqa: F401 (fixtures)


def test_a_survey_takes_a_scale_its_kind_allows(client, site):
    ces = make_survey(client, site, "ces", scale={"min": 1, "max": 5})
    assert ces["scale"] == {"min": 1, "max": 5}
    assert make_survey(client, site, "csat", scale={"min": 1, "max": 7})["scale"] == {
        "min": 1,
        "max": 7,
    }
    assert make_survey(client, site, "ces")["scale"] == {"min": 1, "max": 7}  # the default
    for kind, scale in [
        ("nps", {"min": 1, "max": 5}),
        ("ces", {"min": 2, "max": 5}),
        ("csat", {"min": 0, "max": 10}),
    ]:
        resp = client.post(
            "/v1/surveys",
            json={"kind": kind, "question": {"en": "Q?"}, "scale": scale},
            headers=site.auth,
        )
        assert_error(resp, 422, "validation_failed", "scale")


def test_the_scale_changes_until_the_first_answer(client, site):
    ces = make_survey(client, site, "ces")
    resp = client.patch(
        f"/v1/surveys/{ces['id']}", json={"scale": {"min": 1, "max": 5}}, headers=site.auth
    )
    assert resp.status_code == 200 and resp.get_json()["scale"] == {"min": 1, "max": 5}
    bad = client.patch(
        f"/v1/surveys/{ces['id']}", json={"scale": {"min": 0, "max": 10}}, headers=site.auth
    )
    assert_error(bad, 422, "validation_failed", "scale")
    assert answer(client, ask(client, site), 5).status_code == 201
    late = client.patch(
        f"/v1/surveys/{ces['id']}", json={"scale": {"min": 1, "max": 7}}, headers=site.auth
    )
    assert_error(late, 422, "scale_immutable", "scale")


def test_the_widget_gets_the_surveys_scale_and_a_score_off_it_is_refused(client, site):
    make_survey(client, site, "ces", scale={"min": 1, "max": 5})
    prompt = ask(client, site)
    assert (prompt["scale"]["min"], prompt["scale"]["max"]) == (1, 5)
    assert_error(answer(client, prompt, 6), 422, "validation_failed", "score")
    assert answer(client, prompt, 5).status_code == 201


def test_the_link_page_draws_the_surveys_scale(client, site):
    survey = make_survey(client, site, "ces", trigger_events=[], scale={"min": 1, "max": 5})
    resp = client.post(
        "/v1/prompts",
        json={"user_id": "m1", "survey": survey["id"], "channel": "link"},
        headers=site.auth,
    )
    url = path_of(resp.get_json()["url"])
    page = Page(client.get(url).get_data(as_text=True))
    assert [a["href"] for a in page.links if a["href"].startswith("?score=")] == [
        f"?score={n}" for n in range(1, 6)
    ]
    client.get(url + "?score=6")
    assert (
        client.get(f"/v1/responses?survey={survey['id']}", headers=site.auth).get_json()["data"]
        == []
    )
    client.get(url + "?score=5")
    [stored] = client.get(f"/v1/responses?survey={survey['id']}", headers=site.auth).get_json()[
        "data"
    ]
    assert stored["score"] == 5


def import_scores(client, site, survey, scores):
    at = datetime.now(UTC) - timedelta(days=3)
    body = "\n".join(
        json.dumps(
            {
                "external_id": f"e{i}",
                "survey": survey["id"],
                "user_id": f"u{i}",
                "score": s,
                "created_at": (at + timedelta(minutes=i)).isoformat(),
            }
        )
        for i, s in enumerate(scores)
    )
    resp = client.post(
        "/v1/responses/import", data=body, content_type="application/x-ndjson", headers=site.auth
    )
    assert resp.get_json()["imported"] == len(scores), resp.get_json()


def test_ces_on_1_to_5_counts_4_and_5_as_easy_in_metrics_csv_and_dashboard(client, site, user):  # noqa: F811
    ces = make_survey(client, site, "ces", scale={"min": 1, "max": 5})
    scores = [5, 4, 4, 3, 2, 1, 5, 3]
    import_scores(client, site, ces, scores)
    body = client.get(f"/v1/metrics?survey={ces['id']}", headers=site.auth).get_json()
    assert body["scale"] == {"min": 1, "max": 5}
    assert body["easy_pct"] == round(100 * 4 / 8, 1)
    assert body["score"] == round(sum(scores) / len(scores), 2)
    assert body["distribution"] == {str(p): scores.count(p) for p in range(1, 6)}

    exported = client.get(f"/v1/responses.csv?survey={ces['id']}", headers=site.auth)
    table = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["scale"] for r in table} == {"1-5"}
    assert sorted(int(r["score"]) for r in table) == sorted(scores)

    listed = client.get(
        f"/v1/responses?survey={ces['id']}&limit=100", headers=site.auth
    ).get_json()["data"]
    four = next(r for r in listed if r["score"] == 4)
    three = next(r for r in listed if r["score"] == 3)
    page = text(user.get(f"/dashboard/responses/{four['id']}"))
    assert "Easy · 4" in page and "of 5" in page
    assert "Neutral · 3" in text(user.get(f"/dashboard/responses/{three['id']}"))
    overview = text(user.get("/dashboard/"))
    assert "Easy 4–5" in overview


@pytest.mark.parametrize(
    ("kind", "scale", "scores", "field", "expected"),
    [
        ("csat", {"min": 1, "max": 7}, [7, 6, 5, 4, 1], "satisfied_pct", 40.0),
        ("csat", {"min": 1, "max": 5}, [5, 4, 3, 2, 1], "satisfied_pct", 40.0),
        ("ces", {"min": 1, "max": 7}, [7, 6, 5, 4, 1], "easy_pct", 60.0),
    ],
)
def test_top_2_box_and_easy_share_follow_the_scale(
    client, site, kind, scale, scores, field, expected
):
    survey = make_survey(client, site, kind, scale=scale)
    import_scores(client, site, survey, scores)
    body = client.get(f"/v1/metrics?survey={survey['id']}", headers=site.auth).get_json()
    assert body[field] == expected


def test_an_alert_bands_an_answer_on_its_surveys_own_scale(app, client, site):
    from collector import db
    from collector.models import Response, Survey
    from collector.services import notices

    ces = make_survey(client, site, "ces", scale={"min": 1, "max": 5})
    import_scores(client, site, ces, [2, 4])
    with app.app_context():
        survey = db.session().get(Survey, ces["id"])
        by_score = {
            r.score: notices.answer(r, survey, ZoneInfo("UTC"))
            for r in db.session().query(Response).filter_by(survey_id=ces["id"])
        }
    # On 1–5, 2 is "difficult" (not neutral, as on 1–7) and 4 is "easy"; the scale says 5.
    assert (by_score[2].band_key, by_score[2].band, by_score[2].scale) == (
        "low",
        "Difficult",
        (1, 5),
    )
    assert (by_score[4].band_key, by_score[4].band) == ("high", "Easy")
