"""``GET /v1/responses.csv``: a spreadsheet-safe, streamed export with the list's filters."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import Rows

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
COLUMNS = [
    "id",
    "created_at",
    "survey",
    "prompt",
    "kind",
    "score",
    "comment",
    "user_id",
    "event",
    "url",
    "locale",
    "followup_status",
    "followup_owner",
    "followup_note",
    "context",
    "traits",
    "tags",
    "scale",
    "reasons",
]


@pytest.fixture
def rows(app, site):
    return Rows(app, site)


def export(client, site, **params):
    resp = client.get("/v1/responses.csv", query_string=params, headers=site.auth)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp


def table(resp) -> list[dict]:
    raw = resp.get_data()
    assert raw.startswith("\ufeff".encode())  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_export_is_an_attachment_named_after_the_day(client, site, rows):
    rows.response(rows.survey("nps"), 9, at=T0)
    resp = export(client, site)
    assert resp.mimetype == "text/csv"
    assert resp.mimetype_params["charset"] == "utf-8"
    today = datetime.now(UTC).date().isoformat()
    assert resp.headers["Content-Disposition"] == (
        f'attachment; filename="fiilis-responses-{today}.csv"'
    )
    assert resp.is_streamed
    text = resp.get_data().decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == COLUMNS
    assert "\r\n" in text  # spreadsheet line endings


def test_every_column_of_a_response_is_exported(client, site, rows):
    nps = rows.survey("nps")
    rid = rows.response(
        nps,
        6,
        user_id="u42",
        at=T0,
        comment='Slow, "very" slow,\nreally',
        locale="fi",
        url="https://app.example.com/x?a=1",
        event="invoice.paid",
        context={"ticket": "T-1"},
        traits={"plan": "pro"},
    )
    rows.reasons(rid, "speed", "price")
    client.patch(
        f"/v1/responses/{rid}",
        json={
            "followup_status": "in_progress",
            "followup_owner": "aino",
            "add_tags": ["Billing", "vip"],
        },
        headers=site.auth,
    )
    [row] = table(export(client, site))
    assert row == {
        "id": rid,
        "created_at": "2025-03-01T12:00:00+00:00",
        "survey": nps,
        "prompt": row["prompt"],
        "kind": "nps",
        "score": "6",
        "comment": 'Slow, "very" slow,\nreally',
        "user_id": "u42",
        "event": "invoice.paid",
        "url": "https://app.example.com/x?a=1",
        "locale": "fi",
        "followup_status": "in_progress",
        "followup_owner": "aino",
        "followup_note": "",
        "context": '{"ticket": "T-1"}',
        "traits": '{"plan": "pro"}',
        "tags": "billing,vip",
        "scale": "0-10",
        "reasons": "price,speed",
    }


def test_formulas_are_neutralised_in_every_text_column(client, site, rows):
    survey = rows.survey("csat")
    rows.response(
        survey,
        1,
        at=T0,
        comment='=HYPERLINK("x")',
        user_id="@admin",
        url="+cmd|' /C calc'!A0",
        context={"note": "=1+1"},
    )
    rows.response(survey, 2, at=T0 + timedelta(seconds=1), comment="-2+3", user_id="\tx")
    rows.response(survey, 3, at=T0 + timedelta(seconds=2), comment="\r=1", user_id="ok")
    newest_first = table(export(client, site))
    third, second, first = newest_first
    assert first["comment"] == '\'=HYPERLINK("x")'
    assert first["user_id"] == "'@admin"
    assert first["url"] == "'+cmd|' /C calc'!A0"
    assert first["context"] == '{"note": "=1+1"}'  # starts with "{": inert
    assert (second["comment"], second["user_id"]) == ("'-2+3", "'\tx")
    assert (third["comment"], third["user_id"]) == ("'\r=1", "ok")
    assert [r["score"] for r in newest_first] == ["3", "2", "1"]


def test_finnish_swedish_and_emoji_survive_a_round_trip(client, site, rows):
    text = "Hyvä palvelu, tack så mycket! Ääkköset: ä ö å Ä Ö Å 🎉👍🏽"
    rows.response(rows.survey("nps"), 10, at=T0, comment=text, traits={"kaupunki": "Jyväskylä"})
    [row] = table(export(client, site))
    assert row["comment"] == text
    assert row["traits"] == '{"kaupunki": "Jyväskylä"}'


def test_export_takes_the_lists_filters(client, site, rows):
    nps, csat = rows.survey("nps"), rows.survey("csat")
    rows.response(nps, 9, at=T0, user_id="ann")
    rows.response(nps, 2, at=T0 + timedelta(days=1), user_id="bob")
    rows.response(csat, 4, at=T0 + timedelta(days=2), user_id="ann")
    got = table(export(client, site, survey=nps, max_score=5))
    assert [(r["user_id"], r["score"]) for r in got] == [("bob", "2")]
    got = table(export(client, site, user_id="ann", since="2025-03-02"))
    assert [r["kind"] for r in got] == ["csat"]


def test_a_long_export_streams_every_row_once(client, site, rows):
    survey = rows.survey("nps")
    made = rows.responses(
        survey, [{"score": i % 11, "at": T0 + timedelta(seconds=i)} for i in range(1203)]
    )
    got = [r["id"] for r in table(export(client, site))]
    assert sorted(got) == sorted(made)
    assert got[0] == made[-1]


def test_export_errors_come_in_the_json_error_shape(client, site, other_site, app):
    resp = client.get("/v1/responses.csv")
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "missing_api_key"
    theirs = Rows(app, other_site).survey("nps")
    resp = client.get(f"/v1/responses.csv?survey={theirs}", headers=site.auth)
    assert resp.status_code == 404
    assert resp.get_json()["error"]["param"] == "survey"
    resp = client.get("/v1/responses.csv?min_score=x", headers=site.auth)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["param"] == "min_score"
    resp = client.get("/v1/responses.csv?limit=5", headers=site.auth)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["param"] == "limit"


def test_every_user_text_is_neutralised_the_same_way_followup_included(client, site, rows):
    survey = rows.survey("csat")
    made = rows.response(
        survey,
        1,
        at=T0,
        comment="ok;=1+1",
        user_id=" =cmd",
        url="\n=1",
        followup_owner="＝HYPERLINK()",
        followup_note=" @SUM(A1)",
    )
    resp = export(client, site)
    raw = resp.get_data().decode("utf-8-sig")
    assert '"ok;=1+1"' in raw  # quoted: a reader splitting on ";" keeps it one cell
    [row] = table(resp)
    assert row["id"] == made
    assert (row["comment"], row["user_id"], row["url"]) == ("ok;=1+1", "' =cmd", "'\n=1")
    assert (row["followup_owner"], row["followup_note"]) == ("'＝HYPERLINK()", "' @SUM(A1)")


# PostgreSQL writes its export's cells in the database (COPY), SQLite's are written here: both
# must apply the one formula rule of collector/domain/spreadsheet.py.
_CELL_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8
) | st.sampled_from(["=1", " \t=1", "\u00a0+1", "\t", " \t", "\r\n@x", "－1", "a=1", ""])


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_CELL_TEXT)
def test_any_comment_is_exported_as_the_one_formula_rule_says(client, site, rows, text):
    from collector.domain import spreadsheet

    user = f"u-{uuid.uuid4().hex}"
    rows.response(rows.survey("nps"), 3, at=T0, comment=text, user_id=user)
    [row] = table(export(client, site, user_id=user))
    assert row["comment"] == spreadsheet.neutralise(text)


def test_a_client_that_takes_gzip_gets_the_same_file_compressed(client, site, rows):
    import gzip

    survey = rows.survey("nps")
    for n in range(30):
        rows.response(survey, n % 11, at=T0 + timedelta(seconds=n), comment=f"Kommentti {n}")
    plain = export(client, site)
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/v1/responses.csv", headers={**site.auth, "Accept-Encoding": "gzip"})
    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 2
