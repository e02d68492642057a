"""Import: upload a Delighted export or any CSV, map its columns with a preview of the first rows,
try it (dry run), then import it. The same readers and service as ``fiilis import``.

The uploaded file waits in the instance folder between the steps (named by a random token the
form carries) and is read as a stream when checked. The dry run runs in the request; the import
runs on the worker (``collector/services/import_jobs.py``) and the page follows it on a progress
page, which deletes nothing itself: the job deletes the file when it ends.
"""

from __future__ import annotations

import re
import secrets
from itertools import islice
from pathlib import Path

from flask import abort, current_app, g, redirect, render_template, request, url_for

from collector import db
from collector.dashboard import bp
from collector.dashboard.surveys import site_surveys
from collector.models import Survey, utcnow
from collector.services import import_files, import_jobs, importing, surveys

#: An upload may be this large (the import itself streams; this bounds the instance folder).
MAX_UPLOAD = 256 * 1024 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_PREVIEW_ROWS = 5
MAPPABLE = import_jobs.MAPPABLE


def _folder() -> Path:
    path = Path(current_app.instance_path) / "imports" / g.site.id
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upload_path(token: str) -> Path:
    if not _TOKEN.match(token or ""):
        abort(400, description="That upload is not known here; upload the file again.")
    path = _folder() / f"{token}.upload"
    if not path.exists():
        abort(400, description="That upload is gone; upload the file again.")
    return path


def _render(step: str, status: int = 200, **context):
    return (
        render_template(
            "dashboard/import.html",
            section="import_start",
            title="Import",
            step=step,
            surveys=[s for s in site_surveys() if s.archived_at is None],
            mappable=MAPPABLE,
            **context,
        ),
        status,
    )


@bp.get("/import")
def import_start():
    return _render("upload")


@bp.post("/import")
def import_upload():
    """Keep the uploaded file and show its first rows, with the column mapping for a CSV."""
    upload = request.files.get("file")
    survey_id, kind = request.form.get("survey", ""), request.form.get("format", "")
    if upload is None or not upload.filename or kind not in ("delighted", "csv"):
        return _render("upload", 422, error="Choose a survey, the file's format and the file.")
    survey = surveys.get(db.session(), g.site, survey_id, "survey")
    token = secrets.token_urlsafe(24)
    path = _folder() / f"{token}.upload"
    upload.save(path)
    with path.open("rb") as file:
        if kind == "csv":
            rows = list(islice(import_files.csv_rows(file), _PREVIEW_ROWS))
            columns = list(rows[0][1]) if rows else []
            preview = {"columns": columns, "rows": [list(r.values()) for _, r in rows]}
        else:
            objects = list(islice(import_files.json_items(file), _PREVIEW_ROWS))
            preview = {"objects": [_delighted_row(line, obj) for line, obj in objects]}
    if not preview.get("rows") and not preview.get("objects"):
        path.unlink(missing_ok=True)
        return _render("upload", 422, error="The file holds no rows to import.")
    return _render(
        "map",
        token=token,
        survey=survey,
        format=kind,
        filename=upload.filename,
        preview=preview,
        guess=_guess(preview.get("columns", [])),
    )


@bp.post("/import/run")
def import_run():
    """Check the uploaded file with the chosen mapping (dry run) and show the summary, or hand it
    to the worker (import) and go to the job's progress page."""
    form = request.form
    token, kind = form.get("token", ""), form.get("format", "")
    path = _upload_path(token)
    session = db.session()
    survey = surveys.get(session, g.site, form.get("survey", ""), "survey")
    dry_run = form.get("action") != "import"
    try:
        items = import_jobs.items(path, kind, survey, form)
    except ValueError as e:
        return _render("map", 422, error=str(e), **_again(form, survey, path))
    if not dry_run:
        # The file moves out of the upload's name, so the form cannot start it twice.
        queued = path.with_suffix(".import")
        path.rename(queued)
        record = import_jobs.create(session, g.site, g.account, survey, queued, form)
        session.commit()
        return redirect(url_for("dashboard.import_job", job_id=record.id), 303)
    with items as (_file, stream):
        report = importing.import_items(
            session, g.site, stream, source=kind, now=utcnow(), dry_run=True
        )
    return _render("report", report=report, dry_run=True, **_again(form, survey, path))


@bp.get("/import/<int:job_id>")
def import_job(job_id: int):
    """How far an import on the worker got; reloads itself until it ended, then its report."""
    record = import_jobs.of_site(db.session(), g.site, job_id)
    if record is None:
        abort(404)
    survey = db.session().get(Survey, record.survey_id) if record.survey_id else None
    return _render(
        "job",
        job=record,
        survey=survey,
        report=import_jobs.report_of(record),
        dry_run=False,
        waiting=record.status in ("queued", "running"),
    )


def _again(form, survey, path: Path) -> dict:
    """What the mapping step needs to be shown again."""
    kind = form.get("format", "")
    with path.open("rb") as file:
        if kind == "csv":
            rows = list(islice(import_files.csv_rows(file), _PREVIEW_ROWS))
            preview = {
                "columns": list(rows[0][1]) if rows else [],
                "rows": [list(r.values()) for _, r in rows],
            }
        else:
            objects = islice(import_files.json_items(file), _PREVIEW_ROWS)
            preview = {"objects": [_delighted_row(line, obj) for line, obj in objects]}
    guess = {name: form.get(f"map_{name}", "") for name in MAPPABLE}
    return {
        "token": form.get("token"),
        "survey": survey,
        "format": kind,
        "filename": form.get("filename", ""),
        "preview": preview,
        "guess": guess,
        "chosen": form,
    }


def _delighted_row(line: int, obj) -> dict:
    if not isinstance(obj, dict):
        return {"line": line, "problem": getattr(obj, "message", "Not an object.")}
    person = obj.get("person") if isinstance(obj.get("person"), dict) else {}
    return {
        "line": line,
        "type": obj.get("survey_type"),
        "score": obj.get("score"),
        "email": person.get("email"),
        "comment": obj.get("comment"),
        "created_at": obj.get("created_at"),
    }


def _guess(columns: list[str]) -> dict[str, str]:
    """A first mapping from the column names ("Rating" → score, "Submitted At" → created_at …):
    a column whose name, or one of its words, is a known name for the field."""
    words = {
        "score": {"score", "rating", "nps", "csat", "ces", "value"},
        "created_at": {"created_at", "date", "time", "submitted", "timestamp", "created"},
        "email": {"email", "e-mail", "mail"},
        "user_id": {"user_id", "userid", "customer_id", "user id"},
        "comment": {"comment", "comments", "feedback", "reason", "why", "text"},
        "external_id": {"id", "response_id", "external_id", "response id"},
        "tags": {"tags", "tag", "labels"},
    }
    whole_name_only = {"user_id", "external_id"}
    guess: dict[str, str] = {}
    for name, hints in words.items():
        for column in columns:
            lower = column.strip().lower()
            parts = set(re.split(r"[^a-z0-9-]+", lower))
            if lower in hints or (name not in whole_name_only and parts & hints):
                guess[name] = column
                break
    return guess
