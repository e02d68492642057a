"""answer counts: how many answers of a survey each UTC hour had each score, and each UTC day
each event and score, kept by triggers on responses in the writer's own transaction, so that a
series and ``group_by=event`` add up counts instead of counting every answer of the period

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# An answer's cells (collector/services/rollups.py reads them the same way): the hour is whole
# hours since the Unix epoch, in UTC; an answer without an event counts under ''.
_SQLITE_HOUR = "CAST(strftime('%s', {row}.created_at) AS INTEGER) / 3600"
_SQLITE_DAY = "date({row}.created_at)"
_POSTGRES_HOUR = "floor(extract(epoch FROM created_at) / 3600)::integer"
_POSTGRES_DAY = "(created_at AT TIME ZONE 'UTC')::date"
_HOURS = "(survey_id, score, hour)"
_DAYS = "(survey_id, day, event, score)"


def _sqlite_add(row: str) -> str:
    return (
        f"INSERT INTO score_counts (survey_id, hour, score, n) VALUES ({row}.survey_id,"
        f" {_SQLITE_HOUR.format(row=row)}, {row}.score, 1)"
        f" ON CONFLICT {_HOURS} DO UPDATE SET n = n + 1;"
        f" INSERT INTO event_counts (survey_id, day, event, score, n) VALUES ({row}.survey_id,"
        f" {_SQLITE_DAY.format(row=row)}, coalesce({row}.event, ''), {row}.score, 1)"
        f" ON CONFLICT {_DAYS} DO UPDATE SET n = n + 1;"
    )


def _sqlite_subtract(row: str) -> str:
    return (
        f"UPDATE score_counts SET n = n - 1 WHERE survey_id = {row}.survey_id"
        f" AND hour = {_SQLITE_HOUR.format(row=row)} AND score = {row}.score;"
        f" UPDATE event_counts SET n = n - 1 WHERE survey_id = {row}.survey_id"
        f" AND day = {_SQLITE_DAY.format(row=row)} AND event = coalesce({row}.event, '')"
        f" AND score = {row}.score;"
    )


_COUNTED = "score, created_at, survey_id, event"
SQLITE = [
    f"CREATE TRIGGER answer_counts_insert AFTER INSERT ON responses BEGIN {_sqlite_add('new')} END",
    f"CREATE TRIGGER answer_counts_update AFTER UPDATE OF {_COUNTED} ON responses"
    " WHEN old.score IS NOT new.score OR old.created_at IS NOT new.created_at"
    " OR old.survey_id IS NOT new.survey_id OR old.event IS NOT new.event"
    f" BEGIN {_sqlite_subtract('old')} {_sqlite_add('new')} END",
    f"CREATE TRIGGER answer_counts_delete AFTER DELETE ON responses BEGIN {_sqlite_subtract('old')} END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS answer_counts_insert",
    "DROP TRIGGER IF EXISTS answer_counts_update",
    "DROP TRIGGER IF EXISTS answer_counts_delete",
]


def _hours(rows: str) -> str:
    return (
        f"SELECT survey_id, {_POSTGRES_HOUR} AS hour, score, count(*) AS n FROM {rows} r"
        " GROUP BY 1, 2, 3"
    )


def _days(rows: str) -> str:
    return (
        f"SELECT survey_id, {_POSTGRES_DAY} AS day, coalesce(event, '') AS event, score,"
        f" count(*) AS n FROM {rows} r GROUP BY 1, 2, 3, 4"
    )


def _postgres_add(rows: str) -> str:
    # In key order, so that concurrent writers lock the same rows in the same order.
    return (
        f"INSERT INTO score_counts AS c (survey_id, hour, score, n) {_hours(rows)}"
        f" ORDER BY 1, 2, 3 ON CONFLICT {_HOURS} DO UPDATE SET n = c.n + excluded.n;"
        f" INSERT INTO event_counts AS c (survey_id, day, event, score, n) {_days(rows)}"
        f" ORDER BY 1, 2, 3, 4 ON CONFLICT {_DAYS} DO UPDATE SET n = c.n + excluded.n;"
    )


def _postgres_subtract(rows: str) -> str:
    return (
        f"UPDATE score_counts c SET n = c.n - x.n FROM ({_hours(rows)}) x"
        " WHERE (c.survey_id, c.hour, c.score) = (x.survey_id, x.hour, x.score);"
        f" UPDATE event_counts c SET n = c.n - x.n FROM ({_days(rows)}) x"
        " WHERE (c.survey_id, c.day, c.event, c.score) = (x.survey_id, x.day, x.event, x.score);"
    )


# Statement triggers with transition tables, as for the segments (0021): an import or a purge of
# many answers is one aggregate per statement. On UPDATE only the answers whose score, time,
# survey or event changed count (a follow-up note changes nothing here).
def _changed(this: str, that: str) -> str:
    return (
        f"(SELECT o.* FROM {this} o JOIN {that} c ON c.id = o.id"
        " WHERE (o.score, o.created_at, o.survey_id, o.event)"
        " IS DISTINCT FROM (c.score, c.created_at, c.survey_id, c.event))"
    )


def _postgres_function(name: str, body: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN {body} RETURN NULL; END $$"
    )


POSTGRES = [
    _postgres_function("answer_counts_insert", _postgres_add("added")),
    _postgres_function(
        "answer_counts_update",
        _postgres_subtract(_changed("gone", "added"))
        + " "
        + _postgres_add(_changed("added", "gone")),
    ),
    _postgres_function("answer_counts_delete", _postgres_subtract("gone")),
    "CREATE TRIGGER answer_counts_insert AFTER INSERT ON responses"
    " REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION answer_counts_insert()",
    "CREATE TRIGGER answer_counts_update AFTER UPDATE ON responses"
    " REFERENCING OLD TABLE AS gone NEW TABLE AS added"
    " FOR EACH STATEMENT EXECUTE FUNCTION answer_counts_update()",
    "CREATE TRIGGER answer_counts_delete AFTER DELETE ON responses"
    " REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION answer_counts_delete()",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS answer_counts_insert ON responses",
    "DROP TRIGGER IF EXISTS answer_counts_update ON responses",
    "DROP TRIGGER IF EXISTS answer_counts_delete ON responses",
    "DROP FUNCTION IF EXISTS answer_counts_insert()",
    "DROP FUNCTION IF EXISTS answer_counts_update()",
    "DROP FUNCTION IF EXISTS answer_counts_delete()",
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
        "score_counts",
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        _survey_fk("score_counts"),
        sa.PrimaryKeyConstraint("survey_id", "score", "hour", name=op.f("pk_score_counts")),
    )
    op.create_table(
        "event_counts",
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        _survey_fk("event_counts"),
        sa.PrimaryKeyConstraint("survey_id", "day", "event", "score", name=op.f("pk_event_counts")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    # The answers already stored, counted as the triggers will count the next ones.
    if postgres:
        op.execute(f"INSERT INTO score_counts (survey_id, hour, score, n) {_hours('responses')}")
        op.execute(
            f"INSERT INTO event_counts (survey_id, day, event, score, n) {_days('responses')}"
        )
    else:
        hour, day = _SQLITE_HOUR.format(row="responses"), _SQLITE_DAY.format(row="responses")
        op.execute(
            f"INSERT INTO score_counts (survey_id, hour, score, n) SELECT survey_id, {hour},"
            " score, count(*) FROM responses GROUP BY 1, 2, 3"
        )
        op.execute(
            "INSERT INTO event_counts (survey_id, day, event, score, n) SELECT survey_id,"
            f" {day}, coalesce(event, ''), score, count(*) FROM responses GROUP BY 1, 2, 3, 4"
        )
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DROP if postgres else SQLITE_DROP:
        op.execute(statement)
    op.drop_table("event_counts")
    op.drop_table("score_counts")
