"""The reasons an answer gave, read back: ``group_by=reason`` in ``/v1/metrics``, the ``reasons``
of a response, ``?reason=`` on the list and the CSV, the CSV's ``reasons`` column and the export
of a person's data."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from collector.domain import scoring
from tests.factories import Rows

T0 = datetime(2025, 3, 3, 12, tzinfo=UTC)
CHOICES = ("price", "speed", "support", "docs")
REASONS = {
    "choices": [{"id": c, "label": {"en": c.title()}} for c in CHOICES],
    "multiple": True,
}


@pytest.fixture
def rows(app, site):
    return Rows(app, site)


def csv_rows(client, site, **params) -> list[dict]:
    resp = client.get("/v1/responses.csv", query_string=params, headers=site.auth)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(resp.get_data().decode("utf-8-sig"))))


def metrics(client, site, **params) -> dict:
    resp = client.get("/v1/metrics", query_string=params, headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


@pytest.mark.parametrize("kind", ["nps", "csat", "ces"])
def test_group_by_reason_equals_the_counts_of_the_answers_given(client, site, rows, kind):
    survey = rows.survey(kind, reasons=REASONS)
    points = {"nps": range(0, 11), "csat": range(1, 6), "ces": range(1, 8)}[kind]
    pick = random.Random(20)
    # 120 answers: none, one or several reasons each; some outside the period asked for.
    answers = []
    for i in range(120):
        score = pick.choice(points)
        chosen = sorted(pick.sample(CHOICES, pick.choice([0, 0, 1, 1, 1, 2, 3])))
        at = T0 + timedelta(hours=i) if i < 100 else T0 - timedelta(days=3)
        answers.append((score, chosen, at))
    ids = rows.responses(survey, [{"score": s, "at": at} for s, _, at in answers])
    for rid, (_, chosen, _) in zip(ids, answers, strict=True):
        if chosen:
            rows.reasons(rid, *chosen)

    body = metrics(
        client, site, survey=survey, group_by="reason", since=T0.isoformat(), until="2025-04-01"
    )

    inside = [(s, chosen) for s, chosen, at in answers if at >= T0]
    expected: dict[str | None, list[int]] = {}
    for score, chosen in inside:
        for key in chosen or [None]:
            expected.setdefault(key, []).append(score)
    groups = {g["key"]: g for g in body["groups"]}
    assert set(groups) == set(expected)
    assert len(expected) == len(CHOICES) + 1  # every reason and the answers without one
    for key, scores in expected.items():
        want = scoring.summarize(kind, Counter(scores)).to_dict(brief=True)
        assert {k: groups[key][k] for k in ("n", "score", "ci95", "mean")} == {
            k: want[k] for k in ("n", "score", "ci95", "mean")
        }, key
    # The total counts each answer once, whatever the number of its reasons.
    assert body["n"] == len(inside) == 100
    assert sum(g["n"] for g in body["groups"]) > body["n"]
    assert body["group_by"] == "reason"
    sizes = [g["n"] for g in body["groups"] if g["key"] is not None]
    assert sizes == sorted(sizes, reverse=True)


def test_a_survey_without_reasons_has_one_group_of_answers_without_a_reason(client, site, rows):
    nps = rows.survey("nps")
    for score in (9, 3):
        rows.response(nps, score, at=T0)
    body = metrics(client, site, survey=nps, group_by="reason")
    assert [(g["key"], g["n"]) for g in body["groups"]] == [(None, 2)]


def test_a_reason_of_another_survey_is_not_counted(client, site, rows):
    ours, theirs = rows.survey("nps", reasons=REASONS), rows.survey("nps", reasons=REASONS)
    rows.reasons(rows.response(ours, 10, at=T0), "speed")
    rows.reasons(rows.response(theirs, 0, at=T0), "price")
    body = metrics(client, site, survey=ours, group_by="reason")
    assert [(g["key"], g["n"], g["score"]) for g in body["groups"]] == [("speed", 1, 100.0)]


def test_an_unknown_group_by_names_reason_among_the_choices(client, site, rows):
    nps = rows.survey("nps")
    resp = client.get(
        "/v1/metrics", query_string={"survey": nps, "group_by": "reasons"}, headers=site.auth
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["param"] == "group_by"
    assert "reason" in resp.get_json()["error"]["message"]


def test_a_response_shows_its_reasons_sorted(client, site, rows):
    nps = rows.survey("nps", reasons=REASONS)
    given, plain = rows.response(nps, 4, at=T0), rows.response(nps, 9, at=T0)
    rows.reasons(given, "support", "price")
    assert client.get(f"/v1/responses/{given}", headers=site.auth).get_json()["reasons"] == [
        "price",
        "support",
    ]
    listed = client.get("/v1/responses", headers=site.auth).get_json()["data"]
    assert {r["id"]: r["reasons"] for r in listed} == {given: ["price", "support"], plain: []}


def test_the_list_filters_by_reason(client, site, rows):
    nps = rows.survey("nps", reasons=REASONS)
    price = [rows.response(nps, s, at=T0 + timedelta(hours=s)) for s in (2, 5)]
    for rid in price:
        rows.reasons(rid, "price")
    rows.reasons(price[1], "speed")
    rows.reasons(rows.response(nps, 9, at=T0), "speed")
    rows.response(nps, 7, at=T0)
    resp = client.get("/v1/responses", query_string={"reason": "price"}, headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    assert [r["id"] for r in resp.get_json()["data"]] == price[::-1]
    assert [r["reasons"] for r in resp.get_json()["data"]] == [["price", "speed"], ["price"]]
    resp = client.get("/v1/responses", query_string={"reason": "nothing"}, headers=site.auth)
    assert resp.get_json()["data"] == []


def test_the_reason_filter_never_reaches_another_sites_answers(client, site, other_site, app):
    theirs = Rows(app, other_site)
    rid = theirs.response(theirs.survey("nps", reasons=REASONS), 3, at=T0)
    theirs.reasons(rid, "price")
    resp = client.get("/v1/responses", query_string={"reason": "price"}, headers=site.auth)
    assert resp.get_json()["data"] == []
    assert csv_rows(client, site, reason="price") == []
    mine = client.get("/v1/responses", query_string={"reason": "price"}, headers=other_site.auth)
    assert [r["id"] for r in mine.get_json()["data"]] == [rid]


def test_a_reason_filter_longer_than_an_id_is_refused(client, site):
    resp = client.get("/v1/responses", query_string={"reason": "x" * 41}, headers=site.auth)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["param"] == "reason"


def test_the_csv_has_the_reason_ids_sorted_and_takes_the_reason_filter(client, site, rows):
    nps = rows.survey("nps", reasons=REASONS)
    given, plain = rows.response(nps, 4, at=T0), rows.response(nps, 10, at=T0)
    rows.reasons(given, "speed", "docs", "price")
    exported = csv_rows(client, site)
    assert list(exported[0]).index("reasons") == len(exported[0]) - 1  # the last column
    assert {r["id"]: r["reasons"] for r in exported} == {given: "docs,price,speed", plain: ""}
    assert [r["id"] for r in csv_rows(client, site, reason="docs")] == [given]


def test_a_persons_export_holds_the_reasons_and_tags_of_their_answers(client, site, rows):
    nps = rows.survey("nps", reasons=REASONS)
    rid = rows.response(nps, 6, user_id="u42", at=T0)
    rows.reasons(rid, "speed")
    client.patch(f"/v1/responses/{rid}", json={"add_tags": ["vip"]}, headers=site.auth)
    body = client.get("/v1/users/u42", headers=site.auth).get_json()
    assert [(r["reasons"], r["tags"]) for r in body["responses"]] == [(["speed"], ["vip"])]
