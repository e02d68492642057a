"""``/v1/responses``: the list with its filters and stable cursors, one response, and follow-up."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import Rows

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
RESPONSE_FIELDS = {
    "reasons",
    "id",
    "survey",
    "prompt",
    "user_id",
    "kind",
    "score",
    "comment",
    "locale",
    "url",
    "event",
    "context",
    "traits",
    "followup_status",
    "followup_owner",
    "followup_note",
    "tags",
    "source",
    "external_id",
    "source_ref",
    "created_at",
    "updated_at",
}


@pytest.fixture
def rows(app, site):
    return Rows(app, site)


def listed(client, site, **params):
    resp = client.get("/v1/responses", query_string=params, headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def ids(client, site, **params):
    return [r["id"] for r in listed(client, site, limit=100, **params)["data"]]


def assert_error(resp, status, code=None, param=None):
    assert resp.status_code == status, resp.get_json()
    err = resp.get_json()["error"]
    assert set(err) >= {"type", "code", "message", "request_id"}
    assert err["request_id"] == resp.headers["X-Request-Id"]
    if code:
        assert err["code"] == code
    if param:
        assert err["param"] == param


def test_a_response_carries_its_context_and_the_traits_at_the_time(client, site, rows):
    nps = rows.survey("nps")
    rid = rows.response(
        nps,
        3,
        user_id="u42",
        at=T0,
        comment="Liian hidasta 🐢",
        locale="fi",
        url="https://app.example.com/invoices/7",
        event="invoice.paid",
        context={"invoice": "INV-7", "amount": 120},
        traits={"plan": "pro"},
    )
    body = listed(client, site)
    assert body["has_more"] is False and body["next_cursor"] is None
    [item] = body["data"]
    assert set(item) == RESPONSE_FIELDS  # the history only on a single response
    assert item["id"] == rid
    assert item["survey"] == nps and item["prompt"].startswith("prm_")
    assert (item["kind"], item["score"], item["user_id"]) == ("nps", 3, "u42")
    assert (item["comment"], item["locale"], item["event"]) == (
        "Liian hidasta 🐢",
        "fi",
        "invoice.paid",
    )
    assert item["context"] == {"invoice": "INV-7", "amount": 120}
    assert item["traits"] == {"plan": "pro"}
    assert (item["followup_status"], item["followup_owner"], item["followup_note"]) == (
        "open",
        None,
        None,
    )
    assert item["created_at"] == "2025-03-01T12:00:00+00:00"


def test_filters_narrow_the_list(client, site, rows):
    nps, csat = rows.survey("nps"), rows.survey("csat")
    a = rows.response(nps, 9, user_id="ann", at=T0, comment="great")
    b = rows.response(nps, 2, user_id="bob", at=T0 + timedelta(days=1), comment="")
    c = rows.response(csat, 4, user_id="ann", at=T0 + timedelta(days=2))
    d = rows.response(nps, 6, user_id="ann", at=T0 + timedelta(days=3), comment="meh")
    client.patch(f"/v1/responses/{d}", json={"followup_status": "closed"}, headers=site.auth)

    assert ids(client, site) == [d, c, b, a]  # newest first
    assert ids(client, site, survey=nps) == [d, b, a]
    assert ids(client, site, user_id="ann") == [d, c, a]
    assert ids(client, site, since="2025-03-02T12:00:00Z") == [d, c, b]
    assert ids(client, site, until="2025-03-02T12:00:00Z") == [a]
    assert ids(client, site, since="2025-03-02", until="2025-03-04") == [c, b]
    assert ids(client, site, min_score=6) == [d, a]
    assert ids(client, site, max_score=4, survey=nps) == [b]
    assert ids(client, site, followup_status="closed") == [d]
    assert ids(client, site, followup_status="open") == [c, b, a]
    assert ids(client, site, has_comment="true") == [d, a]
    assert ids(client, site, has_comment="false") == [c, b]


def test_each_key_lists_only_its_own_sites_responses(client, site, other_site, app, rows):
    mine = rows.response(rows.survey("nps"), 9)
    theirs = Rows(app, other_site)
    theirs.response(theirs.survey("nps"), 1)
    assert ids(client, site) == [mine]


def test_paging_while_responses_arrive_returns_every_earlier_one_exactly_once(
    client, site, rows, app
):
    nps = rows.survey("nps")
    # Ties on created_at too: the cursor breaks them by id.
    earlier = rows.responses(
        nps, [{"score": i % 11, "at": T0 + timedelta(minutes=i // 3)} for i in range(47)]
    )
    stop = threading.Event()
    arrived = []

    def keep_answering():
        writer = Rows(app, site)
        while not stop.is_set():
            arrived.append(writer.response(nps, 10, at=datetime.now(UTC)))
            time.sleep(0.002)

    thread = threading.Thread(target=keep_answering)
    thread.start()
    try:
        seen, cursor, pages = [], None, 0
        while True:
            params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
            page = listed(client, site, **params)
            seen += [r["id"] for r in page["data"]]
            pages += 1
            time.sleep(0.01)
            if not page["has_more"]:
                break
            cursor = page["next_cursor"]
    finally:
        stop.set()
        thread.join()

    assert arrived, "nothing arrived while paging"
    assert len(seen) == len(set(seen))  # nothing repeated
    assert [i for i in seen if i in set(earlier)] == [
        i for i in seen if i not in set(arrived)
    ]  # nothing else appeared in between
    assert sorted(i for i in seen if i in set(earlier)) == sorted(earlier)  # nothing skipped
    assert pages >= 10


def test_a_response_shows_its_follow_up_history_oldest_first(client, site, rows):
    rid = rows.response(rows.survey("csat"), 1, at=T0)
    url = f"/v1/responses/{rid}"
    assert client.get(url, headers=site.auth).get_json()["followup_history"] == []

    first = client.patch(
        url,
        json={"followup_status": "in_progress", "followup_owner": "aino@acme.fi"},
        headers=site.auth,
    )
    assert first.status_code == 200
    assert first.get_json()["followup_status"] == "in_progress"
    second = client.patch(
        url,
        json={"followup_status": "closed", "followup_note": "Called, refunded the fee."},
        headers=site.auth,
    ).get_json()
    assert (second["followup_status"], second["followup_owner"], second["followup_note"]) == (
        "closed",
        "aino@acme.fi",
        "Called, refunded the fee.",
    )
    unchanged = client.patch(url, json={"followup_status": "closed"}, headers=site.auth)
    assert unchanged.status_code == 200

    body = client.get(url, headers=site.auth).get_json()
    history = body["followup_history"]
    assert [(h["status"], h["owner"], h["note"]) for h in history] == [
        ("in_progress", "aino@acme.fi", None),
        ("closed", "aino@acme.fi", "Called, refunded the fee."),
    ]
    assert history[0]["created_at"] <= history[1]["created_at"]
    assert datetime.fromisoformat(history[1]["created_at"]) > T0
    assert body["updated_at"] == history[1]["created_at"]
    assert body["score"] == 1 and body["created_at"] == T0.isoformat()

    cleared = client.patch(url, json={"followup_owner": None}, headers=site.auth).get_json()
    assert cleared["followup_owner"] is None
    assert len(cleared["followup_history"]) == 3


def test_a_widget_response_is_found_by_any_spelling_of_its_uuid(client, site, rows):
    """The widget's response ids are UUIDs; a backend may keep them upper case or without
    hyphens, and still finds, and follows up, the same response."""
    rid = rows.response(rows.survey("csat"), 2, at=T0, id="0f5c1f7e-3b6a-4c1e-9d2a-8a7b6c5d4e3f")
    for spelling in (rid.upper(), rid.replace("-", "")):
        got = client.get(f"/v1/responses/{spelling}", headers=site.auth)
        assert got.status_code == 200, got.get_json()
        assert got.get_json()["id"] == rid
    changed = client.patch(
        f"/v1/responses/{rid.upper()}", json={"followup_status": "closed"}, headers=site.auth
    )
    assert changed.get_json()["followup_status"] == "closed"
    assert client.get(f"/v1/responses/{rid}", headers=site.auth).get_json()["followup_status"] == (
        "closed"
    )


def test_concurrent_follow_up_changes_each_keep_a_whole_entry(client, site, rows, app):
    rid = rows.response(rows.survey("nps"), 2)
    url = f"/v1/responses/{rid}"

    def change(field, prefix):
        own = app.test_client()
        for i in range(8):
            resp = own.patch(url, json={field: f"{prefix}{i}"}, headers=site.auth)
            assert resp.status_code == 200, resp.get_json()

    threads = [
        threading.Thread(target=change, args=("followup_owner", "owner-")),
        threading.Thread(target=change, args=("followup_note", "note-")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    body = client.get(url, headers=site.auth).get_json()
    assert (body["followup_owner"], body["followup_note"]) == ("owner-7", "note-7")
    history = body["followup_history"]
    assert len(history) == 16
    assert (history[-1]["owner"], history[-1]["note"]) == ("owner-7", "note-7")
    # Each entry is the state after one change: owners and notes only ever move forward.
    owners = [int(h["owner"][-1]) for h in history if h["owner"]]
    notes = [int(h["note"][-1]) for h in history if h["note"]]
    assert owners == sorted(owners) and notes == sorted(notes)


# -- errors ---------------------------------------------------------------------------------------


def test_responses_need_a_key(client):
    for method, url in [
        ("get", "/v1/responses"),
        ("get", "/v1/responses/x"),
        ("patch", "/v1/responses/x"),
    ]:
        assert_error(getattr(client, method)(url), 401, "missing_api_key")
    bad = {"Authorization": "Bearer sk_wrong"}
    assert_error(client.get("/v1/responses", headers=bad), 401, "invalid_api_key")


def test_another_sites_response_is_not_found(client, site, other_site, app):
    theirs = Rows(app, other_site)
    rid = theirs.response(theirs.survey("nps"), 9)
    assert_error(client.get(f"/v1/responses/{rid}", headers=site.auth), 404, "not_found", "id")
    resp = client.patch(
        f"/v1/responses/{rid}", json={"followup_status": "closed"}, headers=site.auth
    )
    assert_error(resp, 404, "not_found", "id")
    assert (
        client.get(f"/v1/responses/{rid}", headers=other_site.auth).get_json()["followup_status"]
        == "open"
    )
    assert_error(client.get("/v1/responses/nope", headers=site.auth), 404, "not_found", "id")
    survey = theirs.survey("csat")
    resp = client.get(f"/v1/responses?survey={survey}", headers=site.auth)
    assert_error(resp, 404, "not_found", "survey")


@pytest.mark.parametrize(
    "period",
    [
        {"since": "0001-01-01T00:00:00+14:00"},
        {"until": "9999-12-31T23:00:00-14:00"},
        {"since": "0001-01-01", "until": "9999-12-31"},
    ],
)
def test_a_period_at_the_ends_of_the_calendar_lists_every_answer(client, site, rows, period):
    made = rows.response(rows.survey("csat"), 4)
    resp = client.get("/v1/responses", query_string=period, headers=site.auth)
    assert resp.status_code == 200, resp.get_json()
    assert [r["id"] for r in resp.get_json()["data"]] == [made]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"min_score": "high"}, "min_score"),
        ({"min_score": 8, "max_score": 3}, "max_score"),
        ({"followup_status": "done"}, "followup_status"),
        ({"since": "2025-13-01"}, "since"),
        ({"since": "2025-03-02", "until": "2025-03-01"}, "until"),
        ({"has_comment": "maybe"}, "has_comment"),
        ({"score": 5}, "score"),
    ],
)
def test_bad_filters_name_the_field(client, site, params, param):
    resp = client.get("/v1/responses", query_string=params, headers=site.auth)
    assert_error(resp, 422, "validation_failed", param)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"followup_status": "done"}, "followup_status"),
        ({"followup_owner": "x" * 201}, "followup_owner"),
        ({"score": 10}, "score"),
        ({}, None),
    ],
)
def test_bad_follow_up_changes_name_the_field_and_change_nothing(client, site, rows, body, param):
    rid = rows.response(rows.survey("nps"), 9)
    resp = client.patch(f"/v1/responses/{rid}", json=body, headers=site.auth)
    assert_error(resp, 422, "validation_failed", param)
    after = client.get(f"/v1/responses/{rid}", headers=site.auth).get_json()
    assert (after["score"], after["followup_status"], after["followup_history"]) == (9, "open", [])
