"""Tags on responses: set through PATCH, read back, filtered with ``?tag=``, exported in the CSV
and grouped by in ``/v1/metrics`` (``group_by=tag``)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from collector.domain import scoring
from tests.factories import Rows

T0 = datetime(2025, 3, 3, 12, tzinfo=UTC)


@pytest.fixture
def rows(app, site):
    return Rows(app, site)


def patch(client, site, rid, **body):
    return client.patch(f"/v1/responses/{rid}", json=body, headers=site.auth)


def tags_of(client, site, rid):
    resp = client.get(f"/v1/responses/{rid}", headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["tags"]


def test_tags_are_added_removed_and_replaced_lower_cased(client, site, rows):
    rid = rows.response(rows.survey("nps"), 3)
    assert tags_of(client, site, rid) == []

    resp = patch(client, site, rid, add_tags=["Billing ", "vip", "billing"])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["tags"] == ["billing", "vip"]

    assert patch(client, site, rid, remove_tags=["vip"]).get_json()["tags"] == ["billing"]
    assert patch(client, site, rid, tags=["onboarding", "ux"]).get_json()["tags"] == [
        "onboarding",
        "ux",
    ]
    assert tags_of(client, site, rid) == ["onboarding", "ux"]


def test_a_tag_change_and_a_follow_up_change_go_together(client, site, rows):
    rid = rows.response(rows.survey("csat"), 1)
    body = patch(client, site, rid, followup_status="in_progress", add_tags=["refund"]).get_json()
    assert body["followup_status"] == "in_progress"
    assert body["tags"] == ["refund"]
    assert [c["status"] for c in body["followup_history"]] == ["in_progress"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"add_tags": ["x" * 41]}, "add_tags.0"),
        ({"add_tags": ["ok", ""]}, "add_tags.1"),
        ({"tags": ["a,b"]}, "tags.0"),
        ({"remove_tags": ["bad\x07bell"]}, "remove_tags.0"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
    ],
)
def test_a_bad_tag_is_refused_and_changes_nothing(client, site, rows, body, param):
    rid = rows.response(rows.survey("nps"), 9)
    patch(client, site, rid, tags=["kept"])
    resp = patch(client, site, rid, **body)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["param"] == param
    assert tags_of(client, site, rid) == ["kept"]


def test_more_than_twenty_tags_in_total_is_refused(client, site, rows):
    rid = rows.response(rows.survey("nps"), 9)
    patch(client, site, rid, tags=[f"t{i:02}" for i in range(20)])
    resp = patch(client, site, rid, add_tags=["one-more"])
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "too_many_tags"
    assert len(tags_of(client, site, rid)) == 20


def test_another_sites_response_cannot_be_tagged(client, site, other_site, app):
    theirs = Rows(app, other_site)
    rid = theirs.response(theirs.survey("nps"), 5)
    assert patch(client, site, rid, add_tags=["mine"]).status_code == 404
    assert tags_of(client, other_site, rid) == []


def test_the_list_filters_by_tag(client, site, rows):
    nps = rows.survey("nps")
    billing = [rows.response(nps, s, at=T0 + timedelta(hours=s)) for s in (2, 5)]
    other = rows.response(nps, 9, at=T0)
    for rid in billing:
        patch(client, site, rid, add_tags=["billing"])
    patch(client, site, other, add_tags=["ux"])
    resp = client.get("/v1/responses", query_string={"tag": "Billing"}, headers=site.auth)
    assert [r["id"] for r in resp.get_json()["data"]] == billing[::-1]
    assert all(r["tags"] == ["billing"] for r in resp.get_json()["data"])


def test_the_csv_has_the_tags_and_takes_the_tag_filter(client, site, rows):
    nps = rows.survey("nps")
    tagged, plain = rows.response(nps, 4, at=T0), rows.response(nps, 10, at=T0)
    patch(client, site, tagged, tags=["vip", "billing"])
    text = client.get("/v1/responses.csv", headers=site.auth).get_data().decode("utf-8-sig")
    cells = {r["id"]: r["tags"] for r in csv.DictReader(io.StringIO(text))}
    assert cells == {tagged: "billing,vip", plain: ""}
    only = client.get("/v1/responses.csv?tag=vip", headers=site.auth).get_data().decode("utf-8-sig")
    assert [r["id"] for r in csv.DictReader(io.StringIO(only))] == [tagged]


def test_metrics_group_by_tag_counts_each_tag_and_the_untagged(client, site, rows):
    nps = rows.survey("nps")
    given = {
        "billing": [0, 3, 6, 9],
        "ux": [10, 9, 6],
        None: [8, 10, 2],
    }
    made: dict[str, list[str]] = {}
    for tag, scores in given.items():
        made[tag] = [rows.response(nps, s, at=T0) for s in scores]
        if tag:
            for rid in made[tag]:
                patch(client, site, rid, add_tags=[tag])
    # One answer carries both tags: it counts in both groups, once in the total.
    patch(client, site, made["billing"][3], add_tags=["ux"])
    resp = client.get(
        "/v1/metrics", query_string={"survey": nps, "group_by": "tag"}, headers=site.auth
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    expected = {"billing": [0, 3, 6, 9], "ux": [10, 9, 6, 9], None: [8, 10, 2]}
    groups = {g["key"]: g for g in body["groups"]}
    assert set(groups) == set(expected)
    for key, scores in expected.items():
        want = scoring.summarize("nps", Counter(scores)).to_dict(brief=True)
        assert {k: groups[key][k] for k in want} == want, key
    assert body["n"] == 10
    assert [g["key"] for g in body["groups"]] == ["billing", "ux", None]
