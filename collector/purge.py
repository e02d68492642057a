"""Retention: each site's ``retention_days``, applied daily by the worker and by ``fiilis purge``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from collector import db, jobs
from collector.services import users


@jobs.periodic(jobs.crontab(minute="41", hour="2"))
def purge_daily() -> int:
    """The worker applies retention once a day; how many responses it deleted."""
    return sum(p.responses for p in users.purge(db.session()))


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@with_appcontext
def purge(dry_run: bool) -> None:
    """Delete responses and prompts older than each site's retention_days."""
    done = users.purge(db.session(), dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    if not done:
        click.echo("No site has retention_days set: nothing to purge.")
        return
    for p in done:
        click.echo(
            f"{p.site_id} ({p.site_name}), {p.retention_days} days, before "
            f"{p.cutoff:%Y-%m-%d %H:%M} UTC: {verb} {p.responses} responses, "
            f"{p.prompts} prompts, {p.users} users"
        )
    totals = [sum(getattr(p, k) for p in done) for k in ("responses", "prompts", "users")]
    click.echo(
        f"Total: {verb} {totals[0]} responses, {totals[1]} prompts, {totals[2]} users"
        + (" (dry run)" if dry_run else ".")
    )
