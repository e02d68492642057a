"""The ``fiilis`` command: ``db upgrade``, ``site create``, ``survey create``, ``run`` …"""

from __future__ import annotations

import copy
import json
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, run_command, with_appcontext
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from collector import __version__, create_app, db, migrate
from collector.config import ConfigError
from collector.domain.eligibility import event_names
from collector.domain.problems import Problem
from collector.models import Site
from collector.schemas import SurveySchema
from collector.services import sites, surveys

HELP = """Fiilis: product feedback (CSAT, CES, NPS) you host yourself.

\b
First run:
  export FIILIS_ENV=development     (or FIILIS_SECRET_KEY, 32+ characters)
  fiilis db upgrade
  fiilis site create --name Acme --origin https://app.acme.test
  fiilis survey create --site pk_… --kind csat --question "How satisfied are you?" --event invoice.paid
  fiilis user create --email you@acme.test --site pk_…
  fiilis run                        (or: fiilis demo, everything at once)

Settings come from FIILIS_* environment variables (see the README)."""
#: Flask's and extensions' tools: still there for whoever knows them, not in this tool's help.
UNLISTED = {"routes", "shell", "limiter"}


def main() -> None:
    """The ``fiilis`` console script."""
    FiilisCLI().main(prog_name="fiilis")


class FiilisCLI(FlaskGroup):
    """Flask's command group, wearing this tool's help and errors.

    An error a user can make (a bad or missing option, an unknown site, a refused value, the
    configuration) is one line on stderr and exit code 2; only a bug prints a traceback.
    """

    def __init__(self) -> None:
        super().__init__(
            create_app=create_app,
            add_default_commands=False,
            add_version_option=False,
            load_dotenv=False,
            set_debug_flag=False,
            help=HELP,
            context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
        )
        # -e/--env-file, -A/--app and --debug belong to `flask`, not to this tool
        self.params = [
            click.Option(
                ["--version"],
                is_flag=True,
                expose_value=False,
                is_eager=True,
                callback=_print_version,
                help="Print the version and exit.",
            )
        ]
        run = copy.copy(run_command)
        run.help = (
            "Serve the collector with Flask's development server (production: "
            'gunicorn "collector:create_app()").'
        )
        run.short_help = "Serve the collector (development server)."
        self.add_command(run, "run")

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(self.commands) | set(self._app_to_list(ctx).cli.list_commands(ctx))
        return sorted(names - UNLISTED)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        try:
            return super().get_command(ctx, name)
        except ConfigError:
            if "fiilis.listing_app" not in ctx.meta:
                raise  # running a command: the configuration error is the answer
            return ctx.meta["fiilis.listing_app"].cli.get_command(ctx, name)

    def _app_to_list(self, ctx: click.Context):
        """The app, or for the help only, one with a stand-in key: the help still lists every
        command, and says what to set before they can run."""
        try:
            return ctx.ensure_object(ScriptInfo).load_app()
        except ConfigError as e:
            ctx.meta["fiilis.config_error"] = str(e)
            app = ctx.meta["fiilis.listing_app"] = create_app({"SECRET_KEY": "-" * 32})
            return app

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's whole summary (click cuts them at 45 characters), wrapped."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1000)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        problem = ctx.meta.get("fiilis.config_error")
        if problem:
            formatter.write_paragraph()
            formatter.write_text(f"Not configured yet: {problem}")
        super().format_epilog(ctx, formatter)

    def main(self, args=None, prog_name=None, **extra):
        try:
            result = super().main(args, prog_name=prog_name, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("fiilis: aborted", err=True)
            sys.exit(1)
        except click.UsageError as e:
            where = e.ctx.command_path if e.ctx else "fiilis"
            fail(f"{e.format_message()} (see {where} --help)", where)
        except click.ClickException as e:
            fail(e.format_message())
        except (ConfigError, Problem, ValidationError, SQLAlchemyError) as e:
            fail(problem_of(e))
        sys.exit(result if isinstance(result, int) else 0)


def fail(message: str, where: str = "fiilis") -> None:
    """One line on stderr, exit code 2."""
    click.echo(f"{where}: " + " ".join(message.split()), err=True)
    sys.exit(2)


def problem_of(error: Exception) -> str:
    if isinstance(error, Problem):
        return error.message
    if isinstance(error, ValidationError):
        return "; ".join(_flatten(error.normalized_messages()))
    if isinstance(error, SQLAlchemyError):
        detail = str(getattr(error, "orig", None) or error).splitlines()[0]
        if "no such table" in detail or "does not exist" in detail:
            return f"the database has no tables yet ({detail}): run `fiilis db upgrade` first"
        return f"the database refused: {detail}"
    return str(error)


def _flatten(messages, prefix: str = "") -> list[str]:
    if isinstance(messages, dict):
        return [
            m
            for k, v in messages.items()
            for m in _flatten(v, prefix if k == "_schema" else f"{prefix}{k}.")
        ]
    if isinstance(messages, list):
        return [m for v in messages for m in _flatten(v, prefix)]
    return [f"{prefix.rstrip('.')}: {messages}" if prefix else str(messages)]


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"fiilis {__version__}")
        ctx.exit()


