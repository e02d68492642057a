"""``/v1/people``: set, read, list, import and erase the people a site mails surveys to."""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from collector.models import User
from tests.api.test_users_api import ODD_IDS, assert_error, held
from tests.factories import Rows


def person_url(user_id: str) -> str:
    return "/v1/people/" + quote(user_id, safe="")


def put(client, site, user_id, body, **kwargs):
    return client.put(person_url(user_id), json=body, headers=site.auth, **kwargs)


def jsonl(*items) -> bytes:
    return "".join(json.dumps(i) + "\n" for i in items).encode()


def import_(client, site, body: bytes, content_type="application/x-ndjson"):
    return client.post(
        "/v1/people/import",
        data=io.BytesIO(body),
        headers={**site.auth, "Content-Type": content_type},
    )


def people_count(app, site_id) -> int:
    with app.extensions["fiilis.sessionmaker"]() as db:
        return db.scalar(select(func.count()).select_from(User).where(User.site_id == site_id))


def test_put_adds_a_person_then_changes_only_what_it_gives(client, site):
    resp = put(
        client,
        site,
        "u42",
        {
            "email": " Aino.Virtanen@Acme.FI ",
            "name": "Aino",
            "locale": "fi",
            "traits": {"plan": "pro"},
        },
    )
    assert resp.status_code == 201
    assert resp.get_json()["email"] == "aino.virtanen@acme.fi"

    resp = put(client, site, "u42", {"name": "Aino V.", "traits": {"seats": 5}})
    assert resp.status_code == 200
    person = client.get("/v1/people/u42", headers=site.auth).get_json()
    assert person["user_id"] == "u42"
    assert person["email"] == "aino.virtanen@acme.fi"
    assert person["name"] == "Aino V."
    assert person["locale"] == "fi"
    assert person["traits"] == {"plan": "pro", "seats": 5}


def test_null_clears_a_field_and_removes_a_trait(client, site):
    put(client, site, "u42", {"email": "a@acme.fi", "traits": {"plan": "pro", "seats": 5}})
    person = put(client, site, "u42", {"email": None, "traits": {"plan": None}}).get_json()
    assert person["email"] is None
    assert person["traits"] == {"seats": 5}


def test_a_person_is_the_user_the_widget_knows(client, site, app):
    Rows(app, site).user("u42", {"plan": "free"})
    resp = put(client, site, "u42", {"email": "aino@acme.fi"})
    assert resp.status_code == 200
    assert resp.get_json()["traits"] == {"plan": "free"}
    assert people_count(app, site.site_id) == 1


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"email": "not an address"}, "email"),
        ({"email": "aino@"}, "email"),
        ({"locale": "Finnish please"}, "locale"),
        ({"name": ""}, "name"),
        ({"traits": {"plan": {"nested": 1}}}, "traits.plan"),
        ({"shoe_size": 42}, "shoe_size"),
    ],
)
def test_invalid_fields_are_refused_naming_the_field(client, site, body, param):
    assert_error(put(client, site, "u42", body), 422, "validation_failed", param)
    assert_error(client.get("/v1/people/u42", headers=site.auth), 404, "not_found")


def test_odd_user_ids_work_in_the_path(client, site):
    for user_id in ODD_IDS:
        assert put(client, site, user_id, {"name": "X"}).status_code == 201
        assert client.get(person_url(user_id), headers=site.auth).get_json()["user_id"] == user_id


