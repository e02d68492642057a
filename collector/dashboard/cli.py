"""``fiilis user create``: a dashboard login for one site."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from collector import db
from collector.services import accounts, sites
from collector.services.failures import Refused


@click.group("user")
def user_group() -> None:
    """Dashboard accounts."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--site", "public_key", required=True, help="The site's public key (pk_…).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked twice, hidden, when not given.",
)
@with_appcontext
def user_create(email: str, public_key: str, password: str) -> None:
    """Create a dashboard account that sees and manages one site."""
    site = sites.by_public_key(db.session(), public_key)
    if site is None:
        raise click.ClickException(f"No site with public key {public_key}.")
    try:
        account = accounts.create(db.session(), site, email=email, password=password)
    except Refused as e:
        raise click.ClickException(e.message) from None
    click.echo(f"Account {account.email} can now log in to the dashboard of {site.name}.")
