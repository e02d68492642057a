"""``fiilis db upgrade`` builds the same schema on SQLite and PostgreSQL, and matches the models."""

import pytest
from sqlalchemy import create_engine, inspect

from collector import migrate
from collector.models import Base
from tests import conftest

# The comment search index is each database's own kind (FTS5 tables and triggers on SQLite, a GIN
# expression index on PostgreSQL): it is checked by tests/api/test_search.py, not compared here.
SEARCH_TABLE_PREFIX = "response_search"
SEARCH_INDEX = "ix_responses_search"


def describe(url: str) -> dict:
    engine = create_engine(url)
    insp = inspect(engine)
    shape = {}
    for table in insp.get_table_names():
        if table == "alembic_version" or table.startswith(SEARCH_TABLE_PREFIX):
            continue
        shape[table] = {
            "columns": sorted((c["name"], c["nullable"]) for c in insp.get_columns(table)),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(table)
                if i["name"] != SEARCH_INDEX
            ),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
            "pk": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in insp.get_foreign_keys(table)
            ),
        }
    engine.dispose()
    return shape


def test_migrated_schema_has_every_model_table(database_url):
    shape = describe(database_url)
    assert set(shape) == set(Base.metadata.tables)
    assert ("ix_responses_survey_id_created_at", ("survey_id", "created_at"), False) in shape[
        "responses"
    ]["indexes"]
    assert ("prompt_id",) in shape["responses"]["unique"] or any(
        i[1] == ("prompt_id",) and i[2] for i in shape["responses"]["indexes"]
    )


def test_sqlite_and_postgresql_schemas_are_the_same(tmp_path):
    if not conftest._pg_reachable():
        pytest.skip("PostgreSQL does not answer here; CI runs this comparison")
    sqlite_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate.upgrade(sqlite_url)
    with conftest.scratch_postgres() as pg_url:
        migrate.upgrade(pg_url)
        postgres = describe(pg_url)

    def normalise(shape):
        # SQLite reports a unique constraint also as an index; compare the union of both.
        out = {}
        for table, s in shape.items():
            uniques = set(s["unique"]) | {i[1] for i in s["indexes"] if i[2]}
            plain = sorted(i[:2] for i in s["indexes"] if not i[2])
            out[table] = {**s, "unique": sorted(uniques), "indexes": plain}
        return out

    assert normalise(describe(sqlite_url)) == normalise(postgres)
