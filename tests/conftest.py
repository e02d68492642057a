"""Shared fixtures, flaskr-style: ``app``, ``client``, ``runner``, plus a fresh database per test.

API tests (``tests/api``) run on SQLite and on PostgreSQL: the ``backend`` fixture is parametrised
over both when PostgreSQL answers at ``FIILIS_TEST_DATABASE_URL`` (default: the local server).
Without it they run on SQLite only and the summary says so; under CI a missing PostgreSQL fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from collector import create_app, migrate
from collector.models import Base
from collector.services import sites

# Property tests assert results, not speed: a loaded machine must not fail them on time alone
# (speed is measured in bench/).
settings.register_profile("fiilis", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("fiilis")

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_pg_state: dict = {}


def _pg_admin_url() -> str:
    return os.environ.get("FIILIS_TEST_DATABASE_URL") or PG_DEFAULT


def _pg_reachable() -> bool:
    if "ok" not in _pg_state:
        try:
            engine = create_engine(_pg_admin_url(), connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _pg_state["ok"] = True
        except Exception as e:  # any failure to connect means "not here"
            _pg_state["ok"] = False
            _pg_state["why"] = str(e).splitlines()[0]
    return _pg_state["ok"]


def pytest_sessionstart(session):
    if not _pg_reachable() and os.environ.get("CI") == "true":
        pytest.exit(
            f"PostgreSQL is required under CI but does not answer at {_pg_admin_url()}: "
            f"{_pg_state.get('why')}",
            returncode=3,
        )


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    path = str(metafunc.definition.path)
    both = ("/tests/api/" in path or "/tests/contract/" in path) and _pg_reachable()
    metafunc.parametrize(
        "backend", ["sqlite", "postgresql"] if both else ["sqlite"], scope="session"
    )


def pytest_terminal_summary(terminalreporter):
    if _pg_state.get("ok") is False:
        terminalreporter.write_line(
            f"NOTE: PostgreSQL did not answer at {_pg_admin_url()} "
            f"({_pg_state.get('why')}); API tests ran on SQLite only.",
            yellow=True,
        )


@pytest.fixture(scope="session")
def migrated(backend, tmp_path_factory):
    """A database migrated once per session: a SQLite template file, or a PostgreSQL database."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "template.db"
        migrate.upgrade(f"sqlite:///{path}")
        yield SimpleNamespace(backend=backend, template=path)
        return
    with scratch_postgres() as url:
        migrate.upgrade(url)
        yield SimpleNamespace(backend=backend, url=url)


@contextmanager
def scratch_postgres():
    """A PostgreSQL database of our own, dropped afterwards."""
    admin = make_url(_pg_admin_url())
    name = f"fiilis_t_{uuid.uuid4().hex[:12]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


@pytest.fixture
def database_url(migrated, tmp_path):
    """A database with the full schema and no rows, for this test alone."""
    if migrated.backend == "sqlite":
        path = tmp_path / "fiilis.db"
        shutil.copy(migrated.template, path)
        yield f"sqlite:///{path}"
        return
    yield migrated.url
    engine = create_engine(migrated.url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app_config(database_url, tmp_path):
    return {
        "TESTING": True,
        "ENV": "production",
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Each test has its own job queue and mail folder; tests/jobs.py runs a worker on it.
        "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}",
        "MAIL_FOLDER": str(tmp_path / "mail"),
        # Events dispatched at each commit: the worker's scheduler ticks once a second, and most
        # tests wait for their deliveries. test_outbox.py runs the production window too.
        "OUTBOX_DISPATCH_WINDOW": 0,
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    yield app
    app.extensions["fiilis.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_site(app):
    """Create a site through the service; returns its keys and ready-made auth headers."""

    def make(name: str = "Acme", origins=("https://app.example.com",), **settings):
        with app.app_context():
            from collector import db

            made = sites.create(db.session(), name=name, origins=list(origins))
            if settings:
                sites.update(db.session(), made.site, settings)
            keys = made.to_dict()
        return SimpleNamespace(
            **keys,
            auth={"Authorization": f"Bearer {keys['secret_key']}"},
        )

    return make


@pytest.fixture
def site(make_site):
    return make_site()


@pytest.fixture
def other_site(make_site):
    return make_site(name="Other Corp", origins=("https://other.example.org",))


@pytest.fixture
def worker(app):
    """The app's job queue run by a real huey consumer in this process (tests/workers.py)."""
    from tests.workers import Worker

    running = Worker(app).start()
    yield running
    running.stop()
    running.raise_errors()


@pytest.fixture
def smtp_server():
    """A real SMTP server on localhost that keeps what it receives (tests/smtp.py)."""
    from tests.smtp import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def receiver():
    """A real HTTP server on localhost that keeps what it receives (tests/receivers.py)."""
    from tests.receivers import Receiver

    server = Receiver().start()
    yield server
    server.stop()
