"""The dashboard's import on the worker: the record of one import job, and the job itself.

The Import page keeps the uploaded file in the instance folder and writes an ``import_jobs`` row
(queued) with the choices made on the page; the job, enqueued when that row is committed, reads
the file with the same readers and service as ``fiilis import``, writes the counts to the row
after every batch (running), and at the end the report (done) or why it stopped (failed). The
file is deleted when the job ends, whichever way. The progress page reads the row.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from collector import db, jobs
from collector.models import Account, ImportJob, Site, Survey, utcnow
from collector.services import import_files, importing, results

log = logging.getLogger(__name__)

MAPPABLE = ("score", "created_at", "email", "user_id", "comment", "external_id", "tags")
#: What the job needs of the page's form: the format, the mapping and how dates are read.
OPTIONS = ("format", "user_id_property", "tz", "date_format", *(f"map_{n}" for n in MAPPABLE))


class _Stream:
    """The file open while its items are read."""

    def __init__(self, path: Path, make):
        self.path, self.make = path, make

    def __enter__(self):
        self.file = self.path.open("rb")
        return self.file, self.make(self.file)

    def __exit__(self, *exc):
        self.file.close()


def items(path: Path, kind: str, survey, form) -> _Stream:
    scale = results.scale_of(survey)
    if kind == "delighted":
        prop = form.get("user_id_property", "").strip() or None

        def delighted(file):
            return import_files.delighted_items(
                import_files.json_items(file),
                survey=survey.id,
                kind=survey.kind,
                scale=(scale.min, scale.max),
                user_id_property=prop,
            )

        return _Stream(path, delighted)
    if kind != "csv":
        raise ValueError("Choose the file's format.")
    for name, label in (("score", "Score"), ("created_at", "Answered at")):
        if not form.get(f"map_{name}"):
            raise ValueError(f"Choose the column holding {label}.")
    if not form.get("map_email") and not form.get("map_user_id"):
        raise ValueError("Choose the column holding the E-mail or the User id: who answered.")
    mapping_text = ",".join(
        f"{name}={form[f'map_{name}']}" for name in MAPPABLE if form.get(f"map_{name}")
    )
    mapping = import_files.parse_mapping(mapping_text)
    try:
        tz = ZoneInfo(form.get("tz") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("Not a time zone such as Europe/Helsinki.") from None
    date_format = form.get("date_format", "").strip() or None
    if date_format is None:
        with path.open("rb") as file:
            first = next(import_files.csv_rows(file), None)
        value = first[1].get(mapping["created_at"], "") if first else ""
        date_format = import_files.detect_format(value, tz)
        if date_format is None:
            raise ValueError(f"Cannot tell the date format of {value!r}: give it.")

    def csv_items(file):
        for line, row in import_files.csv_rows(file):
            try:
                yield (
                    line,
                    import_files.csv_item(
                        row, mapping, survey=survey.id, date_format=date_format, tz=tz
                    ),
                )
            except importing.ItemError as e:
                yield line, e

    return _Stream(path, csv_items)


def create(
    db_: Session, site: Site, account: Account, survey: Survey, path: Path, form
) -> ImportJob:
    """Write the job down (queued) and enqueue it for when this transaction commits."""
    record = ImportJob(
        site_id=site.id,
        account_id=account.id,
        survey_id=survey.id,
        path=str(path),
        options={name: form.get(name, "") for name in OPTIONS},
    )
    db_.add(record)
    db_.flush()
    jobs.enqueue_after_commit(db_, run_import, record.id)
    return record


def of_site(db_: Session, site: Site, job_id: int) -> ImportJob | None:
    record = db_.get(ImportJob, job_id)
    return record if record is not None and record.site_id == site.id else None


@jobs.job()
def run_import(job_id: int) -> None:
    """On the worker: import the job's file, counting after every batch; delete the file."""
    session = db.session()
    record = session.get(ImportJob, job_id)
    if record is None or record.status != "queued":
        return  # gone with its site, or already taken
    path = Path(record.path)
    try:
        site = session.get(Site, record.site_id)
        survey = session.get(Survey, record.survey_id)
        if site is None or survey is None or survey.site_id != site.id:
            raise ValueError("The survey is gone.")
        if not path.exists():
            raise ValueError("The uploaded file is gone; upload it again.")
        options = dict(record.options or {})
        record.status = "running"
        session.commit()

        def progress(report: importing.Report) -> None:
            _count(record, report)
            session.commit()

        with items(path, options.get("format", ""), survey, options) as (_file, stream):
            report = importing.import_items(
                session,
                site,
                stream,
                source=options.get("format", ""),
                now=utcnow(),
                on_batch=progress,
            )
        _count(record, report)
        record.report = report.to_dict()
        record.status = "done"
        session.commit()
    except Exception as e:
        session.rollback()
        if not isinstance(e, ValueError | OSError):
            log.exception("Import job %s failed", job_id)
        record = session.get(ImportJob, job_id)
        if record is not None:
            record.status = "failed"
            record.message = (
                str(e) if isinstance(e, ValueError) else "The import stopped on an error."
            )[:500]
            session.commit()
    finally:
        path.unlink(missing_ok=True)


def _count(record: ImportJob, report: importing.Report) -> None:
    record.rows_read = report.seen
    record.imported = report.imported
    record.duplicates = report.skipped_duplicates
    record.refused = report.errors_count


def report_of(record: ImportJob) -> dict[str, Any]:
    """The final report as the report template shows it."""
    return record.report or {
        "imported": record.imported,
        "skipped_duplicates": record.duplicates,
        "errors": [],
        "errors_count": record.refused,
    }
