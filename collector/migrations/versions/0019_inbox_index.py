"""inbox index: the newest answers with a comment, per survey (the dashboard's Responses list)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_HAS_COMMENT = sa.text("comment IS NOT NULL AND comment <> ''")


def upgrade() -> None:
    op.create_index(
        "ix_responses_commented",
        "responses",
        ["survey_id", "created_at", "id"],
        postgresql_where=_HAS_COMMENT,
        sqlite_where=_HAS_COMMENT,
    )


def downgrade() -> None:
    op.drop_index("ix_responses_commented", table_name="responses")
