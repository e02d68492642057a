"""indexes for metrics: answers per score and per event, prompts per status

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_responses_survey_id_score_created_at"),
            ["survey_id", "score", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_responses_survey_id_event_score_created_at"),
            ["survey_id", "event", "score", "created_at"],
            unique=False,
        )
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prompts_survey_id_status_created_at_shown_at"),
            ["survey_id", "status", "created_at", "shown_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompts_survey_id_status_created_at_shown_at"))
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responses_survey_id_event_score_created_at"))
        batch_op.drop_index(batch_op.f("ix_responses_survey_id_score_created_at"))
