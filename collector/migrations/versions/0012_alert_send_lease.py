"""alert_sends.leased_until: how long a send in progress is its worker's

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import collector.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_sends") as batch:
        batch.add_column(
            sa.Column("leased_until", collector.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_sends") as batch:
        batch.drop_column("leased_until")
