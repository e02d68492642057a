"""segments: the user traits a site declares, and the daily counts of answers per segment value
and score, kept by triggers on responses in the writer's own transaction

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import collector.models

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_TIME = collector.models.UTCDateTime(timezone=True)

# A trait as ``group_by=trait:<name>`` reads it (collector/services/segments.py, trait_value):
# SQLite's json_type tells booleans from 1 and 0; longer than 200 characters is not kept.
_SQLITE_KEY = (
    "CASE json_type({row}.traits, '$.\"' || name || '\"')"
    " WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
    " ELSE CAST(json_extract({row}.traits, '$.\"' || name || '\"') AS TEXT) END"
)
_SHAPE = "CASE WHEN k IS NULL THEN 'none' WHEN length(k) > 200 THEN 'long' ELSE 'text' END"
_VALUE = "CASE WHEN k IS NULL OR length(k) > 200 THEN '' ELSE k END"
_COLUMNS = "(survey_id, segment, day, shape, value, score)"


# ``counted`` (migration 0023): a condition on the segment row ``s`` and the answer ``r`` that
# says whether the triggers count this answer for that segment ('' here: always).
def _sqlite_keys(row: str, counted: str) -> str:
    where = f" AND {counted.format(r=row, s='site_segments')}" if counted else ""
    return (
        f"(SELECT name, {_SQLITE_KEY.format(row=row)} AS k"
        f" FROM site_segments WHERE site_id = {row}.site_id{where})"
    )


def sqlite_triggers(counted: str = "") -> list[str]:
    add = (
        f"INSERT INTO segment_counts {_COLUMNS[:-1]}, n)"
        f" SELECT new.survey_id, name, date(new.created_at), {_SHAPE}, {_VALUE}, new.score, 1"
        f" FROM {_sqlite_keys('new', counted)} WHERE true"
        f" ON CONFLICT {_COLUMNS} DO UPDATE SET n = n + 1;"
    )
    subtract = (
        "UPDATE segment_counts SET n = n - 1"
        " WHERE survey_id = old.survey_id AND day = date(old.created_at) AND score = old.score"
        f" AND (segment, shape, value) IN"
        f" (SELECT name, {_SHAPE}, {_VALUE} FROM {_sqlite_keys('old', counted)});"
    )
    return [
        f"CREATE TRIGGER segment_counts_insert AFTER INSERT ON responses BEGIN {add} END",
        f"CREATE TRIGGER segment_counts_update AFTER UPDATE OF {_COUNTED} ON responses"
        " WHEN old.score IS NOT new.score OR old.traits IS NOT new.traits"
        " OR old.created_at IS NOT new.created_at OR old.survey_id IS NOT new.survey_id"
        f" BEGIN {subtract} {add} END",
        f"CREATE TRIGGER segment_counts_delete AFTER DELETE ON responses BEGIN {subtract} END",
    ]


_COUNTED = "score, traits, created_at, survey_id"
SQLITE = sqlite_triggers()
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS segment_counts_insert",
    "DROP TRIGGER IF EXISTS segment_counts_update",
    "DROP TRIGGER IF EXISTS segment_counts_delete",
]


def _postgres_counts(rows: str, counted: str = "") -> str:
    """The rows of a transition table, counted per segment cell."""
    on = f" AND {counted.format(r='r', s='s')}" if counted else ""
    return (
        "SELECT survey_id, segment, day, shape, value, score, count(*) AS n FROM ("
        " SELECT r.survey_id, s.name AS segment, (r.created_at AT TIME ZONE 'UTC')::date AS day,"
        f" {_SHAPE} AS shape, {_VALUE} AS value, r.score"
        f" FROM {rows} r JOIN site_segments s ON s.site_id = r.site_id{on},"
        " LATERAL (SELECT r.traits ->> s.name AS k) t"
        ") x GROUP BY 1, 2, 3, 4, 5, 6"
    )


# Statement triggers with transition tables: an import or a purge of many answers is one
# aggregate per statement, not a function call per row. On UPDATE only the answers whose score,
# traits, time or survey changed count (a follow-up note changes nothing here).
def _changed(this: str, that: str) -> str:
    return (
        f"(SELECT o.* FROM {this} o JOIN {that} c ON c.id = o.id"
        " WHERE (o.score, o.traits, o.created_at, o.survey_id)"
        " IS DISTINCT FROM (c.score, c.traits, c.created_at, c.survey_id))"
    )


def _postgres_subtract(rows: str, counted: str = "") -> str:
    return (
        f"UPDATE segment_counts c SET n = c.n - x.n FROM ({_postgres_counts(rows, counted)}) x"
        " WHERE (c.survey_id, c.segment, c.day, c.shape, c.value, c.score)"
        " = (x.survey_id, x.segment, x.day, x.shape, x.value, x.score);"
    )


def _postgres_add(rows: str, counted: str = "") -> str:
    # In key order, so that concurrent writers lock the same rows in the same order.
    return (
        f"INSERT INTO segment_counts AS c {_COLUMNS[:-1]}, n)"
        f" {_postgres_counts(rows, counted)} ORDER BY 1, 2, 3, 4, 5, 6"
        f" ON CONFLICT {_COLUMNS} DO UPDATE SET n = c.n + excluded.n;"
    )


def _postgres_function(name: str, body: str, create: str = "CREATE") -> str:
    return (
        f"{create} FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN {body} RETURN NULL; END $$"
    )


def postgres_functions(counted: str = "", create: str = "CREATE") -> list[str]:
    return [
        _postgres_function("segment_counts_insert", _postgres_add("added", counted), create),
        _postgres_function(
            "segment_counts_update",
            _postgres_subtract(_changed("gone", "added"), counted)
            + " "
            + _postgres_add(_changed("added", "gone"), counted),
            create,
        ),
        _postgres_function("segment_counts_delete", _postgres_subtract("gone", counted), create),
    ]


POSTGRES = [
    *postgres_functions(),
    "CREATE TRIGGER segment_counts_insert AFTER INSERT ON responses"
    " REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION segment_counts_insert()",
    "CREATE TRIGGER segment_counts_update AFTER UPDATE ON responses"
    " REFERENCING OLD TABLE AS gone NEW TABLE AS added"
    " FOR EACH STATEMENT EXECUTE FUNCTION segment_counts_update()",
    "CREATE TRIGGER segment_counts_delete AFTER DELETE ON responses"
    " REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION segment_counts_delete()",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS segment_counts_insert ON responses",
    "DROP TRIGGER IF EXISTS segment_counts_update ON responses",
    "DROP TRIGGER IF EXISTS segment_counts_delete ON responses",
    "DROP FUNCTION IF EXISTS segment_counts_insert()",
    "DROP FUNCTION IF EXISTS segment_counts_update()",
    "DROP FUNCTION IF EXISTS segment_counts_delete()",
]


def upgrade() -> None:
    op.create_table(
        "site_segments",
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_segments_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_id", "name", name=op.f("pk_site_segments")),
    )
    op.create_table(
        "segment_counts",
        sa.Column("survey_id", sa.String(length=40), nullable=False),
        sa.Column("segment", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shape", sa.String(length=4), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_segment_counts_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "survey_id", "segment", "day", "shape", "value", "score", name=op.f("pk_segment_counts")
        ),
    )
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_DROP if op.get_bind().dialect.name == "sqlite" else POSTGRES_DROP:
        op.execute(statement)
    op.drop_table("segment_counts")
    op.drop_table("site_segments")
