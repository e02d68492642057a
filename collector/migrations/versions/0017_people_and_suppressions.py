"""people and suppressions (DESIGN §12): a person's name and locale, and the addresses survey
e-mail never goes to again

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import collector.models

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TIME = collector.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
    op.create_table(
        "suppressions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_suppressions_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
        sa.UniqueConstraint("site_id", "email", name=op.f("uq_suppressions_site_id_email")),
    )
    op.create_index(
        op.f("ix_suppressions_site_id_created_at_id"),
        "suppressions",
        ["site_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_suppressions_site_id_created_at_id"), table_name="suppressions")
    op.drop_table("suppressions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locale")
        batch.drop_column("name")
