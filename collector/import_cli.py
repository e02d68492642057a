"""``fiilis import delighted FILE`` and ``fiilis import csv FILE``: history from another tool.

Both stream the file (memory does not grow with it), commit every 1000 answers, show a progress
bar over the file's bytes and end with a summary. Running the same import again stores nothing
twice, so an import that was interrupted is finished by running it again.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask.cli import with_appcontext

from collector import db
from collector.domain.scales import Scale
from collector.models import Site, Survey, utcnow
from collector.services import import_files, importing

_SHOWN_ERRORS = 20


@click.group("import")
def import_group() -> None:
    """Import answers from another tool (Delighted, any CSV)."""


def _target(survey_id: str) -> tuple[Site, Survey, Scale]:
    session = db.session()
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise click.ClickException(f"No survey {survey_id}.")
    return (
        session.get(Site, survey.site_id),
        survey,
        Scale.of(survey.kind, survey.scale_min, survey.scale_max),
    )


def _run(
    file: IO[bytes], site: Site, items: Iterator[tuple[int, Any]], *, source: str, dry_run: bool
) -> importing.Report:
    size = _size(file)
    report = importing.Report()
    with click.progressbar(
        length=size or 1,
        label="Importing" if not dry_run else "Checking",
        file=sys.stderr,
    ) as bar:
        done = 0

        def progress(_report: importing.Report) -> None:
            nonlocal done
            position = file.tell() if size and not file.closed else done
            bar.update(max(0, position - done))
            done = max(done, position)

        importing.import_items(
            db.session(),
            site,
            items,
            source=source,
            now=utcnow(),
            report=report,
            on_batch=progress,
            dry_run=dry_run,
        )
        bar.update(max(0, (size or 1) - done))
    _summary(report, dry_run=dry_run)
    return report


def _size(file: IO[bytes]) -> int:
    try:
        return os.fstat(file.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        return 0


def _summary(report: importing.Report, *, dry_run: bool) -> None:
    verb = "would be imported" if dry_run else "imported"
    click.echo(f"{report.imported} {verb}")
    click.echo(f"{report.skipped_duplicates} already there (duplicates, skipped)")
    click.echo(f"{report.errors_count} refused")
    for error in report.errors[:_SHOWN_ERRORS]:
        where = f" [{error['param']}]" if error["param"] else ""
        click.echo(f"  line {error['line']}{where}: {error['message']}")
    if report.errors_count > _SHOWN_ERRORS:
        click.echo(f"  … and {report.errors_count - _SHOWN_ERRORS} more")


@import_group.command("delighted")
@click.argument("file", type=click.File("rb"))
@click.option("--survey", "survey_id", required=True, help="The survey to import into (srv_…).")
@click.option(
    "--user-id-property",
    help="A person property holding your app's user id (default: people are matched by e-mail).",
)
@click.option("--dry-run", is_flag=True, help="Check every row and say what would be imported.")
@with_appcontext
def import_delighted(file, survey_id: str, user_id_property: str | None, dry_run: bool) -> None:
    """Import Delighted survey responses: the API's JSON (an array or JSON lines) with the person
    expanded. Notes become follow-up history, person properties traits, the permalink the
    answer's source reference."""
    site, survey, scale = _target(survey_id)
    objects = import_files.json_items(file)
    first = next(objects, None)
    if first is None:
        raise click.ClickException("The file holds no survey responses.")
    if isinstance(first[1], dict):
        why = import_files.delighted_type_fits(
            str(first[1].get("survey_type") or "nps"), survey.kind, scale.min, scale.max
        )
        if why:
            raise click.ClickException(f"Nothing imported. {why.removeprefix('survey_type: ')}")

    items = import_files.delighted_items(
        _chain(first, objects),
        survey=survey.id,
        kind=survey.kind,
        scale=(scale.min, scale.max),
        user_id_property=user_id_property,
    )
    report = _run(file, site, items, source="delighted", dry_run=dry_run)
    if report.errors_count and not report.imported and not report.skipped_duplicates:
        raise SystemExit(1)


@import_group.command("csv")
@click.argument("file", type=click.File("rb"))
@click.option("--survey", "survey_id", required=True, help="The survey to import into (srv_…).")
@click.option(
    "--map",
    "mapping_text",
    required=True,
    help="field=Column pairs: score, created_at, and email or user_id are needed; comment, "
    "external_id, tags and trait.NAME may be mapped. E.g. score=Score,created_at=Date,email=Email",
)
@click.option(
    "--date-format",
    help="strptime format of the dates (e.g. %d.%m.%Y %H:%M), iso or unix; detected when not given.",
)
@click.option(
    "--tz", "tz_name", default="UTC", show_default=True, help="Time zone of times without one."
)
@click.option(
    "--source", default="csv", show_default=True, help="Name of the tool the file is from."
)
@click.option("--dry-run", is_flag=True, help="Check every row, print the first ones and problems.")
@with_appcontext
def import_csv(file, survey_id, mapping_text, date_format, tz_name, source, dry_run) -> None:
    """Import answers from any CSV with a header row, naming its columns with --map."""
    site, survey, _scale = _target(survey_id)
    try:
        mapping = import_files.parse_mapping(mapping_text)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--map") from None
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{tz_name!r} is not a time zone.", param_hint="--tz") from None
    try:
        importing.SOURCE(source)
    except Exception:
        raise click.BadParameter("1–16 of a-z 0-9 _ -.", param_hint="--source") from None
    rows = import_files.csv_rows(file)
    first = next(rows, None)
    if first is None:
        raise click.ClickException("The file holds no rows under its header.")
    missing = [column for column in mapping.values() if column not in first[1]]
    if missing:
        raise click.ClickException(
            f"No column {', '.join(map(repr, missing))} in the file; it has "
            f"{', '.join(map(repr, first[1]))}."
        )
    if date_format is None:
        date_format = import_files.detect_format(first[1][mapping["created_at"]], tz)
        if date_format is None:
            raise click.ClickException(
                f"Cannot tell the date format of {first[1][mapping['created_at']]!r}: "
                "give it with --date-format."
            )
    click.echo(f"Dates read as {date_format} ({tz.key}).", err=True)
    previews: list[str] = []

    def items() -> Iterator[tuple[int, Any]]:
        for line, row in _chain(first, rows):
            try:
                item = import_files.csv_item(
                    row, mapping, survey=survey.id, date_format=date_format, tz=tz
                )
            except importing.ItemError as e:
                yield line, e
                continue
            if dry_run and len(previews) < 5:
                who = item.get("user_id") or item.get("email")
                previews.append(f"  line {line}: {item['created_at']} {who} score {item['score']}")
            yield line, item

    _run(file, site, items(), source=source, dry_run=dry_run)
    if previews:
        click.echo("First rows:")
        for preview in previews:
            click.echo(preview)


def _chain(first, rest):
    yield first
    yield from rest
