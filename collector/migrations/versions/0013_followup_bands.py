"""followup_bands: which score bands of a survey open a follow-up (low by default)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every existing survey gets the default; its responses keep the status they have.
    op.add_column(
        "surveys",
        sa.Column("followup_bands", sa.String(length=16), nullable=False, server_default="low"),
    )


def downgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("followup_bands")