def test_the_list_pages_newest_first_and_filters_by_address(client, site):
    for i in range(5):
        put(client, site, f"u{i}", {"email": f"p{i % 2}@acme.fi"})
    seen, cursor = [], None
    while True:
        q = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/people", query_string=q, headers=site.auth).get_json()
        seen += [p["user_id"] for p in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert seen == ["u4", "u3", "u2", "u1", "u0"]
    only = client.get("/v1/people?email=P1@acme.fi", headers=site.auth).get_json()
    assert [p["user_id"] for p in only["data"]] == ["u3", "u1"]
    assert_error(client.get("/v1/people?cursor=bogus", headers=site.auth), 422, param="cursor")


def test_delete_erases_the_person_with_their_answers(client, site, app):
    rows = Rows(app, site)
    put(client, site, "u42", {"email": "aino@acme.fi"})
    rows.response(rows.survey("nps"), 9, user_id="u42")
    resp = client.delete("/v1/people/u42", headers=site.auth)
    assert resp.status_code == 200
    assert resp.get_json() == {
        "user_id": "u42",
        "deleted": {"prompts": 1, "responses": 1, "users": 1},
    }
    assert held(app, site.site_id, "u42") == {
        "users": 0,
        "prompts": 0,
        "responses": 0,
        "followups": 0,
    }
    assert_error(client.get("/v1/people/u42", headers=site.auth), 404, "not_found")


def test_another_site_never_sees_or_changes_a_person(client, site, other_site, app):
    put(client, site, "u42", {"email": "aino@acme.fi", "name": "Aino"})
    assert_error(client.get("/v1/people/u42", headers=other_site.auth), 404)
    assert client.get("/v1/people", headers=other_site.auth).get_json()["data"] == []
    assert put(client, other_site, "u42", {"name": "Someone else"}).status_code == 201
    client.delete("/v1/people/u42", headers=other_site.auth)
    assert client.get("/v1/people/u42", headers=site.auth).get_json()["name"] == "Aino"


# -- import ----------------------------------------------------------------------------------


def test_a_json_lines_import_reports_every_line_and_runs_twice_harmlessly(client, site, app):
    body = (
        jsonl(
            {"user_id": "u1", "email": "Aino@Acme.fi", "name": "Aino", "traits": {"plan": "pro"}},
            {"user_id": "u2", "email": "bertil@acme.se", "locale": "sv"},
            {"user_id": "u3", "email": "not-an-address"},
            {"email": "nobody@acme.fi"},
        )
        + b"{broken\n"
    )
    report = import_(client, site, body).get_json()
    assert (report["imported"], report["updated"], report["unchanged"]) == (2, 0, 0)
    assert report["errors_count"] == 3
    assert [(e["line"], e["param"]) for e in report["errors"]] == [
        (3, "email"),
        (4, "user_id"),
        (5, None),
    ]
    again = import_(client, site, body).get_json()
    assert (again["imported"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert people_count(app, site.site_id) == 2
    person = client.get("/v1/people/u1", headers=site.auth).get_json()
    assert (person["email"], person["traits"]) == ("aino@acme.fi", {"plan": "pro"})


def test_an_import_updates_people_already_there(client, site):
    put(client, site, "u1", {"email": "old@acme.fi", "traits": {"seen": True}})
    report = import_(client, site, jsonl({"user_id": "u1", "email": "new@acme.fi"})).get_json()
    assert (report["imported"], report["updated"]) == (0, 1)
    person = client.get("/v1/people/u1", headers=site.auth).get_json()
    assert (person["email"], person["traits"]) == ("new@acme.fi", {"seen": True})


def test_a_csv_import_takes_other_columns_as_traits(client, site):
    body = (
        b"user_id;email;name;locale;plan\n"
        b"u1;aino@acme.fi;Aino;fi;pro\n"
        b"u2;;Bertil;sv;\n"
        b"u3;broken@;;;\n"
    )
    report = import_(client, site, body, "text/csv").get_json()
    assert (report["imported"], report["errors_count"]) == (2, 1)
    assert report["errors"][0]["line"] == 4
    aino = client.get("/v1/people/u1", headers=site.auth).get_json()
    assert (aino["name"], aino["locale"], aino["traits"]) == ("Aino", "fi", {"plan": "pro"})
    bertil = client.get("/v1/people/u2", headers=site.auth).get_json()
    assert (bertil["email"], bertil["traits"]) == (None, {})


def test_an_import_of_many_people_is_stored_in_batches(client, site, app):
    body = jsonl(*({"user_id": f"u{i}", "email": f"p{i}@acme.fi"} for i in range(2500)))
    report = import_(client, site, body).get_json()
    assert (report["imported"], report["errors_count"]) == (2500, 0)
    assert people_count(app, site.site_id) == 2500


def test_an_import_in_another_format_is_refused(client, site):
    resp = import_(client, site, b"<people/>", "application/xml")
    assert_error(resp, 415, "unsupported_media_type")


def test_an_import_goes_to_its_own_site_only(client, site, other_site, app):
    import_(client, other_site, jsonl({"user_id": "u1", "name": "Theirs"}))
    import_(client, site, jsonl({"user_id": "u1", "name": "Ours"}))
    assert client.get("/v1/people/u1", headers=other_site.auth).get_json()["name"] == "Theirs"
    assert people_count(app, site.site_id) == 1


def test_the_command_line_imports_a_csv_file_and_says_what_it_did(runner, client, site, tmp_path):
    file = tmp_path / "people.csv"
    file.write_text("user_id,email,plan\nu1,aino@acme.fi,pro\nu2,bad@,free\n", encoding="utf-8")
    result = runner.invoke(
        args=["people", "import", str(file), "--site", site.public_key], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output
    assert "line 3 [email]" in result.output
    assert client.get("/v1/people/u1", headers=site.auth).get_json()["traits"] == {"plan": "pro"}
    again = runner.invoke(args=["people", "import", str(file), "--site", site.public_key])
    assert "1 already as in the file" in again.output


def test_an_import_line_holding_a_nul_byte_or_a_lone_surrogate_is_refused_alone(client, site):
    body = (
        b'{"user_id": "u1", "name": "Aino"}\n'
        b'{"user_id": "u2", "name": "bad\\u0000"}\n'
        b'{"user_id": "u3", "traits": {"plan": "\\ud800"}}\n'
        b'{"user_id": "u4"}\n'
    )
    report = import_(client, site, body).get_json()
    assert report["imported"] == 2
    assert [(e["line"], e["param"]) for e in report["errors"]] == [(2, "name"), (3, "traits.plan")]


def test_the_users_export_holds_the_persons_address_name_and_locale(client, site):
    put(client, site, "u42", {"email": "aino@acme.fi", "name": "Aino", "locale": "fi"})
    held_user = client.get("/v1/users/u42", headers=site.auth).get_json()["user"]
    assert (held_user["email"], held_user["name"], held_user["locale"]) == (
        "aino@acme.fi",
        "Aino",
        "fi",
    )
