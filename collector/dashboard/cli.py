"""``fiilis user …``: dashboard logins (create, list, set-password)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from collector import db
from collector.domain.problems import Problem
from collector.domain.roles import ROLES
from collector.services import accounts


@click.group("user")
def user_group() -> None:
    """Dashboard logins: create, list, set a password."""


@user_group.command("create")
@click.option("--email", required=True, help="The login; one account per e-mail.")
@click.option("--site", "public_key", required=True, help="The site's public key (pk_…).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked twice, hidden, when not given.",
)
@click.option(
    "--role",
    type=click.Choice(ROLES[::-1]),
    default="admin",
    show_default=True,
    help="admin: settings, keys, team; editor: surveys, follow-up; viewer: reads.",
)
@with_appcontext
def user_create(email: str, public_key: str, password: str, role: str) -> None:
    """Create a dashboard account on one site with a role (admin unless told)."""
    from collector.cli import site_by_key

    site = site_by_key(public_key)
    try:
        account = accounts.create(db.session(), site, email=email, password=password, role=role)
    except Problem as e:
        raise click.ClickException(e.message) from None
    click.echo(f"Account {account.email} can now log in to the dashboard of {site.name} as {role}.")


@user_group.command("list")
@click.option("--site", "public_key", help="Only this site's accounts (pk_…).")
@with_appcontext
def user_list(public_key: str | None) -> None:
    """List dashboard accounts: e-mail, site, last login, role (one line per site)."""
    from collector.cli import site_by_key

    site = site_by_key(public_key) if public_key else None
    listed = accounts.listed(db.session(), site)
    if not listed:
        click.echo("No dashboard accounts yet: fiilis user create --email … --site pk_…")
    for account, site_name, role in listed:
        seen = f"{account.last_login_at:%Y-%m-%d %H:%M} UTC" if account.last_login_at else "never"
        click.echo(f"{account.email}  {site_name}  last login {seen}  ({role})")


@user_group.command("set-password")
@click.option("--email", required=True, help="The account's e-mail.")
@click.option(
    "--password",
    prompt="New password",
    hide_input=True,
    confirmation_prompt=True,
    help="Asked twice, hidden, when not given.",
)
@with_appcontext
def user_set_password(email: str, password: str) -> None:
    """Set an account's password; its sessions everywhere end."""
    account = accounts.by_email(db.session(), email)
    if account is None:
        raise click.BadParameter(
            f"no account has the e-mail {email} (fiilis user list shows them)",
            param_hint="--email",
        )
    try:
        accounts.set_password(db.session(), account, password)
    except Problem as e:
        raise click.ClickException(e.message) from None
    click.echo(f"The password of {account.email} is changed; its sessions have ended.")
