"""The ``fiilis`` console script as a person types it: one-line errors with exit code 2, its own
help, ``--version``, and the commands that list and change what the first run made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner

from collector import __version__
from collector.cli import FiilisCLI


@pytest.fixture
def fiilis(tmp_path, monkeypatch):
    """Run ``fiilis …`` against a migrated SQLite database of its own: the console script's own
    entry point (``FiilisCLI().main``), in this process; ``fiilis.process`` starts a real one."""
    env = {
        "FIILIS_ENV": "development",
        "FIILIS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "FIILIS_PUBLIC_URL": None,
    }
    monkeypatch.chdir(tmp_path)

    def run(*args: str, extra_env: dict | None = None, stdin: str | None = None):
        result = CliRunner().invoke(
            FiilisCLI(),
            list(args),
            prog_name="fiilis",
            env={**env, **(extra_env or {})},
            input=stdin,
        )
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return SimpleNamespace(
            returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr
        )

    def process(*args: str, extra_env: dict | None = None):
        full = {
            k: v for k, v in {**os.environ, **env, **(extra_env or {})}.items() if v is not None
        }
        return subprocess.run(
            [sys.executable, "-m", "collector.cli", *args],
            capture_output=True, text=True, env=full, cwd=tmp_path, timeout=120,
        )  # fmt: skip

    assert run("db", "upgrade").returncode == 0
    run.process = process
    return run


def leaf_commands() -> list[tuple[str, ...]]:
    """Every command a user can run, found in the CLI itself (new commands are covered too)."""
    group = FiilisCLI()
    found = []
    with group.make_context("fiilis", [], resilient_parsing=True) as ctx:

        def walk(command, path):
            if isinstance(command, click.Group):
                for name in command.list_commands(ctx):
                    walk(command.get_command(ctx, name), (*path, name))
            else:
                found.append(path)

        walk(group, ())
    return found


def one_line_error(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("fiilis") and "Traceback" not in result.stderr
    return lines[0]


def test_every_command_refuses_an_unknown_option_in_one_line(fiilis):
    commands = leaf_commands()
    assert ("site", "create") in commands and ("user", "set-password") in commands
    for path in commands:
        line = one_line_error(fiilis(*path, "--no-such-option"))
        assert "--no-such-option" in line and " ".join(path) in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["site", "create"], "Missing option '--name'"),
        (["site", "create", "--name", "A", "--origin", "not a url"], "--origin"),
        (["site", "create", "--name", "A", "--locale", "xx"], "--locale"),
        (["survey", "create", "--site", "pk_nope", "--kind", "csat", "--question", "Q"], "pk_nope"),
        (["survey", "list", "--site", "pk_nope"], "fiilis site list"),
        (["snippet", "--site", "pk_nope", "--base-url", "https://f.example.com"], "pk_nope"),
        (["user", "create", "--email", "a@b.c", "--site", "pk_nope", "--password", "x"], "pk_nope"),
        (["user", "set-password", "--email", "no@b.c", "--password", "1234567890"], "no@b.c"),
        (["db", "upgrade", "--revision", "nope"], "nope"),
        (["demo", "--port", "eighty"], "--port"),
        (["run", "--port", "eighty"], "--port"),
        (["no-such-command"], "No such command"),
    ],
)
def test_invalid_input_is_one_line_on_stderr_and_exit_2(fiilis, args, says):
    assert says in one_line_error(fiilis(*args))


def test_a_value_the_schema_refuses_is_named_in_one_line(fiilis):
    site = json.loads(fiilis("site", "create", "--name", "Acme", "--json").stdout)
    base = ["survey", "create", "--site", site["public_key"], "--kind", "csat", "--question", "Q"]
    assert "sample_rate" in one_line_error(fiilis(*base, "--sample-rate", "2"))
    assert "trigger_events" in one_line_error(fiilis(*base, "--event", "invoice paid"))
    short = fiilis("user", "create", "--email", "a@b.c", "--site", site["public_key"])
    assert short.returncode == 1  # no password given and no terminal to ask on: aborted


def test_configuration_errors_are_one_line_too(fiilis):
    production = {"FIILIS_ENV": "production"}
    assert "FIILIS_SECRET_KEY is not set" in one_line_error(
        fiilis.process("site", "list", extra_env=production)
    )
    short = {**production, "FIILIS_SECRET_KEY": "changeme"}
    assert "at least 32" in one_line_error(fiilis("site", "list", extra_env=short))
    fresh = {"FIILIS_DATABASE_URL": "sqlite:///never-migrated.db"}
    assert "fiilis db upgrade" in one_line_error(fiilis("site", "list", extra_env=fresh))


def test_version_and_a_help_written_for_this_tool(fiilis):
    version = fiilis.process("--version")
    assert (version.returncode, version.stdout.strip()) == (0, f"fiilis {__version__}")
    top = fiilis.process("--help")
    assert top.returncode == 0
    for flask_only in ("--app", "--env-file", "routes", "shell", "limiter"):
        assert flask_only not in top.stdout
    for ours in ("db", "site", "survey", "user", "snippet", "demo", "run", "purge"):
        assert f"\n  {ours} " in top.stdout
    assert "..." not in top.stdout.split("Commands:")[1]  # full summaries, not cut short
    # without a configuration the help still lists everything and says what is missing
    bare = fiilis("--help", extra_env={"FIILIS_ENV": "production"})
    assert bare.returncode == 0 and "snippet" in bare.stdout
    assert "FIILIS_SECRET_KEY" in bare.stdout


def test_lists_and_a_new_password(fiilis):
    made = fiilis("site", "create", "--name", "Acme", "--origin", "https://app.acme.test", "--json")
    site = json.loads(made.stdout)
    pk = site["public_key"]
    listed = fiilis("site", "list")
    assert listed.returncode == 0
    assert f"{pk}  Acme  https://app.acme.test" in listed.stdout

    created = fiilis(
        "survey", "create", "--site", pk, "--kind", "nps", "--question", "Recommend us?",
        "--question-in", "de", "Empfehlen?", "--question-in", "fr", "Recommander ?",
        "--followup", "Why?", "--followup-in", "fi", "Miksi?", "--event", "invoice.paid",
        "--sample-rate", "0.25", "--delay-ms", "1500", "--name", "Loyalty", "--inactive",
        "--json",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    survey = json.loads(created.stdout)
    assert survey["question"] == {"en": "Recommend us?", "de": "Empfehlen?", "fr": "Recommander ?"}
    assert survey["followup"] == {"en": "Why?", "fi": "Miksi?"}
    assert (survey["sample_rate"], survey["delay_ms"], survey["active"]) == (0.25, 1500, False)
    surveys = fiilis("survey", "list", "--site", pk)
    assert f"{survey['id']}  nps  paused  invoice.paid  Loyalty" in surveys.stdout

    account = ["--email", "Owner@Acme.test"]
    made = fiilis("user", "create", *account, "--site", pk, "--password", "first-password")
    assert made.returncode == 0, made.stderr
    users = fiilis("user", "list", "--site", pk)
    assert "owner@acme.test  Acme  last login never" in users.stdout
    weak = fiilis("user", "set-password", *account, "--password", "short")
    assert "at least 10" in one_line_error(weak)
    changed = fiilis("user", "set-password", *account, stdin="second-password\nsecond-password\n")
    assert changed.returncode == 0, changed.stderr
    assert "sessions have ended" in changed.stdout


def test_snippet_refuses_a_localhost_url_unless_one_is_given(fiilis):
    pk = json.loads(fiilis("site", "create", "--name", "Acme", "--json").stdout)["public_key"]
    line = one_line_error(fiilis("snippet", "--site", pk))
    assert "--base-url" in line and "FIILIS_PUBLIC_URL" in line

    public = fiilis("snippet", "--site", pk, extra_env={"FIILIS_PUBLIC_URL": "https://f.acme.test"})
    assert public.returncode == 0 and public.stderr == ""
    stub, tag = public.stdout.strip().splitlines()
    assert stub.startswith("<script>window.fiilis=window.fiilis||")
    assert tag.startswith('<script async src="https://f.acme.test/widget/fiilis.')

    local = fiilis("snippet", "--site", pk, "--base-url", "http://127.0.0.1:5000")
    assert local.returncode == 0
    assert "works only on this machine" in local.stderr  # said loudly, on stderr
    assert 'src="http://127.0.0.1:5000/widget/' in local.stdout
