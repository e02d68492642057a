"""tags on responses, imported answers, an e-mail per person, a scale per survey

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("surveys", sa.Column("scale_min", sa.Integer(), nullable=True))
    op.add_column("surveys", sa.Column("scale_max", sa.Integer(), nullable=True))
    op.add_column("users", sa.Column("email", sa.String(length=254), nullable=True))
    op.create_index("ix_users_site_id_email", "users", ["site_id", "email"])
    op.add_column("responses", sa.Column("source", sa.String(length=16), nullable=True))
    op.add_column("responses", sa.Column("external_id", sa.String(length=200), nullable=True))
    op.add_column("responses", sa.Column("source_ref", sa.Text(), nullable=True))
    op.create_index(
        "ix_responses_site_id_source_external_id",
        "responses",
        ["site_id", "source", "external_id"],
        unique=True,
    )
    op.create_table(
        "response_tags",
        sa.Column("response_id", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_tags_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_response_tags_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_response_tags_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "tag", name=op.f("pk_response_tags")),
    )
    op.create_index("ix_response_tags_survey_id_tag", "response_tags", ["survey_id", "tag"])
    op.create_index("ix_response_tags_site_id_tag", "response_tags", ["site_id", "tag"])


def downgrade() -> None:
    op.drop_table("response_tags")
    op.drop_index("ix_responses_site_id_source_external_id", table_name="responses")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("source_ref")
        batch.drop_column("external_id")
        batch.drop_column("source")
    op.drop_index("ix_users_site_id_email", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("scale_max")
        batch.drop_column("scale_min")
