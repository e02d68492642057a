"""The dashboard's Import page: upload, a preview with the columns to map, a dry run that stores
nothing, then the import on the worker, followed on a progress page that ends with the same
report as ``fiilis import``."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from sqlalchemy import select

from collector import db
from collector.models import ImportJob
from tests.api.prompting import make_survey
from tests.api.test_dashboard import account, log_in, make_account, text, token, user  # noqa: F401
from tests.workers import Worker

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


def start_import(user, survey, form):  # noqa: F811
    """Press Import: the answer is a redirect to the job's progress page."""
    resp = user.post("/dashboard/import/run", data={**form, "action": "import"})
    assert resp.status_code == 303, text(resp)
    location = resp.headers["Location"]
    assert re.fullmatch(r"/dashboard/import/\d+", location)
    return location


def run_worker(app):
    worker = Worker(app).start()
    try:
        worker.drain()
    finally:
        worker.stop()
    worker.raise_errors()


def fact(page: str, label: str) -> int:
    return int(re.search(rf'{re.escape(label)}</dt><dd class="num">(\d+)<', page).group(1))


def delighted_form(user, survey):  # noqa: F811
    page = text(upload(user, survey, "delighted.json", SAMPLE.read_bytes(), "delighted"))
    assert "person0@example.test" in page
    return {
        "csrf_token": token(user, "/dashboard/import"),
        "token": hidden(page, "token"),
        "survey": survey["id"],
        "format": "delighted",
    }


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

    progress = start_import(user, survey, form)
    # Pressing Import again (a second click, the back button) starts nothing twice.
    again = user.post("/dashboard/import/run", data={**form, "action": "import"})
    assert again.status_code == 400
    run_worker(client.application)
    done = text(user.get(progress))
    assert re.search(r"Imported</dt><dd class=\"num\">2<", done)
    assert "Line 4" in done and "<code>score</code>" in done
    rows = client.get("/v1/responses", headers=site.auth).get_json()["data"]
    assert sorted(r["score"] for r in rows) == [2, 5]


def test_a_delighted_export_imports_on_the_worker_with_its_progress(
    user,  # noqa: F811
    client,
    site,
    runner,
    app,
):
    survey = make_survey(client, site, "nps")
    cli = runner.invoke(
        args=["import", "delighted", str(SAMPLE), "--survey", survey["id"], "--dry-run"]
    )
    assert cli.exit_code == 0, cli.output
    would = int(re.search(r"(\d+) would be imported", cli.output).group(1))
    refused = int(re.search(r"(\d+) refused", cli.output).group(1))
    assert would == len(json.loads(SAMPLE.read_text())) - refused > 0

    progress = start_import(user, survey, delighted_form(user, survey))
    queued = user.get(progress)
    assert queued.status_code == 200
    page = text(queued)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "queued and waiting for the worker" in page and "fiilis worker" in page
    assert fact(page, "Rows read") == 0
    with app.app_context():
        path = Path(db.session().scalars(select(ImportJob.path)).one())
    assert path.exists()

    run_worker(app)
    done = text(user.get(progress))
    assert "http-equiv" not in done  # it stops refreshing
    assert fact(done, "Imported") == would
    assert fact(done, "Already there (skipped)") == 0
    assert fact(done, "Refused") == refused
    assert "See the answers" in done
    body = client.get(f"/v1/metrics?survey={survey['id']}", headers=site.auth).get_json()
    assert body["n"] == would
    assert not path.exists()  # the upload is deleted when the job ends
    with app.app_context():
        record = db.session().scalars(select(ImportJob)).one()
        assert (record.status, record.rows_read) == ("done", would + refused)


def test_an_import_job_whose_file_is_gone_fails_with_a_message(user, client, site, app):  # noqa: F811
    survey = make_survey(client, site, "nps")
    progress = start_import(user, survey, delighted_form(user, survey))
    with app.app_context():
        Path(db.session().scalars(select(ImportJob.path)).one()).unlink()
    run_worker(app)
    resp = user.get(progress)
    assert resp.status_code == 200
    page = text(resp)
    assert "The import failed: The uploaded file is gone" in page
    assert "http-equiv" not in page


def test_another_sites_import_job_is_not_found(user, client, app, other_site):  # noqa: F811
    theirs = make_survey(client, other_site, "nps")
    other = app.test_client()
    log_in(other, make_account(app, other_site, email="olli@other.test"))
    progress = start_import(other, theirs, delighted_form(other, theirs))
    assert other.get(progress).status_code == 200
    assert user.get(progress).status_code == 404
    assert user.get("/dashboard/import/999999").status_code == 404
    run_worker(app)
    assert user.get(progress).status_code == 404
    assert fact(text(other.get(progress)), "Imported") > 0


def test_another_sites_survey_cannot_be_imported_into(user, client, other_site):  # noqa: F811
    theirs = make_survey(client, other_site, "nps")
    resp = upload(user, theirs, "d.json", SAMPLE.read_bytes(), "delighted")
    assert resp.status_code == 404
