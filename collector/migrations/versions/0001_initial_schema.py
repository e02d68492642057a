"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import collector.models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "sites",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("secret_key_hash", sa.String(length=64), nullable=False),
        sa.Column("secret_key_hint", sa.String(length=16), nullable=False),
        sa.Column("identity_secret", sa.String(length=128), nullable=False),
        sa.Column(
            "allowed_origins",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("default_locale", sa.String(length=16), nullable=False),
        sa.Column(
            "theme",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("cooldown_days", sa.Integer(), nullable=False),
        sa.Column("require_identity", sa.Boolean(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("created_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("public_key", name=op.f("uq_sites_public_key")),
        sa.UniqueConstraint("secret_key_hash", name=op.f("uq_sites_secret_key_hash")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", collector.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_accounts_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_idempotency_keys_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "question",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "followup",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "trigger_events",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("delay_ms", sa.Integer(), nullable=False),
        sa.Column("sample_rate", sa.Float(), nullable=False),
        sa.Column(
            "targeting",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("recontact_days", sa.Integer(), nullable=False),
        sa.Column("dismiss_snooze_days", sa.Integer(), nullable=False),
        sa.Column("max_responses", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("archived_at", collector.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_surveys_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_surveys_site_id_archived_at_created_at"),
            ["site_id", "archived_at", "created_at"],
            unique=False,
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column(
            "traits",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_users_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("site_id", "user_id", name=op.f("uq_users_site_id_user_id")),
    )
    op.create_table(
        "prompts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=True),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "traits",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("created_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shown_at", collector.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", collector.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dismissed_at", collector.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_prompts_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_prompts_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompts")),
    )
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prompts_site_id_user_id_created_at"),
            ["site_id", "user_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_prompts_site_id_user_id_shown_at"),
            ["site_id", "user_id", "shown_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_prompts_survey_id_created_at"), ["survey_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_prompts_survey_id_user_id_status"),
            ["survey_id", "user_id", "status"],
            unique=False,
        )

    op.create_table(
        "responses",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.Column("prompt_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("event", sa.String(length=64), nullable=True),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "traits",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("followup_status", sa.String(length=12), nullable=False),
        sa.Column("followup_owner", sa.String(length=200), nullable=True),
        sa.Column("followup_note", sa.Text(), nullable=True),
        sa.Column("created_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_responses_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_responses_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_responses_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.UniqueConstraint("prompt_id", name=op.f("uq_responses_prompt_id")),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_responses_site_id_created_at_id"),
            ["site_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_responses_site_id_user_id"), ["site_id", "user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_responses_survey_id_created_at"),
            ["survey_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "followup_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("response_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("created_at", collector.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_followup_changes_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_changes")),
    )
    with op.batch_alter_table("followup_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_followup_changes_response_id_created_at"),
            ["response_id", "created_at"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("followup_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_changes_response_id_created_at"))

    op.drop_table("followup_changes")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responses_survey_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_responses_site_id_user_id"))
        batch_op.drop_index(batch_op.f("ix_responses_site_id_created_at_id"))

    op.drop_table("responses")
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompts_survey_id_user_id_status"))
        batch_op.drop_index(batch_op.f("ix_prompts_survey_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_prompts_site_id_user_id_shown_at"))
        batch_op.drop_index(batch_op.f("ix_prompts_site_id_user_id_created_at"))

    op.drop_table("prompts")
    op.drop_table("users")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_site_id_archived_at_created_at"))

    op.drop_table("surveys")
    op.drop_table("idempotency_keys")
    op.drop_table("accounts")
    op.drop_table("sites")
