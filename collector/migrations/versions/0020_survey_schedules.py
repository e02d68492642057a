"""survey schedules (DESIGN §13 ``schedule``): a survey's recurring schedule, and one row per
person and turn that makes a second ask of the same turn impossible

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import collector.models

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_TIME = collector.models.UTCDateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("schedule", _JSON, nullable=True))
        batch.add_column(sa.Column("schedule_since", _TIME, nullable=True))
    op.create_table(
        "survey_asks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("due_at", _TIME, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("mail_status", sa.String(length=12), nullable=False),
        sa.Column("mail_after", _TIME, nullable=True),
        sa.Column("leased_until", _TIME, nullable=True),
        sa.Column("remind_after", _TIME, nullable=True),
        sa.Column("reminder_status", sa.String(length=12), nullable=True),
        sa.Column("opened_at", _TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_survey_asks_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_asks_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_survey_asks_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_asks")),
        sa.UniqueConstraint(
            "survey_id", "user_id", "turn", name=op.f("uq_survey_asks_survey_id_user_id_turn")
        ),
    )
    for columns in (
        ["survey_id", "created_at"],
        ["mail_status", "mail_after"],
        ["reminder_status", "remind_after"],
        ["prompt_id"],
    ):
        op.create_index(
            op.f(f"ix_survey_asks_{'_'.join(columns)}"), "survey_asks", columns, unique=False
        )


def downgrade() -> None:
    for columns in (
        ["prompt_id"],
        ["reminder_status", "remind_after"],
        ["mail_status", "mail_after"],
        ["survey_id", "created_at"],
    ):
        op.drop_index(op.f(f"ix_survey_asks_{'_'.join(columns)}"), table_name="survey_asks")
    op.drop_table("survey_asks")
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("schedule_since")
        batch.drop_column("schedule")
