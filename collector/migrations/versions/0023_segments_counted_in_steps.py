"""segments counted in steps: a segment declared over many answers is counted for the past a
step at a time (each step a short transaction) instead of in one long one that held every
writer; while it is being counted, the triggers count only the answers outside the range still
to count

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import collector.models

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_TIME = collector.models.UTCDateTime(timezone=True)


def _segments_0021():
    """The triggers of 0021, which take the condition below (loaded from its file: a migration's
    module name starts with its number)."""
    path = Path(__file__).with_name("0021_segment_counts.py")
    spec = importlib.util.spec_from_file_location("fiilis_migration_0021", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# While the past is counted, ``counting_from`` is the instant of the declaration and
# ``counted_below`` how far the count has come: an answer whose time is in [counted_below,
# counting_from) is left to the count; every other answer is counted by the triggers as it is
# written. Once counted, both are NULL and every answer is the triggers'.
COUNTED = (
    "({s}.counting_from IS NULL OR {r}.created_at >= {s}.counting_from"
    " OR {r}.created_at < {s}.counted_below)"
)


def upgrade() -> None:
    op.add_column("site_segments", sa.Column("counting_from", _TIME, nullable=True))
    op.add_column("site_segments", sa.Column("counted_below", _TIME, nullable=True))
    before = _segments_0021()
    if op.get_bind().dialect.name == "postgresql":
        for statement in before.postgres_functions(COUNTED, create="CREATE OR REPLACE"):
            op.execute(statement)
    else:
        for statement in [*before.SQLITE_DROP, *before.sqlite_triggers(COUNTED)]:
            op.execute(statement)


def downgrade() -> None:
    before = _segments_0021()
    if op.get_bind().dialect.name == "postgresql":
        for statement in before.postgres_functions(create="CREATE OR REPLACE"):
            op.execute(statement)
    else:
        for statement in [*before.SQLITE_DROP, *before.SQLITE]:
            op.execute(statement)
    with op.batch_alter_table("site_segments") as batch:
        batch.drop_column("counted_below")
        batch.drop_column("counting_from")
