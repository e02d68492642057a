"""prompts: drop two indexes no query reads since the history became one query per user

The eligibility history reads a user's prompts through (site_id, user_id, created_at); nothing
reads (site_id, user_id, shown_at) or (survey_id, user_id, status) any more, and every prompt
written, shown or answered paid for keeping them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_prompts_site_id_user_id_shown_at", table_name="prompts")
    op.drop_index("ix_prompts_survey_id_user_id_status", table_name="prompts")


def downgrade() -> None:
    op.create_index(
        "ix_prompts_site_id_user_id_shown_at", "prompts", ["site_id", "user_id", "shown_at"]
    )
    op.create_index(
        "ix_prompts_survey_id_user_id_status", "prompts", ["survey_id", "user_id", "status"]
    )
