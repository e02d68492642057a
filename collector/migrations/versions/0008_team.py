"""the team: memberships with roles, invites, the audit trail, saved views, comment search

Every existing account becomes the admin of the site it was made for, so it keeps doing all it
did. The search index over comments and follow-up notes is the database's own: an FTS5 table kept
in step by triggers on SQLite, an expression GIN index of ``to_tsvector('simple', …)`` on
PostgreSQL (``simple``: no stemming for one language, so Finnish and Swedish words match too).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import collector.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
When = collector.models.UTCDateTime(timezone=True)

# SQLite: the text lives in an FTS5 table; ``response_search_ids`` gives each response a stable
# integer (a table without an INTEGER PRIMARY KEY may have its rowids renumbered by VACUUM).
SQLITE_SEARCH = [
    "CREATE TABLE response_search_ids ("
    " rowid INTEGER PRIMARY KEY,"
    " response_id VARCHAR(64) NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE response_search USING fts5("
    " comment, note, tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO response_search_ids (response_id) SELECT id FROM responses",
    "INSERT INTO response_search (rowid, comment, note)"
    " SELECT i.rowid, r.comment, r.followup_note"
    " FROM responses r JOIN response_search_ids i ON i.response_id = r.id",
    "CREATE TRIGGER response_search_insert AFTER INSERT ON responses BEGIN"
    " INSERT INTO response_search_ids (response_id) VALUES (new.id);"
    " INSERT INTO response_search (rowid, comment, note)"
    " VALUES (last_insert_rowid(), new.comment, new.followup_note);"
    " END",
    "CREATE TRIGGER response_search_update AFTER UPDATE OF comment, followup_note ON responses"
    " WHEN old.comment IS NOT new.comment OR old.followup_note IS NOT new.followup_note BEGIN"
    " UPDATE response_search SET comment = new.comment, note = new.followup_note"
    " WHERE rowid = (SELECT rowid FROM response_search_ids WHERE response_id = new.id);"
    " END",
    "CREATE TRIGGER response_search_delete AFTER DELETE ON responses BEGIN"
    " DELETE FROM response_search"
    " WHERE rowid = (SELECT rowid FROM response_search_ids WHERE response_id = old.id);"
    " DELETE FROM response_search_ids WHERE response_id = old.id;"
    " END",
]
SQLITE_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS response_search_insert",
    "DROP TRIGGER IF EXISTS response_search_update",
    "DROP TRIGGER IF EXISTS response_search_delete",
    "DROP TABLE IF EXISTS response_search",
    "DROP TABLE IF EXISTS response_search_ids",
]
POSTGRES_SEARCH = (
    "CREATE INDEX ix_responses_search ON responses USING gin ("
    "to_tsvector('simple'::regconfig,"
    " coalesce(comment, '') || ' ' || coalesce(followup_note, '')))"
)


def upgrade() -> None:
    op.create_table(
        "memberships",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_memberships_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_memberships_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "site_id", name=op.f("pk_memberships")),
    )
    op.create_index(op.f("ix_memberships_site_id_role"), "memberships", ["site_id", "role"])
    op.execute(
        "INSERT INTO memberships (account_id, site_id, role, created_at)"
        " SELECT id, site_id, 'admin', created_at FROM accounts"
    )

    op.create_table(
        "invites",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("invited_by", sa.String(length=254), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("accepted_at", When, nullable=True),
        sa.Column("revoked_at", When, nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_invites_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
    )
    op.create_index(op.f("ix_invites_site_id_accepted_at"), "invites", ["site_id", "accepted_at"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", JSONType, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_audit_events_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        op.f("ix_audit_events_site_id_created_at"), "audit_events", ["site_id", "created_at"]
    )

    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", JSONType, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_saved_views_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_saved_views_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint(
            "account_id", "site_id", "name", name=op.f("uq_saved_views_account_id_site_id_name")
        ),
    )

    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    else:
        op.execute(POSTGRES_SEARCH)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_DROP:
            op.execute(statement)
    else:
        op.execute("DROP INDEX IF EXISTS ix_responses_search")
    op.drop_table("saved_views")
    op.drop_index(op.f("ix_audit_events_site_id_created_at"), table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_invites_site_id_accepted_at"), table_name="invites")
    op.drop_table("invites")
    op.drop_index(op.f("ix_memberships_site_id_role"), table_name="memberships")
    op.drop_table("memberships")
