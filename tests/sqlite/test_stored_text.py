"""What SQLite already holds cannot break an export or a page (SQLite only: PostgreSQL's jsonb and
text refuse such rows, so only SQLite can have stored one, written by an older version)."""

from __future__ import annotations

import sqlite3

from tests.api.test_dashboard import log_in, make_account
from tests.api.test_hostile_input import csv_rows
from tests.api.test_hostile_input import world as world  # a fixture


def test_an_export_and_the_pages_survive_a_lone_surrogate_already_stored(app, client, site, world):
    url = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(url) as raw:  # as an older version stored it: JSON with the escape
        raw.execute(
            "UPDATE responses SET traits = ?, context = ?, followup_owner = ? WHERE id = ?",
            ('{"plan": "\\ud800pro"}', '{"t": "=\\udfff"}', "=cmd", world["response"]),
        )
    [row] = [r for r in csv_rows(client, site) if r["id"] == world["response"]]
    assert row["traits"] == '{"plan": "\ufffdpro"}'
    assert row["context"] == '{"t": "=\ufffd"}'
    assert row["followup_owner"] == "'=cmd"
    email = make_account(app, site)
    log_in(client, email)
    resp = client.get("/dashboard/responses?has_comment=any")
    assert resp.status_code == 200
    resp = client.get(f"/dashboard/responses/{world['response']}")
    assert resp.status_code == 200
    assert "\ufffdpro" in resp.get_data(as_text=True)
