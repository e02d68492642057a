"""A PostgreSQL connection the server drops (a restart, a terminated backend) costs the widget
nothing: the next request is served on a new connection, a request whose connection drops midway
runs again and is stored once, and a second drop answers 503 with nothing stored, which the
widget retries (as it retries any 5xx). No ping per checkout finds the dropped connections: they are seen without a
round trip, or fail and are retried."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, func, select, text

from collector import db, migrate
from collector.models import Base, Prompt, Response
from tests.api.prompting import answer, ask, make_survey, track
from tests.conftest import _pg_reachable, scratch_postgres

TERMINATE = (
    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


@pytest.fixture(scope="module")
def postgres():
    if not _pg_reachable():
        pytest.skip("PostgreSQL does not answer (CI requires it: tests/conftest.py)")
    with scratch_postgres() as url:
        migrate.upgrade(url)
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        yield url, admin
        admin.dispose()


@pytest.fixture
def database_url(postgres):
    url, admin = postgres
    yield url
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with admin.connect() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def drop_every_connection(admin) -> None:
    with admin.connect() as conn:
        conn.execute(text(TERMINATE))


def drop_at_checkout(app, admin, times: int) -> None:
    """The next ``times`` connections the app takes from its pool are dropped by the server
    right after they were handed out, as if it went away while the request used them."""
    left = {"n": times}

    def checkout(dbapi_conn, _record, _proxy):
        if left["n"] > 0:
            left["n"] -= 1
            with admin.connect() as conn:
                conn.execute(
                    text("SELECT pg_terminate_backend(:pid, 5000)"),
                    {"pid": dbapi_conn.info.backend_pid},
                )

    event.listen(app.extensions["fiilis.engine"], "checkout", checkout)


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model).filter_by(**where)
        return db.session().scalar(query)


@pytest.fixture
def survey(client, site):
    return make_survey(client, site)


def test_the_answer_after_the_server_dropped_every_connection_is_stored(
    app, client, site, survey, postgres
):
    prompt = ask(client, site)
    drop_every_connection(postgres[1])
    resp = answer(client, prompt, 5)
    assert resp.status_code == 201, resp.get_json()
    listed = client.get("/v1/responses", headers=site.auth).get_json()["data"]
    assert [r["score"] for r in listed] == [5]


def test_several_pooled_connections_dropped_at_once_cost_the_next_request_nothing(
    app, client, site, survey, postgres
):
    ask(client, site, user_id="warm")
    engine = app.extensions["fiilis.engine"]
    held = [engine.connect() for _ in range(3)]  # three idle connections in the pool
    for conn in held:
        conn.close()
    drop_every_connection(postgres[1])
    assert ask(client, site, user_id="u2")["id"]
    assert count(app, Prompt, user_id="u2") == 1


def test_an_event_whose_connection_drops_midway_runs_again_and_opens_one_prompt(
    app, client, site, survey, postgres
):
    ask(client, site, user_id="warm")  # the site is read and cached: the event's own work drops
    drop_at_checkout(app, postgres[1], times=1)
    prompt = ask(client, site, user_id="u2")
    assert count(app, Prompt, user_id="u2") == 1
    assert answer(client, prompt, 4).status_code == 201


def test_a_connection_dropped_again_on_the_retry_answers_503_and_stores_nothing(
    app, client, site, survey, postgres
):
    prompt = ask(client, site, user_id="warm")
    drop_at_checkout(app, postgres[1], times=2)
    resp = track(client, site, user_id="u2")
    assert resp.status_code == 503
    assert resp.get_json()["error"]["code"] == "database_unavailable"
    assert count(app, Prompt, user_id="u2") == 0
    # The widget retries: then the event is served, and answers are stored as usual.
    assert ask(client, site, user_id="u2")["id"]
    assert answer(client, prompt, 3).status_code == 201
    assert count(app, Response) == 1
