"""``fiilis people import FILE --site pk_…``: a site's people from a CSV or JSON (lines) file.

Streams the file (memory does not grow with it), commits every 1000 people, and ends with a
summary. Running it again changes nothing that is already as the file says.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from collector import db
from collector.api.people import person_item
from collector.cli import site_by_key
from collector.import_cli import _size
from collector.models import utcnow
from collector.services import import_files, people

_SHOWN_ERRORS = 20


@click.group("people")
def people_group() -> None:
    """The people a site mails surveys to."""


@people_group.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--site", "public_key", required=True, help="The site's public key (pk_…).")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["auto", "csv", "json"]),
    default="auto",
    show_default=True,
    help="csv (a header row: user_id, email, name, locale, other columns traits) or json "
    "(an array or JSON lines); auto goes by the file name.",
)
@with_appcontext
def import_people(file, public_key: str, file_format: str) -> None:
    """Add or update people from FILE, matched by user_id; a line per refused row."""
    site = site_by_key(public_key)
    if file_format == "auto":
        file_format = "csv" if str(getattr(file, "name", "")).lower().endswith(".csv") else "json"
    items = (
        people.csv_items(import_files.csv_rows(file))
        if file_format == "csv"
        else import_files.json_items(file)
    )
    size = _size(file)
    with click.progressbar(length=size or 1, label="Importing", file=sys.stderr) as bar:
        done = 0

        def progress(_report) -> None:
            nonlocal done
            position = file.tell() if size and not file.closed else done
            bar.update(max(0, position - done))
            done = max(done, position)

        report = people.import_people(
            db.session(), site, items, schema=person_item, now=utcnow(), on_batch=progress
        )
    click.echo(f"{report.imported} added")
    click.echo(f"{report.updated} updated")
    click.echo(f"{report.unchanged} already as in the file")
    click.echo(f"{report.errors_count} refused")
    for error in report.errors[:_SHOWN_ERRORS]:
        where = f" [{error['param']}]" if error["param"] else ""
        click.echo(f"  line {error['line']}{where}: {error['message']}")
    if report.errors_count > _SHOWN_ERRORS:
        click.echo(f"  … and {report.errors_count - _SHOWN_ERRORS} more")
    if report.errors_count and not (report.imported or report.updated or report.unchanged):
        raise SystemExit(1)
