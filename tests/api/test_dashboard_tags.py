"""Tags in the dashboard: set on a response's page, shown there, and the same through the API."""

from __future__ import annotations

from tests.api.test_dashboard import account, rows, text, token, user  # noqa: F401 (fixtures)


def test_tags_saved_on_the_response_page_show_there_and_in_the_api(user, site, rows):  # noqa: F811
    rid = rows.response(rows.survey("nps"), 2, comment="Lasku kahdesti")
    path = f"/dashboard/responses/{rid}"
    assert "No tags." in text(user.get(path))
    resp = user.post(
        f"{path}/tags", data={"tags": "Billing, refund ,", "csrf_token": token(user, path)}
    )
    assert resp.status_code == 302
    assert user.get(f"/v1/responses/{rid}", headers=site.auth).get_json()["tags"] == [
        "billing",
        "refund",
    ]
    page = text(user.get(resp.headers["Location"]))
    assert "Tags saved." in page
    assert ">billing</a>" in page and ">refund</a>" in page

    # Removing one is saving the list without it.
    user.post(f"{path}/tags", data={"tags": "refund", "csrf_token": token(user, path)})
    assert user.get(f"/v1/responses/{rid}", headers=site.auth).get_json()["tags"] == ["refund"]


def test_a_bad_tag_is_shown_as_an_error_and_nothing_changes(user, site, rows):  # noqa: F811
    rid = rows.response(rows.survey("csat"), 1)
    path = f"/dashboard/responses/{rid}"
    user.post(f"{path}/tags", data={"tags": "kept", "csrf_token": token(user, path)})
    resp = user.post(
        f"{path}/tags", data={"tags": "kept, " + "x" * 41, "csrf_token": token(user, path)}
    )
    assert resp.status_code == 422
    assert "Not saved" in text(resp) and "1–40 characters" in text(resp)
    assert user.get(f"/v1/responses/{rid}", headers=site.auth).get_json()["tags"] == ["kept"]


def test_a_tag_links_to_the_responses_with_it(user, site, rows):  # noqa: F811
    nps = rows.survey("nps")
    tagged, other = rows.response(nps, 3, comment="a"), rows.response(nps, 4, comment="b")
    path = f"/dashboard/responses/{tagged}"
    user.post(f"{path}/tags", data={"tags": "ux", "csrf_token": token(user, path)})
    listing = text(user.get("/dashboard/responses?tag=ux&has_comment=any"))
    assert tagged in listing and other not in listing


def test_an_imported_answer_says_where_it_came_from(user, site, client):  # noqa: F811
    import json

    survey = client.post(
        "/v1/surveys", json={"kind": "nps", "question": {"en": "Recommend?"}}, headers=site.auth
    ).get_json()
    client.post(
        "/v1/responses/import?source=delighted",
        data=json.dumps(
            {
                "external_id": "20000",
                "survey": survey["id"],
                "email": "a@example.test",
                "score": 9,
                "created_at": "2025-12-01T00:00:00Z",
                "source_ref": "https://delighted.example/r/20000",
            }
        ),
        content_type="application/x-ndjson",
        headers=site.auth,
    )
    [r] = client.get("/v1/responses", headers=site.auth).get_json()["data"]
    page = text(user.get(f"/dashboard/responses/{r['id']}"))
    assert "Imported from" in page and "Delighted" in page
    assert 'href="https://delighted.example/r/20000"' in page
