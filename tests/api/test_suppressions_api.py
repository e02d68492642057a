"""``/v1/suppressions``: addresses survey e-mail never goes to again, per site."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from collector.models import OutboxEvent
from tests.api.test_users_api import assert_error


def suppress(client, site, email, reason=None, **extra):
    body = {"email": email, **({"reason": reason} if reason else {}), **extra}
    return client.post("/v1/suppressions", json=body, headers=site.auth)


def listed(client, site, **q) -> list[dict]:
    return client.get("/v1/suppressions", query_string=q, headers=site.auth).get_json()["data"]


def test_a_reported_bounce_is_stored_lower_cased_and_listed(client, site):
    resp = suppress(
        client, site, "Aino.Virtanen@ACME.fi", "bounced", detail="550 5.1.1 no such user"
    )
    assert resp.status_code == 201
    made = resp.get_json()
    assert (made["email"], made["reason"], made["detail"]) == (
        "aino.virtanen@acme.fi",
        "bounced",
        "550 5.1.1 no such user",
    )
    assert made["id"].startswith("sup_")
    assert [s["email"] for s in listed(client, site)] == ["aino.virtanen@acme.fi"]
    got = client.get("/v1/suppressions/AINO.virtanen@acme.fi", headers=site.auth)
    assert got.get_json()["id"] == made["id"]


def test_reporting_an_address_again_keeps_the_first_suppression(client, site):
    first = suppress(client, site, "aino@acme.fi", "bounced").get_json()
    again = suppress(client, site, "AINO@acme.fi", "complained")
    assert again.status_code == 200
    assert again.get_json() == first
    assert len(listed(client, site)) == 1


def test_the_reason_defaults_to_manual_and_lists_filter_by_it(client, site):
    suppress(client, site, "a@acme.fi")
    suppress(client, site, "b@acme.fi", "complained")
    assert [s["email"] for s in listed(client, site, reason="manual")] == ["a@acme.fi"]
    assert [s["email"] for s in listed(client, site, reason="complained")] == ["b@acme.fi"]


def test_the_list_pages_through_every_address(client, site):
    for i in range(5):
        suppress(client, site, f"p{i}@acme.fi")
    seen, cursor = [], None
    while True:
        q = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/suppressions", query_string=q, headers=site.auth).get_json()
        seen += [s["email"] for s in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert seen == [f"p{i}@acme.fi" for i in reversed(range(5))]


def test_removing_a_suppression_lets_the_address_be_mailed_again(client, site):
    suppress(client, site, "aino@acme.fi")
    resp = client.delete("/v1/suppressions/" + quote("Aino@acme.fi"), headers=site.auth)
    assert resp.get_json() == {"email": "aino@acme.fi", "deleted": True}
    assert_error(client.get("/v1/suppressions/aino@acme.fi", headers=site.auth), 404, "not_found")
    assert_error(client.delete("/v1/suppressions/aino@acme.fi", headers=site.auth), 404)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"email": "nobody"}, "email"),
        ({"reason": "manual"}, "email"),
        ({"email": "a@acme.fi", "reason": "annoyed"}, "reason"),
        ({"email": "a@acme.fi", "detail": ""}, "detail"),
    ],
)
def test_invalid_suppressions_are_refused_naming_the_field(client, site, body, param):
    resp = client.post("/v1/suppressions", json=body, headers=site.auth)
    assert_error(resp, 422, "validation_failed", param)
    assert listed(client, site) == []


def test_a_site_sees_and_removes_only_its_own_suppressions(client, site, other_site):
    suppress(client, site, "aino@acme.fi", "bounced")
    assert listed(client, other_site) == []
    assert_error(client.get("/v1/suppressions/aino@acme.fi", headers=other_site.auth), 404)
    assert_error(client.delete("/v1/suppressions/aino@acme.fi", headers=other_site.auth), 404)
    assert suppress(client, other_site, "aino@acme.fi", "manual").status_code == 201
    assert listed(client, site)[0]["reason"] == "bounced"


def test_a_reported_bounce_writes_no_unsubscribe_event(client, site, app):
    suppress(client, site, "aino@acme.fi", "bounced")
    with app.extensions["fiilis.sessionmaker"]() as db:
        assert db.scalars(select(OutboxEvent)).all() == []


def test_suppressions_outlive_the_erasure_of_the_person(client, site):
    client.put("/v1/people/u1", json={"email": "aino@acme.fi"}, headers=site.auth)
    suppress(client, site, "aino@acme.fi", "complained")
    client.delete("/v1/people/u1", headers=site.auth)
    assert [s["email"] for s in listed(client, site)] == ["aino@acme.fi"]
