"""survey rules, reasons and texts (DESIGN §13): page rules, running dates, follow-ups by band,
reason choices, texts per locale (survey and site), and the reasons an answer gave

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import collector.models

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TIME = collector.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("pages", _JSON, nullable=True))
        batch.add_column(sa.Column("starts_at", _TIME, nullable=True))
        batch.add_column(sa.Column("ends_at", _TIME, nullable=True))
        batch.add_column(sa.Column("followup_by_band", _JSON, nullable=True))
        batch.add_column(sa.Column("reasons", _JSON, nullable=True))
        batch.add_column(sa.Column("texts", _JSON, nullable=True))
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("texts", _JSON, nullable=True))
    op.create_table(
        "response_reasons",
        sa.Column("response_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_reasons_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_response_reasons_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_response_reasons_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "reason", name=op.f("pk_response_reasons")),
    )
    op.create_index(
        op.f("ix_response_reasons_survey_id_reason"), "response_reasons", ["survey_id", "reason"]
    )


def downgrade() -> None:
    op.drop_table("response_reasons")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("texts")
    with op.batch_alter_table("surveys") as batch:
        for name in ("texts", "reasons", "followup_by_band", "ends_at", "starts_at", "pages"):
            batch.drop_column(name)
