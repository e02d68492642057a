"""The dashboard's Import page: upload, a preview with the columns to map, a dry run that stores
nothing, then the import, with the same report as ``fiilis import``."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from tests.api.prompting import make_survey
from tests.api.test_dashboard import account, text, token, user  # noqa: F401 (fixtures)

SAMPLE = Path(__file__).parent.parent / "samples" / "delighted-responses.json"


def upload(user, survey, name, content: bytes, fmt):  # noqa: F811
    return user.post(
        "/dashboard/import",
        data={
            "survey": survey["id"],
            "format": fmt,
            "file": (io.BytesIO(content), name),
            "csrf_token": token(user, "/dashboard/import"),
        },
        content_type="multipart/form-data",
    )


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def test_a_csv_is_previewed_mapped_tried_and_imported(user, client, site):  # noqa: F811
    survey = make_survey(client, site, "csat")
    content = (
        b"Submitted At,Email,Rating,Why\n"
        b"2025-02-03 14:05,aino@example.test,5,Nopea\n"
        b"2025-02-04 09:00,matti@example.test,2,Hidas\n"
        b"2025-02-05 10:00,noor@example.test,9,Liian iso\n"
    )
    resp = upload(user, survey, "typeform.csv", content, "csv")
    assert resp.status_code == 200, text(resp)
    page = text(resp)
    assert "aino@example.test" in page and "Map the columns" in page
    assert re.search(r'<option value="Rating" selected>', page)  # guessed from the name
    form = {
        "csrf_token": token(user, "/dashboard/import"),
        "token": hidden(page, "token"),
        "survey": survey["id"],
        "format": "csv",
        "map_score": "Rating",
        "map_created_at": "Submitted At",
        "map_email": "Email",
        "map_comment": "Why",
        "tz": "UTC",
    }
    dry = text(user.post("/dashboard/import/run", data={**form, "action": "dry_run"}))
    assert "Dry run: nothing was stored" in dry
    assert re.search(r"Would be imported</dt><dd class=\"num\">2<", dry)
    assert "Line 4" in dry and "<code>score</code>" in dry
    assert client.get("/v1/responses", headers=site.auth).get_json()["data"] == []

    done = text(user.post("/dashboard/import/run", data={**form, "action": "import"}))
    assert re.search(r"Imported</dt><dd class=\"num\">2<", done)
    rows = client.get("/v1/responses", headers=site.auth).get_json()["data"]
    assert sorted(r["score"] for r in rows) == [2, 5]
    # The upload is gone once imported.
    again = user.post("/dashboard/import/run", data={**form, "action": "import"})
    assert again.status_code == 400


def test_a_delighted_export_imports_from_the_page(user, client, site):  # noqa: F811
    survey = make_survey(client, site, "nps")
    resp = upload(user, survey, "delighted.json", SAMPLE.read_bytes(), "delighted")
    page = text(resp)
    assert "person0@example.test" in page
    form = {
        "csrf_token": token(user, "/dashboard/import"),
        "token": hidden(page, "token"),
        "survey": survey["id"],
        "format": "delighted",
        "action": "import",
    }
    done = text(user.post("/dashboard/import/run", data=form))
    count = len(json.loads(SAMPLE.read_text()))
    assert re.search(rf"Imported</dt><dd class=\"num\">{count}<", done)
    body = client.get(f"/v1/metrics?survey={survey['id']}", headers=site.auth).get_json()
    assert body["n"] == count


def test_another_sites_survey_cannot_be_imported_into(user, client, other_site):  # noqa: F811
    theirs = make_survey(client, other_site, "nps")
    resp = upload(user, theirs, "d.json", SAMPLE.read_bytes(), "delighted")
    assert resp.status_code == 404
