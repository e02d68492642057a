"""``fiilis demo``: a collector on SQLite with a demo site, ready to try (DESIGN §9)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from collector import db
from collector.services import sites


def demo_keys(instance: Path) -> dict:
    """The demo site's keys: made once, kept in the instance folder (it is a demo)."""
    path = instance / "demo-site.json"
    if path.exists():
        keys = json.loads(path.read_text())
        if sites.by_public_key(db.session(), keys["public_key"]) is not None:
            return keys
    made = sites.create(db.session(), name="Acme Billing (demo)", origins=[])
    keys = made.to_dict()
    path.write_text(json.dumps(keys, indent=2))
    path.chmod(0o600)
    return keys


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo(host: str, port: int) -> None:
    """Set up the demo site and serve the collector."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    keys = demo_keys(Path(app.instance_path))
    base = f"http://{host}:{port}"
    click.echo("Fiilis demo")
    click.echo(f"  collector        {base}   (health: {base}/healthz)")
    click.echo(f"  API docs         {base}/v1/openapi.json")
    click.echo(f"  public key       {keys['public_key']}")
    click.echo(f"  secret key       {keys['secret_key']}")
    click.echo(f"  identity secret  {keys['identity_secret']}")
    click.echo("Press Ctrl-C to stop.")
    run_simple(host, port, app, threaded=True, use_reloader=False)
