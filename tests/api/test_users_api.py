"""``/v1/users/<user_id>``: export everything held about a user, and erase it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from collector.models import FollowupChange, Prompt, Response, User
from tests.factories import Rows

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
ODD_IDS = ["auth0|5f/7c@acme.fi", "anon:3b241101-e2bb-4255-8caf-4136c566a962", "a/b/c", "ä ö"]


@pytest.fixture
def rows(app, site):
    return Rows(app, site)


def user_url(user_id: str) -> str:
    return "/v1/users/" + quote(user_id, safe="")


def held(app, site_id: str, user_id: str) -> dict:
    """Rows per table that name this user on this site, counted straight from the database."""
    with app.extensions["fiilis.sessionmaker"]() as db:

        def count(model, *where):
            return db.scalar(select(func.count()).select_from(model).where(*where))

        answers = select(Response.id).where(
            Response.site_id == site_id, Response.user_id == user_id
        )
        return {
            "users": count(User, User.site_id == site_id, User.user_id == user_id),
            "prompts": count(Prompt, Prompt.site_id == site_id, Prompt.user_id == user_id),
            "responses": count(Response, Response.site_id == site_id, Response.user_id == user_id),
            "followups": count(FollowupChange, FollowupChange.response_id.in_(answers)),
        }


def everything(app) -> dict:
    with app.extensions["fiilis.sessionmaker"]() as db:
        return {
            model.__tablename__: sorted(
                tuple(str(v) for v in row) for row in db.execute(select(model.__table__)).all()
            )
            for model in (User, Prompt, Response, FollowupChange)
        }


def assert_error(resp, status, code=None, param=None):
    assert resp.status_code == status, resp.get_json()
    err = resp.get_json()["error"]
    assert set(err) >= {"type", "code", "message", "request_id"}
    if code:
        assert err["code"] == code
    if param:
        assert err["param"] == param


def test_export_holds_the_user_traits_prompts_and_responses(client, site, rows):
    nps = rows.survey("nps")
    rows.user("u42", {"plan": "pro", "email": "aino@acme.fi"})
    rid = rows.response(
        nps,
        4,
        user_id="u42",
        at=T0,
        comment="Too slow",
        event="invoice.paid",
        traits={"plan": "pro"},
    )
    rows.prompt(nps, user_id="u42", status="dismissed", at=T0 + timedelta(days=2))
    seen = T0 - timedelta(days=1)  # shown, never answered, long expired
    rows.prompt(nps, user_id="u42", status="shown", at=seen, url="https://app.example.com/billing")
    rows.response(nps, 10, user_id="someone-else", at=T0)
    client.patch(f"/v1/responses/{rid}", json={"followup_status": "closed"}, headers=site.auth)

    resp = client.get("/v1/users/u42", headers=site.auth)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["user_id"] == "u42"
    assert body["user"]["traits"] == {"plan": "pro", "email": "aino@acme.fi"}
    assert set(body["user"]) == {"traits", "email", "name", "locale", "created_at", "last_seen_at"}
    assert [p["status"] for p in body["prompts"]] == ["dismissed", "answered", "expired"]
    assert {p["user_id"] for p in body["prompts"]} == {"u42"}
    assert body["prompts"][1]["event"] == "invoice.paid"
    assert body["prompts"][2]["page_url"] == "https://app.example.com/billing"
    assert body["prompts"][2]["shown_at"] == seen.isoformat()
    [answer] = body["responses"]
    assert (answer["id"], answer["score"], answer["comment"]) == (rid, 4, "Too slow")
    assert [h["status"] for h in answer["followup_history"]] == ["closed"]


@pytest.mark.parametrize("user_id", ODD_IDS)
def test_user_ids_with_slashes_at_signs_and_colons_work(client, site, rows, user_id):
    rows.response(rows.survey("csat"), 5, user_id=user_id)
    for url in (user_url(user_id), "/v1/users/" + quote(user_id, safe="/@:|")):
        body = client.get(url, headers=site.auth).get_json()
        assert body["user_id"] == user_id
        assert len(body["responses"]) == 1
    resp = client.delete(user_url(user_id), headers=site.auth)
    assert resp.get_json() == {
        "user_id": user_id,
        "deleted": {"prompts": 1, "responses": 1, "users": 0},
    }


def test_erase_leaves_nothing_of_the_user_and_everyone_else_untouched(
    client, site, other_site, app, rows
):
    theirs = Rows(app, other_site)
    nps, csat, other_nps = rows.survey("nps"), rows.survey("csat"), theirs.survey("nps")
    for who, factory, surveys in (("u42", rows, (nps, csat)), ("u7", rows, (nps,))):
        factory.user(who, {"plan": "pro"})
        for i, survey in enumerate(surveys):
            factory.response(survey, 3 + i, user_id=who, at=T0 + timedelta(hours=i))
        factory.prompt(nps, user_id=who, status="dismissed")
    theirs.user("u42", {"plan": "free"})  # the same user id on another site
    other_answer = theirs.response(other_nps, 9, user_id="u42")
    mine = rows.response(nps, 1, user_id="u42", at=T0 + timedelta(days=1))
    for status in ("in_progress", "closed"):
        client.patch(f"/v1/responses/{mine}", json={"followup_status": status}, headers=site.auth)
    client.patch(
        f"/v1/responses/{other_answer}", json={"followup_note": "x"}, headers=other_site.auth
    )

    before = everything(app)
    assert held(app, site.site_id, "u42") == {
        "users": 1,
        "prompts": 4,
        "responses": 3,
        "followups": 2,
    }

    resp = client.delete("/v1/users/u42", headers=site.auth)
    assert resp.status_code == 200
    assert resp.get_json() == {
        "user_id": "u42",
        "deleted": {"prompts": 4, "responses": 3, "users": 1},
    }
    assert held(app, site.site_id, "u42") == {
        "users": 0,
        "prompts": 0,
        "responses": 0,
        "followups": 0,
    }

    after = everything(app)
    for table, rows_before in before.items():
        gone = set(rows_before) - set(after[table])
        assert set(after[table]) <= set(rows_before), table  # nothing new, nothing changed
        # Every row that went named u42 on this site (follow-ups: the erased answer's).
        for row in gone:
            assert (site.site_id in row and "u42" in row) or mine in row, (table, row)
    assert held(app, other_site.site_id, "u42") == {
        "users": 1,
        "prompts": 1,
        "responses": 1,
        "followups": 1,
    }
    assert held(app, site.site_id, "u7") == {
        "users": 1,
        "prompts": 2,
        "responses": 1,
        "followups": 0,
    }

    assert_error(client.get("/v1/users/u42", headers=site.auth), 404, "not_found", "user_id")
    again = client.delete("/v1/users/u42", headers=site.auth)
    assert again.status_code == 200  # a retried erase is harmless
    assert again.get_json()["deleted"] == {"prompts": 0, "responses": 0, "users": 0}


def test_users_endpoints_need_a_key_and_a_sane_id(client, site, other_site, app):
    assert_error(client.get("/v1/users/u1"), 401, "missing_api_key")
    assert_error(client.delete("/v1/users/u1"), 401, "missing_api_key")
    Rows(app, other_site).user("only-theirs")
    assert_error(
        client.get("/v1/users/only-theirs", headers=site.auth), 404, "not_found", "user_id"
    )
    too_long = "x" * 201
    for method in (client.get, client.delete):
        assert_error(method(f"/v1/users/{too_long}", headers=site.auth), 422, param="user_id")


def test_a_user_whose_id_ends_in_eligibility_is_exported_and_erased_like_any_other(
    app, client, site, rows
):
    survey = rows.survey("nps")
    rows.user("team/eligibility", {"plan": "pro"})
    rows.response(survey, 9, user_id="team/eligibility", at=T0)
    for path in ("/v1/users/team/eligibility", user_url("team/eligibility")):
        resp = client.get(path, headers=site.auth)
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["user_id"] == "team/eligibility"
        assert len(resp.get_json()["responses"]) == 1
    resp = client.delete(user_url("team/eligibility"), headers=site.auth)
    assert resp.get_json()["deleted"] == {"prompts": 1, "responses": 1, "users": 1}
    assert held(app, site.site_id, "team/eligibility") == {
        "users": 0,
        "prompts": 0,
        "responses": 0,
        "followups": 0,
    }


def test_eligibility_is_not_below_a_users_path_and_cannot_be_deleted(client, site):
    resp = client.delete("/v1/eligibility?user_id=u1", headers=site.auth)
    assert_error(resp, 405)
    assert set(resp.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
