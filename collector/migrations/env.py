"""Alembic environment: the URL comes from the collector's config (see collector.migrate)."""

from alembic import context
from sqlalchemy import create_engine

from collector.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
connection = config.attributes.get("connection")


def run(conn) -> None:
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    engine = create_engine(url)
    with engine.connect() as conn:
        run(conn)
    engine.dispose()
