"""label days: each past UTC day's answers of a survey per tag and per reason (and without any)
and score, filled by a periodic job once the day has ended and forgotten by triggers when a label
or an answer of such a day is written, so that ``group_by=tag`` and
``group_by=reason`` read a few rows per day instead of every answer's labels

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

#: A write to an answer made longer ago than this forgets its day. The job fills only days that
#: ended an hour more ago (collector/services/rollups.py, LABELS_SETTLED), so a day it fills is
#: always forgotten by a later write, even if the database's clock runs a little behind.
HORIZON_HOURS = 5
_LABELS = ("response_tags", "response_reasons")

_SQLITE_OLD = f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-{HORIZON_HOURS} hours')"


def _sqlite_forget(survey: str, day: str) -> str:
    return (
        f"DELETE FROM label_days WHERE survey_id = {survey} AND day = {day};"
        f" DELETE FROM label_day_counts WHERE survey_id = {survey} AND day = {day};"
    )


def _sqlite_label_day(row: str) -> str:
    # NULL when the answer is gone (a cascade): its own delete forgets the day.
    return f"(SELECT date(created_at) FROM responses WHERE id = {row}.response_id)"


SQLITE = [
    *(
        f"CREATE TRIGGER {table}_days_{op_} AFTER {op_.upper()} ON {table}"
        f" BEGIN {_sqlite_forget(f'{row}.survey_id', _sqlite_label_day(row))} END"
        for table in _LABELS
        for op_, row in (("insert", "new"), ("delete", "old"))
    ),
    "CREATE TRIGGER responses_label_days_insert AFTER INSERT ON responses"
    f" WHEN new.created_at < {_SQLITE_OLD}"
    f" BEGIN {_sqlite_forget('new.survey_id', 'date(new.created_at)')} END",
    "CREATE TRIGGER responses_label_days_update AFTER UPDATE OF score, created_at, survey_id"
    f" ON responses WHEN old.created_at < {_SQLITE_OLD} OR new.created_at < {_SQLITE_OLD}"
    f" BEGIN {_sqlite_forget('old.survey_id', 'date(old.created_at)')}"
    f" {_sqlite_forget('new.survey_id', 'date(new.created_at)')} END",
    "CREATE TRIGGER responses_label_days_delete AFTER DELETE ON responses"
    f" WHEN old.created_at < {_SQLITE_OLD}"
    f" BEGIN {_sqlite_forget('old.survey_id', 'date(old.created_at)')} END",
]
SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS {t}_days_{o}" for t in _LABELS for o in ("insert", "delete")),
    "DROP TRIGGER IF EXISTS responses_label_days_insert",
    "DROP TRIGGER IF EXISTS responses_label_days_update",
    "DROP TRIGGER IF EXISTS responses_label_days_delete",
]

_PG_FORGET = (
    "DELETE FROM label_days WHERE survey_id = {survey} AND day = {day};"
    " DELETE FROM label_day_counts WHERE survey_id = {survey} AND day = {day};"
)
_PG_DAY = "({row}.created_at AT TIME ZONE 'UTC')::date"
_PG_LABEL_DAY = (
    "(SELECT (created_at AT TIME ZONE 'UTC')::date FROM responses WHERE id = {row}.response_id)"
)
_PG_OLD = f"now() - interval '{HORIZON_HOURS} hours'"


def _pg_function(name: str, old: str, new: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF TG_OP <> 'INSERT' THEN {old} END IF;"
        f" IF TG_OP <> 'DELETE' THEN {new} END IF;"
        " RETURN NULL; END $$"
    )


def _pg_forget(survey: str, day: str) -> str:
    return _PG_FORGET.format(survey=survey, day=day)


POSTGRES = [
    _pg_function(
        "label_days_forget_label",
        _pg_forget("OLD.survey_id", _PG_LABEL_DAY.format(row="OLD")),
        _pg_forget("NEW.survey_id", _PG_LABEL_DAY.format(row="NEW")),
    ),
    _pg_function(
        "label_days_forget_answer",
        _pg_forget("OLD.survey_id", _PG_DAY.format(row="OLD")),
        _pg_forget("NEW.survey_id", _PG_DAY.format(row="NEW")),
    ),
    *(
        f"CREATE TRIGGER {table}_days AFTER INSERT OR DELETE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION label_days_forget_label()"
        for table in _LABELS
    ),
    "CREATE TRIGGER responses_label_days_insert AFTER INSERT ON responses FOR EACH ROW"
    f" WHEN (NEW.created_at < {_PG_OLD}) EXECUTE FUNCTION label_days_forget_answer()",
    "CREATE TRIGGER responses_label_days_update AFTER UPDATE OF score, created_at, survey_id"
    f" ON responses FOR EACH ROW WHEN (OLD.created_at < {_PG_OLD} OR NEW.created_at < {_PG_OLD})"
    " EXECUTE FUNCTION label_days_forget_answer()",
    "CREATE TRIGGER responses_label_days_delete AFTER DELETE ON responses FOR EACH ROW"
    f" WHEN (OLD.created_at < {_PG_OLD}) EXECUTE FUNCTION label_days_forget_answer()",
]
POSTGRES_DROP = [
    *(f"DROP TRIGGER IF EXISTS {t}_days ON {t}" for t in _LABELS),
    "DROP TRIGGER IF EXISTS responses_label_days_insert ON responses",
    "DROP TRIGGER IF EXISTS responses_label_days_update ON responses",
    "DROP TRIGGER IF EXISTS responses_label_days_delete ON responses",
    "DROP FUNCTION IF EXISTS label_days_forget_label()",
    "DROP FUNCTION IF EXISTS label_days_forget_answer()",
]


def _survey_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["survey_id"],
        ["surveys.id"],
        name=op.f(f"fk_{table}_survey_id_surveys"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "label_days",
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        _survey_fk("label_days"),
        sa.PrimaryKeyConstraint("survey_id", "day", name=op.f("pk_label_days")),
    )
    op.create_table(
        "label_day_counts",
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        _survey_fk("label_day_counts"),
        sa.PrimaryKeyConstraint(
            "survey_id", "kind", "day", "label", "score", name=op.f("pk_label_day_counts")
        ),
    )
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_DROP if op.get_bind().dialect.name == "sqlite" else POSTGRES_DROP:
        op.execute(statement)
    op.drop_table("label_day_counts")
    op.drop_table("label_days")
