"""``/v1/reviews`` and ``/v1/actions``: a review of a period and its actions, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector import db
from collector.services import accounts, sites
from tests.api.prompting import assert_error
from tests.factories import Rows


def add_account(app, site, email, role="editor"):
    with app.app_context():
        made = sites.by_public_key(db.session(), site.public_key)
        accounts.create(
            db.session(), made, email=email, password="correct horse battery", role=role
        )


@pytest.fixture
def survey(app, site):
    return Rows(app, site).survey("csat")


def review(client, site, **fields):
    body = {"since": "2026-11-01", "until": "2026-12-01", **fields}
    resp = client.post("/v1/reviews", json=body, headers=site.auth)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def action(client, site, **fields):
    body = {"title": "Fix the invoice PDF", "due_on": "2026-12-15", **fields}
    resp = client.post("/v1/actions", json=body, headers=site.auth)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_a_review_with_three_actions_lists_them_with_owners_and_due_dates(
    app, client, site, survey
):
    add_account(app, site, "aino@example.com")
    add_account(app, site, "Bo@Example.com", role="viewer")
    made = review(
        client,
        site,
        summary="Invoices confuse people",
        attendees=["Aino", "Bo"],
        next_review_on="2026-12-31",
    )
    assert made["id"].startswith("rev_")
    assert made["since"] == "2026-11-01" and made["until"] == "2026-12-01"
    assert made["created_by"] == "api"
    answer = Rows(app, site).response(survey, 2, at=datetime(2026, 11, 5, tzinfo=UTC))
    first = action(
        client,
        site,
        review=made["id"],
        owner="aino@example.com",
        survey=survey,
        response_ids=[answer],
    )
    action(
        client,
        site,
        review=made["id"],
        owner="bo@example.com",
        title="Call Acme",
        due_on="2026-12-10",
    )
    action(client, site, review=made["id"], title="Rewrite the FAQ", due_on="2026-12-20")
    assert first["status"] == "open" and first["done_at"] is None
    assert first["response_ids"] == [answer] and first["survey"] == survey

    listed = client.get(f"/v1/actions?review={made['id']}", headers=site.auth).get_json()
    got = {a["title"]: (a["owner"], a["due_on"]) for a in listed["data"]}
    assert got == {
        "Fix the invoice PDF": ("aino@example.com", "2026-12-15"),
        "Call Acme": ("bo@example.com", "2026-12-10"),
        "Rewrite the FAQ": (None, "2026-12-20"),
    }
    assert client.get(f"/v1/reviews/{made['id']}", headers=site.auth).get_json() == made


def test_marking_an_action_done_records_when_and_reopening_clears_it(client, site):
    made = action(client, site)
    done = client.patch(f"/v1/actions/{made['id']}", json={"status": "done"}, headers=site.auth)
    assert done.status_code == 200
    done_at = done.get_json()["done_at"]
    assert done_at is not None
    again = client.patch(f"/v1/actions/{made['id']}", json={"status": "done"}, headers=site.auth)
    assert again.get_json()["done_at"] == done_at  # done twice is still done when it was
    reopened = client.patch(f"/v1/actions/{made['id']}", json={"status": "open"}, headers=site.auth)
    assert reopened.get_json()["done_at"] is None
    dropped = client.patch(
        f"/v1/actions/{made['id']}", json={"status": "dropped"}, headers=site.auth
    ).get_json()
    assert dropped["status"] == "dropped" and dropped["done_at"] is None
    assert [
        a["id"]
        for a in client.get("/v1/actions?status=dropped", headers=site.auth).get_json()["data"]
    ] == [made["id"]]
    assert client.get("/v1/actions?status=open", headers=site.auth).get_json()["data"] == []


def test_an_owner_must_be_on_the_sites_team(app, client, site, other_site):
    add_account(app, other_site, "stranger@example.com")
    resp = client.post(
        "/v1/actions",
        json={"title": "x", "due_on": "2026-12-01", "owner": "stranger@example.com"},
        headers=site.auth,
    )
    assert_error(resp, 404, "not_found", "owner")
    assert client.get("/v1/actions", headers=site.auth).get_json()["data"] == []


def test_one_site_never_sees_or_links_another_sites_reviews_surveys_or_answers(
    app, client, site, other_site
):
    theirs = review(client, other_site)
    their_action = action(client, other_site)
    their_survey = Rows(app, other_site).survey("nps")
    their_answer = Rows(app, other_site).response(their_survey, 3)
    assert_error(client.get(f"/v1/reviews/{theirs['id']}", headers=site.auth), 404, "not_found")
    assert_error(client.get(f"/v1/actions/{their_action['id']}", headers=site.auth), 404)
    assert_error(
        client.patch(
            f"/v1/actions/{their_action['id']}", json={"status": "done"}, headers=site.auth
        ),
        404,
    )
    assert_error(
        client.patch(f"/v1/reviews/{theirs['id']}", json={"summary": "mine"}, headers=site.auth),
        404,
    )
    for field, value, param in [
        ("review", theirs["id"], "review"),
        ("survey", their_survey, "survey"),
        ("response_ids", [their_answer], "response_ids"),
    ]:
        resp = client.post(
            "/v1/actions",
            json={"title": "x", "due_on": "2026-12-01", field: value},
            headers=site.auth,
        )
        assert_error(resp, 404, "not_found", param)
    assert client.get("/v1/reviews", headers=site.auth).get_json()["data"] == []
    assert client.get("/v1/actions", headers=site.auth).get_json()["data"] == []
    assert_error(
        client.get(f"/v1/actions?review={theirs['id']}", headers=site.auth), 404, param="review"
    )
    untouched = client.get(f"/v1/actions/{their_action['id']}", headers=other_site.auth).get_json()
    assert untouched["status"] == "open"


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/v1/reviews", {"since": "2026-12-01", "until": "2026-12-01"}, "until"),
        ("/v1/reviews", {"since": "2026-12-01"}, "until"),
        ("/v1/reviews", {"since": "1 Nov", "until": "2026-12-01"}, "since"),
        (
            "/v1/reviews",
            {"since": "2026-11-01", "until": "2026-12-01", "attendees": [""]},
            "attendees.0",
        ),
        ("/v1/actions", {"title": "", "due_on": "2026-12-01"}, "title"),
        ("/v1/actions", {"title": "x"}, "due_on"),
        ("/v1/actions", {"title": "x", "due_on": "2026-12-01", "status": "finished"}, "status"),
        ("/v1/actions", {"title": "x", "due_on": "2026-12-01", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_refused_with_the_one_error_shape_and_nothing_is_written(
    client, site, path, body, param
):
    err = assert_error(client.post(path, json=body, headers=site.auth), 422)
    assert err["param"] == param
    assert client.get(path, headers=site.auth).get_json()["data"] == []


def test_a_review_period_can_be_moved_but_not_turned_around(client, site):
    made = review(client, site)
    assert_error(
        client.patch(f"/v1/reviews/{made['id']}", json={"until": "2026-10-01"}, headers=site.auth),
        422,
        param="until",
    )
    moved = client.patch(
        f"/v1/reviews/{made['id']}",
        json={"next_review_on": None, "attendees": []},
        headers=site.auth,
    ).get_json()
    assert moved["next_review_on"] is None and moved["attendees"] == []
    assert moved["since"] == "2026-11-01"


def test_reviews_and_actions_are_listed_newest_first_page_by_page(client, site):
    made = [action(client, site, title=f"Action {i}") for i in range(5)]
    first = client.get("/v1/actions?limit=2", headers=site.auth).get_json()
    assert first["has_more"] is True
    rest = client.get(f"/v1/actions?limit=10&cursor={first['next_cursor']}", headers=site.auth)
    seen = [a["id"] for a in first["data"] + rest.get_json()["data"]]
    assert sorted(seen) == sorted(a["id"] for a in made) and len(seen) == 5


def test_erasing_a_user_takes_their_answers_off_the_actions(app, client, site, survey):
    theirs = Rows(app, site).response(survey, 1, user_id="erase-me", comment="Broken")
    kept = Rows(app, site).response(survey, 2, user_id="stays")
    made = action(client, site, response_ids=[theirs, kept])
    assert client.delete("/v1/users/erase-me", headers=site.auth).status_code == 200
    after = client.get(f"/v1/actions/{made['id']}", headers=site.auth).get_json()
    assert after["response_ids"] == [kept]
