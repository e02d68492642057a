"""funnel days: each settled UTC day's unanswered prompts of a survey (left open, dismissed, seen
then expired), filled by a periodic job for days older than a month and forgotten by triggers on
prompts when a prompt of such a day is written, so that a metrics call reads a row per day
instead of counting every unanswered prompt of the period

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

#: A write to a prompt made longer ago than this forgets its day's row. The job fills only days
#: older than a day more (collector/services/rollups.py, SETTLED), so a row it fills is always
#: forgotten by a later write, even if the database's clock runs a little behind the app's.
HORIZON_DAYS = 32

_SQLITE_OLD = f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-{HORIZON_DAYS} days')"


def _sqlite_forget(row: str) -> str:
    return (
        f"DELETE FROM funnel_days WHERE survey_id = {row}.survey_id"
        f" AND day = date({row}.created_at);"
    )


SQLITE = [
    "CREATE TRIGGER funnel_days_insert AFTER INSERT ON prompts"
    f" WHEN new.created_at < {_SQLITE_OLD} BEGIN {_sqlite_forget('new')} END",
    "CREATE TRIGGER funnel_days_update AFTER UPDATE OF status, shown_at, created_at, survey_id"
    f" ON prompts WHEN old.created_at < {_SQLITE_OLD} OR new.created_at < {_SQLITE_OLD}"
    f" BEGIN {_sqlite_forget('old')} {_sqlite_forget('new')} END",
    "CREATE TRIGGER funnel_days_delete AFTER DELETE ON prompts"
    f" WHEN old.created_at < {_SQLITE_OLD} BEGIN {_sqlite_forget('old')} END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS funnel_days_insert",
    "DROP TRIGGER IF EXISTS funnel_days_update",
    "DROP TRIGGER IF EXISTS funnel_days_delete",
]

# Row triggers with a WHEN clause: the widget's writes (new prompts) never call the function; a
# purge, an erasure or an import of old prompts does, once per prompt.
_PG_OLD = f"now() - interval '{HORIZON_DAYS} days'"
_PG_FORGET = (
    "DELETE FROM funnel_days WHERE survey_id = {row}.survey_id"
    " AND day = ({row}.created_at AT TIME ZONE 'UTC')::date;"
)
POSTGRES = [
    "CREATE FUNCTION funnel_days_forget() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " IF TG_OP <> 'INSERT' THEN " + _PG_FORGET.format(row="OLD") + " END IF;"
    " IF TG_OP <> 'DELETE' THEN " + _PG_FORGET.format(row="NEW") + " END IF;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER funnel_days_insert AFTER INSERT ON prompts FOR EACH ROW"
    f" WHEN (NEW.created_at < {_PG_OLD}) EXECUTE FUNCTION funnel_days_forget()",
    "CREATE TRIGGER funnel_days_update AFTER UPDATE OF status, shown_at, created_at, survey_id"
    f" ON prompts FOR EACH ROW WHEN (OLD.created_at < {_PG_OLD} OR NEW.created_at < {_PG_OLD})"
    " EXECUTE FUNCTION funnel_days_forget()",
    "CREATE TRIGGER funnel_days_delete AFTER DELETE ON prompts FOR EACH ROW"
    f" WHEN (OLD.created_at < {_PG_OLD}) EXECUTE FUNCTION funnel_days_forget()",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS funnel_days_insert ON prompts",
    "DROP TRIGGER IF EXISTS funnel_days_update ON prompts",
    "DROP TRIGGER IF EXISTS funnel_days_delete ON prompts",
    "DROP FUNCTION IF EXISTS funnel_days_forget()",
]


def upgrade() -> None:
    op.create_table(
        "funnel_days",
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("left_open", sa.Integer(), nullable=False),
        sa.Column("dismissed", sa.Integer(), nullable=False),
        sa.Column("seen_then_expired", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_funnel_days_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "day", name=op.f("pk_funnel_days")),
    )
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_DROP if op.get_bind().dialect.name == "sqlite" else POSTGRES_DROP:
        op.execute(statement)
    op.drop_table("funnel_days")
