"""The ``fiilis`` command: ``db upgrade``, ``site create``, ``survey create``, ``run`` …"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from collector import create_app, db, migrate
from collector.schemas import SurveySchema
from collector.services import sites, surveys


def main() -> None:
    """The ``fiilis`` console script: the app's own commands plus Flask's ``run`` and ``routes``."""
    FlaskGroup(create_app=create_app, add_version_option=False, help="Fiilis collector.").main()


def init_app(app) -> None:
    from collector.dashboard.cli import user_group
    from collector.demo import demo
    from collector.import_cli import import_group
    from collector.purge import purge

    for group in (
        db_group,
        site_group,
        survey_group,
        demo,
        snippet,
        user_group,
        purge,
        import_group,
    ):
        app.cli.add_command(group)


@click.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION."""
    url = current_app.config["DATABASE_URL"]
    migrate.upgrade(url, revision)
    click.echo(f"Database at {db.engine().url.render_as_string()} is at {revision}.")


@click.group("site")
def site_group() -> None:
    """Sites (one per product) and their keys."""


@site_group.command("create")
@click.option("--name", required=True)
@click.option("--origin", "origins", multiple=True, help="Allowed origin; repeat for several.")
@click.option("--locale", default="en", type=click.Choice(["en", "fi", "sv"]))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def site_create(name: str, origins: tuple[str, ...], locale: str, as_json: bool) -> None:
    """Create a site and print its keys (the secret key is shown only this once)."""
    from collector.schemas import Origin

    normalised = [Origin().deserialize(o) for o in origins]
    made = sites.create(db.session(), name=name, origins=normalised, default_locale=locale)
    if as_json:
        click.echo(json.dumps(made.to_dict()))
        return
    click.echo(f"Site {made.site.id} ({name})")
    click.echo(f"  public key       {made.site.public_key}   (goes in the script tag)")
    click.echo(f"  secret key       {made.secret_key}   (management API; shown only now)")
    click.echo(f"  identity secret  {made.site.identity_secret}   (signs user ids)")
    click.echo(f"  origins          {', '.join(normalised) or '(none)'}")


@click.group("survey")
def survey_group() -> None:
    """Surveys."""


@survey_group.command("create")
@click.option("--site", "public_key", required=True, help="The site's public key (pk_…).")
@click.option("--kind", required=True, type=click.Choice(["csat", "ces", "nps"]))
@click.option("--question", required=True, help="English question text.")
@click.option("--event", "events", multiple=True, help="Trigger event; repeat for several.")
@click.option("--name")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def survey_create(public_key, kind, question, events, name, as_json) -> None:
    """Create a survey for a site."""
    site = sites.by_public_key(db.session(), public_key)
    if site is None:
        raise click.ClickException(f"No site with public key {public_key}.")
    data = {"kind": kind, "question": {"en": question}, "trigger_events": list(events)}
    if name:
        data["name"] = name
    schema = SurveySchema()
    survey = surveys.create(db.session(), site, schema.load(data))
    click.echo(json.dumps(schema.dump(survey)) if as_json else f"Survey {survey.id} created.")


@click.command("snippet")
@click.option("--site", "public_key", required=True, help="The site's public key (pk_…).")
@click.option("--base-url", help="The collector's public URL (default: FIILIS_PUBLIC_URL).")
@click.option("--user-id", help="Render data-user-id and its signed data-user-hash.")
@click.option("--locale", type=click.Choice(["en", "fi", "sv"]))
@with_appcontext
def snippet(public_key: str, base_url: str | None, user_id: str | None, locale: str | None):
    """Print the script tag to paste, with its integrity hash."""
    from collector.api.bundle import manifest
    from collector.domain import keys
    from collector.domain.snippet import script_tag

    site = sites.by_public_key(db.session(), public_key)
    if site is None:
        raise click.ClickException(f"No site with public key {public_key}.")
    base = base_url or current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    build = manifest()
    click.echo(
        script_tag(
            base,
            public_key=public_key,
            file=build["file"],
            integrity=build["integrity"],
            user_id=user_id,
            user_hash=keys.user_hash(site.identity_secret, user_id) if user_id else None,
            locale=locale,
        )
    )


if __name__ == "__main__":
    main()
