"""survey e-mail (DESIGN §12): one row per message of a link prompt, and the link scanner's mark

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import collector.models

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_TIME = collector.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("prompts") as batch:
        batch.add_column(sa.Column("scanned_at", _TIME, nullable=True))
    op.create_table(
        "survey_mails",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("prompt_id", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("leased_until", _TIME, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("sent_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_survey_mails_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_survey_mails_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_mails_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_mails")),
        sa.UniqueConstraint("prompt_id", "kind", name=op.f("uq_survey_mails_prompt_id_kind")),
    )
    op.create_index(
        op.f("ix_survey_mails_site_id_created_at"),
        "survey_mails",
        ["site_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_survey_mails_site_id_created_at"), table_name="survey_mails")
    op.drop_table("survey_mails")
    with op.batch_alter_table("prompts") as batch:
        batch.drop_column("scanned_at")