def init_app(app) -> None:
    from collector.dashboard.cli import user_group
    from collector.demo import demo
    from collector.import_cli import import_group
    from collector.people_cli import people_group
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
        people_group,
        worker,
    ):
        app.cli.add_command(group)


@click.group("db")
def db_group() -> None:
    """The database schema: create it, bring it up to date."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="An Alembic revision.")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create the tables or apply the newer migrations (run it on every deploy)."""
    from alembic.util import CommandError

    url = current_app.config["DATABASE_URL"]
    try:
        migrate.upgrade(url, revision)
    except CommandError as e:
        raise click.BadParameter(str(e), param_hint="--revision") from None
    click.echo(f"Database at {db.engine().url.render_as_string()} is at {revision}.")


@click.group("site")
def site_group() -> None:
    """Sites (one per product): create one, list them."""


@site_group.command("create")
@click.option("--name", required=True, help="The product's name, as the dashboard shows it.")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    help="A page origin allowed to show the widget (https://app.example.com); repeat for several.",
)
@click.option(
    "--locale",
    default="en",
    show_default=True,
    type=click.Choice(["en", "fi", "sv"]),
    help="The language texts fall back to.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def site_create(name: str, origins: tuple[str, ...], locale: str, as_json: bool) -> None:
    """Create a site and print its keys (the secret key is shown only this once)."""
    from collector.schemas import Origin

    try:
        normalised = [Origin().deserialize(o) for o in origins]
    except ValidationError as e:
        raise click.BadParameter(problem_of(e), param_hint="--origin") from None
    made = sites.create(db.session(), name=name, origins=normalised, default_locale=locale)
    if as_json:
        click.echo(json.dumps(made.to_dict()))
        return
    click.echo(f"Site {made.site.id} ({name})")
    click.echo(f"  public key       {made.site.public_key}   (goes in the script tag)")
    click.echo(f"  secret key       {made.secret_key}   (management API; shown only now)")
    click.echo(f"  identity secret  {made.site.identity_secret}   (signs user ids)")
    click.echo(f"  origins          {', '.join(normalised) or '(none)'}")


@site_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
@with_appcontext
def site_list(as_json: bool) -> None:
    """List the sites with their public keys and allowed origins."""
    listed = list(db.session().scalars(select(Site).order_by(Site.created_at, Site.id)))
    if as_json:
        for site in listed:
            click.echo(json.dumps(_site_row(site)))
        return
    if not listed:
        click.echo("No sites yet: fiilis site create --name NAME --origin https://app.example.com")
    for site in listed:
        origins = ", ".join(site.allowed_origins or []) or "(no origins allowed)"
        click.echo(f"{site.public_key}  {site.name}  {origins}")


def _site_row(site) -> dict:
    return {
        "site_id": site.id,
        "name": site.name,
        "public_key": site.public_key,
        "allowed_origins": list(site.allowed_origins or []),
        "default_locale": site.default_locale,
    }


def site_by_key(public_key: str):
    """The site of a ``--site pk_…`` option, or a one-line error naming what to do."""
    site = sites.by_public_key(db.session(), public_key)
    if site is None:
        raise click.BadParameter(
            f"no site has the public key {public_key} (fiilis site list shows them)",
            param_hint="--site",
        )
    return site


@click.group("survey")
def survey_group() -> None:
    """Surveys of a site: create one, list them."""


def _texts(english: str | None, others: tuple[tuple[str, str], ...]) -> dict | None:
    texts = dict(others)
    if english is not None:
        texts["en"] = english
    return texts or None


@survey_group.command("create")
@click.option("--site", "public_key", required=True, help="The site's public key (pk_…).")
@click.option("--kind", required=True, type=click.Choice(["csat", "ces", "nps"]))
@click.option("--question", required=True, help="The question in English (the fallback).")
@click.option(
    "--question-in",
    "questions",
    nargs=2,
    multiple=True,
    metavar="LOCALE TEXT",
    help="The question in another language: --question-in fi 'Kuinka tyytyväinen olet?'.",
)
@click.option("--followup", help="The follow-up shown over the comment box, in English.")
@click.option(
    "--followup-in", "followups", nargs=2, multiple=True, metavar="LOCALE TEXT", help="As above."
)
@click.option("--event", "events", multiple=True, help="A trigger event; repeat for several.")
@click.option("--name", help="Shown in the dashboard (default: the question).")
@click.option(
    "--sample-rate",
    type=float,
    help="The share of eligible users asked, 0 to 1 (default 1: everyone).",
)
@click.option("--delay-ms", type=int, help="Wait this long after the event before showing it.")
@click.option("--inactive", is_flag=True, help="Create it paused.")
@click.option("--json", "as_json", is_flag=True, help="Print the survey as JSON.")
@with_appcontext
def survey_create(
    public_key,
    kind,
    question,
    questions,
    followup,
    followups,
    events,
    name,
    sample_rate,
    delay_ms,
    inactive,
    as_json,
) -> None:
    """Create a survey for a site."""
    site = site_by_key(public_key)
    data = {
        "kind": kind,
        "question": _texts(question, questions),
        "trigger_events": list(events),
        "followup": _texts(followup, followups),
        "name": name,
        "sample_rate": sample_rate,
        "delay_ms": delay_ms,
        "active": False if inactive else None,
    }
    schema = SurveySchema()
    fields = schema.load({k: v for k, v in data.items() if v is not None})
    survey = surveys.create(db.session(), site, fields)
    click.echo(json.dumps(schema.dump(survey)) if as_json else f"Survey {survey.id} created.")


@survey_group.command("list")
@click.option("--site", "public_key", required=True, help="The site's public key (pk_…).")
@click.option("--archived", is_flag=True, help="Include archived surveys.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
@with_appcontext
def survey_list(public_key: str, archived: bool, as_json: bool) -> None:
    """List a site's surveys: id, kind, state, trigger events, name."""
    site = site_by_key(public_key)
    schema = SurveySchema()
    listed = surveys.all_of_site(db.session(), site, include_archived=archived)
    if not listed and not as_json:
        click.echo(f"No surveys for {site.name} yet: fiilis survey create --site {public_key} …")
    for survey in listed:
        if as_json:
            click.echo(json.dumps(schema.dump(survey)))
            continue
        state = "archived" if survey.archived_at else "active" if survey.active else "paused"
        events = ",".join(event_names(survey.trigger_events)) or "(no events)"
        click.echo(f"{survey.id}  {survey.kind}  {state}  {events}  {survey.name}")


@click.command("snippet")
@click.option("--site", "public_key", required=True, help="The site's public key (pk_…).")
@click.option(
    "--base-url",
    help="The collector's public URL, as browsers reach it (default: FIILIS_PUBLIC_URL).",
)
@click.option("--user-id", help="Render data-user-id and its signed data-user-hash.")
@click.option("--locale", type=click.Choice(["en", "fi", "sv"]))
@with_appcontext
def snippet(public_key: str, base_url: str | None, user_id: str | None, locale: str | None):
    """Print the snippet to paste: the queue stub and the script tag with its integrity hash."""
    from collector.api.bundle import manifest
    from collector.domain import keys
    from collector.domain.snippet import points_at_this_machine
    from collector.domain.snippet import snippet as render

    site = site_by_key(public_key)
    base = base_url or current_app.config.get("PUBLIC_URL")
    if not base:
        raise click.UsageError(
            "which URL do browsers reach the collector at? Pass --base-url "
            "https://feedback.example.com or set FIILIS_PUBLIC_URL "
            "(a tag pointing at 127.0.0.1 works only on this machine)"
        )
    if points_at_this_machine(base):
        click.echo(f"Note: this tag points at {base}: it works only on this machine.", err=True)
    build = manifest()
    click.echo(
        render(
            base,
            public_key=public_key,
            file=build["file"],
            integrity=build["integrity"],
            user_id=user_id,
            user_hash=keys.user_hash(site.identity_secret, user_id) if user_id else None,
            locale=locale,
        )
    )


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Threads running jobs.")
@click.option("--no-periodic", is_flag=True, help="Leave the periodic jobs (sweep …) to another.")
@with_appcontext
def worker(workers: int, no_periodic: bool) -> None:
    """Run the background worker: deliveries, mail and the periodic jobs (DESIGN §10)."""
    import logging

    from collector import jobs

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    huey = jobs.queue(current_app).huey
    click.echo(f"Worker on {type(huey.storage).__name__} queue {huey.name!r}, {workers} threads.")
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_periodic)
    consumer.run()


if __name__ == "__main__":
    main()
